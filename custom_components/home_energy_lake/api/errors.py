"""The one exception hierarchy every source client raises.

The integration maps each class to Home Assistant behaviour:

| exception                | Home Assistant                                   |
|--------------------------|--------------------------------------------------|
| ``AuthenticationError``  | ``ConfigEntryAuthFailed``: start reauth           |
| ``CannotConnectError``   | ``UpdateFailed``: retry at the error interval     |
| ``RateLimitedError``     | ``UpdateFailed(retry_after=...)``                 |
| ``InvalidResponseError`` | ``UpdateFailed``; the raw body still goes to Bronze |
| ``NotSupportedError``    | the feature's entities are not created            |
| ``DeviceAsleepError``    | entities unavailable, no error logged             |

Every error that followed an HTTP answer carries that answer in ``raw`` so the
integration can ship it to Bronze even when parsing failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import parsedate_to_datetime
import reprlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import RawAnswer


MAX_MESSAGE_CHARS = 300
"""An error message quotes the answer that caused it, but never more than this."""


class _ShortRepr(reprlib.Repr):
    """``reprlib`` with a size-safe integer: ``repr`` of one of 4 301 digits raises."""

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:
            return f"<an integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)


_SHORT_REPR = _ShortRepr(
    maxlevel=2, maxdict=4, maxlist=4, maxtuple=4, maxstring=40, maxother=40, maxlong=40
)


def shown(value: object) -> str:
    """Quote a value from an answer in an error message: short, whatever its size or depth."""
    return _SHORT_REPR.repr(value)


class SourceError(Exception):
    """Base class of every error a source client raises."""

    def __init__(self, message: str, *, raw: RawAnswer | None = None) -> None:
        """Keep the answer that caused the error, if there was one; cap the message."""
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(message)
        self.raw = raw


class AuthenticationError(SourceError):
    """The credentials were refused (HTTP 401/403, or the API's own auth error)."""


class CannotConnectError(SourceError):
    """The host could not be reached, the request timed out, or the server failed (5xx)."""


class RateLimitedError(SourceError):
    """The API refused the request for its rate limit, or our own daily budget is spent."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        raw: RawAnswer | None = None,
    ) -> None:
        """Carry the number of seconds to wait before the next request, when known."""
        super().__init__(message, raw=raw)
        self.retry_after = retry_after


class InvalidResponseError(SourceError):
    """The answer could not be understood: malformed JSON, wrong shape or an error code."""


class NotSupportedError(SourceError):
    """The device does not have this feature (for example Fronius status 255 for storage)."""


class DeviceAsleepError(SourceError):
    """The device answered but reports no data now (for example an inverter at night)."""


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Parse a ``Retry-After`` header: delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


@contextmanager
def keeping_raw(raw: RawAnswer) -> Iterator[None]:
    """Give every ``SourceError`` raised inside the block the answer it came from.

    Parse functions know nothing of HTTP; the client wraps them in this so an error
    still carries the body to Bronze.
    """
    try:
        yield
    except SourceError as err:
        if err.raw is None:
            err.raw = raw
        raise
