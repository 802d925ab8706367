"""Where sealed Bronze segments go: the interface both backends implement."""

from __future__ import annotations

from typing import Protocol


class BackendError(Exception):
    """The store could not be written or read; ``retryable`` says whether to try again."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        """Say what failed, and whether a later attempt may succeed."""
        super().__init__(message)
        self.retryable = retryable


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
