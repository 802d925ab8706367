"""OpenWeatherMap: current weather (2.5) and the hourly forecast of One Call 3.0.

Both endpoints take the key as ``appid`` and answer in Kelvin unless asked for
``units=metric``; we always ask, and refuse an answer that is still in Kelvin.

One Call 3.0 needs its own "One Call by Call" subscription. A key without it gets
401 from One Call but 200 from current weather. So the forecast is the optional half:
:meth:`OpenWeatherMapClient.async_fetch` returns the current conditions whenever
``/weather`` works, and keeps why the forecast is missing in ``forecast_error``
(:class:`NotSupportedError` for a missing subscription, :class:`RateLimitedError` for a
spent budget). OWM has no irradiance: ``solar_radiation`` is always None.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from .budget import RequestBudget
from .errors import (
    AuthenticationError,
    InvalidResponseError,
    NotSupportedError,
    RateLimitedError,
    SourceError,
    shown,
)
from .http import fetch
from .limits import within_limits
from .models import DeviceIdentity, FetchResult, RawAnswer, WeatherApi, WeatherPoint, WeatherReading
from .weather import (
    celsius,
    check_coordinates,
    epoch_utc,
    mapping,
    number,
    parse_answer,
    request_coordinate,
    sequence,
    weather_identity,
)

DEFAULT_BASE_URL = "https://api.openweathermap.org"
CURRENT_PATH = "/data/2.5/weather"
ONECALL_PATH = "/data/3.0/onecall"
ONECALL_FREE_PER_DAY = 1000
"""One Call by Call is free up to this many calls a day, then charged per call."""
NOT_SUBSCRIBED_RETRY = timedelta(hours=24)
"""How long to leave One Call alone after it said the key has no subscription."""


def _check_cod(body: dict[str, Any]) -> None:
    """Raise for an error body; OWM's ``cod`` is a number or a string."""
    cod = body.get("cod")
    if cod is not None and cod not in (200, "200"):
        code, message = (v if isinstance(v, str) else shown(v) for v in (cod, body.get("message")))
        raise InvalidResponseError(f"OpenWeatherMap error {code}: {message}")


def _point(item: Any, where: str) -> WeatherPoint:
    """Read one One Call object with ``dt``, ``temp`` and ``clouds``."""
    entry = mapping(item, where)
    return WeatherPoint(
        timestamp=epoch_utc(entry.get("dt"), f"{where}.dt"),
        temperature=celsius(entry.get("temp"), f"{where}.temp"),
        cloud_cover=number(entry.get("clouds"), f"{where}.clouds"),
    )


def parse_current(payload: Any, fetched_at: datetime) -> WeatherPoint:
    """Normalize ``/data/2.5/weather`` (metric) to one point at its ``dt``."""
    body = mapping(payload, "answer")
    _check_cod(body)
    main = mapping(body.get("main", {}), "main")
    clouds = mapping(body.get("clouds", {}), "clouds")
    return within_limits(
        WeatherPoint(
            timestamp=epoch_utc(body.get("dt"), "dt"),
            temperature=celsius(main.get("temp"), "main.temp"),
            cloud_cover=number(clouds.get("all"), "clouds.all"),
        )
    )


def parse_onecall(payload: Any, fetched_at: datetime) -> WeatherReading:
    """Normalize ``/data/3.0/onecall`` (metric); ``issued_at`` is ``current.dt``."""
    body = mapping(payload, "answer")
    _check_cod(body)
    current = _point(body.get("current"), "current")
    hourly = tuple(
        _point(item, f"hourly[{index}]")
        for index, item in enumerate(sequence(body.get("hourly", []), "hourly"))
    )
    return within_limits(
        WeatherReading(
            api=WeatherApi.OPENWEATHERMAP,
            issued_at=current.timestamp,
            current=current,
            hourly=hourly,
        )
    )


class OpenWeatherMapClient:
    """OpenWeatherMap for one place and one key."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        latitude: float,
        longitude: float,
        *,
        budget: RequestBudget | None = None,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        """Use ``budget`` for One Call (share it per key); by default the free 1000 a day."""
        if not api_key:
            raise ValueError("an OpenWeatherMap API key is required")
        check_coordinates(latitude, longitude)
        self._session = session
        self._api_key = api_key
        self._latitude = latitude
        self._longitude = longitude
        self._base_url = base_url.rstrip("/")
        self._budget = budget if budget is not None else RequestBudget(per_day=ONECALL_FREE_PER_DAY)
        self._forecast_paused_until: datetime | None = None
        self.forecast_error: SourceError | None = None
        """Why the last ``async_fetch`` has no hourly forecast, or None when it has one."""

    async def async_identify(self) -> DeviceIdentity:
        """Check the key on current weather (One Call is optional, see the module)."""
        await self._get_current()
        return weather_identity(WeatherApi.OPENWEATHERMAP, self._latitude, self._longitude)

    async def async_fetch(self) -> FetchResult[WeatherReading]:
        """Fetch current weather, then the One Call forecast when it is available.

        Errors of current weather propagate (401 there is a bad key). Errors of the
        forecast do not: the reading then has no hourly points, ``forecast_error`` says
        why, and any answer One Call gave is still in ``raw`` for Bronze.
        """
        current_raw, current = await self._get_current()
        raws: list[RawAnswer] = [current_raw]
        issued_at = current.timestamp
        hourly: tuple[WeatherPoint, ...] = ()
        try:
            forecast = await self._forecast_if_due()
        except SourceError as err:
            self.forecast_error = err
            if err.raw is not None:
                raws.append(err.raw)
        else:
            if forecast is not None:
                self.forecast_error = None
                raws.extend(forecast.raw)
                issued_at = forecast.reading.issued_at
                hourly = forecast.reading.hourly
        return FetchResult(
            raw=tuple(raws),
            reading=WeatherReading(
                api=WeatherApi.OPENWEATHERMAP, issued_at=issued_at, current=current, hourly=hourly
            ),
        )

    async def async_fetch_forecast(self) -> FetchResult[WeatherReading]:
        """Fetch One Call 3.0 alone, drawing one request from the budget.

        401 raises :class:`NotSupportedError`: One Call cannot tell a key without the
        subscription from a bad key; current weather can (see ``async_identify``).
        """
        await self._budget.acquire()
        try:
            raw = await self._get(ONECALL_PATH, "onecall", {"exclude": "minutely,daily,alerts"})
        except AuthenticationError as err:
            raise NotSupportedError(
                "onecall: this key has no One Call 3.0 subscription", raw=err.raw
            ) from err
        return FetchResult(raw=(raw,), reading=parse_answer(raw, parse_onecall))

    async def _forecast_if_due(self) -> FetchResult[WeatherReading] | None:
        """Ask One Call, or return None while it said recently that asking is pointless.

        During such a pause ``forecast_error`` keeps the error that started it.
        """
        now = datetime.now(UTC)
        if self._forecast_paused_until is not None and now < self._forecast_paused_until:
            return None
        try:
            return await self.async_fetch_forecast()
        except NotSupportedError:
            self._forecast_paused_until = now + NOT_SUBSCRIBED_RETRY
            raise
        except RateLimitedError as err:
            if err.retry_after is not None:
                self._forecast_paused_until = now + timedelta(seconds=err.retry_after)
            raise

    async def _get_current(self) -> tuple[RawAnswer, WeatherPoint]:
        raw = await self._get(CURRENT_PATH, "current", {})
        return raw, parse_answer(raw, parse_current)

    async def _get(self, path: str, endpoint: str, params: dict[str, str]) -> RawAnswer:
        query = {
            "lat": request_coordinate(self._latitude),
            "lon": request_coordinate(self._longitude),
            "units": "metric",
            "appid": self._api_key,
            **params,
        }
        return await fetch(
            self._session,
            endpoint,
            f"{self._base_url}{path}",
            params=query,
            secret_params=frozenset({"appid"}),
        )
