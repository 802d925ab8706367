"""The Bronze layout: where a segment of one stream and one UTC day lives in the lake.

``<source>/raw/yyyy/mm/dd/[api=<vendor>/]<device_id>_<endpoint>_<started>_<token>.jsonl.gz``,
with the ``api=`` folder for weather only. Every name that comes from outside (source,
vendor, device id, endpoint) passes through :func:`safe_name`, the one sanitizer, so no
value can add a folder level, climb out of the root or hide a NUL.
"""

from __future__ import annotations

from datetime import UTC, datetime
import hashlib
import re

SEGMENT_SUFFIX = ".jsonl.gz"
MAX_NAME_LENGTH = 64
"""Longer names are cut and tagged with a hash: file names stay far below 255 bytes."""

_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")
_HASH_LENGTH = 16


def _escape(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


def safe_name(value: str) -> str:
    r"""Turn any string into one safe, ASCII-only path component.

    * Letters, digits, ``-`` and ``.`` stay; every other character, ``_`` and ``%``
      included, becomes ``%XX`` per UTF-8 byte. So ``/``, ``\\``, NUL and unicode can
      never form a path, and the mapping is one-to-one (``_`` stays free to separate
      the parts of a file name).
    * A leading ``.`` is escaped too, so the result is never ``.``, ``..`` or hidden.
    * The empty string becomes ``~``, which no other value maps to.

    Names longer than :data:`MAX_NAME_LENGTH` keep their first characters and end in
    ``~`` plus a SHA-256 prefix of the original, so distinct long ids stay distinct.
    """
    escaped = _UNSAFE.sub(_escape, value)
    if escaped.startswith("."):
        escaped = "%2E" + escaped[1:]
    if not escaped:
        escaped = "~"
    if len(escaped) > MAX_NAME_LENGTH:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        escaped = f"{escaped[: MAX_NAME_LENGTH - _HASH_LENGTH - 1]}~{digest[:_HASH_LENGTH]}"
    return escaped


def day_folder(source: str, vendor: str, day: datetime) -> str:
    """Return the folder of one source's (and, for weather, one API's) segments for a UTC day."""
    utc = day.astimezone(UTC)
    folder = f"{safe_name(source)}/raw/{utc:%Y/%m/%d}"
    if source == "weather":
        folder += f"/api={safe_name(vendor)}"
    return folder


def segment_path(
    *,
    source: str,
    vendor: str,
    device_id: str,
    endpoint: str,
    started_at: datetime,
    token: str,
) -> str:
    """Return the lake path of a sealed segment, relative to the root, with ``/`` separators.

    ``started_at`` (UTC) gives the day folder and the ``yyyymmddTHHMMSSZ`` stamp;
    ``token`` makes the name unique across streams and restarts.
    """
    utc = started_at.astimezone(UTC)
    name = f"{safe_name(device_id)}_{safe_name(endpoint)}_{utc:%Y%m%dT%H%M%SZ}_{safe_name(token)}"
    return f"{day_folder(source, vendor, utc)}/{name}{SEGMENT_SUFFIX}"


def check_relative_path(path: str) -> list[str]:
    """Split a lake path into parts, refusing anything that could leave the root.

    Backends call this on every path they are given, as a second line of defence.
    Raises ``ValueError`` for absolute paths, empty, ``.`` or ``..`` parts, backslashes
    and control characters.
    """
    parts = path.split("/")
    for part in parts:
        if part in {"", ".", ".."} or "\\" in part or any(ord(char) < 32 for char in part):
            raise ValueError(f"unsafe lake path {path!r}")
    return parts
