"""Helpers for the Bronze store's tests: records, an in-memory store with faults, a fake clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.home_energy_lake.lake.backend import BackendError, ErrorKind
from custom_components.home_energy_lake.lake.record import BronzeRecord
from custom_components.home_energy_lake.lake.writer import BronzeWriter

FIXTURES = Path(__file__).parents[1] / "fixtures"
FRONIUS_POWERFLOW = (FIXTURES / "fronius" / "symo_powerflow_day.json").read_bytes()
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def fronius_record(
    fetched_at: datetime, *, device_id: str = "30025418", body: bytes | None = None
) -> BronzeRecord:
    """A Fronius power-flow answer as the integration hands it over."""
    return BronzeRecord(
        source="solar",
        vendor="fronius",
        device_id=device_id,
        endpoint="powerflow",
        fetched_at=fetched_at,
        http_status=200,
        body=FRONIUS_POWERFLOW if body is None else body,
        content_type="application/json",
        url="http://192.168.1.50/solar_api/v1/GetPowerFlowRealtimeData.fcgi",
        headers={"Date": "Wed, 25 Nov 2026 10:00:00 GMT"},
    )


@dataclass
class FakeClock:
    """The writer's idea of now, moved by the test."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class MemoryBackend:
    """A store that keeps objects in a dict and honours the backend contract.

    ``down`` makes every put fail before storing (the store is unreachable);
    ``lose_acks`` makes the next puts store the object and then fail anyway, as when
    a connection drops after the store committed: the writer must retry, and the
    retry must not duplicate anything.
    """

    objects: dict[str, bytes] = field(default_factory=dict)
    down: bool = False
    lose_acks: int = 0
    attempts: Counter[str] = field(default_factory=Counter)
    closed: bool = False
    description: str = "memory store"

    async def async_put(self, path: str, data: bytes) -> None:
        self.attempts[path] += 1
        if self.down:
            raise BackendError("store unreachable: 503 Service Unavailable", retryable=True)
        existing = self.objects.get(path)
        if existing is not None and existing != data:
            raise BackendError(
                f"{path} exists with other bytes", retryable=False, kind=ErrorKind.CONFLICT
            )
        self.objects[path] = data
        if self.lose_acks:
            self.lose_acks -= 1
            raise BackendError("connection reset after the store committed", retryable=True)

    async def async_size(self, path: str) -> int | None:
        data = self.objects.get(path)
        return None if data is None else len(data)

    async def async_check(self) -> None:
        if self.down:
            raise BackendError("store unreachable", retryable=True)

    async def async_close(self) -> None:
        self.closed = True


def lake_lines(objects: dict[str, bytes]) -> list[dict[str, Any]]:
    """Every envelope in the given sealed segments, decompressed and parsed."""
    return [
        json.loads(line) for data in objects.values() for line in gzip.decompress(data).splitlines()
    ]


def local_lake_objects(root: Path) -> dict[str, bytes]:
    """The sealed segments under a local lake root, by lake path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.jsonl.gz")}


type WriterFactory = Callable[..., BronzeWriter]


@pytest.fixture
async def make_writer(tmp_path: Path) -> AsyncIterator[WriterFactory]:
    """Build writers on ``tmp_path/spool`` (by default) and stop every one after the test."""
    writers: list[BronzeWriter] = []

    def factory(backend: Any, **options: Any) -> BronzeWriter:
        options.setdefault("spool_dir", tmp_path / "spool")
        options.setdefault("integration_version", "0.1.0")
        options.setdefault("retry_initial", 0.001)
        options.setdefault("retry_max", 0.01)
        options.setdefault("stop_upload_timeout", 2.0)
        writer = BronzeWriter(backend=backend, **options)
        writers.append(writer)
        return writer

    yield factory
    for writer in writers:
        await writer.async_stop()


def every(step: timedelta, count: int, start: datetime = T0) -> list[datetime]:
    """``count`` moments ``step`` apart from ``start``."""
    return [start + i * step for i in range(count)]


async def wait_for(predicate: Callable[[], bool], *, within: float = 20.0) -> None:
    """Wait until ``predicate()`` holds, which the writer's own tasks bring about."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - the state lives in another object's tasks
            await asyncio.sleep(0.005)


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder``."""
    return sorted(p for p in folder.rglob("*") if p.is_file())
