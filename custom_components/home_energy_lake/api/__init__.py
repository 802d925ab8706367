"""Async clients of the solar, heat-pump and weather APIs; no Home Assistant here.

Every client takes an injected ``aiohttp.ClientSession`` and follows
:class:`SourceClient`: ``async_identify`` for test-before-configure and device info,
``async_fetch`` for one live poll. A client whose API keeps history also offers
``async_capture(start, end)`` for the scheduled Bronze captures. Field names and units
live in :mod:`.models`; errors in :mod:`.errors`.
"""

from __future__ import annotations

from typing import Protocol

from .models import DeviceIdentity, FetchResult


class SourceClient[ReadingT](Protocol):
    """What every source client offers the integration."""

    async def async_identify(self) -> DeviceIdentity:
        """Talk to the source once and say who it is; raise the documented errors."""

    async def async_fetch(self) -> FetchResult[ReadingT]:
        """Poll the source once: every raw answer it took, and the normalized reading."""
