"""Simulated time: the wall clock by default, or a fixed start running at some speed."""

from __future__ import annotations

from datetime import UTC, datetime
import time


class SimClock:
    """``now()`` in Unix seconds: ``start + (elapsed wall time) * speed``."""

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        """Follow the wall clock, or run from ``start`` (aware) at ``speed`` times real time."""
        if start is not None and start.tzinfo is None:
            raise ValueError("the simulated start time must be timezone-aware")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._wall_start = time.time()
        self._sim_start = self._wall_start if start is None else start.timestamp()
        self.speed = speed

    def now(self) -> float:
        """Return the simulated now, Unix seconds."""
        return self._sim_start + (time.time() - self._wall_start) * self.speed

    def now_datetime(self) -> datetime:
        """Return the simulated now as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=UTC)
