"""The Bronze envelope v1: payload bytes kept, fallbacks for bodies that are not JSON."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
import json
from pathlib import Path

import pytest

from custom_components.home_energy_lake.lake.envelope import encode_envelope

from .conftest import FIXTURES, T0, fronius_record

ALL_JSON_FIXTURES = sorted(FIXTURES.rglob("*.json"))
KEY_ORDER = [
    "envelope_version",
    "source",
    "vendor",
    "device_id",
    "endpoint",
    "fetched_at",
    "http_status",
    "content_type",
    "integration_version",
    "url",
    "headers",
    "payload",
]


def test_golden_line() -> None:
    record = replace(
        fronius_record(datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)),
        body=b'{"Body": {"Data": {"P": 1111}},\r\n "Head": {"Status": {"Code": 0}}}',
    )
    assert encode_envelope(record, "0.1.0") == (
        b'{"envelope_version":1,"source":"solar","vendor":"fronius","device_id":"30025418",'
        b'"endpoint":"powerflow","fetched_at":"2026-11-25T10:00:00.123456Z","http_status":200,'
        b'"content_type":"application/json","integration_version":"0.1.0",'
        b'"url":"http://192.168.1.50/solar_api/v1/GetPowerFlowRealtimeData.fcgi",'
        b'"headers":{"Date":"Wed, 25 Nov 2026 10:00:00 GMT"},'
        b'"payload":{"Body": {"Data": {"P": 1111}},   "Head": {"Status": {"Code": 0}}}}\n'
    )


@pytest.mark.parametrize("fixture", ALL_JSON_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_payload_bytes_are_kept_for_every_recorded_answer(fixture: Path) -> None:
    body = fixture.read_bytes()
    line = encode_envelope(replace(fronius_record(T0), body=body), "0.1.0")

    assert line.count(b"\n") == 1
    assert line.endswith(b'"payload":' + body.replace(b"\r", b" ").replace(b"\n", b" ") + b"}\n")
    envelope = json.loads(line)
    assert list(envelope) == KEY_ORDER
    assert envelope["payload"] == json.loads(body)


def test_payload_key_order_and_number_spelling_survive() -> None:
    body = b'{"z": 1.10, "a": 1e3, "m": -0.0, "big": 123456789012345678901234567890}'
    line = encode_envelope(replace(fronius_record(T0), body=body), "0.1.0")

    assert b'"payload":' + body + b"}\n" in line
    assert list(json.loads(line)["payload"]) == ["z", "a", "m", "big"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"truncated": ',
        b"NaN",
        b'{"value": Infinity}',
        b"\xef\xbb\xbf{}",  # a byte order mark: JSON Lines readers choke on it mid-line
        b"   ",
        b'{"a": 1} {"b": 2}',
        b'{"tab\tin string": 1}',
    ],
    ids=["html", "truncated", "nan", "infinity", "bom", "blank", "two-values", "raw-control"],
)
def test_text_that_is_not_json_is_kept_exactly(body: bytes) -> None:
    envelope = json.loads(encode_envelope(replace(fronius_record(T0), body=body), "0.1.0"))

    assert envelope["payload"] is None
    assert envelope["payload_text"].encode("utf-8") == body
    assert list(envelope)[-2:] == ["payload", "payload_text"]


def test_body_that_is_not_utf8_goes_to_base64() -> None:
    body = "Zähler 42 °C".encode("latin-1")
    line = encode_envelope(replace(fronius_record(T0), body=body), "0.1.0")
    envelope = json.loads(line)

    assert envelope["payload"] is None
    assert base64.b64decode(envelope["payload_base64"]) == body
    assert "payload_text" not in envelope


def test_empty_body_has_null_payload_and_nothing_else() -> None:
    record = replace(fronius_record(T0), body=b"", http_status=304, content_type=None, url=None)
    envelope = json.loads(encode_envelope(record, "0.1.0"))

    assert envelope["payload"] is None
    assert envelope["http_status"] == 304
    assert envelope["content_type"] is None
    assert envelope["url"] is None
    assert list(envelope) == KEY_ORDER


def test_unicode_and_quotes_in_header_fields_stay_one_valid_ascii_line() -> None:
    record = replace(
        fronius_record(T0),
        device_id='wärme"pumpe\n\u2028',
        headers={"ETag": '"abc"', "X-Note": "Grüße\r\n"},
        body='{"name": "Küche \u2028 ok"}'.encode(),
    )
    line = encode_envelope(record, "0.1.0")

    assert line.count(b"\n") == 1
    envelope = json.loads(line)
    assert envelope["device_id"] == 'wärme"pumpe\n\u2028'
    assert envelope["headers"] == {"ETag": '"abc"', "X-Note": "Grüße\r\n"}
    assert envelope["payload"] == {"name": "Küche \u2028 ok"}


def test_fetched_at_is_written_in_utc_with_microseconds() -> None:
    local = datetime(2026, 11, 25, 11, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    envelope = json.loads(encode_envelope(fronius_record(local), "0.1.0"))

    assert envelope["fetched_at"] == "2026-11-25T10:00:00.000000Z"


def test_naive_fetched_at_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        encode_envelope(fronius_record(datetime(2026, 11, 25, 10, 0)), "0.1.0")  # noqa: DTZ001
