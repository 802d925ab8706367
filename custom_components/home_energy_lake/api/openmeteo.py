"""Open-Meteo forecast API: hourly temperature, irradiance and cloud cover, no key.

One request gives the current conditions, the past hours (``past_days``: the best
actuals Open-Meteo has) and the forecast. We ask for ``timezone=GMT`` so that every
time is UTC; a single ``utc_offset_seconds`` cannot describe a local series that
crosses a daylight-saving change. The parser still applies ``utc_offset_seconds``, so
answers recorded with a local time zone read correctly too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import aiohttp

from .errors import InvalidResponseError, RateLimitedError, shown
from .http import fetch, parse_json
from .limits import within_limits
from .models import DeviceIdentity, FetchResult, RawAnswer, WeatherApi, WeatherPoint, WeatherReading
from .weather import (
    celsius,
    check_coordinates,
    integer,
    irradiance,
    iso_utc,
    mapping,
    number,
    parse_answer,
    request_coordinate,
    sequence,
    weather_identity,
)

DEFAULT_BASE_URL = "https://api.open-meteo.com/v1"
ENDPOINT = "forecast"
PAST_DAYS = 1
FORECAST_DAYS = 7
MAX_PAST_DAYS = 92
"""How far back the forecast host keeps hours; older days live on the archive host."""
MAX_FORECAST_DAYS = 16


@dataclass(frozen=True, slots=True)
class _Variable:
    field: str
    unit: str
    non_negative: bool = False


# The one mapping from Open-Meteo's variables to WeatherPoint fields and units.
VARIABLES: dict[str, _Variable] = {
    "temperature_2m": _Variable("temperature", "°C"),
    "shortwave_radiation": _Variable("solar_radiation", "W/m²", non_negative=True),
    "direct_radiation": _Variable("direct_radiation", "W/m²", non_negative=True),
    "diffuse_radiation": _Variable("diffuse_radiation", "W/m²", non_negative=True),
    "cloud_cover": _Variable("cloud_cover", "%"),
}

# Open-Meteo's own words for its rate limits, and how long each lasts at most.
_LIMIT_WINDOWS = {"minutely": 60.0, "hourly": 3600.0}


def _value(name: str, raw_value: Any, where: str) -> float | None:
    variable = VARIABLES[name]
    if variable.non_negative:
        return irradiance(raw_value, where)
    if variable.field == "temperature":
        return celsius(raw_value, where)
    return number(raw_value, where)


def _check_units(units: Any, where: str) -> None:
    """Refuse an answer whose units differ from the ones we normalize from."""
    if units is None:
        return
    for name, unit in mapping(units, where).items():
        variable = VARIABLES.get(name)
        if variable is not None and unit != variable.unit:
            raise InvalidResponseError(
                f"{where}.{name} is {shown(unit)}, expected {variable.unit!r}"
            )


def _point(timestamp: datetime, values: dict[str, float | None]) -> WeatherPoint:
    fields = {VARIABLES[name].field: value for name, value in values.items()}
    return WeatherPoint(
        timestamp=timestamp,
        temperature=fields.get("temperature"),
        solar_radiation=fields.get("solar_radiation"),
        direct_radiation=fields.get("direct_radiation"),
        diffuse_radiation=fields.get("diffuse_radiation"),
        cloud_cover=fields.get("cloud_cover"),
    )


def _current(block: Any, offset: timedelta) -> WeatherPoint:
    current = mapping(block, "current")
    timestamp = iso_utc(current.get("time"), "current.time", utc_offset=offset)
    values = {
        name: _value(name, current[name], f"current.{name}")
        for name in VARIABLES
        if name in current
    }
    return _point(timestamp, values)


def _hourly(block: Any, offset: timedelta) -> tuple[WeatherPoint, ...]:
    hourly = mapping(block, "hourly")
    times = [
        iso_utc(value, f"hourly.time[{index}]", utc_offset=offset)
        for index, value in enumerate(sequence(hourly.get("time"), "hourly.time"))
    ]
    columns: dict[str, list[Any]] = {}
    for name in VARIABLES:
        if name not in hourly:
            continue
        column = sequence(hourly[name], f"hourly.{name}")
        if len(column) != len(times):
            raise InvalidResponseError(
                f"hourly.{name} has {len(column)} values for {len(times)} times"
            )
        columns[name] = column
    return tuple(
        _point(
            timestamp,
            {
                name: _value(name, column[index], f"hourly.{name}[{index}]")
                for name, column in columns.items()
            },
        )
        for index, timestamp in enumerate(times)
    )


def error_reason(payload: Any) -> str | None:
    """Open-Meteo's in-body error (``{"error": true, "reason": ...}``), if this is one."""
    if isinstance(payload, dict) and payload.get("error") is True:
        reason = payload.get("reason")
        return reason if isinstance(reason, str) else "no reason given"
    return None


def parse_forecast(payload: Any, fetched_at: datetime) -> WeatherReading:
    """Normalize a forecast answer; ``issued_at`` is when we fetched it.

    Open-Meteo does not say when its models ran, so the fetch time marks the border
    between past hours (at or before it) and forecast hours.
    """
    reason = error_reason(payload)
    if reason is not None:
        raise InvalidResponseError(f"Open-Meteo refused the request: {reason}")
    body = mapping(payload, "answer")
    offset_seconds = integer(body.get("utc_offset_seconds"), "utc_offset_seconds")
    if abs(offset_seconds) > 86_400:
        raise InvalidResponseError(f"utc_offset_seconds = {shown(offset_seconds)} is not an offset")
    offset = timedelta(seconds=offset_seconds)
    _check_units(body.get("hourly_units"), "hourly_units")
    _check_units(body.get("current_units"), "current_units")
    return within_limits(
        WeatherReading(
            api=WeatherApi.OPEN_METEO,
            issued_at=fetched_at,
            current=_current(body["current"], offset) if "current" in body else None,
            hourly=_hourly(body["hourly"], offset) if "hourly" in body else (),
        )
    )


def _retry_after(reason: str | None, now: datetime) -> float | None:
    """Guess the wait from Open-Meteo's 429 reason, which names the limit it hit."""
    if reason is None:
        return None
    lowered = reason.lower()
    for word, seconds in _LIMIT_WINDOWS.items():
        if word in lowered:
            return seconds
    if "daily" in lowered:
        tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
        return (tomorrow - now).total_seconds()
    return None


def _body_reason(raw: RawAnswer) -> str | None:
    try:
        return error_reason(parse_json(raw))
    except InvalidResponseError:
        return None


class OpenMeteoClient:
    """Open-Meteo's forecast API for one place."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        latitude: float,
        longitude: float,
        *,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        """Remember where to ask and about which place; nothing is sent yet."""
        check_coordinates(latitude, longitude)
        self._session = session
        self._latitude = latitude
        self._longitude = longitude
        self._url = f"{base_url.rstrip('/')}/{ENDPOINT}"

    async def async_identify(self) -> DeviceIdentity:
        """Ask once for the current temperature, to prove the API answers for this place."""
        raw = await self._request({"current": "temperature_2m", "forecast_days": 1})
        parse_answer(raw, parse_forecast)
        return weather_identity(WeatherApi.OPEN_METEO, self._latitude, self._longitude)

    async def async_fetch(self) -> FetchResult[WeatherReading]:
        """Fetch current conditions, yesterday's hours and the forecast in one request."""
        variables = ",".join(VARIABLES)
        raw = await self._request(
            {
                "current": variables,
                "hourly": variables,
                "past_days": PAST_DAYS,
                "forecast_days": FORECAST_DAYS,
            }
        )
        return FetchResult(raw=(raw,), reading=parse_answer(raw, parse_forecast))

    async def async_capture(self, start: datetime, end: datetime) -> tuple[RawAnswer, ...]:
        """Fetch the hours of the UTC days touching ``[start, end)`` for Bronze.

        Served by the forecast host with ``start_date``/``end_date``, which reaches
        ``MAX_PAST_DAYS`` back; older days are on the archive host, which this client
        does not use.
        """
        first, last = self._capture_days(start, end)
        raw = await self._request(
            {
                "hourly": ",".join(VARIABLES),
                "start_date": first.isoformat(),
                "end_date": last.isoformat(),
            }
        )
        parse_answer(raw, parse_forecast)
        return (raw,)

    @staticmethod
    def _capture_days(start: datetime, end: datetime) -> tuple[date, date]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("capture times must be timezone-aware")
        if end <= start:
            raise ValueError(f"capture range is empty: {start} .. {end}")
        first = start.astimezone(UTC).date()
        last = (end - timedelta(microseconds=1)).astimezone(UTC).date()
        today = datetime.now(UTC).date()
        if first < today - timedelta(days=MAX_PAST_DAYS):
            raise ValueError(f"Open-Meteo's forecast API keeps {MAX_PAST_DAYS} days, not {first}")
        if last > today + timedelta(days=MAX_FORECAST_DAYS):
            raise ValueError(f"{last} is beyond Open-Meteo's {MAX_FORECAST_DAYS}-day forecast")
        return first, last

    async def _request(self, params: dict[str, Any]) -> RawAnswer:
        """One GET; a 400 answer is kept for its in-body reason, a 429 gets a retry time."""
        query = {
            "latitude": request_coordinate(self._latitude),
            "longitude": request_coordinate(self._longitude),
            "timezone": "GMT",
            **params,
        }
        try:
            raw = await fetch(
                self._session, ENDPOINT, self._url, params=query, ok_statuses=frozenset({200, 400})
            )
        except RateLimitedError as err:
            if err.retry_after is not None or err.raw is None:
                raise
            reason = _body_reason(err.raw)
            raise RateLimitedError(
                f"{ENDPOINT}: {reason or err}",
                retry_after=_retry_after(reason, err.raw.fetched_at),
                raw=err.raw,
            ) from err
        if raw.status == 400:
            reason = _body_reason(raw) or "no reason given"
            raise InvalidResponseError(
                f"{ENDPOINT}: Open-Meteo refused the request: {reason}", raw=raw
            )
        return raw
