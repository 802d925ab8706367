"""Hostile answers: only ``SourceError`` escapes, with a short message; readings are sane.

Every parse function gets arbitrary JSON and real recorded answers with values swapped
for hostile ones; every client gets the two bodies that make ``json.loads`` itself fail
(nested too deep, an integer literal too long to convert) from a loopback server.
Whatever a parse function accepts is finite and within ``api.limits``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import copy
import dataclasses
from datetime import UTC, datetime
from functools import partial
import json
import math
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.api import (
    emoncms,
    fronius,
    metno,
    myuplink,
    openmeteo,
    openweathermap,
    solaredge,
)
from custom_components.home_energy_lake.api.budget import RequestBudget
from custom_components.home_energy_lake.api.errors import (
    MAX_MESSAGE_CHARS,
    InvalidResponseError,
    SourceError,
)
from custom_components.home_energy_lake.api.http import parse_json
from custom_components.home_energy_lake.api.limits import FIELD_LIMITS
from custom_components.home_energy_lake.api.models import RawAnswer
from custom_components.home_energy_lake.lake.envelope import encode_envelope
from custom_components.home_energy_lake.lake.record import BronzeRecord

from .conftest import FIXTURES, LoopbackApi, Replay

FETCHED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

# What makes json.loads raise something other than JSONDecodeError.
CRASH_BODIES = {
    "nested_too_deep": b"[" * 10_000,
    "integer_too_long": b"7" * 4_301,
}

type Parser = Callable[[Any], object]

PARSERS: dict[str, tuple[Parser, str]] = {
    "fronius.check_status": (partial(fronius.check_status, endpoint="powerflow"), "fronius"),
    "fronius.parse_powerflow": (partial(fronius.parse_powerflow, fetched_at=FETCHED), "fronius"),
    "fronius.parse_inverter": (partial(fronius.parse_inverter, fetched_at=FETCHED), "fronius"),
    "fronius.parse_meter": (partial(fronius.parse_meter, fetched_at=FETCHED), "fronius"),
    "fronius.parse_storage": (partial(fronius.parse_storage, fetched_at=FETCHED), "fronius"),
    "fronius.parse_logger_info": (
        partial(fronius.parse_logger_info, fetched_at=FETCHED),
        "fronius",
    ),
    "fronius.parse_inverter_info": (
        partial(fronius.parse_inverter_info, fetched_at=FETCHED),
        "fronius",
    ),
    "fronius.parse_archive": (partial(fronius.parse_archive, fetched_at=FETCHED), "fronius"),
    "solaredge.parse_details": (
        partial(solaredge.parse_details, fetched_at=FETCHED),
        "solaredge",
    ),
    "solaredge.parse_overview": (
        partial(solaredge.parse_overview, fetched_at=FETCHED),
        "solaredge",
    ),
    "solaredge.parse_power_flow": (
        partial(solaredge.parse_power_flow, fetched_at=FETCHED),
        "solaredge",
    ),
    "solaredge.parse_energy_details": (
        partial(solaredge.parse_energy_details, fetched_at=FETCHED),
        "solaredge",
    ),
    "emoncms.parse_feeds": (emoncms.parse_feeds, "emoncms"),
    "emoncms.parse_feed_list": (partial(emoncms.parse_feed_list, fetched_at=FETCHED), "emoncms"),
    "emoncms.parse_feed_data": (partial(emoncms.parse_feed_data, fetched_at=FETCHED), "emoncms"),
    "myuplink.parse_systems": (partial(myuplink.parse_systems, fetched_at=FETCHED), "myuplink"),
    "myuplink.parse_device_points": (
        partial(myuplink.parse_device_points, fetched_at=FETCHED),
        "myuplink",
    ),
    "openmeteo.error_reason": (openmeteo.error_reason, "openmeteo"),
    "openmeteo.parse_forecast": (
        partial(openmeteo.parse_forecast, fetched_at=FETCHED),
        "openmeteo",
    ),
    "openweathermap.parse_current": (
        partial(openweathermap.parse_current, fetched_at=FETCHED),
        "owm",
    ),
    "openweathermap.parse_onecall": (
        partial(openweathermap.parse_onecall, fetched_at=FETCHED),
        "owm",
    ),
    "metno.parse_compact": (partial(metno.parse_compact, fetched_at=FETCHED), "metno"),
}


def _recorded(vendor: str) -> list[Any]:
    return [json.loads(path.read_bytes()) for path in sorted((FIXTURES / vendor).glob("*.json"))]


RECORDED = {vendor: _recorded(vendor) for _, vendor in PARSERS.values()}

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Values json.loads can return that break naive code: huge and tiny numbers, non-finite
# floats (Python reads 1e999 and NaN), negatives, out-of-range percentages and
# temperatures, long strings, deep nesting.
hostile = st.sampled_from(
    [
        10**4_000,
        -(10**4_000),
        1e308,
        -1e308,
        1e306,
        5e-324,
        float("inf"),
        float("-inf"),
        float("nan"),
        -1,
        -1e9,
        140.0,
        -300.0,
        1e12,
        "",
        "x" * 10_000,
        "1e999",
        "NaN",
        "-1",
        True,
        [],
        {},
        [[[[[[[[[[1]]]]]]]]]],
    ]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value: keys of objects, indexes of arrays."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield from _paths(item, (*prefix, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


@st.composite
def mutated_answers(draw: st.DrawFn, vendor: str) -> Any:
    """A recorded answer of ``vendor`` with one to three values swapped for hostile ones."""
    answer = copy.deepcopy(draw(st.sampled_from(RECORDED[vendor])))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(_paths(answer))))
        answer = _replace(answer, path, draw(hostile | json_values))
    return answer


def _assert_sane(result: object, where: str = "result") -> None:
    """Every number in ``result`` is finite, and every reading field within its limits."""
    if isinstance(result, float):
        assert math.isfinite(result), where
    elif isinstance(result, tuple | list):
        for index, item in enumerate(result):
            _assert_sane(item, f"{where}[{index}]")
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        limits = FIELD_LIMITS.get(type(result), {})
        for field in dataclasses.fields(result):
            value = getattr(result, field.name)
            _assert_sane(value, f"{where}.{field.name}")
            if field.name in limits and value is not None:
                assert limits[field.name].low <= value <= limits[field.name].high, field.name


def _check(parse: Parser, payload: Any) -> None:
    """Run ``parse``: a ``SourceError`` with a short message, or a sane result."""
    try:
        result = parse(payload)
    except SourceError as err:
        assert len(str(err)) <= MAX_MESSAGE_CHARS  # noqa: PT017 (a property, not one case)
        return
    _assert_sane(result)


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("name", sorted(PARSERS))
@SETTINGS
@given(data=st.data())
def test_arbitrary_json_raises_only_source_errors(name: str, data: st.DataObject) -> None:
    parse, _vendor = PARSERS[name]
    _check(parse, data.draw(json_values | hostile))


@pytest.mark.parametrize("name", sorted(PARSERS))
@SETTINGS
@given(data=st.data())
def test_mutated_real_answers_raise_only_source_errors(name: str, data: st.DataObject) -> None:
    parse, vendor = PARSERS[name]
    _check(parse, data.draw(mutated_answers(vendor)))


@pytest.mark.parametrize("body", CRASH_BODIES.values(), ids=CRASH_BODIES.keys())
def test_bodies_json_cannot_read_are_invalid_responses(body: bytes) -> None:
    raw = RawAnswer("powerflow", "http://inverter/", 200, FETCHED, body)
    with pytest.raises(InvalidResponseError) as caught:
        parse_json(raw)
    assert caught.value.raw is raw
    assert len(str(caught.value)) <= MAX_MESSAGE_CHARS


@pytest.mark.parametrize("body", CRASH_BODIES.values(), ids=CRASH_BODIES.keys())
def test_bodies_json_cannot_read_go_to_bronze_as_text(body: bytes) -> None:
    record = BronzeRecord(
        source="solar",
        vendor="fronius",
        device_id="inv1",
        endpoint="powerflow",
        fetched_at=FETCHED,
        http_status=200,
        body=body,
    )
    envelope = json.loads(encode_envelope(record, "0.0.0"))
    assert envelope["payload"] is None
    assert envelope["payload_text"] == body.decode()


def _async_token() -> Callable[[], Any]:
    async def token() -> str:
        return "token"

    return token


CLIENTS: dict[str, Callable[[aiohttp.ClientSession, str], Any]] = {
    "fronius": lambda session, url: fronius.FroniusClient(
        session, url, budget=RequestBudget(min_interval=0)
    ),
    "solaredge": lambda session, url: solaredge.SolarEdgeClient(
        session, "KEY", "1", base_url=url + "/"
    ),
    "emoncms": lambda session, url: emoncms.EmoncmsClient(session, url, "0" * 32),
    "myuplink": lambda session, url: myuplink.MyUplinkClient(
        session, _async_token(), base_url=url, budget=RequestBudget()
    ),
    "openmeteo": lambda session, url: openmeteo.OpenMeteoClient(
        session, 52.52, 13.42, base_url=f"{url}/v1"
    ),
    "openweathermap": lambda session, url: openweathermap.OpenWeatherMapClient(
        session, "key", 51.5, -0.12, base_url=url
    ),
    "metno": lambda session, url: metno.MetNorwayClient(
        session, 59.91, 10.75, user_agent="HomeEnergyLake/0.1 test", base_url=url
    ),
}


@pytest.mark.parametrize("body", CRASH_BODIES.values(), ids=CRASH_BODIES.keys())
@pytest.mark.parametrize("vendor", sorted(CLIENTS))
async def test_every_client_keeps_an_answer_json_cannot_read(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession, vendor: str, body: bytes
) -> None:
    loopback_api.reply("*", Replay(body))
    client = CLIENTS[vendor](session, loopback_api.url)

    with pytest.raises(InvalidResponseError) as caught:
        await client.async_fetch()

    assert caught.value.raw is not None
    assert caught.value.raw.body == body
    assert len(str(caught.value)) <= MAX_MESSAGE_CHARS
    assert len(loopback_api.requests) == 1
