"""Bronze segments on disk: where they are, which stream each holds, and how to read them.

Layout (dates in UTC), as the lake writer lays it out::

    <root>/solar/raw/yyyy/mm/dd/<device_id>_<endpoint>_<...>.jsonl.gz
    <root>/heatpump/raw/yyyy/mm/dd/<device_id>_<endpoint>_<...>.jsonl.gz
    <root>/weather/raw/yyyy/mm/dd/api=<openmeteo|owm|metno>/<device_id>_<endpoint>_<...>.jsonl.gz

A segment holds one (source, vendor, device, endpoint) stream, so the endpoint in the
file name and the source folder (plus ``api=`` for weather) say which staging model
reads it, without opening the file. Endpoint names are unique within a source folder
across vendors (fronius ``powerflow`` vs solaredge ``power_flow``), so solar and heat
pump folders need no vendor in the path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
import os
from pathlib import Path
import re
from urllib.parse import unquote

from .sqlmodels import Stream

SOURCES = ("solar", "heatpump", "weather")
_DATE_DIRS = re.compile(r"^\d{4}/\d{2}/\d{2}$")
SEGMENT_SUFFIXES = (".jsonl.gz", ".jsonl")

# The envelope's fields the staging models use, typed; the payload's type comes from
# each staging model's header.
ENVELOPE_COLUMNS = {
    "envelope_version": "INTEGER",
    "vendor": "VARCHAR",
    "device_id": "VARCHAR",
    "endpoint": "VARCHAR",
    "fetched_at": "TIMESTAMPTZ",
    "http_status": "INTEGER",
    "url": "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """One Bronze file as listed: its path relative to the lake root, size and mtime."""

    path: str
    size: int
    mtime: float
    stream: Stream | None
    """The stream it holds, or None when no staging model reads that endpoint."""


def identify(path: str, streams: Iterable[Stream]) -> Stream | None:
    """Return the stream a segment path belongs to, from its folders and file name.

    The writer names a segment ``<device>_<endpoint>_<started>_<token>`` with every
    ``_`` inside a part escaped as ``%5F``, so the second part is the endpoint.
    """
    parts = path.split("/")
    if len(parts) < 6 or parts[0] not in SOURCES or parts[1] != "raw":
        return None
    source, name = parts[0], parts[-1]
    api = next((unquote(p.removeprefix("api=")) for p in parts[5:-1] if p.startswith("api=")), None)
    for suffix in SEGMENT_SUFFIXES:
        if name.endswith(suffix):
            fields = name.removesuffix(suffix).split("_")
            break
    else:
        return None
    if len(fields) != 4:
        return None
    endpoint = unquote(fields[1])
    return next(
        (
            s
            for s in streams
            if s.source == source and s.endpoint == endpoint and (api is None or s.vendor == api)
        ),
        None,
    )


def discover(root: Path, streams: Iterable[Stream]) -> Iterator[Segment]:
    """Every segment file under the lake root, with the stream each one holds."""
    known = tuple(streams)
    for source in SOURCES:
        base = root / source / "raw"
        if not base.is_dir():
            continue
        for directory, subdirs, files in os.walk(base):
            subdirs.sort()
            for name in sorted(files):
                if not name.endswith(SEGMENT_SUFFIXES):
                    continue
                full = Path(directory) / name
                rel = full.relative_to(root).as_posix()
                if not _DATE_DIRS.match("/".join(rel.split("/")[2:5])):
                    continue
                stat = full.stat()
                yield Segment(rel, stat.st_size, stat.st_mtime, identify(rel, known))


def read_json_relation(paths: Iterable[str], stream: Stream, *, lenient: bool = False) -> str:
    """Return a DuckDB ``read_json`` call that reads these segments with typed columns.

    ``lenient`` reads what it can: a record that does not fit the types, or a torn last
    line, becomes NULLs instead of failing the whole read.
    """
    files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    columns = {**ENVELOPE_COLUMNS, "payload": stream.payload_type}
    spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
    return (
        f"read_json([{files}], columns={{{spec}}}, format='newline_delimited', "
        f"compression='auto_detect', filename=true, ignore_errors={str(lenient).lower()})"
    )


_MAX_LINE_BYTES = 16 << 20
"""Twice the integration's segment size: no single Bronze record is longer."""

_NEVER_IN_JSON = "\x01"
"""A control character: JSON text escapes it, so no Bronze line holds it raw."""


def read_lines_relation(paths: Iterable[str]) -> str:
    """Return a DuckDB relation with one row per line of these segments, unparsed.

    Counts the lines of streams no staging model reads without parsing their JSON:
    every line is one column, split at a control character valid JSON never holds raw.
    """
    files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return (
        f"read_csv([{files}], columns={{'line': 'VARCHAR'}}, delim='{_NEVER_IN_JSON}', quote='', "
        "escape='', header=false, compression='auto_detect', filename=true, "
        f"max_line_size={_MAX_LINE_BYTES}, buffer_size={2 * _MAX_LINE_BYTES})"
    )
