"""The one place where clients talk HTTP: timeouts, status codes and raw answers.

Every client calls :func:`fetch`, which returns a :class:`RawAnswer` for any HTTP
answer that should reach Bronze, and raises the documented errors otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
import json
from typing import Any
from urllib.parse import urlencode

import aiohttp

from .errors import (
    AuthenticationError,
    CannotConnectError,
    InvalidResponseError,
    RateLimitedError,
    retry_after_seconds,
)
from .models import RawAnswer

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=20)

# Headers worth keeping with a raw answer; the rest are noise.
KEPT_HEADERS = frozenset(
    {"date", "expires", "last-modified", "etag", "retry-after", "content-type"}
)
KEPT_HEADER_PREFIXES = ("x-ratelimit", "ratelimit", "x-rate-limit")


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() in KEPT_HEADERS or name.lower().startswith(KEPT_HEADER_PREFIXES)
    }


def redacted_url(url: str, params: Mapping[str, Any] | None, secret_params: frozenset[str]) -> str:
    """Return ``url`` with its query, secrets replaced by ``REDACTED``."""
    if not params:
        return url
    shown = {k: ("REDACTED" if k in secret_params else v) for k, v in params.items()}
    return f"{url}?{urlencode(shown)}"


async def fetch(
    session: aiohttp.ClientSession,
    endpoint: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    secret_params: frozenset[str] = frozenset(),
    method: str = "GET",
    data: Mapping[str, str] | None = None,
    ok_statuses: frozenset[int] = frozenset({200}),
    client_timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
) -> RawAnswer:
    """Send one request and return the answer as received.

    Raises ``AuthenticationError`` for 401/403, ``RateLimitedError`` for 429 (with the
    ``Retry-After`` delay), ``CannotConnectError`` for network failures, timeouts and
    5xx, and ``InvalidResponseError`` for any other status not in ``ok_statuses``.
    The raw answer travels with every error raised after an answer arrived.
    """
    try:
        async with session.request(
            method, url, params=params, headers=headers, data=data, timeout=client_timeout
        ) as response:
            body = await response.read()
            raw = RawAnswer(
                endpoint=endpoint,
                url=redacted_url(url, params, secret_params),
                status=response.status,
                fetched_at=datetime.now(UTC),
                body=body,
                content_type=response.content_type or None,
                headers=_kept_headers(response.headers),
            )
    except TimeoutError as err:
        raise CannotConnectError(f"{endpoint}: timed out") from err
    except aiohttp.ClientError as err:
        raise CannotConnectError(f"{endpoint}: {err}") from err

    if raw.status in ok_statuses:
        return raw
    if raw.status in (401, 403):
        raise AuthenticationError(f"{endpoint}: HTTP {raw.status}", raw=raw)
    if raw.status == 429:
        raise RateLimitedError(
            f"{endpoint}: HTTP 429",
            retry_after=retry_after_seconds(raw.headers.get("retry-after"), raw.fetched_at),
            raw=raw,
        )
    if raw.status >= 500:
        raise CannotConnectError(f"{endpoint}: HTTP {raw.status}", raw=raw)
    raise InvalidResponseError(f"{endpoint}: HTTP {raw.status}", raw=raw)


def parse_json(raw: RawAnswer) -> Any:
    """Decode the body of ``raw`` as JSON, or raise ``InvalidResponseError`` carrying it."""
    try:
        return json.loads(raw.body)
    except RecursionError as err:
        raise InvalidResponseError(f"{raw.endpoint}: body is nested too deep", raw=raw) from err
    except ValueError as err:
        # Also UnicodeDecodeError, and an integer literal longer than Python converts.
        reason = str(err)[:120]
        raise InvalidResponseError(f"{raw.endpoint}: body is not JSON ({reason})", raw=raw) from err
