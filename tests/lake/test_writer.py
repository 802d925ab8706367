"""The writer end to end: segments, rolling, uploads, backoff, and reliability test 1."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import gzip
import itertools
import json
import os
from pathlib import Path
import time

import pytest

from custom_components.home_energy_lake.lake import spool as spool_module
from custom_components.home_energy_lake.lake.backend import BackendError, ErrorKind
from custom_components.home_energy_lake.lake.local import LocalBackend
from custom_components.home_energy_lake.lake.spool import Spool
from custom_components.home_energy_lake.lake.writer import BronzeWriter, WriterStatus

from .conftest import (
    T0,
    FakeClock,
    MemoryBackend,
    WriterFactory,
    every,
    fronius_record,
    lake_lines,
    local_lake_objects,
    wait_for,
)

WEATHER_BODY = b'{"latitude": 52.52, "hourly": {"temperature_2m": [1.5, 1.2]}}'


def weather_record(at: datetime) -> object:
    return replace(
        fronius_record(at),
        source="weather",
        vendor="openmeteo",
        device_id="52.52_13.41",
        endpoint="forecast",
        body=WEATHER_BODY,
    )


async def test_store_down_for_a_simulated_day_then_every_record_uploaded_exactly_once(
    make_writer: WriterFactory,
) -> None:
    backend = MemoryBackend(down=True)
    midnight = T0.replace(hour=0)
    clock = FakeClock(midnight)
    writer = make_writer(backend, clock=clock)
    seen: list[WriterStatus] = []
    writer.add_listener(lambda: seen.append(writer.status))
    await writer.async_start()

    expected: Counter[tuple[str, str]] = Counter()
    # A whole UTC day at 10-second polling, and the first hour of the next one.
    for i, at in enumerate(every(timedelta(seconds=10), 8640 + 360, midnight)):
        clock.now = at
        assert writer.append(fronius_record(at))
        expected["30025418", at.isoformat()] += 1
        if i % 90 == 0:
            assert writer.append(weather_record(at))  # type: ignore[arg-type]
            expected["52.52_13.41", at.isoformat()] += 1
        if i % 60 == 59:
            await writer.async_flush()  # what the fsync timer does between real polls

    await wait_for(lambda: backend.attempts.total() > 20)
    during = writer.status
    assert during.upload_error_kind is ErrorKind.UNAVAILABLE
    assert "503" in (during.upload_error or "")
    assert during.backlog_segments >= 24
    assert not during.spool_full
    assert any(s.upload_error_kind is ErrorKind.UNAVAILABLE for s in seen)
    assert backend.objects == {}

    # The store comes back, but drops the acknowledgement of its first three writes.
    backend.down = False
    backend.lose_acks = 3
    await writer.async_flush(seal=True)
    # The spool's report of the last removal can reach the loop a step before the
    # upload task counts it: wait for both.
    await wait_for(
        lambda: (
            writer.status.backlog_segments == 0
            and writer.status.segments_uploaded == len(backend.objects)
        )
    )

    uploaded = Counter(
        (line["device_id"], datetime.fromisoformat(line["fetched_at"]).isoformat())
        for line in lake_lines(backend.objects)
    )
    assert uploaded == expected
    assert max(uploaded.values()) == 1
    assert writer.status.upload_error is None
    assert writer.status.segments_uploaded == len(backend.objects)
    assert any(count > 1 for count in backend.attempts.values())  # retried, not duplicated
    solar_days = Counter(
        path.split("/")[2:5][2] for path in backend.objects if path.startswith("solar/")
    )
    # Rolled about hourly (the test hands records over every ten simulated minutes).
    assert solar_days["25"] >= 20
    assert solar_days["26"] >= 1  # and at midnight into the next day's folder


async def test_segment_holds_one_stream_and_one_utc_day(make_writer: WriterFactory) -> None:
    backend = MemoryBackend()
    clock = FakeClock(T0.replace(hour=23, minute=59, second=40))
    writer = make_writer(backend, clock=clock)
    await writer.async_start()
    for at in every(timedelta(seconds=10), 4, clock.now):  # 23:59:40 .. 00:00:10
        clock.now = at
        writer.append(fronius_record(at))
        writer.append(fronius_record(at, device_id="other"))
    await writer.async_flush(seal=True)

    assert len(backend.objects) == 4
    for path, data in backend.objects.items():
        lines = [json.loads(line) for line in gzip.decompress(data).splitlines()]
        assert {line["device_id"] for line in lines} == {path.rsplit("/", 1)[1].split("_")[0]}
        assert {line["fetched_at"][:10].replace("-", "/") for line in lines} == {
            "/".join(path.split("/")[2:5])
        }
    assert sorted(p.split("/")[4] for p in backend.objects) == ["25", "25", "26", "26"]


async def test_segments_roll_by_size(make_writer: WriterFactory) -> None:
    backend = MemoryBackend()
    writer = make_writer(backend, segment_max_bytes=4000, clock=FakeClock())
    await writer.async_start()
    moments = every(timedelta(seconds=10), 30)
    for at in moments:
        writer.append(fronius_record(at))
        await writer.async_flush()
    await writer.async_flush(seal=True)

    assert len(backend.objects) >= 5
    for data in backend.objects.values():
        assert len(gzip.decompress(data)) < 4000 + 1200
    assert sorted(line["fetched_at"] for line in lake_lines(backend.objects)) == [
        at.strftime("%Y-%m-%dT%H:%M:%S.000000Z") for at in moments
    ]


async def test_segments_roll_by_age_on_the_timer(make_writer: WriterFactory) -> None:
    backend = MemoryBackend()
    clock = FakeClock()
    writer = make_writer(
        backend, clock=clock, fsync_interval=0.01, segment_max_age=timedelta(minutes=5)
    )
    await writer.async_start()
    writer.append(fronius_record(T0))
    await writer.async_flush()
    assert backend.objects == {}

    clock.now = T0 + timedelta(minutes=5)  # no new record: the spool task's timer seals it
    await wait_for(lambda: len(backend.objects) == 1)
    path = next(iter(backend.objects))
    assert path.startswith("solar/raw/2026/11/25/30025418_powerflow_20261125T100000Z_")
    assert path.endswith(".jsonl.gz")


async def test_flush_makes_records_durable_in_the_active_segment(
    make_writer: WriterFactory, tmp_path: Path
) -> None:
    writer = make_writer(MemoryBackend(), clock=FakeClock())
    await writer.async_start()
    for at in every(timedelta(seconds=10), 3):
        writer.append(fronius_record(at))
    await writer.async_flush()

    (active,) = (tmp_path / "spool" / "active").iterdir()
    assert active.name.startswith("solar+raw+2026+11+25+30025418_powerflow_")
    assert len(active.read_bytes().splitlines()) == 3


async def test_upload_backoff_doubles_up_to_the_maximum(make_writer: WriterFactory) -> None:
    attempts: list[float] = []

    class DownStore(MemoryBackend):
        async def async_put(self, path: str, data: bytes) -> None:
            attempts.append(time.monotonic())
            raise BackendError("503", retryable=True)

    # A one-byte segment limit seals the record's segment at once: only the upload task
    # (no flush) makes attempts, so the gaps between them are its backoff alone.
    writer = make_writer(
        DownStore(), segment_max_bytes=1, retry_initial=0.02, retry_max=0.08, clock=FakeClock()
    )
    await writer.async_start()
    writer.append(fronius_record(T0))
    await wait_for(lambda: len(attempts) >= 5)

    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    for number, gap in enumerate(gaps[:4]):
        assert gap >= min(0.02 * 2**number, 0.08) * 0.95


async def test_error_that_needs_the_user_waits_the_longest_at_once(
    make_writer: WriterFactory,
) -> None:
    attempts: list[float] = []

    class ForbiddenStore(MemoryBackend):
        async def async_put(self, path: str, data: bytes) -> None:
            attempts.append(time.monotonic())
            raise BackendError(
                "403 AuthorizationFailure", retryable=False, kind=ErrorKind.AUTH_FAILED
            )

    writer = make_writer(
        ForbiddenStore(), segment_max_bytes=1, retry_initial=0.001, retry_max=0.2, clock=FakeClock()
    )
    await writer.async_start()
    writer.append(fronius_record(T0))
    await wait_for(lambda: len(attempts) >= 2, within=5)

    assert attempts[1] - attempts[0] >= 0.19
    assert writer.status.last_error_kind is ErrorKind.AUTH_FAILED


async def test_a_backend_bug_is_reported_and_does_not_stop_the_writer(
    make_writer: WriterFactory,
) -> None:
    class BuggyStore(MemoryBackend):
        broken = True

        async def async_put(self, path: str, data: bytes) -> None:
            if self.broken:
                raise RuntimeError("unexpected SDK state")
            await super().async_put(path, data)

    backend = BuggyStore()
    writer = make_writer(backend, clock=FakeClock())
    await writer.async_start()
    writer.append(fronius_record(T0))
    await writer.async_flush(seal=True)
    assert writer.status.upload_error == "RuntimeError: unexpected SDK state"

    backend.broken = False
    writer.append(fronius_record(T0 + timedelta(seconds=10)))
    await writer.async_flush(seal=True)
    await wait_for(lambda: writer.status.backlog_segments == 0)
    assert len(lake_lines(backend.objects)) == 2


async def test_listeners_are_called_on_change_and_can_unsubscribe(
    make_writer: WriterFactory,
) -> None:
    backend = MemoryBackend(down=True)
    writer = make_writer(backend, clock=FakeClock())
    calls: list[WriterStatus] = []
    unsubscribe = writer.add_listener(lambda: calls.append(writer.status))
    await writer.async_start()
    writer.append(fronius_record(T0))
    await writer.async_flush(seal=True)
    assert calls
    assert calls[-1].upload_error_kind is ErrorKind.UNAVAILABLE
    assert calls[-1].backlog_segments == 1

    unsubscribe()
    count = len(calls)
    backend.down = False
    await writer.async_flush(seal=True)
    assert writer.status.backlog_segments == 0
    assert len(calls) == count


async def test_stop_seals_uploads_and_closes_the_backend(
    make_writer: WriterFactory, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    writer = make_writer(LocalBackend(lake), clock=FakeClock())
    await writer.async_start()
    for at in every(timedelta(seconds=10), 5):
        writer.append(fronius_record(at))
    await writer.async_stop()

    assert len(lake_lines(local_lake_objects(lake))) == 5
    assert list((tmp_path / "spool" / "active").iterdir()) == []
    assert list((tmp_path / "spool" / "sealed").iterdir()) == []
    assert writer.append(fronius_record(T0)) is False
    assert writer.status.records_refused == 1


async def test_records_appended_before_start_are_kept(make_writer: WriterFactory) -> None:
    backend = MemoryBackend()
    writer = make_writer(backend, clock=FakeClock())
    assert writer.append(fronius_record(T0))
    await writer.async_start()
    await writer.async_flush(seal=True)
    assert len(lake_lines(backend.objects)) == 1


async def test_a_writer_never_started_stops_cleanly(tmp_path: Path) -> None:
    writer = BronzeWriter(spool_dir=tmp_path, backend=MemoryBackend(), integration_version="0")
    await writer.async_stop()
    assert writer.status.backlog_segments == 0


def test_status_names_the_spool_problem_first() -> None:
    status = WriterStatus(
        backlog_segments=0,
        backlog_bytes=0,
        spool_bytes=0,
        spool_full=False,
        records_refused=0,
        records_torn=0,
        segments_uploaded=0,
        spool_error="Disk full",
        spool_error_kind=ErrorKind.DISK_FULL,
        upload_error="503",
        upload_error_kind=ErrorKind.UNAVAILABLE,
        last_upload_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert (status.last_error, status.last_error_kind) == ("Disk full", ErrorKind.DISK_FULL)
    delayed = replace(status, spool_error=None, spool_error_kind=None)
    assert (delayed.last_error, delayed.last_error_kind) == ("503", ErrorKind.UNAVAILABLE)
    refusing = replace(delayed, spool_full=True, records_refused=3)
    assert refusing.last_error == "Bronze spool full: new records are refused (3 so far)"
    assert refusing.last_error_kind is ErrorKind.SPOOL_FULL


async def test_a_failing_listener_does_not_stop_the_others(
    make_writer: WriterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    writer = make_writer(MemoryBackend(down=True), clock=FakeClock())
    calls: list[str] = []

    def broken() -> None:
        raise RuntimeError("listener bug")

    writer.add_listener(broken)
    writer.add_listener(lambda: calls.append("called"))
    await writer.async_start()
    writer.append(fronius_record(T0))
    await writer.async_flush(seal=True)

    assert calls
    assert "Bronze status listener failed" in caplog.text


async def test_an_upload_that_hangs_times_out_and_is_retried(make_writer: WriterFactory) -> None:
    class SlowStore(MemoryBackend):
        stalls = 1

        async def async_put(self, path: str, data: bytes) -> None:
            if self.stalls:
                self.stalls -= 1
                await asyncio.sleep(30)
            await super().async_put(path, data)

    backend = SlowStore()
    writer = make_writer(backend, upload_timeout=0.05, retry_max=0.05, clock=FakeClock())
    errors: list[str | None] = []
    writer.add_listener(lambda: errors.append(writer.status.upload_error))
    await writer.async_start()
    writer.append(fronius_record(T0))
    await writer.async_flush(seal=True)

    await wait_for(lambda: writer.status.backlog_segments == 0)
    assert any("took longer than 0.05 s" in (error or "") for error in errors)
    assert writer.status.upload_error is None
    assert len(lake_lines(backend.objects)) == 1


async def test_flush_before_start_keeps_records_queued(make_writer: WriterFactory) -> None:
    backend = MemoryBackend()
    writer = make_writer(backend, clock=FakeClock())
    writer.append(fronius_record(T0))
    await writer.async_flush(seal=True)
    assert backend.objects == {}
    assert writer.status.spool_bytes > 0

    await writer.async_start()
    await writer.async_flush(seal=True)
    assert len(lake_lines(backend.objects)) == 1


async def test_stop_while_the_uploader_waits_for_a_busy_worker(
    make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling a caller of a queued worker job must not strand the jobs behind it."""
    writer = make_writer(MemoryBackend(down=True), segment_max_bytes=1, clock=FakeClock())
    await writer.async_start()
    writer.append(fronius_record(T0))
    await wait_for(lambda: writer.status.upload_error is not None)

    def slow_write(fd: int, data: memoryview) -> int:
        time.sleep(0.2)  # on the worker thread: the uploader's next read waits behind it
        return os.write(fd, data)

    monkeypatch.setattr(spool_module, "_os_write", slow_write)
    writer.append(fronius_record(T0 + timedelta(seconds=10)))
    await asyncio.sleep(0.05)
    async with asyncio.timeout(10):
        await writer.async_stop()
    assert writer.status.backlog_segments == 2


async def test_a_bug_in_the_worker_fails_the_waiting_call_and_the_worker_goes_on(
    make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = MemoryBackend()
    writer = make_writer(backend, clock=FakeClock())
    await writer.async_start()

    def broken_roll(self: Spool, now: datetime) -> None:
        raise RuntimeError("bug in roll")

    with monkeypatch.context() as patch:
        patch.setattr(Spool, "roll", broken_roll)
        writer.append(fronius_record(T0))
        with pytest.raises(RuntimeError, match="bug in roll"):
            await writer.async_flush()

    writer.append(fronius_record(T0 + timedelta(seconds=10)))
    await writer.async_flush(seal=True)
    assert len(lake_lines(backend.objects)) == 2
