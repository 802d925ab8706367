"""A counter's increase over a silence: spread by a rule and flagged, never in one bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
from pathlib import Path

import pvlib
import pytest

from .bronze_factory import emoncms_feeds, fronius_meter, fronius_powerflow, write_segment
from .conftest import make_lakehouse, query

BERLIN = {"latitude": 52.52, "longitude": 13.42}
EVENING = datetime(2026, 6, 10, 21, 45, tzinfo=UTC)  # 23:45 in Berlin, sun long set
MORNING = datetime(2026, 6, 11, 7, 45, tzinfo=UTC)  # ten hours later


def _symo_overnight(lake: Path, *, token: str = "a1") -> None:
    """The issue's case: answers until 21:45, silence, answers again at 07:45, +1100 Wh."""
    night = [
        fronius_powerflow(EVENING - timedelta(minutes=m), pv=0, grid=300, pv_total=50_000)
        for m in (10, 5, 0)
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", night, token=f"{token}e")
    morning = [
        fronius_powerflow(MORNING + timedelta(minutes=m), pv=0, grid=300, pv_total=51_100)
        for m in (0, 5)
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", morning, token=f"{token}m")


def test_pv_counter_over_a_night_goes_where_the_sun_was(lake: Path, tmp_path: Path) -> None:
    _symo_overnight(lake)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="Europe/Berlin", **BERLIN).build()

    rows = query(
        db,
        "SELECT timestamp, pv_wh, energy_spread FROM solar_readings "
        "WHERE timestamp >= TIMESTAMPTZ '2026-06-10 21:45:00+00' "
        "AND timestamp < TIMESTAMPTZ '2026-06-11 07:45:00+00' ORDER BY 1",
    )
    assert len(rows) == 120  # every bucket of the silence has a row
    assert all(spread for _, _, spread in rows)
    assert sum(wh for _, wh, _ in rows) == pytest.approx(1100.0)
    middles = [ts + timedelta(seconds=150) for ts, _, _ in rows]
    sun = pvlib.solarposition.get_solarposition(middles, method="nrel_numpy", **BERLIN)
    for (ts, wh, _), elevation in zip(rows, sun["elevation"], strict=True):
        if elevation < -1:  # the approximation is within 0.5° of SPA
            assert wh == 0.0, ts
    # More in the last bucket (sun highest) than in the first after sunrise.
    lit = [wh for _, wh, _ in rows if wh > 0]
    assert lit == sorted(lit)
    assert lit[-1] / lit[0] > 5
    days = query(
        db,
        "SELECT local_date::VARCHAR, solar_produced_wh, solar_energy_spread "
        "FROM daily_energy_balance ORDER BY 1",
    )
    # None of it before local midnight (it was night); all of it on the 11th, flagged.
    assert days[0][0] == "2026-06-10"
    assert days[0][1] == pytest.approx(0.0)
    assert days[1][0] == "2026-06-11"
    assert days[1][1] == pytest.approx(1100.0)
    assert days[1][2] is True


def test_without_a_location_pv_is_spread_evenly(lake: Path, tmp_path: Path) -> None:
    _symo_overnight(lake)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="Europe/Berlin").build()  # no weather, no location
    rows = query(
        db,
        "SELECT round(pv_wh, 9), count(*) FROM solar_readings WHERE energy_spread GROUP BY 1",
    )
    assert rows == [(round(1100.0 / 120, 9), 120)]


def test_grid_counters_are_spread_evenly(lake: Path, tmp_path: Path) -> None:
    """The meter is silent for two hours while the house imports 600 Wh."""
    start = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    readings = [(0, 1000.0), (5, 1025.0), (125, 1625.0), (130, 1650.0)]
    records = [
        fronius_meter(start + timedelta(minutes=m), imported_wh=wh, exported_wh=0, grid=300)
        for m, wh in readings
    ]
    write_segment(lake, "fronius", "inv1", "meter", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC", **BERLIN).build()
    rows = query(
        db,
        "SELECT strftime(timestamp, '%H:%M'), round(import_wh, 9), energy_spread "
        "FROM solar_readings ORDER BY 1",
    )
    assert rows[0] == ("10:00", 25.0, False)
    assert rows[1:25] == [
        ((start + timedelta(minutes=5 * k)).strftime("%H:%M"), 25.0, True) for k in range(1, 25)
    ]
    assert rows[25] == ("12:05", 25.0, False)
    day = query(db, "SELECT grid_import_wh FROM daily_energy_balance")
    # The day's import equals the counter's difference over it.
    assert day == [(pytest.approx(650.0),)]


def test_heat_pump_counters_are_spread_evenly(lake: Path, tmp_path: Path) -> None:
    """emonHP silent for three hours: 900 Wh in, 3150 Wh heat out, spread evenly."""
    start = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    readings = [(0, 100.0, 400.0), (180, 100.9, 403.15)]
    records = [
        emoncms_feeds(
            start + timedelta(minutes=m),
            elec=300,
            heat=1050,
            flow=35,
            ret=30,
            outside=2,
            elec_kwh=elec,
            heat_kwh=heat,
        )
        for m, elec, heat in readings
    ]
    write_segment(lake, "emoncms", "emonhp", "feed_list", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    rows = query(
        db,
        "SELECT round(elec_wh, 9), round(heat_wh, 9), energy_spread, count(*) "
        "FROM heatpump_readings WHERE timestamp < TIMESTAMPTZ '2026-01-15 13:00:00+00' "
        "GROUP BY ALL",
    )
    assert rows == [(25.0, 87.5, True, 36)]
    day = query(
        db,
        "SELECT heatpump_consumed_wh, heatpump_heat_wh, heatpump_energy_spread FROM "
        "daily_energy_balance",
    )
    assert day == [(pytest.approx(900.0), pytest.approx(3150.0), True)]


def test_a_silence_longer_than_a_day_is_booked_nowhere(lake: Path, tmp_path: Path) -> None:
    start = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    minutes = [0, 5, 5 + 25 * 60, 10 + 25 * 60]
    records = [
        fronius_meter(
            start + timedelta(minutes=m), imported_wh=1000 + m * 5, exported_wh=0, grid=300
        )
        for m in minutes
    ]
    write_segment(lake, "fronius", "inv1", "meter", records)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC").build()
    rows = query(db, "SELECT count(*), sum(import_wh), bool_or(energy_spread) FROM solar_readings")
    # Four samples, two 5-minute steps of 25 Wh; the 7500 Wh of the 25 silent hours are
    # in no bucket.
    assert rows == [(4, pytest.approx(50.0), False)]
    lifetime = query(db, "SELECT max(import_kwh) FROM solar_readings")
    assert lifetime == [(pytest.approx((1000 + minutes[-1] * 5) / 1000),)]


def test_the_morning_arriving_later_spreads_the_night_as_a_full_build(
    lake: Path, tmp_path: Path
) -> None:
    incremental = make_lakehouse(lake, tmp_path / "inc.duckdb", **BERLIN)
    _symo_overnight(lake)
    morning = next(lake.rglob("*a1m*"))
    morning.rename(tmp_path / morning.name)
    incremental.build()  # the evening alone
    (tmp_path / morning.name).rename(morning)
    incremental.build()  # the morning lands: the night is spread
    full = make_lakehouse(lake, tmp_path / "full.duckdb", **BERLIN)
    full.build()
    sql = "SELECT timestamp, round(pv_wh, 9), energy_spread FROM solar_readings ORDER BY 1"
    assert query(tmp_path / "inc.duckdb", sql) == query(tmp_path / "full.duckdb", sql)
    assert math.isclose(
        query(tmp_path / "inc.duckdb", "SELECT sum(pv_wh) FROM solar_readings")[0][0], 1100.0
    )
