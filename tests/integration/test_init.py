"""Setting up and unloading a config entry."""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_custom_components
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.home_energy_lake.const import DOMAIN


async def test_our_integration_is_the_one_loaded(hass: HomeAssistant) -> None:
    """The plugin's own custom_components package must not shadow ours."""
    integration = (await async_get_custom_components(hass))[DOMAIN]
    expected = Path(__file__).parents[2] / "custom_components" / DOMAIN
    assert integration.file_path == expected


async def test_setup_and_unload(hass: HomeAssistant) -> None:
    """A config entry loads, then unloads cleanly."""
    entry = MockConfigEntry(domain=DOMAIN, title="Home")
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
