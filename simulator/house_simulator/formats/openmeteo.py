"""Open-Meteo ``/v1/forecast`` answers: column-oriented hourly arrays, optional ``current``.

Shape as in HA core's ``tests/components/open_meteo/fixtures`` and Open-Meteo's docs:
radiation is the mean of the preceding hour, times are ISO without offset in the
requested zone (GMT, or the place's zone for ``timezone=auto``).
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from house_simulator.config import HouseConfig
from house_simulator.forecasts import HOUR_S, HourlyWeather, WeatherService

UNITS = {
    "temperature_2m": "°C",
    "relative_humidity_2m": "%",
    "cloud_cover": "%",
    "shortwave_radiation": "W/m²",
    "direct_radiation": "W/m²",
    "diffuse_radiation": "W/m²",
    "direct_normal_irradiance": "W/m²",
    "surface_pressure": "hPa",
    "wind_speed_10m": "km/h",
    "precipitation": "mm",
    "is_day": "",
}
GRID_STEP = 0.0625
"""Open-Meteo answers with the model grid cell's centre, not the asked coordinates."""


def _column(view: HourlyWeather, name: str) -> list[Any]:
    values: dict[str, Any] = {
        "temperature_2m": view.temperature,
        "relative_humidity_2m": view.humidity,
        "cloud_cover": view.cloud_cover,
        "shortwave_radiation": view.ghi,
        "direct_radiation": view.direct,
        "diffuse_radiation": view.dhi,
        "direct_normal_irradiance": view.dni,
        "surface_pressure": view.pressure - 12.0,
        "wind_speed_10m": np.round(view.wind_speed * 3.6, 1),
        "precipitation": view.precipitation,
        "is_day": view.is_day,
    }
    column = values[name]
    if name in ("cloud_cover", "relative_humidity_2m", "is_day"):
        return [int(v) for v in column]
    return [float(v) for v in column]


class BadRequestError(ValueError):
    """A request Open-Meteo would refuse with 400 and a reason."""


def _variables(text: str | None) -> list[str]:
    if not text:
        return []
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in UNITS:
            raise BadRequestError(
                f"Cannot initialize ForecastVariable from invalid String value {name}."
            )
    return names


def error(reason: str) -> bytes:
    """Open-Meteo's error body."""
    return json.dumps({"error": True, "reason": reason}).encode()


def forecast(
    service: WeatherService, config: HouseConfig, now_s: float, query: dict[str, str]
) -> bytes:
    """Answer ``/v1/forecast``.

    Reads the query's ``hourly``, ``current``, ``past_days`` and ``forecast_days`` (or
    ``start_date``/``end_date``); raises :class:`BadRequestError` where Open-Meteo refuses.
    """
    hourly_names = _variables(query.get("hourly"))
    current_names = _variables(query.get("current"))
    zone_name = query.get("timezone", "GMT")
    if zone_name in ("GMT", "UTC", ""):
        zone_label, abbreviation = "GMT", "GMT"
        offset = 0
    elif zone_name in {"auto", config.location.timezone}:
        zone_label = config.location.timezone
        local_now = datetime.fromtimestamp(now_s, ZoneInfo(zone_label))
        offset = int(local_now.utcoffset().total_seconds())  # type: ignore[union-attr]
        abbreviation = local_now.tzname() or zone_label
    else:
        raise BadRequestError(f"Invalid timezone {zone_name}")
    try:
        past_days = int(query.get("past_days", "0"))
        forecast_days = int(query.get("forecast_days", "7"))
    except ValueError as err:
        raise BadRequestError(
            f"Parameter past_days or forecast_days is not a number: {err}"
        ) from err
    if not 0 <= past_days <= 92:
        raise BadRequestError("Past days is invalid. Allowed range 0 to 92.")
    if not 0 <= forecast_days <= 16:
        raise BadRequestError("Forecast days is invalid. Allowed range 0 to 16.")

    local_midnight = (int(now_s) + offset) // 86_400 * 86_400 - offset
    if "start_date" in query or "end_date" in query:
        try:
            first = datetime.fromisoformat(query["start_date"]).replace(tzinfo=UTC)
            last = datetime.fromisoformat(query["end_date"]).replace(tzinfo=UTC)
        except (KeyError, ValueError) as err:
            raise BadRequestError(
                "start_date and end_date must both be given as yyyy-mm-dd"
            ) from err
        if last < first:
            raise BadRequestError("End-date must be larger or equals than start-date")
        first_hour = int(first.timestamp()) - offset
        count = ((last - first).days + 1) * 24
    else:
        first_hour = local_midnight - past_days * 86_400
        count = (past_days + forecast_days) * 24

    lat = round(round(config.location.latitude / GRID_STEP) * GRID_STEP, 6)
    lon = round(round(config.location.longitude / GRID_STEP) * GRID_STEP, 6)
    document: dict[str, Any] = {
        "latitude": lat,
        "longitude": lon,
        "generationtime_ms": 0.1,
        "utc_offset_seconds": offset,
        "timezone": zone_label,
        "timezone_abbreviation": abbreviation,
        "elevation": round(config.location.altitude),
    }
    if current_names:
        quarter = int(now_s) // 900 * 900
        current = service.current("openmeteo", quarter)
        by_name = {
            "temperature_2m": current["temperature"],
            "relative_humidity_2m": int(current["humidity"]),
            "cloud_cover": int(current["cloud_cover"]),
            "shortwave_radiation": current["ghi"],
            "direct_radiation": max(0.0, round(current["ghi"] - current["dhi"], 1)),
            "diffuse_radiation": current["dhi"],
            "direct_normal_irradiance": current["dni"],
            "surface_pressure": current["pressure"] - 12.0,
            "wind_speed_10m": round(current["wind_speed"] * 3.6, 1),
            "precipitation": current["precipitation"],
            "is_day": int(current["is_day"]),
        }
        document["current_units"] = {"time": "iso8601", "interval": "seconds"} | {
            name: UNITS[name] for name in current_names
        }
        document["current"] = {
            "time": _local_iso(quarter, offset),
            "interval": 900,
        } | {name: by_name[name] for name in current_names}
    if hourly_names and count > 0:
        view = service.view("openmeteo", now_s, first_hour, count)
        document["hourly_units"] = {"time": "iso8601"} | {
            name: UNITS[name] for name in hourly_names
        }
        document["hourly"] = {"time": [_local_iso(int(t), offset) for t in view.t]} | {
            name: _column(view, name) for name in hourly_names
        }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _local_iso(t: int, offset: int) -> str:
    return datetime.fromtimestamp(t + offset, tz=UTC).strftime("%Y-%m-%dT%H:%M")


__all__ = ["HOUR_S", "BadRequestError", "error", "forecast"]
