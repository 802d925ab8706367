"""Request budgets: spacing, a rolling daily quota, one budget per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.home_energy_lake.api.budget import BudgetRegistry, RequestBudget
from custom_components.home_energy_lake.api.errors import RateLimitedError, retry_after_seconds


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_daily_quota_counts_down_refuses_then_frees_up() -> None:
    clock = Clock()
    budget = RequestBudget(per_day=2, now=clock)
    assert budget.remaining == 2

    await budget.acquire()
    clock.now += timedelta(hours=1)
    await budget.acquire()
    assert budget.remaining == 0

    with pytest.raises(RateLimitedError) as caught:
        await budget.acquire()
    # The first request of the rolling day frees up 23 hours later.
    assert caught.value.retry_after == timedelta(hours=23).total_seconds()

    clock.now += timedelta(hours=23)
    assert budget.remaining == 1
    await budget.acquire()
    assert budget.remaining == 0


async def test_spacing_waits_only_what_is_left(budget_waits: list[float]) -> None:
    clock = Clock()
    budget = RequestBudget(min_interval=4, now=clock)
    await budget.acquire()
    clock.now += timedelta(seconds=1.5)
    await budget.acquire()
    clock.now += timedelta(seconds=10)
    await budget.acquire()
    assert budget_waits == [2.5]
    assert budget.remaining is None


def test_registry_shares_one_budget_per_api_and_key() -> None:
    registry = BudgetRegistry()
    first = registry.get("solaredge", "key-1", per_day=300)
    assert registry.get("solaredge", "key-1", per_day=300) is first
    assert registry.get("solaredge", "key-2", per_day=300) is not first
    assert registry.get("owm", "key-1", per_day=1000) is not first


def test_retry_after_date_without_zone_is_ignored() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    # "-0000" means "time zone unknown" (RFC 5322), so the date cannot be trusted.
    assert retry_after_seconds("Wed, 25 Nov 2026 12:01:00 -0000", now) is None
