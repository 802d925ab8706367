"""Reliability 2 and 3: a process that dies mid-write, and a restart that resumes the spool."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
import gzip
from pathlib import Path
import shutil
import sys

from custom_components.home_energy_lake.lake.backend import BackendError
from custom_components.home_energy_lake.lake.spool import Spool, StreamKey, split_complete_lines

from .conftest import (
    FIXTURES,
    T0,
    FakeClock,
    MemoryBackend,
    WriterFactory,
    every,
    fronius_record,
    lake_lines,
    wait_for,
)

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "home_energy_lake"

# Runs in a child process that dies without stopping its writer. The lake package needs
# nothing from Home Assistant, so the child loads it without the integration's __init__.
CRASHING_WRITER = """
import asyncio, os, sys, types
from datetime import UTC, datetime, timedelta
from pathlib import Path

integration = types.ModuleType("custom_components.home_energy_lake")
integration.__path__ = [sys.argv[3]]
sys.modules[integration.__name__] = integration

from custom_components.home_energy_lake.lake.local import LocalBackend
from custom_components.home_energy_lake.lake.record import BronzeRecord
from custom_components.home_energy_lake.lake.writer import BronzeWriter

spool, body = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes()
T0 = datetime(2026, 11, 25, 10, tzinfo=UTC)

def record(device_id, i):
    return BronzeRecord("solar", "fronius", device_id, "powerflow",
                        T0 + timedelta(seconds=10 * i), 200, body, "application/json")

async def main():
    writer = BronzeWriter(spool_dir=spool, backend=LocalBackend(spool / "unmounted-share"),
                          integration_version="0.1.0", clock=lambda: T0, retry_initial=60)
    await writer.async_start()
    for i in range(20):
        writer.append(record("sealed-before-crash", i))
    await writer.async_flush(seal=True)  # sealed; its upload fails, the share is missing
    for i in range(20):
        writer.append(record("active-at-crash", i))
    await writer.async_flush()  # durable in the active segment
    print(writer.status.upload_error_kind, writer.status.backlog_segments, flush=True)
    os._exit(0)  # die here: no stop, no seal, no clean-up

asyncio.run(main())
"""


async def _crash_a_writer(spool: Path) -> str:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_WRITER,
        str(spool),
        str(FIXTURES / "fronius" / "symo_powerflow_day.json"),
        str(INTEGRATION),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await child.communicate()
    assert child.returncode == 0, err.decode()
    return out.decode().strip()


async def test_process_dies_mid_write_torn_record_reported_complete_ones_kept(
    make_writer: WriterFactory, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    assert await _crash_a_writer(spool) == "missing_folder 1"
    (active,) = (spool / "active").iterdir()
    data = active.read_bytes()
    assert data.count(b"\n") == 20
    # The crash cut the last record short, mid-write: its newline never reached the disk.
    active.write_bytes(data[:-40])
    torn_bytes = data[data.rstrip(b"\n").rindex(b"\n") + 1 : -40]

    backend = MemoryBackend()
    writer = make_writer(backend, spool_dir=spool, clock=FakeClock())
    await writer.async_start()

    report = writer.recovery_report
    assert report is not None
    assert (report.records_torn, report.records_kept, report.segments_recovered) == (1, 19, 1)
    assert writer.status.records_torn == 1
    (torn_file,) = report.torn_files
    assert torn_file.read_bytes() == torn_bytes + b"\n"

    await writer.async_flush(seal=True)
    await wait_for(lambda: writer.status.backlog_segments == 0)
    uploaded = Counter(
        (line["device_id"], line["fetched_at"]) for line in lake_lines(backend.objects)
    )
    assert max(uploaded.values()) == 1
    assert Counter(device for device, _ in uploaded) == {
        "sealed-before-crash": 20,
        "active-at-crash": 19,
    }
    assert ("active-at-crash", "2026-11-25T10:03:10.000000Z") not in uploaded  # the torn one
    assert list((spool / "active").iterdir()) == []


def test_damaged_lines_and_a_torn_tail_are_rejected_whole_lines_kept() -> None:
    good = b'{"envelope_version":1,"payload":{"a":1}}\n'
    data = good + b"\x00" * 16 + b"\n" + good + b'{"envelope_version":1,"payl'
    kept, rejected = split_complete_lines(data)

    assert kept == [good, good]
    assert rejected == [b"\x00" * 16 + b"\n", b'{"envelope_version":1,"payl']


def test_recovery_after_a_crash_between_seal_and_clean_up_keeps_one_copy(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_segment_bytes=1 << 20, max_segment_age=timedelta(hours=1))
    spool.recover()
    spool.write(StreamKey("solar", "fronius", "dev", "powerflow"), [b'{"n":1}\n', b'{"n":2}\n'], T0)
    (active,) = (tmp_path / "active").iterdir()
    shutil.copy(active, tmp_path / "copy")
    spool.seal_all()
    (tmp_path / "copy").rename(active)  # as if the process died before deleting it
    spool.close()

    again = Spool(tmp_path, max_segment_bytes=1 << 20, max_segment_age=timedelta(hours=1))
    report = again.recover()

    assert report.segments_recovered == 0
    assert list((tmp_path / "active").iterdir()) == []
    (path,) = again.sealed_segments()
    assert gzip.decompress(again.read_sealed(path)) == b'{"n":1}\n{"n":2}\n'


async def test_restart_resumes_from_the_spool_without_duplicates(
    make_writer: WriterFactory,
) -> None:
    class DiesAfterItsFirstWrite(MemoryBackend):
        """Commits the first segment, loses the acknowledgement, then is down."""

        async def async_put(self, path: str, data: bytes) -> None:
            self.attempts[path] += 1
            if self.objects:
                raise BackendError("503 Service Unavailable", retryable=True)
            self.objects[path] = data
            raise BackendError("connection reset after the store committed", retryable=True)

    first_store = DiesAfterItsFirstWrite()
    first = make_writer(first_store, clock=FakeClock())
    await first.async_start()
    moments = every(timedelta(seconds=10), 12)
    for at in moments[:6]:
        first.append(fronius_record(at))
    await first.async_flush(seal=True)  # one segment: stored, but not acknowledged
    for at in moments[6:]:
        first.append(fronius_record(at))
    await first.async_stop()  # seals the rest; the store is down
    assert first.status.backlog_segments == 2
    assert len(first_store.objects) == 1

    # Second run on the same spool: the store is back and holds the unacknowledged copy.
    second_store = MemoryBackend(objects=dict(first_store.objects))
    second = make_writer(second_store, clock=FakeClock())
    await second.async_start()
    # The spool's worker reports the emptied backlog a moment before the upload task
    # counts the last segment: wait for both.
    await wait_for(
        lambda: second.status.backlog_segments == 0 and second.status.segments_uploaded == 2
    )

    assert len(second_store.objects) == 2
    fetched = sorted(line["fetched_at"] for line in lake_lines(second_store.objects))
    assert fetched == [at.strftime("%Y-%m-%dT%H:%M:%S.000000Z") for at in moments]


def test_recovery_keeps_every_rejected_piece_one_per_line(tmp_path: Path) -> None:
    good = b'{"envelope_version":1,"payload":{"a":1}}\n'
    (tmp_path / "active").mkdir()
    active = tmp_path / "active" / "solar+raw+2026+11+25+dev_powerflow_20261125T100000Z_t.jsonl"
    active.write_bytes(good + b"\x00\x00\n" + good + b"not json\n" + good + b'{"cut')

    spool = Spool(tmp_path, max_segment_bytes=1 << 20, max_segment_age=timedelta(hours=1))
    report = spool.recover()

    assert (report.records_kept, report.records_torn) == (3, 3)
    (torn,) = report.torn_files
    assert torn.read_bytes() == b'\x00\x00\nnot json\n{"cut\n'
    (path,) = spool.sealed_segments()
    assert path == "solar/raw/2026/11/25/dev_powerflow_20261125T100000Z_t.jsonl.gz"
    assert gzip.decompress(spool.read_sealed(path)) == good * 3
