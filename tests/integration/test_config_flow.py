"""The config flow: every step, every error and its recovery, reconfigure, reauth, options.

Every test ends in CREATE_ENTRY or ABORT and checks the unique id where one is set.
Sources answer with recorded answers through ``aioclient_mock``; the ADLS lake is the
loopback ADLS Gen2 server of the Bronze tests, reached through the real Azure SDK.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_energy_lake.const import DOMAIN
from tests.api.conftest import LoopbackApi
from tests.lake.fake_adls import ACCOUNT, ACCOUNT_KEY, FakeAdls

from .conftest import (
    EMONCMS_URL,
    FRONIUS_CONF,
    FRONIUS_HOST,
    FRONIUS_SERIAL,
    JSON,
    LATITUDE,
    LONGITUDE,
    METNO_CONF,
    METNO_ID,
    OPENMETEO_CONF,
    OPENMETEO_ID,
    OPENMETEO_URL,
    OWM_ID,
    OWM_URL,
    SOLAREDGE_URL,
    fixture_text,
    make_entry,
    mock_fronius,
    mock_metno,
    mock_openmeteo,
    mock_owm,
    serve_fronius,
)

MYUPLINK_API = "https://api.myuplink.com"
AUTHORIZE_URL = "https://api.myuplink.com/oauth/authorize"
TOKEN_URL = "https://api.myuplink.com/oauth/token"
CLIENT_ID = "demo-client-id"
REDIRECT = "https://example.com/auth/external/callback"
MYUPLINK_DEVICE = "batman-r-1234-20240201-123456-aa-bb-cc-dd-ee-ff"


@pytest.fixture(autouse=True)
async def mock_setup_entry(hass: HomeAssistant) -> AsyncIterator[None]:
    """Flow tests test the flow: the created entry is not set up (nor, later, unloaded)."""
    with (
        patch("custom_components.home_energy_lake.async_setup_entry", return_value=True),
        patch("custom_components.home_energy_lake.async_unload_entry", return_value=True),
    ):
        yield
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(entry.entry_id)


def choose(
    solar: str = "none",
    heatpump: str = "none",
    weather: list[str] | None = None,
    lake: str = "local",
    custom_api_urls: bool = False,
) -> dict[str, Any]:
    """The first form's answer."""
    return {
        "latitude": LATITUDE,
        "longitude": LONGITUDE,
        "solar": solar,
        "heatpump": heatpump,
        "weather": weather or [],
        "lake": lake,
        "advanced": {"custom_api_urls": custom_api_urls},
    }


async def start(hass: HomeAssistant, **choice: Any) -> Any:
    """Open the flow, check its first form and answer it."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(result["flow_id"], choose(**choice))


async def answer(hass: HomeAssistant, result: Any, step: str, user_input: dict[str, Any]) -> Any:
    """Check the flow waits at ``step``, then answer it."""
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == step
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def test_full_flow_with_errors_and_recovery(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_dir: Path
) -> None:
    """Fronius and three weather APIs into the default local lake, recovering from errors."""
    mock_fronius(aioclient_mock)
    aioclient_mock.get(
        "http://192.168.1.99/solar_api/v1/GetLoggerInfo.cgi", exc=aiohttp.ClientError
    )
    aioclient_mock.get(
        f"{OWM_URL}/2.5/weather",
        params={"appid": "wrong"},
        status=401,
        text=fixture_text("owm/error_401_invalid_api_key.json"),
        headers=JSON,
    )
    mock_owm(aioclient_mock)
    mock_openmeteo(aioclient_mock)
    mock_metno(aioclient_mock)

    result = await start(hass, solar="fronius", weather=["openmeteo", "owm", "metno"], lake="local")
    # A folder the user names must exist: a missing one is refused, nothing is created.
    missing = config_dir / "not" / "mounted"
    result = await answer(hass, result, "local", {"path": str(missing)})
    assert result["errors"] == {"base": "store_failed"}
    assert not missing.exists()
    # The default folder is created.
    result = await answer(hass, result, "local", {"path": "home_energy_lake/lake"})
    result = await answer(hass, result, "fronius", {"host": "192.168.1.99"})
    assert result["errors"] == {"base": "cannot_connect"}
    result = await answer(hass, result, "fronius", {"host": FRONIUS_HOST})
    # Open-Meteo has nothing to ask: it was tested at once and the flow moved on.
    result = await answer(hass, result, "owm", {"api_key": "wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await answer(hass, result, "owm", {"api_key": "right"})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    lake = config_dir / "home_energy_lake" / "lake"
    assert lake.is_dir()
    # The title names the home and its lake, relative to the config folder.
    assert result["title"] == f"{hass.config.location_name} (home_energy_lake/lake)"
    assert result["result"].unique_id == f"local:{lake}"
    data = result["data"]
    assert data["latitude"] == LATITUDE
    assert data["lake"] == {"backend": "local", "path": "home_energy_lake/lake"}
    assert list(data["sources"]) == ["fronius", "openmeteo", "owm", "metno"]
    assert data["sources"]["fronius"]["device_id"] == FRONIUS_SERIAL
    assert data["sources"]["fronius"]["host"] == FRONIUS_HOST
    assert data["sources"]["fronius"]["identity"]["manufacturer"] == "Fronius"
    assert data["sources"]["owm"] == {
        "api_key": "right",
        "device_id": OWM_ID,
        "identity": data["sources"]["owm"]["identity"],
    }
    assert data["sources"]["openmeteo"]["device_id"] == OPENMETEO_ID
    assert data["sources"]["metno"]["device_id"] == METNO_ID


def fields(result: Any) -> set[str]:
    """The names of a form's fields."""
    return {str(marker) for marker in result["data_schema"].schema}


async def test_api_url_fields_only_when_asked_for(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """The cloud steps' API URL is for mirrors and the simulator: hidden unless asked for.

    HA 2026.6 and later report every user as being in advanced mode, so that is not asking.
    """
    mock_openmeteo(aioclient_mock)
    aioclient_mock.get(
        f"{SOLAREDGE_URL}/details",
        text=fixture_text("solaredge/details_hooper_st.json"),
        headers=JSON,
    )
    context = {"source": SOURCE_USER, "show_advanced_options": True}
    result = await hass.config_entries.flow.async_init(DOMAIN, context=context)
    advanced = result["data_schema"].schema["advanced"]
    assert isinstance(advanced, section)
    assert advanced.options["collapsed"] is True
    assert advanced.schema({}) == {"custom_api_urls": False}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(solar="solaredge", weather=["openmeteo"])
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    assert fields(result) == {"site_id", "api_key"}
    result = await answer(hass, result, "solaredge", {"site_id": "1", "api_key": "key"})
    # Open-Meteo had nothing to ask: tested at once, the entry is made.
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "base_url" not in result["data"]["sources"]["solaredge"]

    # Ticked: each cloud step asks for its URL, and the sources use it.
    mirror = "http://mirror.test"
    aioclient_mock.get(
        f"{mirror}/site/1/details",
        text=fixture_text("solaredge/details_hooper_st.json"),
        headers=JSON,
    )
    aioclient_mock.get(
        f"{mirror}/v1/forecast",
        text=fixture_text("openmeteo/forecast_berlin_2021_radiation_EXCERPT.json"),
        headers=JSON,
    )
    other = lake.parent / "other"
    other.mkdir()
    await hass.config_entries.async_remove(result["result"].entry_id)
    result = await start(hass, solar="solaredge", weather=["openmeteo"], custom_api_urls=True)
    result = await answer(hass, result, "local", {"path": str(other)})
    assert fields(result) == {"site_id", "api_key", "base_url"}
    result = await answer(
        hass, result, "solaredge", {"site_id": "1", "api_key": "key", "base_url": mirror}
    )
    assert fields(result) == {"base_url"}
    result = await answer(hass, result, "openmeteo", {"base_url": f"{mirror}/v1"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["sources"]["solaredge"]["base_url"] == mirror
    assert result["data"]["sources"]["openmeteo"]["base_url"] == f"{mirror}/v1"


async def test_keyless_weather_retries_after_an_error(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Open-Meteo down: its empty form shows the error, and submitting tries again."""
    aioclient_mock.get(OPENMETEO_URL, status=500, text="Internal Server Error")
    result = await start(hass, weather=["openmeteo"])
    result = await answer(hass, result, "local", {"path": "home_energy_lake/lake"})
    assert result["step_id"] == "openmeteo"
    assert result["errors"] == {"base": "cannot_connect"}
    aioclient_mock.clear_requests()
    mock_openmeteo(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert list(result["data"]["sources"]) == ["openmeteo"]


async def test_solaredge_and_emoncms_errors(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """Refused key, rate limit and an answer that is not emoncms, each then fixed."""
    details = fixture_text("solaredge/details_hooper_st.json")
    aioclient_mock.get(f"{SOLAREDGE_URL}/details", params={"api_key": "bad"}, status=403)
    aioclient_mock.get(
        f"{SOLAREDGE_URL}/details",
        params={"api_key": "busy"},
        status=429,
        headers={"retry-after": "60"},
    )
    aioclient_mock.get(f"{SOLAREDGE_URL}/details", text=details, headers=JSON)
    aioclient_mock.get("http://wrong.local/feed/list.json", text="<html>router</html>")
    aioclient_mock.get(
        f"{EMONCMS_URL}/feed/list.json",
        text=fixture_text("emoncms/feed_list_emonhp_running_INVENTED.json"),
        headers=JSON,
    )

    result = await start(hass, solar="solaredge", heatpump="emoncms")
    result = await answer(hass, result, "local", {"path": str(lake)})
    result = await answer(hass, result, "solaredge", {"site_id": "1", "api_key": "bad"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await answer(hass, result, "solaredge", {"site_id": "1", "api_key": "busy"})
    assert result["errors"] == {"base": "rate_limited"}
    result = await answer(hass, result, "solaredge", {"site_id": "1", "api_key": "good"})
    result = await answer(
        hass, result, "emoncms", {"url": "http://wrong.local", "api_key": "readkey"}
    )
    assert result["errors"] == {"base": "invalid_response"}
    result = await answer(hass, result, "emoncms", {"url": EMONCMS_URL, "api_key": "readkey"})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"local:{lake}"
    sources = result["data"]["sources"]
    assert sources["solaredge"]["device_id"] == "12345678"
    assert sources["solaredge"]["api_key"] == "good"
    assert sources["emoncms"]["device_id"] == "emonpi.local-user1"


async def test_same_lake_twice_is_refused(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """A lake belongs to one home."""
    make_entry(hass, lake, {"openmeteo": OPENMETEO_CONF})
    result = await start(hass, weather=["openmeteo"])
    result = await answer(hass, result, "local", {"path": str(lake)})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_same_source_in_two_homes_is_refused(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, tmp_path: Path
) -> None:
    """An inverter belongs to one home."""
    make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    mock_fronius(aioclient_mock)
    other = tmp_path / "other"
    other.mkdir()
    result = await start(hass, solar="fronius")
    result = await answer(hass, result, "local", {"path": str(other)})
    result = await answer(hass, result, "fronius", {"host": FRONIUS_HOST})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "source_already_configured"


@pytest.fixture
async def adls(socket_enabled: None) -> Any:
    """The loopback ADLS Gen2 server with a ``bronze`` filesystem."""
    async with FakeAdls() as server:
        yield server


async def test_adls_lake_with_bad_settings_then_bad_key_then_good(
    hass: HomeAssistant, adls: FakeAdls, loopback_api: LoopbackApi
) -> None:
    """Settings are checked offline first, then by a real test write through the SDK."""
    serve_fronius(loopback_api)
    result = await start(hass, solar="fronius", lake="adls")
    settings = {
        "account_name": ACCOUNT,
        "filesystem": "bronze",
        "path_prefix": "home",
        "auth": "account_key",
        "endpoint": adls.account_url,
    }
    result = await answer(hass, result, "adls", {**settings, "account_name": "No_Such"})
    assert result["errors"] == {
        "account_name": "invalid_account_name",
        "account_key": "invalid_account_key",
    }
    wrong_key = "d3Jvbmcga2V5"  # base64 of "wrong key"
    result = await answer(hass, result, "adls", {**settings, "account_key": wrong_key})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await answer(hass, result, "adls", {**settings, "account_key": ACCOUNT_KEY})
    result = await answer(hass, result, "fronius", {"host": loopback_api.url})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"adls:{adls.account_url}/bronze/home"
    assert result["title"] == f"{hass.config.location_name} (ADLS {ACCOUNT}/bronze/home)"
    assert result["data"]["lake"] == {"backend": "adls", **settings, "account_key": ACCOUNT_KEY}
    assert list(result["data"]["sources"]) == ["fronius"]
    # The test write cleaned up after itself.
    assert [p for p in adls.files() if not p.endswith("/")] == []


async def test_adls_store_failure(
    hass: HomeAssistant, adls: FakeAdls, loopback_api: LoopbackApi
) -> None:
    """A filesystem that does not exist fails the test write with the store's message."""
    serve_fronius(loopback_api)
    result = await start(hass, solar="fronius", lake="adls")
    settings = {
        "account_name": ACCOUNT,
        "filesystem": "missing",
        "auth": "account_key",
        "account_key": ACCOUNT_KEY,
        "endpoint": adls.account_url,
    }
    result = await answer(hass, result, "adls", settings)
    assert result["errors"] == {"base": "store_failed"}
    result = await answer(hass, result, "adls", {**settings, "filesystem": "bronze"})
    result = await answer(hass, result, "fronius", {"host": loopback_api.url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"adls:{adls.account_url}/bronze/"


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """myUplink application credentials, as the user adds them in the UI."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, "demo-secret"), DOMAIN
    )


async def login(
    hass: HomeAssistant,
    result: Any,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> Any:
    """Play the browser and the token endpoint for myUplink's OAuth2 login."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT}
    )
    assert result["url"].startswith(f"{AUTHORIZE_URL}?response_type=code&client_id={CLIENT_ID}")
    assert "scope=READSYSTEM+offline_access" in result["url"]
    client = await hass_client_no_auth()
    response = await client.get(f"/auth/external/callback?code=abcd&state={state}")
    assert response.status == 200
    aioclient_mock.post(
        TOKEN_URL,
        json={
            "access_token": "access-1",
            "refresh_token": "refresh-1",
            "expires_in": 3600,
            "token_type": "Bearer",
        },
    )
    return await hass.config_entries.flow.async_configure(result["flow_id"])


def mock_myuplink(
    aioclient_mock: AiohttpClientMocker, systems: str = "myuplink/systems.json"
) -> None:
    """An account with one NIBE F730."""
    aioclient_mock.get(f"{MYUPLINK_API}/v2/systems/me", text=fixture_text(systems), headers=JSON)


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_myuplink_login(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    lake: Path,
) -> None:
    """Choosing myUplink runs the OAuth2 login in the middle of the flow, then goes on."""
    mock_myuplink(aioclient_mock)
    mock_openmeteo(aioclient_mock)
    result = await start(hass, heatpump="myuplink", weather=["openmeteo"])
    result = await answer(hass, result, "local", {"path": str(lake)})
    result = await login(hass, result, hass_client_no_auth, aioclient_mock)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"local:{lake}"
    data = result["data"]
    assert data["auth_implementation"] == DOMAIN
    assert data["token"]["access_token"] == "access-1"
    assert data["sources"]["myuplink"]["device_id"] == MYUPLINK_DEVICE
    assert data["sources"]["myuplink"]["identity"]["model"] == "F730 CU 3x400V"
    assert list(data["sources"]) == ["myuplink", "openmeteo"]


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_myuplink_login_to_an_empty_account_aborts(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    lake: Path,
) -> None:
    """An account without a heat pump cannot be added; the flow says why."""
    aioclient_mock.get(
        f"{MYUPLINK_API}/v2/systems/me",
        json={"page": 1, "itemsPerPage": 10, "numItems": 0, "systems": []},
    )
    result = await start(hass, heatpump="myuplink", custom_api_urls=True)
    result = await answer(hass, result, "local", {"path": str(lake)})
    result = await answer(hass, result, "myuplink", {"base_url": ""})
    result = await login(hass, result, hass_client_no_auth, aioclient_mock)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_response"


def home(hass: HomeAssistant, lake: Path, **extra: Any) -> MockConfigEntry:
    """A configured home: Fronius, OWM and Open-Meteo in a local lake."""
    return make_entry(
        hass,
        lake,
        {
            "fronius": FRONIUS_CONF,
            "owm": {"api_key": "old", "device_id": OWM_ID, "identity": {}},
            "openmeteo": OPENMETEO_CONF,
            **extra,
        },
    )


async def test_reconfigure_changes_sources_and_keeps_the_entry(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, tmp_path: Path
) -> None:
    """Dropping OWM and adding MET: the same entry, tested again, reloaded."""
    entry = home(hass, lake)
    neighbour = tmp_path / "neighbour"
    neighbour.mkdir()
    make_entry(hass, neighbour, {"fronius": {**FRONIUS_CONF, "device_id": "987.654"}})
    mock_fronius(aioclient_mock)
    mock_openmeteo(aioclient_mock)
    mock_metno(aioclient_mock)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(solar="fronius", weather=["openmeteo", "metno"])
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    result = await answer(hass, result, "fronius", {"host": FRONIUS_HOST})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == f"local:{lake}"
    assert list(entry.data["sources"]) == ["fronius", "openmeteo", "metno"]
    assert len(hass.config_entries.async_entries(DOMAIN)) == 2


async def test_reauth_and_reconfigure_reload_the_entry_once(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, reloads: list[str]
) -> None:
    """Each flow ends by reloading the loaded entry exactly once, with its new data."""
    mirror = {**OPENMETEO_CONF, "base_url": "http://mirror.test/v1"}
    entry = home(hass, lake, openmeteo=mirror)
    assert await hass.config_entries.async_setup(entry.entry_id)
    mock_owm(aioclient_mock)
    result = await entry.start_reauth_flow(hass)
    result = await answer(hass, result, "reauth_confirm", {"source": "owm"})
    result = await answer(hass, result, "owm", {"api_key": "new"})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert reloads == [entry.entry_id]
    assert entry.state is ConfigEntryState.LOADED

    mock_fronius(aioclient_mock)
    result = await entry.start_reconfigure_flow(hass)
    # A home with a source at a custom URL opens with the URL fields asked for.
    assert result["data_schema"].schema["advanced"].schema({}) == {"custom_api_urls": True}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(solar="fronius")
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    result = await answer(hass, result, "fronius", {"host": FRONIUS_HOST})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert reloads == [entry.entry_id, entry.entry_id]
    assert entry.state is ConfigEntryState.LOADED
    assert list(entry.data["sources"]) == ["fronius"]


async def test_reconfigure_to_a_lake_of_another_home_is_refused(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, tmp_path: Path
) -> None:
    """Moving onto a lake another entry uses aborts and changes nothing."""
    entry = home(hass, lake)
    taken = tmp_path / "taken"
    taken.mkdir()
    make_entry(hass, taken, {"openmeteo": OPENMETEO_CONF})
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(weather=["openmeteo"])
    )
    result = await answer(hass, result, "local", {"path": str(taken)})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.unique_id == f"local:{lake}"


async def test_reconfigure_keeps_the_myuplink_login(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """Changing the weather does not ask for a new myUplink login."""
    token = {"access_token": "a", "refresh_token": "r", "expires_at": 9e9, "expires_in": 60}
    conf = {"device_id": MYUPLINK_DEVICE, "identity": {}}
    entry = make_entry(hass, lake, {"myuplink": conf})
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "auth_implementation": DOMAIN, "token": token}
    )
    mock_openmeteo(aioclient_mock)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(heatpump="myuplink", weather=["openmeteo"])
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["token"] == token
    assert entry.data["sources"]["myuplink"] == conf
    # Dropping myUplink drops its login too.
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(weather=["openmeteo"])
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    assert result["reason"] == "reconfigure_successful"
    assert "token" not in entry.data
    assert "auth_implementation" not in entry.data


async def test_reauth_owm_key(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """A new OWM key replaces the old one; nothing else changes."""
    entry = home(hass, lake)
    mock_owm(aioclient_mock)
    result = await entry.start_reauth_flow(hass)
    result = await answer(hass, result, "reauth_confirm", {"source": "owm"})
    result = await answer(hass, result, "owm", {"api_key": "new"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["sources"]["owm"]["api_key"] == "new"
    assert entry.data["sources"]["fronius"] == FRONIUS_CONF
    assert entry.unique_id == f"local:{lake}"


async def test_reauth_with_another_sites_key_is_refused(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """A key that opens a different SolarEdge site is not accepted as a renewal."""
    conf = {"api_key": "old", "site_id": "1", "device_id": "999", "identity": {}}
    entry = make_entry(hass, lake, {"solaredge": conf})
    aioclient_mock.get(
        f"{SOLAREDGE_URL}/details",
        text=fixture_text("solaredge/details_hooper_st.json"),
        headers=JSON,
    )
    result = await entry.start_reauth_flow(hass)
    result = await answer(hass, result, "reauth_confirm", {"source": "solaredge"})
    result = await answer(hass, result, "solaredge", {"site_id": "1", "api_key": "new"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data["sources"]["solaredge"]["api_key"] == "old"


async def test_reauth_adls_credential(hass: HomeAssistant, adls: FakeAdls, lake: Path) -> None:
    """The lake's account key can be renewed; another lake is refused."""
    settings = {
        "account_name": ACCOUNT,
        "filesystem": "bronze",
        "auth": "account_key",
        "account_key": "b2xkIGtleQ==",
        "endpoint": adls.account_url,
    }
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id=f"adls:{adls.account_url}/bronze/",
        data={
            "latitude": LATITUDE,
            "longitude": LONGITUDE,
            "sources": {"metno": METNO_CONF},
            "lake": {"backend": "adls", **settings},
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await answer(hass, result, "reauth_confirm", {"source": "adls"})
    moved = {**settings, "account_key": ACCOUNT_KEY, "path_prefix": "elsewhere"}
    result = await answer(hass, result, "adls", moved)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_lake"

    result = await entry.start_reauth_flow(hass)
    result = await answer(hass, result, "reauth_confirm", {"source": "adls"})
    result = await answer(hass, result, "adls", {**settings, "account_key": ACCOUNT_KEY})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["lake"]["account_key"] == ACCOUNT_KEY
    assert entry.data["sources"] == {"metno": METNO_CONF}


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_reauth_myuplink_login(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    lake: Path,
) -> None:
    """A refused myUplink token is renewed by logging in again to the same heat pump."""
    old = {"access_token": "old", "refresh_token": "r", "expires_at": 0, "expires_in": 60}
    conf = {"device_id": MYUPLINK_DEVICE, "identity": {}}
    entry = make_entry(hass, lake, {"myuplink": conf})
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "auth_implementation": DOMAIN, "token": old}
    )
    mock_myuplink(aioclient_mock)
    result = await entry.start_reauth_flow(hass)
    result = await answer(hass, result, "reauth_confirm", {"source": "myuplink"})
    result = await login(hass, result, hass_client_no_auth, aioclient_mock)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["access_token"] == "access-1"
    assert entry.data["sources"]["myuplink"]["device_id"] == MYUPLINK_DEVICE


async def test_options_flow(hass: HomeAssistant, lake: Path) -> None:
    """Intervals per source within each API's terms, and the store settings."""
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "metno": METNO_CONF})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"]
    assert schema({}) == {
        "interval_fronius": 10,
        "interval_metno": 1800,
        "spool_max_mb": 1024,
        "segment_max_age_minutes": 60,
    }
    with pytest.raises(Exception, match="value must be at least 5"):
        schema({"interval_fronius": 2})
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "interval_fronius": 30,
            "interval_metno": 3600,
            "spool_max_mb": 64,
            "segment_max_age_minutes": 5,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "interval_fronius": 30,
        "interval_metno": 3600,
        "spool_max_mb": 64,
        "segment_max_age_minutes": 5,
    }


async def test_reauth_without_credentials_aborts(hass: HomeAssistant, lake: Path) -> None:
    """A home of keyless sources in a local lake has nothing to renew."""
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "openmeteo": OPENMETEO_CONF})
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_to_renew"
