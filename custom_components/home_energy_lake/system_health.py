"""System health: can each source be reached, and how far behind is the lake."""

from __future__ import annotations

from typing import Any

from homeassistant.components import system_health
from homeassistant.core import HomeAssistant, callback

from .const import DOMAIN


@callback
def async_register(hass: HomeAssistant, register: system_health.SystemHealthRegistration) -> None:
    """Register the info callback."""
    register.async_register_info(system_health_info)


async def system_health_info(hass: HomeAssistant) -> dict[str, Any]:
    """One line per source and two for each lake."""
    info: dict[str, Any] = {}
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        data = entry.runtime_data
        prefix = f"{entry.title}: " if len(hass.config_entries.async_entries(DOMAIN)) > 1 else ""
        for vendor, coordinator in data.coordinators.items():
            info[f"{prefix}{vendor}"] = (
                "ok"
                if coordinator.last_update_success
                else (f"failing: {coordinator.last_exception}")
            )
        status = data.writer.status
        info[f"{prefix}lake"] = data.store
        info[f"{prefix}lake_backlog"] = (
            f"{status.backlog_segments} segments, {status.backlog_bytes} bytes"
        )
        info[f"{prefix}lake_error"] = status.last_error or "none"
    return info
