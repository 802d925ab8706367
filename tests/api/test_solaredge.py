"""SolarEdge Monitoring API client, on real and documented SolarEdge answers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from functools import partial
import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.api.budget import BudgetRegistry, RequestBudget
from custom_components.home_energy_lake.api.errors import (
    AuthenticationError,
    CannotConnectError,
    InvalidResponseError,
    NotSupportedError,
    RateLimitedError,
    SourceError,
)
from custom_components.home_energy_lake.api.http import parse_json
from custom_components.home_energy_lake.api.models import DeviceIdentity, RawAnswer, SolarReading
from custom_components.home_energy_lake.api.solaredge import (
    DAILY_REQUEST_LIMIT,
    MeterEnergy,
    SiteDetails,
    SolarEdgeClient,
    local_to_utc,
    parse_details,
    parse_energy_details,
    parse_overview,
    parse_power_flow,
    utc_to_local,
)

from .conftest import LoopbackApi, Replay, fixture_bytes

FETCHED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
KEY = "L4QLVQ1LOKCQX2193VSEICXW61NP6B1O"
SITE = "12345678"
DETAILS = f"/site/{SITE}/details"
OVERVIEW = f"/site/{SITE}/overview"
POWER_FLOW = f"/site/{SITE}/currentPowerFlow"
ENERGY_DETAILS = f"/site/{SITE}/energyDetails"


def payload(name: str) -> Any:
    """Decode a recorded SolarEdge answer."""
    return json.loads(fixture_bytes(f"solaredge/{name}"))


def replay(name: str, **kwargs: Any) -> Replay:
    """Serve a recorded SolarEdge answer."""
    return Replay(fixture_bytes(f"solaredge/{name}"), **kwargs)


def utc(text: str) -> datetime:
    """Parse an ISO time written in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def site(loopback_api: LoopbackApi, details: str = "details_hooper_st.json") -> None:
    """Serve a whole site: details, overview and power flow."""
    loopback_api.reply(DETAILS, replay(details))
    loopback_api.reply(OVERVIEW, replay("overview_ha_synthetic.json"))
    loopback_api.reply(POWER_FLOW, replay("power_flow_night_battery_kw.json"))


def client_for(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, budget: RequestBudget | None = None
) -> SolarEdgeClient:
    """A client of the loopback server."""
    return SolarEdgeClient(session, KEY, SITE, budget=budget, base_url=loopback_api.url + "/")


# --- parse functions ---------------------------------------------------------------


def test_details_with_time_zone() -> None:
    assert parse_details(payload("details_hooper_st.json"), FETCHED_AT) == SiteDetails(
        identity=DeviceIdentity(
            unique_id="12345678",
            manufacturer="SolarEdge",
            model="Optimizers & Inverters",
            name="Hooper St",
        ),
        time_zone="America/Los_Angeles",
    )


def test_details_without_location() -> None:
    details = parse_details(payload("details_ha_no_location.json"), FETCHED_AT)
    assert details == SiteDetails(
        identity=DeviceIdentity(
            unique_id="1",
            manufacturer="SolarEdge",
            model="Optimizers & Inverters",
            name="Test Site",
        ),
        time_zone=None,
    )


@pytest.mark.parametrize(
    ("fixture", "zone", "expected"),
    [
        pytest.param(
            "overview_ha_synthetic.json",
            LOS_ANGELES,
            # 12:00 PST (UTC-8) on 1 January.
            SolarReading(
                timestamp=utc("2025-01-01T20:00:00"), pv_power=1234.5, pv_energy_total=100000.0
            ),
            id="synthetic-winter-los-angeles",
        ),
        pytest.param(
            "overview_exponent.json",
            AMSTERDAM,
            # 10:58:29 CEST (UTC+2); 1.6099509E7 Wh is 16 099 509 Wh.
            SolarReading(
                timestamp=utc("2021-08-26T08:58:29"), pv_power=2206.0, pv_energy_total=16099509.0
            ),
            id="exponent-summer-amsterdam",
        ),
        pytest.param(
            "overview_with_revenue.json",
            UTC,
            SolarReading(
                timestamp=utc("2021-08-12T13:46:04"),
                pv_power=134.73499,
                pv_energy_total=7827878.0,
            ),
            id="with-revenue-zone-unknown",
        ),
    ],
)
def test_overview(fixture: str, zone: ZoneInfo, expected: SolarReading) -> None:
    assert parse_overview(payload(fixture), FETCHED_AT, time_zone=zone) == expected


def test_overview_with_fields_missing() -> None:
    answer = payload("overview_exponent.json")
    del answer["overview"]["currentPower"]
    del answer["overview"]["lastUpdateTime"]
    answer["overview"]["lifeTimeData"] = {}
    assert parse_overview(answer, FETCHED_AT) == SolarReading(timestamp=FETCHED_AT)


def test_power_flow_in_kw_at_night() -> None:
    """A real answer in kW: the battery feeds the house, the grid tops up 10 W."""
    assert parse_power_flow(payload("power_flow_night_battery_kw.json"), FETCHED_AT) == (
        SolarReading(
            timestamp=FETCHED_AT,
            pv_power=0.0,
            grid_power=10.0,
            load_power=1370.0,
            battery_power=1360.0,
            battery_soc=38.0,
        )
    )


def test_power_flow_in_w_charging() -> None:
    assert parse_power_flow(payload("power_flow_ha_synthetic_w.json"), FETCHED_AT) == (
        SolarReading(
            timestamp=FETCHED_AT,
            pv_power=1500.0,
            grid_power=250.0,
            load_power=1500.0,
            battery_power=-250.0,
            battery_soc=75.0,
        )
    )


def test_power_flow_export_and_lower_case_elements() -> None:
    answer = payload("power_flow_ha_synthetic_w.json")
    flow = answer["siteCurrentPowerFlow"]
    flow["connections"] = [{"from": "LOAD", "to": "Grid"}, {"from": "PV", "to": "Load"}]
    del flow["STORAGE"]
    reading = parse_power_flow(answer, FETCHED_AT)
    assert reading.grid_power == -250.0
    assert reading.grid_export_power == 250.0
    assert reading.battery_power is None
    assert reading.battery_soc is None


def test_power_flow_without_connections() -> None:
    """Without a direction only zero is certain; a non-zero grid flow is unknown."""
    answer = payload("power_flow_night_battery_kw.json")
    flow = answer["siteCurrentPowerFlow"]
    del flow["connections"]
    flow["STORAGE"]["status"] = "Idle"
    reading = parse_power_flow(answer, FETCHED_AT)
    assert reading.grid_power is None
    assert reading.battery_power is None
    assert reading.pv_power == 0.0
    flow["GRID"]["currentPower"] = 0
    assert parse_power_flow(answer, FETCHED_AT).grid_power == 0.0


def test_power_flow_battery_direction_from_status_alone() -> None:
    answer = payload("power_flow_night_battery_kw.json")
    answer["siteCurrentPowerFlow"]["connections"] = []
    assert parse_power_flow(answer, FETCHED_AT).battery_power == 1360.0


def test_empty_power_flow_means_not_supported() -> None:
    with pytest.raises(NotSupportedError):
        parse_power_flow({}, FETCHED_AT)


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda f: f.update(unit="kWh"), id="energy-unit"),
        pytest.param(lambda f: f.pop("unit"), id="no-unit"),
        pytest.param(lambda f: f.update(connections={"from": "GRID"}), id="connections-object"),
        pytest.param(lambda f: f.update(connections=["GRID>Load"]), id="connection-text"),
        pytest.param(lambda f: f.update(connections=[{"from": "GRID"}]), id="connection-half"),
        pytest.param(lambda f: f.update(GRID=[0.01]), id="element-list"),
        pytest.param(lambda f: f["LOAD"].update(currentPower="1.37"), id="power-text"),
    ],
)
def test_malformed_power_flow(mangle: Any) -> None:
    answer = payload("power_flow_night_battery_kw.json")
    mangle(answer["siteCurrentPowerFlow"])
    with pytest.raises(InvalidResponseError):
        parse_power_flow(answer, FETCHED_AT)


def test_energy_details_in_the_site_zone() -> None:
    start = utc("2025-01-01T08:00:00")  # local midnight in Los Angeles
    assert parse_energy_details(
        payload("energy_details_ha_synthetic_day.json"), FETCHED_AT, time_zone=LOS_ANGELES
    ) == (
        MeterEnergy("Production", start, 12345.0),
        MeterEnergy("Consumption", start, 9876.0),
        MeterEnergy("SelfConsumption", start, 5432.0),
        MeterEnergy("FeedIn", start, 6913.0),
        MeterEnergy("Purchased", start, 4444.0),
    )


def test_energy_details_without_values_yet() -> None:
    values = parse_energy_details(
        payload("energy_details_doc_week_missing_values.json"), FETCHED_AT
    )
    weeks = [utc(f"2015-{day}T00:00:00") for day in ("10-19", "10-26", "11-02", "11-09", "11-16")]
    assert values == tuple(
        [MeterEnergy("Production", week, None) for week in weeks[:4]]
        + [MeterEnergy("Production", weeks[4], 2953.0)]
        + [MeterEnergy("Consumption", week, None) for week in weeks[:4]]
        + [MeterEnergy("Consumption", weeks[4], 29885.0)]
    )


def test_energy_details_in_kwh_become_wh() -> None:
    answer = payload("energy_details_ha_synthetic_day.json")
    answer["energyDetails"]["unit"] = "kWh"
    answer["energyDetails"]["meters"] = answer["energyDetails"]["meters"][:1]
    (value,) = parse_energy_details(answer, FETCHED_AT)
    assert value.energy == 12345000.0


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda d: d.update(unit="W"), id="power-unit"),
        pytest.param(lambda d: d.update(meters={}), id="meters-object"),
        pytest.param(lambda d: d["meters"][0].pop("type"), id="no-type"),
        pytest.param(lambda d: d["meters"][0].update(values=5), id="values-number"),
        pytest.param(lambda d: d["meters"][0].update(values=[7]), id="value-number"),
        pytest.param(lambda d: d["meters"][0]["values"][0].update(date="01/01/2025"), id="date"),
        pytest.param(lambda d: d["meters"][0]["values"][0].pop("date"), id="no-date"),
    ],
)
def test_malformed_energy_details(mangle: Any) -> None:
    answer = payload("energy_details_ha_synthetic_day.json")
    mangle(answer["energyDetails"])
    with pytest.raises(InvalidResponseError):
        parse_energy_details(answer, FETCHED_AT)


@pytest.mark.parametrize(
    ("parser", "answer"),
    [
        (parse_details, {"details": {"id": True}}),
        (parse_details, {"details": {"name": "no id"}}),
        (parse_details, {"detail": {}}),
        (parse_overview, ["overview"]),
        (parse_overview, {"overview": {"currentPower": 5}}),
        (parse_power_flow, {"siteCurrentPowerFlow": None}),
    ],
)
def test_malformed_answers(parser: Any, answer: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parser(answer, FETCHED_AT)


def test_local_times_across_daylight_saving() -> None:
    # Last Sunday of October 2025 in Amsterdam: 02:30 happens twice; the first is taken.
    assert local_to_utc("2025-10-26 02:30:00", AMSTERDAM) == utc("2025-10-26T00:30:00")
    assert local_to_utc("2025-10-26 03:30:00", AMSTERDAM) == utc("2025-10-26T02:30:00")
    assert utc_to_local(utc("2025-07-01T10:00:00"), AMSTERDAM) == "2025-07-01 12:00:00"
    with pytest.raises(ValueError, match="aware"):
        utc_to_local(datetime(2025, 7, 1), AMSTERDAM)  # noqa: DTZ001 - the point of the test


# --- the client over HTTP ----------------------------------------------------------


async def test_identify_and_fetch(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    client = client_for(loopback_api, session)

    identity = await client.async_identify()
    result = await client.async_fetch()

    assert identity.unique_id == "12345678"
    assert client.time_zone == LOS_ANGELES
    assert [raw.endpoint for raw in result.raw] == ["overview", "power_flow"]
    assert result.raw[1].body == fixture_bytes("solaredge/power_flow_night_battery_kw.json")
    # Power-flow values win; the overview adds the lifetime counter and the time.
    assert result.reading == SolarReading(
        timestamp=utc("2025-01-01T20:00:00"),
        pv_power=0.0,
        grid_power=10.0,
        load_power=1370.0,
        battery_power=1360.0,
        battery_soc=38.0,
        pv_energy_total=100000.0,
    )
    for request in loopback_api.requests:
        assert request.query["api_key"] == KEY
    for raw in (*result.raw,):
        assert KEY not in raw.url
        assert "api_key=REDACTED" in raw.url


async def test_first_fetch_reads_the_details_once(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    client = client_for(loopback_api, session)

    first = await client.async_fetch()
    second = await client.async_fetch()

    assert [raw.endpoint for raw in first.raw] == ["details", "overview", "power_flow"]
    assert [raw.endpoint for raw in second.raw] == ["overview", "power_flow"]


async def test_site_without_power_flow_is_asked_once(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    loopback_api.reply(POWER_FLOW, Replay(b"{}"))
    client = client_for(loopback_api, session)
    await client.async_identify()

    first = await client.async_fetch()
    second = await client.async_fetch()

    assert [raw.endpoint for raw in first.raw] == ["overview", "power_flow"]
    assert [raw.endpoint for raw in second.raw] == ["overview"]
    assert second.reading == SolarReading(
        timestamp=utc("2025-01-01T20:00:00"), pv_power=1234.5, pv_energy_total=100000.0
    )


async def test_unknown_time_zone_falls_back_to_utc(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    answer = payload("details_hooper_st.json")
    answer["details"]["location"]["timeZone"] = "Mars/Olympus_Mons"
    site(loopback_api)
    loopback_api.reply(DETAILS, Replay(json.dumps(answer).encode()))
    client = client_for(loopback_api, session)

    with caplog.at_level(logging.WARNING):
        result = await client.async_fetch()

    assert client.time_zone is UTC
    assert result.reading.timestamp == utc("2025-01-01T12:00:00")
    assert "Mars/Olympus_Mons" in caplog.text


async def test_site_without_location_reads_times_as_utc(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api, "details_ha_no_location.json")
    client = client_for(loopback_api, session)

    identity = await client.async_identify()

    assert identity.name == "Test Site"
    assert client.time_zone is UTC


async def test_capture_asks_for_quarter_hours_in_site_time(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    loopback_api.reply(ENERGY_DETAILS, replay("energy_details_ha_synthetic_day.json"))
    client = client_for(loopback_api, session)

    raws = await client.async_capture(utc("2025-07-01T17:00:00"), utc("2025-07-01T18:00:00"))

    assert [raw.endpoint for raw in raws] == ["details", "energy_details"]
    assert raws[1].body == fixture_bytes("solaredge/energy_details_ha_synthetic_day.json")
    query = loopback_api.requests[-1].query
    assert query["startTime"] == "2025-07-01 10:00:00"  # PDT, UTC-7
    assert query["endTime"] == "2025-07-01 11:00:00"
    assert query["timeUnit"] == "QUARTER_OF_AN_HOUR"
    assert query["meters"] == "PRODUCTION,CONSUMPTION,SELFCONSUMPTION,FEEDIN,PURCHASED"


async def test_capture_refuses_bad_ranges(session: aiohttp.ClientSession) -> None:
    client = SolarEdgeClient(session, KEY, SITE, base_url="http://127.0.0.1:9")
    start = utc("2025-07-01T17:00:00")
    with pytest.raises(ValueError, match="aware"):
        await client.async_capture(datetime(2025, 7, 1), start)  # noqa: DTZ001
    with pytest.raises(ValueError, match="span"):
        await client.async_capture(start, start)
    with pytest.raises(ValueError, match="span"):
        await client.async_capture(start, start + timedelta(days=40))


async def test_capture_keeps_an_unreadable_answer(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    loopback_api.reply(ENERGY_DETAILS, Replay(b'{"energyDetails": {"meters": 3}}'))
    client = client_for(loopback_api, session)
    await client.async_identify()

    with pytest.raises(InvalidResponseError) as caught:
        await client.async_capture(utc("2025-07-01T17:00:00"), utc("2025-07-01T18:00:00"))

    assert caught.value.raw is not None
    assert caught.value.raw.body == b'{"energyDetails": {"meters": 3}}'


async def test_429_carries_retry_after(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    loopback_api.reply(
        OVERVIEW, Replay(b"", status=429, content_type="text/plain", headers={"Retry-After": "120"})
    )
    client = client_for(loopback_api, session)
    await client.async_identify()

    with pytest.raises(RateLimitedError) as caught:
        await client.async_fetch()

    assert caught.value.retry_after == 120
    assert caught.value.raw is not None
    assert caught.value.raw.status == 429


async def test_429_on_the_power_flow_keeps_the_overview(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    loopback_api.reply(POWER_FLOW, Replay(b"", status=429, content_type="text/plain"))
    client = client_for(loopback_api, session)
    await client.async_identify()

    result = await client.async_fetch()

    assert [(raw.endpoint, raw.status) for raw in result.raw] == [
        ("overview", 200),
        ("power_flow", 429),
    ]
    assert result.reading == SolarReading(
        timestamp=utc("2025-01-01T20:00:00"), pv_power=1234.5, pv_energy_total=100000.0
    )


async def test_daily_budget_spent(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    client = client_for(loopback_api, session, budget=RequestBudget(per_day=3))
    await client.async_identify()

    partial = await client.async_fetch()  # takes the last two requests of the day
    with pytest.raises(RateLimitedError) as caught:
        await client.async_fetch()

    assert [raw.endpoint for raw in partial.raw] == ["overview", "power_flow"]
    assert partial.reading.pv_energy_total == 100000.0
    assert partial.reading.battery_soc == 38.0
    assert caught.value.retry_after is not None
    assert 86_000 < caught.value.retry_after <= 86_400
    assert len(loopback_api.requests) == 3


async def test_budget_spent_before_the_power_flow(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    client = client_for(loopback_api, session, budget=RequestBudget(per_day=2))
    await client.async_identify()

    result = await client.async_fetch()

    assert [raw.endpoint for raw in result.raw] == ["overview"]
    assert result.reading.grid_power is None
    assert result.reading.pv_power == 1234.5


async def test_clients_of_one_key_share_the_daily_budget(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    site(loopback_api)
    registry = BudgetRegistry()
    budget = registry.get("solaredge", KEY, per_day=DAILY_REQUEST_LIMIT)
    first = client_for(loopback_api, session, budget=budget)
    second = client_for(loopback_api, session, budget=registry.get("solaredge", KEY))

    await first.async_identify()
    await second.async_identify()

    assert budget.remaining == DAILY_REQUEST_LIMIT - 2


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Replay(b"", status=403, content_type="text/plain"), AuthenticationError),
        (
            Replay(b'{"String":"Unauthorized - Authentication Failed","status":401}', status=401),
            AuthenticationError,
        ),
        (Replay(b"", status=500, content_type="text/plain"), CannotConnectError),
        (Replay(b'{"details": {"id": 1, '), InvalidResponseError),
        (Replay(b"<html>maintenance</html>", content_type="text/html"), InvalidResponseError),
    ],
)
async def test_error_answers_keep_the_raw_body(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    answer: Replay,
    error: type[SourceError],
) -> None:
    loopback_api.reply(DETAILS, answer)
    client = client_for(loopback_api, session)

    with pytest.raises(error) as caught:
        await client.async_identify()

    assert caught.value.raw is not None
    assert caught.value.raw.body == answer.body
    assert KEY not in caught.value.raw.url


async def test_unreachable_cloud(session: aiohttp.ClientSession) -> None:
    client = SolarEdgeClient(session, KEY, SITE, base_url="http://127.0.0.1:9")
    with pytest.raises(CannotConnectError):
        await client.async_fetch()


# --- property-based: arbitrary and truncated answers raise only SourceError --------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=20,
)
PARSERS = [
    (parse_details, "details_hooper_st.json"),
    (partial(parse_overview, time_zone=AMSTERDAM), "overview_exponent.json"),
    (parse_power_flow, "power_flow_night_battery_kw.json"),
    (parse_power_flow, "power_flow_ha_synthetic_w.json"),
    (partial(parse_energy_details, time_zone=LOS_ANGELES), "energy_details_ha_synthetic_day.json"),
    (parse_energy_details, "energy_details_doc_week_missing_values.json"),
]


def only_source_errors(parser: Any, value: Any) -> None:
    """Run a parser; anything but a result or a SourceError fails the test."""
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
    body = fixture_bytes(f"solaredge/{fixture}").rstrip()  # a cut newline is no cut
    raw = RawAnswer("x", "http://h/x", 200, FETCHED_AT, body[: cut % len(body)])
    with pytest.raises(SourceError):
        parser(parse_json(raw), FETCHED_AT)


@pytest.mark.parametrize("text", ["9999-12-31 23:59:59", "2025-02-30 10:00:00", "", None, 7])
def test_impossible_local_times(text: Any) -> None:
    with pytest.raises(InvalidResponseError):
        local_to_utc(text, LOS_ANGELES)
