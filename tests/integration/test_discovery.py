"""DHCP discovery: a Fronius on the LAN is offered, followed to a new address, or refused."""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_IGNORE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.loader import async_get_dhcp
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.home_energy_lake.config_flow import FRONIUS_MAC_PREFIX
from custom_components.home_energy_lake.const import DOMAIN

from .conftest import (
    FRONIUS_CONF,
    FRONIUS_HOST,
    FRONIUS_SERIAL,
    JSON,
    OPENMETEO_CONF,
    fixture_text,
    make_entry,
    mock_fronius,
)
from .test_config_flow import answer, choose, mock_setup_entry  # noqa: F401 (a fixture)

FRONIUS_MAC = "0003ac1a2b3c"
NEW_HOST = "192.168.1.77"


def announcement(ip: str = FRONIUS_HOST, mac: str = FRONIUS_MAC) -> DhcpServiceInfo:
    """What HA's dhcp integration hands over when a device asks for an address."""
    return DhcpServiceInfo(ip=ip, hostname="fronius-datamanager", macaddress=mac)


async def discover(hass: HomeAssistant, info: DhcpServiceInfo) -> dict[str, object]:
    result: dict[str, object] = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=info
    )
    return result


def serve_fronius_at(aioclient_mock: AiohttpClientMocker, host: str) -> None:
    """A Symo answering the Solar API's identity endpoints at ``host``."""
    for path, name in (
        ("GetLoggerInfo.cgi", "fronius/symo_logger_info.json"),
        ("GetInverterInfo.cgi", "fronius/symo_inverter_info.json"),
    ):
        aioclient_mock.get(
            f"http://{host}/solar_api/v1/{path}", text=fixture_text(name), headers=JSON
        )


async def test_a_discovered_fronius_is_confirmed_then_set_up(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, config_dir: Path
) -> None:
    mock_fronius(aioclient_mock)
    result = await discover(hass, announcement())
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    placeholders = result["description_placeholders"]
    assert placeholders == {
        "name": "Fronius Symo 20",
        "serial": FRONIUS_SERIAL,
        "host": FRONIUS_HOST,
    }
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows[0]["context"]["title_placeholders"] == {"name": "Fronius Symo 20"}

    result = await answer(hass, result, "discovery_confirm", {})
    # The first form comes with the Fronius chosen; the inverter is not asked for again.
    assert result["step_id"] == "user"
    result = await answer(hass, result, "user", choose(solar="fronius"))
    result = await answer(hass, result, "local", {"path": "home_energy_lake/lake"})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    fronius = result["data"]["sources"]["fronius"]
    assert fronius["host"] == FRONIUS_HOST
    assert fronius["device_id"] == FRONIUS_SERIAL
    assert result["result"].unique_id == f"local:{config_dir / 'home_energy_lake' / 'lake'}"


async def test_the_same_inverter_announcing_twice_is_offered_once(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_fronius(aioclient_mock)
    assert (await discover(hass, announcement()))["type"] is FlowResultType.FORM
    second = await discover(hass, announcement())
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"


async def test_a_configured_fronius_at_a_new_address_is_followed(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, reloads: list[str]
) -> None:
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    serve_fronius_at(aioclient_mock, NEW_HOST)

    result = await discover(hass, announcement(ip=NEW_HOST))
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "fronius_already_configured"
    assert entry.data["sources"]["fronius"]["host"] == NEW_HOST
    assert entry.data["sources"]["fronius"]["device_id"] == FRONIUS_SERIAL
    assert reloads == [entry.entry_id]


async def test_a_configured_fronius_at_its_address_changes_nothing(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path, reloads: list[str]
) -> None:
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    mock_fronius(aioclient_mock)
    before = dict(entry.data)

    result = await discover(hass, announcement())

    await hass.async_block_till_done()
    assert result["reason"] == "fronius_already_configured"
    assert dict(entry.data) == before
    assert reloads == []


async def test_an_ignored_inverter_stays_ignored(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=FRONIUS_SERIAL).add_to_hass(hass)
    mock_fronius(aioclient_mock)
    result = await discover(hass, announcement())
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_another_vendors_mac_is_refused(hass: HomeAssistant) -> None:
    result = await discover(hass, announcement(mac="b827eb123456"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_fronius"


async def test_a_device_without_the_solar_api_is_refused(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"http://{NEW_HOST}/solar_api/v1/GetLoggerInfo.cgi", status=404)
    aioclient_mock.get(f"http://{NEW_HOST}/solar_api/v1/GetInverterInfo.cgi", status=404)
    result = await discover(hass, announcement(ip=NEW_HOST))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_solar_api"
    assert result["description_placeholders"] == {"host": NEW_HOST}


async def test_homes_without_this_inverter_do_not_hide_it(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, tmp_path: Path
) -> None:
    make_entry(hass, tmp_path / "a", {"fronius": {**FRONIUS_CONF, "device_id": "987.654"}})
    make_entry(hass, tmp_path / "b", {"openmeteo": OPENMETEO_CONF})
    mock_fronius(aioclient_mock)
    result = await discover(hass, announcement())
    result = await answer(hass, result, "discovery_confirm", {})
    result = await answer(hass, result, "user", choose(solar="fronius"))
    result = await answer(hass, result, "local", {"path": "home_energy_lake/lake"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["sources"]["fronius"]["device_id"] == FRONIUS_SERIAL


async def test_home_assistant_reads_the_fronius_matcher_from_the_manifest(
    hass: HomeAssistant,
) -> None:
    ours = [m for m in await async_get_dhcp(hass) if m["domain"] == DOMAIN]
    core = [m for m in await async_get_dhcp(hass) if m["domain"] == "fronius"]
    assert [m["macaddress"] for m in ours] == [m["macaddress"] for m in core] == ["0003AC*"]
    # The flow checks the same block.
    assert format_mac(ours[0]["macaddress"].replace("*", "000000")).startswith(FRONIUS_MAC_PREFIX)
