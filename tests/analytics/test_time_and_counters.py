"""Local days across DST changes, counter resets and device restarts, outliers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .bronze_factory import emoncms_feeds, fronius_powerflow, write_segment
from .conftest import make_lakehouse, query


def _every_minute(lake: Path, start: datetime, count: int, token: str) -> None:
    records = [
        fronius_powerflow(start + timedelta(minutes=m), pv=600, grid=0) for m in range(count)
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", records, token=token)


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        # Berlin: 29 Mar starts 28 Mar 23:00 UTC (CET) and lasts 23 h; 25 Oct starts
        # 24 Oct 22:00 UTC (CEST) and lasts 25 h. Each answer holds 600 W for a minute:
        # 10 Wh per interval; 6 intervals before local midnight, 4 after.
        (
            "Europe/Berlin",
            [
                ("2026-03-28", 24.0, 60.0),
                ("2026-03-29", 23.0, 40.0),
                ("2026-10-24", 24.0, 60.0),
                ("2026-10-25", 25.0, 40.0),
            ],
        ),
        # The same answers in UTC all fall on the day they were measured.
        ("UTC", [("2026-03-28", 24.0, 100.0), ("2026-10-24", 24.0, 100.0)]),
    ],
)
def test_daily_totals_follow_local_days_through_dst(
    lake: Path, tmp_path: Path, timezone: str, expected: list[tuple[str, float, float]]
) -> None:
    _every_minute(lake, datetime(2026, 3, 28, 22, 54, tzinfo=UTC), 11, "spring")
    _every_minute(lake, datetime(2026, 10, 24, 21, 54, tzinfo=UTC), 11, "autumn")
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone=timezone).build()
    rows = query(
        db,
        "SELECT local_date::VARCHAR, hours_in_day, round(solar_produced_wh, 6) "
        "FROM daily_energy_balance ORDER BY 1",
    )
    assert rows == expected


def test_counter_reset_never_gives_negative_energy(lake: Path, tmp_path: Path) -> None:
    """The electricity counter restarts from zero after a monitor restart."""
    start = datetime(2026, 2, 3, 12, 0, tzinfo=UTC)
    counters = [100.000, 100.010, 100.020, 0.000, 0.010, 0.020]
    records = [
        emoncms_feeds(
            start + timedelta(seconds=30 * i),
            elec=1200,
            heat=3600,
            flow=35,
            ret=30,
            outside=0,
            elec_kwh=kwh,
            heat_kwh=None,
        )
        for i, kwh in enumerate(counters)
    ]
    write_segment(lake, "emoncms", "hp1", "feed_list", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    rows = query(db, "SELECT elec_wh, counter_reset, power_kwh FROM heatpump_readings")
    # 10 Wh per counter step; the step across the reset falls back to 1200 W x 30 s.
    assert [(round(e, 6), r, k) for e, r, k in rows] == [(50.0, True, 0.02)]
    assert query(db, "SELECT count(*) FROM heatpump_readings WHERE elec_wh < 0") == [(0,)]
    daily = query(
        db, "SELECT round(elec_wh, 6), counter_reset, quality_flag FROM heatpump_cop_daily"
    )
    assert daily == [(50.0, True, "low_coverage")]


def test_restart_gap_is_not_integrated_but_reported(lake: Path, tmp_path: Path) -> None:
    """The inverter answers, goes silent for 25 minutes, then answers again."""
    start = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    records = [fronius_powerflow(start + timedelta(minutes=m), pv=1200, grid=0) for m in (0, 1, 2)]
    records += [fronius_powerflow(start + timedelta(minutes=m), pv=1200, grid=0) for m in (27, 28)]
    write_segment(lake, "fronius", "inv1", "powerflow", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    rows = query(
        db,
        "SELECT strftime(timestamp, '%H:%M'), round(pv_wh, 6), coverage_pct, gap_s "
        "FROM solar_readings ORDER BY 1",
    )
    # 2 minutes held, then 25 silent minutes (more than 20) that count as a gap.
    assert rows == [("09:00", 40.0, 40.0, 180.0), ("09:25", 20.0, 20.0, 240.0)]


def test_outliers_are_flagged_and_kept_out_of_energy(lake: Path, tmp_path: Path) -> None:
    start = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    watts = [1200, 1200, 9_000_000, 1200, 1200]
    records = [
        fronius_powerflow(start + timedelta(minutes=m), pv=w, grid=0) for m, w in enumerate(watts)
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    row = query(
        db, "SELECT pv_watts, round(pv_wh, 6), outlier_samples, is_outlier FROM solar_readings"
    )
    # Three good intervals of 20 Wh; the 9 MW reading is counted, flagged, not averaged.
    assert row == [(1200.0, 60.0, 1, True)]
    assert query(db, "SELECT pv_w FROM stg_fronius_powerflow WHERE pv_w > 1e6") == [(9_000_000.0,)]


def test_changing_the_time_zone_recomputes_every_day(lake: Path, tmp_path: Path) -> None:
    _every_minute(lake, datetime(2026, 3, 28, 22, 54, tzinfo=UTC), 11, "spring")
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    make_lakehouse(lake, db, timezone="Europe/Berlin").build()
    rows = query(
        db,
        "SELECT local_date::VARCHAR, round(solar_produced_wh, 6) "
        "FROM daily_energy_balance ORDER BY 1",
    )
    assert rows == [("2026-03-28", 60.0), ("2026-03-29", 40.0)]
