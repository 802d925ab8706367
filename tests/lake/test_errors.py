"""Reliability 4: disk full, permission denied, missing folder, full spool.

Each failure must reach the caller through ``status`` and the listener, and appending
must go on; once the cause is gone, every accepted record reaches the lake exactly once.

How the failures are produced:

* disk full: ``spool._os_write`` (the one function the spool and the local backend write
  files through) is swapped for one that raises ENOSPC for files under a chosen folder,
  after a short write first where the test asks for it, as a filling disk does;
* permission denied: for real. Tests run as root, where a mode never denies, so the
  test drops the effective user id to ``nobody`` (65534) while the writer works, over a
  lake folder owned by root with mode 755; as any other user, a mode of 555 does it;
* missing folder: a root that does not exist, or that is a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
import errno
import os
from pathlib import Path
import shutil
import tempfile

import pytest

from custom_components.home_energy_lake.lake import spool as spool_module
from custom_components.home_energy_lake.lake.backend import BackendError, ErrorKind
from custom_components.home_energy_lake.lake.local import LocalBackend
from custom_components.home_energy_lake.lake.writer import WriterStatus

from .conftest import (
    T0,
    FakeClock,
    MemoryBackend,
    WriterFactory,
    every,
    files_under,
    fronius_record,
    lake_lines,
    local_lake_objects,
    wait_for,
)

NOBODY = 65534


class FullDisk:
    """Writes to files under ``folder`` fail with ENOSPC while ``full`` is set."""

    def __init__(self, folder: Path, *, short_write_first: bool = False) -> None:
        self.folder = str(folder.resolve())
        self.full = True
        self.short_write_first = short_write_first

    def __call__(self, fd: int, data: memoryview) -> int:
        if self.full and os.readlink(f"/proc/self/fd/{fd}").startswith(self.folder):
            if self.short_write_first:
                self.short_write_first = False
                return os.write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)


def expected_fetched(count: int) -> list[str]:
    return [at.strftime("%Y-%m-%dT%H:%M:%S.000000Z") for at in every(timedelta(seconds=10), count)]


async def test_lake_disk_full_reaches_the_caller_and_appending_goes_on(
    make_writer: WriterFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    disk = FullDisk(lake)
    monkeypatch.setattr(spool_module, "_os_write", disk)
    writer = make_writer(LocalBackend(lake), clock=FakeClock())
    statuses: list[WriterStatus] = []
    writer.add_listener(lambda: statuses.append(writer.status))
    await writer.async_start()

    for at in every(timedelta(seconds=10), 6):
        assert writer.append(fronius_record(at))
        await writer.async_flush(seal=True)

    status = writer.status
    assert status.upload_error_kind is ErrorKind.DISK_FULL
    assert status.upload_error is not None
    assert status.upload_error.startswith("Disk full: no space left to write")
    assert status.spool_error is None
    assert status.backlog_segments == 6
    assert any(s.last_error_kind is ErrorKind.DISK_FULL for s in statuses)
    assert files_under(lake) == []  # no half-written or temporary files left behind

    disk.full = False
    await writer.async_flush(seal=True)
    await wait_for(lambda: writer.status.backlog_segments == 0)
    assert sorted(
        line["fetched_at"] for line in lake_lines(local_lake_objects(lake))
    ) == expected_fetched(6)
    assert all(p.name.endswith(".jsonl.gz") for p in files_under(lake))
    assert writer.status.last_error is None


async def test_spool_disk_full_keeps_records_in_memory_and_loses_none(
    make_writer: WriterFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = MemoryBackend()
    writer = make_writer(backend, clock=FakeClock())
    await writer.async_start()
    disk = FullDisk(tmp_path / "spool", short_write_first=True)
    monkeypatch.setattr(spool_module, "_os_write", disk)

    for at in every(timedelta(seconds=10), 8):
        assert writer.append(fronius_record(at))
        await writer.async_flush()

    status = writer.status
    assert status.spool_error_kind is ErrorKind.DISK_FULL
    assert status.last_error_kind is ErrorKind.DISK_FULL
    assert "Bronze spool" in (status.spool_error or "")
    assert status.spool_bytes > 8 * 700  # still held, in memory
    assert not status.spool_full

    disk.full = False
    await writer.async_flush(seal=True)
    await wait_for(lambda: writer.status.backlog_segments == 0)
    # The short write was cut back: no damaged line, no duplicate, nothing missing.
    assert sorted(line["fetched_at"] for line in lake_lines(backend.objects)) == expected_fetched(8)
    assert writer.status.spool_error is None


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="bronze-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@contextmanager
def permission_denied_on(lake: Path) -> Iterator[None]:
    """Make ``lake`` really unwritable for this process, as root or not."""
    if os.geteuid() == 0:
        os.seteuid(NOBODY)
        try:
            yield
        finally:
            os.seteuid(0)
    else:
        lake.chmod(0o555)
        try:
            yield
        finally:
            lake.chmod(0o755)


async def test_permission_denied_reaches_the_caller_and_appending_goes_on(
    make_writer: WriterFactory, shared_folder: Path
) -> None:
    lake = shared_folder / "lake"
    lake.mkdir(mode=0o755)
    spool = shared_folder / "spool"
    spool.mkdir()
    spool.chmod(0o777)
    backend = LocalBackend(lake)
    writer = make_writer(backend, spool_dir=spool, clock=FakeClock())

    with permission_denied_on(lake):
        with pytest.raises(BackendError, match="Permission denied") as denied:
            await backend.async_check()
        assert denied.value.kind is ErrorKind.PERMISSION_DENIED
        await writer.async_start()
        for at in every(timedelta(seconds=10), 4):
            assert writer.append(fronius_record(at))
            await writer.async_flush(seal=True)
        status = writer.status

    assert status.upload_error_kind is ErrorKind.PERMISSION_DENIED
    assert status.upload_error is not None
    assert "check the folder's owner and mode" in status.upload_error
    assert status.backlog_segments == 4
    assert status.spool_error is None

    await writer.async_flush(seal=True)
    await wait_for(lambda: writer.status.backlog_segments == 0)
    assert sorted(
        line["fetched_at"] for line in lake_lines(local_lake_objects(lake))
    ) == expected_fetched(4)


@pytest.mark.parametrize(
    ("root_name", "message"),
    [("unmounted", "Missing folder"), ("a-file", "Not a folder"), ("a-file/lake", "Not a folder")],
    ids=["missing", "root-is-a-file", "parent-is-a-file"],
)
async def test_missing_folder_is_a_clear_error(
    make_writer: WriterFactory, tmp_path: Path, root_name: str, message: str
) -> None:
    (tmp_path / "a-file").write_bytes(b"")
    root = tmp_path / root_name
    backend = LocalBackend(root)
    with pytest.raises(BackendError, match=message) as missing:
        await backend.async_check()
    assert missing.value.kind is ErrorKind.MISSING_FOLDER
    assert not missing.value.retryable

    writer = make_writer(backend, clock=FakeClock())
    await writer.async_start()
    assert writer.append(fronius_record(T0))
    await writer.async_flush(seal=True)
    assert writer.status.upload_error_kind is ErrorKind.MISSING_FOLDER
    assert str(root) in (writer.status.upload_error or "")
    assert writer.status.backlog_segments == 1


async def test_spool_cap_refuses_new_records_counts_them_and_recovers(
    make_writer: WriterFactory,
) -> None:
    backend = MemoryBackend(down=True)
    writer = make_writer(backend, spool_max_bytes=12_000, clock=FakeClock())
    statuses: list[WriterStatus] = []
    writer.add_listener(lambda: statuses.append(writer.status))
    await writer.async_start()

    accepted: list[str] = []
    refused = 0
    for at in every(timedelta(seconds=10), 30):
        if writer.append(fronius_record(at)):
            accepted.append(at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"))
        else:
            refused += 1
        await writer.async_flush()

    full = writer.status
    assert refused > 0
    assert full.records_refused == refused
    assert full.spool_full
    assert full.last_error_kind is ErrorKind.SPOOL_FULL
    assert full.last_error == f"Bronze spool full: new records are refused ({refused} so far)"
    assert full.spool_error is None  # the spool itself is writable
    assert full.spool_bytes <= 12_000
    assert any(s.spool_full for s in statuses)

    backend.down = False
    await writer.async_flush(seal=True)
    await wait_for(lambda: writer.status.backlog_segments == 0)
    assert not writer.status.spool_full
    assert writer.append(fronius_record(T0 + timedelta(hours=1)))
    await writer.async_flush(seal=True)
    await wait_for(lambda: writer.status.backlog_segments == 0)
    uploaded = sorted(line["fetched_at"] for line in lake_lines(backend.objects))
    assert uploaded == [*accepted, "2026-11-25T11:00:00.000000Z"]


async def test_unusable_spool_folder_is_reported_and_recovered_from(
    make_writer: WriterFactory, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spool.write_bytes(b"")  # a file where the spool folder should be
    backend = MemoryBackend()
    writer = make_writer(backend, spool_dir=spool, clock=FakeClock())
    await writer.async_start()

    assert writer.append(fronius_record(T0))
    await writer.async_flush()
    assert writer.status.spool_error_kind is ErrorKind.MISSING_FOLDER
    assert str(spool) in (writer.status.spool_error or "")

    spool.unlink()
    assert writer.append(fronius_record(T0 + timedelta(seconds=10)))
    await writer.async_flush(seal=True)
    assert writer.status.spool_error is None
    assert len(lake_lines(backend.objects)) == 2


async def test_records_that_cannot_be_written_at_stop_are_logged(
    make_writer: WriterFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer = make_writer(MemoryBackend(), clock=FakeClock())
    await writer.async_start()
    monkeypatch.setattr(spool_module, "_os_write", FullDisk(tmp_path / "spool"))
    writer.append(fronius_record(T0))
    await writer.async_stop()

    assert "1 record(s) could not be written to the spool before stopping" in caplog.text
    assert "Disk full" in caplog.text
