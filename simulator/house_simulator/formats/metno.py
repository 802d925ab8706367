"""MET Norway Locationforecast 2.0 ``compact`` answers (GeoJSON), issued every six hours.

Shape per MET's ForecastJSON documentation: hourly steps for about 2.5 days, then
six-hourly to day 9; six-hourly steps have no ``next_1_hours``; the last ones lack
``next_6_hours`` and ``next_12_hours``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
import json
from typing import Any

import numpy as np

from house_simulator.config import HouseConfig
from house_simulator.forecasts import HOUR_S, WeatherService, issue_time

HOURLY_STEPS = 61
LAST_HOUR = 9 * 24
EXPIRES_AFTER_S = 30 * 60
"""How long an answer may be cached before asking again (MET's ``Expires``)."""


def _symbol(cloud: float, rain: float, is_day: bool) -> str:
    daypart = "_day" if is_day else "_night"
    if rain > 0.0:
        return "rain" if cloud > 90 else f"rainshowers{daypart}"
    if cloud < 13:
        return f"clearsky{daypart}"
    if cloud < 38:
        return f"fair{daypart}"
    if cloud < 75:
        return f"partlycloudy{daypart}"
    return "cloudy"


def last_modified(now_s: float) -> int:
    """When the forecast served at ``now_s`` was published (Unix seconds)."""
    return issue_time("metno", now_s) + 90 * 60


def http_date(t: float) -> str:
    """Return an HTTP date (RFC 7231), always in English whatever the locale."""
    day, seconds = divmod(int(t), 86_400)
    hours, rest = divmod(seconds, 3600)
    return f"{_day_prefix(day)} {hours:02d}:{rest // 60:02d}:{rest % 60:02d} GMT"


@lru_cache(maxsize=64)
def _day_prefix(day: int) -> str:
    moment = datetime.fromtimestamp(day * 86_400, tz=UTC)
    return f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year}"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def compact(
    service: WeatherService,
    config: HouseConfig,
    now_s: float,
    *,
    lat: float,
    lon: float,
    altitude: int | None,
) -> bytes:
    """``/weatherapi/locationforecast/2.0/compact`` as published at ``last_modified(now_s)``."""
    published = last_modified(now_s)
    first = (published // HOUR_S) * HOUR_S
    view = service.view("metno", now_s, first, LAST_HOUR + 12)
    steps: list[int] = list(range(HOURLY_STEPS))
    six = steps[-1] + 1
    while six <= LAST_HOUR:
        if (int(view.t[six]) // HOUR_S) % 6 == 0:
            steps.append(six)
            six += 6
        else:
            six += 1
    series = []
    for position, i in enumerate(steps):
        data: dict[str, Any] = {
            "instant": {
                "details": {
                    "air_pressure_at_sea_level": float(view.pressure[i]),
                    "air_temperature": float(view.temperature[i]),
                    "cloud_area_fraction": float(view.cloud_cover[i]),
                    "relative_humidity": float(view.humidity[i]),
                    "wind_from_direction": float(view.wind_direction[i]),
                    "wind_speed": float(view.wind_speed[i]),
                }
            }
        }
        remaining = len(view.t) - i
        if remaining > 12 and position < len(steps) - 2:
            data["next_12_hours"] = {
                "summary": {
                    "symbol_code": _symbol(
                        float(np.mean(view.cloud_cover[i : i + 12])),
                        float(view.precipitation[i : i + 12].sum()),
                        bool(view.is_day[i + 6]),
                    )
                },
                "details": {},
            }
        if i < HOURLY_STEPS:
            data["next_1_hours"] = {
                "summary": {
                    "symbol_code": _symbol(
                        float(view.cloud_cover[i]),
                        float(view.precipitation[i]),
                        bool(view.is_day[i]),
                    )
                },
                "details": {"precipitation_amount": float(view.precipitation[i])},
            }
        if remaining > 6 and position < len(steps) - 1:
            data["next_6_hours"] = {
                "summary": {
                    "symbol_code": _symbol(
                        float(np.mean(view.cloud_cover[i : i + 6])),
                        float(view.precipitation[i : i + 6].sum()),
                        bool(view.is_day[i + 3]),
                    )
                },
                "details": {
                    "precipitation_amount": round(float(view.precipitation[i : i + 6].sum()), 1)
                },
            }
        series.append(
            {
                "time": datetime.fromtimestamp(int(view.t[i]), tz=UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "data": data,
            }
        )
    coordinates: list[float] = [lon, lat]
    coordinates.append(float(altitude if altitude is not None else round(config.location.altitude)))
    document = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": coordinates},
        "properties": {
            "meta": {
                "updated_at": datetime.fromtimestamp(published, tz=UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "units": {
                    "air_pressure_at_sea_level": "hPa",
                    "air_temperature": "celsius",
                    "cloud_area_fraction": "%",
                    "precipitation_amount": "mm",
                    "relative_humidity": "%",
                    "wind_from_direction": "degrees",
                    "wind_speed": "m/s",
                },
            },
            "timeseries": series,
        },
    }
    return json.dumps(document, separators=(",", ":")).encode()


def headers(now_s: float) -> dict[str, str]:
    """``Last-Modified`` and ``Expires`` of the answer served at ``now_s``."""
    return {
        "Last-Modified": http_date(last_modified(now_s)),
        "Expires": http_date(now_s + EXPIRES_AFTER_S),
    }
