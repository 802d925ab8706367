"""Physical limits at the boundary: every limit, and the answers that broke them in the wild."""

from __future__ import annotations

from collections.abc import Callable
import copy
from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.home_energy_lake.api import emoncms, fronius, openmeteo, solaredge
from custom_components.home_energy_lake.api.errors import InvalidResponseError
from custom_components.home_energy_lake.api.limits import (
    FIELD_LIMITS,
    Breach,
    _warned,
    within_limits,
)
from custom_components.home_energy_lake.api.metno import parse_compact
from custom_components.home_energy_lake.api.models import WeatherApi, WeatherPoint, WeatherReading
from custom_components.home_energy_lake.api.openweathermap import parse_current

from .conftest import fixture_bytes

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

CASES = [
    (kind, name, limit)
    for kind, by_field in FIELD_LIMITS.items()
    for name, limit in by_field.items()
]
IDS = [f"{kind.__name__}.{name}" for kind, name, _ in CASES]


@pytest.fixture(autouse=True)
def fresh_warnings() -> None:
    """Each test sees the first warning of a field."""
    _warned.clear()


@pytest.mark.parametrize(("kind", "name", "limit"), CASES, ids=IDS)
def test_values_on_the_limits_stand(kind: type, name: str, limit: Any) -> None:
    for value in (limit.low, limit.high):
        reading = kind(timestamp=AT, **{name: value})
        assert getattr(within_limits(reading), name) == value


@pytest.mark.parametrize(("kind", "name", "limit"), CASES, ids=IDS)
def test_values_beyond_the_limits_are_dropped_or_refused(
    kind: type, name: str, limit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    for value in (limit.low - 0.5, limit.high + 0.5):
        reading = kind(timestamp=AT, **{name: value})
        if limit.breach is Breach.REFUSE:
            with pytest.raises(InvalidResponseError, match=name):
                within_limits(reading)
        else:
            assert getattr(within_limits(reading), name) is None
    if limit.breach is Breach.DROP:
        # Said once, not at every poll.
        assert caplog.text.count(f"{kind.__name__}.{name} =") == 1


@pytest.mark.parametrize(("kind", "name", "limit"), CASES, ids=IDS)
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_values_are_refused(kind: type, name: str, limit: Any, value: float) -> None:
    with pytest.raises(InvalidResponseError, match="not finite"):
        within_limits(kind(timestamp=AT, **{name: value}))


def test_a_weather_reading_is_checked_point_by_point() -> None:
    reading = WeatherReading(
        api=WeatherApi.OPEN_METEO,
        issued_at=AT,
        current=WeatherPoint(timestamp=AT, cloud_cover=140.0),
        hourly=(WeatherPoint(timestamp=AT, temperature=-300.0, cloud_cover=50.0),),
    )
    checked = within_limits(reading)
    assert checked.current == WeatherPoint(timestamp=AT, cloud_cover=None)
    assert checked.hourly == (WeatherPoint(timestamp=AT, temperature=None, cloud_cover=50.0),)


def _recorded(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def _changed(name: str, change: Callable[[Any], None]) -> Any:
    payload = copy.deepcopy(_recorded(name))
    change(payload)
    return payload


def _feed(payload: list[dict[str, Any]], name: str, value: Any) -> None:
    for feed in payload:
        feed["time"] = int(AT.timestamp())
        if feed["name"] == name:
            feed["value"] = value


REFUSED = {
    # inf only after the kW -> W scaling: the finite check used to run before it.
    "solaredge power at 1e306 kW": lambda: solaredge.parse_power_flow(
        _changed(
            "solaredge/power_flow_night_battery_kw.json",
            lambda p: p["siteCurrentPowerFlow"]["LOAD"].update(currentPower=1e306),
        ),
        AT,
    ),
    "solaredge energy at 1e305 MWh": lambda: solaredge.parse_energy_details(
        _changed(
            "solaredge/energy_details_ha_synthetic_day.json",
            lambda p: (
                p["energyDetails"].update(unit="MWh"),
                p["energyDetails"]["meters"][0]["values"][0].update(value=1e305),
            ),
        ),
        AT,
    ),
    "fronius negative lifetime PV counter": lambda: fronius.parse_powerflow(
        _changed(
            "fronius/gen24_storage_powerflow.json",
            lambda p: p["Body"]["Data"]["Site"].update(E_Total=-5.0),
        ),
        AT,
    ),
    "emoncms negative electricity counter": lambda: emoncms.parse_feed_list(
        _changed(
            "emoncms/feed_list_emonhp_running_INVENTED.json",
            lambda p: _feed(p, "heatpump_elec_kwh", -1.0),
        ),
        AT,
    ),
    "emoncms counter infinite once in Wh": lambda: emoncms.parse_feed_list(
        _changed(
            "emoncms/feed_list_emonhp_running_INVENTED.json",
            lambda p: _feed(p, "heatpump_heat_kwh", 1e306),
        ),
        AT,
    ),
}


@pytest.mark.parametrize("parse", REFUSED.values(), ids=REFUSED.keys())
def test_answers_breaking_a_hard_limit_are_refused(parse: Callable[[], object]) -> None:
    with pytest.raises(InvalidResponseError):
        parse()


def test_a_state_of_charge_of_140_percent_is_dropped() -> None:
    payload = _changed(
        "fronius/gen24_storage_powerflow.json",
        lambda p: p["Body"]["Data"]["Inverters"]["1"].update(SOC=140.0),
    )
    reading = fronius.parse_powerflow(payload, AT)
    assert reading.battery_soc is None
    assert reading.pv_power is not None  # the rest of the answer stands


def test_temperatures_below_absolute_zero_are_dropped() -> None:
    owm = _changed("owm/current_metric_london.json", lambda p: p["main"].update(temp=-300.0))
    assert parse_current(owm, AT).temperature is None
    metno = _changed(
        "metno/compact_berlin_2026_EXCERPT.json",
        lambda p: p["properties"]["timeseries"][0]["data"]["instant"]["details"].update(
            air_temperature=-300.0
        ),
    )
    assert parse_compact(metno, AT).hourly[0].temperature is None
    heat_pump = _changed(
        "emoncms/feed_list_emonhp_running_INVENTED.json",
        lambda p: _feed(p, "heatpump_outsideT", -300.0),
    )
    reading = emoncms.parse_feed_list(heat_pump, AT)
    assert reading.outside_temperature is None
    assert reading.electric_power == 1240.0


def test_cloud_cover_over_100_percent_is_dropped() -> None:
    payload = _changed(
        "openmeteo/forecast_berlin_2021_radiation_EXCERPT.json",
        lambda p: p["hourly"]["cloud_cover"].__setitem__(0, 140),
    )
    reading = openmeteo.parse_forecast(payload, AT)
    assert reading.hourly[0].cloud_cover is None
    assert reading.hourly[1].cloud_cover is not None
