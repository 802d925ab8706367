"""Request budgets shared by every client that uses the same API key.

A budget holds two rules: a minimum gap between requests (Fronius wants at least
4 s) and a number of requests per rolling day (SolarEdge allows 300 per key and
site). Clients that share a key share one ``RequestBudget`` from a ``BudgetRegistry``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .errors import RateLimitedError

DAY = timedelta(days=1)


async def pause(seconds: float) -> None:
    """Wait between two requests (the one place tests replace to keep long waits virtual)."""
    await asyncio.sleep(seconds)


class RequestBudget:
    """Spacing and a daily quota for one API key; safe to share between clients."""

    def __init__(
        self,
        *,
        per_day: int | None = None,
        min_interval: float = 0.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Allow ``per_day`` requests in any 24 h, at least ``min_interval`` seconds apart."""
        self.per_day = per_day
        self.min_interval = min_interval
        self._now = now
        self._sent: deque[datetime] = deque()
        self._last: datetime | None = None
        self._lock = asyncio.Lock()

    @property
    def remaining(self) -> int | None:
        """Requests left in the rolling day, or None when the API sets no daily quota."""
        if self.per_day is None:
            return None
        self._forget_old(self._now())
        return max(self.per_day - len(self._sent), 0)

    async def acquire(self) -> None:
        """Wait for the spacing rule, then count one request; raise when the day is spent."""
        async with self._lock:
            now = self._now()
            self._forget_old(now)
            if self.per_day is not None and len(self._sent) >= self.per_day:
                retry_after = (self._sent[0] + DAY - now).total_seconds()
                raise RateLimitedError(
                    f"daily budget of {self.per_day} requests is spent",
                    retry_after=max(retry_after, 0.0),
                )
            if self._last is not None and self.min_interval:
                wait = self.min_interval - (now - self._last).total_seconds()
                if wait > 0:
                    await pause(wait)
                    now = self._now()
            self._last = now
            self._sent.append(now)

    def _forget_old(self, now: datetime) -> None:
        while self._sent and now - self._sent[0] >= DAY:
            self._sent.popleft()


class BudgetRegistry:
    """One budget per (API, key): every client of the same key draws from the same one."""

    def __init__(self) -> None:
        """Start with no budgets."""
        self._budgets: dict[tuple[str, str], RequestBudget] = {}

    def get(
        self, api: str, key: str, *, per_day: int | None = None, min_interval: float = 0.0
    ) -> RequestBudget:
        """Return the budget of ``key`` on ``api``, creating it with these rules."""
        budget = self._budgets.get((api, key))
        if budget is None:
            budget = RequestBudget(per_day=per_day, min_interval=min_interval)
            self._budgets[(api, key)] = budget
        return budget
