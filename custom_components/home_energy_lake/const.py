"""Constants shared by the integration's modules."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from homeassistant import const as ha_const

DOMAIN: Final = "home_energy_lake"
LOGGER: Final = logging.getLogger(__package__)

# Keys of ConfigEntry.data.
CONF_SOURCES: Final = "sources"
"""``{vendor: {field: value, ..., "device_id": ..., "identity": {...}}}``, one per vendor."""
CONF_LAKE: Final = "lake"
"""Where Bronze lives: ``{"backend": "local", "path": ...}`` or ``{"backend": "adls"}``
plus the keys of :class:`~.lake.adls.AdlsConfig`."""
CONF_DEVICE_ID: Final = "device_id"
CONF_IDENTITY: Final = "identity"
CONF_BACKEND: Final = "backend"
CONF_PATH: Final = "path"
CONF_BASE_URL: Final = "base_url"
CONF_SITE_ID: Final = "site_id"

BACKEND_LOCAL: Final = "local"
BACKEND_ADLS: Final = "adls"

# Keys of ConfigEntry.options.
OPT_SPOOL_MAX_MB: Final = "spool_max_mb"
DEFAULT_SPOOL_MAX_MB: Final = 1024
OPT_SEGMENT_MAX_AGE_MIN: Final = "segment_max_age_minutes"
DEFAULT_SEGMENT_MAX_AGE_MIN: Final = 60


def interval_option(vendor: str) -> str:
    """Return the options key that holds a vendor's poll interval in seconds."""
    return f"interval_{vendor}"


DEFAULT_LAKE_FOLDER: Final = "home_energy_lake/lake"
"""The default local lake, relative to Home Assistant's configuration folder."""

MAX_BACKOFF: Final = timedelta(hours=1)
"""The longest wait between two polls of a failing source."""

STORE_UNREACHABLE_AFTER: Final = timedelta(hours=1)
"""How long uploads may fail before the user is told the store is unreachable."""

RESET_CONFIRMATIONS: Final = 3
"""Consecutive lower readings it takes to accept that a lifetime counter was reset."""

INTEGRATION_MAX_GAP_FLOOR: Final = timedelta(minutes=5)
"""Power samples further apart than this (or three poll intervals) are not integrated."""

MYUPLINK_SCOPES: Final = ("READSYSTEM", "offline_access")

# HA 2026.7 deprecated PERCENTAGE as a unit for UnitOfRatio.PERCENTAGE ("%" as well),
# which HA 2025.4 does not have yet.
UNIT_PERCENT: Final[str] = getattr(getattr(ha_const, "UnitOfRatio", None), "PERCENTAGE", "%")
