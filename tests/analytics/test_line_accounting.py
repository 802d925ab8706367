"""Every Bronze line is accounted for: modelled, or refused for a named reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from energy_lakehouse.cli import EXIT_OK, run
from energy_lakehouse.sqlmodels import REFUSAL_REASONS

from . import scenario as s
from .bronze_factory import Record, fronius_powerflow, write_segment
from .conftest import make_lakehouse, query
from .test_incremental import snapshot

API_FIXTURES = Path(__file__).parents[1] / "fixtures"
AT = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
OWM_CURRENT = "https://api.openweathermap.org/data/2.5/weather?lat=44.34&lon=10.99&units=metric"


def api_fixture(name: str) -> Any:
    """A real answer from the API clients' fixtures (tests/fixtures)."""
    return json.loads((API_FIXTURES / name).read_text(encoding="utf-8"))


def manifest(db: Path, stream: str) -> dict[str, int]:
    """The manifest's line counts of one stream, summed over its segments."""
    reasons = ", ".join(f"sum({r})" for r in REFUSAL_REASONS)
    row = query(
        db,
        f"SELECT sum(lines), sum(modelled), {reasons} FROM _manifest WHERE stream = ?",
        [stream],
    )[0]
    return dict(zip(("lines", "modelled", *REFUSAL_REASONS), map(int, row), strict=True))


def test_kelvin_and_401_answers_are_counted_by_reason(
    lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """OWM: a metric answer, one in kelvin (units=standard) and a 401 in one segment."""
    kelvin = api_fixture("owm/current_standard_zocca_doc_example.json")
    assert kelvin["main"]["temp"] > 100
    records = [
        Record(AT, api_fixture("owm/current_metric_london.json"), url=OWM_CURRENT),
        Record(AT + timedelta(minutes=10), kelvin, url=OWM_CURRENT),
        Record(
            AT + timedelta(minutes=20),
            api_fixture("owm/error_401_invalid_api_key.json"),
            http_status=401,
            url=OWM_CURRENT,
        ),
    ]
    write_segment(lake, "owm", "44.34_10.99", "current", records)
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()

    assert (report.lines, report.modelled, report.refused) == (
        3,
        1,
        {"bad_units": 1, "http_error": 1},
    )
    assert query(db, "SELECT count(*) FROM stg_owm_current") == [(1,)]
    counts = manifest(db, "weather/owm/current")
    assert counts == {**dict.fromkeys(counts, 0), "lines": 3, "modelled": 1} | {
        "bad_units": 1,
        "http_error": 1,
    }
    assert query(db, "SELECT status, staged_rows FROM _manifest") == [("ok", 1)]

    common = ["--db", str(db), "--timezone", "Europe/Berlin"]
    assert run(["status", *common]) == EXIT_OK
    out = capsys.readouterr().out
    assert "weather/owm/current" in out
    assert "3 lines: 1 modelled, 1 http_error, 1 bad_units" in out


def test_fronius_error_status_and_non_json_answers_are_counted(lake: Path, tmp_path: Path) -> None:
    """A status-255 answer (Body.Data empty) and an HTML page where JSON belongs."""
    records = [
        fronius_powerflow(AT, pv=600, grid=0),
        Record(AT + timedelta(seconds=10), api_fixture("fronius/symo_storage_error255.json")),
        Record(AT + timedelta(seconds=20), b"<html><body>Busy</body></html>"),
        fronius_powerflow(AT + timedelta(seconds=30), pv=620, grid=0),
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", records)
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()

    assert report.refused == {"vendor_error": 1, "malformed": 1}
    counts = manifest(db, "solar/fronius/powerflow")
    assert (counts["lines"], counts["modelled"]) == (4, 2)
    assert query(db, "SELECT count(*) FROM stg_fronius_powerflow") == [(2,)]


def test_lines_a_lenient_read_skips_count_as_malformed(lake: Path, tmp_path: Path) -> None:
    """A line that is not JSON at all makes the segment partial; it is counted, not lost."""
    good = [fronius_powerflow(AT + timedelta(seconds=10 * i), pv=600, grid=0) for i in range(3)]
    path = write_segment(lake, "fronius", "inv1", "powerflow", good)
    text = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(text + b'{"v": 1, "source": "solar", torn\n', mtime=0))
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()

    assert len(report.partial) == 1
    assert (report.lines, report.modelled, report.refused) == (4, 3, {"malformed": 1})
    assert query(db, "SELECT status, lines, malformed FROM _manifest") == [("partial", 4, 1)]


def test_streams_without_a_model_are_counted_unsupported(lake: Path, tmp_path: Path) -> None:
    info = api_fixture("fronius/symo_logger_info.json")
    write_segment(lake, "fronius", "inv1", "logger_info", [Record(AT, info), Record(AT, info)])
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()

    assert (report.unsupported, report.read, report.lines) == (1, 0, 2)
    assert report.refused == {"unsupported": 2}
    assert query(db, "SELECT status, lines, modelled, unsupported FROM _manifest") == [
        ("unsupported", 2, 0, 2)
    ]


def test_every_line_of_a_house_is_modelled_or_refused(lake: Path, tmp_path: Path) -> None:
    s.write_solar(lake)
    s.write_heatpump(lake)
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()
    refused = " + ".join(REFUSAL_REASONS)
    unbalanced = query(
        db,
        f"SELECT path FROM _manifest WHERE lines <> modelled + {refused}",
    )
    assert unbalanced == []
    assert report.lines == report.modelled + sum(report.refused.values()) > 0


@pytest.mark.parametrize(
    "made_by",
    [
        "UPDATE _models SET fingerprint = 'other model files'",
        "DROP TABLE _models",  # a database from before the fingerprint existed
    ],
)
def test_a_database_built_by_other_models_is_rebuilt(
    lake: Path, tmp_path: Path, made_by: str
) -> None:
    s.write_solar(lake)
    s.write_heatpump(lake)
    db = tmp_path / "db.duckdb"
    house = make_lakehouse(lake, db)
    assert house.build().rebuilt_for_new_models is False
    before = snapshot(db)
    con = duckdb.connect(str(db))
    con.execute(made_by)
    con.close()

    again = house.build()
    assert again.rebuilt_for_new_models is True
    assert again.read == 5
    assert snapshot(db) == before
    assert house.build().rebuilt_for_new_models is False
