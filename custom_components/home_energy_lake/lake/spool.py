"""The local spool: active segments being appended, sealed segments waiting for upload.

Layout under the spool folder (lake paths are flattened into one file name, ``/``
becoming ``+``, a character :func:`~.paths.safe_name` never produces):

* ``active/<flat lake path without .gz>``: JSON Lines, appended and fsynced in place;
* ``sealed/<flat lake path>``: the gzip-compressed segment, exactly the bytes uploaded;
* ``torn/<flat name>.torn``: bytes recovery could not keep as records (a line cut by a
  crash, or a damaged line), kept for inspection instead of being deleted.

Every method runs on the writer's single worker thread: the class holds no lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import errno
import gzip
import json
import logging
import os
from pathlib import Path
import secrets

from .envelope import ENVELOPE_START
from .paths import SEGMENT_SUFFIX, segment_path

_LOGGER = logging.getLogger(__name__)

_FLAT_SEPARATOR = "+"
_ACTIVE_SUFFIX = ".jsonl"
_TMP_SUFFIX = ".tmp"
_GZIP_LEVEL = 9
"""Sealing runs off the loop a few times an hour per stream; the smallest file wins."""

# The one place spool and local backend write files through; tests swap it to simulate a
# full disk (ENOSPC) on chosen real files.
_os_write = os.write


@dataclass(frozen=True, slots=True)
class StreamKey:
    """One stream: the records of one source, vendor, device and endpoint."""

    source: str
    vendor: str
    device_id: str
    endpoint: str


@dataclass(slots=True)
class RecoveryReport:
    """What :meth:`Spool.recover` found after a restart."""

    segments_recovered: int = 0
    """Active segments left by the previous run, now sealed for upload."""
    records_kept: int = 0
    records_torn: int = 0
    """Lines that were cut short or damaged; their bytes are in ``torn/``."""
    torn_files: list[Path] = field(default_factory=list)


@dataclass(slots=True)
class _ActiveSegment:
    lake_path: str
    file: Path
    fd: int
    day: str
    started_at: datetime
    size: int = 0
    dirty: bool = False


def _flat(lake_path: str) -> str:
    return lake_path.replace("/", _FLAT_SEPARATOR)


def _lake_path(flat_name: str) -> str:
    return flat_name.replace(_FLAT_SEPARATOR, "/")


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data``, looping over short writes; a write of nothing means a full disk."""
    view = memoryview(data)
    while view:
        written = _os_write(fd, view)
        if written == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _write_file_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp file, fsync and rename: all or nothing."""
    tmp = path.with_name(path.name + _TMP_SUFFIX)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    tmp.replace(path)
    fsync_dir(path.parent)


def split_complete_lines(data: bytes) -> tuple[list[bytes], list[bytes]]:
    r"""Split spool bytes into valid envelope lines (with ``\n``) and rejected pieces.

    A last piece without ``\n`` was cut by a crash; a complete line that is not a JSON
    object (a power cut can leave zeros in a file) is rejected too. Only ``\n`` ends a
    line: the envelope never contains a raw one.
    """
    kept: list[bytes] = []
    rejected: list[bytes] = []
    *lines, tail = data.split(b"\n")
    for line in lines:
        try:
            valid = isinstance(json.loads(line), dict)
        except ValueError:
            valid = False
        except RecursionError:
            # Too deep to check here, yet a crash leaves no nesting: one of our lines.
            valid = line.startswith(ENVELOPE_START)
        (kept if valid else rejected).append(line + b"\n")
    if tail:
        rejected.append(tail)
    return kept, rejected


class Spool:
    """Segments on local disk, rolled by size, age and UTC day, gzip-compressed when sealed."""

    def __init__(self, folder: Path, *, max_segment_bytes: int, max_segment_age: timedelta) -> None:
        """Use ``folder`` (created if missing); nothing is read until :meth:`recover`."""
        self.folder = folder
        self._active_dir = folder / "active"
        self._sealed_dir = folder / "sealed"
        self._torn_dir = folder / "torn"
        self._max_segment_bytes = max_segment_bytes
        self._max_segment_age = max_segment_age
        self._active: dict[tuple[StreamKey, str], _ActiveSegment] = {}
        self._sealed_bytes: dict[str, int] = {}
        """Sealed segments waiting for upload, oldest first, with their sizes."""

    @property
    def size_bytes(self) -> int:
        """Bytes the spool holds: active segments uncompressed, sealed ones compressed."""
        return sum(seg.size for seg in self._active.values()) + sum(self._sealed_bytes.values())

    @property
    def sealed_bytes(self) -> int:
        """Bytes of sealed segments waiting for upload."""
        return sum(self._sealed_bytes.values())

    def sealed_segments(self) -> list[str]:
        """Lake paths of the sealed segments waiting for upload, oldest first."""
        return list(self._sealed_bytes)

    def recover(self) -> RecoveryReport:
        """Pick up what the previous run left: seal its active segments, list sealed ones.

        A torn last line (the process died mid-write) and damaged lines are moved to
        ``torn/`` and counted; every complete record is kept.
        """
        for folder in (self._active_dir, self._sealed_dir, self._torn_dir):
            folder.mkdir(parents=True, exist_ok=True)
        report = RecoveryReport()
        for tmp in self._sealed_dir.glob(f"*{_TMP_SUFFIX}"):
            tmp.unlink()  # a seal that never reached its rename; the active file is still there
        for file in sorted(self._active_dir.glob(f"*{_ACTIVE_SUFFIX}")):
            self._recover_active(file, report)
        sealed = sorted(
            self._sealed_dir.glob(f"*{SEGMENT_SUFFIX}"), key=lambda p: p.stat().st_mtime_ns
        )
        self._sealed_bytes = {_lake_path(p.name): p.stat().st_size for p in sealed}
        return report

    def _recover_active(self, file: Path, report: RecoveryReport) -> None:
        lake_path = _lake_path(file.name) + ".gz"
        sealed = self._sealed_dir / _flat(lake_path)
        if sealed.exists():
            file.unlink()  # sealed before the crash; only the clean-up was missing
            return
        kept, rejected = split_complete_lines(file.read_bytes())
        if rejected:
            torn_file = self._torn_dir / f"{file.name}.torn"
            with torn_file.open("ab") as out:
                # One piece per line: damaged lines keep their newline, the torn tail gets one.
                out.writelines(p if p.endswith(b"\n") else p + b"\n" for p in rejected)
            report.records_torn += len(rejected)
            report.torn_files.append(torn_file)
            _LOGGER.warning(
                "Bronze spool: %d torn or damaged record(s) in %s moved to %s",
                len(rejected),
                file.name,
                torn_file,
            )
        if kept:
            _write_file_durably(sealed, gzip.compress(b"".join(kept), _GZIP_LEVEL, mtime=0))
            report.segments_recovered += 1
            report.records_kept += len(kept)
        file.unlink()
        fsync_dir(self._active_dir)

    def write(self, key: StreamKey, lines: list[bytes], fetched_at: datetime) -> None:
        """Append envelope lines of one stream and one UTC day to its active segment.

        On an I/O error the segment is cut back to its last whole line and the error
        is raised: the caller still holds the lines and retries later.
        """
        utc = fetched_at.astimezone(UTC)
        day = utc.strftime("%Y-%m-%d")
        segment = self._active.get((key, day))
        if segment is None:
            segment = self._open(key, day, utc)
        data = b"".join(lines)
        try:
            write_all(segment.fd, data)
        except OSError:
            os.ftruncate(segment.fd, segment.size)
            raise
        segment.size += len(data)
        segment.dirty = True

    def _open(self, key: StreamKey, day: str, started_at: datetime) -> _ActiveSegment:
        lake_path = segment_path(
            source=key.source,
            vendor=key.vendor,
            device_id=key.device_id,
            endpoint=key.endpoint,
            started_at=started_at,
            token=secrets.token_hex(4),
        )
        file = self._active_dir / _flat(lake_path).removesuffix(".gz")
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        fsync_dir(self._active_dir)
        segment = _ActiveSegment(lake_path, file, fd, day, started_at)
        self._active[(key, day)] = segment
        return segment

    def sync(self) -> None:
        """Fsync the active segments written since the last sync: their records are durable."""
        for segment in self._active.values():
            if segment.dirty:
                os.fsync(segment.fd)
                segment.dirty = False

    def roll(self, now: datetime) -> None:
        """Seal segments that are full, older than the maximum age, or of a UTC day that is over.

        Kept apart from :meth:`write` so that a failed seal never looks like a failed
        write (which the caller would retry, duplicating records).
        """
        today = now.astimezone(UTC).strftime("%Y-%m-%d")
        for slot, segment in list(self._active.items()):
            if (
                segment.size >= self._max_segment_bytes
                or segment.day < today
                or now - segment.started_at >= self._max_segment_age
            ):
                self._seal(slot)

    def seal_all(self) -> None:
        """Seal every active segment (on stop, so that nothing waits for the next start)."""
        for slot in list(self._active):
            self._seal(slot)

    def _seal(self, slot: tuple[StreamKey, str]) -> None:
        segment = self._active[slot]
        os.fsync(segment.fd)
        data = segment.file.read_bytes()
        sealed = self._sealed_dir / _flat(segment.lake_path)
        _write_file_durably(sealed, gzip.compress(data, _GZIP_LEVEL, mtime=0))
        # Only now is the active copy redundant; a crash before this line is handled by
        # recovery, which finds both and keeps the sealed one.
        os.close(segment.fd)
        del self._active[slot]
        segment.file.unlink()
        fsync_dir(self._active_dir)
        self._sealed_bytes[segment.lake_path] = sealed.stat().st_size

    def read_sealed(self, lake_path: str) -> bytes:
        """Return the bytes of a sealed segment, exactly as they are to be uploaded."""
        return (self._sealed_dir / _flat(lake_path)).read_bytes()

    def remove_sealed(self, lake_path: str) -> None:
        """Forget a segment the backend has confirmed."""
        (self._sealed_dir / _flat(lake_path)).unlink(missing_ok=True)
        self._sealed_bytes.pop(lake_path, None)

    def close(self) -> None:
        """Close active segment files without sealing them (the next start recovers them)."""
        for segment in self._active.values():
            os.close(segment.fd)
        self._active.clear()
