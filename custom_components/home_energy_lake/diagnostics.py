"""Diagnostics download: settings without secrets or the exact location, and live state."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_LATITUDE, CONF_LONGITUDE
from homeassistant.core import HomeAssistant

from . import HomeEnergyLakeConfigEntry
from .sources import CONF_API_KEY, CONF_HOST

TO_REDACT = {
    CONF_API_KEY,
    CONF_LATITUDE,
    CONF_LONGITUDE,
    CONF_HOST,
    "token",
    "access_token",
    "refresh_token",
    "account_key",
    "sas_token",
    "client_secret",
    "client_id",
    "tenant_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry
) -> dict[str, Any]:
    """Return settings (redacted), each source's state and the writer's status."""
    data = entry.runtime_data
    sources: dict[str, Any] = {}
    for vendor, coordinator in data.coordinators.items():
        reading = coordinator.data
        sources[vendor] = {
            "last_update_success": coordinator.last_update_success,
            "last_success": coordinator.last_success,
            "last_error": None
            if coordinator.last_exception is None
            else str(coordinator.last_exception),
            "failures": coordinator.failures,
            "update_interval_seconds": coordinator.update_interval_seconds,
            "quota_left": coordinator.quota_left,
            "last_capture": data.captures.get(vendor),
            "reading": None if reading is None else asdict(reading),
        }
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "sources": sources,
        "lake": {"store": data.store, "status": asdict(data.writer.status)},
    }
