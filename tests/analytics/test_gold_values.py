"""Gold values against the hand-worked day of scenario.py, to the watt-hour."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import scenario as s
from .conftest import make_lakehouse, one_row, query


@pytest.fixture
def built(lake: Path, tmp_path: Path) -> Path:
    s.write_solar(lake)
    s.write_heatpump(lake)
    db = tmp_path / "lake.duckdb"
    report = make_lakehouse(lake, db).build()
    assert report.corrupt == []
    assert report.read == 5
    return db


def test_daily_energy_balance_to_the_wh(built: Path) -> None:
    day = one_row(built, "SELECT * FROM daily_energy_balance")
    assert str(day["local_date"]) == "2026-06-10"
    assert day["hours_in_day"] == 24
    assert day["solar_produced_wh"] == pytest.approx(s.SOLAR_PRODUCED_WH, abs=1e-6)
    assert day["grid_export_wh"] == pytest.approx(s.GRID_EXPORT_WH, abs=1e-6)
    assert day["grid_import_wh"] == pytest.approx(s.GRID_IMPORT_WH, abs=1e-6)
    assert day["net_export_wh"] == pytest.approx(210 - 125, abs=1e-6)
    assert day["home_load_wh"] == pytest.approx(s.HOME_LOAD_WH, abs=1e-6)
    assert day["battery_charge_wh"] == pytest.approx(s.BATTERY_CHARGE_WH, abs=1e-6)
    assert day["battery_discharge_wh"] == pytest.approx(s.BATTERY_DISCHARGE_WH, abs=1e-6)
    heatpump_wh = s.HP_ELEC_MORNING_WH + s.HP_ELEC_EVENING_WH
    assert day["heatpump_consumed_wh"] == pytest.approx(heatpump_wh, abs=1e-6)
    # Solar kept in the house: 600 - 210 = 390 Wh of 600 Wh.
    assert day["self_consumed_wh"] == pytest.approx(390, abs=1e-6)
    assert day["self_consumption_pct"] == pytest.approx(65.0)
    # The house drew 125 of its 250 Wh from the grid.
    assert day["self_sufficiency_pct"] == pytest.approx(50.0)
    # Straight from the sun: 250 - 125 from the grid - 30 from the battery = 95 Wh.
    assert day["load_from_solar_wh"] == pytest.approx(95, abs=1e-6)
    assert day["solar_share_of_load_pct"] == pytest.approx(38.0)


def test_counter_beats_power_where_both_exist(built: Path) -> None:
    rows = query(
        built,
        "SELECT strftime(timestamp, '%H:%M'), export_wh, import_wh FROM solar_readings "
        "WHERE timestamp < TIMESTAMPTZ '2026-06-10 12:00:00+00' ORDER BY 1",
    )
    # Meter counter: 5 minutes x 21 Wh per 5-minute bucket, not 5 x 20 Wh from P_Grid.
    # The 10:10 answer is followed by ten silent hours in which no counter moved:
    # nothing to spread, and no power is held across a silence.
    assert [(r[0], r[1] and round(r[1], 6), r[2] and round(r[2], 6)) for r in rows] == [
        ("10:00", 105.0, 0.0),
        ("10:05", 105.0, 0.0),
        ("10:10", None, None),
    ]


def test_silver_grid_and_quality_columns(built: Path) -> None:
    first = one_row(
        built,
        "SELECT * FROM solar_readings WHERE timestamp = TIMESTAMPTZ '2026-06-10 10:00:00+00'",
    )
    assert first["pv_watts"] == 3600
    assert first["grid_export"] == 1200
    assert first["grid_import"] == 0
    assert first["load_watts"] == pytest.approx(600)
    assert first["battery_soc"] == 40
    assert first["coverage_pct"] == 100
    assert first["gap_s"] == 0
    assert first["is_outlier"] is False
    last = one_row(
        built,
        "SELECT * FROM solar_readings WHERE timestamp = TIMESTAMPTZ '2026-06-10 10:10:00+00'",
    )
    # The last answer before a 10-hour silence covers nothing: the gap is reported.
    assert last["coverage_pct"] == 0
    assert last["gap_s"] == 300
    assert last["pv_wh"] is None


def test_cop_daily_is_a_ratio_of_sums(built: Path) -> None:
    day = one_row(built, "SELECT * FROM heatpump_cop_daily")
    elec = s.HP_ELEC_MORNING_WH + s.HP_ELEC_EVENING_WH
    heat = s.HP_HEAT_MORNING_WH + s.HP_HEAT_EVENING_WH
    assert day["elec_wh"] == pytest.approx(420, abs=1e-6)
    assert day["heat_wh"] == pytest.approx(1200, abs=1e-6)
    assert day["cop"] == pytest.approx(heat / elec)
    # The mean of the two hourly COPs (3.64 and 2.0) would be 2.82, not 2.857.
    assert day["cop"] != pytest.approx((800 / 220 + 400 / 200) / 2, abs=1e-3)
    carnot_morning = (35 + 2 + 273.15) / ((35 + 2) - (5 - 6))
    carnot_evening = (45 + 2 + 273.15) / ((45 + 2) - (-5 - 6))
    ideal = 220 * carnot_morning + 200 * carnot_evening
    assert day["pct_carnot"] == pytest.approx(100 * 1200 / ideal)
    assert day["defrost_wh"] == 0
    assert day["running_minutes"] == pytest.approx(15)
    # 15 running minutes of 24 hours measured: far below the coverage threshold.
    assert day["quality_flag"] == "low_coverage"


def test_cop_hourly(built: Path) -> None:
    rows = query(
        built,
        "SELECT local_hour, elec_wh, heat_wh, cop FROM heatpump_cop_hourly ORDER BY timestamp",
    )
    assert [(h, round(e, 6), round(q, 6), round(c, 6)) for h, e, q, c in rows] == [
        (12, 220.0, 800.0, round(800 / 220, 6)),
        (22, 200.0, 400.0, 2.0),
    ]


def test_cop_bins_and_heatmap(built: Path) -> None:
    outside = query(
        built,
        "SELECT outside_bin_c, elec_wh, heat_wh, cop FROM heatpump_cop_by_outside_temp ORDER BY 1",
    )
    assert [(b, round(e, 6), round(q, 6), round(c, 6)) for b, e, q, c in outside] == [
        (-5.0, 200.0, 400.0, 2.0),
        (5.0, 220.0, 800.0, round(800 / 220, 6)),
    ]
    flow = query(built, "SELECT flow_bin_c, cop FROM heatpump_cop_by_flow_temp ORDER BY 1")
    assert [(b, round(c, 6)) for b, c in flow] == [(35.0, round(800 / 220, 6)), (45.0, 2.0)]
    heatmap = query(
        built,
        "SELECT outside_bin_c, flow_bin_c, share_of_heat_pct FROM heatpump_cop_heatmap ORDER BY 1",
    )
    assert [(o, f, round(p, 6)) for o, f, p in heatmap] == [
        (-6.0, 44.0, round(100 * 400 / 1200, 6)),
        (4.0, 34.0, round(100 * 800 / 1200, 6)),
    ]


def test_consumption_features(built: Path) -> None:
    rows = query(
        built,
        "SELECT local_hour, pv_wh, load_wh, heatpump_elec_wh, base_load_wh "
        "FROM features_consumption_hourly ORDER BY timestamp",
    )
    assert [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows] == [
        (12, 600.0, 100.0, 220.0, -120.0),
        # PV null beside an inverter at P != 0 cannot be told from battery: not reported.
        (22, None, 150.0, 200.0, -50.0),
    ]
