"""One coordinator per upstream API: live polling, backoff and shipping to Bronze.

Every raw answer a poll or a capture receives, errors included, goes to the Bronze
writer before anything else happens to it, so the lake keeps what the sensors saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, runtime_checkable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import SourceClient
from .api.budget import RequestBudget
from .api.errors import (
    AuthenticationError,
    DeviceAsleepError,
    RateLimitedError,
    SourceError,
)
from .api.models import FetchResult, RawAnswer
from .const import DOMAIN, LOGGER, MAX_BACKOFF
from .lake.record import BronzeRecord
from .lake.writer import BronzeWriter
from .sources import SourceSpec


@runtime_checkable
class CapturingClient(Protocol):
    """A client whose API keeps history, for the scheduled Bronze captures."""

    async def async_capture(self, start: datetime, end: datetime) -> tuple[RawAnswer, ...]:
        """Fetch the raw answers covering ``start`` to ``end``."""


def expires_in(answers: Iterable[RawAnswer], now: datetime) -> timedelta | None:
    """Return how long the latest ``Expires`` header among ``answers`` asks us to wait.

    Unreadable values (``Expires: 0`` is common) and dates without a zone count as absent.
    """
    waits = []
    for raw in answers:
        value = raw.headers.get("expires")
        if not value:
            continue
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is not None:
            waits.append(when - now)
    return max(waits) if waits else None


class SourceCoordinator[ReadingT](DataUpdateCoordinator[ReadingT | None]):
    """Poll one source; ``data`` is its latest reading, or None while the device sleeps."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        *,
        spec: SourceSpec,
        client: SourceClient[ReadingT],
        device_id: str,
        writer: BronzeWriter,
        interval: timedelta,
        budget: RequestBudget | None = None,
    ) -> None:
        """Poll ``client`` every ``interval``, shipping raw answers to ``writer``."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {spec.vendor}",
            update_interval=interval,
        )
        self.spec = spec
        self.client = client
        self.device_id = device_id
        self.writer = writer
        self.budget = budget
        self.base_interval = interval
        self.last_success: datetime | None = None
        self.failures = 0

    @property
    def quota_left(self) -> int | None:
        """Requests left today on this source's key, where the API has a daily quota."""
        return None if self.budget is None else self.budget.remaining

    def ship(self, raw: RawAnswer | None) -> None:
        """Hand one raw answer to the Bronze writer, with the envelope's facts."""
        if raw is None:
            return
        self.writer.append(
            BronzeRecord(
                source=self.spec.kind.value,
                vendor=self.spec.vendor,
                device_id=self.device_id,
                endpoint=raw.endpoint,
                fetched_at=raw.fetched_at,
                http_status=raw.status,
                body=raw.body,
                content_type=raw.content_type,
                url=raw.url,
                headers=dict(raw.headers),
            )
        )

    async def _async_update_data(self) -> ReadingT | None:
        try:
            result = await self.client.async_fetch()
        except DeviceAsleepError as err:
            # Asleep is normal (an inverter at night): entities go unavailable, no error.
            self.ship(err.raw)
            self._succeeded(None)
            return None
        except AuthenticationError as err:
            self.ship(err.raw)
            self._back_off(None)
            if not self.spec.has_credentials:
                # Nothing to re-enter (a Fronius behind a password, MET without a
                # User-Agent): a failed poll, not a reauthentication.
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="update_failed",
                    translation_placeholders={
                        "source": self.spec.manufacturer,
                        "error": str(err),
                    },
                ) from err
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"source": self.spec.manufacturer},
            ) from err
        except RateLimitedError as err:
            self.ship(err.raw)
            self._back_off(err.retry_after)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={
                    "source": self.spec.manufacturer,
                    "seconds": str(int(self.update_interval_seconds)),
                },
            ) from err
        except SourceError as err:
            self.ship(err.raw)
            self._back_off(None)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"source": self.spec.manufacturer, "error": str(err)},
            ) from err
        for raw in result.raw:
            self.ship(raw)
        self._succeeded(result)
        return result.reading

    @property
    def update_interval_seconds(self) -> float:
        """The wait before the next poll, in seconds."""
        interval = self.update_interval
        return interval.total_seconds() if interval else 0.0

    def _succeeded(self, result: FetchResult[ReadingT] | None) -> None:
        now = dt_util.utcnow()
        self.last_success = now
        self.failures = 0
        interval = self.base_interval
        # An API that says when its answer expires is not asked again before that.
        wait = expires_in(result.raw, now) if result is not None else None
        if wait is not None:
            interval = max(interval, min(wait, MAX_BACKOFF))
        self.update_interval = interval

    def _back_off(self, retry_after: float | None) -> None:
        """Double the wait after each failure, up to an hour, and honour Retry-After.

        The wait is set on the coordinator itself, which works the same on every Home
        Assistant version (``UpdateFailed(retry_after=)`` does not exist in 2025.4).
        """
        self.failures += 1
        ceiling = max(MAX_BACKOFF, self.base_interval)
        wait = min(self.base_interval * 2 ** min(self.failures, 16), ceiling)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        self.update_interval = wait

    async def async_capture(self, start: datetime, end: datetime) -> int:
        """Run the scheduled Bronze capture for ``start`` to ``end``; return the answers kept."""
        client = self.client
        if not isinstance(client, CapturingClient):
            return 0
        try:
            answers = await client.async_capture(start, end)
        except SourceError as err:
            self.ship(err.raw)
            LOGGER.warning("Capture from %s failed: %s", self.spec.manufacturer, err)
            return 1 if err.raw is not None else 0
        for raw in answers:
            self.ship(raw)
        return len(answers)
