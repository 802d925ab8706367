"""Shared houses for the simulator tests: epochs next to the days under test keep them fast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import pytest

from house_simulator.config import HouseConfig
from house_simulator.house import DAY_S, House
from house_simulator.server import Simulator, start_server

WINTER_DAY = int(datetime(2026, 1, 12, tzinfo=UTC).timestamp() // DAY_S)
SPRING_DAY = int(datetime(2026, 4, 20, tzinfo=UTC).timestamp() // DAY_S)
SUMMER_DAY = int(datetime(2026, 6, 21, tzinfo=UTC).timestamp() // DAY_S)


def house_near(day: int, seed: int = 7, **changes: object) -> House:
    """A house whose counters start at ``day`` (nothing to sum up before it)."""
    epoch = datetime.fromtimestamp(day * DAY_S, tz=UTC)
    return House(HouseConfig(seed=seed, epoch=epoch, **changes))  # type: ignore[arg-type]


@dataclass
class Running:
    """A simulator serving on loopback, following the wall clock."""

    url: str
    simulator: Simulator
    session: aiohttp.ClientSession


@pytest.fixture
async def running(socket_enabled: None) -> AsyncIterator[Running]:
    """The simulator at wall-clock time, with its counters starting today (fast)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    url, stop, simulator = await start_server(HouseConfig(seed=11, epoch=today), warm_up_year=False)
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(url, simulator, session)
    finally:
        await stop()
