"""Setting up, unloading and reloading a config entry; shipping to Bronze."""

from __future__ import annotations

from pathlib import Path
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.loader import async_get_custom_components
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.home_energy_lake.const import DOMAIN
from custom_components.home_energy_lake.lake.local import LocalBackend

from .conftest import (
    FRONIUS_CONF,
    FRONIUS_SERIAL,
    METNO_CONF,
    OPENMETEO_CONF,
    entry_device,
    make_entry,
    mock_fronius,
    mock_metno,
    mock_openmeteo,
    read_lake,
)


async def test_our_integration_is_the_one_loaded(hass: HomeAssistant) -> None:
    """The plugin's own custom_components package must not shadow ours."""
    integration = (await async_get_custom_components(hass))[DOMAIN]
    expected = Path(__file__).parents[2] / "custom_components" / DOMAIN
    assert integration.file_path == expected


async def test_setup_and_unload(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """A config entry loads, polls every source, then unloads and ships Bronze."""
    mock_fronius(aioclient_mock)
    mock_openmeteo(aioclient_mock)
    mock_metno(aioclient_mock)
    entry = make_entry(
        hass,
        lake,
        {"fronius": FRONIUS_CONF, "openmeteo": OPENMETEO_CONF, "metno": METNO_CONF},
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.symo_pv_power").state == "1111.0"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED

    records = read_lake(lake)
    fronius = [r for r in records if r["vendor"] == "fronius"]
    assert sorted(r["endpoint"] for r in fronius) == ["meter", "powerflow"]
    assert {r["device_id"] for r in fronius} == {FRONIUS_SERIAL}


async def test_a_refused_slow_answer_reaches_bronze_once(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """A meter answering status 255 is kept, and kept once: the lake counts answers."""
    mock_fronius(aioclient_mock, meter="fronius/symo_storage_error255.json")
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    meter = [r for r in read_lake(lake) if r["endpoint"] == "meter"]
    assert len(meter) == 1
    assert meter[0]["payload"]["Head"]["Status"]["Code"] == 255


async def test_a_removed_source_loses_its_device(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """After a reconfigure drops Open-Meteo, its device and sensors go away."""
    mock_fronius(aioclient_mock)
    mock_openmeteo(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "openmeteo": OPENMETEO_CONF})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    registry = dr.async_get(hass)
    openmeteo = entry_device(hass, entry, f"openmeteo_{OPENMETEO_CONF['device_id']}")
    assert openmeteo is not None
    assert openmeteo.entry_type is dr.DeviceEntryType.SERVICE

    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "sources": {"fronius": FRONIUS_CONF}}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(openmeteo.id) is None
    assert hass.states.get("sensor.open_meteo_temperature") is None
    assert hass.states.get("sensor.symo_pv_power").state == "1111.0"


async def test_stopping_home_assistant_ships_the_spool(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """Home Assistant stops without unloading entries: the writer still seals and uploads."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert read_lake(lake) == []
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert sorted(r["endpoint"] for r in read_lake(lake)) == ["meter", "powerflow"]


async def test_blocking_calls_in_the_loop_are_caught_here(hass: HomeAssistant, lake: Path) -> None:
    """The blocking-I/O detector is on in every test here (see conftest)."""
    with pytest.raises(RuntimeError, match="Caught blocking call to sleep"):
        time.sleep(0)  # noqa: ASYNC251
    # And the file guard: the lake's own blocking helper, called on the loop, is caught.
    with pytest.raises(RuntimeError, match="on the event loop"):
        LocalBackend(lake, create=True)._require_root()
