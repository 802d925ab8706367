"""OpenWeatherMap answers: current weather 2.5 and One Call 3.0, in the requested units.

Shapes follow OpenWeatherMap's documentation and HA core's ``openweathermap`` fixtures:
``rain`` absent when dry, ``cod`` a number, Kelvin unless ``units`` says otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from house_simulator.config import HouseConfig
from house_simulator.forecasts import HOUR_S, WeatherService

KELVIN = 273.15


class BadUnitsError(ValueError):
    """``units`` is not one of standard, metric, imperial."""


def _temperature(celsius: float, units: str) -> float:
    if units == "metric":
        return round(celsius, 2)
    if units == "imperial":
        return round(celsius * 9.0 / 5.0 + 32.0, 2)
    return round(celsius + KELVIN, 2)


def _speed(metres_per_second: float, units: str) -> float:
    return round(metres_per_second * (2.23694 if units == "imperial" else 1.0), 2)


def _condition(cloud: float, rain: float, is_day: bool) -> dict[str, Any]:
    suffix = "d" if is_day else "n"
    if rain > 0.0:
        return {"id": 500, "main": "Rain", "description": "light rain", "icon": f"10{suffix}"}
    if cloud < 11:
        return {"id": 800, "main": "Clear", "description": "clear sky", "icon": f"01{suffix}"}
    if cloud < 25:
        return {"id": 801, "main": "Clouds", "description": "few clouds", "icon": f"02{suffix}"}
    if cloud < 51:
        return {
            "id": 802,
            "main": "Clouds",
            "description": "scattered clouds",
            "icon": f"03{suffix}",
        }
    if cloud < 85:
        return {"id": 803, "main": "Clouds", "description": "broken clouds", "icon": f"04{suffix}"}
    return {"id": 804, "main": "Clouds", "description": "overcast clouds", "icon": f"04{suffix}"}


def _units(query: dict[str, str]) -> str:
    units = query.get("units", "standard")
    if units not in ("standard", "metric", "imperial"):
        raise BadUnitsError(units)
    return units


def _sun_times(service: WeatherService, now_s: float) -> tuple[int, int]:
    """Return today's sunrise and sunset (UTC day)."""
    return service.sun_times(int(now_s) // 86_400)


def current(
    service: WeatherService, config: HouseConfig, now_s: float, query: dict[str, str]
) -> bytes:
    """``/data/2.5/weather``."""
    units = _units(query)
    observed = int(now_s) // 600 * 600
    now = service.current("owm", observed)
    temp = now["temperature"]
    sunrise, sunset = _sun_times(service, now_s)
    document: dict[str, Any] = {
        "coord": {
            "lon": round(config.location.longitude, 4),
            "lat": round(config.location.latitude, 4),
        },
        "weather": [_condition(now["cloud_cover"], now["precipitation"], bool(now["is_day"]))],
        "base": "stations",
        "main": {
            "temp": _temperature(temp, units),
            "feels_like": _temperature(temp - 0.4 * now["wind_speed"], units),
            "temp_min": _temperature(temp - 0.8, units),
            "temp_max": _temperature(temp + 0.7, units),
            "pressure": int(now["pressure"]),
            "humidity": int(now["humidity"]),
            "sea_level": int(now["pressure"]),
            "grnd_level": int(now["pressure"] - 13),
        },
        "visibility": 10000,
        "wind": {"speed": _speed(now["wind_speed"], units), "deg": int(now["wind_direction"])},
    }
    if now["precipitation"] > 0:
        document["rain"] = {"1h": now["precipitation"]}
    document |= {
        "clouds": {"all": int(now["cloud_cover"])},
        "dt": observed,
        "sys": {"type": 2, "id": 2081434, "country": "DE", "sunrise": sunrise, "sunset": sunset},
        "timezone": 3600,
        "id": 2925533,
        "name": "Frankfurt am Main",
        "cod": 200,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def onecall(
    service: WeatherService, config: HouseConfig, now_s: float, query: dict[str, str]
) -> bytes:
    """``/data/3.0/onecall`` with ``current``, ``hourly`` (48 h) and ``daily`` (8 days)."""
    units = _units(query)
    exclude = {part.strip() for part in query.get("exclude", "").split(",") if part.strip()}
    now = service.current("owm", int(now_s) // 600 * 600)
    sunrise, sunset = _sun_times(service, now_s)
    document: dict[str, Any] = {
        "lat": round(config.location.latitude, 4),
        "lon": round(config.location.longitude, 4),
        "timezone": config.location.timezone,
        "timezone_offset": 3600,
    }
    if "current" not in exclude:
        block: dict[str, Any] = {
            "dt": int(now_s),
            "sunrise": sunrise,
            "sunset": sunset,
            "temp": _temperature(now["temperature"], units),
            "feels_like": _temperature(now["temperature"] - 0.4 * now["wind_speed"], units),
            "pressure": int(now["pressure"]),
            "humidity": int(now["humidity"]),
            "dew_point": _temperature(now["temperature"] - (100 - now["humidity"]) / 5.0, units),
            "uvi": round(max(0.0, now["ghi"]) / 110.0, 2),
            "clouds": int(now["cloud_cover"]),
            "visibility": 10000,
            "wind_speed": _speed(now["wind_speed"], units),
            "wind_deg": int(now["wind_direction"]),
            "weather": [_condition(now["cloud_cover"], now["precipitation"], bool(now["is_day"]))],
        }
        if now["precipitation"] > 0:
            block["rain"] = {"1h": now["precipitation"]}
        document["current"] = block
    hour = int(now_s) // HOUR_S * HOUR_S
    if "hourly" not in exclude:
        view = service.view("owm", now_s, hour, 48)
        hours = []
        for i in range(48):
            entry: dict[str, Any] = {
                "dt": int(view.t[i]),
                "temp": _temperature(float(view.temperature[i]), units),
                "feels_like": _temperature(
                    float(view.temperature[i] - 0.4 * view.wind_speed[i]), units
                ),
                "pressure": int(view.pressure[i]),
                "humidity": int(view.humidity[i]),
                "dew_point": _temperature(
                    float(view.temperature[i] - (100 - view.humidity[i]) / 5.0), units
                ),
                "uvi": round(float(view.ghi[i]) / 110.0, 2),
                "clouds": int(view.cloud_cover[i]),
                "visibility": 10000,
                "wind_speed": _speed(float(view.wind_speed[i]), units),
                "wind_deg": int(view.wind_direction[i]),
                "wind_gust": _speed(float(view.wind_speed[i] * 1.8), units),
                "weather": [
                    _condition(
                        float(view.cloud_cover[i]),
                        float(view.precipitation[i]),
                        bool(view.is_day[i]),
                    )
                ],
                "pop": round(
                    min(
                        1.0,
                        float(view.cloud_cover[i])
                        / 100.0
                        * (0.9 if view.precipitation[i] else 0.2),
                    ),
                    2,
                ),
            }
            if view.precipitation[i] > 0:
                entry["rain"] = {"1h": float(view.precipitation[i])}
            hours.append(entry)
        document["hourly"] = hours
    if "daily" not in exclude:
        first = hour // 86_400 * 86_400
        view = service.view("owm", now_s, first, 8 * 24)
        days = []
        for d in range(8):
            part = slice(d * 24, (d + 1) * 24)
            temps = view.temperature[part]
            rain = float(view.precipitation[part].sum())
            cloud = float(view.cloud_cover[part].mean())
            entry = {
                "dt": int(view.t[d * 24] + 11 * HOUR_S),
                "sunrise": sunrise + d * 86_400,
                "sunset": sunset + d * 86_400,
                "summary": "Expect a day of partly cloudy weather",
                "temp": {
                    "day": _temperature(float(temps[12]), units),
                    "min": _temperature(float(temps.min()), units),
                    "max": _temperature(float(temps.max()), units),
                    "night": _temperature(float(temps[23]), units),
                    "eve": _temperature(float(temps[18]), units),
                    "morn": _temperature(float(temps[6]), units),
                },
                "pressure": int(view.pressure[d * 24 + 12]),
                "humidity": int(view.humidity[d * 24 + 12]),
                "wind_speed": _speed(float(view.wind_speed[part].max()), units),
                "wind_deg": int(view.wind_direction[d * 24 + 12]),
                "weather": [_condition(cloud, rain, True)],
                "clouds": round(cloud),
                "pop": round(min(1.0, rain / 5.0), 2),
                "uvi": round(float(view.ghi[part].max()) / 110.0, 2),
            }
            if rain > 0:
                entry["rain"] = round(rain, 2)
            days.append(entry)
        document["daily"] = days
    return json.dumps(document, separators=(",", ":")).encode()


def error(code: int, message: str) -> bytes:
    """OpenWeatherMap's error body."""
    return json.dumps({"cod": code, "message": message}).encode()
