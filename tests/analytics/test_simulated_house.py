"""End to end: the house simulator's history through the lakehouse, against its truth.

The simulator writes two days of Bronze exactly as the integration would (Fronius every
10 s, emoncms every 30 s, three weather APIs hourly) and the energy its physics produced.
The first day is compared: the second only gives its last interval an end.
"""

from __future__ import annotations

import csv
from pathlib import Path
import subprocess
import sys

import pytest

from .conftest import make_lakehouse, one_row


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("house")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "house_simulator",
            "history",
            "--days",
            "2",
            "--end",
            "2026-03-01",
            "--lake",
            str(root / "lake"),
            "--workers",
            "2",
        ],
        check=True,
        capture_output=True,
    )
    return root


def test_daily_balance_and_cop_match_the_physics(simulated: Path, tmp_path: Path) -> None:
    with (simulated / "truth_daily.csv").open(encoding="utf-8") as handle:
        truth = {row["date"]: row for row in csv.DictReader(handle)}["2026-02-27"]
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(simulated / "lake", db, timezone="UTC").build()
    assert (report.corrupt, report.partial) == ([], [])
    day = one_row(db, "SELECT * FROM daily_energy_balance WHERE local_date = DATE '2026-02-27'")
    # Fronius counters and powers are exact to the Wh.
    assert day["solar_produced_wh"] == pytest.approx(float(truth["pv_wh"]), abs=0.5)
    assert day["grid_import_wh"] == pytest.approx(float(truth["grid_import_wh"]), abs=0.5)
    assert day["grid_export_wh"] == pytest.approx(float(truth["grid_export_wh"]), abs=0.5)
    # The house's load includes the heat pump, which the truth lists apart.
    house = float(truth["load_wh"]) + float(truth["hp_electric_wh"])
    assert day["home_load_wh"] == pytest.approx(house, abs=1.0)
    # emoncms counts kWh with three decimals: the day's delta is right to about 1 Wh.
    assert day["heatpump_consumed_wh"] == pytest.approx(float(truth["hp_electric_wh"]), abs=1.5)
    assert day["solar_coverage_pct"] == 100
    cop = one_row(
        db, "SELECT cop, quality_flag FROM heatpump_cop_daily WHERE local_date = DATE '2026-02-27'"
    )
    assert cop["cop"] == pytest.approx(float(truth["cop"]), abs=5e-4)
    assert cop["quality_flag"] == "ok"
