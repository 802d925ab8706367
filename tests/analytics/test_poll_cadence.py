"""Coverage, running time and energy hold at every poll interval a user may choose.

A sample holds until the next one (up to the gap limit), and its interval is split over
the 5-minute buckets it spans, pro rata. So a day polled every 10 s, 5, 10 or 15 minutes,
or 15 minutes plus the few seconds HA's coordinator adds, is fully covered, and its
hours' energies add up to the counters' difference over the day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
import random

import pytest

from .bronze_factory import emoncms_feeds, fronius_powerflow, write_segment
from .conftest import make_lakehouse, query

DAY = datetime(2026, 1, 14, tzinfo=UTC)
HP_WATTS = 1200.0  # constant draw: the counter rises 1.2 kWh an hour, 28.8 kWh a day
HEAT_WATTS = 4200.0
PV_WATTS = 600.0


def _times(spacing: tuple[float, float], seed: int = 7) -> Iterator[datetime]:
    """Sample times from before the day's start to after its end, ``spacing`` apart (s).

    Whole seconds, as the devices stamp their answers.
    """
    rng = random.Random(seed)
    low, high = (int(s) for s in spacing)
    moment = DAY - timedelta(seconds=high)
    while moment <= DAY + timedelta(days=1, seconds=high):
        yield moment
        moment += timedelta(seconds=rng.randint(low, high))


def _counter(at: datetime, watts: float) -> float:
    """A lifetime counter (Wh) rising at ``watts`` since an arbitrary day long ago."""
    return 5_000_000.0 + watts * (at - datetime(2025, 1, 1, tzinfo=UTC)).total_seconds() / 3600


CADENCES = {
    "10s": (10.0, 10.0),
    "5min": (300.0, 300.0),
    "10min": (600.0, 600.0),
    "15min": (900.0, 900.0),
    "15min+jitter": (900.0, 960.0),
}


@pytest.fixture(params=CADENCES, ids=list(CADENCES))
def built(request: pytest.FixtureRequest, lake: Path, tmp_path: Path) -> Path:
    """A Fronius and an emonHP polled at one cadence for a day and a bit, built."""
    times = list(_times(CADENCES[request.param]))
    solar = [
        fronius_powerflow(at, pv=PV_WATTS, grid=0, pv_total=_counter(at, PV_WATTS)) for at in times
    ]
    heatpump = [
        emoncms_feeds(
            at,
            elec=HP_WATTS,
            heat=HEAT_WATTS,
            flow=40.0,
            ret=35.0,
            outside=2.0,
            elec_kwh=_counter(at, HP_WATTS) / 1000,
            heat_kwh=_counter(at, HEAT_WATTS) / 1000,
        )
        for at in times
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", solar)
    write_segment(lake, "emoncms", "hp1", "feed_list", heatpump)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    return db


def test_a_day_without_gaps_is_fully_covered(built: Path) -> None:
    (daily,) = query(
        built,
        "SELECT coverage_pct, quality_flag FROM heatpump_cop_daily WHERE local_date = ?",
        [DAY.date()],
    )
    assert daily[0] == pytest.approx(100.0)
    assert daily[1] == "ok"
    hours = query(
        built,
        "SELECT min(coverage_pct), max(coverage_pct), count(*), "
        "count(*) FILTER (WHERE quality_flag = 'low_coverage') "
        "FROM heatpump_cop_hourly WHERE local_date = ?",
        [DAY.date()],
    )
    assert hours[0][0] == pytest.approx(100.0)
    assert hours[0][1] == pytest.approx(100.0)
    assert hours[0][2:] == (24, 0)
    (balance,) = query(
        built,
        "SELECT solar_coverage_pct, heatpump_coverage_pct FROM daily_energy_balance "
        "WHERE local_date = ?",
        [DAY.date()],
    )
    assert balance == pytest.approx((100.0, 100.0))


def test_hourly_energy_adds_up_to_the_counters_over_the_day(built: Path) -> None:
    hours = query(
        built,
        "SELECT elec_wh, heat_wh, running_minutes FROM heatpump_cop_hourly "
        "WHERE local_date = ? ORDER BY timestamp",
        [DAY.date()],
    )
    # Steps that cross an hour boundary are split between the hours: each hour gets its own.
    assert [h[0] for h in hours] == pytest.approx([HP_WATTS] * 24)
    assert [h[1] for h in hours] == pytest.approx([HEAT_WATTS] * 24)
    assert [h[2] for h in hours] == pytest.approx([60.0] * 24)
    end = DAY + timedelta(days=1)
    elec = sum(h[0] for h in hours)
    assert elec == pytest.approx(_counter(end, HP_WATTS) - _counter(DAY, HP_WATTS))
    (solar,) = query(
        built,
        "SELECT solar_produced_wh FROM daily_energy_balance WHERE local_date = ?",
        [DAY.date()],
    )
    assert solar[0] == pytest.approx(_counter(end, PV_WATTS) - _counter(DAY, PV_WATTS))


def test_a_step_across_a_bucket_edge_is_split_pro_rata(lake: Path, tmp_path: Path) -> None:
    """A 15-minute step starting at 09:55 books 5 minutes into 09:00 and 10 into 10:00."""
    start = datetime(2026, 1, 14, 9, 55, tzinfo=UTC)
    times = [start, start + timedelta(minutes=15)]
    records = [
        emoncms_feeds(
            at, elec=HP_WATTS, heat=0, flow=30, ret=30, outside=5,
            elec_kwh=_counter(at, HP_WATTS) / 1000,
        )
        for at in times
    ]  # fmt: skip
    write_segment(lake, "emoncms", "hp1", "feed_list", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    buckets = query(
        db,
        "SELECT strftime(timestamp, '%H:%M'), round(elec_wh, 6), coverage_pct, running_s, "
        "samples FROM heatpump_readings ORDER BY timestamp",
    )
    assert buckets == [
        ("09:55", 100.0, 100.0, 300.0, 1),
        ("10:00", 100.0, 100.0, 300.0, 0),
        ("10:05", 100.0, 100.0, 300.0, 0),
        ("10:10", None, 0.0, 0.0, 1),  # the last sample: it holds nothing yet
    ]


def test_a_silence_longer_than_the_gap_limit_is_still_a_gap(lake: Path, tmp_path: Path) -> None:
    """25 minutes without an answer: no time covered, no power held across it."""
    start = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)
    times = [start, start + timedelta(minutes=25)]
    records = [fronius_powerflow(at, pv=PV_WATTS, grid=0) for at in times]
    write_segment(lake, "fronius", "inv1", "powerflow", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    rows = query(db, "SELECT sum(pv_wh), sum(300 - gap_s) FROM solar_readings")
    assert rows == [(None, 0.0)]
