"""The unit the integration hands to the Bronze store: one raw answer and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class BronzeRecord:
    """One raw API answer with the facts the envelope records about it."""

    source: str
    """``solar``, ``heatpump`` or ``weather``: the top folder in the lake."""
    vendor: str
    """``fronius``, ``solaredge``, ``emoncms``, ``myuplink``, ``openmeteo``, ``owm``, ``metno``."""
    device_id: str
    """Stable id of the device or API resource (serial, site id, ``lat_lon`` cell)."""
    endpoint: str
    """Logical endpoint name, for example ``powerflow``."""
    fetched_at: datetime
    """When the answer arrived, timezone-aware (stored as UTC)."""
    http_status: int
    body: bytes
    """The body exactly as received."""
    content_type: str | None = None
    url: str | None = None
    """The request URL with secrets removed."""
    headers: dict[str, str] = field(default_factory=dict)
