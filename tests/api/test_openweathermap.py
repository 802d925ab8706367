"""OpenWeatherMap client on real answers (tests/fixtures/owm/SOURCES.md)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
import json
from typing import Any

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
from custom_components.home_energy_lake.api.models import (
    RawAnswer,
    WeatherApi,
    WeatherPoint,
    WeatherReading,
)
from custom_components.home_energy_lake.api.openweathermap import (
    OpenWeatherMapClient,
    parse_current,
    parse_onecall,
)
from custom_components.home_energy_lake.api.weather import parse_answer

from .conftest import LoopbackApi, Replay, fixture_bytes

LONDON = "owm/current_metric_london.json"
ZOCCA = "owm/current_standard_zocca_doc_example.json"
ONECALL = "owm/onecall_metric_ASSEMBLED.json"
GREENWICH = "owm/onecall_standard_greenwich_ha_EXCERPT.json"
NO_SUBSCRIPTION = "owm/error_401_onecall_no_subscription.json"
FETCHED = datetime(2024, 4, 25, 17, tzinfo=UTC)
CURRENT_PATH = "/data/2.5/weather"
ONECALL_PATH = "/data/3.0/onecall"


def load(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def test_current_weather_metric() -> None:
    point = parse_current(load(LONDON), FETCHED)
    assert point == WeatherPoint(timestamp=at(1630181098), temperature=15.98, cloud_cover=52.0)
    assert point.timestamp == datetime(2021, 8, 28, 20, 4, 58, tzinfo=UTC)


def test_current_weather_with_fields_missing() -> None:
    payload = load(LONDON)
    del payload["main"], payload["clouds"]
    point = parse_current(payload, FETCHED)
    assert point == WeatherPoint(timestamp=at(1630181098))


def test_kelvin_answers_are_refused() -> None:
    # The documentation's example is in the default "standard" units: 298.48 K.
    with pytest.raises(InvalidResponseError, match=r"main\.temp = 298\.48 .*Kelvin"):
        parse_current(load(ZOCCA), FETCHED)
    with pytest.raises(InvalidResponseError, match=r"current\.temp = 287\.89 .*Kelvin"):
        parse_onecall(load(GREENWICH), FETCHED)


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("owm/error_404_city_not_found.json", "error 404: city not found"),
        ("owm/error_401_invalid_api_key.json", "error 401: Invalid API key"),
        (NO_SUBSCRIPTION, "error 401: Please note"),
    ],
)
def test_error_bodies_are_refused_whether_cod_is_text_or_number(fixture: str, message: str) -> None:
    with pytest.raises(InvalidResponseError, match=message):
        parse_current(load(fixture), FETCHED)
    with pytest.raises(InvalidResponseError, match=message):
        parse_onecall(load(fixture), FETCHED)


def test_onecall_metric() -> None:
    reading = parse_onecall(load(ONECALL), FETCHED)
    assert reading == WeatherReading(
        api=WeatherApi.OPENWEATHERMAP,
        issued_at=at(1714063536),
        current=WeatherPoint(timestamp=at(1714063536), temperature=6.84, cloud_cover=75.0),
        hourly=(WeatherPoint(timestamp=at(1714168800), temperature=5.82, cloud_cover=100.0),),
    )
    assert reading.forecast_hours == reading.hourly
    assert reading.hourly[0].solar_radiation is None


def test_onecall_without_hourly() -> None:
    payload = load(ONECALL)
    del payload["hourly"]
    assert parse_onecall(payload, FETCHED).hourly == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("current"), "current is not an object"),
        (lambda p: p["current"].update(dt=1.5e9), r"current\.dt is not an integer"),
        (lambda p: p["current"].update(dt=10**20), "not a valid time"),
        (lambda p: p["hourly"][0].update(clouds="100"), r"hourly\[0\]\.clouds is not a number"),
        (lambda p: p.update(hourly={}), "hourly is not an array"),
    ],
)
def test_wrong_shapes_are_invalid_responses(change: Any, message: str) -> None:
    payload = copy.deepcopy(load(ONECALL))
    change(payload)
    with pytest.raises(InvalidResponseError, match=message):
        parse_onecall(payload, FETCHED)


def make_client(
    session: aiohttp.ClientSession, api: LoopbackApi, budget: RequestBudget | None = None
) -> OpenWeatherMapClient:
    return OpenWeatherMapClient(
        session, "secret-key", 51.50853, -0.12574, budget=budget, base_url=api.url
    )


async def test_fetch_combines_current_weather_and_one_call(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(CURRENT_PATH, Replay(fixture_bytes(LONDON)))
    loopback_api.reply(ONECALL_PATH, Replay(fixture_bytes(ONECALL)))
    client = make_client(session, loopback_api)
    result = await client.async_fetch()

    current_request, onecall_request = loopback_api.requests
    for request in (current_request, onecall_request):
        assert request.query["appid"] == "secret-key"
        assert request.query["units"] == "metric"
        assert (request.query["lat"], request.query["lon"]) == ("51.5085", "-0.1257")
    assert onecall_request.query["exclude"] == "minutely,daily,alerts"

    current_raw, onecall_raw = result.raw
    assert (current_raw.endpoint, onecall_raw.endpoint) == ("current", "onecall")
    assert current_raw.body == fixture_bytes(LONDON)
    assert onecall_raw.body == fixture_bytes(ONECALL)
    for raw in result.raw:
        assert "secret-key" not in raw.url
        assert "appid=REDACTED" in raw.url

    onecall = parse_onecall(load(ONECALL), FETCHED)
    assert result.reading == WeatherReading(
        api=WeatherApi.OPENWEATHERMAP,
        issued_at=onecall.issued_at,
        current=parse_current(load(LONDON), FETCHED),
        hourly=onecall.hourly,
    )
    assert client.forecast_error is None


async def test_key_without_one_call_still_gives_current_weather(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(CURRENT_PATH, Replay(fixture_bytes(LONDON)))
    loopback_api.reply(ONECALL_PATH, Replay(fixture_bytes(NO_SUBSCRIPTION), status=401))
    client = make_client(session, loopback_api)

    first = await client.async_fetch()
    assert first.reading.current == parse_current(load(LONDON), FETCHED)
    assert first.reading.hourly == ()
    assert first.reading.issued_at == at(1630181098)
    assert [raw.status for raw in first.raw] == [200, 401]
    assert first.raw[1].body == fixture_bytes(NO_SUBSCRIPTION)
    assert isinstance(client.forecast_error, NotSupportedError)

    # One Call is left alone for a day: the next poll asks current weather only.
    second = await client.async_fetch()
    assert [raw.endpoint for raw in second.raw] == ["current"]
    assert isinstance(client.forecast_error, NotSupportedError)
    assert [r.path for r in loopback_api.requests] == [CURRENT_PATH, ONECALL_PATH, CURRENT_PATH]


async def test_forecast_alone_reports_401_as_not_supported(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(ONECALL_PATH, Replay(fixture_bytes(NO_SUBSCRIPTION), status=401))
    with pytest.raises(NotSupportedError, match=r"no One Call 3\.0 subscription") as caught:
        await make_client(session, loopback_api).async_fetch_forecast()
    assert caught.value.raw is not None
    assert caught.value.raw.status == 401


async def test_bad_key_on_current_weather_is_an_auth_failure(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes("owm/error_401_invalid_api_key.json")
    loopback_api.reply(CURRENT_PATH, Replay(body, status=401))
    client = make_client(session, loopback_api)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body
    with pytest.raises(AuthenticationError):
        await client.async_identify()
    assert all(r.path == CURRENT_PATH for r in loopback_api.requests)


async def test_identify_checks_the_key_and_rounds_the_place(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(CURRENT_PATH, Replay(fixture_bytes(LONDON)))
    identity = await make_client(session, loopback_api).async_identify()
    assert identity.unique_id == "owm_51.51_-0.13"
    assert identity.manufacturer == "OpenWeatherMap"
    assert [r.path for r in loopback_api.requests] == [CURRENT_PATH]


async def test_spent_budget_skips_one_call_until_the_day_rolls(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(CURRENT_PATH, Replay(fixture_bytes(LONDON)))
    loopback_api.reply(ONECALL_PATH, Replay(fixture_bytes(ONECALL)))
    registry = BudgetRegistry()
    # Two clients of the same key share one budget of one call a day.
    first = make_client(session, loopback_api, registry.get("owm", "secret-key", per_day=1))
    second = make_client(session, loopback_api, registry.get("owm", "secret-key", per_day=1))

    assert len((await first.async_fetch()).reading.hourly) == 1
    result = await second.async_fetch()
    assert result.reading.hourly == ()
    assert [raw.endpoint for raw in result.raw] == ["current"]
    error = second.forecast_error
    assert isinstance(error, RateLimitedError)
    assert error.retry_after is not None
    assert 86_000 < error.retry_after <= 86_400
    await second.async_fetch()
    assert [r.path for r in loopback_api.requests].count(ONECALL_PATH) == 1


async def test_one_call_429_pauses_it_for_retry_after(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes("owm/error_429_account_blocked.json")
    loopback_api.reply(CURRENT_PATH, Replay(fixture_bytes(LONDON)))
    loopback_api.reply(ONECALL_PATH, Replay(body, status=429, headers={"Retry-After": "600"}))
    client = make_client(session, loopback_api)
    result = await client.async_fetch()
    assert isinstance(client.forecast_error, RateLimitedError)
    assert client.forecast_error.retry_after == 600
    assert result.raw[1].body == body
    await client.async_fetch()
    assert [r.path for r in loopback_api.requests].count(ONECALL_PATH) == 1


async def test_current_weather_429_is_raised(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes("owm/error_429_account_blocked.json")
    loopback_api.reply(CURRENT_PATH, Replay(body, status=429))
    with pytest.raises(RateLimitedError):
        await make_client(session, loopback_api).async_fetch()


@pytest.mark.parametrize(
    ("onecall", "error"),
    [
        (Replay(fixture_bytes(ONECALL)[:300]), InvalidResponseError),
        (Replay(fixture_bytes(GREENWICH)), InvalidResponseError),  # Kelvin
        (Replay(b"bad gateway", status=502, content_type="text/plain"), CannotConnectError),
        # A 429 without Retry-After gives no time to wait for, so no pause either.
        (Replay(fixture_bytes("owm/error_429_account_blocked.json"), status=429), RateLimitedError),
    ],
)
async def test_broken_forecast_keeps_current_and_the_raw_answer(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    onecall: Replay,
    error: type[SourceError],
) -> None:
    loopback_api.reply(CURRENT_PATH, Replay(fixture_bytes(LONDON)))
    loopback_api.reply(ONECALL_PATH, onecall)
    client = make_client(session, loopback_api)
    result = await client.async_fetch()
    assert result.reading.current == parse_current(load(LONDON), FETCHED)
    assert result.reading.hourly == ()
    assert isinstance(client.forecast_error, error)
    assert result.raw[1].body == onecall.body
    # Not a reason to pause: the next poll asks One Call again.
    await client.async_fetch()
    assert [r.path for r in loopback_api.requests].count(ONECALL_PATH) == 2


async def test_malformed_current_weather_is_raised_with_its_body(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(LONDON)[:-40]
    loopback_api.reply(CURRENT_PATH, Replay(body))
    with pytest.raises(InvalidResponseError) as caught:
        await make_client(session, loopback_api).async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


def test_a_key_is_required() -> None:
    with pytest.raises(ValueError, match="API key is required"):
        OpenWeatherMapClient(None, "", 51.5, 0.0)  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
owm_object = st.dictionaries(
    st.sampled_from(["dt", "temp", "clouds", "main", "all", "cod", "message"]),
    json_values | st.integers(0, 2_000_000_000) | st.floats(-50, 400),
    max_size=5,
)
owm_like = st.fixed_dictionaries(
    {},
    optional={
        "cod": st.sampled_from([200, "200", 401, "404"]) | json_values,
        "dt": st.integers(-(2**40), 2**40) | json_values,
        "main": owm_object | json_values,
        "clouds": owm_object | json_values,
        "current": owm_object | json_values,
        "hourly": st.lists(owm_object | json_values, max_size=3) | json_values,
    },
)


@settings(max_examples=300)
@given(payload=json_values | owm_like)
def test_arbitrary_json_raises_only_source_errors(payload: Any) -> None:
    for parse in (parse_current, parse_onecall):
        try:
            result = parse(payload, FETCHED)
        except SourceError:
            continue
        assert isinstance(result, WeatherPoint | WeatherReading)


@settings(max_examples=100)
@given(data=st.data())
def test_truncated_answers_raise_only_source_errors(data: st.DataObject) -> None:
    name, parse = data.draw(st.sampled_from([(LONDON, parse_current), (ONECALL, parse_onecall)]))
    body = fixture_bytes(name)
    cut = data.draw(st.integers(min_value=0, max_value=len(body.rstrip()) - 1))
    raw = RawAnswer("x", "http://h/x", 200, FETCHED, body[:cut])
    with pytest.raises(SourceError) as caught:
        parse_answer(raw, parse)
    assert caught.value.raw is raw
