"""The Bronze store: every raw answer, kept unmodified, in a local folder or ADLS Gen2.

No Home Assistant and no vendor formats here: the integration hands over
:class:`BronzeRecord` objects, and the store writes them into segment files through a
local spool, then ships sealed segments to a :class:`BronzeBackend`. The layout and the
envelope are a public contract, documented in ``docs/bronze.md``.
"""

from .backend import BackendError, BronzeBackend, ErrorKind
from .envelope import ENVELOPE_VERSION, encode_envelope
from .local import LocalBackend
from .record import BronzeRecord
from .writer import BronzeWriter, WriterStatus

__all__ = [
    "ENVELOPE_VERSION",
    "BackendError",
    "BronzeBackend",
    "BronzeRecord",
    "BronzeWriter",
    "ErrorKind",
    "LocalBackend",
    "WriterStatus",
    "encode_envelope",
]
