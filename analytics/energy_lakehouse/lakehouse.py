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
from pathlib import Path
import re
import time as clock
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from .bronze import ENVELOPE_COLUMNS, Segment, discover, read_json_relation
from .sqlmodels import Model, RenderContext, Stream, Tuning, Window, load_models, render

# What DuckDB raises for a file it cannot read as typed JSON Lines: torn gzip, broken
# JSON, a value of the wrong type. Anything else (memory, disk) is not the file's fault.
_UNREADABLE = (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException)

SLICE_DAYS = 31
"""Local days Silver and Gold recompute per statement (see ``Lakehouse._slices``)."""

CHUNK_FILES = 512
"""Segments per typed read: large enough for DuckDB to parallelize, small enough to
bound memory and to give the progress bar something to show."""


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
    records: int = 0
    unsupported: int = 0
    corrupt: list[tuple[str, str]] = field(default_factory=list)
    """Segments that could not be read at all (path, DuckDB's message)."""
    partial: list[tuple[str, str]] = field(default_factory=list)
    """Segments read only in part: records that did not fit their types were skipped."""
    window: Window | None = None
    seconds: float = 0.0


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


_MANIFEST_DDL = """
CREATE TABLE IF NOT EXISTS _manifest (
    path VARCHAR PRIMARY KEY,
    size BIGINT NOT NULL,
    mtime DOUBLE NOT NULL,
    stream VARCHAR,
    status VARCHAR NOT NULL,
    records BIGINT,
    error VARCHAR,
    ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS _builds (
    finished_at TIMESTAMPTZ NOT NULL,
    full_refresh BOOLEAN NOT NULL,
    segments_read BIGINT NOT NULL,
    records BIGINT NOT NULL,
    corrupt BIGINT NOT NULL,
    window_start TIMESTAMPTZ,
    window_end TIMESTAMPTZ,
    timezone VARCHAR NOT NULL
);
-- UTC ranges whose staging rows changed and whose Silver and Gold are not yet rebuilt:
-- committed with the staging rows, cleared with the rebuild, so a crash in between
-- only delays the rebuild to the next run.
CREATE TABLE IF NOT EXISTS _pending (low TIMESTAMPTZ NOT NULL, high TIMESTAMPTZ NOT NULL);
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
            if full_refresh:
                self._drop_everything(con)
            con.execute(_MANIFEST_DDL)
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
                "INSERT INTO _builds VALUES (now(), ?, ?, ?, ?, ?, ?, ?)",
                [
                    full_refresh,
                    report.read,
                    report.records,
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

    def _drop_everything(self, con: duckdb.DuckDBPyConnection) -> None:
        for name, kind in con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = 'main'"
        ).fetchall():
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
                unsupported.append((segment, "unsupported", None, None))
            else:
                by_stream[_stream_key(segment.stream)].append(segment)
        report.unsupported = len(unsupported)
        self._record_many(con, unsupported)
        total = sum(len(v) for v in by_stream.values())
        advance = self.progress("reading Bronze segments", total)
        for key, stream_segments in sorted(by_stream.items()):
            model = self._staging[key]
            for start in range(0, len(stream_segments), CHUNK_FILES):
                chunk = stream_segments[start : start + CHUNK_FILES]
                self._ingest_chunk(con, model, chunk, reread, report)
                advance(len(chunk))

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
        relation = read_json_relation(
            [self._absolute(s) for s in chunk], model.stream, lenient=lenient
        )
        paths = [self._absolute(s) for s in chunk]
        con.execute("BEGIN TRANSACTION")
        try:
            self._forget(con, model, [s for s in chunk if s.path in reread])
            con.execute(f"INSERT INTO {model.name} {self._render(model, None, bronze=relation)}")
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
            self._record_many(
                con, [(s, status[0], counts.get(self._absolute(s), 0), status[1]) for s in chunk]
            )
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
        report.records += sum(counts.values())
        return None

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
        records: int | None,
        error: str | None,
    ) -> None:
        self._record_many(con, [(segment, status, records, error)])

    def _record_many(
        self,
        con: duckdb.DuckDBPyConnection,
        entries: Sequence[tuple[Segment, str, int | None, str | None]],
    ) -> None:
        """Upsert manifest rows, a few hundred per statement (one each is slow)."""
        for start in range(0, len(entries), 256):
            chunk = entries[start : start + 256]
            values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, now())"] * len(chunk))
            params: list[object] = []
            for segment, status, records, error in chunk:
                stream = _stream_key(segment.stream) if segment.stream else None
                params += [
                    segment.path,
                    segment.size,
                    segment.mtime,
                    stream,
                    status,
                    records,
                    error,
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
                "SELECT finished_at, full_refresh, segments_read, records, corrupt, window_start,"
                " window_end, timezone FROM _builds ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
        return {
            "segments": segments,
            "problems": problems,
            "last_build": last,
            "tables": tables,
        }


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def _empty_relation(stream: Stream) -> str:
    """Return a relation with the staging input's columns and no rows."""
    columns = {**ENVELOPE_COLUMNS, "payload": stream.payload_type, "filename": "VARCHAR"}
    cols = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns.items())
    return f"(SELECT {cols} WHERE FALSE)"
