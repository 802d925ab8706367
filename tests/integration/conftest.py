"""Fixtures for the Home Assistant tests: entries, real recorded API answers, the lake.

HTTP goes through ``aioclient_mock``, which replaces Home Assistant's shared aiohttp
session; every answer it gives is a recorded answer from ``tests/fixtures/<vendor>/``
(see the SOURCES.md there). Variants (a later timestamp, a missing field) are derived
from those files in code, where the test says so.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterator
import gzip
import io
import json
import os
from pathlib import Path
import sys
from typing import Any
from unittest.mock import patch

from homeassistant import block_async_io
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.home_energy_lake import budgets
from custom_components.home_energy_lake.const import DOMAIN
from tests.api.conftest import LoopbackApi, Replay, fixture_bytes, loopback_api

__all__ = ["loopback_api"]  # a fixture: a real HTTP server on 127.0.0.1

FIXTURES = Path(__file__).parents[1] / "fixtures"

LATITUDE = 52.5244
LONGITUDE = 13.4105
FRONIUS_HOST = "192.168.1.20"
FRONIUS_URL = f"http://{FRONIUS_HOST}/solar_api/v1"
OPENMETEO_URL = "https://api.open-meteo.com/v1/forecast"
METNO_URL = "https://api.met.no/weatherapi/locationforecast/2.0/compact"
OWM_URL = "https://api.openweathermap.org/data"
SOLAREDGE_URL = "https://monitoringapi.solaredge.com/site/1"
EMONCMS_URL = "http://emonpi.local"

FRONIUS_SERIAL = "123.4567890"
OPENMETEO_ID = "openmeteo_52.52_13.41"
METNO_ID = "metno_52.52_13.41"
OWM_ID = "owm_52.52_13.41"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load integrations from custom_components in every test here."""


OUR_CODE = str(Path(__file__).parents[2] / "custom_components" / DOMAIN)
FILE_CALLS = (
    (builtins, "open"),
    (io, "open"),
    (os, "open"),
    (os, "stat"),
    (os, "lstat"),
    (os, "mkdir"),
    (os, "makedirs"),
    (os, "listdir"),
    (os, "scandir"),
    (os, "unlink"),
    (os, "rename"),
    (os, "replace"),
    (os, "fsync"),
    (os, "rmdir"),
)


def _called_from_our_code_in_the_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False  # a worker thread: where file work belongs
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.endswith(("linecache.py", "traceback.py")) or "/coverage/" in filename:
            # asyncio's debug mode reading source for a traceback, or coverage.py's
            # tracer looking up a file it sees for the first time: not our I/O.
            return False
        if filename.startswith(OUR_CODE) and frame.f_code.co_name != "<module>":
            return True
        frame = frame.f_back
    return False


@pytest.fixture(autouse=True)
def no_file_io_in_the_loop() -> Iterator[None]:
    """Fail on file system calls made by the integration (or its lake) on the event loop.

    Home Assistant's own detector skips ``open``, ``listdir`` and ``scandir`` under
    tests; this guard covers them and the other calls the spool and the local lake use.
    """
    originals = [(owner, name, getattr(owner, name)) for owner, name in FILE_CALLS]

    def guard(name: str, original: Any) -> Any:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if _called_from_our_code_in_the_loop():
                raise RuntimeError(f"blocking {name}{args[:1]} on the event loop")
            return original(*args, **kwargs)

        return guarded

    for owner, name, original in originals:
        setattr(owner, name, guard(name, original))
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


@pytest.fixture(autouse=True)
def blocking_io_detector(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Run every test with Home Assistant's blocking-I/O detector on, as a real hass does.

    The test plugin does not turn it on. Blocking sleeps and HTTP requests then raise;
    the other blocking calls it knows are reported in the log, and any report fails the
    test. (Under tests, Home Assistant itself leaves open/listdir/scandir unchecked.)
    """
    block_async_io.enable()
    try:
        yield
    finally:
        calls = block_async_io._BLOCKED_CALLS.calls
        for call in calls:
            setattr(call.object, call.function, call.original_func)
        calls.clear()
    assert "Detected blocking call" not in caplog.text


@pytest.fixture(autouse=True)
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Give each test its own config folder: the spool and the default lake live there."""
    hass.config.config_dir = str(tmp_path)
    hass.config.latitude = LATITUDE
    hass.config.longitude = LONGITUDE
    return tmp_path


def fixture_text(relative: str) -> str:
    """A recorded answer, exactly as stored."""
    return (FIXTURES / relative).read_text(encoding="utf-8")


def fixture_json(relative: str) -> Any:
    """A recorded answer, decoded."""
    return json.loads(fixture_text(relative))


JSON = {"content-type": "application/json"}


def mock_fronius(
    aioclient_mock: AiohttpClientMocker,
    *,
    powerflow: str | dict[str, Any] = "fronius/symo_powerflow_day.json",
    meter: str = "fronius/symo_meter_system.json",
    inverter: str = "fronius/symo_inverter_day.json",
    storage: str = "fronius/symo_storage_error255.json",
    status: int = 200,
) -> None:
    """A Symo with a Datamanager and a smart meter, no battery (storage answers 255).

    The meter and inverter answers were recorded on other days than the power flows;
    they are served stamped with the power flow's time (derived), as a device read
    seconds apart would stamp them, so the client merges them into its reading.
    """
    body = powerflow if isinstance(powerflow, dict) else fixture_json(powerflow)
    aioclient_mock.get(
        f"{FRONIUS_URL}/GetPowerFlowRealtimeData.fcgi", text=json.dumps(body), status=status,
        headers=JSON,
    )  # fmt: skip
    for path, name in (
        ("GetMeterRealtimeData.cgi", meter),
        ("GetInverterRealtimeData.cgi", inverter),
    ):
        slow = fixture_json(name)
        slow["Head"]["Timestamp"] = body["Head"]["Timestamp"]
        aioclient_mock.get(
            f"{FRONIUS_URL}/{path}", text=json.dumps(slow), status=status, headers=JSON
        )
    for path, name in (
        ("GetStorageRealtimeData.cgi", storage),
        ("GetLoggerInfo.cgi", "fronius/symo_logger_info.json"),
        ("GetInverterInfo.cgi", "fronius/symo_inverter_info.json"),
        ("GetArchiveData.cgi", "fronius/symo_archive_dailysum.json"),
    ):
        aioclient_mock.get(
            f"{FRONIUS_URL}/{path}", text=fixture_text(name), status=status, headers=JSON
        )


def serve_fronius(api: LoopbackApi) -> None:
    """A Symo's logger and inverter info, as recorded, from a real server on loopback.

    For tests whose point is the real HTTP path (name resolution, or the Azure SDK,
    which shares HA's session that ``aioclient_mock`` would replace).
    """
    for path, name in (
        ("/solar_api/v1/GetLoggerInfo.cgi", "fronius/symo_logger_info.json"),
        ("/solar_api/v1/GetInverterInfo.cgi", "fronius/symo_inverter_info.json"),
    ):
        api.reply(path, Replay(fixture_bytes(name)))


def powerflow_at(timestamp: str, **site: Any) -> dict[str, Any]:
    """The recorded Symo day power flow with another timestamp and site values (derived)."""
    body = fixture_json("fronius/symo_powerflow_day.json")
    body["Head"]["Timestamp"] = timestamp
    body["Body"]["Data"]["Site"].update(site)
    return body


def mock_openmeteo(aioclient_mock: AiohttpClientMocker, *, status: int = 200) -> None:
    """Berlin, November 2021, with radiation."""
    aioclient_mock.get(
        OPENMETEO_URL,
        text=fixture_text("openmeteo/forecast_berlin_2021_radiation_EXCERPT.json"),
        status=status,
        headers=JSON,
    )


def mock_metno(aioclient_mock: AiohttpClientMocker, *, expires: str | None = None) -> None:
    """Berlin, October 2026; ``expires`` is the Expires header MET would send."""
    headers = {**JSON, "last-modified": "Mon, 05 Oct 2026 05:00:00 GMT"}
    if expires is not None:
        headers["expires"] = expires
    aioclient_mock.get(
        METNO_URL, text=fixture_text("metno/compact_berlin_2026_EXCERPT.json"), headers=headers
    )


def mock_owm(aioclient_mock: AiohttpClientMocker, *, current_status: int = 200) -> None:
    """London current weather and an assembled metric One Call answer."""
    current = (
        "owm/current_metric_london.json"
        if current_status == 200
        else "owm/error_401_invalid_api_key.json"
    )
    aioclient_mock.get(
        f"{OWM_URL}/2.5/weather", text=fixture_text(current), status=current_status, headers=JSON
    )
    aioclient_mock.get(
        f"{OWM_URL}/3.0/onecall", text=fixture_text("owm/onecall_metric_ASSEMBLED.json"),
        headers=JSON,
    )  # fmt: skip


def identity(
    manufacturer: str, name: str | None = None, model: str | None = None
) -> dict[str, Any]:
    """What the config flow stores about a tested source."""
    return {"manufacturer": manufacturer, "model": None, "name": name, "sw_version": None}


FRONIUS_CONF = {
    "host": FRONIUS_HOST,
    "device_id": FRONIUS_SERIAL,
    "identity": {
        "manufacturer": "Fronius",
        "model": "fronius-datamanager-card",
        "name": "Symo",
        "sw_version": "3.18.7-1",
    },
}
OPENMETEO_CONF = {"device_id": OPENMETEO_ID, "identity": identity("Open-Meteo", "Open-Meteo")}
METNO_CONF = {"device_id": METNO_ID, "identity": identity("MET Norway", "MET Norway")}


def make_entry(
    hass: HomeAssistant,
    lake: Path,
    sources: dict[str, Any],
    *,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """An entry for a home with ``sources`` and a local lake at ``lake``, added to hass."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id=f"local:{lake}",
        data={
            "latitude": LATITUDE,
            "longitude": LONGITUDE,
            "sources": sources,
            "lake": {"backend": "local", "path": str(lake)},
        },
        options=options or {},
    )
    entry.add_to_hass(hass)
    return entry


def entry_device(hass: HomeAssistant, entry: ConfigEntry[Any], key: str) -> dr.DeviceEntry | None:
    """The device of ``entry`` whose identifier is ``key`` in our domain.

    Looked up through the entry: ``DeviceRegistry.async_get_device`` is deprecated
    since HA 2026.8, and its replacement does not exist in 2025.4.
    """
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return next((d for d in devices if (DOMAIN, key) in d.identifiers), None)


@pytest.fixture
def reloads(hass: HomeAssistant) -> Iterator[list[str]]:
    """The ids of the entries reloaded while the test runs, once per reload."""
    calls: list[str] = []
    original = hass.config_entries.async_reload

    async def counted(entry_id: str) -> bool:
        calls.append(entry_id)
        return await original(entry_id)

    with patch.object(hass.config_entries, "async_reload", counted):
        yield calls


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """An existing, empty lake folder."""
    root = tmp_path / "lake"
    root.mkdir()
    return root


def read_lake(root: Path) -> list[dict[str, Any]]:
    """Every envelope in the sealed segments under ``root``, with its path as ``_path``."""
    records = []
    for path in sorted(root.rglob("*.jsonl.gz")):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            record = json.loads(line)
            record["_path"] = str(path.relative_to(root))
            records.append(record)
    return records


@pytest.fixture(autouse=True)
def fronius_unspaced(hass: HomeAssistant) -> None:
    """Drop the 4 s spacing between Fronius requests: tests must not sleep for real.

    The spacing itself is the API client's and is tested there; here the shared
    budget of the test host is registered first, without it.
    """
    budgets(hass).get("fronius", FRONIUS_HOST, min_interval=0.0)
