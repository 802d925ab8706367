"""Home Energy Lake: solar, heat-pump and weather readings, kept forever in a data lake."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant


@dataclass
class HomeEnergyLakeData:
    """What a loaded config entry holds at run time."""


type HomeEnergyLakeConfigEntry = ConfigEntry[HomeEnergyLakeData]


async def async_setup_entry(hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry) -> bool:
    """Set up one home and its lake from a config entry."""
    entry.runtime_data = HomeEnergyLakeData()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry) -> bool:
    """Unload a config entry."""
    return True
