"""The build: new Bronze segments into staging tables, then Silver and Gold for the days they touch.

Incremental like Auto Loader: a manifest table remembers every segment read (path, size,
mtime). A build reads only segments that are new or whose size or mtime changed (a
re-read replaces that file's rows). Each chunk of segments commits its staging rows,
its manifest rows and the UTC range it covers (``_pending``) together; then Silver and
Gold are recomputed for the pending range, widened to whole local days plus the day
before (whose last interval may end in it), and ``_pending`` is cleared in the same
transaction. A crash in between leaves the range pending for the next build. A segment
DuckDB cannot read typed is isolated from its chunk and read record by record
(``partial``), or, when even that fails (a torn gzip), skipped as ``corrupt``; a later
build retries it when it changes.

SQL text is assembled only from the model files shipped in this package and from names
it derives from them (hence the S608 exemptions); values go to DuckDB as parameters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
import hashlib
from pathlib import Path
import re
import time as clock
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from .bronze import ENVELOPE_COLUMNS, Segment, discover, read_json_relation, read_lines_relation
from .models.tables import DDL as MODEL_TABLES
from .sqlmodels import (
    REFUSAL_REASONS,
    Model,
    RenderContext,
    Stream,
    Tuning,
    Window,
    load_models,
    render,
)

# What DuckDB raises for a file it cannot read as typed JSON Lines: torn gzip, broken
# JSON, a value of the wrong type. Anything else (memory, disk) is not the file's fault.
_UNREADABLE = (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException)

SLICE_DAYS = 31
"""Local days Silver and Gold recompute per statement (see ``Lakehouse._slices``)."""

CHUNK_FILES = 512
"""Segments per typed read: large enough for DuckDB to parallelize, small enough to
bound memory and to give the progress bar something to show."""


KEPT_ON_REBUILD = frozenset(MODEL_TABLES)
"""What the models wrote (forecasts as made, backtests): Bronze can't bring them back."""


class LakehouseError(Exception):
    """A build cannot run (bad settings, unusable database)."""


class LakeUnavailableError(LakehouseError):
    """The Bronze lake cannot be read (missing folder, ADLS unreachable or refused)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the lake and the database are, and how to build."""

    lake: Path
    db: Path
    timezone: str = "UTC"
    memory_limit: str = "512MB"
    threads: int = 2
    latitude: float | None = None
    longitude: float | None = None
    tuning: Tuning = field(default_factory=Tuning)

    def zone(self) -> ZoneInfo:
        """Return the home's time zone; local days follow it."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise LakehouseError(f"unknown IANA time zone {self.timezone!r}") from err


@dataclass(slots=True)
class BuildReport:
    """What one build did."""

    listed: int = 0
    read: int = 0
    lines: int = 0
    """Bronze lines in the segments read."""
    modelled: int = 0
    """Lines their staging model read (the rest are in ``refused``)."""
    refused: dict[str, int] = field(default_factory=dict)
    """Lines given no staging row, per reason (``sqlmodels.REFUSAL_REASONS``)."""
    staged_rows: int = 0
    unsupported: int = 0
    """Segments of streams no staging model reads; their lines count as ``unsupported``."""
    corrupt: list[tuple[str, str]] = field(default_factory=list)
    """Segments that could not be read at all (path, DuckDB's message)."""
    partial: list[tuple[str, str]] = field(default_factory=list)
    """Segments read only in part: records that did not fit their types were skipped."""
    window: Window | None = None
    seconds: float = 0.0
    rebuilt_for_new_models: bool = False
    """The database was built by other model files, so this build started afresh."""


type Progress = Callable[[str, int], Callable[[int], None]]
"""Makes a progress callback: (step description, total) -> advance(n)."""


def _no_progress(_desc: str, _total: int) -> Callable[[int], None]:
    return lambda _n: None


_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def connect(settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database with the memory and thread limits of a small machine."""
    if not _MEMORY.match(settings.memory_limit) or settings.threads < 1:
        raise LakehouseError(
            f"bad --memory-limit {settings.memory_limit!r} (e.g. 512MB, 2GB) "
            f"or --threads {settings.threads} (at least 1)"
        )
    settings.db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(settings.db), read_only=read_only)
    except duckdb.Error as err:
        raise LakehouseError(f"cannot open database {settings.db}: {err}") from err
    try:
        con.execute(f"SET memory_limit = '{settings.memory_limit}'")
        con.execute(f"SET threads = {int(settings.threads)}")
    except duckdb.Error as err:
        con.close()
        raise LakehouseError(f"bad --memory-limit or --threads: {err}") from err
    con.execute("SET TimeZone = 'UTC'")
    # Row order of staging tables does not matter; not keeping it saves memory.
    con.execute("SET preserve_insertion_order = false")
    if not read_only:
        spill = str(settings.db).replace("'", "''")
        con.execute(f"SET temp_directory = '{spill}.tmp'")
    return con


_REASON_COLUMNS = ",\n    ".join(f"{reason} BIGINT" for reason in REFUSAL_REASONS)
_MANIFEST_DDL = f"""
CREATE TABLE IF NOT EXISTS _manifest (
    path VARCHAR PRIMARY KEY,
    size BIGINT NOT NULL,
    mtime DOUBLE NOT NULL,
    stream VARCHAR,
    status VARCHAR NOT NULL,
    lines BIGINT,
    modelled BIGINT,
    {_REASON_COLUMNS},
    staged_rows BIGINT,
    error VARCHAR,
    ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS _builds (
    finished_at TIMESTAMPTZ NOT NULL,
    full_refresh BOOLEAN NOT NULL,
    segments_read BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    staged_rows BIGINT NOT NULL,
    corrupt BIGINT NOT NULL,
    window_start TIMESTAMPTZ,
    window_end TIMESTAMPTZ,
    timezone VARCHAR NOT NULL
);
-- UTC ranges whose staging rows changed and whose Silver and Gold are not yet rebuilt:
-- committed with the staging rows, cleared with the rebuild, so a crash in between
-- only delays the rebuild to the next run.
CREATE TABLE IF NOT EXISTS _pending (low TIMESTAMPTZ NOT NULL, high TIMESTAMPTZ NOT NULL);
-- Which models built the tables: a database built by other model files is rebuilt whole.
CREATE TABLE IF NOT EXISTS _models (fingerprint VARCHAR NOT NULL);
"""


def _stream_key(stream: Stream) -> str:
    return f"{stream.source}/{stream.vendor}/{stream.endpoint}"


class Lakehouse:
    """Builds and serves the DuckDB lakehouse for one lake."""

    def __init__(self, settings: Settings, *, progress: Progress = _no_progress) -> None:
        """Check the settings; the database opens per call."""
        self.settings = settings
        self.zone = settings.zone()
        self.models = load_models()
        self.progress = progress
        self._staging = {_stream_key(m.stream): m for m in self.models if m.stream}
        self._fingerprint = hashlib.sha256(
            "\0".join(f"{m.name}\0{m.sql}" for m in self.models).encode()
        ).hexdigest()

    # -- build ------------------------------------------------------------------------

    def build(self, *, full_refresh: bool = False) -> BuildReport:
        """Bring Silver and Gold up to date with the lake."""
        started = clock.monotonic()
        if not self.settings.lake.is_dir():
            raise LakeUnavailableError(f"lake folder not found: {self.settings.lake}")
        report = BuildReport()
        streams = [m.stream for m in self.models if m.stream]
        segments = list(discover(self.settings.lake, streams))
        report.listed = len(segments)
        with self._connection() as con:
            if not full_refresh and self._built_by_other_models(con):
                report.rebuilt_for_new_models = True
                full_refresh = True
            if full_refresh:
                self._drop_everything(con)
            con.execute(_MANIFEST_DDL)
            con.execute("DELETE FROM _models")
            con.execute("INSERT INTO _models VALUES (?)", [self._fingerprint])
            self._create_staging(con)
            changed, reread = self._changed_segments(con, segments)
            self._ingest(con, changed, reread, report)
            self._refresh(con, report, full_refresh=full_refresh)
            report.seconds = clock.monotonic() - started
        return report

    def _refresh(
        self, con: duckdb.DuckDBPyConnection, report: BuildReport, *, full_refresh: bool
    ) -> None:
        """Recompute Silver and Gold over every pending window, in one transaction."""
        con.execute("BEGIN TRANSACTION")
        try:
            last_zone = con.execute(
                "SELECT timezone FROM _builds ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
            if full_refresh or (last_zone is not None and last_zone[0] != self.settings.timezone):
                # Another time zone moves every local day: recompute them all.
                window = self._full_window(con)
            else:
                pending = con.execute("SELECT min(low), max(high) FROM _pending").fetchone()
                bounds = (pending[0], pending[1]) if pending and pending[0] is not None else None
                window = self._window(bounds)
            report.window = window
            self._run_models(con, window)
            con.execute("DELETE FROM _pending")
            con.execute(
                "INSERT INTO _builds VALUES (now(), ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    full_refresh,
                    report.read,
                    report.lines,
                    report.staged_rows,
                    len(report.corrupt),
                    window.start if window else None,
                    window.end if window else None,
                    self.settings.timezone,
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    @contextmanager
    def _connection(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.settings, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def _built_by_other_models(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Whether the database holds tables that other model files made."""
        names = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        if "_manifest" not in names:
            return False
        if "_models" not in names:
            return True
        row = con.execute("SELECT max(fingerprint) FROM _models").fetchone()
        return row is None or row[0] != self._fingerprint

    def _drop_everything(self, con: duckdb.DuckDBPyConnection) -> None:
        for name, kind in con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = 'main'"
        ).fetchall():
            if name in KEPT_ON_REBUILD:
                continue
            con.execute(f'DROP {"VIEW" if kind == "VIEW" else "TABLE"} IF EXISTS "{name}" CASCADE')

    def _create_staging(self, con: duckdb.DuckDBPyConnection) -> None:
        """Staging tables get their columns from their model read over no files."""
        for model in self._staging.values():
            assert model.stream is not None
            empty = self._render(model, None, bronze=_empty_relation(model.stream))
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {model.name} AS SELECT * FROM ({empty}) LIMIT 0"  # noqa: S608
            )

    def _changed_segments(
        self, con: duckdb.DuckDBPyConnection, segments: Sequence[Segment]
    ) -> tuple[list[Segment], set[str]]:
        """Return the segments new or changed since read, and which were read before."""
        seen = {
            path: (size, mtime)
            for path, size, mtime in con.execute(
                "SELECT path, size, mtime FROM _manifest"
            ).fetchall()
        }
        changed = [s for s in segments if seen.get(s.path) != (s.size, s.mtime)]
        return changed, {s.path for s in changed if s.path in seen}

    def _ingest(
        self,
        con: duckdb.DuckDBPyConnection,
        segments: Sequence[Segment],
        reread: set[str],
        report: BuildReport,
    ) -> None:
        """Read new and changed segments into staging, one committed chunk at a time."""
        by_stream: dict[str, list[Segment]] = defaultdict(list)
        unsupported = []
        for segment in segments:
            if segment.stream is None:
                unsupported.append(segment)
            else:
                by_stream[_stream_key(segment.stream)].append(segment)
        report.unsupported = len(unsupported)
        total = len(unsupported) + sum(len(v) for v in by_stream.values())
        advance = self.progress("reading Bronze segments", total)
        for start in range(0, len(unsupported), CHUNK_FILES):
            chunk = unsupported[start : start + CHUNK_FILES]
            self._count_unsupported(con, chunk, report)
            advance(len(chunk))
        for key, stream_segments in sorted(by_stream.items()):
            model = self._staging[key]
            for start in range(0, len(stream_segments), CHUNK_FILES):
                chunk = stream_segments[start : start + CHUNK_FILES]
                self._ingest_chunk(con, model, chunk, reread, report)
                advance(len(chunk))

    def _count_unsupported(
        self, con: duckdb.DuckDBPyConnection, chunk: Sequence[Segment], report: BuildReport
    ) -> None:
        """Count the lines of segments no staging model reads, so they are accounted for."""
        relation = read_lines_relation(self._absolute(s) for s in chunk)
        try:
            counted = dict(
                con.execute(
                    f"SELECT filename, count(*) FROM {relation} GROUP BY filename"  # noqa: S608
                ).fetchall()
            )
        except _UNREADABLE as err:
            if len(chunk) > 1:
                middle = len(chunk) // 2
                self._count_unsupported(con, chunk[:middle], report)
                self._count_unsupported(con, chunk[middle:], report)
                return
            message = str(err).splitlines()[0]
            report.corrupt.append((chunk[0].path, message))
            self._record(con, chunk[0], "corrupt", None, message)
            return
        entries = []
        for segment in chunk:
            lines = int(counted.get(self._absolute(segment), 0))
            entries.append(_Entry(segment, "unsupported", lines, {"unsupported": lines}, 0, None))
            report.lines += lines
            report.refused["unsupported"] = report.refused.get("unsupported", 0) + lines
        self._record_many(con, entries)

    def _ingest_chunk(
        self,
        con: duckdb.DuckDBPyConnection,
        model: Model,
        chunk: Sequence[Segment],
        reread: set[str],
        report: BuildReport,
    ) -> None:
        """Load segments typed; split a failing chunk in halves to isolate the bad files."""
        error = self._load(con, model, chunk, reread, report, lenient=False)
        if error is None:
            return
        if len(chunk) > 1:
            middle = len(chunk) // 2
            self._ingest_chunk(con, model, chunk[:middle], reread, report)
            self._ingest_chunk(con, model, chunk[middle:], reread, report)
            return
        # One file: read it record by record; only a file unreadable even so is corrupt.
        segment = chunk[0]
        if self._load(con, model, chunk, reread, report, lenient=True, partial=error) is None:
            report.partial.append((segment.path, error))
            return
        report.corrupt.append((segment.path, error))
        self._record(con, segment, "corrupt", None, error)

    def _load(
        self,
        con: duckdb.DuckDBPyConnection,
        model: Model,
        chunk: Sequence[Segment],
        reread: set[str],
        report: BuildReport,
        *,
        lenient: bool,
        partial: str | None = None,
    ) -> str | None:
        """Insert the chunk's rows, manifest entries and pending range in one transaction.

        Returns None when done, or DuckDB's message when the files cannot be read.
        """
        assert model.stream is not None
        paths = [self._absolute(s) for s in chunk]
        relation = read_json_relation(paths, model.stream, lenient=lenient)
        refused = "CASE " + " ".join(
            f"WHEN {rule.predicate} THEN '{rule.reason}'" for rule in model.refusals
        )
        con.execute("BEGIN TRANSACTION")
        try:
            self._forget(con, model, [s for s in chunk if s.path in reread])
            # Each line once, typed; the refusal rules and the model both read this copy.
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _lines AS SELECT *, {refused} END AS _refused "  # noqa: S608
                f"FROM {relation}"
            )
            accepted = "(SELECT * FROM _lines WHERE _refused IS NULL)"
            con.execute(f"INSERT INTO {model.name} {self._render(model, None, bronze=accepted)}")
            accounting: dict[str, dict[str | None, int]] = defaultdict(dict)
            for path, reason, lines in con.execute(
                "SELECT filename, _refused, count(*) FROM _lines GROUP BY filename, _refused"
            ).fetchall():
                accounting[path][reason] = lines
            con.execute("DROP TABLE _lines")
            if lenient:
                self._count_skipped(con, paths, accounting)
            con.execute("CREATE OR REPLACE TEMP TABLE _paths (path VARCHAR)")
            con.executemany("INSERT INTO _paths VALUES (?)", [[p] for p in paths])
            landed = con.execute(
                f"SELECT _source_file, count(*), min(ts), max(ts) FROM {model.name} "  # noqa: S608
                "WHERE _source_file IN (SELECT path FROM _paths) GROUP BY _source_file"
            ).fetchall()
            counts = {path: rows for path, rows, _, _ in landed}
            lows = [low for _, _, low, _ in landed if low is not None]
            highs = [high for _, _, _, high in landed if high is not None]
            if lows:
                con.execute("INSERT INTO _pending VALUES (?, ?)", [min(lows), max(highs)])
            status = ("partial", partial) if partial is not None else ("ok", None)
            entries = []
            for segment, path in zip(chunk, paths, strict=True):
                outcomes = accounting.get(path, {})
                reasons = {str(r): n for r, n in outcomes.items() if r is not None}
                entries.append(
                    _Entry(
                        segment,
                        status[0],
                        sum(outcomes.values()),
                        reasons,
                        counts.get(path, 0),
                        status[1],
                    )
                )
            self._record_many(con, entries)
            con.execute("COMMIT")
        except duckdb.OutOfMemoryException as err:
            con.execute("ROLLBACK")
            raise LakehouseError(
                f"out of memory reading {model.name}: raise --memory-limit or lower --threads"
            ) from err
        except _UNREADABLE as err:
            con.execute("ROLLBACK")
            return str(err).splitlines()[0]
        except BaseException:
            con.execute("ROLLBACK")
            raise
        report.read += len(chunk)
        for entry in entries:
            report.lines += entry.lines or 0
            report.staged_rows += entry.staged_rows or 0
            for reason, lines in entry.refused.items():
                report.refused[reason] = report.refused.get(reason, 0) + lines
        report.modelled += sum(e.modelled for e in entries)
        return None

    def _count_skipped(
        self,
        con: duckdb.DuckDBPyConnection,
        paths: Sequence[str],
        accounting: dict[str, dict[str | None, int]],
    ) -> None:
        """Book the lines a lenient read skipped (not JSON, or not the stream's types)."""
        relation = read_lines_relation(paths)
        for path, lines in con.execute(
            f"SELECT filename, count(*) FROM {relation} GROUP BY filename"  # noqa: S608
        ).fetchall():
            outcomes = accounting[path]
            skipped = lines - sum(outcomes.values())
            if skipped > 0:
                outcomes["malformed"] = outcomes.get("malformed", 0) + skipped

    def _forget(
        self, con: duckdb.DuckDBPyConnection, model: Model, segments: Sequence[Segment]
    ) -> None:
        """Drop the rows of segments read before (they changed); their range is pending."""
        if not segments:
            return
        con.execute("CREATE OR REPLACE TEMP TABLE _paths (path VARCHAR)")
        con.executemany("INSERT INTO _paths VALUES (?)", [[self._absolute(s)] for s in segments])
        where = "_source_file IN (SELECT path FROM _paths)"
        con.execute(
            f"INSERT INTO _pending SELECT min(ts), max(ts) FROM {model.name} "  # noqa: S608
            f"WHERE {where} HAVING count(*) > 0"
        )
        con.execute(f"DELETE FROM {model.name} WHERE {where}")  # noqa: S608

    def _record(
        self,
        con: duckdb.DuckDBPyConnection,
        segment: Segment,
        status: str,
        lines: int | None,
        error: str | None,
    ) -> None:
        self._record_many(con, [_Entry(segment, status, lines, {}, None, error)])

    def _record_many(self, con: duckdb.DuckDBPyConnection, entries: Sequence[_Entry]) -> None:
        """Upsert manifest rows, a few hundred per statement (one each is slow)."""
        width = 9 + len(REFUSAL_REASONS)
        for start in range(0, len(entries), 256):
            chunk = entries[start : start + 256]
            row = "(" + ", ".join(["?"] * width) + ", now())"
            values = ", ".join([row] * len(chunk))
            params: list[object] = []
            for entry in chunk:
                segment = entry.segment
                counted = entry.lines is not None
                params += [
                    segment.path,
                    segment.size,
                    segment.mtime,
                    _stream_key(segment.stream) if segment.stream else None,
                    entry.status,
                    entry.lines,
                    entry.modelled if counted else None,
                    *((entry.refused.get(r, 0) if counted else None) for r in REFUSAL_REASONS),
                    entry.staged_rows,
                    entry.error,
                ]
            con.execute(f"INSERT OR REPLACE INTO _manifest VALUES {values}", params)  # noqa: S608

    def _absolute(self, segment: Segment) -> str:
        return str(self.settings.lake / segment.path)

    # -- windows ----------------------------------------------------------------------

    def _local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self.zone).astimezone(UTC)

    def _window(self, affected: tuple[datetime, datetime] | None) -> Window | None:
        """Whole local days around the changed range, plus the day before it."""
        if affected is None:
            return None
        first = (affected[0].astimezone(self.zone) - timedelta(days=1)).date()
        last = affected[1].astimezone(self.zone).date()
        return Window(self._local_midnight(first), self._local_midnight(last + timedelta(days=1)))

    def _full_window(self, con: duckdb.DuckDBPyConnection) -> Window | None:
        bounds = [
            con.execute(f"SELECT min(ts), max(ts) FROM {name}").fetchone()  # noqa: S608
            for name in (m.name for m in self._staging.values())
        ]
        lows = [b[0] for b in bounds if b and b[0] is not None]
        highs = [b[1] for b in bounds if b and b[1] is not None]
        if not lows:
            return None
        return self._window((min(lows), max(highs)))

    # -- models -----------------------------------------------------------------------

    def _render(self, model: Model, window: Window | None, *, bronze: str | None = None) -> str:
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        ctx = RenderContext(
            dialect="duckdb",
            timezone=self.settings.timezone,
            window=window or Window(epoch, epoch),
            tuning=self.settings.tuning,
            latitude=self.settings.latitude,
            longitude=self.settings.longitude,
            bronze=bronze,
        )
        return render(model, ctx)

    def _run_models(self, con: duckdb.DuckDBPyConnection, window: Window | None) -> None:
        derived = [m for m in self.models if m.materialized != "staging"]
        slices = self._slices(window) if window is not None else []
        advance = self.progress("building Silver and Gold", len(derived))
        for model in derived:
            sql = self._render(model, window)
            if model.materialized == "view":
                con.execute(f"CREATE OR REPLACE VIEW {model.name} AS {sql}")
            elif model.materialized == "table":
                con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {sql}")
            else:
                con.execute(
                    f"CREATE TABLE IF NOT EXISTS {model.name} AS SELECT * FROM ({sql}) LIMIT 0"  # noqa: S608
                )
                for part in slices:
                    self._replace_window(con, model, part)
            advance(1)

    def _slices(self, window: Window) -> list[Window]:
        """Cut a window into runs of SLICE_DAYS local days.

        Each slice's sorts and hash tables then fit in a small memory limit; the models'
        own look-back and look-ahead keep the slice edges exact.
        """
        parts = []
        start = window.start
        while start < window.end:
            day = start.astimezone(self.zone).date() + timedelta(days=SLICE_DAYS)
            end = min(self._local_midnight(day), window.end)
            parts.append(Window(start, end))
            start = end
        return parts

    def _replace_window(self, con: duckdb.DuckDBPyConnection, model: Model, window: Window) -> None:
        column = f'"{model.time_column}"'
        if model.time_column == "local_date":
            low: object = window.start.astimezone(self.zone).date()
            high: object = window.end.astimezone(self.zone).date()
        else:
            low, high = window.start, window.end
        con.execute(f"DELETE FROM {model.name} WHERE {column} >= ? AND {column} < ?", [low, high])  # noqa: S608
        con.execute(f"INSERT INTO {model.name} {self._render(model, window)}")

    # -- status -----------------------------------------------------------------------

    def status(self) -> dict[str, object]:
        """Return the manifest's counts, the last build and the size of every table."""
        if not self.settings.db.exists():
            raise LakehouseError(f"no database at {self.settings.db}: run 'build' first")
        with self._connection(read_only=True) as con:
            tables = {
                name: _count(con, name)
                for (name,) in con.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
                ).fetchall()
            }
            if "_manifest" not in tables:
                raise LakehouseError(f"{self.settings.db} is not a lakehouse database")
            segments = dict(
                con.execute("SELECT status, count(*) FROM _manifest GROUP BY status").fetchall()
            )
            problems = con.execute(
                "SELECT path, status, error FROM _manifest "
                "WHERE status IN ('corrupt', 'partial') ORDER BY path"
            ).fetchall()
            last = con.execute(
                "SELECT finished_at, full_refresh, segments_read, lines, staged_rows, corrupt,"
                " window_start, window_end, timezone FROM _builds"
                " ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
            reasons = ", ".join(f"sum({r})" for r in REFUSAL_REASONS)
            lines = {
                str(stream): {
                    "lines": int(counts[0]),
                    "modelled": int(counts[1]),
                    **{r: int(n) for r, n in zip(REFUSAL_REASONS, counts[2:], strict=True) if n},
                }
                for stream, *counts in con.execute(
                    f"SELECT coalesce(stream, 'unknown'), sum(lines), sum(modelled), {reasons} "  # noqa: S608
                    "FROM _manifest WHERE lines IS NOT NULL GROUP BY 1 ORDER BY 1"
                ).fetchall()
            }
        return {
            "segments": segments,
            "lines": lines,
            "problems": problems,
            "last_build": last,
            "tables": tables,
        }


@dataclass(frozen=True, slots=True)
class _Entry:
    """One segment's manifest row: its status and what became of its lines."""

    segment: Segment
    status: str
    lines: int | None
    """Bronze lines in the segment; None when it could not be read."""
    refused: dict[str, int]
    staged_rows: int | None
    error: str | None

    @property
    def modelled(self) -> int:
        """Lines the staging model read (it may make none, or several, rows of one)."""
        return (self.lines or 0) - sum(self.refused.values())


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def _empty_relation(stream: Stream) -> str:
    """Return a relation with the staging input's columns and no rows."""
    columns = {**ENVELOPE_COLUMNS, "payload": stream.payload_type, "filename": "VARCHAR"}
    cols = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns.items())
    return f"(SELECT {cols} WHERE FALSE)"
