"""The source table: every vendor builds, unknown ones and a tokenless myUplink do not."""

from __future__ import annotations

import aiohttp
import pytest

from custom_components.home_energy_lake.api.budget import BudgetRegistry
from custom_components.home_energy_lake.sources import SOURCES, build_client


async def test_build_client_refuses_what_it_cannot_build() -> None:
    async with aiohttp.ClientSession() as session:
        common = {
            "session": session,
            "budgets": BudgetRegistry(),
            "latitude": 52.5,
            "longitude": 13.4,
            "user_agent": "tests",
        }
        with pytest.raises(ValueError, match="token getter"):
            build_client("myuplink", {}, **common)
        with pytest.raises(ValueError, match="unknown source vendor"):
            build_client("sma", {}, **common)


def test_every_interval_respects_the_minimum() -> None:
    for spec in SOURCES.values():
        assert spec.default_interval >= spec.min_interval, spec.vendor
    # SolarEdge: two requests per poll at the shortest interval, plus 24 hourly captures.
    solaredge = SOURCES["solaredge"]
    polls = 86400 / solaredge.min_interval.total_seconds()
    assert 2 * polls + 24 <= solaredge.daily_quota
