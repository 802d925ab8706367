"""Diagnostics downloads a user can post: what helps debugging, nothing that finds them.

Works for an entry in any state: its settings and state always, live state when loaded.
Secrets, hosts, URLs, account, site and folder names, coordinates and the ids built from
them are redacted twice: by key (``async_redact_data``), then by value wherever one
shows up in text (an error naming the host, a device name with the address in it).
Vendor, model, firmware, intervals, errors and counts stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_LATITUDE, CONF_LONGITUDE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from . import HomeEnergyLakeConfigEntry
from .const import (
    CONF_BASE_URL,
    CONF_DEVICE_ID,
    CONF_LAKE,
    CONF_PATH,
    CONF_SITE_ID,
    CONF_SOURCES,
    DOMAIN,
)
from .entity import source_device_key
from .sources import CONF_API_KEY, CONF_HOST, CONF_URL

TO_REDACT = {
    CONF_API_KEY,
    CONF_LATITUDE,
    CONF_LONGITUDE,
    CONF_HOST,
    CONF_URL,
    CONF_BASE_URL,
    CONF_SITE_ID,
    CONF_DEVICE_ID,
    CONF_PATH,
    "token",
    "access_token",
    "refresh_token",
    "account_name",
    "account_key",
    "sas_token",
    "client_secret",
    "client_id",
    "tenant_id",
    "filesystem",
    "path_prefix",
    "endpoint",
}
"""Keys whose values identify the user, their host, account or place."""

_SHORTEST_SECRET = 3
"""Shorter values (a port, "1") would blank out unrelated text."""


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry
) -> dict[str, Any]:
    """Return the entry's settings and state, and every source's live state if loaded."""
    return _scrubbed(_diagnostics(entry), entry)


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return the entry's settings and state, and the live state of this device's source."""
    full = _diagnostics(entry)
    vendor = next(
        (
            vendor
            for vendor, conf in entry.data[CONF_SOURCES].items()
            if (DOMAIN, source_device_key(vendor, conf[CONF_DEVICE_ID])) in device.identifiers
        ),
        None,
    )
    about = {
        "vendor": vendor or "lake",
        "manufacturer": device.manufacturer,
        "model": device.model,
        "sw_version": device.sw_version,
    }
    part: dict[str, Any] = {"entry": full["entry"], "device": about}
    if vendor is None:
        part["lake"] = full["lake"]
    else:
        part["source"] = None if full["sources"] is None else full["sources"].get(vendor)
    return _scrubbed(part, entry)


def _diagnostics(entry: HomeEnergyLakeConfigEntry) -> dict[str, Any]:
    settings = {
        # The home's name and its lake's folder or account: who the user is, not what broke.
        "title": REDACTED,
        "state": entry.state.value,
        "reason": entry.reason,
        "data": async_redact_data(dict(entry.data), TO_REDACT),
        "options": dict(entry.options),
    }
    data = getattr(entry, "runtime_data", None) if entry.state is ConfigEntryState.LOADED else None
    if data is None:
        # Not loaded (setup failed, retrying, disabled): no live state to show.
        return {"entry": settings, "sources": None, "lake": None}
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
        "entry": settings,
        "sources": sources,
        "lake": {"store": data.store, "status": asdict(data.writer.status)},
    }


def _identifying_values(entry: HomeEnergyLakeConfigEntry) -> list[str]:
    """Every redacted value of the entry as text, the hosts inside its URLs too."""
    found: set[str] = set()
    for value in _values_under_redacted_keys(dict(entry.data)):
        text = str(value)
        found.add(text)
        if "://" in text:
            parts = urlsplit(text)
            found.update(p for p in (parts.netloc, parts.hostname) if p)
    for key in (CONF_LATITUDE, CONF_LONGITUDE):
        if isinstance(coordinate := entry.data.get(key), int | float):
            # As written in settings, in request URLs and in the weather APIs' ids.
            found.update({str(coordinate), f"{coordinate:.2f}", f"{coordinate:.4f}"})
    lake = entry.data.get(CONF_LAKE, {})
    if account := lake.get("account_name"):
        found.add(f"{account}.dfs.core.windows.net")
    return sorted((v for v in found if len(v) >= _SHORTEST_SECRET), key=len, reverse=True)


def _values_under_redacted_keys(node: Any, redacted: bool = False) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _values_under_redacted_keys(value, key in TO_REDACT)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _values_under_redacted_keys(item, redacted)
    elif redacted and isinstance(node, str | int | float) and not isinstance(node, bool):
        yield node


def _scrubbed(download: dict[str, Any], entry: HomeEnergyLakeConfigEntry) -> dict[str, Any]:
    scrubbed: dict[str, Any] = _replace_values(download, _identifying_values(entry))
    return scrubbed


def _replace_values(node: Any, secrets: list[str]) -> Any:
    if isinstance(node, str):
        for secret in secrets:
            node = node.replace(secret, REDACTED)
        return node
    if isinstance(node, dict):
        return {key: _replace_values(value, secrets) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_replace_values(item, secrets) for item in node]
    return node
