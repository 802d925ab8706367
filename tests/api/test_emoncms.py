"""emoncms client against recorded and emonHP-shaped feed answers on a loopback server."""

from __future__ import annotations

import contextlib
from dataclasses import fields
from datetime import UTC, datetime, timedelta
import json
from typing import Any

import aiohttp
from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.api.emoncms import (
    EMONHP_FEEDS,
    EmoncmsClient,
    capture_interval,
    parse_feed_data,
    parse_feed_list,
    parse_feeds,
    resolve_roles,
)
from custom_components.home_energy_lake.api.errors import (
    AuthenticationError,
    CannotConnectError,
    DeviceAsleepError,
    InvalidResponseError,
    NotSupportedError,
    RateLimitedError,
    SourceError,
)
from custom_components.home_energy_lake.api.http import parse_json
from custom_components.home_energy_lake.api.models import HeatPumpReading, RawAnswer

from .conftest import LoopbackApi, Replay, fixture_bytes
from .heatpump_readings import assert_reading

KEY = "0123456789abcdef0123456789abcdef"
# The invented emonHP answers are dated 2026-11-25T10:00:00Z (see SOURCES.md).
FIXTURE_TIME = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
RUNNING = "emoncms/feed_list_emonhp_running_INVENTED.json"
IDLE = "emoncms/feed_list_emonhp_idle_INVENTED.json"
PARTIAL = "emoncms/feed_list_emonhp_partial_stale_INVENTED.json"
OFFLINE = "emoncms/feed_list_emonhp_offline_INVENTED.json"
IOS_LIST = "emoncms/feed_list_emoncms_ios_fake_server.json"
IOS_DATA = "emoncms/feed_data_emoncms_ios_fake_server.json"
BAD_KEY = "emoncms/error_invalid_apikey_INVENTED.json"
NO_FEED = "emoncms/error_feed_missing_INVENTED.json"
ALL_FIXTURES = [RUNNING, IDLE, PARTIAL, OFFLINE, IOS_LIST, IOS_DATA, BAD_KEY, NO_FEED]


def payload(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def client(api: LoopbackApi, session: aiohttp.ClientSession, **kwargs: Any) -> EmoncmsClient:
    return EmoncmsClient(session, api.url, KEY, **kwargs)


def test_every_role_names_a_reading_field() -> None:
    reading_fields = {f.name for f in fields(HeatPumpReading)} - {"timestamp"}
    assert {role.field for role in EMONHP_FEEDS.values()} == reading_fields


async def test_fetch_running_reads_every_field_in_one_request(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(FIXTURE_TIME + timedelta(seconds=20))
    body = fixture_bytes(RUNNING)
    loopback_api.reply("/feed/list.json", Replay(body))

    result = await client(loopback_api, session).async_fetch()

    assert_reading(
        result.reading,
        HeatPumpReading(
            timestamp=FIXTURE_TIME,
            electric_power=1240.0,
            heat_power=4410.0,
            electric_energy_total=8_123_456.0,
            heat_energy_total=29_876_500.0,
            flow_temperature=38.2,
            return_temperature=33.1,
            outside_temperature=4.3,
            flow_rate=12.6,
        ),
    )
    assert result.reading.cop == pytest.approx(4410 / 1240)
    assert len(loopback_api.requests) == 1
    assert loopback_api.requests[0].query["apikey"] == KEY
    (raw,) = result.raw
    assert raw.body == body
    assert raw.endpoint == "feed_list"
    assert KEY not in raw.url
    assert "apikey=REDACTED" in raw.url


async def test_fetch_idle_keeps_zero_heat_as_zero(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(FIXTURE_TIME)
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(IDLE)))

    reading = (await client(loopback_api, session).async_fetch()).reading

    assert_reading(
        reading,
        HeatPumpReading(
            timestamp=FIXTURE_TIME,
            electric_power=18.0,
            heat_power=0.0,
            electric_energy_total=8_123_456.0,
            heat_energy_total=29_876_500.0,
            flow_temperature=24.1,
            return_temperature=23.8,
            outside_temperature=11.2,
            flow_rate=0.0,
        ),
    )
    assert reading.cop == 0.0


async def test_fetch_with_fields_missing_stale_and_as_strings(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(FIXTURE_TIME + timedelta(minutes=5))
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(PARTIAL)))

    reading = (await client(loopback_api, session).async_fetch()).reading

    assert_reading(
        reading,
        HeatPumpReading(
            timestamp=FIXTURE_TIME,
            electric_power=655.0,  # "655" with time "1795600800": strings are cast
            heat_power=None,  # no heat meter feeds at all
            electric_energy_total=1_520_250.0,
            heat_energy_total=None,
            flow_temperature=41.5,
            return_temperature=None,  # feed never written: time and value null
            outside_temperature=None,  # last update three days ago: stale, not -1.5
            flow_rate=None,  # no unit: L/min or m³/h cannot be told apart
        ),
    )
    assert reading.cop is None


async def test_stale_limit_is_configurable(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(FIXTURE_TIME + timedelta(minutes=5))
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(PARTIAL)))

    reading = (
        await client(loopback_api, session, stale_after=timedelta(days=4)).async_fetch()
    ).reading

    assert reading.outside_temperature == -1.5
    assert reading.timestamp == FIXTURE_TIME


async def test_monitor_offline_is_asleep_and_keeps_the_answer(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(FIXTURE_TIME)
    body = fixture_bytes(OFFLINE)
    loopback_api.reply("/feed/list.json", Replay(body))

    with pytest.raises(DeviceAsleepError) as caught:
        await client(loopback_api, session).async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


async def test_bad_key_inside_http_200_is_authentication_error(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(BAD_KEY)
    loopback_api.reply("/feed/list.json", Replay(body))

    with pytest.raises(AuthenticationError, match="Invalid API key") as caught:
        await client(loopback_api, session).async_identify()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {}, AuthenticationError),
        (500, {}, CannotConnectError),
        (429, {"Retry-After": "30"}, RateLimitedError),
        (404, {}, InvalidResponseError),
    ],
)
async def test_http_errors(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    status: int,
    headers: dict[str, str],
    error: type[SourceError],
) -> None:
    loopback_api.reply(
        "/feed/list.json", Replay(b'{"success":false}', status=status, headers=headers)
    )
    with pytest.raises(error) as caught:
        await client(loopback_api, session).async_fetch()
    assert caught.value.raw is not None
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 30


async def test_unreachable_server_is_cannot_connect(session: aiohttp.ClientSession) -> None:
    with pytest.raises(CannotConnectError):
        await EmoncmsClient(session, "http://127.0.0.1:9", KEY).async_fetch()


async def test_truncated_body_is_invalid_and_kept(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(RUNNING)[:200]
    loopback_api.reply("/feed/list.json", Replay(body))
    with pytest.raises(InvalidResponseError) as caught:
        await client(loopback_api, session).async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


async def test_identify_finds_the_emonhp_feeds(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(RUNNING)))

    identity = await client(loopback_api, session).async_identify()

    host = loopback_api.url.removeprefix("http://")
    assert identity.unique_id == f"{host}-user1"
    assert identity.manufacturer == "OpenEnergyMonitor"
    assert identity.model == "emonHP"
    assert identity.name == f"Heat pump ({host})"


async def test_identify_without_heat_meter_is_not_called_emonhp(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(PARTIAL)))
    identity = await client(loopback_api, session).async_identify()
    assert identity.model == "emoncms heat-pump feeds"


async def test_identify_without_heat_pump_feeds_is_not_supported(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    # A real feed list (house use and solar, no heat pump).
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(IOS_LIST)))
    with pytest.raises(NotSupportedError, match="name the feed ids") as caught:
        await client(loopback_api, session).async_identify()
    assert caught.value.raw is not None


async def test_explicit_feed_ids_on_a_real_feed_list(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(datetime(2019, 1, 12, 14, 45, tzinfo=UTC))
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(IOS_LIST)))
    emoncms = client(loopback_api, session, feed_ids={"heatpump_elec": "1", "heatpump_elec_kwh": 2})

    identity = await emoncms.async_identify()
    reading = (await emoncms.async_fetch()).reading

    assert identity.unique_id.endswith("-user1")
    assert_reading(
        reading,
        HeatPumpReading(
            timestamp=datetime(2019, 1, 12, 14, 43, 44, tzinfo=UTC),
            electric_power=258.0,
            electric_energy_total=8_147_633.5074318,
        ),
    )


async def test_explicit_feed_id_missing_from_the_server(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(IOS_LIST)))
    emoncms = client(loopback_api, session, feed_ids={"heatpump_heat": 99})
    with pytest.raises(NotSupportedError, match="feed 99"):
        await emoncms.async_fetch()


def test_unknown_role_is_refused_up_front(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="heatpump_cop"):
        EmoncmsClient(session, "http://x", KEY, feed_ids={"heatpump_cop": 3})


async def test_identify_keeps_the_feed_ids_it_found(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(FIXTURE_TIME)
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(RUNNING)))
    emoncms = client(loopback_api, session)
    await emoncms.async_identify()
    # The user renames a feed afterwards: the role stays on its feed id.
    renamed = payload(RUNNING)
    renamed[0]["name"] = "hp_power_old"
    loopback_api.reply("/feed/list.json", Replay(json.dumps(renamed).encode()))

    reading = (await emoncms.async_fetch()).reading

    assert reading.electric_power == 1240.0


def test_lowest_id_wins_among_duplicate_names() -> None:
    feeds = parse_feeds(
        [
            {"id": "12", "name": "heatpump_elec", "time": 1, "value": 2},
            {"id": "9", "name": "heatpump_elec", "time": 1, "value": 1},
        ]
    )
    assert resolve_roles(feeds)["heatpump_elec"].id == "9"


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("kW", 1500.0), ("W", 1.5), ("", 1.5), ("A", None)],
)
def test_feed_units_are_converted_or_refused(unit: str, expected: float | None) -> None:
    feeds = [
        {"id": 1, "name": "heatpump_elec", "unit": unit, "time": 1795600800, "value": 1.5},
        {"id": 2, "name": "heatpump_flowT", "unit": "°F", "time": 1795600800, "value": 104},
    ]
    reading = parse_feed_list(feeds, FIXTURE_TIME)
    assert reading.electric_power == expected
    assert reading.flow_temperature == 40.0


def test_times_in_milliseconds_and_from_the_future() -> None:
    ahead = FIXTURE_TIME + timedelta(seconds=30)
    feeds = [
        {"id": 1, "name": "heatpump_flowT", "time": ahead.timestamp() * 1000, "value": 35},
    ]
    reading = parse_feed_list(feeds, FIXTURE_TIME)
    assert reading.flow_temperature == 35.0
    assert reading.timestamp == FIXTURE_TIME  # never after the fetch


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"success": False, "message": "Username or password empty"}, AuthenticationError),
        ({"success": False, "message": "Feed does not exist"}, InvalidResponseError),
        ({"success": True}, InvalidResponseError),
        (False, InvalidResponseError),
        ("Invalid API key", InvalidResponseError),
    ],
)
def test_error_shapes_in_feed_list(body: Any, error: type[SourceError]) -> None:
    with pytest.raises(error):
        parse_feed_list(body, FIXTURE_TIME)


def test_entries_without_id_or_name_are_skipped() -> None:
    feeds = parse_feeds([1, {"id": None, "name": "x"}, {"id": True, "name": "y"}, {"id": 4}])
    assert feeds == ()


def test_parse_feed_data_on_a_real_answer() -> None:
    points = parse_feed_data(payload(IOS_DATA), FIXTURE_TIME)
    assert len(points) == 90
    assert points[0] == (datetime(2019, 1, 12, 6, 46, 30, tzinfo=UTC), 0.0)
    assert points[-1] == (datetime(2019, 1, 12, 14, 41, 30, tzinfo=UTC), 7.5)
    assert points[18][1] == 0.80000001192093


@pytest.mark.parametrize(
    "body",
    [{"success": False, "message": "Feed does not exist"}, {}, [[1]], [[None, 3]], [["x", 1]]],
)
def test_parse_feed_data_refuses_wrong_shapes(body: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_feed_data(body, FIXTURE_TIME)


def test_parse_feed_data_keeps_missing_samples_as_none() -> None:
    points = parse_feed_data([[1795600800, None], [1795600810, "12.5"]], FIXTURE_TIME)
    assert points == ((FIXTURE_TIME, None), (FIXTURE_TIME + timedelta(seconds=10), 12.5))


@pytest.mark.parametrize(
    ("span", "interval"),
    [(timedelta(minutes=10), 10), (timedelta(days=1), 120), (timedelta(days=3650), 86400)],
)
def test_capture_interval_stays_under_the_point_cap(span: timedelta, interval: int) -> None:
    assert capture_interval(FIXTURE_TIME, FIXTURE_TIME + span) == interval


async def test_capture_one_day_of_every_feed(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/feed/list.json", Replay(fixture_bytes(PARTIAL)))
    loopback_api.reply("/feed/data.json", Replay(fixture_bytes(IOS_DATA)))
    start = datetime(2026, 11, 24, tzinfo=UTC)

    answers = await client(loopback_api, session).async_capture(start, start + timedelta(days=1))

    assert [a.endpoint for a in answers] == ["feed_list"] + ["feed_data"] * 6
    assert all(a.body == fixture_bytes(IOS_DATA) for a in answers[1:])
    assert all(KEY not in a.url for a in answers)
    data_requests = [r.query for r in loopback_api.requests if r.path == "/feed/data.json"]
    assert sorted(q["id"] for q in data_requests) == ["31", "32", "33", "34", "35", "36"]
    for query in data_requests:
        assert query["start"] == str(int(start.timestamp() * 1000))
        assert query["end"] == str(int((start + timedelta(days=1)).timestamp() * 1000))
        assert query["interval"] == "120"
        assert query["apikey"] == KEY
        assert query["average"] == ("0" if query["id"] == "32" else "1")  # 32: the kWh counter


async def test_capture_with_known_feeds_skips_the_list(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/feed/data.json", Replay(fixture_bytes(IOS_DATA)))
    emoncms = client(loopback_api, session, feed_ids={"heatpump_elec": 1})
    answers = await emoncms.async_capture(FIXTURE_TIME - timedelta(days=1), FIXTURE_TIME)
    assert [a.endpoint for a in answers] == ["feed_data"]


async def test_capture_error_answer_raises_with_it(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(NO_FEED)
    loopback_api.reply("/feed/data.json", Replay(body))
    emoncms = client(loopback_api, session, feed_ids={"heatpump_elec": 1})
    with pytest.raises(InvalidResponseError, match="Feed does not exist") as caught:
        await emoncms.async_capture(FIXTURE_TIME - timedelta(days=1), FIXTURE_TIME)
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 11, 24), datetime(2026, 11, 25)),  # noqa: DTZ001 - naive on purpose
        (FIXTURE_TIME, FIXTURE_TIME - timedelta(hours=1)),
    ],
)
async def test_capture_refuses_bad_windows(
    session: aiohttp.ClientSession, start: datetime, end: datetime
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await EmoncmsClient(session, "http://127.0.0.1:9", KEY).async_capture(start, end)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "name", "time", "value", "unit", "success", "message", "x"]),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(body=json_values)
def test_arbitrary_json_raises_only_source_errors(body: Any) -> None:
    for parse in (parse_feed_list, parse_feed_data):
        with contextlib.suppress(SourceError):
            parse(body, FIXTURE_TIME)


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(ALL_FIXTURES), data=st.data())
def test_truncated_answers_raise_only_source_errors(name: str, data: st.DataObject) -> None:
    body = fixture_bytes(name)
    cut = data.draw(st.integers(min_value=0, max_value=len(body)))
    raw = RawAnswer("feed_list", "http://h/feed/list.json", 200, FIXTURE_TIME, body[:cut])
    for parse in (parse_feed_list, parse_feed_data):
        with contextlib.suppress(SourceError):
            parse(parse_json(raw), FIXTURE_TIME)


def test_null_value_and_impossible_time_count_as_not_reported() -> None:
    feeds = [
        {"id": 1, "name": "heatpump_elec", "time": 1795600800, "value": None},
        {"id": 2, "name": "heatpump_heat", "time": 1e20, "value": 4000},
        {"id": 3, "name": "heatpump_flowT", "time": 1795600800, "value": 35},
    ]
    reading = parse_feed_list(feeds, FIXTURE_TIME)
    assert (reading.electric_power, reading.heat_power) == (None, None)
    assert reading.flow_temperature == 35.0


async def test_capture_keeps_the_other_feeds_when_one_fails(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def data(request: web.Request) -> web.Response:
        if request.query["id"] == "8" and request.transport is not None:
            request.transport.abort()  # the connection drops: no answer at all
        name = NO_FEED if request.query["id"] == "7" else IOS_DATA
        return web.Response(body=fixture_bytes(name), content_type="application/json")

    loopback_api.reply("/feed/data.json", data)
    emoncms = client(
        loopback_api,
        session,
        feed_ids={"heatpump_elec": 1, "heatpump_heat": 7, "heatpump_flowT": 8},
    )

    answers = await emoncms.async_capture(FIXTURE_TIME - timedelta(days=1), FIXTURE_TIME)

    # Both answers go to Bronze, the failed one too; the failure is logged.
    assert sorted(a.body for a in answers) == sorted(
        [fixture_bytes(IOS_DATA), fixture_bytes(NO_FEED)]
    )
    assert "heatpump_heat (feed 7) failed" in caplog.text
    assert "heatpump_flowT (feed 8) failed" in caplog.text


async def test_capture_stops_at_a_refused_key(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/feed/data.json", Replay(fixture_bytes(BAD_KEY)))
    emoncms = client(loopback_api, session, feed_ids={"heatpump_elec": 1, "heatpump_heat": 7})
    with pytest.raises(AuthenticationError):
        await emoncms.async_capture(FIXTURE_TIME - timedelta(days=1), FIXTURE_TIME)
    assert len(loopback_api.requests) == 1


def test_negative_heat_during_defrost_reads_as_zero() -> None:
    feeds = [
        {"id": 1, "name": "heatpump_heat", "time": 1795600800, "value": -2150},
        {"id": 2, "name": "heatpump_elec", "time": 1795600800, "value": -12},
    ]
    reading = parse_feed_list(feeds, FIXTURE_TIME)
    assert reading.heat_power == 0.0
    assert reading.electric_power == -12.0  # a reversed CT is shown, not hidden
