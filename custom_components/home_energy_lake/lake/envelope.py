"""The Bronze envelope v1: one raw answer as one JSON line, payload bytes kept as received.

The line is assembled from bytes instead of serializing a dict: the header fields are
JSON-encoded one by one and the body is spliced in as it arrived, so the payload keeps
its key order, number spelling and string escapes exactly. The body is parsed once
only to prove it is a single JSON value; anything that is not goes into
``payload_text`` (exact text) or ``payload_base64`` (not UTF-8). The contract is
documented in ``docs/bronze.md``; change :data:`ENVELOPE_VERSION` when it changes.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from functools import lru_cache
import json
from typing import Any

from .record import BronzeRecord

ENVELOPE_VERSION = 1

_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
"""ASCII-only output: the envelope line is valid UTF-8 whatever the header values hold."""

# Raw CR or LF can only stand between tokens of valid JSON (inside strings they must be
# escaped), so turning them into spaces keeps the value identical and the line unbroken.
_NEWLINES_TO_SPACES = bytes.maketrans(b"\r\n", b"  ")


def _reject_constant(name: str) -> Any:
    """Refuse ``NaN`` and ``Infinity``: Python accepts them, JSON readers do not."""
    raise ValueError(f"{name} is not JSON")


_strict_json = json.JSONDecoder(parse_constant=_reject_constant).decode


ENVELOPE_START = f'{{"envelope_version":{ENVELOPE_VERSION},'.encode("ascii")
"""How every envelope line begins."""


@lru_cache(maxsize=256)
def _stream_prefix(source: str, vendor: str, device_id: str, endpoint: str) -> bytes:
    """Encode once the fields that are the same for every record of one stream."""
    return ENVELOPE_START + (
        f'"source":{_dumps(source)},'
        f'"vendor":{_dumps(vendor)},"device_id":{_dumps(device_id)},'
        f'"endpoint":{_dumps(endpoint)},"fetched_at":"'
    ).encode("ascii")


def format_fetched_at(moment: datetime) -> str:
    """UTC with microseconds and a ``Z``: ``2026-11-25T10:00:00.123456Z``.

    Raises ``ValueError`` for a naive datetime: its time zone would be a guess.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"fetched_at must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _payload_field(body: bytes) -> bytes:
    """``"payload":...`` for the body: its JSON as received, or a faithful fallback."""
    if not body:
        return b'"payload":null'
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return b'"payload":null,"payload_base64":"' + base64.b64encode(body) + b'"'
    try:
        _strict_json(text)
    except (ValueError, RecursionError):
        # Also reached for a leading BOM, which json refuses in a str and JSON Lines forbids,
        # and for JSON nested deeper than Python parses: readers would refuse it too.
        return b'"payload":null,"payload_text":' + _dumps(text).encode("ascii")
    return b'"payload":' + body.translate(_NEWLINES_TO_SPACES)


def encode_envelope(record: BronzeRecord, integration_version: str) -> bytes:
    """Encode ``record`` as one envelope line, ending in a newline."""
    return b"".join(
        (
            _stream_prefix(record.source, record.vendor, record.device_id, record.endpoint),
            format_fetched_at(record.fetched_at).encode("ascii"),
            b'","http_status":',
            str(int(record.http_status)).encode("ascii"),
            b',"content_type":',
            _dumps(record.content_type).encode("ascii"),
            b',"integration_version":',
            _dumps(integration_version).encode("ascii"),
            b',"url":',
            _dumps(record.url).encode("ascii"),
            b',"headers":',
            _dumps(record.headers).encode("ascii"),
            b",",
            _payload_field(record.body),
            b"}\n",
        )
    )
