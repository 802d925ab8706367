"""The config flow never answers 500: host names resolve, surprises get a message.

A flow step that lets an exception escape answers HTTP 500 and stays in progress, so the
next try for the same lake aborts ``already_in_progress`` until HA restarts. Each
connection test maps the unexpected to the ``unknown`` form error, logs it once with
its traceback, and leaves the step ready for another try.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import logging
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_energy_lake import config_flow
from tests.api.conftest import LoopbackApi
from tests.lake.fake_adls import ACCOUNT, ACCOUNT_KEY

from .conftest import (
    EMONCMS_URL,
    FRONIUS_HOST,
    FRONIUS_SERIAL,
    JSON,
    SOLAREDGE_URL,
    fixture_text,
    mock_fronius,
    mock_metno,
    mock_openmeteo,
    mock_owm,
    serve_fronius,
)
from .test_config_flow import (
    answer,
    choose,
    credentials,
    home,
    login,
    mock_myuplink,
    mock_setup_entry,
    start,
)

__all__ = ["credentials", "mock_setup_entry"]  # fixtures used by name below

# What HA 2025.4's aiodns raised with pycares 5, for every host name.
BUG = TypeError("Channel.getaddrinfo() takes 3 positional arguments but 4 were given")


@contextmanager
def identify_raises(error: Exception) -> Iterator[None]:
    """Make every source's connection test raise ``error``."""
    real = config_flow.build_client

    def broken(*args: Any, **kwargs: Any) -> Any:
        client = real(*args, **kwargs)
        client.async_identify = AsyncMock(side_effect=error)
        return client

    with patch.object(config_flow, "build_client", broken):
        yield


def logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """Exactly one error record, with the exception's traceback."""
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is not None
    assert errors[0].exc_info[1] is BUG
    caplog.clear()


def mock_solaredge_details(aioclient_mock: AiohttpClientMocker) -> None:
    """The recorded site details of SolarEdge site 1."""
    aioclient_mock.get(
        f"{SOLAREDGE_URL}/details",
        text=fixture_text("solaredge/details_hooper_st.json"),
        headers=JSON,
    )


def mock_emoncms_feeds(aioclient_mock: AiohttpClientMocker) -> None:
    """An emonHP's feed list."""
    aioclient_mock.get(
        f"{EMONCMS_URL}/feed/list.json",
        text=fixture_text("emoncms/feed_list_emonhp_running_INVENTED.json"),
        headers=JSON,
    )


# Each source step: the first form's choice, the step's answer, and its recorded API.
SOURCE_STEPS = {
    "fronius": ({"solar": "fronius"}, {"host": FRONIUS_HOST}, mock_fronius),
    "solaredge": (
        {"solar": "solaredge"},
        {"site_id": "1", "api_key": "key"},
        mock_solaredge_details,
    ),
    "emoncms": (
        {"heatpump": "emoncms"},
        {"url": EMONCMS_URL, "api_key": "key"},
        mock_emoncms_feeds,
    ),
    "openmeteo": ({"weather": ["openmeteo"]}, {}, mock_openmeteo),
    "owm": ({"weather": ["owm"]}, {"api_key": "key"}, mock_owm),
    "metno": ({"weather": ["metno"]}, {}, mock_metno),
}


@pytest.mark.parametrize("vendor", SOURCE_STEPS)
async def test_source_step_maps_the_unexpected_to_unknown(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    caplog: pytest.LogCaptureFixture,
    vendor: str,
) -> None:
    """A bug in a connection test: the form says so, the log has it, the step retries."""
    choice, user_input, mock_api = SOURCE_STEPS[vendor]
    mock_api(aioclient_mock)
    result = await start(hass, **choice)
    with identify_raises(BUG):
        if user_input:
            result = await answer(hass, result, "local", {"path": str(lake)})
            result = await answer(hass, result, vendor, user_input)
        else:  # keyless: tested as soon as the lake step is done
            result = await answer(hass, result, "local", {"path": str(lake)})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == vendor
    assert result["errors"] == {"base": "unknown"}
    logged_once(caplog)
    result = await answer(hass, result, vendor, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert list(result["data"]["sources"]) == [vendor]


ADLS_SETTINGS = {
    "account_name": ACCOUNT,
    "filesystem": "bronze",
    "auth": "account_key",
    "account_key": ACCOUNT_KEY,
    "endpoint": "http://127.0.0.1:1/devstoreaccount1",
}


@pytest.mark.parametrize("lake_step", ["local", "adls"])
async def test_lake_step_maps_the_unexpected_to_unknown(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    caplog: pytest.LogCaptureFixture,
    lake_step: str,
) -> None:
    """A store whose test write fails in an unforeseen way: ``unknown``, then a retry."""
    mock_openmeteo(aioclient_mock)
    result = await start(hass, weather=["openmeteo"], lake=lake_step)
    user_input = ADLS_SETTINGS if lake_step == "adls" else {"path": str(lake)}
    broken = AsyncMock()
    broken.async_check.side_effect = BUG
    with patch.object(config_flow, "build_backend", return_value=broken):
        result = await answer(hass, result, lake_step, user_input)
    assert result["errors"] == {"base": "unknown"}
    broken.async_close.assert_awaited_once()
    logged_once(caplog)
    working = AsyncMock()
    with patch.object(config_flow, "build_backend", return_value=working):
        result = await answer(hass, result, lake_step, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reauth_and_reconfigure_map_the_unexpected_to_unknown(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same connection tests run in reauth and reconfigure, with the same care."""
    entry = home(hass, lake)
    mock_owm(aioclient_mock)
    mock_fronius(aioclient_mock)
    result = await entry.start_reauth_flow(hass)
    result = await answer(hass, result, "reauth_confirm", {"source": "owm"})
    with identify_raises(BUG):
        result = await answer(hass, result, "owm", {"api_key": "new"})
    assert result["errors"] == {"base": "unknown"}
    logged_once(caplog)
    result = await answer(hass, result, "owm", {"api_key": "new"})
    assert result["reason"] == "reauth_successful"

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(solar="fronius")
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    with identify_raises(BUG):
        result = await answer(hass, result, "fronius", {"host": FRONIUS_HOST})
    assert result["errors"] == {"base": "unknown"}
    logged_once(caplog)
    result = await answer(hass, result, "fronius", {"host": FRONIUS_HOST})
    assert result["reason"] == "reconfigure_successful"


@pytest.mark.usefixtures("current_request_with_host", "credentials")
async def test_myuplink_after_login_aborts_with_unknown(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    hass_client_no_auth: ClientSessionGenerator,
    lake: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After the OAuth login there is no form to show again: the flow ends with a reason."""
    mock_myuplink(aioclient_mock)
    result = await start(hass, heatpump="myuplink")
    result = await answer(hass, result, "local", {"path": str(lake)})
    with identify_raises(BUG):
        result = await login(hass, result, hass_client_no_auth, aioclient_mock)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unknown"
    logged_once(caplog)


async def test_a_home_needs_at_least_one_source(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """No inverter, no heat pump, no weather API: nothing would ever be polled."""
    result = await start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "no_source"}
    mock_openmeteo(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], choose(weather=["openmeteo"])
    )
    result = await answer(hass, result, "local", {"path": str(lake)})
    assert result["type"] is FlowResultType.CREATE_ENTRY

    other = lake.parent / "other"
    other.mkdir()
    result = await home(hass, other).start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], choose())
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "no_source"}


# The test plugin swaps HA's resolver for one shared by every test; use HA's own.
@pytest.mark.usefixtures("disable_mock_zeroconf_resolver", "mock_async_zeroconf")
async def test_host_names_resolve_through_the_shared_session(
    hass: HomeAssistant, loopback_api: LoopbackApi, lake: Path
) -> None:
    """HA's shared session resolves a name (aiodns with a pycares it can call).

    Everything else in the suite talks to IP literals, which skip the resolver, so a
    lock update that breaks DNS would otherwise go unnoticed.
    """
    port = loopback_api.url.rsplit(":", 1)[1]
    serve_fronius(loopback_api)
    session = async_get_clientsession(hass)
    async with session.get(f"http://localhost:{port}/solar_api/v1/GetLoggerInfo.cgi") as reply:
        assert reply.status == 200

    # The flow, with the inverter's address typed as a name.
    result = await start(hass, solar="fronius")
    result = await answer(hass, result, "local", {"path": str(lake)})
    result = await answer(hass, result, "fronius", {"host": "not a host!!"})
    assert result["errors"] == {"base": "cannot_connect"}
    result = await answer(hass, result, "fronius", {"host": f"http://localhost:{port}"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["sources"]["fronius"]["device_id"] == FRONIUS_SERIAL
