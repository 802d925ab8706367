"""Entry titles a user can tell apart: the home's name and its lake.

Two homes of one Home Assistant share its location name, so the title also names the
lake, which no two entries share. A reconfigure onto another lake renames an entry whose
title is still the automatic one; a title the user chose stays, as it does when entries
of the first release (titled with the location name alone) are migrated.
"""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.home_energy_lake.const import DOMAIN
from custom_components.home_energy_lake.store import entry_title

from .conftest import LATITUDE, LONGITUDE, OPENMETEO_CONF, make_entry, mock_metno, mock_openmeteo
from .test_config_flow import answer, choose


def _folder(config_dir: Path, name: str) -> Path:
    folder = config_dir / name
    folder.mkdir()
    return folder


async def test_title_rule_names_the_lake(hass: HomeAssistant, config_dir: Path) -> None:
    """Folders inside the config folder relative to it, others whole, ADLS by account."""
    hass.config.location_name = "Elm Street"
    assert entry_title(hass, {"backend": "local", "path": "home_energy_lake/lake"}) == (
        "Elm Street (home_energy_lake/lake)"
    )
    assert entry_title(hass, {"backend": "local", "path": str(config_dir / "a" / ".." / "b")}) == (
        "Elm Street (b)"
    )
    assert entry_title(hass, {"backend": "local", "path": "/mnt/nas/lake"}) == (
        "Elm Street (/mnt/nas/lake)"
    )
    adls = {"backend": "adls", "account_name": "homelake", "filesystem": "bronze"}
    assert entry_title(hass, adls) == "Elm Street (ADLS homelake/bronze)"
    assert entry_title(hass, {**adls, "path_prefix": "/house-1/"}) == (
        "Elm Street (ADLS homelake/bronze/house-1)"
    )


async def _reconfigure_onto(
    hass: HomeAssistant, entry: MockConfigEntry, lake: Path, weather: str
) -> None:
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(weather=[weather])
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_onto_another_lake_renames_an_automatic_title_only(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_dir: Path
) -> None:
    mock_openmeteo(aioclient_mock)
    mock_metno(aioclient_mock)
    old, new = _folder(config_dir, "old-lake"), _folder(config_dir, "new-lake")
    automatic = make_entry(hass, old, {"openmeteo": OPENMETEO_CONF})
    hass.config_entries.async_update_entry(
        automatic, title=entry_title(hass, automatic.data["lake"])
    )
    # The flow is under test here: the reload after it neither sets up nor unloads anything.
    with (
        patch("custom_components.home_energy_lake.async_setup_entry", return_value=True),
        patch("custom_components.home_energy_lake.async_unload_entry", return_value=True),
    ):
        await _reconfigure_onto(hass, automatic, new, "openmeteo")
        assert automatic.title == f"{hass.config.location_name} (new-lake)"

        chosen = make_entry(hass, _folder(config_dir, "cabin-lake"), {})
        hass.config_entries.async_update_entry(chosen, title="The cabin")
        await _reconfigure_onto(hass, chosen, _folder(config_dir, "cabin-lake-2"), "metno")
        assert chosen.title == "The cabin"
        assert chosen.data["lake"]["path"] == str(config_dir / "cabin-lake-2")
        await hass.async_block_till_done()
        for entry in (automatic, chosen):
            await hass.config_entries.async_unload(entry.entry_id)


def _first_release_entry(hass: HomeAssistant, lake: Path, title: str) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        version=1,
        minor_version=1,
        unique_id=f"local:{lake}",
        data={
            "latitude": LATITUDE,
            "longitude": LONGITUDE,
            "sources": {"openmeteo": OPENMETEO_CONF},
            "lake": {"backend": "local", "path": str(lake)},
        },
    )
    entry.add_to_hass(hass)
    return entry


async def test_migration_names_the_lake_in_automatic_titles_only(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_dir: Path
) -> None:
    mock_openmeteo(aioclient_mock)
    automatic = _first_release_entry(hass, _folder(config_dir, "lake-1"), hass.config.location_name)
    chosen = _first_release_entry(hass, _folder(config_dir, "lake-2"), "The cabin")
    # Setting up the integration sets up both entries.
    assert await hass.config_entries.async_setup(automatic.entry_id)
    await hass.async_block_till_done()
    for entry in (automatic, chosen):
        assert entry.state is ConfigEntryState.LOADED
        assert (entry.version, entry.minor_version) == (1, 2)
    assert automatic.title == f"{hass.config.location_name} (lake-1)"
    assert chosen.title == "The cabin"


async def test_an_entry_of_a_newer_release_is_not_touched(
    hass: HomeAssistant, config_dir: Path
) -> None:
    entry = make_entry(hass, _folder(config_dir, "lake"), {"openmeteo": OPENMETEO_CONF})
    hass.config_entries.async_update_entry(entry, version=2)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.title == "Home"
