"""Coordinators: setup outcomes, rate limits, Expires, reauth, myUplink tokens, captures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import time
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.home_energy_lake.const import DOMAIN

from .conftest import (
    FRONIUS_CONF,
    JSON,
    METNO_CONF,
    OPENMETEO_CONF,
    OPENMETEO_URL,
    OWM_ID,
    fixture_json,
    fixture_text,
    make_entry,
    mock_fronius,
    mock_metno,
    mock_openmeteo,
    mock_owm,
    read_lake,
)
from .test_sensor import SOLAREDGE_CONF, mock_solaredge, setup, state, tick

MYUPLINK_DEVICE = "batman-r-1234-20240201-123456-aa-bb-cc-dd-ee-ff"
TOKEN_URL = "https://api.myuplink.com/oauth/token"


def reauth_flows(hass: HomeAssistant) -> list[Any]:
    """The reauth flows in progress for this domain."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


async def test_no_source_reachable_retries_setup(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """Setup waits for at least one source; the writer it started is stopped again."""
    mock_fronius(aioclient_mock, status=503)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    # The 503 answers reached the lake all the same (stopping the writer ships them).
    assert {r["http_status"] for r in read_lake(lake)} == {503}


async def test_refused_key_at_setup_starts_reauth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """A revoked OWM key stops setup and asks the user for a new one."""
    mock_owm(aioclient_mock, current_status=401)
    mock_openmeteo(aioclient_mock)
    owm = {"api_key": "revoked", "device_id": OWM_ID, "identity": {}}
    entry = make_entry(hass, lake, {"openmeteo": OPENMETEO_CONF, "owm": owm})
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass)) == 1


async def test_refused_key_while_running_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A key revoked later makes its sensors unavailable and starts reauth."""
    mock_owm(aioclient_mock)
    owm = {"api_key": "k", "device_id": OWM_ID, "identity": {"name": "OpenWeather"}}
    entry = make_entry(hass, lake, {"owm": owm})
    await setup(hass, entry)
    assert state(hass, "sensor.openweather_temperature").state == "15.98"
    assert state(hass, "sensor.openweather_requests_left_today").state == "999"
    aioclient_mock.clear_requests()
    mock_owm(aioclient_mock, current_status=401)
    await tick(hass, freezer, 600)
    assert state(hass, "sensor.openweather_temperature").state == "unavailable"
    assert len(reauth_flows(hass)) == 1


async def test_rate_limit_waits_as_long_as_the_api_asks(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """Open-Meteo's 429 with Retry-After: the next poll waits that long; others go on."""
    mock_fronius(aioclient_mock)
    aioclient_mock.get(
        OPENMETEO_URL,
        status=429,
        text=fixture_text("openmeteo/error_429_daily_limit.json"),
        headers={**JSON, "retry-after": "7200"},
    )
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "openmeteo": OPENMETEO_CONF})
    await setup(hass, entry)
    coordinators = entry.runtime_data.coordinators
    assert coordinators["openmeteo"].update_interval == timedelta(seconds=7200)
    assert coordinators["fronius"].update_interval == timedelta(seconds=10)
    assert state(hass, "sensor.symo_pv_power").state == "1111.0"


@pytest.mark.freeze_time("2026-10-05T05:30:00+00:00")
async def test_met_is_not_asked_before_its_answer_expires(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """MET's Expires header sets the next poll when it is later than the interval."""
    mock_metno(aioclient_mock, expires="Mon, 05 Oct 2026 06:20:00 GMT")
    entry = make_entry(hass, lake, {"metno": METNO_CONF})
    await setup(hass, entry)
    assert entry.runtime_data.coordinators["metno"].update_interval == timedelta(minutes=50)


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """myUplink application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("demo-client-id", "demo-secret"), DOMAIN
    )


def myuplink_entry(hass: HomeAssistant, lake: Path, *, expires_at: float) -> Any:
    """A home with a NIBE F730 behind a myUplink login."""
    conf = {"device_id": MYUPLINK_DEVICE, "identity": {"name": "Gotham City"}}
    entry = make_entry(hass, lake, {"myuplink": conf})
    token = {
        "access_token": "old-access",
        "refresh_token": "refresh-1",
        "expires_in": 3600,
        "expires_at": expires_at,
        "token_type": "Bearer",
    }
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "auth_implementation": DOMAIN, "token": token}
    )
    return entry


def mock_myuplink(aioclient_mock: AiohttpClientMocker) -> None:
    """The account's one device and its data points."""
    aioclient_mock.get(
        "https://api.myuplink.com/v2/systems/me",
        text=fixture_text("myuplink/systems.json"),
        headers=JSON,
    )
    aioclient_mock.get(
        f"https://api.myuplink.com/v2/devices/{MYUPLINK_DEVICE}/points",
        text=fixture_text("myuplink/device_points_nibe_f730.json"),
        headers=JSON,
    )


@pytest.mark.usefixtures("credentials")
async def test_myuplink_refreshes_its_token(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """An expired token is refreshed before the poll; the refresh does not reload the entry."""
    mock_myuplink(aioclient_mock)
    aioclient_mock.post(
        TOKEN_URL,
        json={"access_token": "new-access", "expires_in": 3600, "token_type": "Bearer"},
    )
    entry = myuplink_entry(hass, lake, expires_at=time.time() - 10)
    await setup(hass, entry)
    assert entry.data["token"]["access_token"] == "new-access"
    assert entry.data["token"]["refresh_token"] == "refresh-1"
    bearer = {call[3]["Authorization"] for call in aioclient_mock.mock_calls if call[3]}
    assert bearer == {"Bearer new-access"}
    # device_points_nibe_f730: flow 39.7 °C, return 34.4 °C, outside -9.3 °C.
    assert state(hass, "sensor.gotham_city_flow_temperature").state == "39.7"
    assert state(hass, "sensor.gotham_city_return_temperature").state == "34.4"
    assert state(hass, "sensor.gotham_city_outside_temperature").state == "-9.3"
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("status", [400, 401])
async def test_myuplink_refused_refresh_starts_reauth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, status: int
) -> None:
    """A refresh token myUplink no longer accepts means logging in again."""
    aioclient_mock.post(TOKEN_URL, status=status, json={"error": "invalid_grant"})
    entry = myuplink_entry(hass, lake, expires_at=time.time() - 10)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass)) == 1


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize(
    "failure",
    [
        {"status": 429, "headers": {"Retry-After": "120"}},
        {"status": 500},
        {"status": 503},
        {"exc": aiohttp.ClientConnectionError("unreachable")},
    ],
)
async def test_myuplink_token_server_down_retries(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, failure: dict[str, Any]
) -> None:
    """A token endpoint that fails is a temporary problem, not a reason to log in again."""
    aioclient_mock.post(TOKEN_URL, **failure)
    entry = myuplink_entry(hass, lake, expires_at=time.time() - 10)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass) == []


async def test_myuplink_without_its_credentials_asks_to_log_in(
    hass: HomeAssistant, lake: Path
) -> None:
    """The application credential was deleted: reauth lets the user pick a new one."""
    assert await async_setup_component(hass, "application_credentials", {})
    entry = myuplink_entry(hass, lake, expires_at=time.time() + 3600)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass)) == 1


@pytest.mark.freeze_time("2026-11-25T01:04:50+00:00")
async def test_scheduled_captures_go_to_bronze(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Solar hourly at :05, weather daily at 01:15 UTC, beside the live polling."""
    mock_solaredge(aioclient_mock)
    mock_openmeteo(aioclient_mock)
    entry = make_entry(hass, lake, {"solaredge": SOLAREDGE_CONF, "openmeteo": OPENMETEO_CONF})
    await setup(hass, entry)
    await tick(hass, freezer, 10)  # 01:05:00: the hourly capture of 00:00-01:00
    assert "solaredge" in entry.runtime_data.captures
    assert "openmeteo" not in entry.runtime_data.captures
    freezer.move_to("2026-11-25T01:15:00+00:00")
    await tick(hass, freezer, 0)  # 01:15:00: the daily capture of yesterday
    assert "openmeteo" in entry.runtime_data.captures
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    records = read_lake(lake)
    details = [r for r in records if r["endpoint"] == "energy_details"]
    assert len(details) == 1
    assert "startTime=" in details[0]["url"]
    assert details[0]["payload"] == fixture_json("solaredge/energy_details_ha_synthetic_day.json")
    captures = [r for r in records if r["vendor"] == "openmeteo" and "start_date" in r["url"]]
    assert len(captures) == 1
    assert "start_date=2026-11-24" in captures[0]["url"]
    assert "end_date=2026-11-24" in captures[0]["url"]


async def test_failed_capture_ships_the_error_answer(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A capture the API refuses is logged, and its answer still goes to Bronze."""
    aioclient_mock.get(OPENMETEO_URL, status=400, text=fixture_text(
        "openmeteo/error_400_invalid_hourly_variable.json"
    ), headers=JSON)  # fmt: skip
    mock_metno(aioclient_mock)
    entry = make_entry(hass, lake, {"metno": METNO_CONF, "openmeteo": OPENMETEO_CONF})
    await setup(hass, entry)
    coordinators = entry.runtime_data.coordinators
    end = datetime(2026, 11, 25, tzinfo=UTC)
    assert await coordinators["openmeteo"].async_capture(end - timedelta(days=1), end) == 1
    assert "Capture from Open-Meteo failed" in caplog.text
    # MET Norway keeps no history: nothing to capture.
    assert await coordinators["metno"].async_capture(end - timedelta(days=1), end) == 0


@pytest.mark.parametrize(
    "body", [b"[" * 10_000, b"7" * 4_301], ids=["nested_too_deep", "integer_too_long"]
)
async def test_an_answer_json_cannot_read_is_kept_once_and_backed_off(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, body: bytes
) -> None:
    """A body json.loads itself chokes on is a failed poll: no traceback, kept in Bronze."""
    aioclient_mock.get(OPENMETEO_URL, content=body, headers=JSON)
    mock_metno(aioclient_mock)
    entry = make_entry(hass, lake, {"metno": METNO_CONF, "openmeteo": OPENMETEO_CONF})
    await setup(hass, entry)
    openmeteo = entry.runtime_data.coordinators["openmeteo"]
    assert not openmeteo.last_update_success
    assert openmeteo.failures == 1
    assert openmeteo.update_interval > openmeteo.base_interval

    assert await hass.config_entries.async_unload(entry.entry_id)
    kept = [r for r in read_lake(lake) if r["vendor"] == "openmeteo"]
    assert [r["payload_text"].encode() for r in kept] == [body]


@pytest.mark.usefixtures("credentials")
async def test_setup_registers_no_update_listener(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """HA 2026.12 fails reauth and reconfigure of an entry that has an update listener."""
    mock_fronius(aioclient_mock)
    mock_myuplink(aioclient_mock)
    entry = myuplink_entry(hass, lake, expires_at=time.time() + 3600)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "sources": {**entry.data["sources"], "fronius": FRONIUS_CONF}}
    )
    await setup(hass, entry)
    assert entry.update_listeners == []


async def test_saving_options_reloads_once(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, reloads: list[str]
) -> None:
    """New intervals apply at once: the options flow reloads the entry, once."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    await setup(hass, entry)
    options = {"interval_fronius": 30, "spool_max_mb": 64, "segment_max_age_minutes": 5}
    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(result["flow_id"], options)
    await hass.async_block_till_done()
    assert reloads == [entry.entry_id]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinators["fronius"].update_interval == timedelta(seconds=30)
    # Saving the same options again changes nothing, so nothing reloads.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(result["flow_id"], options)
    await hass.async_block_till_done()
    assert reloads == [entry.entry_id]


async def test_keyless_source_refusing_access_is_a_failed_poll(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """A Fronius answering 401 has no key to renew: its sensors fail, no reauth starts."""
    mock_fronius(aioclient_mock, status=401)
    mock_openmeteo(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "openmeteo": OPENMETEO_CONF})
    await setup(hass, entry)
    assert not entry.runtime_data.coordinators["fronius"].last_update_success
    assert reauth_flows(hass) == []


@pytest.mark.usefixtures("credentials")
async def test_token_refresh_while_running_does_not_reload(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, reloads: list[str]
) -> None:
    """A refreshed token updates the entry's data; only an options change reloads it."""
    mock_myuplink(aioclient_mock)
    aioclient_mock.post(
        TOKEN_URL,
        json={"access_token": "new-access", "expires_in": 3600, "token_type": "Bearer"},
    )
    entry = myuplink_entry(hass, lake, expires_at=time.time() + 3600)
    await setup(hass, entry)
    running = entry.runtime_data
    # The token runs out; the next poll refreshes it and stores it in the entry.
    token = {**entry.data["token"], "expires_at": time.time() - 1}
    hass.config_entries.async_update_entry(entry, data={**entry.data, "token": token})
    await running.coordinators["myuplink"].async_refresh()
    await hass.async_block_till_done()
    assert entry.data["token"]["access_token"] == "new-access"
    assert entry.runtime_data is running
    assert reloads == []
    assert entry.state is ConfigEntryState.LOADED


async def _expire_and_poll(hass: HomeAssistant, entry: Any) -> Any:
    """Let the running entry's token run out, then poll myUplink once."""
    token = {**entry.data["token"], "expires_at": time.time() - 1}
    hass.config_entries.async_update_entry(entry, data={**entry.data, "token": token})
    coordinator = entry.runtime_data.coordinators["myuplink"]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    return coordinator


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize(
    ("status", "at_least"), [(429, timedelta(seconds=600)), (500, None), (503, None)]
)
async def test_token_endpoint_failing_while_running_backs_off(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    status: int,
    at_least: timedelta | None,
) -> None:
    """A rate-limited or failing token endpoint is waited out, never a new login."""
    mock_myuplink(aioclient_mock)
    entry = myuplink_entry(hass, lake, expires_at=time.time() + 3600)
    await setup(hass, entry)
    coordinator = entry.runtime_data.coordinators["myuplink"]
    base = coordinator.update_interval
    aioclient_mock.post(TOKEN_URL, status=status, headers={"Retry-After": "600"})
    await _expire_and_poll(hass, entry)
    assert not coordinator.last_update_success
    assert coordinator.update_interval > base
    if at_least is not None:
        assert coordinator.update_interval >= at_least
    assert reauth_flows(hass) == []
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize("status", [400, 401])
async def test_token_refused_while_running_starts_reauth(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, status: int
) -> None:
    """``invalid_grant`` from the token endpoint: the user logs in again."""
    mock_myuplink(aioclient_mock)
    entry = myuplink_entry(hass, lake, expires_at=time.time() + 3600)
    await setup(hass, entry)
    aioclient_mock.post(TOKEN_URL, status=status, json={"error": "invalid_grant"})
    coordinator = await _expire_and_poll(hass, entry)
    assert not coordinator.last_update_success
    assert len(reauth_flows(hass)) == 1
