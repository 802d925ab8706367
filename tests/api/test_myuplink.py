"""myUplink client against real device points of several NIBE models on a loopback server."""

from __future__ import annotations

import contextlib
from dataclasses import fields
from datetime import UTC, datetime
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.api.budget import RequestBudget
from custom_components.home_energy_lake.api.errors import (
    AuthenticationError,
    CannotConnectError,
    InvalidResponseError,
    NotSupportedError,
    RateLimitedError,
    SourceError,
)
from custom_components.home_energy_lake.api.http import parse_json
from custom_components.home_energy_lake.api.models import HeatPumpReading, RawAnswer
from custom_components.home_energy_lake.api.myuplink import (
    MAX_SYSTEM_PAGES,
    REQUESTS_PER_MINUTE,
    MyUplinkClient,
    manufacturer_of,
    parse_device_points,
    parse_systems,
)
from custom_components.home_energy_lake.api.myuplink_parameters import (
    PARAMETER_TABLE,
    ModelFamily,
    model_family,
)

from .conftest import LoopbackApi, Replay, fixture_bytes
from .heatpump_readings import assert_reading

TOKEN = "eyJ.test.token"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
BATMAN = "batman-r-1234-20240201-123456-aa-bb-cc-dd-ee-ff"
ROBIN = "robin-r-1234-20240201-123456-aa-bb-cc-dd-ee-ff"
SYSTEMS = "myuplink/systems.json"
SYSTEMS_2DEV = "myuplink/systems-2dev.json"
SYSTEMS_MULTI = "myuplink/systems-multi.json"
F730 = "myuplink/device_points_nibe_f730.json"
F750_IDLE = "myuplink/device_points_nibe_f750_idle_excerpt.json"
SMO20 = "myuplink/device_points_nibe_smo20_excerpt.json"
VVM_S320 = "myuplink/device_points_nibe_vvm_s320_excerpt.json"
VVM320_ENERGY = "myuplink/device_points_nibe_vvm320_energy_INVENTED.json"
CTC = "myuplink/device_points_ctc_i555.json"
POINT_FIXTURES = [F730, F750_IDLE, SMO20, VVM_S320, VVM320_ENERGY, CTC]
ALL_FIXTURES = [SYSTEMS, SYSTEMS_2DEV, SYSTEMS_MULTI, *POINT_FIXTURES]


def payload(name: str) -> Any:
    return json.loads(fixture_bytes(name))


async def token() -> str:
    return TOKEN


def client(api: LoopbackApi, session: aiohttp.ClientSession, **kwargs: Any) -> MyUplinkClient:
    kwargs.setdefault("budget", RequestBudget())
    return MyUplinkClient(session, token, base_url=api.url, **kwargs)


def serve_device(api: LoopbackApi, systems: str, device_id: str, points: str) -> None:
    api.reply("/v2/systems/me", Replay(fixture_bytes(systems)))
    api.reply(f"/v2/devices/{device_id}/points", Replay(fixture_bytes(points)))


def test_every_rule_names_a_reading_field() -> None:
    reading_fields = {f.name for f in fields(HeatPumpReading)} - {"timestamp"}
    assert set(PARAMETER_TABLE) == set(ModelFamily)
    for rules in PARAMETER_TABLE.values():
        assert {rule.field for rule in rules} <= reading_fields


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("F730 CU 3x400V", ModelFamily.NIBE_F),
        ("NIBEF F730 CU 3x400V", ModelFamily.NIBE_F),
        ("F1255-6 R PC EM 3x400V", ModelFamily.NIBE_F),
        ("SMO 20", ModelFamily.NIBE_F),
        ("VVM 320 E", ModelFamily.NIBE_F),
        ("NIBE VVM S320 E EM 3x400V DK", ModelFamily.NIBE_S),
        ("S1255-6 PC EM", ModelFamily.NIBE_S),
        ("SMO S40", ModelFamily.NIBE_S),
        ("Tehowatti Air", ModelFamily.UNKNOWN),
        ("SM0 20", ModelFamily.UNKNOWN),
        ("Add. heat", ModelFamily.UNKNOWN),
    ],
)
def test_model_family(name: str, family: ModelFamily) -> None:
    assert model_family(name) is family


@pytest.mark.parametrize(
    ("name", "brand"),
    [
        ("F730 CU 3x400V", "NIBE"),
        ("NIBE VVM S320 E EM 3x400V DK", "NIBE"),
        ("CTC EcoZenith i555 Pro", "CTC"),
        ("Tehowatti Air", "unknown"),
        (None, "unknown"),
    ],
)
def test_manufacturer(name: str | None, brand: str) -> None:
    assert manufacturer_of(name) == brand


async def test_identify_sends_the_token_and_describes_the_device(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/v2/systems/me", Replay(fixture_bytes(SYSTEMS)))
    uplink = client(loopback_api, session)

    identity = await uplink.async_identify()

    assert identity.unique_id == BATMAN
    assert identity.manufacturer == "NIBE"
    assert identity.model == "F730 CU 3x400V"
    assert identity.name == "Gotham City"
    assert identity.sw_version == "9682R7"
    assert uplink.model_family is ModelFamily.NIBE_F
    (request,) = loopback_api.requests
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept-Language"] == "en-GB"
    assert request.query["page"] == "1"


async def test_identify_picks_the_configured_device(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/v2/systems/me", Replay(fixture_bytes(SYSTEMS_2DEV)))
    identity = await client(loopback_api, session, device_id=BATMAN).async_identify()
    assert identity.unique_id == BATMAN
    assert identity.model == "F730 CU 3x400V"


async def test_identify_unknown_device_is_not_supported(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    loopback_api.reply("/v2/systems/me", Replay(fixture_bytes(SYSTEMS)))
    with pytest.raises(NotSupportedError, match="not in this myUplink account") as caught:
        await client(loopback_api, session, device_id=ROBIN).async_identify()
    assert caught.value.raw is not None


async def test_identify_account_without_devices(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    # Invented: the documented page shape with no systems.
    body = b'{"page": 1, "itemsPerPage": 10, "numItems": 0, "systems": []}'
    loopback_api.reply("/v2/systems/me", Replay(body))
    with pytest.raises(NotSupportedError, match="no devices"):
        await client(loopback_api, session).async_identify()


async def test_identify_unknown_model_warns_once(
    loopback_api: LoopbackApi,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    loopback_api.reply("/v2/systems/me", Replay(fixture_bytes(SYSTEMS_MULTI)))
    uplink = client(loopback_api, session)
    with caplog.at_level(logging.WARNING):
        identity = await uplink.async_identify()
        await uplink.async_identify()
    assert identity.model == "Tehowatti Air"
    assert identity.manufacturer == "unknown"
    assert uplink.model_family is ModelFamily.UNKNOWN
    warnings = [r for r in caplog.records if "not in the parameter table" in r.message]
    assert len(warnings) == 1


async def test_identify_reads_every_page(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    first = payload(SYSTEMS)
    first["numItems"] = 2
    first["itemsPerPage"] = 1
    second = payload(SYSTEMS_MULTI)
    second.update(page=2, itemsPerPage=1, numItems=2, systems=second["systems"][2:])

    async def pages(request: web.Request) -> web.Response:
        return web.json_response(first if request.query["page"] == "1" else second)

    loopback_api.reply("/v2/systems/me", pages)
    identity = await client(loopback_api, session, device_id=ROBIN).async_identify()

    assert identity.model == "SM0 20"
    assert [r.query["page"] for r in loopback_api.requests] == ["1", "2"]


async def test_fetch_f730_running(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    serve_device(loopback_api, SYSTEMS, BATMAN, F730)
    uplink = client(loopback_api, session)

    first = await uplink.async_fetch()
    second = await uplink.async_fetch()

    # The first fetch identifies the device; both answers go to Bronze.
    assert [raw.endpoint for raw in first.raw] == ["systems", "device_points"]
    assert [raw.endpoint for raw in second.raw] == ["device_points"]
    assert second.raw[0].body == fixture_bytes(F730)
    assert len(loopback_api.requests) == 3
    assert_reading(
        second.reading,
        HeatPumpReading(
            timestamp=second.raw[0].fetched_at,
            flow_temperature=39.7,  # BT2, not BT61 (-32768, no sensor)
            return_temperature=34.4,  # BT3, not BT62 (-32768)
            outside_temperature=-9.3,  # current BT1, not the average (-12.2)
        ),
    )
    assert second.reading.cop is None  # the F730 answer has no heat output


async def test_fetch_with_device_id_still_learns_the_model(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    serve_device(loopback_api, SYSTEMS_2DEV, ROBIN, F750_IDLE)
    result = await client(loopback_api, session, device_id=ROBIN).async_fetch()
    assert_reading(
        result.reading,
        HeatPumpReading(
            timestamp=result.raw[-1].fetched_at,
            flow_temperature=31.7,
            return_temperature=27.9,
            outside_temperature=5.5,
        ),
    )


@pytest.mark.parametrize(
    ("fixture", "model", "expected"),
    [
        # SMO 20 controller: external supply BT25 and return BT71, no BT2/BT3.
        (SMO20, "SMO 20", {"flow_temperature": 31.3, "return_temperature": 30.0,
                           "outside_temperature": 11.7}),
        # S-series ids; the excerpt has no return line point.
        (VVM_S320, "NIBE VVM S320 E EM 3x400V DK", {"flow_temperature": 38.4,
                                                     "outside_temperature": 0.4}),
        # Compressor off (status 20): temperatures only, nothing invented.
        (F750_IDLE, "F750 CU 3x400V", {"flow_temperature": 31.7, "return_temperature": 27.9,
                                       "outside_temperature": 5.5}),
        # Immersion-heater settings with an empty unit are not power readings.
        (CTC, "CTC EcoZenith i555 Pro", {}),
        # Model from the points' category when identify has not run.
        (F730, None, {"flow_temperature": 39.7, "return_temperature": 34.4,
                      "outside_temperature": -9.3}),
    ],
)  # fmt: skip
def test_parse_real_device_points(
    fixture: str, model: str | None, expected: dict[str, float]
) -> None:
    reading = parse_device_points(payload(fixture), NOW, model=model)
    assert_reading(reading, HeatPumpReading(timestamp=NOW, **expected))


def test_parse_energy_points_of_an_inverter_model() -> None:
    reading = parse_device_points(payload(VVM320_ENERGY), NOW, model="VVM 320 E")
    assert_reading(
        reading,
        HeatPumpReading(
            timestamp=NOW,
            electric_power=1460.0,  # 43141, W
            heat_power=None,  # NIBE gives no heat power
            electric_energy_total=3_828_370.0,  # 43144, kWh -> Wh
            heat_energy_total=81_814_200.0,  # 44306 + 44308, kWh -> Wh
            flow_temperature=41.2,
            return_temperature=35.6,
            outside_temperature=-2.4,
            flow_rate=7.8,  # 40072, l/m
        ),
    )


def test_heat_counter_is_none_when_one_part_has_no_sensor() -> None:
    points = payload(VVM320_ENERGY)
    for point in points:
        if point["parameterId"] == "44306":
            point["value"] = -32768
    reading = parse_device_points(points, NOW, model="VVM 320 E")
    assert reading.heat_energy_total is None
    assert reading.electric_energy_total == 3_828_370.0


def test_units_come_from_the_answer() -> None:
    points = payload(VVM320_ENERGY)
    for point in points:
        if point["parameterId"] == "43141":
            point.update(parameterUnit="kW", value=1.46)
        if point["parameterId"] == "40072":
            point.update(parameterUnit="A")  # a unit that is no flow rate
    reading = parse_device_points(points, NOW, model="VVM 320 E")
    assert reading.electric_power == 1460.0
    assert reading.flow_rate is None


def test_unknown_model_falls_back_to_names_for_temperatures_only() -> None:
    reading = parse_device_points(payload(VVM320_ENERGY), NOW, model="Tehowatti Air")
    # Smart-home categories give the temperatures; power and energy are not guessed.
    assert_reading(
        reading,
        HeatPumpReading(
            timestamp=NOW,
            flow_temperature=41.2,
            return_temperature=35.6,
            outside_temperature=-2.4,
        ),
    )
    by_name = parse_device_points(payload(F730), NOW, model="Tehowatti Air")
    assert (by_name.outside_temperature, by_name.flow_temperature) == (-9.3, 39.7)
    assert by_name.return_temperature == 34.4


def test_smart_home_category_skips_points_without_sensor() -> None:
    # SMO 20 tags BT61 (-32768) and BT25 as supply; only the connected one counts.
    reading = parse_device_points(payload(SMO20), NOW, model="unknown brand")
    assert reading.flow_temperature == 31.3
    assert reading.return_temperature == 30.0


def test_numeric_ids_and_string_values() -> None:
    points = [
        {"parameterId": 40004, "parameterUnit": "°C", "value": "5.5"},
        {"parameterId": True, "parameterUnit": "°C", "value": 1},
        "not a point",
        {"parameterId": "40008", "parameterUnit": "°C", "value": "Hello"},
    ]
    reading = parse_device_points(points, NOW, model="F1255-6 R PC")
    assert reading.outside_temperature == 5.5
    assert reading.flow_temperature is None


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Unauthorized", "status": 401},
        {"systems": {}},
        {"systems": [1]},
        {"systems": [{"devices": None}]},
        {"systems": [{"devices": [{"product": {}}]}]},
    ],
)
def test_parse_systems_refuses_wrong_shapes(body: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_systems(body, NOW)


def test_parse_device_points_refuses_an_error_object() -> None:
    with pytest.raises(InvalidResponseError):
        parse_device_points({"title": "Not Found", "status": 404}, NOW)


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {"WWW-Authenticate": "Bearer"}, AuthenticationError),
        (403, {}, AuthenticationError),
        (429, {"Retry-After": "60"}, RateLimitedError),
        (500, {}, CannotConnectError),
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
    loopback_api.reply("/v2/systems/me", Replay(b"", status=status, headers=headers))
    with pytest.raises(error) as caught:
        await client(loopback_api, session).async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.status == status
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 60


async def test_truncated_points_are_invalid_and_kept(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    body = fixture_bytes(F730)[:1000]
    loopback_api.reply("/v2/systems/me", Replay(fixture_bytes(SYSTEMS)))
    loopback_api.reply(f"/v2/devices/{BATMAN}/points", Replay(body))
    with pytest.raises(InvalidResponseError) as caught:
        await client(loopback_api, session).async_fetch()
    assert caught.value.raw is not None
    assert caught.value.raw.body == body


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (aiohttp.ClientResponseError(None, (), status=400), AuthenticationError),  # type: ignore[arg-type]
        (aiohttp.ClientResponseError(None, (), status=503), CannotConnectError),  # type: ignore[arg-type]
        (aiohttp.ClientConnectionError("refused"), CannotConnectError),
        (TimeoutError(), CannotConnectError),
    ],
)
async def test_token_refresh_failures(
    session: aiohttp.ClientSession, failure: Exception, error: type[SourceError]
) -> None:
    async def broken_token() -> str:
        raise failure

    uplink = MyUplinkClient(session, broken_token, base_url="http://127.0.0.1:9")
    with pytest.raises(error):
        await uplink.async_identify()


async def test_requests_draw_from_the_shared_budget(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    serve_device(loopback_api, SYSTEMS, BATMAN, F730)
    shared = RequestBudget(per_day=2)
    uplink = client(loopback_api, session, budget=shared)

    await uplink.async_fetch()  # systems + points: the budget is spent
    with pytest.raises(RateLimitedError, match="budget"):
        await uplink.async_fetch()
    assert len(loopback_api.requests) == 2


def test_default_budget_keeps_myuplink_rate(session: aiohttp.ClientSession) -> None:
    uplink = MyUplinkClient(session, token)
    assert uplink._budget.min_interval == pytest.approx(60 / REQUESTS_PER_MINUTE)
    assert uplink.model_family is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["parameterId", "value", "parameterUnit", "parameterName", "smartHomeCategories",
             "category", "systems", "devices", "id", "product", "numItems", "x"]
        ),
        children,
        max_size=6,
    ),
    max_leaves=20,
)  # fmt: skip


def _parse_all(body: Any) -> None:
    with contextlib.suppress(SourceError):
        parse_systems(body, NOW)
    for model in (None, "F730", "VVM S320", "Tehowatti Air"):
        with contextlib.suppress(SourceError):
            parse_device_points(body, NOW, model=model)


@settings(max_examples=200, deadline=None)
@given(body=json_values)
def test_arbitrary_json_raises_only_source_errors(body: Any) -> None:
    _parse_all(body)


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(ALL_FIXTURES), data=st.data())
def test_truncated_answers_raise_only_source_errors(name: str, data: st.DataObject) -> None:
    body = fixture_bytes(name)
    cut = data.draw(st.integers(min_value=0, max_value=len(body)))
    raw = RawAnswer("device_points", "http://h/p", 200, NOW, body[:cut])
    with contextlib.suppress(SourceError):
        _parse_all(parse_json(raw))


async def test_identify_stops_after_the_page_limit(
    loopback_api: LoopbackApi, session: aiohttp.ClientSession
) -> None:
    # A server that always claims more systems must not be paged forever.
    endless = payload(SYSTEMS)
    endless["numItems"] = 10_000
    loopback_api.reply("/v2/systems/me", Replay(json.dumps(endless).encode()))

    identity = await client(loopback_api, session).async_identify()

    assert identity.unique_id == BATMAN
    assert len(loopback_api.requests) == MAX_SYSTEM_PAGES
