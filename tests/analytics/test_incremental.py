"""Auto Loader behaviour: only new segments, idempotent, late data, torn segments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import gzip
import os
from pathlib import Path

from . import scenario as s
from .bronze_factory import emoncms_feeds, fronius_powerflow, write_segment
from .conftest import make_lakehouse, one_row, query, table

MODELLED = (
    "solar_readings",
    "heatpump_readings",
    "daily_energy_balance",
    "heatpump_cop_daily",
    "heatpump_cop_hourly",
    "heatpump_cop_by_outside_temp",
    "heatpump_cop_heatmap",
    "features_consumption_hourly",
)


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {name: table(db, name) for name in MODELLED}


def test_second_build_reads_nothing_and_changes_nothing(lake: Path, tmp_path: Path) -> None:
    s.write_solar(lake)
    s.write_heatpump(lake)
    db = tmp_path / "db.duckdb"
    house = make_lakehouse(lake, db)
    first = house.build()
    before = snapshot(db)
    second = house.build()
    assert first.read == 5
    assert (second.read, second.lines, second.staged_rows, second.window) == (0, 0, 0, None)
    assert snapshot(db) == before


def test_incremental_in_steps_equals_full_refresh(lake: Path, tmp_path: Path) -> None:
    """Evening data first, then the morning (out of order), then a late duplicate."""
    incremental = make_lakehouse(lake, tmp_path / "inc.duckdb")
    s.write_heatpump(lake)
    for path in sorted(lake.rglob("*_m.jsonl.gz")):
        path.unlink()  # the morning arrives late
    incremental.build()
    s.write_solar(lake)
    s.write_heatpump(lake)
    incremental.build()
    # The same answers again, uploaded twice under another token (a retried upload).
    morning = [
        fronius_powerflow(t, pv=3600, grid=-1200, battery=-1800, soc=40)
        for t in s.minutes(s.MORNING, 11)
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", morning, token="retry")
    late = incremental.build()
    assert late.read == 1
    full = make_lakehouse(lake, tmp_path / "full.duckdb")
    full.build(full_refresh=True)
    assert snapshot(tmp_path / "inc.duckdb") == snapshot(tmp_path / "full.duckdb")
    day = one_row(tmp_path / "inc.duckdb", "SELECT solar_produced_wh FROM daily_energy_balance")
    assert round(day["solar_produced_wh"], 6) == s.SOLAR_PRODUCED_WH


def test_late_day_is_recomputed_with_its_neighbour(lake: Path, tmp_path: Path) -> None:
    """A segment for an earlier day lands after later days were built."""
    db = tmp_path / "db.duckdb"
    house = make_lakehouse(lake, db, timezone="UTC")
    start = datetime(2026, 1, 12, 23, 50, tzinfo=UTC)
    # Counters carry the energy across midnight; the first day's last interval ends
    # in the next day's first answer, which arrives later.
    before = [
        emoncms_feeds(
            start + timedelta(minutes=m),
            elec=1200,
            heat=3600,
            flow=35,
            ret=30,
            outside=2,
            elec_kwh=10 + 0.02 * m,
            heat_kwh=30 + 0.06 * m,
        )
        for m in range(10)
    ]
    after = [
        emoncms_feeds(
            start + timedelta(minutes=m),
            elec=1200,
            heat=3600,
            flow=35,
            ret=30,
            outside=2,
            elec_kwh=10 + 0.02 * m,
            heat_kwh=30 + 0.06 * m,
        )
        for m in range(10, 20)
    ]
    write_segment(lake, "emoncms", "hp1", "feed_list", after, token="b")
    house.build()
    write_segment(lake, "emoncms", "hp1", "feed_list", before, token="a")
    report = house.build()
    assert report.read == 1
    days = query(
        db, "SELECT local_date::VARCHAR, round(elec_wh, 6) FROM heatpump_cop_daily ORDER BY 1"
    )
    # 12 Jan: 23:50-00:00, ten 1-minute steps of 20 Wh; 13 Jan: nine steps.
    assert days == [("2026-01-12", 200.0), ("2026-01-13", 180.0)]


def test_torn_segment_is_skipped_reported_and_retried_when_complete(
    lake: Path, tmp_path: Path
) -> None:
    s.write_solar(lake)
    s.write_heatpump(lake)
    torn = next(lake.rglob("inv1_powerflow_*_e.jsonl.gz"))
    whole = torn.read_bytes()
    torn.write_bytes(whole[: len(whole) // 2])
    broken_json = torn.with_name(torn.name.replace("_e.", "_z."))
    broken_json.write_bytes(gzip.compress(b'{"envelope_version":1,"payload":{"Body":\n'))
    db = tmp_path / "db.duckdb"
    house = make_lakehouse(lake, db)
    report = house.build()
    # The torn gzip cannot be read at all; the broken line is skipped, the file reported.
    assert [path for path, _ in report.corrupt] == [torn.relative_to(lake).as_posix()]
    assert "GZIP" in report.corrupt[0][1]
    assert [path for path, _ in report.partial] == [broken_json.relative_to(lake).as_posix()]
    assert report.read == 5
    statuses = {
        p: (st, n) for p, st, n in query(db, "SELECT path, status, staged_rows FROM _manifest")
    }
    assert statuses[torn.relative_to(lake).as_posix()] == ("corrupt", None)
    assert statuses[broken_json.relative_to(lake).as_posix()] == ("partial", 0)
    # Everything else landed: the morning's solar energy is all there.
    day = one_row(db, "SELECT solar_produced_wh, grid_import_wh FROM daily_energy_balance")
    assert round(day["solar_produced_wh"], 6) == s.SOLAR_PRODUCED_WH
    # The same torn file is not read again...
    assert house.build().corrupt == []
    # ...until it changes: the writer finished the upload.
    torn.write_bytes(whole)
    os.utime(torn, (1e9, 1e9))
    again = house.build()
    assert (again.read, again.corrupt) == (1, [])
    assert (
        dict(query(db, "SELECT path, status FROM _manifest"))[torn.relative_to(lake).as_posix()]
        == "ok"
    )


def test_changed_segment_replaces_its_rows(lake: Path, tmp_path: Path) -> None:
    """A segment re-uploaded with more records replaces what was read from it."""
    at = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    records = [fronius_powerflow(at + timedelta(minutes=m), pv=600, grid=0) for m in range(6)]
    path = write_segment(lake, "fronius", "inv1", "powerflow", records[:3])
    db = tmp_path / "db.duckdb"
    house = make_lakehouse(lake, db)
    house.build()
    assert query(db, "SELECT count(*) FROM stg_fronius_powerflow") == [(3,)]
    write_segment(lake, "fronius", "inv1", "powerflow", records)
    os.utime(path, (2e9, 2e9))
    house.build()
    assert query(db, "SELECT count(*) FROM stg_fronius_powerflow") == [(6,)]
    # Five 1-minute intervals at 600 W.
    assert query(db, "SELECT round(solar_produced_wh, 6) FROM daily_energy_balance") == [(50.0,)]


def test_full_refresh_after_deleting_the_database_content(lake: Path, tmp_path: Path) -> None:
    s.write_solar(lake)
    db = tmp_path / "db.duckdb"
    house = make_lakehouse(lake, db)
    house.build()
    before = snapshot(db)
    report = house.build(full_refresh=True)
    assert report.read == 3
    assert snapshot(db) == before


def test_unmodelled_streams_are_listed_not_read(lake: Path, tmp_path: Path) -> None:
    at = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    write_segment(lake, "fronius", "inv1", "logger_info", [fronius_powerflow(at, pv=1, grid=0)])
    report = make_lakehouse(lake, tmp_path / "db.duckdb").build()
    assert (report.unsupported, report.read) == (1, 0)


def test_records_that_do_not_fit_are_skipped_the_rest_kept(lake: Path, tmp_path: Path) -> None:
    """One answer with a text where a number belongs: its segment is read in part."""
    at = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    records = [fronius_powerflow(at + timedelta(minutes=m), pv=600, grid=0) for m in range(4)]
    records[1].payload["Body"]["Data"]["Site"]["P_Grid"] = {"unexpected": "object"}
    write_segment(lake, "fronius", "inv1", "powerflow", records)
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()
    assert len(report.partial) == 1
    assert report.corrupt == []
    assert query(db, "SELECT count(*), count(grid_w) FROM stg_fronius_powerflow") == [(4, 3)]
