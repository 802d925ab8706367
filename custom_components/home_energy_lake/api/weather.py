"""What the three weather clients share: coordinates, identities and JSON checks.

The weather APIs answer in JSON whose shape we do not control. The helpers here turn
"wrong shape" into :class:`InvalidResponseError` instead of ``KeyError``/``TypeError``,
so a malformed body never escapes as anything but a documented error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import math
from typing import Any

from .errors import InvalidResponseError, shown
from .http import parse_json
from .models import DeviceIdentity, RawAnswer, WeatherApi

REQUEST_DECIMALS = 4
"""Decimals of the coordinates sent to every weather API (about 11 m).

MET Norway refuses more than four; the others gain nothing from more, and one rule
for all three keeps the Bronze URLs comparable."""

IDENTITY_DECIMALS = 2
"""Decimals of the coordinates in a weather source's unique id (about 1 km).

Enough to tell two homes' configurations apart, coarse enough not to pinpoint a house
in entity registries and support dumps."""

MAX_PLAUSIBLE_CELSIUS = 100.0
"""No air temperature on Earth reaches this; a value above it is Kelvin, not °C."""

_MANUFACTURERS = {
    WeatherApi.OPEN_METEO: ("Open-Meteo", "Forecast API"),
    WeatherApi.OPENWEATHERMAP: ("OpenWeatherMap", "Current weather and One Call 3.0"),
    WeatherApi.MET_NORWAY: ("MET Norway", "Locationforecast 2.0 compact"),
}


def request_coordinate(value: float) -> str:
    """Format a coordinate for a weather API: at most four decimals, no exponent."""
    text = f"{round(value, REQUEST_DECIMALS) + 0.0:.{REQUEST_DECIMALS}f}"
    return text.rstrip("0").rstrip(".")


def check_coordinates(latitude: float, longitude: float) -> None:
    """Refuse coordinates no API accepts, before any request is sent."""
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise ValueError(f"latitude must be within -90..90, not {latitude}")
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise ValueError(f"longitude must be within -180..180, not {longitude}")


def weather_identity(api: WeatherApi, latitude: float, longitude: float) -> DeviceIdentity:
    """Identify a weather source: there is no device, only an API and a place."""
    lat = round(latitude, IDENTITY_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    lon = round(longitude, IDENTITY_DECIMALS) + 0.0
    manufacturer, model = _MANUFACTURERS[api]
    return DeviceIdentity(
        unique_id=f"{api.value}_{lat:.{IDENTITY_DECIMALS}f}_{lon:.{IDENTITY_DECIMALS}f}",
        manufacturer=manufacturer,
        model=model,
        name=manufacturer,
    )


def parse_answer[T](raw: RawAnswer, parse: Callable[[Any, datetime], T]) -> T:
    """Decode ``raw`` and run a vendor's parse function; every error carries ``raw``."""
    payload = parse_json(raw)
    try:
        return parse(payload, raw.fetched_at)
    except InvalidResponseError as err:
        raise InvalidResponseError(f"{raw.endpoint}: {err}", raw=raw) from err


def mapping(value: Any, where: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else raise."""
    if not isinstance(value, dict):
        raise InvalidResponseError(f"{where} is not an object")
    return value


def sequence(value: Any, where: str) -> list[Any]:
    """Return ``value`` if it is a JSON array, else raise."""
    if not isinstance(value, list):
        raise InvalidResponseError(f"{where} is not an array")
    return value


def text(value: Any, where: str) -> str:
    """Return ``value`` if it is a JSON string, else raise."""
    if not isinstance(value, str):
        raise InvalidResponseError(f"{where} is not a string")
    return value


def number(value: Any, where: str) -> float | None:
    """Read a JSON number as a float; null stays None and -0 becomes 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidResponseError(f"{where} is not a number")
    try:
        result = float(value)
    except OverflowError as err:
        raise InvalidResponseError(f"{where} is out of range") from err
    if not math.isfinite(result):
        raise InvalidResponseError(f"{where} is not finite")
    return result + 0.0  # -0.0 + 0.0 == 0.0: the sign of a zero means nothing here


def integer(value: Any, where: str) -> int:
    """Read a JSON integer (not a bool, not a float)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidResponseError(f"{where} is not an integer")
    return value


def celsius(value: Any, where: str) -> float | None:
    """Read an air temperature in °C; refuse Kelvin that slipped through."""
    result = number(value, where)
    if result is not None and result >= MAX_PLAUSIBLE_CELSIUS:
        raise InvalidResponseError(f"{where} = {result} is not a temperature in °C (Kelvin?)")
    return result


def irradiance(value: Any, where: str) -> float | None:
    """Read irradiance in W/m²; model noise below zero at night becomes 0."""
    result = number(value, where)
    return None if result is None else max(result, 0.0)


def epoch_utc(value: Any, where: str) -> datetime:
    """Read Unix seconds as an aware UTC datetime."""
    seconds = integer(value, where)
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise InvalidResponseError(f"{where} = {shown(seconds)} is not a valid time") from err


def iso_utc(value: Any, where: str, *, utc_offset: timedelta | None = None) -> datetime:
    """Read an ISO 8601 time as aware UTC.

    A time without an offset is local time ``utc_offset`` ahead of UTC (Open-Meteo);
    without ``utc_offset`` such a time is an error.
    """
    raw_text = text(value, where)
    try:
        parsed = datetime.fromisoformat(raw_text)
        if parsed.tzinfo is None:
            if utc_offset is None:
                raise InvalidResponseError(f"{where} = {shown(raw_text)} has no time zone")
            parsed = (parsed - utc_offset).replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as err:
        raise InvalidResponseError(f"{where} = {shown(raw_text)} is not a valid time") from err
