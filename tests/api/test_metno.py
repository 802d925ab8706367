"""MET Norway client on a real answer (tests/fixtures/metno/SOURCES.md).

The status-only answers here (304, 203, 429, 403, with empty or tiny bodies) are
invented: MET documents these statuses, but no recorded answer was found.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import json
import logging
from typing import Any

import aiohttp
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.api.errors import (
    AuthenticationError,
    InvalidResponseError,
    RateLimitedError,
    SourceError,
)
from custom_components.home_energy_lake.api.metno import MetNorwayClient, parse_compact
from custom_components.home_energy_lake.api.models import (
    RawAnswer,
    WeatherApi,
    WeatherPoint,
    WeatherReading,
)
from custom_components.home_energy_lake.api.weather import parse_answer

from .conftest import LoopbackApi, Replay, fixture_bytes

BERLIN = "metno/compact_berlin_2026_EXCERPT.json"
FETCHED = datetime(2026, 10, 5, 5, 44, 56, tzinfo=UTC)
PATH = "/weatherapi/locationforecast/2.0/compact"
AGENT = "HomeEnergyLake/0.1 github.com/home-energy-lake"
LAST_MODIFIED = "Mon, 05 Oct 2026 05:24:54 GMT"


def load(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


EXPECTED = WeatherReading(
    api=WeatherApi.MET_NORWAY,
    issued_at=datetime(2026, 10, 5, 5, 24, 54, tzinfo=UTC),
    current=None,
    hourly=(
        WeatherPoint(timestamp=utc(5, 5), temperature=9.5, cloud_cover=100.0),
        WeatherPoint(timestamp=utc(5, 6), temperature=9.9, cloud_cover=86.7),
        WeatherPoint(timestamp=utc(5, 7), temperature=11.5, cloud_cover=39.8),
        WeatherPoint(timestamp=utc(13, 18), temperature=18.2, cloud_cover=23.4),
        WeatherPoint(timestamp=utc(14, 6), temperature=16.2, cloud_cover=90.6),
        WeatherPoint(timestamp=utc(14, 12), temperature=18.8, cloud_cover=71.9),
    ),
)


def test_compact_answer_is_normalized() -> None:
    reading = parse_compact(load(BERLIN), FETCHED)
    assert reading == EXPECTED
    # The first entry (05:00) predates updated_at (05:24:54): it counts as past.
    assert reading.past_hours == EXPECTED.hourly[:1]
    assert all(point.solar_radiation is None for point in reading.hourly)


def test_fields_missing_stay_none() -> None:
    payload = load(BERLIN)
    series = payload["properties"]["timeseries"]
    del series[0]["data"]["instant"]["details"]["cloud_area_fraction"]
    del series[1]["data"]["instant"]["details"]
    del payload["properties"]["meta"]["units"]
    reading = parse_compact(payload, FETCHED)
    assert reading.hourly[0] == WeatherPoint(timestamp=utc(5, 5), temperature=9.5)
    assert reading.hourly[1] == WeatherPoint(timestamp=utc(5, 6))
    assert reading.hourly[2:] == EXPECTED.hourly[2:]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["properties"]["meta"]["units"].update(air_temperature="fahrenheit"), "fahr"),
        (lambda p: p["properties"].pop("timeseries"), "timeseries is not an array"),
        (lambda p: p["properties"]["meta"].pop("updated_at"), "meta.updated_at"),
        (lambda p: p["properties"]["timeseries"][2].update(time="2026-10-05T07:00"), "time zone"),
        (lambda p: p["properties"]["timeseries"][3]["data"].pop("instant"), "instant"),
        (lambda p: p.update(properties=None), "properties is not an object"),
    ],
)
def test_wrong_shapes_are_invalid_responses(change: Any, message: str) -> None:
    payload = copy.deepcopy(load(BERLIN))
    change(payload)
    with pytest.raises(InvalidResponseError, match=message):
        parse_compact(payload, FETCHED)


def make_client(
    session: aiohttp.ClientSession, api: LoopbackApi, altitude: float | None = 23.4
) -> MetNorwayClient:
    return MetNorwayClient(
        session,
        59.913868123,
        10.752245,
        user_agent=AGENT,
        altitude=altitude,
        base_url=f"{api.url}/weatherapi/locationforecast/2.0",
    )


def good_answer(expires: timedelta) -> Replay:
    return Replay(
        fixture_bytes(BERLIN),
        headers={"Expires": http_date(expires), "Last-Modified": LAST_MODIFIED},
    )


async def test_first_fetch_identifies_itself_and_rounds_coordinates(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(PATH, good_answer(timedelta(minutes=30)))
    result = await make_client(session, loopback_api).async_fetch()

    (request,) = loopback_api.requests
    assert request.headers["User-Agent"] == AGENT
    assert "If-Modified-Since" not in request.headers
    assert dict(request.query) == {"lat": "59.9139", "lon": "10.7522", "altitude": "23"}
    (raw,) = result.raw
    assert raw.endpoint == "compact"
    assert raw.body == fixture_bytes(BERLIN)
    assert raw.headers["last-modified"] == LAST_MODIFIED
    assert result.reading == EXPECTED


async def test_no_request_before_expires(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(PATH, good_answer(timedelta(minutes=30)))
    client = make_client(session, loopback_api)
    await client.async_fetch()
    again = await client.async_fetch()
    assert again.raw == ()
    assert again.reading == EXPECTED
    assert len(loopback_api.requests) == 1
    assert client.expires is not None
    assert client.expires > datetime.now(UTC)


async def test_after_expires_304_returns_the_cache_and_its_raw_answer(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(PATH, good_answer(timedelta(seconds=-1)))
    client = make_client(session, loopback_api)
    await client.async_fetch()

    loopback_api.reply(
        PATH, Replay(b"", status=304, headers={"Expires": http_date(timedelta(minutes=20))})
    )
    result = await client.async_fetch()
    assert loopback_api.requests[1].headers["If-Modified-Since"] == LAST_MODIFIED
    assert loopback_api.requests[1].headers["User-Agent"] == AGENT
    (raw,) = result.raw
    assert (raw.status, raw.body) == (304, b"")
    assert result.reading == EXPECTED
    # The 304's Expires now holds back the next poll.
    assert (await client.async_fetch()).raw == ()
    assert len(loopback_api.requests) == 2


async def test_changed_forecast_replaces_the_cache(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(PATH, Replay(fixture_bytes(BERLIN)))  # no Expires: ask every time
    client = make_client(session, loopback_api)
    await client.async_fetch()
    newer = load(BERLIN)
    newer["properties"]["meta"]["updated_at"] = "2026-10-05T06:24:54Z"
    loopback_api.reply(PATH, Replay(json.dumps(newer).encode(), headers={"Expires": "never"}))
    result = await client.async_fetch()
    assert result.reading.issued_at == datetime(2026, 10, 5, 6, 24, 54, tzinfo=UTC)
    assert client.expires is None
    assert "If-Modified-Since" not in loopback_api.requests[1].headers  # no Last-Modified seen


async def test_deprecation_203_is_logged_once(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    loopback_api.reply(PATH, Replay(fixture_bytes(BERLIN), status=203))
    client = make_client(session, loopback_api)
    with caplog.at_level(logging.WARNING):
        first = await client.async_fetch()
        await client.async_fetch()
    assert first.reading == EXPECTED
    assert first.raw[0].status == 203
    warnings = [r for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(warnings) == 1


async def test_429_is_rate_limited(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(PATH, Replay(b"", status=429, headers={"Retry-After": "30"}))
    with pytest.raises(RateLimitedError) as caught:
        await make_client(session, loopback_api).async_fetch()
    assert caught.value.retry_after == 30
    assert caught.value.raw is not None


async def test_403_is_an_authentication_error(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(PATH, Replay(b"<h1>Forbidden</h1>", status=403, content_type="text/html"))
    with pytest.raises(AuthenticationError):
        await make_client(session, loopback_api).async_fetch()


async def test_malformed_answer_is_raised_and_not_cached(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(BERLIN)[:777]
    loopback_api.reply(PATH, Replay(body, headers={"Expires": http_date(timedelta(hours=1))}))
    client = make_client(session, loopback_api)
    with pytest.raises(InvalidResponseError) as caught:
        await client.async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body
    assert client.expires is None
    # A 304 now would have nothing to stand for.
    loopback_api.reply(PATH, Replay(b"", status=304))
    with pytest.raises(InvalidResponseError, match="304 without a cached forecast"):
        await client.async_fetch()


async def test_identify_goes_through_the_cache(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply(PATH, good_answer(timedelta(minutes=30)))
    client = make_client(session, loopback_api, altitude=None)
    identity = await client.async_identify()
    assert "altitude" not in loopback_api.requests[0].query
    assert identity.unique_id == "metno_59.91_10.75"
    assert identity.manufacturer == "MET Norway"
    await client.async_identify()
    assert len(loopback_api.requests) == 1


@pytest.mark.parametrize("agent", ["", "   "])
def test_a_user_agent_is_required(agent: str) -> None:
    with pytest.raises(ValueError, match="User-Agent"):
        MetNorwayClient(None, 59.9, 10.7, user_agent=agent)  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
details = st.dictionaries(
    st.sampled_from(["air_temperature", "cloud_area_fraction"]),
    json_values | st.floats(-60, 400),
)
entry = st.fixed_dictionaries(
    {},
    optional={
        "time": st.sampled_from(["2026-10-05T05:00:00Z", "2026-10-05T05:00"]) | json_values,
        "data": st.fixed_dictionaries(
            {}, optional={"instant": st.fixed_dictionaries({}, optional={"details": details})}
        )
        | json_values,
    },
)
compact_like = st.fixed_dictionaries(
    {},
    optional={
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "meta": st.fixed_dictionaries(
                    {},
                    optional={
                        "updated_at": st.just("2026-10-05T05:24:54Z") | json_values,
                        "units": st.dictionaries(
                            st.sampled_from(["air_temperature", "cloud_area_fraction"]),
                            st.sampled_from(["celsius", "%"]) | json_values,
                        ),
                    },
                ),
                "timeseries": st.lists(entry | json_values, max_size=3) | json_values,
            },
        )
        | json_values
    },
)


@settings(max_examples=300)
@given(payload=json_values | compact_like)
def test_arbitrary_json_raises_only_source_errors(payload: Any) -> None:
    try:
        reading = parse_compact(payload, FETCHED)
    except SourceError:
        return
    assert isinstance(reading, WeatherReading)


@settings(max_examples=100)
@given(cut=st.integers(min_value=0, max_value=len(fixture_bytes(BERLIN).rstrip()) - 1))
def test_truncated_answers_raise_only_source_errors(cut: int) -> None:
    raw = RawAnswer("compact", "http://h/compact", 200, FETCHED, fixture_bytes(BERLIN)[:cut])
    with pytest.raises(SourceError) as caught:
        parse_answer(raw, parse_compact)
    assert caught.value.raw is raw
