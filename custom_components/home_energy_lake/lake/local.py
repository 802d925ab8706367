"""The local-folder backend: the lake is a folder on this machine or a mounted share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import errno
import os
from pathlib import Path
import secrets
import stat

from .backend import BackendError, ErrorKind, describe_os_error
from .paths import check_relative_path
from .spool import fsync_dir, write_all

_CHECK_FILE = ".home_energy_lake_check"


class LocalBackend:
    """Sealed segments as files under ``root``.

    ``root`` must exist unless ``create`` is set: by default it is never created, so an
    unmounted share shows up as a missing folder instead of silently filling the local
    disk (use ``create=True`` for a folder on the local disk, such as the default under
    Home Assistant's config folder). Folders inside the root are created as needed. Each
    file appears whole or not at all (temp file, fsync, rename).
    """

    def __init__(self, root: Path, *, create: bool = False) -> None:
        """Store the lake under ``root``."""
        self.root = root
        self.description = f"local folder {root}"
        self._create = create

    async def _run[T](self, job: Callable[[], T]) -> T:
        """Run blocking file work off the event loop, turning OS errors into BackendError."""
        try:
            return await asyncio.get_running_loop().run_in_executor(None, job)
        except OSError as err:
            kind, message = describe_os_error(err, str(err.filename or self.root))
            raise BackendError(
                message, retryable=kind in {ErrorKind.DISK_FULL, ErrorKind.OTHER}, kind=kind
            ) from err

    def _target(self, path: str) -> Path:
        try:
            return self.root.joinpath(*check_relative_path(path))
        except ValueError as err:
            raise BackendError(str(err), retryable=False, kind=ErrorKind.OTHER) from err

    def _require_root(self) -> None:
        if self._create:
            self.root.mkdir(parents=True, exist_ok=True)
        # stat raises ENOENT for a missing root and ENOTDIR when a parent is a file.
        if not stat.S_ISDIR(self.root.stat().st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(self.root))

    async def async_put(self, path: str, data: bytes) -> None:
        """Write ``data`` at ``path`` atomically; the same bytes again are a no-op."""
        target = self._target(path)
        if not await self._run(lambda: self._put(target, data)):
            raise BackendError(
                f"Conflict: {target} already exists with different content",
                retryable=False,
                kind=ErrorKind.CONFLICT,
            )

    def _put(self, target: Path, data: bytes) -> bool:
        """Store ``data``; False if a different file is already there."""
        self._require_root()
        if target.exists():
            return target.read_bytes() == data
        target.parent.mkdir(parents=True, exist_ok=True)
        # A hidden name in the same folder: readers' globs skip it, and rename stays atomic.
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        tmp.replace(target)
        fsync_dir(target.parent)
        return True

    async def async_size(self, path: str) -> int | None:
        """Return the size of the file at ``path``, or None if there is none."""
        target = self._target(path)

        def size() -> int | None:
            self._require_root()
            return target.stat().st_size if target.is_file() else None

        return await self._run(size)

    async def async_check(self) -> None:
        """Write, read back and delete a small file in the root."""

        def check() -> None:
            self._require_root()
            probe = self.root / _CHECK_FILE
            payload = secrets.token_bytes(16)
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                write_all(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                if probe.read_bytes() != payload:
                    raise OSError(5, "Input/output error: test file read back differently")
            finally:
                probe.unlink()

        await self._run(check)

    async def async_close(self) -> None:
        """Nothing to release: files are closed after each call."""
