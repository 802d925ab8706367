"""Diagnostics, system health and the lake's repair issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import shutil

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, get_system_health_info
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.home_energy_lake.api.models import RawAnswer
from custom_components.home_energy_lake.const import DOMAIN
from custom_components.home_energy_lake.coordinator import expires_in
from custom_components.home_energy_lake.lake.backend import ErrorKind
from custom_components.home_energy_lake.lake.record import BronzeRecord
from tests.lake.fake_adls import ACCOUNT, FakeAdls

from .conftest import (
    FRONIUS_CONF,
    OPENMETEO_CONF,
    OWM_ID,
    make_entry,
    mock_fronius,
    mock_owm,
)
from .test_sensor import setup, tick


async def test_diagnostics_redact_secrets_and_location(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
) -> None:
    """Keys, hosts and coordinates never leave in a diagnostics download."""
    mock_fronius(aioclient_mock)
    mock_owm(aioclient_mock)
    owm = {"api_key": "secret-owm-key", "device_id": OWM_ID, "identity": {}}
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "owm": owm})
    await setup(hass, entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert "secret-owm-key" not in text
    assert "192.168.1.20" not in text
    assert "52.5244" not in text
    assert "13.4105" not in text
    data = diagnostics["entry"]["data"]
    assert data["latitude"] == "**REDACTED**"
    assert data["sources"]["owm"]["api_key"] == "**REDACTED**"
    assert data["sources"]["fronius"]["host"] == "**REDACTED**"
    fronius = diagnostics["sources"]["fronius"]
    assert fronius["last_update_success"] is True
    assert fronius["reading"]["pv_power"] == 1111.0
    assert fronius["update_interval_seconds"] == 10.0
    assert diagnostics["sources"]["owm"]["quota_left"] == 999
    # The folder may name the user (/home/alice/...): only the kind of store stays.
    assert diagnostics["lake"]["store"] == "local folder **REDACTED**"
    assert diagnostics["lake"]["status"]["spool_full"] is False


async def test_system_health(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, lake: Path
) -> None:
    """One line per source and the lake's backlog."""
    assert await async_setup_component(hass, "system_health", {})
    mock_fronius(aioclient_mock)
    aioclient_mock.get("https://api.open-meteo.com/v1/forecast", status=502)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF, "openmeteo": OPENMETEO_CONF})
    await setup(hass, entry)
    info = await get_system_health_info(hass, DOMAIN)
    assert info["fronius"] == "ok"
    assert info["openmeteo"].startswith("failing: Reading Open-Meteo failed")
    assert info["lake"] == f"local folder {lake}"
    assert info["lake_backlog"] == "0 segments, 0 bytes"
    assert info["lake_error"] == "none"


async def test_store_unreachable_for_an_hour_raises_an_issue(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Uploads failing for an hour become a repair issue, which goes once they work."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF})
    await setup(hass, entry)
    writer = entry.runtime_data.writer
    issue = f"store_unreachable_{entry.entry_id}"

    await hass.async_add_executor_job(shutil.rmtree, lake)  # the share is gone
    await writer.async_flush(seal=True)
    await hass.async_block_till_done()
    assert writer.status.upload_error is not None
    assert issue_registry.async_get_issue(DOMAIN, issue) is None  # not yet: it may pass
    await tick(hass, freezer, 30 * 60)
    assert issue_registry.async_get_issue(DOMAIN, issue) is None
    await tick(hass, freezer, 35 * 60)
    found = issue_registry.async_get_issue(DOMAIN, issue)
    assert found is not None
    assert found.translation_key == "store_unreachable"
    assert found.translation_placeholders["title"] == "Home"

    await hass.async_add_executor_job(lake.mkdir)
    await writer.async_flush(seal=True)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue) is None


async def test_spool_full_raises_an_issue(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    lake: Path,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Answers refused by a full spool are reported, not dropped silently."""
    mock_fronius(aioclient_mock)
    entry = make_entry(hass, lake, {"fronius": FRONIUS_CONF}, options={"spool_max_mb": 16})
    await setup(hass, entry)
    writer = entry.runtime_data.writer
    record = BronzeRecord(
        "solar", "fronius", "x", "archive", datetime.now(UTC), 200, b"x" * (1 << 20)
    )
    # Append until the writer refuses; no await in between, so the spool cannot drain.
    accepted = 0
    while writer.append(record) and accepted < 40:
        accepted += 1
    assert 0 < accepted < 40
    assert writer.status.spool_full
    found = issue_registry.async_get_issue(DOMAIN, f"spool_full_{entry.entry_id}")
    assert found is not None
    assert found.translation_placeholders["refused"] == "1"
    assert hass.states.get("sensor.home_lake_spool").state == "full"


def test_expires_header_parsing() -> None:
    """Only a readable, zoned Expires date sets a wait."""
    now = datetime(2026, 10, 5, 5, 30, tzinfo=UTC)

    def answer(expires: str) -> RawAnswer:
        return RawAnswer("compact", "u", 200, now, b"{}", headers={"expires": expires})

    assert expires_in([answer("0")], now) is None
    assert expires_in([answer("Mon, 05 Oct 2026 06:00:00")], now) is None
    assert expires_in([RawAnswer("compact", "u", 304, now, b"")], now) is None
    later = answer("Mon, 05 Oct 2026 06:00:00 GMT")
    assert expires_in([answer("Mon, 05 Oct 2026 05:40:00 GMT"), later], now) == timedelta(
        minutes=30
    )


async def test_refused_lake_credential_starts_reauth(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """An ADLS key the store refuses at upload time asks the user for a new one."""
    async with FakeAdls() as adls:
        # A home with no source yet: only the lake, reached over real loopback HTTP.
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Home",
            unique_id=f"adls:{adls.account_url}/bronze/",
            data={
                "latitude": 52.5244,
                "longitude": 13.4105,
                "sources": {},
                "lake": {
                    "backend": "adls",
                    "account_name": ACCOUNT,
                    "filesystem": "bronze",
                    "auth": "account_key",
                    "account_key": "d3Jvbmcga2V5",
                    "endpoint": adls.account_url,
                },
            },
        )
        entry.add_to_hass(hass)
        await setup(hass, entry)
        writer = entry.runtime_data.writer
        writer.append(
            BronzeRecord("weather", "openmeteo", "x", "forecast", datetime.now(UTC), 200, b"{}")
        )
        await writer.async_flush(seal=True)
        await hass.async_block_till_done()
        assert writer.status.upload_error_kind is ErrorKind.AUTH_FAILED
        flows = [
            f
            for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if f["context"]["source"] == SOURCE_REAUTH
        ]
        assert len(flows) == 1
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_expired_sas_token_asks_for_a_new_one(hass: HomeAssistant) -> None:
    """A SAS token that expired since the flow checked it stops setup and starts reauth."""
    expired = "sv=2022-11-02&ss=b&srt=o&sp=racwdl&se=2026-01-01T00:00:00Z&sig=c2lnbmF0dXJl"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="adls:https://lakeaccount.dfs.core.windows.net/bronze/",
        data={
            "latitude": 52.5244,
            "longitude": 13.4105,
            "sources": {},
            "lake": {
                "backend": "adls",
                "account_name": "lakeaccount",
                "filesystem": "bronze",
                "auth": "sas",
                "sas_token": expired,
            },
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
