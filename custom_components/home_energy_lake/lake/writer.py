"""BronzeWriter: records in from the event loop, sealed segments out to the backend.

Threads and tasks:

* :meth:`BronzeWriter.append` runs on the event loop and only encodes the envelope and
  puts the line in a thread-safe queue: no executor hand-off, no task, per record.
* One worker thread owned by the writer does all file work: it takes the queued lines,
  appends them to their segments, fsyncs on its own timer, rolls and seals segments,
  recovers the spool at start, and reads and deletes sealed segments for the uploader.
  The spool is touched by this thread only, so it needs no lock. The worker tells the
  loop what changed (backlog, errors) with ``call_soon_threadsafe``.
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
from concurrent.futures import Future, InvalidStateError
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
import logging
from pathlib import Path
from queue import Empty, SimpleQueue
import threading
import time
from typing import Any

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


class _Job[T]:
    """A function for the worker thread, and the future its result goes to."""

    __slots__ = ("function", "future")

    def __init__(self, function: Callable[[], T]) -> None:
        self.function = function
        self.future: Future[T] = Future()


type _InboxItem = _Queued | _Job[Any] | None
"""A record to write, a job to run, or None: the worker's signal to finish."""


@dataclass(frozen=True, slots=True)
class _SpoolState:
    """The part of the worker's state the loop acts on."""

    backlog: tuple[str, ...] = ()
    backlog_bytes: int = 0
    error: tuple[ErrorKind, str] | None = None


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
        self.recovery_report: RecoveryReport | None = None
        """What recovery found at start: torn records and the files that keep them."""

        # Between the threads: the inbox, and plain ints each written by one side only.
        self._inbox: SimpleQueue[_InboxItem] = SimpleQueue()
        self._bytes_queued = 0  # loop
        self._bytes_written = 0  # worker
        self._spool_bytes = 0  # worker: the spool's size after its last cycle

        # Worker thread only.
        self._thread: threading.Thread | None = None
        self._recovered = False
        self._unwritten: list[_Queued] = []
        self._next_sync = 0.0
        self._cycle_error: OSError | None = None
        self._cycle_progress = False
        self._spool_error_seen: OSError | None = None
        self._reported = _SpoolState()

        # Event loop only.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state = _SpoolState()
        self._stopping = False
        self._full = False
        self._records_refused = 0
        self._records_torn = 0
        self._segments_uploaded = 0
        self._upload_error: tuple[ErrorKind, str] | None = None
        self._last_upload_at: datetime | None = None
        self._listeners: list[Listener] = []
        self._last_notified: WriterStatus | None = None
        self._upload_wake = asyncio.Event()
        self._upload_lock = asyncio.Lock()
        self._upload_task: asyncio.Task[None] | None = None

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
        self._inbox.put((key, line, record.fetched_at))
        self._bytes_queued += size
        return True

    @property
    def _pending_bytes(self) -> int:
        """Bytes of records queued but not yet written to the spool."""
        return self._bytes_queued - self._bytes_written

    def _over_limits(self, size: int) -> bool:
        pending = self._pending_bytes + size
        return pending > MEMORY_MAX_BYTES or self._spool_bytes + pending > self._spool_max_bytes

    def _refuse(self) -> None:
        self._records_refused += 1
        if not self._full:
            self._full = True
            _LOGGER.error(
                "Bronze spool full (%d bytes, cap %d): new records are refused until "
                "uploads catch up or the cap is raised",
                self._spool_bytes + self._pending_bytes,
                self._spool_max_bytes,
            )
        self._notify()

    @property
    def status(self) -> WriterStatus:
        """The writer's state now."""
        spool_error = self._state.error
        return WriterStatus(
            backlog_segments=len(self._state.backlog),
            backlog_bytes=self._state.backlog_bytes,
            spool_bytes=self._spool_bytes + self._pending_bytes,
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
        """Call ``listener()`` on the loop when the status changes; returns an unsubscribe.

        Calls come when segments are sealed or uploaded, errors appear or clear, and
        records are refused; not for every record (the byte counts move all the time).
        """
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
        self._loop = asyncio.get_running_loop()
        self._next_sync = time.monotonic() + self._fsync_interval
        # A daemon: if Home Assistant exits without stopping the writer, the thread must
        # not keep the process alive; the next start recovers whatever it left.
        self._thread = threading.Thread(target=self._work, name="bronze_spool", daemon=True)
        self._thread.start()
        await self._call_worker(lambda: None)  # the first cycle recovers the spool
        self._upload_task = asyncio.create_task(self._run_uploads(), name="bronze_upload")

    async def async_flush(self, *, seal: bool = False) -> None:
        """Write and fsync every queued record: when this returns they are durable.

        If the spool cannot be written, they wait in memory instead and ``status`` says
        why. With ``seal=True``, also seal the active segments and try to upload the whole
        backlog now, whatever the backoff; failures land in ``status``, not here.
        Before start and after stop there is no worker: records stay queued.
        """
        if self._thread is None:
            return
        await self._call_worker(partial(self._flush_job, seal=seal))
        if seal:
            await self._upload_backlog()

    async def async_stop(self) -> None:
        """Write and seal everything, try a last upload, then end the thread and close the backend.

        Whatever is not uploaded stays in the spool for the next start.
        """
        self._stopping = True
        if self._thread is None:
            return
        if self._upload_task is not None:
            self._upload_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upload_task
        try:
            unwritten = await self._call_worker(partial(self._flush_job, seal=True))
            if unwritten:
                _LOGGER.error(
                    "Bronze: %d record(s) could not be written to the spool before stopping: %s",
                    unwritten,
                    self.status.spool_error,
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._stop_upload_timeout):
                    await self._upload_backlog()
        finally:
            self._inbox.put(None)  # the worker closes the spool's files and ends
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
            self._thread = None
            await self._backend.async_close()

    # -- the worker thread ---------------------------------------------------------------

    async def _call_worker[T](self, function: Callable[[], T]) -> T:
        """Run ``function`` on the worker thread after the records queued before it."""
        job = _Job(function)
        self._inbox.put(job)
        return await asyncio.wrap_future(job.future)

    def _work(self) -> None:
        """Worker thread: write what arrives, fsync on the timer, roll segments, run jobs."""
        while True:
            items = self._receive()
            try:
                self._cycle([i for i in items if isinstance(i, tuple)], items)
            except Exception as err:  # a bug here must not end the thread and strand the spool
                _LOGGER.exception("Bronze spool worker failed")
                for job in items:  # nobody may wait for ever on a job of this cycle
                    if isinstance(job, _Job) and not job.future.done():
                        with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                            job.future.set_exception(err)
            if None in items:
                self._spool.close()
                return

    def _receive(self) -> list[_InboxItem]:
        """Wait for the next item until the fsync timer is due, then take all that wait."""
        try:
            items = [self._inbox.get(timeout=max(0.0, self._next_sync - time.monotonic()))]
        except Empty:
            return []
        with contextlib.suppress(Empty):
            while True:
                items.append(self._inbox.get_nowait())
        return items

    def _cycle(self, records: list[_Queued], items: list[_InboxItem]) -> None:
        self._cycle_error = None
        self._cycle_progress = False
        recovery: RecoveryReport | None = None
        if not self._recovered:
            try:
                recovery = self._spool.recover()
                self._recovered = True
            except OSError as err:
                self._cycle_error = err
        self._unwritten.extend(records)
        sync_due = time.monotonic() >= self._next_sync
        if sync_due:  # even when the spool is unusable: the timer must not spin
            self._next_sync = time.monotonic() + self._fsync_interval
        if self._recovered:
            self._write_unwritten()
            try:
                if sync_due:
                    self._spool.sync()
                self._spool.roll(self._clock())
            except OSError as err:
                self._cycle_error = err
        outcomes: list[tuple[_Job[Any], Any, BaseException | None]] = []
        for item in items:
            # A job whose caller was cancelled is skipped; a running one can no longer be
            # cancelled, so setting its result below cannot fail.
            if isinstance(item, _Job) and item.future.set_running_or_notify_cancel():
                try:
                    outcomes.append((item, item.function(), None))
                except Exception as err:  # noqa: BLE001 - handed to the awaiting coroutine
                    outcomes.append((item, None, err))
        self._report(recovery, force=bool(outcomes))
        # After the report, so that the loop has applied it when the awaiting code resumes.
        for job, result, error in outcomes:
            if error is None:
                job.future.set_result(result)
            else:
                job.future.set_exception(error)

    def _write_unwritten(self) -> None:
        """Append queued records to their segments; keep the ones a failure left over."""
        slots: dict[tuple[StreamKey, str], list[_Queued]] = {}
        for item in self._unwritten:
            day = item[2].astimezone(UTC).strftime("%Y-%m-%d")
            slots.setdefault((item[0], day), []).append(item)
        left: list[_Queued] = []
        for (key, _day), items in slots.items():
            lines = [line for _, line, _ in items]
            try:
                self._spool.write(key, lines, items[0][2])
            except OSError as err:
                self._cycle_error = err
                left.extend(items)
                continue
            self._bytes_written += sum(len(line) for line in lines)
            self._cycle_progress = True
        self._unwritten = left

    def _sync(self) -> None:
        self._spool.sync()
        self._next_sync = time.monotonic() + self._fsync_interval

    def _flush_job(self, *, seal: bool) -> int:
        """Worker: fsync (and seal) now; return how many records are still unwritten."""
        if self._recovered:
            try:
                self._sync()
                if seal:
                    self._spool.seal_all()
            except OSError as err:
                self._cycle_error = err
            else:
                # Only a spool that took every record is healthy again.
                self._cycle_progress = self._cycle_progress or not self._unwritten
        return len(self._unwritten)

    def _report(self, recovery: RecoveryReport | None, *, force: bool) -> None:
        """Tell the loop what changed: backlog, spool error, recovery."""
        if self._cycle_error is not None:
            self._spool_error_seen = self._cycle_error
        elif self._cycle_progress:
            self._spool_error_seen = None
        error = self._spool_error_seen
        state = _SpoolState(
            tuple(self._spool.sealed_segments()),
            self._spool.sealed_bytes,
            describe_os_error(error, f"the Bronze spool ({error.filename or self._spool.folder})")
            if error is not None
            else None,
        )
        self._spool_bytes = self._spool.size_bytes
        if state == self._reported and recovery is None and not force:
            return
        self._reported = state
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._apply_report, state, recovery)

    # -- applying the worker's reports on the loop ----------------------------------------

    def _apply_report(self, state: _SpoolState, recovery: RecoveryReport | None) -> None:
        if recovery is not None:
            self.recovery_report = recovery
            self._records_torn += recovery.records_torn
            if recovery.segments_recovered or recovery.records_torn:
                _LOGGER.info(
                    "Bronze spool recovered %d segment(s) with %d record(s); %d torn record(s)",
                    recovery.segments_recovered,
                    recovery.records_kept,
                    recovery.records_torn,
                )
        if state.error is not None and state.error != self._state.error:
            _LOGGER.error("Bronze spool: %s", state.error[1])
        self._apply_state(state)

    def _apply_state(self, state: _SpoolState) -> None:
        grew = len(state.backlog) > len(self._state.backlog)
        self._state = state
        if grew or (state.backlog and not self._upload_error):
            self._upload_wake.set()
        used = self._spool_bytes + self._pending_bytes
        if (
            self._full
            and used < self._spool_max_bytes * _FULL_CLEARS_AT
            and (self._pending_bytes < MEMORY_MAX_BYTES * _FULL_CLEARS_AT)
        ):
            self._full = False
        self._notify()

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
                    data = await self._call_worker(partial(self._spool.read_sealed, path))
                except OSError as err:
                    self._set_upload_error(*describe_os_error(err, f"the spool's copy of {path}"))
                    return False
                try:
                    async with asyncio.timeout(self._upload_timeout):
                        await self._backend.async_put(path, data)
                except TimeoutError:
                    self._set_upload_error(
                        ErrorKind.UNAVAILABLE,
                        f"Upload of {path} took longer than {self._upload_timeout:g} s",
                    )
                    return False
                except BackendError as err:
                    self._set_upload_error(err.kind, str(err))
                    return False
                except Exception as err:  # noqa: BLE001 - a backend bug must not stop the spool
                    self._set_upload_error(ErrorKind.OTHER, f"{type(err).__name__}: {err}")
                    return False
                try:
                    await self._call_worker(partial(self._spool.remove_sealed, path))
                except OSError as err:
                    self._set_upload_error(*describe_os_error(err, f"the spool's copy of {path}"))
                    return False
                self._segments_uploaded += 1
                self._last_upload_at = self._clock()
                self._upload_error = None
                self._notify()
            return True

    def _set_upload_error(self, kind: ErrorKind, message: str) -> None:
        if self._upload_error != (kind, message):
            _LOGGER.warning("Bronze upload to %s failed: %s", self._backend.description, message)
        self._upload_error = (kind, message)
        self._notify()
