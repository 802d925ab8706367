"""End to end: the Bronze writer shipping to ADLS Gen2 (the loopback DFS server) through outages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.home_energy_lake.lake.adls import AccountKey, AdlsBackend
from custom_components.home_energy_lake.lake.backend import ErrorKind
from custom_components.home_energy_lake.lake.record import BronzeRecord
from custom_components.home_energy_lake.lake.writer import BronzeWriter

from .fake_adls import ACCOUNT, ACCOUNT_KEY, FakeAdls, Fault

FIXTURES = Path(__file__).parents[1] / "fixtures"
POWERFLOW = (FIXTURES / "fronius" / "symo_powerflow_day.json").read_bytes()
START = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


class Clock:
    """The writer's idea of now, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def powerflow(fetched_at: datetime) -> BronzeRecord:
    return BronzeRecord(
        source="solar",
        vendor="fronius",
        device_id="30025418",
        endpoint="powerflow",
        fetched_at=fetched_at,
        http_status=200,
        body=POWERFLOW,
        content_type="application/json",
        url="http://192.168.1.50/solar_api/v1/GetPowerFlowRealtimeData.fcgi",
    )


def adls_backend(server: FakeAdls) -> AdlsBackend:
    return AdlsBackend(
        account_name=ACCOUNT,
        filesystem="bronze",
        credential=AccountKey(ACCOUNT_KEY),
        endpoint=server.account_url,
        path_prefix="house",
        retry_total=1,
        retry_initial_backoff=0,
        retry_increment_base=0,
        retry_jitter=0,
        read_timeout=2,
    )


def writer_for(server: FakeAdls, spool: Path, clock: Clock) -> BronzeWriter:
    return BronzeWriter(
        spool_dir=spool,
        backend=adls_backend(server),
        integration_version="0.1.0",
        segment_max_age=timedelta(hours=1),
        fsync_interval=3600,
        retry_initial=0.01,
        retry_max=0.05,
        stop_upload_timeout=2,
        clock=clock,
    )


def lake_envelopes(server: FakeAdls) -> list[dict[str, Any]]:
    """Every envelope in the lake's segments, as a reader of the lake sees them."""
    return [
        json.loads(line)
        for path, data in sorted(server.files().items())
        if path.endswith(".jsonl.gz") and not path.startswith("house/_incoming/")
        for line in gzip.decompress(data).splitlines()
    ]


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[FakeAdls]:
    async with FakeAdls() as fake:
        yield fake


async def test_a_day_of_outage_then_every_record_arrives_exactly_once(
    server: FakeAdls, tmp_path: Path
) -> None:
    clock = Clock()
    # The store is down (503 to everything) from the start.
    outage = server.inject(Fault("status", times=10**9))
    writer = writer_for(server, tmp_path / "spool", clock)
    await writer.async_start()
    moments = [START + timedelta(minutes=2) * step for step in range(24 * 30)]
    try:
        for moment in moments:
            clock.now = moment
            assert writer.append(powerflow(moment))
            if moment.minute == 0:
                await writer.async_flush()
        clock.now = START + timedelta(days=1)
        await writer.async_flush(seal=True)
        status = writer.status
        assert status.upload_error_kind is ErrorKind.UNAVAILABLE
        assert "503" in (status.upload_error or "")
        backlog = status.backlog_segments
        assert backlog > 10  # the day was cut into many hour-scale segments
        assert server.files() == {}
        assert outage.hits > 0

        # Back up, but the first acknowledgements of renames get lost on the way.
        outage.times = 0
        lost = server.inject(Fault("lost_response", operation="rename", times=3))
        await writer.async_flush(seal=True)
        assert lost.hits == 3
        status = writer.status
        assert status.backlog_segments == 0
        assert status.upload_error is None
    finally:
        await writer.async_stop()

    assert len(server.files()) == backlog  # one file per segment, no temporary leftovers
    envelopes = lake_envelopes(server)
    fetched = [envelope["fetched_at"] for envelope in envelopes]
    assert len(fetched) == len(moments)
    assert sorted(fetched) == sorted(moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for moment in moments)
    assert all(envelope["payload"] == json.loads(POWERFLOW) for envelope in envelopes)
    assert all(path.startswith("house/solar/raw/2026/11/25/") for path in server.files())


async def test_restart_during_an_outage_resumes_from_the_spool(
    server: FakeAdls, tmp_path: Path
) -> None:
    clock = Clock()
    outage = server.inject(Fault("reset", times=10**9))
    first = writer_for(server, tmp_path / "spool", clock)
    await first.async_start()
    early = [START + timedelta(minutes=5) * step for step in range(30)]
    for moment in early:
        clock.now = moment
        first.append(powerflow(moment))
    await first.async_stop()
    assert server.files() == {}

    outage.times = 0
    second = writer_for(server, tmp_path / "spool", clock)
    await second.async_start()
    late = [early[-1] + timedelta(minutes=5) * step for step in range(1, 11)]
    try:
        for moment in late:
            clock.now = moment
            second.append(powerflow(moment))
        await second.async_flush(seal=True)
        assert second.status.backlog_segments == 0
    finally:
        await second.async_stop()
    fetched = sorted(envelope["fetched_at"] for envelope in lake_envelopes(server))
    assert fetched == sorted(m.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for m in early + late)


async def test_wrong_key_is_reported_as_auth_failure_and_nothing_is_lost(
    server: FakeAdls, tmp_path: Path
) -> None:
    server.account_key = "d3JvbmcgYWNjb3VudCBrZXk="  # the store now expects another key
    clock = Clock()
    writer = writer_for(server, tmp_path / "spool", clock)
    await writer.async_start()
    try:
        writer.append(powerflow(START))
        await writer.async_flush(seal=True)
        status = writer.status
        assert status.upload_error_kind is ErrorKind.AUTH_FAILED
        assert "the key or SAS was refused" in (status.upload_error or "")
        assert status.backlog_segments == 1
        server.account_key = ACCOUNT_KEY  # the user fixes the key in the store's settings
        await writer.async_flush(seal=True)
        assert writer.status.backlog_segments == 0
    finally:
        await writer.async_stop()
    assert [envelope["fetched_at"] for envelope in lake_envelopes(server)] == [
        START.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ]
