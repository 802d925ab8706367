"""Entity states from recorded answers, failures and recovery, counters at night and restarts."""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.home_energy_lake.const import DOMAIN

from .conftest import (
    FRONIUS_CONF,
    FRONIUS_SERIAL,
    JSON,
    METNO_CONF,
    OPENMETEO_CONF,
    SOLAREDGE_URL,
    entry_device,
    fixture_json,
    fixture_text,
    make_entry,
    mock_fronius,
    mock_metno,
    mock_openmeteo,
    powerflow_at,
)

# A fixed clock: the hourly capture at :05 must not fall inside a test by chance.
pytestmark = pytest.mark.freeze_time("2026-11-25T10:06:00+00:00")


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set ``entry`` up and wait until every first poll is done."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let ``seconds`` pass and run whatever timers fell due."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> State:
    """The state of ``entity_id``, which must exist."""
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found


def check(hass: HomeAssistant, entity_id: str, value: str, **attributes: Any) -> None:
    """Assert a state and some of its attributes."""
    found = state(hass, entity_id)
    assert found.state == value, (entity_id, found.state)
    for name, expected in attributes.items():
        assert found.attributes.get(name) == expected, (entity_id, name)


POWER = {"device_class": "power", "state_class": "measurement", "unit_of_measurement": "W"}
ENERGY = {"device_class": "energy", "state_class": "total_increasing", "unit_of_measurement": "kWh"}
TEMPERATURE = {"device_class": "temperature", "state_class": "measurement"}


async def test_fronius_states_from_recorded_answers(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    entity_registry: er.EntityRegistry,
) -> None:
    """A Symo at 10:00 with its smart meter, every value as the device reported it."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    await setup(hass, entry)

    # GetPowerFlowRealtimeData: P_PV 1111, P_Grid 1703.74 (import), P_Load -2814.74, E_Total.
    check(hass, "sensor.symo_pv_power", "1111.0", **POWER)
    check(hass, "sensor.symo_grid_import_power", "1703.74", **POWER)
    check(hass, "sensor.symo_grid_export_power", "0.0", **POWER)
    check(hass, "sensor.symo_home_load_power", "2814.74", **POWER)
    check(hass, "sensor.symo_pv_energy", "44188.0", **ENERGY)
    # GetMeterRealtimeData: EnergyReal_WAC_Sum_Consumed / _Produced, in Wh.
    check(hass, "sensor.symo_grid_import_energy", "15303.334", **ENERGY)
    check(hass, "sensor.symo_grid_export_energy", "35623.065", **ENERGY)
    # Storage answered status 255: no battery, so no battery sensors at all.
    assert hass.states.get("sensor.symo_battery_power") is None
    assert hass.states.get("sensor.symo_battery_state_of_charge") is None
    last = state(hass, "sensor.symo_last_successful_fetch")
    assert last.attributes["device_class"] == "timestamp"
    assert hass.states.get("sensor.symo_requests_left_today") is None  # Fronius has no quota

    device = entry_device(hass, entry, f"fronius_{FRONIUS_SERIAL}")
    assert device is not None
    assert (device.manufacturer, device.model, device.sw_version) == (
        "Fronius",
        "fronius-datamanager-card",
        "3.18.7-1",
    )
    assert device.entry_type is None  # a device on the LAN, not a cloud service
    assert device.configuration_url == "http://192.168.1.20"
    registry_entry = entity_registry.async_get("sensor.symo_pv_energy")
    assert registry_entry is not None
    assert registry_entry.unique_id == f"fronius_{FRONIUS_SERIAL}_pv_energy"
    assert entity_registry.async_get("sensor.symo_last_successful_fetch").entity_category == (
        er.EntityCategory.DIAGNOSTIC
    )


@pytest.mark.freeze_time("2026-10-05T05:30:00+00:00")
async def test_weather_states_and_mean(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """Open-Meteo's current temperature, MET's hour that has begun, and their mean."""
    mock_openmeteo(aioclient_mock)
    mock_metno(aioclient_mock)
    # An explicit API URL (the advanced field the house simulator uses) is honoured.
    openmeteo = {**OPENMETEO_CONF, "base_url": "https://api.open-meteo.com/v1"}
    entry = make_entry(hass, lake, {"openmeteo": openmeteo, "metno": METNO_CONF})
    await setup(hass, entry)

    forecast = fixture_json("openmeteo/forecast_berlin_2021_radiation_EXCERPT.json")
    check(hass, "sensor.open_meteo_temperature", str(forecast["current"]["temperature_2m"]))
    # Open-Meteo's "current" here has no radiation: the latest begun hour gives it.
    hourly = forecast["hourly"]
    check(
        hass,
        "sensor.open_meteo_solar_radiation",
        str(float(hourly["shortwave_radiation"][-1])),
        device_class="irradiance",
        unit_of_measurement="W/m²",
    )
    compact = fixture_json("metno/compact_berlin_2026_EXCERPT.json")
    first_hour = compact["properties"]["timeseries"][0]
    assert first_hour["time"] == "2026-10-05T05:00:00Z"
    metno = first_hour["data"]["instant"]["details"]["air_temperature"]
    check(hass, "sensor.met_norway_temperature", str(metno), **TEMPERATURE)
    mean = (forecast["current"]["temperature_2m"] + metno) / 2
    check(hass, "sensor.home_lake_mean_temperature", str(mean), **TEMPERATURE)
    assert state(hass, "sensor.home_lake_mean_temperature").attributes["sources"] == [
        "metno",
        "openmeteo",
    ]


async def test_unavailable_on_failure_then_recovery_with_backoff(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The inverter drops off the network: unavailable, slower retries, then back."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    await setup(hass, entry)
    coordinator = entry.runtime_data.coordinators["fronius"]
    last_fetch = state(hass, "sensor.symo_last_successful_fetch").state

    aioclient_mock.clear_requests()
    aioclient_mock.get(
        "http://192.168.1.20/solar_api/v1/GetPowerFlowRealtimeData.fcgi",
        exc=aiohttp.ClientConnectionError("no route to host"),
    )
    await tick(hass, freezer, 10)
    assert state(hass, "sensor.symo_pv_power").state == STATE_UNAVAILABLE
    assert state(hass, "sensor.symo_pv_energy").state == STATE_UNAVAILABLE
    # The diagnostic sensor still says when the inverter last answered.
    assert state(hass, "sensor.symo_last_successful_fetch").state == last_fetch
    assert coordinator.update_interval == timedelta(seconds=20)
    await tick(hass, freezer, 20)
    assert coordinator.update_interval == timedelta(seconds=40)
    assert caplog.text.count("Reading Fronius failed") == 1  # logged once, not every retry

    aioclient_mock.clear_requests()
    mock_fronius(aioclient_mock)
    await tick(hass, freezer, 40)
    assert state(hass, "sensor.symo_pv_power").state == "1111.0"
    assert state(hass, "sensor.symo_pv_energy").state == "44188.0"
    assert coordinator.update_interval == timedelta(seconds=10)
    assert "Fetching home_energy_lake fronius data recovered" in caplog.text


async def test_counters_hold_through_the_night(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Night answers (nulls, zeros, a lower total) never make a counter fall."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    await setup(hass, entry)
    check(hass, "sensor.symo_pv_energy", "44188.0")

    async def answer(body: dict[str, Any] | str) -> None:
        aioclient_mock.clear_requests()
        mock_fronius(aioclient_mock, powerflow=body)
        await tick(hass, freezer, 10)

    # The recorded Symo night answer: P_PV null (0), E_Total 44186900, below the day's.
    await answer("fronius/symo_powerflow_night.json")
    check(hass, "sensor.symo_pv_power", "0.0")
    check(hass, "sensor.symo_pv_energy", STATE_UNAVAILABLE)
    # An IG Plus at night reports nothing at all: the inverter sleeps.
    await answer("fronius/igplus_powerflow_night.json")
    check(hass, "sensor.symo_pv_energy", STATE_UNAVAILABLE)
    check(hass, "sensor.symo_pv_power", STATE_UNAVAILABLE)
    # A zero total (derived from the day answer) is not a value either.
    await answer(powerflow_at("2021-10-07T10:01:00+02:00", E_Total=0))
    check(hass, "sensor.symo_pv_energy", STATE_UNAVAILABLE)
    # Morning: the counter goes on from where it was.
    await answer(powerflow_at("2021-10-08T08:00:00+02:00", E_Total=44189000))
    check(hass, "sensor.symo_pv_energy", "44189.0")


async def test_counter_reset_is_published_only_once_confirmed(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A replaced inverter starts low: after three rising readings that is the new counter."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    await setup(hass, entry)
    seen = []
    for minute, total in enumerate((1000, 1500, 1400, 1600, 1700)):
        aioclient_mock.clear_requests()
        stamp = f"2021-10-09T10:{minute:02d}:00+02:00"
        mock_fronius(aioclient_mock, powerflow=powerflow_at(stamp, E_Total=total))
        await tick(hass, freezer, 10)
        seen.append(state(hass, "sensor.symo_pv_energy").state)
    # 1000 and 1500 rise; 1400 falls back, so the count starts again at 1400, 1600, 1700.
    assert seen == [
        STATE_UNAVAILABLE,
        STATE_UNAVAILABLE,
        STATE_UNAVAILABLE,
        STATE_UNAVAILABLE,
        "1.7",
    ]


async def test_counters_survive_a_restart(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """After a restart a lower device value is held back against the restored one."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.symo_pv_energy", "50000.0"),
                {"native_value": 50000000.0, "native_unit_of_measurement": "Wh"},
            )
        ],
    )
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    entity_registry = er.async_get(hass)
    entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"fronius_{FRONIUS_SERIAL}_pv_energy",
        suggested_object_id="symo_pv_energy",
        config_entry=entry,
    )
    await setup(hass, entry)
    check(hass, "sensor.symo_pv_energy", STATE_UNAVAILABLE)


def mock_solaredge(
    aioclient_mock: AiohttpClientMocker, updated: str | None = None, power_flow_status: int = 200
) -> None:
    """A SolarEdge site whose power flow (in W) has grid and battery, but no meter counters.

    ``updated`` replaces the overview's ``lastUpdateTime`` (a derived variant).
    """
    overview = fixture_json("solaredge/overview_ha_synthetic.json")
    if updated is not None:
        overview["overview"]["lastUpdateTime"] = updated
    aioclient_mock.get(f"{SOLAREDGE_URL}/overview", text=json.dumps(overview), headers=JSON)
    aioclient_mock.get(
        f"{SOLAREDGE_URL}/currentPowerFlow",
        text=fixture_text("solaredge/power_flow_ha_synthetic_w.json"),
        headers=JSON,
        status=power_flow_status,
    )
    for path, name in (
        ("details", "solaredge/details_hooper_st.json"),
        ("energyDetails", "solaredge/energy_details_ha_synthetic_day.json"),
    ):
        aioclient_mock.get(f"{SOLAREDGE_URL}/{path}", text=fixture_text(name), headers=JSON)


SOLAREDGE_CONF = {
    "api_key": "key",
    "site_id": "1",
    "device_id": "12345678",
    "identity": {"manufacturer": "SolarEdge", "name": "Hooper St", "model": None},
}


async def test_power_only_source_is_integrated_and_survives_a_restart(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """SolarEdge reports grid power but no grid counters: they are integrated from power."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.hooper_st_grid_import_energy", "1.0"),
                {"native_value": 1000.0, "native_unit_of_measurement": "Wh"},
            )
        ],
    )
    mock_solaredge(aioclient_mock)
    entry = make_entry(hass, lake, {"solaredge": SOLAREDGE_CONF})
    er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        "solaredge_12345678_grid_import_energy_from_power",
        suggested_object_id="hooper_st_grid_import_energy",
        config_entry=entry,
    )
    await setup(hass, entry)
    # power_flow_ha_synthetic_w: PV 1500 W, grid 250 W import, battery charging 250 W, 75 %.
    check(hass, "sensor.hooper_st_pv_power", "1500.0")
    check(hass, "sensor.hooper_st_grid_import_power", "250.0")
    check(hass, "sensor.hooper_st_battery_power", "-250.0")
    check(hass, "sensor.hooper_st_battery_state_of_charge", "75.0", unit_of_measurement="%")
    # overview_ha_synthetic: lifetime 100000 Wh.
    check(hass, "sensor.hooper_st_pv_energy", "100.0", **ENERGY)
    # The restored total, in the Wh its registry entry (made before this run) keeps.
    check(hass, "sensor.hooper_st_grid_import_energy", "1000.0", unit_of_measurement="Wh")
    check(hass, "sensor.hooper_st_requests_left_today", "297")  # details, overview, power flow

    aioclient_mock.clear_requests()
    mock_solaredge(aioclient_mock, updated="2025-01-01 12:15:00")
    await tick(hass, freezer, 15 * 60)
    # The site's clock moved on by 15 min: 250 W for a quarter of an hour: 62.5 Wh more.
    check(hass, "sensor.hooper_st_grid_import_energy", "1062.5")
    check(hass, "sensor.hooper_st_grid_export_energy", "0.0")
    # The battery charged at 250 W all along: 62.5 Wh in, nothing out.
    check(hass, "sensor.hooper_st_battery_charged_energy", "0.0625", **ENERGY)
    check(hass, "sensor.hooper_st_battery_discharged_energy", "0.0", **ENERGY)
    check(hass, "sensor.hooper_st_requests_left_today", "295")
    # The site has not updated: the same sample is not counted twice.
    await tick(hass, freezer, 15 * 60)
    check(hass, "sensor.hooper_st_grid_import_energy", "1062.5")
    # Two hours without data (derived: a later update time): the gap is not bridged.
    aioclient_mock.clear_requests()
    mock_solaredge(aioclient_mock, updated="2025-01-01 14:30:00")
    await tick(hass, freezer, 15 * 60)
    check(hass, "sensor.hooper_st_grid_import_energy", "1062.5")
    # The power flow fails: the poll fails and the total waits, unavailable.
    aioclient_mock.clear_requests()
    mock_solaredge(aioclient_mock, updated="2025-01-01 14:45:00", power_flow_status=500)
    await tick(hass, freezer, 15 * 60)
    check(hass, "sensor.hooper_st_grid_import_energy", STATE_UNAVAILABLE)
    # Back at 15:00: 30 min after the 14:30 sample, within three intervals, so the one
    # failed poll is bridged with the last power: 250 W for 30 min, 125 Wh.
    aioclient_mock.clear_requests()
    mock_solaredge(aioclient_mock, updated="2025-01-01 15:00:00")
    await tick(hass, freezer, 30 * 60)
    check(hass, "sensor.hooper_st_grid_import_energy", "1187.5")


async def test_bronze_receives_every_raw_answer(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Every answer, failed ones included, lands in the lake with its envelope."""
    from .conftest import read_lake

    mock_fronius(aioclient_mock)
    mock_openmeteo(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "openmeteo": OPENMETEO_CONF})
    await setup(hass, entry)
    aioclient_mock.clear_requests()
    mock_fronius(aioclient_mock, status=500)
    mock_openmeteo(aioclient_mock)
    await tick(hass, freezer, 15 * 60)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    records = read_lake(lake)
    fronius = sorted(
        (r for r in records if r["vendor"] == "fronius"), key=lambda r: r["fetched_at"]
    )
    assert [(r["endpoint"], r["http_status"]) for r in fronius] == [
        ("meter", 200),
        ("powerflow", 200),
        ("powerflow", 500),
    ] or [(r["endpoint"], r["http_status"]) for r in fronius] == [
        ("powerflow", 200),
        ("meter", 200),
        ("powerflow", 500),
    ]
    first = next(r for r in fronius if r["endpoint"] == "powerflow" and r["http_status"] == 200)
    assert list(first)[:12] == [
        "envelope_version",
        "source",
        "vendor",
        "device_id",
        "endpoint",
        "fetched_at",
        "http_status",
        "content_type",
        "integration_version",
        "url",
        "headers",
        "payload",
    ]
    assert first["source"] == "solar"
    assert first["device_id"] == FRONIUS_SERIAL
    assert first["integration_version"] == "0.1.0"
    assert first["payload"] == fixture_json("fronius/symo_powerflow_day.json")
    assert first["_path"].startswith("solar/raw/")
    weather = [r for r in records if r["vendor"] == "openmeteo"]
    assert len(weather) == 2
    assert all(r["_path"].split("/")[5] == "api=openmeteo" for r in weather)
    assert weather[0]["payload"] == fixture_json(
        "openmeteo/forecast_berlin_2021_radiation_EXCERPT.json"
    )


async def test_inverter_asleep_at_start_adds_its_sensors_in_the_morning(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Set up at night, a new inverter's sensors appear once it first reports them."""
    mock_fronius(aioclient_mock, powerflow="fronius/igplus_powerflow_night.json")
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    await setup(hass, entry)
    assert hass.states.get("sensor.symo_pv_power") is None
    assert hass.states.get("sensor.symo_pv_energy") is None
    aioclient_mock.clear_requests()
    mock_fronius(aioclient_mock)
    await tick(hass, freezer, 10)
    check(hass, "sensor.symo_pv_power", "1111.0")
    check(hass, "sensor.symo_pv_energy", "44188.0")
