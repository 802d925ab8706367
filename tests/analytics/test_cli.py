"""The command line: help, exit codes, build, status and both exports."""

from __future__ import annotations

from pathlib import Path

from deltalake import DeltaTable
import pyarrow.dataset as ds
import pytest

from energy_lakehouse.cli import EXIT_DATABASE, EXIT_LAKE, EXIT_OK, EXIT_USAGE, run

from . import scenario as s


@pytest.mark.parametrize(
    "command", [[], ["build"], ["status"], ["export"], ["train"], ["predict"], ["backtest"]]
)
def test_help_on_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: energy-lakehouse" in capsys.readouterr().out


def test_build_status_and_exports(
    lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s.write_solar(lake)
    s.write_heatpump(lake)
    db = tmp_path / "house.duckdb"
    common = [
        "--db",
        str(db),
        "--timezone",
        "Europe/Berlin",
        "--memory-limit",
        "256MB",
        "--threads",
        "1",
    ]
    assert run(["build", "--lake", str(lake), "--no-progress", *common]) == EXIT_OK
    assert "5 read" in capsys.readouterr().out
    assert run(["status", *common]) == EXIT_OK
    status = capsys.readouterr().out
    assert "segments: ok 5" in status
    assert "daily_energy_balance" in status

    parquet = tmp_path / "parquet"
    assert run(["export", "--out", str(parquet), "--silver", *common]) == EXIT_OK
    daily = ds.dataset(parquet / "daily_energy_balance", partitioning="hive").to_table()
    assert daily.num_rows == 1
    assert sorted(p.name for p in (parquet / "daily_energy_balance").iterdir()) == ["year=2026"]
    assert (parquet / "daily_energy_balance" / "year=2026" / "month=6").is_dir()
    readings = ds.dataset(parquet / "solar_readings", partitioning="hive").to_table()
    assert readings.num_rows == 5

    delta = tmp_path / "delta"
    assert run(["export", "--format", "delta", "--out", str(delta), *common]) == EXIT_OK
    cop = DeltaTable(str(delta / "heatpump_cop_daily")).to_pyarrow_table()
    assert cop.column("cop").to_pylist() == pytest.approx([1200 / 420])
    # A second export replaces the data and keeps Delta's history.
    assert run(["export", "--format", "delta", "--out", str(delta), *common]) == EXIT_OK
    assert DeltaTable(str(delta / "heatpump_cop_daily")).to_pyarrow_table().num_rows == 1


def test_errors_have_distinct_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.duckdb"
    assert run(["build", "--lake", str(tmp_path / "missing"), "--db", str(db)]) == EXIT_LAKE
    assert "lake folder not found" in capsys.readouterr().err
    assert run(["status", "--db", str(tmp_path / "none.duckdb")]) == EXIT_DATABASE
    assert "run 'build' first" in capsys.readouterr().err
    (tmp_path / "lake").mkdir()
    assert (
        run(["build", "--lake", str(tmp_path / "lake"), "--db", str(db), "--memory-limit", "lots"])
        == EXIT_DATABASE
    )
    with pytest.raises(SystemExit) as exit_info:
        run(
            [
                "build",
                "--lake",
                str(tmp_path / "lake"),
                "--db",
                str(db),
                "--timezone",
                "Mars/Olympus",
            ]
        )
    assert exit_info.value.code == EXIT_USAGE
    assert "unknown IANA time zone" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        run(["build", "--db", str(db)])
    assert exit_info.value.code == EXIT_USAGE
