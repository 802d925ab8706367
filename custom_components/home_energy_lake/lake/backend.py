"""Where sealed Bronze segments go: the interface both backends implement."""

from __future__ import annotations

from enum import StrEnum
import errno
from typing import Protocol


class ErrorKind(StrEnum):
    """What went wrong, coarse enough for the integration to pick a repair issue."""

    DISK_FULL = "disk_full"
    PERMISSION_DENIED = "permission_denied"
    MISSING_FOLDER = "missing_folder"
    AUTH_FAILED = "auth_failed"
    CONFLICT = "conflict"
    """A different object already sits at the path; a retry cannot fix it."""
    UNAVAILABLE = "unavailable"
    """The store did not answer or answered with a transient failure."""
    SPOOL_FULL = "spool_full"
    """The local spool reached its size cap and new records are refused."""
    OTHER = "other"


def describe_os_error(error: OSError, where: str) -> tuple[ErrorKind, str]:
    """Classify a file-system error and say in plain words what the user has to fix."""
    code = error.errno
    if code in {errno.ENOSPC, errno.EDQUOT}:
        return ErrorKind.DISK_FULL, f"Disk full: no space left to write {where}"
    if code in {errno.EACCES, errno.EPERM, errno.EROFS}:
        return (
            ErrorKind.PERMISSION_DENIED,
            f"Permission denied writing {where}: check the folder's owner and mode, "
            "and that it is not mounted read-only",
        )
    if code == errno.ENOENT:
        return ErrorKind.MISSING_FOLDER, f"Missing folder: {where} does not exist"
    if code == errno.ENOTDIR:
        return ErrorKind.MISSING_FOLDER, f"Not a folder: part of {where} is a file"
    name = errno.errorcode.get(code or 0, "unknown error")
    return ErrorKind.OTHER, f"Cannot write {where}: {error.strerror or error} ({name})"


class BackendError(Exception):
    """The store could not be written or read; ``retryable`` says whether to try again."""

    def __init__(self, message: str, *, retryable: bool, kind: ErrorKind | None = None) -> None:
        """Say what failed, whether a later attempt may succeed, and what kind of failure it is.

        Without ``kind``, a retryable error counts as ``UNAVAILABLE`` and any other as ``OTHER``.
        """
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind or (ErrorKind.UNAVAILABLE if retryable else ErrorKind.OTHER)


class BronzeBackend(Protocol):
    """A lake root that sealed segments are uploaded to.

    Paths are relative to the lake root, use ``/`` and are already safe (the writer
    builds them). ``async_put`` is idempotent: putting the same path with the same bytes
    again, after a failure or a crash between upload and acknowledgement, leaves exactly
    one copy. Putting different bytes at an existing path raises ``BackendError``.
    """

    description: str
    """Where the lake is, for logs and diagnostics, without secrets."""

    async def async_put(self, path: str, data: bytes) -> None:
        """Store ``data`` at ``path`` durably; return only once it is confirmed."""

    async def async_size(self, path: str) -> int | None:
        """Return the stored size of ``path``, or None if it does not exist."""

    async def async_check(self) -> None:
        """Prove the store is writable with a small test write; raise ``BackendError``."""

    async def async_close(self) -> None:
        """Release connections."""
