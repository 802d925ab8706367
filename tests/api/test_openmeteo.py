"""Open-Meteo client on real answers (tests/fixtures/openmeteo/SOURCES.md)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
import json
import math
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.api.errors import (
    CannotConnectError,
    InvalidResponseError,
    RateLimitedError,
    SourceError,
)
from custom_components.home_energy_lake.api.models import RawAnswer, WeatherApi, WeatherReading
from custom_components.home_energy_lake.api.openmeteo import (
    VARIABLES,
    OpenMeteoClient,
    parse_forecast,
)
from custom_components.home_energy_lake.api.weather import parse_answer

from .conftest import LoopbackApi, Replay, fixture_bytes

BERLIN = "openmeteo/forecast_berlin_2021_radiation_EXCERPT.json"
SAO_PAULO = "openmeteo/forecast_sao_paulo_temperature_only.json"
ARCHIVE = "openmeteo/archive_pacific_negative_offset.json"
FETCHED = datetime(2021, 11, 26, 12, 0, 30, tzinfo=UTC)


def load(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def is_positive_zero(value: float | None) -> bool:
    return value == 0.0 and math.copysign(1.0, value) == 1.0


def test_berlin_every_hour_is_normalized() -> None:
    payload = load(BERLIN)
    reading = parse_forecast(payload, FETCHED)

    assert reading.api is WeatherApi.OPEN_METEO
    assert reading.issued_at == FETCHED
    assert len(reading.hourly) == 168
    hourly = payload["hourly"]
    for index, point in enumerate(reading.hourly):
        # Berlin answered in CET (utc_offset_seconds 3600): local midnight is 23:00 UTC.
        assert point.timestamp == datetime(2021, 11, 23, 23, tzinfo=UTC) + timedelta(hours=index)
        assert point.timestamp.tzinfo is UTC
        assert point.temperature == hourly["temperature_2m"][index]
        assert point.cloud_cover == hourly["cloud_cover"][index]
        for name, field in (
            ("shortwave_radiation", "solar_radiation"),
            ("direct_radiation", "direct_radiation"),
            ("diffuse_radiation", "diffuse_radiation"),
        ):
            value = getattr(point, field)
            assert value == max(hourly[name][index], 0.0)
            assert value >= 0.0
        for value in (point.temperature, point.solar_radiation, point.cloud_cover):
            assert value is not None
            assert value != 0.0 or is_positive_zero(value)


def test_berlin_spot_values_and_quirks() -> None:
    reading = parse_forecast(load(BERLIN), FETCHED)
    nine = reading.hourly[9]  # 2021-11-24T09:00 local
    assert nine.timestamp == datetime(2021, 11, 24, 8, tzinfo=UTC)
    assert (nine.temperature, nine.solar_radiation) == (6.0, 23.0)
    assert (nine.direct_radiation, nine.diffuse_radiation, nine.cloud_cover) == (0.7, 22.3, 100)
    # "-0" in the body is +0.0 in the reading; "-0.2" W/m² of night-time noise is 0.
    assert is_positive_zero(reading.hourly[80].temperature)
    assert is_positive_zero(reading.hourly[79].solar_radiation)  # -0.2 in the answer
    assert is_positive_zero(reading.hourly[42].direct_radiation)  # -0 in the answer

    current = reading.current
    assert current is not None
    assert current.timestamp == datetime(2021, 11, 24, 22, tzinfo=UTC)
    assert current.temperature == 5.5
    assert current.solar_radiation is None
    assert current.direct_radiation is None
    assert current.diffuse_radiation is None
    assert current.cloud_cover is None


def test_past_and_forecast_split_at_issued_at() -> None:
    reading = parse_forecast(load(BERLIN), FETCHED)
    past, future = reading.past_hours, reading.forecast_hours
    # 2021-11-23T23:00Z .. 2021-11-26T12:00Z inclusive: 62 hours are behind FETCHED.
    assert len(past) == 62
    assert past[-1].timestamp == datetime(2021, 11, 26, 12, tzinfo=UTC)
    assert future[0].timestamp == datetime(2021, 11, 26, 13, tzinfo=UTC)
    assert len(past) + len(future) == len(reading.hourly)


def test_missing_variables_stay_none_and_negative_offsets_apply() -> None:
    reading = parse_forecast(load(SAO_PAULO), FETCHED)
    assert reading.current is None
    assert len(reading.hourly) == 168
    first = reading.hourly[0]
    assert first.timestamp == datetime(2023, 10, 25, 3, tzinfo=UTC)  # UTC-3
    assert first.temperature == load(SAO_PAULO)["hourly"]["temperature_2m"][0]
    for point in reading.hourly:
        assert point.solar_radiation is None
        assert point.direct_radiation is None
        assert point.diffuse_radiation is None
        assert point.cloud_cover is None

    archive = parse_forecast(load(ARCHIVE), FETCHED)
    temperatures = load(ARCHIVE)["hourly"]["temperature_2m"]
    assert [p.temperature for p in archive.hourly] == temperatures
    assert archive.hourly[0].timestamp == datetime(2022, 12, 29, 9, tzinfo=UTC)  # UTC-9


def test_nulls_become_none_not_zero() -> None:
    # Derived from the Berlin answer: Open-Meteo sends null for hours a model lacks.
    payload = load(BERLIN)
    for name in VARIABLES:
        payload["hourly"][name][-24:] = [None] * 24
    reading = parse_forecast(payload, FETCHED)
    for point in reading.hourly[-24:]:
        assert point.temperature is None
        assert point.solar_radiation is None
        assert point.direct_radiation is None
        assert point.diffuse_radiation is None
        assert point.cloud_cover is None
    assert reading.hourly[-25].temperature == 1.8


def test_no_variables_gives_an_empty_reading() -> None:
    payload = {k: v for k, v in load(BERLIN).items() if k not in ("hourly", "current")}
    reading = parse_forecast(payload, FETCHED)
    assert reading == WeatherReading(api=WeatherApi.OPEN_METEO, issued_at=FETCHED)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["hourly_units"].update(temperature_2m="°F"), "expected '°C'"),
        (lambda p: p["hourly"]["cloud_cover"].pop(), "has 167 values for 168 times"),
        (lambda p: p.pop("utc_offset_seconds"), "utc_offset_seconds"),
        (lambda p: p.update(utc_offset_seconds=10**9), "not an offset"),
        (lambda p: p["hourly"]["time"].__setitem__(3, "yesterday"), r"hourly\.time\[3\]"),
        (lambda p: p["hourly"]["temperature_2m"].__setitem__(0, "6.9"), "not a number"),
        (lambda p: p["hourly"]["temperature_2m"].__setitem__(0, 280.1), "Kelvin"),
        (lambda p: p["hourly"]["cloud_cover"].__setitem__(0, float("inf")), "not finite"),
        (lambda p: p["hourly"]["cloud_cover"].__setitem__(0, 10**400), "out of range"),
        (lambda p: p["current"].pop("time"), "current.time"),
        (lambda p: p.update(hourly=[]), "hourly is not an object"),
    ],
)
def test_wrong_shapes_are_invalid_responses(change: Any, message: str) -> None:
    payload = copy.deepcopy(load(BERLIN))
    change(payload)
    with pytest.raises(InvalidResponseError, match=message):
        parse_forecast(payload, FETCHED)


def test_in_body_error_is_invalid_response() -> None:
    with pytest.raises(InvalidResponseError, match="lksdfj"):
        parse_forecast(load("openmeteo/error_400_invalid_hourly_variable.json"), FETCHED)


def make_client(
    session: aiohttp.ClientSession, api: LoopbackApi, lat: float = 52.52, lon: float = 13.419998
) -> OpenMeteoClient:
    return OpenMeteoClient(session, lat, lon, base_url=f"{api.url}/v1")


async def test_fetch_asks_for_utc_hours_and_keeps_the_answer(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(BERLIN)
    loopback_api.reply("/v1/forecast", Replay(body, headers={"Date": "Wed, 24 Nov 2021"}))
    result = await make_client(session, loopback_api, 52.520008123, 13.419998).async_fetch()

    query = loopback_api.requests[0].query
    assert query["latitude"] == "52.52"
    assert query["longitude"] == "13.42"
    assert query["timezone"] == "GMT"
    assert query["hourly"].split(",") == list(VARIABLES)
    assert query["current"].split(",") == list(VARIABLES)
    assert (query["past_days"], query["forecast_days"]) == ("1", "7")

    (raw,) = result.raw
    assert raw.body == body
    assert raw.endpoint == "forecast"
    assert raw.status == 200
    assert raw.headers["date"] == "Wed, 24 Nov 2021"
    assert result.reading == parse_forecast(json.loads(body), raw.fetched_at)


async def test_identify_returns_the_rounded_place(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/v1/forecast", Replay(fixture_bytes(BERLIN)))
    identity = await make_client(session, loopback_api, 52.5163, 13.37770).async_identify()
    assert identity.unique_id == "openmeteo_52.52_13.38"
    assert identity.manufacturer == "Open-Meteo"
    assert loopback_api.requests[0].query["current"] == "temperature_2m"


@pytest.mark.parametrize(
    "fixture",
    ["error_400_invalid_hourly_variable.json", "error_400_invalid_temperature_unit.json"],
)
async def test_http_400_carries_the_reason_and_the_answer(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, fixture: str
) -> None:
    body = fixture_bytes(f"openmeteo/{fixture}")
    loopback_api.reply("/v1/forecast", Replay(body, status=400))
    with pytest.raises(InvalidResponseError, match="Cannot initialize") as caught:
        await make_client(session, loopback_api).async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


async def test_http_400_without_a_reason(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/v1/forecast", Replay(b"<html>bad</html>", status=400))
    with pytest.raises(InvalidResponseError, match="no reason given"):
        await make_client(session, loopback_api).async_fetch()


async def test_daily_limit_waits_until_utc_midnight(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes("openmeteo/error_429_daily_limit.json")
    loopback_api.reply("/v1/forecast", Replay(body, status=429))
    with pytest.raises(RateLimitedError, match="Daily API request limit") as caught:
        await make_client(session, loopback_api).async_fetch()
    raw = caught.value.raw
    assert raw is not None
    assert raw.body == body
    midnight = datetime.combine(raw.fetched_at.date() + timedelta(days=1), datetime.min.time(), UTC)
    assert caught.value.retry_after == pytest.approx((midnight - raw.fetched_at).total_seconds())


@pytest.mark.parametrize(
    ("body", "headers", "retry_after"),
    [
        # Invented wording for the minutely and hourly limits (only the daily one is on record).
        (b'{"error":true,"reason":"Minutely API request limit exceeded."}', {}, 60),
        (b'{"error":true,"reason":"Hourly API request limit exceeded."}', {}, 3600),
        (b'{"error":true,"reason":"Daily API request limit exceeded."}', {"Retry-After": "7"}, 7),
        (b'{"error":true,"reason":"Too many concurrent requests"}', {}, None),
        (b"not json", {}, None),
    ],
)
async def test_rate_limits_carry_the_best_known_wait(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    body: bytes,
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    loopback_api.reply("/v1/forecast", Replay(body, status=429, headers=headers))
    with pytest.raises(RateLimitedError) as caught:
        await make_client(session, loopback_api).async_fetch()
    assert caught.value.retry_after == retry_after
    assert caught.value.raw is not None


async def test_truncated_body_is_invalid_and_kept(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(BERLIN)[:5000]
    loopback_api.reply("/v1/forecast", Replay(body))
    with pytest.raises(InvalidResponseError, match="not JSON") as caught:
        await make_client(session, loopback_api).async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


async def test_server_error_is_cannot_connect(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/v1/forecast", Replay(b"upstream down", status=502))
    with pytest.raises(CannotConnectError):
        await make_client(session, loopback_api).async_fetch()


async def test_capture_asks_for_whole_utc_days(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/v1/forecast", Replay(fixture_bytes(ARCHIVE)))
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = today - timedelta(days=1), today
    raws = await make_client(session, loopback_api).async_capture(start, end)

    query = loopback_api.requests[0].query
    assert query["start_date"] == query["end_date"] == start.date().isoformat()
    assert query["timezone"] == "GMT"
    assert "current" not in query
    assert "past_days" not in query
    assert [raw.body for raw in raws] == [fixture_bytes(ARCHIVE)]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (datetime(2026, 1, 1), datetime(2026, 1, 2), "timezone-aware"),  # noqa: DTZ001
        (datetime.now(UTC), datetime.now(UTC) - timedelta(hours=1), "empty"),
        (datetime.now(UTC) - timedelta(days=200), datetime.now(UTC), "keeps 92 days"),
        (datetime.now(UTC), datetime.now(UTC) + timedelta(days=30), "16-day forecast"),
    ],
)
async def test_capture_refuses_ranges_it_cannot_serve(
    session: aiohttp.ClientSession, start: datetime, end: datetime, message: str
) -> None:
    client = OpenMeteoClient(session, 52.52, 13.42, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ValueError, match=message):
        await client.async_capture(start, end)


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, -181.0), (math.nan, 0.0)])
def test_impossible_coordinates_are_refused(lat: float, lon: float) -> None:
    with pytest.raises(ValueError, match="must be within"):
        OpenMeteoClient(None, lat, lon)  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
forecast_like = st.fixed_dictionaries(
    {},
    optional={
        "utc_offset_seconds": st.integers(-100_000, 100_000) | json_values,
        "hourly": st.dictionaries(
            st.sampled_from(["time", *VARIABLES]),
            st.lists(json_values | st.sampled_from(["2021-11-24T00:00", 1.5, -0.0]), max_size=3),
        )
        | json_values,
        "current": st.dictionaries(
            st.sampled_from(["time", *VARIABLES]), json_values | st.just("2021-11-24T23:00")
        )
        | json_values,
        "hourly_units": st.dictionaries(st.sampled_from(list(VARIABLES)), json_values),
        "error": json_values,
        "reason": json_values,
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(payload=json_values | forecast_like)
def test_arbitrary_json_raises_only_source_errors(payload: Any) -> None:
    try:
        reading = parse_forecast(payload, FETCHED)
    except SourceError:
        return
    assert isinstance(reading, WeatherReading)


@settings(max_examples=100)
@given(cut=st.integers(min_value=0, max_value=len(fixture_bytes(BERLIN)) - 2))
def test_truncated_answers_raise_only_source_errors(cut: int) -> None:
    raw = RawAnswer("forecast", "http://h/v1/forecast", 200, FETCHED, fixture_bytes(BERLIN)[:cut])
    with pytest.raises(SourceError) as caught:
        parse_answer(raw, parse_forecast)
    assert caught.value.raw is raw
