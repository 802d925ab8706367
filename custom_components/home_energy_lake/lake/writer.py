"""BronzeWriter: records in from the event loop, sealed segments out to the backend.

Threads and tasks:

* :meth:`BronzeWriter.append` runs on the event loop and only encodes the envelope and
  queues the line in memory.
* All file work (writing, fsync, sealing, recovery, reading and deleting sealed
  segments) runs on one worker thread owned by the writer, so the spool needs no lock.
* Uploads are coroutines of the backend, run by a task on the loop, one segment at a
  time, oldest first, with exponential backoff after a failure.

Durability (see ``docs/bronze.md``): a record is *written* once the worker has appended
it to its active segment (a process crash no longer loses it) and *durable* once that
file is fsynced: at most ``fsync_interval`` seconds later, at once on
:meth:`~BronzeWriter.async_flush`, and always before a segment is sealed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
import logging
from pathlib import Path
import time

from .backend import BackendError, BronzeBackend, ErrorKind, describe_os_error
from .envelope import encode_envelope
from .record import BronzeRecord
from .spool import RecoveryReport, Spool, StreamKey

_LOGGER = logging.getLogger(__name__)

DEFAULT_SPOOL_MAX_BYTES = 1 << 30
DEFAULT_SEGMENT_MAX_BYTES = 8 << 20
DEFAULT_SEGMENT_MAX_AGE = timedelta(hours=1)
DEFAULT_FSYNC_INTERVAL = 10.0
DEFAULT_RETRY_INITIAL = 5.0
DEFAULT_RETRY_MAX = 300.0
DEFAULT_STOP_UPLOAD_TIMEOUT = 10.0
DEFAULT_UPLOAD_TIMEOUT = 300.0
MEMORY_MAX_BYTES = 32 << 20
"""Records waiting in memory while the spool cannot be written; beyond this they are refused."""
_FULL_CLEARS_AT = 0.95
"""A full spool accepts records again below this share of the cap, so the state does not flap."""

type Clock = Callable[[], datetime]
type Listener = Callable[[], None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WriterStatus:
    """What the integration shows and turns into repair issues."""

    backlog_segments: int
    """Sealed segments waiting for upload."""
    backlog_bytes: int
    spool_bytes: int
    """Bytes in the spool (active segments uncompressed, sealed compressed) plus queued records."""
    spool_full: bool
    """New records are being refused: the spool cap or the in-memory limit is reached."""
    records_refused: int
    """Records refused since start because the spool was full, or the writer stopped."""
    records_torn: int
    """Torn or damaged lines found by recovery since start (kept in ``<spool>/torn``)."""
    segments_uploaded: int
    spool_error: str | None
    """Why the spool cannot be written (disk full, permission denied), or None."""
    spool_error_kind: ErrorKind | None
    upload_error: str | None
    """Why the last upload failed, or None once one succeeds."""
    upload_error_kind: ErrorKind | None
    last_upload_at: datetime | None

    @property
    def last_error(self) -> str | None:
        """The problem to show first: records at risk, then records refused, then delayed."""
        if self.spool_error is not None:
            return self.spool_error
        if self.spool_full:
            return f"Bronze spool full: new records are refused ({self.records_refused} so far)"
        return self.upload_error

    @property
    def last_error_kind(self) -> ErrorKind | None:
        """The kind of :attr:`last_error`."""
        if self.spool_error_kind is not None:
            return self.spool_error_kind
        if self.spool_full:
            return ErrorKind.SPOOL_FULL
        return self.upload_error_kind


type _Queued = tuple[StreamKey, bytes, datetime]


@dataclass(frozen=True, slots=True)
class _SpoolState:
    """What the worker reports back after each job."""

    spool_bytes: int
    backlog: list[str]
    backlog_bytes: int


@dataclass(frozen=True, slots=True)
class _StepResult:
    state: _SpoolState
    unwritten: list[_Queued]
    error: OSError | None
    recovery: RecoveryReport | None


class BronzeWriter:
    """Spool Bronze records locally and ship sealed segments to a backend.

    The writer owns ``backend`` from :meth:`async_start` on and closes it in
    :meth:`async_stop`.
    """

    def __init__(
        self,
        *,
        spool_dir: Path,
        backend: BronzeBackend,
        integration_version: str,
        spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES,
        segment_max_bytes: int = DEFAULT_SEGMENT_MAX_BYTES,
        segment_max_age: timedelta = DEFAULT_SEGMENT_MAX_AGE,
        fsync_interval: float = DEFAULT_FSYNC_INTERVAL,
        retry_initial: float = DEFAULT_RETRY_INITIAL,
        retry_max: float = DEFAULT_RETRY_MAX,
        stop_upload_timeout: float = DEFAULT_STOP_UPLOAD_TIMEOUT,
        upload_timeout: float = DEFAULT_UPLOAD_TIMEOUT,
        clock: Clock = _utc_now,
    ) -> None:
        """Configure the writer; nothing touches the disk before :meth:`async_start`.

        ``clock`` decides segment ages and UTC days (tests pass a fake one); the delays
        (``fsync_interval``, ``retry_*``, ``*_timeout``) are real seconds. An upload that
        takes longer than ``upload_timeout`` counts as failed and is retried.
        """
        self._spool = Spool(
            spool_dir, max_segment_bytes=segment_max_bytes, max_segment_age=segment_max_age
        )
        self._backend = backend
        self._integration_version = integration_version
        self._spool_max_bytes = spool_max_bytes
        self._fsync_interval = fsync_interval
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._stop_upload_timeout = stop_upload_timeout
        self._upload_timeout = upload_timeout
        self._clock = clock

        self._pending: list[_Queued] = []
        self._pending_bytes = 0
        self._state = _SpoolState(0, [], 0)
        self._recovered = False
        self.recovery_report: RecoveryReport | None = None
        """What recovery found at start: torn records and the files that keep them."""

        self._full = False
        self._records_refused = 0
        self._records_torn = 0
        self._segments_uploaded = 0
        self._spool_error: tuple[ErrorKind, str] | None = None
        self._upload_error: tuple[ErrorKind, str] | None = None
        self._last_upload_at: datetime | None = None
        self._listeners: list[Listener] = []
        self._last_notified: WriterStatus | None = None

        self._executor: ThreadPoolExecutor | None = None
        self._wake = asyncio.Event()
        self._upload_wake = asyncio.Event()
        self._step_lock = asyncio.Lock()
        self._upload_lock = asyncio.Lock()
        self._spool_task: asyncio.Task[None] | None = None
        self._upload_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_sync = 0.0

    # -- the event-loop side -------------------------------------------------------------

    def append(self, record: BronzeRecord) -> bool:
        """Queue ``record`` for the spool; cheap, never blocks, never raises for I/O.

        Returns False when the record is refused (spool full, or writer stopped); each
        refusal is counted in ``status.records_refused``. Raises ``ValueError`` only
        for a record that cannot be encoded (a naive ``fetched_at``).
        """
        line = encode_envelope(record, self._integration_version)
        size = len(line)
        if self._stopping:
            self._records_refused += 1
            _LOGGER.warning("Bronze writer stopped; a %s record was refused", record.endpoint)
            self._notify()
            return False
        if self._over_limits(size):
            self._refuse()
            return False
        key = StreamKey(record.source, record.vendor, record.device_id, record.endpoint)
        self._pending.append((key, line, record.fetched_at))
        self._pending_bytes += size
        if not self._wake.is_set():
            self._wake.set()
        return True

    def _over_limits(self, size: int) -> bool:
        if self._pending_bytes + size > MEMORY_MAX_BYTES:
            return True
        return self._state.spool_bytes + self._pending_bytes + size > self._spool_max_bytes

    def _refuse(self) -> None:
        self._records_refused += 1
        if not self._full:
            self._full = True
            _LOGGER.error(
                "Bronze spool full (%d bytes, cap %d): new records are refused until "
                "uploads catch up or the cap is raised",
                self._state.spool_bytes + self._pending_bytes,
                self._spool_max_bytes,
            )
        self._notify()

    @property
    def status(self) -> WriterStatus:
        """The writer's state now."""
        spool_error = self._spool_error
        return WriterStatus(
            backlog_segments=len(self._state.backlog),
            backlog_bytes=self._state.backlog_bytes,
            spool_bytes=self._state.spool_bytes + self._pending_bytes,
            spool_full=self._full,
            records_refused=self._records_refused,
            records_torn=self._records_torn,
            segments_uploaded=self._segments_uploaded,
            spool_error=spool_error[1] if spool_error else None,
            spool_error_kind=spool_error[0] if spool_error else None,
            upload_error=self._upload_error[1] if self._upload_error else None,
            upload_error_kind=self._upload_error[0] if self._upload_error else None,
            last_upload_at=self._last_upload_at,
        )

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener()`` on the loop whenever the status changes; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        status = self.status
        if status == self._last_notified:
            return
        self._last_notified = status
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                _LOGGER.exception("Bronze status listener failed")

    # -- lifecycle -----------------------------------------------------------------------

    async def async_start(self) -> None:
        """Recover the spool (torn lines reported, earlier segments queued) and start working."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bronze_spool")
        await self._step(sync=False, seal_all=False)
        self._spool_task = asyncio.create_task(self._run_spool(), name="bronze_spool")
        self._upload_task = asyncio.create_task(self._run_uploads(), name="bronze_upload")

    async def async_flush(self, *, seal: bool = False) -> None:
        """Write and fsync every queued record: when this returns they are durable.

        With ``seal=True``, also seal the active segments and try to upload the whole
        backlog now, whatever the backoff; failures land in ``status``, not here.
        """
        await self._step(sync=True, seal_all=seal)
        if seal and self._executor is not None:
            await self._upload_backlog()

    async def async_stop(self) -> None:
        """Write and seal everything, try a last upload, then release the thread and backend.

        Whatever is not uploaded stays in the spool for the next start.
        """
        self._stopping = True
        self._wake.set()
        if self._spool_task is not None:
            await self._spool_task
        if self._upload_task is not None:
            self._upload_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upload_task
        if self._executor is None:
            return
        await self._step(sync=True, seal_all=True)
        if self._pending:
            _LOGGER.error(
                "Bronze: %d record(s) could not be written to the spool before stopping: %s",
                len(self._pending),
                self.status.spool_error,
            )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._stop_upload_timeout):
                await self._upload_backlog()
        await self._in_worker(self._spool.close)
        # Every job has been awaited, so the thread is idle and joins at once.
        self._executor.shutdown(wait=True)
        self._executor = None
        await self._backend.async_close()

    # -- spool work ----------------------------------------------------------------------

    async def _in_worker[T](self, job: Callable[[], T]) -> T:
        assert self._executor is not None, "BronzeWriter used before async_start"
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    async def _run_spool(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._fsync_interval):
                    await self._wake.wait()
            self._wake.clear()
            if self._stopping:  # async_stop does the last step itself
                return
            due = time.monotonic() - self._last_sync >= self._fsync_interval
            await self._step(sync=due, seal_all=False)

    async def _step(self, *, sync: bool, seal_all: bool) -> None:
        """Hand the queued records to the worker, and apply what it reports.

        Before start and after stop there is no worker: records stay queued.
        """
        if self._executor is None:
            return
        async with self._step_lock:
            batch, self._pending = self._pending, []
            result = await self._in_worker(
                partial(self._spool_job, batch, sync=sync, seal_all=seal_all, now=self._clock())
            )
            if sync and result.error is None:
                self._last_sync = time.monotonic()
            written = len(batch) - len(result.unwritten)
            self._pending_bytes -= sum(len(line) for _, line, _ in batch) - sum(
                len(line) for _, line, _ in result.unwritten
            )
            self._pending[:0] = result.unwritten
            if result.recovery is not None:
                self._apply_recovery(result.recovery)
            if result.error is not None:
                self._set_spool_error(result.error)
            elif written or sync or seal_all:
                self._set_spool_error(None)
            self._apply_state(result.state)

    def _spool_job(
        self, batch: list[_Queued], *, sync: bool, seal_all: bool, now: datetime
    ) -> _StepResult:
        """Worker thread: recover if not done yet, write, fsync, roll. Never raises OSError."""
        recovery: RecoveryReport | None = None
        error: OSError | None = None
        if not self._recovered:
            try:
                recovery = self._spool.recover()
                self._recovered = True
            except OSError as err:
                return _StepResult(self._snapshot(), batch, err, None)
        slots: dict[tuple[StreamKey, str], list[_Queued]] = {}
        for item in batch:
            slots.setdefault((item[0], item[2].astimezone(UTC).strftime("%Y-%m-%d")), []).append(
                item
            )
        unwritten: list[_Queued] = []
        for (key, _day), items in slots.items():
            try:
                self._spool.write(key, [line for _, line, _ in items], items[0][2])
            except OSError as err:
                error = err
                unwritten.extend(items)
        try:
            if sync:
                self._spool.sync()
            if seal_all:
                self._spool.seal_all()
            else:
                self._spool.roll(now)
        except OSError as err:
            error = err
        return _StepResult(self._snapshot(), unwritten, error, recovery)

    def _snapshot(self) -> _SpoolState:
        return _SpoolState(
            self._spool.size_bytes, self._spool.sealed_segments(), self._spool.sealed_bytes
        )

    def _apply_recovery(self, report: RecoveryReport) -> None:
        self.recovery_report = report
        self._records_torn += report.records_torn
        if report.segments_recovered or report.records_torn:
            _LOGGER.info(
                "Bronze spool recovered %d segment(s) with %d record(s); %d torn record(s)",
                report.segments_recovered,
                report.records_kept,
                report.records_torn,
            )

    def _apply_state(self, state: _SpoolState) -> None:
        grew = len(state.backlog) > len(self._state.backlog) or (
            state.backlog and not self._state.backlog
        )
        self._state = state
        if grew or (state.backlog and not self._upload_error):
            self._upload_wake.set()
        used = state.spool_bytes + self._pending_bytes
        if (
            self._full
            and used < self._spool_max_bytes * _FULL_CLEARS_AT
            and (self._pending_bytes < MEMORY_MAX_BYTES * _FULL_CLEARS_AT)
        ):
            self._full = False
        self._notify()

    def _set_spool_error(self, error: OSError | None) -> None:
        if error is None:
            self._spool_error = None
            return
        described = describe_os_error(
            error, f"the Bronze spool ({error.filename or self._spool.folder})"
        )
        if described != self._spool_error:
            _LOGGER.error("Bronze spool: %s", described[1])
        self._spool_error = described

    # -- uploads -------------------------------------------------------------------------

    async def _run_uploads(self) -> None:
        failures = 0
        while True:
            await self._upload_wake.wait()
            self._upload_wake.clear()
            if await self._upload_backlog():
                failures = 0
                continue
            failures += 1
            await self._back_off(failures)
            self._upload_wake.set()

    async def _back_off(self, failures: int) -> None:
        """Wait before the next attempt: doubling from ``retry_initial`` up to ``retry_max``.

        An error that will not go away by itself (permission, auth) waits the longest at
        once: only the user can fix it, and the next attempt notices. No jitter: one
        house is not a thundering herd.
        """
        retryable = self._upload_error is None or self._upload_error[0] in {
            ErrorKind.UNAVAILABLE,
            ErrorKind.DISK_FULL,
            ErrorKind.OTHER,
        }
        delay = min(self._retry_initial * 2 ** (failures - 1), self._retry_max)
        await asyncio.sleep(delay if retryable else self._retry_max)

    async def _upload_backlog(self) -> bool:
        """Upload sealed segments oldest first; stop at the first failure. True if all went."""
        async with self._upload_lock:
            for path in list(self._state.backlog):
                try:
                    data = await self._in_worker(partial(self._spool.read_sealed, path))
                except OSError as err:
                    self._set_spool_error(err)
                    self._notify()
                    return False
                try:
                    async with asyncio.timeout(self._upload_timeout):
                        await self._backend.async_put(path, data)
                except TimeoutError:
                    self._set_upload_error(
                        ErrorKind.UNAVAILABLE,
                        f"Upload of {path} took longer than {self._upload_timeout:.0f} s",
                    )
                    return False
                except BackendError as err:
                    self._set_upload_error(err.kind, str(err))
                    return False
                except Exception as err:  # noqa: BLE001 - a backend bug must not stop the spool
                    self._set_upload_error(ErrorKind.OTHER, f"{type(err).__name__}: {err}")
                    return False
                await self._in_worker(partial(self._spool.remove_sealed, path))
                self._segments_uploaded += 1
                self._last_upload_at = self._clock()
                self._upload_error = None
                self._apply_state(await self._in_worker(self._snapshot))
            return True

    def _set_upload_error(self, kind: ErrorKind, message: str) -> None:
        if self._upload_error != (kind, message):
            _LOGGER.warning("Bronze upload to %s failed: %s", self._backend.description, message)
        self._upload_error = (kind, message)
        self._notify()
