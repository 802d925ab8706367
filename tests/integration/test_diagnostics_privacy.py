"""Diagnostics a user can post: any entry state, nothing that finds their host, account or home.

Every identifying field of every vendor and of both lake backends is set to a value
that appears nowhere else; the config-entry and device downloads must not contain any
of them, nor the hosts inside the URLs, anywhere in their JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_energy_lake.const import DOMAIN
from custom_components.home_energy_lake.entity import source_device_key
from custom_components.home_energy_lake.store import entry_title

from .conftest import (
    EMONCMS_URL,
    FRONIUS_CONF,
    FRONIUS_HOST,
    FRONIUS_SERIAL,
    JSON,
    fixture_text,
    mock_fronius,
)
from .test_sensor import setup


def _identity(name: str) -> dict[str, Any]:
    return {"manufacturer": "Vendor", "model": "Model X", "name": name, "sw_version": "1.2.3"}


SOURCES: dict[str, dict[str, Any]] = {
    "fronius": {
        "host": "fronius-secret-host.example",
        "device_id": "SERIAL-SECRET-1",
        "identity": _identity("Inverter"),
    },
    "solaredge": {
        "site_id": "SECRET-SITE-77",
        "api_key": "SECRET-SOLAREDGE-KEY",
        "base_url": "https://solaredge-mirror-secret.example/",
        "device_id": "SECRET-SITE-77",
        "identity": _identity("Site SECRET-SITE-77"),
    },
    "emoncms": {
        "url": "https://emoncms-secret-host.example:8443",
        "api_key": "SECRET-EMONCMS-KEY",
        "device_id": "emoncms-secret-host.example:8443-secretuser",
        "identity": _identity("Heat pump (emoncms-secret-host.example:8443)"),
    },
    "myuplink": {
        "base_url": "https://myuplink-mirror-secret.example",
        "device_id": "SECRET-MYUPLINK-DEVICE",
        "identity": _identity("Heat pump"),
    },
    "owm": {
        "api_key": "SECRET-OWM-KEY",
        "base_url": "https://owm-mirror-secret.example",
        "device_id": "owm_47.39_8.54",
        "identity": _identity("OpenWeatherMap"),
    },
    "openmeteo": {
        "base_url": "https://openmeteo-mirror-secret.example/v1",
        "device_id": "openmeteo_47.39_8.54",
        "identity": _identity("Open-Meteo"),
    },
    "metno": {
        "base_url": "https://metno-mirror-secret.example/weatherapi",
        "device_id": "metno_47.39_8.54",
        "identity": _identity("MET Norway"),
    },
}
LAKES: dict[str, dict[str, Any]] = {
    "local": {"backend": "local", "path": "/home/secret-alice/energy-lake"},
    "adls": {
        "backend": "adls",
        "account_name": "secretaccount",
        "filesystem": "secret-filesystem",
        "path_prefix": "secret/prefix",
        "auth": "service_principal",
        "account_key": "SECRET-ACCOUNT-KEY==",
        "sas_token": "sv=2024&sig=SECRET-SAS",
        "tenant_id": "SECRET-TENANT",
        "client_id": "SECRET-CLIENT",
        "client_secret": "SECRET-CLIENT-SECRET",
        "endpoint": "https://secret-endpoint.example",
    },
}
TOKEN = {"access_token": "SECRET-ACCESS-TOKEN", "refresh_token": "SECRET-REFRESH-TOKEN"}
LATITUDE, LONGITUDE = 47.3869, 8.5417

HOSTS = [
    "fronius-secret-host.example",
    "solaredge-mirror-secret.example",
    "emoncms-secret-host.example",
    "myuplink-mirror-secret.example",
    "owm-mirror-secret.example",
    "openmeteo-mirror-secret.example",
    "metno-mirror-secret.example",
    "secret-endpoint.example",
    "secretaccount",
]
KEPT = ["Vendor", "Model X", "1.2.3"]
"""What helps debugging and identifies nobody."""


def _secrets(lake: dict[str, Any]) -> list[str]:
    values = [
        str(value)
        for conf in SOURCES.values()
        for key, value in conf.items()
        if key in ("host", "site_id", "api_key", "base_url", "url", "device_id")
    ]
    values += [str(v) for k, v in lake.items() if k not in ("backend", "auth")]
    return [*values, *TOKEN.values(), *HOSTS, "secretuser", "47.3869", "8.5417", "47.39", "8.54"]


@pytest.fixture(autouse=True)
async def loaded_integration(hass: HomeAssistant) -> None:
    """Diagnostics and the integration set up, as in any HA, before the entry is added."""
    assert await async_setup_component(hass, "diagnostics", {})
    assert await async_setup_component(hass, DOMAIN, {})


def _entry(hass: HomeAssistant, lake: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        # The automatic title names the lake: its folder or ADLS account.
        title=entry_title(hass, lake),
        unique_id=f"{lake['backend']}:secret",
        data={
            "latitude": LATITUDE,
            "longitude": LONGITUDE,
            "sources": SOURCES,
            "lake": lake,
            "auth_implementation": "myuplink",
            "token": TOKEN,
        },
    )
    entry.add_to_hass(hass)
    registry = dr.async_get(hass)
    for vendor, conf in SOURCES.items():
        registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, source_device_key(vendor, conf["device_id"]))},
            manufacturer="Vendor",
            model="Model X",
            name=conf["identity"]["name"],
            sw_version="1.2.3",
        )
    return entry


async def _downloads(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> list[Any]:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return [
        await get_diagnostics_for_config_entry(hass, hass_client, entry),
        *[await get_diagnostics_for_device(hass, hass_client, entry, d) for d in devices],
    ]


def _assert_private(downloads: list[Any], secrets: list[str]) -> None:
    for download in downloads:
        text = json.dumps(download)
        leaked = [secret for secret in secrets if secret in text]
        assert leaked == [], (leaked, text[:2000])


@pytest.mark.parametrize("backend", LAKES)
@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (ConfigEntryState.NOT_LOADED, None),
        (ConfigEntryState.SETUP_RETRY, "Cannot connect to host fronius-secret-host.example:80"),
        (ConfigEntryState.SETUP_ERROR, "myUplink at https://myuplink-mirror-secret.example: 401"),
        (ConfigEntryState.FAILED_UNLOAD, None),
    ],
)
async def test_an_entry_that_is_not_loaded_downloads_without_identifying_anyone(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    backend: str,
    state: ConfigEntryState,
    reason: str | None,
) -> None:
    entry = _entry(hass, LAKES[backend])
    entry.mock_state(hass, state, reason)

    downloads = await _downloads(hass, hass_client, entry)

    assert len(downloads) == 1 + len(SOURCES)
    _assert_private(downloads, _secrets(LAKES[backend]))
    settings = downloads[0]["entry"]
    assert settings["state"] == state.value
    assert (settings["reason"] is None) == (reason is None)
    assert settings["data"]["sources"]["fronius"]["host"] == "**REDACTED**"
    assert downloads[0]["sources"] is None
    text = json.dumps(downloads)
    assert all(kept in text for kept in KEPT)
    vendors = {d["device"]["vendor"] for d in downloads[1:]}
    assert vendors == set(SOURCES)


async def test_a_loaded_entry_downloads_live_state_without_identifying_anyone(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    tmp_path: Path,
) -> None:
    mock_fronius(aioclient_mock)
    aioclient_mock.get(f"{EMONCMS_URL}/feed/list.json", status=503, headers=JSON)
    aioclient_mock.get(
        "https://openmeteo-mirror-secret.example/v1/forecast",
        text=fixture_text("openmeteo/forecast_berlin_2021_radiation_EXCERPT.json"),
        headers=JSON,
    )
    lake = tmp_path / "secret-bob" / "lake"
    lake.mkdir(parents=True)
    sources = {
        "fronius": FRONIUS_CONF,
        "emoncms": {**SOURCES["emoncms"], "url": EMONCMS_URL, "device_id": "emonpi.local-bob"},
        "openmeteo": SOURCES["openmeteo"],
    }
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=entry_title(hass, {"backend": "local", "path": str(lake)}),
        unique_id=f"local:{lake}",
        data={
            "latitude": LATITUDE,
            "longitude": LONGITUDE,
            "sources": sources,
            "lake": {"backend": "local", "path": str(lake)},
        },
    )
    entry.add_to_hass(hass)
    await setup(hass, entry)

    downloads = await _downloads(hass, hass_client, entry)

    sources_state = downloads[0]["sources"]
    assert sources_state["fronius"]["last_update_success"] is True
    # The emoncms error names its host; the host is gone, the error stays.
    assert "503" in sources_state["emoncms"]["last_error"]
    secrets = [
        FRONIUS_HOST,
        FRONIUS_SERIAL,
        "emonpi.local",
        "bob",
        str(lake),
        "SECRET-EMONCMS-KEY",
        "openmeteo-mirror-secret.example",
        "47.39",
        "8.54",
    ]
    _assert_private(downloads, secrets)
    lake_devices = [d for d in downloads[1:] if d["device"]["vendor"] == "lake"]
    assert lake_devices[0]["lake"]["status"]["spool_full"] is False
