"""MET Norway Locationforecast 2.0 ``compact``: a polite client with a cache.

MET's terms of service are strict and this client keeps them:

* every request carries an identifying User-Agent (without one MET answers 403), so
  an empty ``user_agent`` is refused at construction;
* no request before the ``Expires`` time of the last good answer: ``async_fetch``
  then returns the cached reading and no raw answer;
* re-requests send ``If-Modified-Since``; a 304 returns the cached reading together
  with the 304 raw answer, so Bronze still sees the poll;
* coordinates carry at most four decimals (:func:`.weather.request_coordinate`);
* 203 (product deprecated or beta) is logged once as a warning; 429 raises
  :class:`RateLimitedError`.

The compact product has no irradiance (``solar_radiation`` is None) and no "now"
point (``current`` is None); its series is hourly for about 2.5 days, then 6-hourly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import logging
from typing import Any

import aiohttp

from .errors import InvalidResponseError, shown
from .http import fetch
from .limits import within_limits
from .models import DeviceIdentity, FetchResult, WeatherApi, WeatherPoint, WeatherReading
from .weather import (
    celsius,
    check_coordinates,
    iso_utc,
    mapping,
    number,
    parse_answer,
    request_coordinate,
    sequence,
    weather_identity,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.met.no/weatherapi/locationforecast/2.0"
ENDPOINT = "compact"
EXPECTED_UNITS = {"air_temperature": "celsius", "cloud_area_fraction": "%"}


def _http_date(value: str | None) -> datetime | None:
    """Parse an HTTP date header; None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_compact(payload: Any, fetched_at: datetime) -> WeatherReading:
    """Normalize a compact answer; ``issued_at`` is ``meta.updated_at``."""
    properties = mapping(mapping(payload, "answer").get("properties"), "properties")
    meta = mapping(properties.get("meta"), "properties.meta")
    units = mapping(meta.get("units", {}), "properties.meta.units")
    for name, unit in EXPECTED_UNITS.items():
        if name in units and units[name] != unit:
            raise InvalidResponseError(
                f"meta.units.{name} is {shown(units[name])}, expected {unit!r}"
            )
    points = []
    for index, item in enumerate(sequence(properties.get("timeseries"), "timeseries")):
        where = f"timeseries[{index}]"
        entry = mapping(item, where)
        data = mapping(entry.get("data"), f"{where}.data")
        details = mapping(
            mapping(data.get("instant"), f"{where}.data.instant").get("details", {}),
            f"{where}.data.instant.details",
        )
        points.append(
            WeatherPoint(
                timestamp=iso_utc(entry.get("time"), f"{where}.time"),
                temperature=celsius(details.get("air_temperature"), f"{where}.air_temperature"),
                cloud_cover=number(
                    details.get("cloud_area_fraction"), f"{where}.cloud_area_fraction"
                ),
            )
        )
    return within_limits(
        WeatherReading(
            api=WeatherApi.MET_NORWAY,
            issued_at=iso_utc(meta.get("updated_at"), "meta.updated_at"),
            hourly=tuple(points),
        )
    )


class MetNorwayClient:
    """MET Norway's Locationforecast for one place, with its answer cached."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        latitude: float,
        longitude: float,
        *,
        user_agent: str,
        altitude: float | None = None,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        """Refuse to exist without an identifying User-Agent (MET answers 403 to none).

        ``altitude`` (metres above sea level) lets MET correct the temperature for the
        height of the home instead of the model's terrain.
        """
        if not user_agent or not user_agent.strip():
            raise ValueError("MET Norway requires an identifying User-Agent")
        check_coordinates(latitude, longitude)
        self._session = session
        self._latitude = latitude
        self._longitude = longitude
        self._user_agent = user_agent.strip()
        self._altitude = altitude
        self._url = f"{base_url.rstrip('/')}/{ENDPOINT}"
        self._cached: WeatherReading | None = None
        self._expires: datetime | None = None
        self._last_modified: str | None = None
        self._warned_deprecated = False

    @property
    def expires(self) -> datetime | None:
        """When MET allows the next request, from the last good answer's ``Expires``."""
        return self._expires

    async def async_identify(self) -> DeviceIdentity:
        """Fetch once (through the cache) to prove MET answers for this place."""
        await self.async_fetch()
        return weather_identity(WeatherApi.MET_NORWAY, self._latitude, self._longitude)

    async def async_fetch(self) -> FetchResult[WeatherReading]:
        """Return the cached forecast until it expires, then ask MET again."""
        cached = self._cached
        fresh = self._expires is not None and datetime.now(UTC) < self._expires
        if cached is not None and fresh:
            return FetchResult(raw=(), reading=cached)
        headers = {"User-Agent": self._user_agent}
        if cached is not None and self._last_modified:
            headers["If-Modified-Since"] = self._last_modified
        params = {
            "lat": request_coordinate(self._latitude),
            "lon": request_coordinate(self._longitude),
        }
        if self._altitude is not None:
            params["altitude"] = str(round(self._altitude))
        raw = await fetch(
            self._session,
            ENDPOINT,
            self._url,
            params=params,
            headers=headers,
            ok_statuses=frozenset({200, 203, 304}),
        )
        if raw.status == 203 and not self._warned_deprecated:
            self._warned_deprecated = True
            _LOGGER.warning(
                "MET Norway says Locationforecast 2.0 is deprecated or beta (HTTP 203); "
                "this integration needs an update"
            )
        if raw.status == 304:
            if cached is None:
                raise InvalidResponseError(f"{ENDPOINT}: 304 without a cached forecast", raw=raw)
            self._expires = _http_date(raw.headers.get("expires"))
            return FetchResult(raw=(raw,), reading=cached)
        reading = parse_answer(raw, parse_compact)
        self._cached = reading
        self._expires = _http_date(raw.headers.get("expires"))
        self._last_modified = raw.headers.get("last-modified")
        return FetchResult(raw=(raw,), reading=reading)
