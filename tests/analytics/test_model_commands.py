"""``train``, ``predict`` and ``backtest`` on 18 simulated winter days, as a user runs them.

The house simulator writes the Bronze of a real house (PV, battery, heat pump, three
weather APIs with their forecast errors); the lakehouse builds it; the commands must
train every model, forecast a day into Gold and score a backtest in the JSON shape
other tools read. A full rebuild keeps what the models wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from energy_lakehouse.cli import EXIT_MODELS, EXIT_OK, run

from .conftest import make_lakehouse, query

DAYS = 18


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("winter")
    subprocess.run(
        [sys.executable, "-m", "house_simulator", "history", "--days", str(DAYS),
         "--end", "2026-02-01", "--lake", str(root / "lake"), "--workers", "2"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    make_lakehouse(root / "lake", root / "house.duckdb").build()
    return root


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    """A copy of the built database for each test, with no models yet."""
    copy = tmp_path / "house.duckdb"
    shutil.copy(built / "house.duckdb", copy)
    return copy


def test_train_predict_backtest(built: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["train", "--db", str(db)]) == EXIT_OK
    out = capsys.readouterr().out
    for name in ("consensus", "cop", "pv", "heatpump", "load", "grid"):
        assert (db.parent / "models" / name).is_dir(), out
    assert "skipped" not in out

    assert run(["predict", "--db", str(db), "--date", "2026-01-31"]) == EXIT_OK
    assert "2026-01-31: pv" in capsys.readouterr().out
    rows = query(
        db,
        "SELECT target, count(*), min(value_wh), count(DISTINCT model_version) "
        "FROM forecast_hourly GROUP BY target ORDER BY target",
    )
    assert [(t, n) for t, n, _, _ in rows] == [
        ("grid_export", 24), ("grid_import", 24), ("heatpump", 24), ("load", 24), ("pv", 24),
    ]  # fmt: skip
    assert all(low >= 0 and versions == 1 for _, _, low, versions in rows)
    night = query(
        db,
        "SELECT max(f.value_wh) FROM forecast_hourly AS f JOIN features_sun_position AS s "
        "USING (timestamp) WHERE f.target = 'pv' AND s.sun_elevation_deg <= 0",
    )
    assert night == [(0.0,)]
    cop = query(
        db, "SELECT count(*), min(cop_expected), max(cop_expected) FROM cop_expected_hourly"
    )
    assert cop[0][0] == 24
    assert 1 <= cop[0][1] <= cop[0][2] <= 10
    # The same day again replaces its rows.
    assert run(["predict", "--db", str(db), "--date", "2026-01-31"]) == EXIT_OK
    capsys.readouterr()
    assert query(db, "SELECT count(*) FROM forecast_hourly") == [(120,)]

    assert run(["backtest", "--db", str(db), "--days", "2", "--json", "--no-progress"]) == EXIT_OK
    scores = json.loads(capsys.readouterr().out)
    assert set(scores["pv"]) >= {"nrmse_pct", "nmae_pct", "skill_vs_persistence_pct", "days"}
    assert set(scores["heatpump"]) >= {"daily_cv_rmse_pct", "daily_nmbe_pct", "hourly_cv_rmse_pct"}
    assert set(scores["cop"]) >= {"daily_mae", "hourly_mae"}
    assert {"load", "grid_import"} <= set(scores)
    assert scores["pv"]["days"] == 2
    assert run(["backtest", "--db", str(db), "--days", "2", "--no-progress"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "pv: nrmse_pct" in text
    assert "cop hourly MAE by outside temperature:" in text
    bins = query(
        db, "SELECT count(*) FROM backtest_metrics WHERE metric LIKE 'hourly_mae_outside_%'"
    )
    assert bins[0][0] > 0
    stored = query(db, "SELECT DISTINCT target FROM backtest_metrics ORDER BY 1")
    assert ("pv",) in stored
    assert ("cop",) in stored

    # A rebuild from Bronze keeps what the models wrote.
    make_lakehouse(built / "lake", db).build(full_refresh=True)
    assert query(db, "SELECT count(*) FROM forecast_hourly") == [(120,)]


def test_predict_without_models_or_without_a_forecast(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["predict", "--db", str(db)]) == EXIT_MODELS
    assert "no trained consensus model" in capsys.readouterr().err
    assert run(["train", "--db", str(db)]) == EXIT_OK
    capsys.readouterr()
    assert run(["predict", "--db", str(db), "--date", "2025-06-01"]) == EXIT_MODELS
    assert "no sun position for 2025-06-01" in capsys.readouterr().err
