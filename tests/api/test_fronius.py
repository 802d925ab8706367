"""Fronius Solar API v1 client, on real Symo, GEN24 and IG Plus answers."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
import json
import time
from typing import Any

import aiohttp
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.api.budget import RequestBudget
from custom_components.home_energy_lake.api.errors import (
    CannotConnectError,
    DeviceAsleepError,
    InvalidResponseError,
    NotSupportedError,
    SourceError,
)
from custom_components.home_energy_lake.api.fronius import (
    ARCHIVE_MIN_INTERVAL,
    MIN_REQUEST_INTERVAL,
    ArchiveValue,
    FroniusClient,
    check_status,
    parse_archive,
    parse_inverter,
    parse_inverter_info,
    parse_logger_info,
    parse_meter,
    parse_powerflow,
    parse_storage,
)
from custom_components.home_energy_lake.api.http import parse_json
from custom_components.home_energy_lake.api.models import DeviceIdentity, RawAnswer, SolarReading

from .conftest import LoopbackApi, Replay, fixture_bytes

FETCHED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
V1 = "/solar_api/v1"
POWERFLOW = f"{V1}/GetPowerFlowRealtimeData.fcgi"
INVERTER = f"{V1}/GetInverterRealtimeData.cgi"
METER = f"{V1}/GetMeterRealtimeData.cgi"
STORAGE = f"{V1}/GetStorageRealtimeData.cgi"
LOGGER_INFO = f"{V1}/GetLoggerInfo.cgi"
INVERTER_INFO = f"{V1}/GetInverterInfo.cgi"


def payload(name: str) -> Any:
    """Decode a recorded Fronius answer."""
    return json.loads(fixture_bytes(f"fronius/{name}"))


def replay(name: str) -> Replay:
    """Serve a recorded Fronius answer as the device sends it (HTTP 200, JSON)."""
    return Replay(fixture_bytes(f"fronius/{name}"))


def replay_stamped(name: str, timestamp: str) -> Replay:
    """A recorded answer with another ``Head.Timestamp`` (derived: the rest as recorded)."""
    body = json.loads(fixture_bytes(f"fronius/{name}"))
    body["Head"]["Timestamp"] = timestamp
    return Replay(json.dumps(body).encode())


def utc(text: str) -> datetime:
    """Parse an ISO time written in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def no_wait() -> RequestBudget:
    """A budget without spacing, so tests of other behaviour run fast."""
    return RequestBudget(min_interval=0)


# --- parse functions on every recorded answer ------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        pytest.param(
            "symo_powerflow_day.json",
            SolarReading(
                timestamp=utc("2021-10-07T08:00:43"),
                pv_power=1111.0,
                grid_power=1703.74,
                load_power=2814.7399999999998,
                battery_power=None,
                battery_soc=None,
                pv_energy_total=44188000.0,
            ),
            id="symo-day",
        ),
        pytest.param(
            # P_PV is null at night; the inverter itself reports P = 0 W.
            "symo_powerflow_night.json",
            SolarReading(
                timestamp=utc("2021-10-06T21:49:54"),
                pv_power=0.0,
                grid_power=975.30999999999995,
                load_power=975.30999999999995,
                pv_energy_total=44186900.0,
            ),
            id="symo-night-null-pv",
        ),
        pytest.param(
            # GEN24 without a battery: SOC 0.0 with Battery_Mode "disabled" is no SOC.
            "gen24_powerflow.json",
            SolarReading(
                timestamp=utc("2021-11-26T11:07:53"),
                pv_power=62.948148727416992,
                grid_power=658.39999999999998,
                load_power=695.68274917602537,
                battery_power=None,
                battery_soc=None,
                pv_energy_total=1530193.4199999999,
            ),
            id="gen24-day",
        ),
        pytest.param(
            "gen24_storage_powerflow.json",
            SolarReading(
                timestamp=utc("2021-11-28T13:12:20"),
                pv_power=216.43276786804199,
                grid_power=2274.9000000000001,
                load_power=2459.3092254638673,
                battery_power=0.15907810628414154,
                battery_soc=4.5999999999999996,
                pv_energy_total=7512664.4041666668,
            ),
            id="gen24-battery-day",
        ),
        pytest.param(
            # GEN24 at night reports P_PV 0.0 itself.
            "gen24_battery_powerflow_night.json",
            SolarReading(
                timestamp=utc("2023-11-02T20:18:43"),
                pv_power=0.0,
                grid_power=255.90000000000001,
                load_power=255.90000000000001,
                battery_power=0.0,
                battery_soc=74.099999999999994,
                pv_energy_total=239464.4975,
            ),
            id="gen24-battery-night",
        ),
    ],
)
def test_powerflow_readings(fixture: str, expected: SolarReading) -> None:
    assert parse_powerflow(payload(fixture), FETCHED_AT) == expected


def test_asleep_ig_plus_at_night() -> None:
    with pytest.raises(DeviceAsleepError):
        parse_powerflow(payload("igplus_powerflow_night.json"), FETCHED_AT)


def test_null_pv_stays_unknown_when_an_inverter_still_delivers_power() -> None:
    answer = payload("symo_powerflow_night.json")
    answer["Body"]["Data"]["Inverters"]["1"]["P"] = 350  # e.g. a hybrid on its battery
    assert parse_powerflow(answer, FETCHED_AT).pv_power is None


def test_powerflow_with_site_fields_missing() -> None:
    """Night answers drop fields; what is absent is None, never 0."""
    answer = payload("symo_powerflow_night.json")
    site = answer["Body"]["Data"]["Site"]
    for key in ("P_Grid", "P_Load", "E_Total"):
        del site[key]
    del answer["Head"]["Timestamp"]
    assert parse_powerflow(answer, FETCHED_AT) == SolarReading(timestamp=FETCHED_AT, pv_power=0.0)


def test_negative_pv_while_waking_up_is_zero() -> None:
    answer = payload("symo_powerflow_day.json")
    answer["Body"]["Data"]["Site"]["P_PV"] = -3.5
    answer["Body"]["Data"]["Site"]["P_Load"] = 12.0  # load briefly "generating"
    reading = parse_powerflow(answer, FETCHED_AT)
    assert reading.pv_power == 0.0
    assert reading.load_power == 0.0


@pytest.mark.parametrize(
    ("fixture", "timestamp", "total"),
    [
        ("symo_inverter_day.json", "2021-10-07T08:01:17", 44188000.0),
        ("symo_inverter_night.json", "2021-10-06T19:16:59", 44186900.0),
        ("gen24_inverter.json", "2021-11-26T11:07:53", 1530193.4199999999),
    ],
)
def test_inverter_lifetime_energy(fixture: str, timestamp: str, total: float) -> None:
    assert parse_inverter(payload(fixture), FETCHED_AT) == SolarReading(
        timestamp=utc(timestamp), pv_energy_total=total
    )


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "symo_meter_system.json",
            SolarReading(
                timestamp=utc("2021-10-11T18:31:18"),
                grid_power=5592.5699999999997,
                grid_import_energy_total=15303334.0,
                grid_export_energy_total=35623065.0,
            ),
        ),
        (
            "gen24_meter_system.json",
            SolarReading(
                timestamp=utc("2021-11-26T11:07:52"),
                grid_power=653.10000000000002,
                grid_import_energy_total=2013105.0,
                grid_export_energy_total=3863340.0,
            ),
        ),
    ],
)
def test_meter_counters(fixture: str, expected: SolarReading) -> None:
    assert parse_meter(payload(fixture), FETCHED_AT) == expected


def test_meter_at_the_load_is_not_a_grid_meter() -> None:
    answer = payload("symo_meter_system.json")
    answer["Body"]["Data"]["0"]["Meter_Location_Current"] = 1
    with pytest.raises(NotSupportedError):
        parse_meter(answer, FETCHED_AT)


def test_storage_state_of_charge() -> None:
    assert parse_storage(payload("gen24_storage_storage_system.json"), FETCHED_AT) == (
        SolarReading(timestamp=utc("2021-11-28T13:10:57"), battery_soc=4.5999999999999996)
    )


@pytest.mark.parametrize("fixture", ["symo_storage_error255.json", "gen24_storage_empty.json"])
def test_no_battery_is_not_supported(fixture: str) -> None:
    with pytest.raises(NotSupportedError):
        parse_storage(payload(fixture), FETCHED_AT)


def test_identities() -> None:
    assert parse_logger_info(payload("symo_logger_info.json"), FETCHED_AT) == DeviceIdentity(
        unique_id="123.4567890",
        manufacturer="Fronius",
        model="fronius-datamanager-card",
        sw_version="3.18.7-1",
    )
    assert parse_inverter_info(payload("symo_inverter_info.json"), FETCHED_AT) == (
        DeviceIdentity(unique_id="1234567", manufacturer="Fronius", name="Symo 20")
    )
    assert parse_inverter_info(payload("gen24_inverter_info.json"), FETCHED_AT) == (
        DeviceIdentity(unique_id="12345678", manufacturer="Fronius", name="Inverter name")
    )
    with pytest.raises(NotSupportedError):
        parse_logger_info(payload("gen24_logger_info_error11.json"), FETCHED_AT)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (1, NotSupportedError),
        (2, CannotConnectError),
        (5, CannotConnectError),
        (6, InvalidResponseError),
        (7, CannotConnectError),
        (8, CannotConnectError),
        (10, InvalidResponseError),
        (11, NotSupportedError),
        (12, DeviceAsleepError),
        (255, NotSupportedError),
        (42, InvalidResponseError),
        ("0", InvalidResponseError),
        (True, InvalidResponseError),
    ],
)
def test_status_codes_inside_http_200(code: object, error: type[SourceError]) -> None:
    answer = payload("symo_storage_error255.json")
    answer["Head"]["Status"]["Code"] = code
    with pytest.raises(error):
        check_status(answer, "storage")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda a: a.pop("Head"), id="no-head"),
        pytest.param(lambda a: a["Head"].pop("Status"), id="no-status"),
        pytest.param(lambda a: a.pop("Body"), id="no-body"),
        pytest.param(lambda a: a["Body"].pop("Data"), id="no-data"),
        pytest.param(lambda a: a["Body"]["Data"].update(Site=[1, 2]), id="site-not-object"),
        pytest.param(lambda a: a["Body"]["Data"]["Site"].update(P_PV="1111"), id="pv-text"),
        pytest.param(lambda a: a["Body"]["Data"]["Site"].update(P_Grid=True), id="grid-bool"),
        pytest.param(lambda a: a["Head"].update(Timestamp="yesterday"), id="bad-time"),
        pytest.param(lambda a: a["Head"].update(Timestamp="2021-10-07T10:00:43"), id="naive"),
        pytest.param(lambda a: a["Body"]["Data"]["Inverters"].update({"1": 5}), id="inverter"),
    ],
)
def test_malformed_powerflow(mangle: Any) -> None:
    answer = payload("symo_powerflow_day.json")
    mangle(answer)
    with pytest.raises(InvalidResponseError):
        parse_powerflow(answer, FETCHED_AT)


# --- the client over HTTP ----------------------------------------------------------


async def test_identify_symo_uses_the_data_logger_serial(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(LOGGER_INFO, replay("symo_logger_info.json"))
    loopback_api.reply(INVERTER_INFO, replay("symo_inverter_info.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    assert await client.async_identify() == DeviceIdentity(
        unique_id="123.4567890",
        manufacturer="Fronius",
        model="fronius-datamanager-card",
        name="Symo 20",
        sw_version="3.18.7-1",
    )


async def test_identify_gen24_falls_back_to_the_inverter_serial(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(LOGGER_INFO, replay("gen24_logger_info_error11.json"))
    loopback_api.reply(INVERTER_INFO, replay("gen24_inverter_info.json"))
    host = loopback_api.url.removeprefix("http://")  # a bare host:port works too
    client = FroniusClient(session, host, budget=no_wait())

    identity = await client.async_identify()

    assert identity == DeviceIdentity(
        unique_id="12345678", manufacturer="Fronius", name="Inverter name"
    )


async def test_symo_polls_power_flow_then_meter_and_inverter_in_turn(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(POWERFLOW, replay("symo_powerflow_night.json"))
    # The meter read 6 s after the power flow (23:49:54 local), as the polling plan does.
    loopback_api.reply(METER, replay_stamped("symo_meter_system.json", "2021-10-06T23:50:00+02:00"))
    loopback_api.reply(INVERTER, replay("symo_inverter_night.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    first = await client.async_fetch()
    second = await client.async_fetch()
    third = await client.async_fetch()

    assert [raw.endpoint for raw in first.raw] == ["powerflow", "meter"]
    assert [raw.endpoint for raw in second.raw] == ["powerflow", "inverter"]
    assert [raw.endpoint for raw in third.raw] == ["powerflow", "meter"]
    assert first.raw[0].body == fixture_bytes("fronius/symo_powerflow_night.json")
    assert first.reading == SolarReading(
        timestamp=utc("2021-10-06T21:49:54"),
        pv_power=0.0,
        grid_power=975.30999999999995,
        load_power=975.30999999999995,
        pv_energy_total=44186900.0,
        grid_import_energy_total=15303334.0,
        grid_export_energy_total=35623065.0,
    )
    # The meter's counters stand in for the poll that read the inverter instead.
    assert second.reading == first.reading
    assert [request.path for request in loopback_api.requests] == [
        POWERFLOW,
        METER,
        POWERFLOW,
        INVERTER,
        POWERFLOW,
        METER,
    ]
    assert dict(loopback_api.requests[1].query) == {"Scope": "System"}
    assert dict(loopback_api.requests[3].query) == {
        "Scope": "Device",
        "DeviceId": "1",
        "DataCollection": "CommonInverterData",
    }
    assert first.raw[1].url.endswith("GetMeterRealtimeData.cgi?Scope=System")


async def test_a_slow_answer_stamped_later_is_not_merged(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    """The recorded meter answer is stamped five days after this power flow: not its moment."""
    loopback_api.reply(POWERFLOW, replay("symo_powerflow_night.json"))  # 2021-10-06
    loopback_api.reply(METER, replay("symo_meter_system.json"))  # 2021-10-11
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    result = await client.async_fetch()

    assert [raw.endpoint for raw in result.raw] == ["powerflow", "meter"]
    assert result.reading.grid_import_energy_total is None
    assert result.reading.grid_export_energy_total is None
    assert result.reading.pv_energy_total == 44186900.0  # the power flow's own


@pytest.mark.parametrize(
    "answer",
    [
        replay("symo_storage_error255.json"),  # status 255: not supported
        Replay(b"", status=500, content_type="text/plain"),
        Replay(b"<html>busy</html>", content_type="text/html"),  # not JSON
        Replay(json.dumps({"Body": {"Data": {}}, "Head": {"Status": {"Code": 0}}}).encode()),
    ],
    ids=["status-255", "http-500", "not-json", "empty-data"],
)
async def test_a_refused_slow_answer_is_returned_once(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, answer: Replay
) -> None:
    """Whatever the slow endpoint answers, Bronze gets that answer exactly once."""
    loopback_api.reply(POWERFLOW, replay("symo_powerflow_night.json"))
    loopback_api.reply(METER, answer)
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    result = await client.async_fetch()

    assert [raw.endpoint for raw in result.raw] == ["powerflow", "meter"]
    assert result.raw[1].body == answer.body


async def test_gen24_with_battery_reads_its_storage(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(POWERFLOW, replay("gen24_storage_powerflow.json"))
    loopback_api.reply(METER, replay("gen24_meter_system.json"))
    loopback_api.reply(STORAGE, replay("gen24_storage_storage_system.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    await client.async_fetch()
    second = await client.async_fetch()

    assert [raw.endpoint for raw in second.raw] == ["powerflow", "storage"]
    assert second.reading == SolarReading(
        timestamp=utc("2021-11-28T13:12:20"),
        pv_power=216.43276786804199,
        grid_power=2274.9000000000001,
        load_power=2459.3092254638673,
        battery_power=0.15907810628414154,
        battery_soc=4.5999999999999996,
        pv_energy_total=7512664.4041666668,
        # The meter answer is two days older than this power flow: too old to stand in.
        grid_import_energy_total=None,
        grid_export_energy_total=None,
    )


async def test_storage_not_supported_is_not_asked_again(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    # A power flow that shows a battery, on a device whose storage endpoint says 255.
    loopback_api.reply(POWERFLOW, replay("gen24_battery_powerflow_night.json"))
    loopback_api.reply(METER, Replay(b"", status=500, content_type="text/plain"))
    loopback_api.reply(STORAGE, replay("symo_storage_error255.json"))
    loopback_api.reply(INVERTER, replay("gen24_inverter.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    results = [await client.async_fetch() for _ in range(4)]

    assert [len(result.raw) for result in results] == [2, 2, 2, 2]
    slow = [result.raw[1].endpoint for result in results]
    # Storage leaves the rotation after its 255; meter and inverter take turns.
    assert slow == ["meter", "storage", "meter", "inverter"]
    # The failed meter and the refused storage answers still reach Bronze.
    assert results[0].raw[1].status == 500
    assert results[1].raw[1].body == fixture_bytes("fronius/symo_storage_error255.json")
    # SOC keeps coming from the power flow.
    assert all(result.reading.battery_soc == 74.099999999999994 for result in results)
    assert all(result.reading.grid_import_energy_total is None for result in results)


async def test_device_without_slow_endpoints_reads_only_the_power_flow(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(POWERFLOW, replay("gen24_powerflow.json"))
    loopback_api.reply(METER, replay("symo_storage_error255.json"))
    loopback_api.reply(INVERTER, replay("gen24_logger_info_error11.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    for _ in range(2):
        await client.async_fetch()
    third = await client.async_fetch()

    assert [raw.endpoint for raw in third.raw] == ["powerflow"]
    assert len(loopback_api.requests) == 5


async def test_stale_slow_values_are_dropped(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(POWERFLOW, replay("symo_powerflow_night.json"))
    loopback_api.reply(METER, replay_stamped("symo_meter_system.json", "2021-10-06T23:50:00+02:00"))
    loopback_api.reply(INVERTER, replay("symo_inverter_day.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())
    first = await client.async_fetch()
    loopback_api.reply(POWERFLOW, replay("gen24_powerflow.json"))  # weeks later

    second = await client.async_fetch()

    assert first.reading.grid_import_energy_total == 15303334.0
    assert second.reading.grid_import_energy_total is None
    assert second.reading.grid_export_energy_total is None


async def test_inverter_counter_fills_a_missing_power_flow_total(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    answer = payload("symo_powerflow_day.json")
    answer["Body"]["Data"]["Site"]["E_Total"] = None
    answer["Body"]["Data"]["Site"]["P_Grid"] = None
    loopback_api.reply(POWERFLOW, Replay(json.dumps(answer).encode()))
    loopback_api.reply(INVERTER, replay("symo_inverter_day.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    first = await client.async_fetch()
    second = await client.async_fetch()

    assert first.reading.pv_energy_total == 44188000.0
    assert second.reading.pv_energy_total == 44188000.0


async def test_asleep_device_keeps_its_answer(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(POWERFLOW, replay("igplus_powerflow_night.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    with pytest.raises(DeviceAsleepError) as caught:
        await client.async_fetch()

    assert caught.value.raw is not None
    assert caught.value.raw.body == fixture_bytes("fronius/igplus_powerflow_night.json")


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (Replay(b"", status=503, content_type="text/plain"), CannotConnectError, "503"),
        (
            Replay(b"Solar API disabled by customer config", status=404, content_type="text/plain"),
            InvalidResponseError,
            "Solar API enabled",
        ),
        (Replay(b"", status=400, content_type="text/plain"), InvalidResponseError, "400"),
        (
            Replay(fixture_bytes("fronius/symo_powerflow_day.json")[:300]),
            InvalidResponseError,
            "not JSON",
        ),
        (Replay(b"<html>busy</html>", content_type="text/html"), InvalidResponseError, "JSON"),
    ],
)
async def test_error_answers_keep_the_raw_body(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    answer: Replay,
    error: type[SourceError],
    message: str,
) -> None:
    loopback_api.reply(POWERFLOW, answer)
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    with pytest.raises(error, match=message) as caught:
        await client.async_fetch()

    assert caught.value.raw is not None
    assert caught.value.raw.body == answer.body


async def test_unreachable_device(session: aiohttp.ClientSession) -> None:
    client = FroniusClient(session, "127.0.0.1:9", budget=no_wait())
    with pytest.raises(CannotConnectError):
        await client.async_fetch()


class RecordingBudget(RequestBudget):
    """A real budget that notes when each request was let through."""

    def __init__(self, min_interval: float) -> None:
        super().__init__(min_interval=min_interval)
        self.granted: list[float] = []

    async def acquire(self) -> None:
        await super().acquire()
        self.granted.append(time.monotonic())


async def test_every_request_goes_through_the_budget(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(POWERFLOW, replay("symo_powerflow_day.json"))
    loopback_api.reply(METER, replay("symo_meter_system.json"))
    budget = RecordingBudget(min_interval=0.3)
    client = FroniusClient(session, loopback_api.url, budget=budget)

    await client.async_fetch()

    assert len(budget.granted) == len(loopback_api.requests) == 2
    assert budget.granted[1] - budget.granted[0] >= 0.29


async def test_default_budget_waits_four_seconds_between_requests(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, budget_waits: list[float]
) -> None:
    loopback_api.reply(POWERFLOW, replay("symo_powerflow_day.json"))
    loopback_api.reply(METER, replay("symo_meter_system.json"))
    client = FroniusClient(session, loopback_api.url)

    await client.async_fetch()

    assert MIN_REQUEST_INTERVAL == 4.0
    assert len(budget_waits) == 1
    assert 3.5 < budget_waits[0] <= 4.0


async def test_clients_of_one_host_share_a_budget(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(INVERTER_INFO, replay("gen24_inverter_info.json"))
    loopback_api.reply(LOGGER_INFO, replay("gen24_logger_info_error11.json"))
    shared = RequestBudget(min_interval=0.2)
    first = FroniusClient(session, loopback_api.url, budget=shared)
    second = FroniusClient(session, loopback_api.url, budget=shared)

    started = time.monotonic()
    await asyncio.gather(first.async_identify(), second.async_identify())

    # Four requests, each at least 0.2 s after the one before.
    assert time.monotonic() - started >= 0.59


# --- property-based: arbitrary and truncated answers raise only SourceError --------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
PARSERS = [
    (parse_powerflow, "symo_powerflow_day.json"),
    (parse_powerflow, "gen24_storage_powerflow.json"),
    (parse_inverter, "gen24_inverter.json"),
    (parse_meter, "symo_meter_system.json"),
    (parse_storage, "gen24_storage_storage_system.json"),
    (parse_logger_info, "symo_logger_info.json"),
    (parse_inverter_info, "symo_inverter_info.json"),
    (parse_archive, "symo_archive_dailysum.json"),
]


def only_source_errors(parser: Any, value: Any) -> None:
    """Run a parser; anything but a reading or a SourceError fails the test."""
    with contextlib.suppress(SourceError):
        parser(value, FETCHED_AT)


def replace_at(value: Any, path: list[int], new: Any) -> Any:
    """Replace the node that ``path`` picks (indices into objects' and lists' items)."""
    if not path or not isinstance(value, dict | list) or not value:
        return new
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    key, child = items[path[0] % len(items)]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[key] = replace_at(child, path[1:], new)
    return copy


@pytest.mark.parametrize(("parser", "fixture"), PARSERS)
@given(value=JSON)
@settings(max_examples=60, deadline=None)
def test_arbitrary_json_raises_only_source_errors(parser: Any, fixture: str, value: Any) -> None:
    del fixture
    only_source_errors(parser, value)


@pytest.mark.parametrize(("parser", "fixture"), PARSERS)
@given(path=st.lists(st.integers(min_value=0, max_value=60), max_size=6), new=JSON)
@settings(max_examples=80, deadline=None)
def test_real_answers_with_one_part_replaced(
    parser: Any, fixture: str, path: list[int], new: Any
) -> None:
    only_source_errors(parser, replace_at(payload(fixture), path, new))


@pytest.mark.parametrize(("parser", "fixture"), PARSERS)
@given(cut=st.integers(min_value=0, max_value=100_000))
@settings(max_examples=40, deadline=None)
def test_truncated_bodies_raise_only_source_errors(parser: Any, fixture: str, cut: int) -> None:
    body = fixture_bytes(f"fronius/{fixture}").rstrip()  # a cut newline is no cut
    raw = RawAnswer("x", "http://h/x", 200, FETCHED_AT, body[: cut % len(body)])
    with pytest.raises(SourceError):
        parser(parse_json(raw), FETCHED_AT)


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "2021-13-01T00:00:00+01:00", 7])
def test_impossible_device_times(stamp: Any) -> None:
    answer = payload("symo_powerflow_day.json")
    answer["Head"]["Timestamp"] = stamp
    with pytest.raises(InvalidResponseError):
        parse_powerflow(answer, FETCHED_AT)


def test_identity_needs_a_serial() -> None:
    info = payload("symo_inverter_info.json")
    inverters = info["Body"]["Data"]
    inverters["2"] = dict(inverters["1"], UniqueID="7654321", CustomName="Second")
    inverters["1"]["UniqueID"] = " "
    assert parse_inverter_info(info, FETCHED_AT).unique_id == "7654321"
    del inverters["2"]
    with pytest.raises(InvalidResponseError):
        parse_inverter_info(info, FETCHED_AT)
    logger = payload("symo_logger_info.json")
    del logger["Body"]["LoggerInfo"]["UniqueID"]
    with pytest.raises(InvalidResponseError):
        parse_logger_info(logger, FETCHED_AT)


@pytest.mark.parametrize(
    ("inverter_ids", "asked", "total"),
    [
        (["2"], "2", 44188000.0),  # one inverter, whatever its number
        (["1", "3"], "1", None),  # inverter 1 is only part of the site
    ],
)
async def test_inverter_endpoint_follows_the_power_flow(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    inverter_ids: list[str],
    asked: str,
    total: float | None,
) -> None:
    answer = payload("symo_powerflow_day.json")
    data = answer["Body"]["Data"]
    data["Inverters"] = dict.fromkeys(inverter_ids, data["Inverters"]["1"])
    data["Site"]["E_Total"] = None
    data["Site"]["P_Grid"] = None
    loopback_api.reply(POWERFLOW, Replay(json.dumps(answer).encode()))
    loopback_api.reply(INVERTER, replay("symo_inverter_day.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    await client.async_fetch()
    second = await client.async_fetch()

    assert loopback_api.requests[1].query["DeviceId"] == asked
    assert second.reading.pv_energy_total == total


# --- the archive, for the scheduled Bronze captures --------------------------------

ARCHIVE = f"{V1}/GetArchiveData.cgi"
HOUR_START = utc("2017-08-30T10:00:00")
HOUR_END = utc("2017-08-30T11:00:00")


def test_archive_daily_sum() -> None:
    """A real archive answer; the error channel (an object, here null) adds nothing."""
    assert parse_archive(payload("symo_archive_dailysum.json"), FETCHED_AT) == (
        ArchiveValue(
            device="inverter/1",
            channel="EnergyReal_WAC_Sum_Produced",
            time=utc("2017-08-29T22:00:00"),
            value=15587.781111111111,
            unit="Wh",
        ),
    )


def test_archive_five_minute_values_of_two_devices() -> None:
    answer = payload("symo_archive_dailysum.json")
    inverter = answer["Body"]["Data"]["inverter/1"]
    inverter["Data"]["EnergyReal_WAC_Sum_Produced"]["Values"] = {"0": 1.5, "300": 2.25}
    answer["Body"]["Data"]["meter:16220118"] = {
        "Start": "2017-08-30T00:00:00+02:00",
        "Data": {"EnergyReal_WAC_Plus_Absolute": {"Unit": "Wh", "Values": {"600": None}}},
    }
    assert parse_archive(answer, FETCHED_AT) == (
        ArchiveValue(
            "inverter/1", "EnergyReal_WAC_Sum_Produced", utc("2017-08-29T22:00:00"), 1.5, "Wh"
        ),
        ArchiveValue(
            "inverter/1", "EnergyReal_WAC_Sum_Produced", utc("2017-08-29T22:05:00"), 2.25, "Wh"
        ),
        ArchiveValue(
            "meter:16220118", "EnergyReal_WAC_Plus_Absolute", utc("2017-08-29T22:10:00"), None, "Wh"
        ),
    )


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda node: node.pop("Start"), id="no-start"),
        pytest.param(lambda node: node.update(Data=[]), id="data-list"),
        pytest.param(lambda node: node["Data"].update(X=3), id="channel-number"),
        pytest.param(
            lambda node: node["Data"]["EnergyReal_WAC_Sum_Produced"].update(Values={"a": 1}),
            id="offset",
        ),
        pytest.param(
            lambda node: node["Data"]["EnergyReal_WAC_Sum_Produced"].update(Values={"1e18": 1}),
            id="far",
        ),
        pytest.param(
            lambda node: node["Data"]["EnergyReal_WAC_Sum_Produced"].update(Values={"0": "1"}),
            id="text",
        ),
    ],
)
def test_malformed_archive(mangle: Any) -> None:
    answer = payload("symo_archive_dailysum.json")
    mangle(answer["Body"]["Data"]["inverter/1"])
    with pytest.raises(InvalidResponseError):
        parse_archive(answer, FETCHED_AT)


async def test_capture_asks_the_archive_for_the_range(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(ARCHIVE, replay("symo_archive_dailysum.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    raws = await client.async_capture(HOUR_START, HOUR_END)

    assert [raw.endpoint for raw in raws] == ["archive"]
    assert raws[0].body == fixture_bytes("fronius/symo_archive_dailysum.json")
    query = loopback_api.requests[0].query
    assert query["Scope"] == "System"
    assert query["StartDate"] == "2017-08-30T10:00:00Z"
    assert query["EndDate"] == "2017-08-30T11:00:00Z"
    assert query.getall("Channel") == [
        "TimeSpanInSec",
        "EnergyReal_WAC_Sum_Produced",
        "PowerReal_PAC_Sum",
        "EnergyReal_WAC_Plus_Absolute",
        "EnergyReal_WAC_Minus_Absolute",
    ]
    assert raws[0].url.count("Channel=") == 5


@pytest.mark.parametrize(
    "answer",
    [
        Replay(b"Not Found", status=404, content_type="text/plain"),
        replay("gen24_logger_info_error11.json"),
    ],
)
async def test_device_without_archive_answers_once(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, answer: Replay
) -> None:
    loopback_api.reply(ARCHIVE, answer)
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    first = await client.async_capture(HOUR_START, HOUR_END)
    second = await client.async_capture(HOUR_END, HOUR_END + timedelta(hours=1))

    assert [raw.body for raw in first] == [answer.body]
    assert second == ()
    assert len(loopback_api.requests) == 1


async def test_capture_errors(loopback_api: LoopbackApi, session: aiohttp.ClientSession) -> None:
    loopback_api.reply(ARCHIVE, Replay(b"", status=500, content_type="text/plain"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())
    with pytest.raises(CannotConnectError):
        await client.async_capture(HOUR_START, HOUR_END)
    loopback_api.reply(ARCHIVE, Replay(b'{"Head": {"Status": {"Code": 0}}, "Body": {"Data": 5}}'))
    with pytest.raises(InvalidResponseError) as caught:
        await client.async_capture(HOUR_START, HOUR_END)
    assert caught.value.raw is not None
    with pytest.raises(ValueError, match="aware"):
        await client.async_capture(datetime(2017, 8, 30), HOUR_END)  # noqa: DTZ001
    with pytest.raises(ValueError, match="span"):
        await client.async_capture(HOUR_END, HOUR_START)
    with pytest.raises(ValueError, match="span"):
        await client.async_capture(HOUR_START, HOUR_START + timedelta(days=17))


async def test_archive_requests_are_two_minutes_apart(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, budget_waits: list[float]
) -> None:
    loopback_api.reply(ARCHIVE, replay("symo_archive_dailysum.json"))
    client = FroniusClient(session, loopback_api.url, budget=no_wait())

    await client.async_capture(HOUR_START, HOUR_END)
    await client.async_capture(HOUR_END, HOUR_END + timedelta(hours=1))

    assert len(budget_waits) == 1
    assert 119 < budget_waits[0] <= ARCHIVE_MIN_INTERVAL
