"""The shared HTTP layer: status codes become the documented errors, answers stay raw."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web
import pytest

from custom_components.home_energy_lake.api.errors import (
    AuthenticationError,
    CannotConnectError,
    InvalidResponseError,
    RateLimitedError,
    retry_after_seconds,
)
from custom_components.home_energy_lake.api.http import fetch, parse_json
from custom_components.home_energy_lake.api.models import RawAnswer

from .conftest import LoopbackApi, Replay


async def test_answer_is_kept_byte_for_byte(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = b'{ "a" : 1.50,\n "b": null }'
    loopback_api.reply("/x", Replay(body, headers={"ETag": '"abc"', "X-Noise": "1"}))

    raw = await fetch(
        session,
        "x",
        f"{loopback_api.url}/x",
        params={"api_key": "secret", "site": "7"},
        secret_params=frozenset({"api_key"}),
    )

    assert raw.body == body
    assert raw.status == 200
    assert raw.endpoint == "x"
    assert raw.headers["etag"] == '"abc"'
    assert "x-noise" not in raw.headers
    assert "secret" not in raw.url
    assert "api_key=REDACTED" in raw.url
    assert raw.fetched_at.tzinfo is UTC
    assert parse_json(raw) == {"a": 1.5, "b": None}
    assert loopback_api.requests[0].query["api_key"] == "secret"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, InvalidResponseError),
        (500, CannotConnectError),
        (503, CannotConnectError),
    ],
)
async def test_status_codes_map_to_errors_and_keep_the_answer(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, status: int, error: type[Exception]
) -> None:
    loopback_api.reply("/x", Replay(b"nope", status=status, content_type="text/plain"))
    with pytest.raises(error) as caught:
        await fetch(session, "x", f"{loopback_api.url}/x")
    raw = getattr(caught.value, "raw", None)
    assert raw is not None
    assert raw.body == b"nope"


async def test_429_carries_retry_after(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/x", Replay(b"{}", status=429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as caught:
        await fetch(session, "x", f"{loopback_api.url}/x")
    assert caught.value.retry_after == 120


async def test_unreachable_host_is_cannot_connect(session: aiohttp.ClientSession) -> None:
    with pytest.raises(CannotConnectError):
        await fetch(session, "x", "http://127.0.0.1:9/nothing-listens-here")


async def test_timeout_is_cannot_connect(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    loopback_api.reply("/slow", slow)
    with pytest.raises(CannotConnectError, match="timed out"):
        await fetch(
            session,
            "slow",
            f"{loopback_api.url}/slow",
            client_timeout=aiohttp.ClientTimeout(total=0.05),
        )


def test_parse_json_rejects_garbage_and_keeps_it() -> None:
    raw = RawAnswer("x", "http://h/x", 200, datetime.now(UTC), b'{"truncated": ')
    with pytest.raises(InvalidResponseError) as caught:
        parse_json(raw)
    assert caught.value.raw is raw


def test_retry_after_parses_seconds_and_dates() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now) == 30
    assert retry_after_seconds("Wed, 25 Nov 2026 12:01:00 GMT", now) == 60
    assert retry_after_seconds("Wed, 25 Nov 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
    assert timedelta(seconds=retry_after_seconds("5", now) or 0) == timedelta(seconds=5)
