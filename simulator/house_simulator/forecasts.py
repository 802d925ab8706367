"""What the three weather APIs say about the true weather.

Each API sees the truth through its own bias and noise, and issues forecasts at its own
cadence whose error grows with lead time.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
import threading

import numpy as np
import pvlib

from .config import HouseConfig
from .noise import FloatArray, floats, smooth_noise
from .weather import Weather, clear_sky_ghi, cloud_transmittance, sun_position, weather_at

HOUR_S = 3600
DAY_S = 86_400
_SUBSTEPS = 6
"""Samples per hour for hourly means of irradiance (every 10 minutes)."""


@dataclass(frozen=True, slots=True)
class ApiProfile:
    """How one weather API differs from the truth."""

    name: str
    temperature_bias: float
    temperature_noise: float
    cloud_bias: float
    radiation_factor: float
    issue_every_s: int
    """Forecasts are issued at multiples of this many seconds..."""
    latency_s: int
    """...and published this long after their nominal time."""


PROFILES: dict[str, ApiProfile] = {
    "openmeteo": ApiProfile("openmeteo", 0.25, 0.25, -3.0, 1.04, HOUR_S, 20 * 60),
    "owm": ApiProfile("owm", -0.45, 0.45, 6.0, 1.0, HOUR_S, 10 * 60),
    "metno": ApiProfile("metno", 0.1, 0.3, 2.0, 1.0, 6 * HOUR_S, 90 * 60),
}


@dataclass(frozen=True, slots=True)
class HourlyWeather:
    """Hourly values at hour starts ``t``.

    Irradiance is the mean of the hour *before* ``t``, as Open-Meteo reports it; the
    rest are instants.
    """

    t: FloatArray
    temperature: FloatArray
    cloud_cover: FloatArray
    ghi: FloatArray
    dni: FloatArray
    dhi: FloatArray
    direct: FloatArray
    """Direct horizontal irradiance, W/m²."""
    pressure: FloatArray
    humidity: FloatArray
    wind_speed: FloatArray
    wind_direction: FloatArray
    precipitation: FloatArray
    """mm in the hour after ``t``."""
    is_day: FloatArray
    zenith_mid: FloatArray
    """Solar zenith half an hour before ``t``, for forecast irradiance, degrees."""


def issue_time(api: str, now_s: float) -> int:
    """When the forecast that ``api`` serves at ``now_s`` was issued (Unix seconds)."""
    profile = PROFILES[api]
    return int((now_s - profile.latency_s) // profile.issue_every_s * profile.issue_every_s)


def _lead_sigma_temperature(lead_h: FloatArray) -> FloatArray:
    return floats(0.35 + 0.9 * np.sqrt(np.clip(lead_h, 0.0, None) / 24.0))


def _lead_sigma_cloud(lead_h: FloatArray) -> FloatArray:
    return floats(np.minimum(8.0 + 22.0 * np.sqrt(np.clip(lead_h, 0.0, None) / 48.0), 40.0))


class WeatherService:
    """Hourly truth (cached by UTC day) and each API's view of it."""

    def __init__(self, config: HouseConfig) -> None:
        """Serve the weather of the house described by ``config``."""
        self.config = config
        self.seed = config.seed
        self._days: OrderedDict[int, HourlyWeather] = OrderedDict()
        self._minute_days: OrderedDict[int, Weather] = OrderedDict()
        self._lock = threading.Lock()

    def _truth_day(self, day: int) -> HourlyWeather:
        with self._lock:
            cached = self._days.get(day)
            if cached is not None:
                self._days.move_to_end(day)
                return cached
        hours = (day * DAY_S + np.arange(24) * HOUR_S).astype(np.float64)
        # Instants over the hour before each hour start, for the means.
        offsets = (np.arange(_SUBSTEPS) - _SUBSTEPS + 0.5) * (HOUR_S / _SUBSTEPS)
        sub = (hours[:, None] + offsets[None, :]).ravel()
        fine = weather_at(self.seed, sub, self.config.location)
        at_hour = weather_at(self.seed, hours, self.config.location)
        zenith_mid, _azimuth = sun_position(hours - HOUR_S / 2, self.config.location)

        def mean(values: FloatArray) -> FloatArray:
            return floats(values.reshape(24, _SUBSTEPS).mean(axis=1))

        direct = fine.dni * np.cos(np.radians(np.minimum(fine.zenith, 90.0)))
        cloud = at_hour.cloud_cover
        rain_drive = np.clip((cloud - 82.0) / 18.0, 0.0, None)
        rain = rain_drive * np.clip(
            1.2 + 1.5 * smooth_noise(self.seed, "weather/rain", hours, 3 * HOUR_S), 0.0, None
        )
        humidity = np.clip(
            62.0
            + 0.3 * cloud
            - 1.2 * (at_hour.temperature - 10.0)
            + 5.0 * smooth_noise(self.seed, "weather/humidity", hours, 8 * HOUR_S),
            25.0,
            100.0,
        )
        result = HourlyWeather(
            t=hours,
            temperature=at_hour.temperature,
            cloud_cover=cloud,
            ghi=mean(fine.ghi),
            dni=mean(fine.dni),
            dhi=mean(fine.dhi),
            direct=mean(direct),
            pressure=1014.0 + 9.0 * smooth_noise(self.seed, "weather/pressure", hours, 2 * DAY_S),
            humidity=humidity,
            wind_speed=np.abs(
                3.2 + 2.4 * smooth_noise(self.seed, "weather/wind", hours, 10 * HOUR_S)
            ),
            wind_direction=(240.0 + 70.0 * smooth_noise(self.seed, "weather/winddir", hours, DAY_S))
            % 360.0,
            precipitation=np.round(rain, 1),
            is_day=(at_hour.zenith < 90.0).astype(np.float64),
            zenith_mid=zenith_mid,
        )
        with self._lock:
            self._days[day] = result
            while len(self._days) > 40:
                self._days.popitem(last=False)
        return result

    def truth(self, first_hour_s: int, count: int) -> HourlyWeather:
        """Return the true weather of ``count`` hours from the hour start ``first_hour_s``."""
        first_day = first_hour_s // DAY_S
        last_day = (first_hour_s + (count - 1) * HOUR_S) // DAY_S
        parts = [self._truth_day(day) for day in range(first_day, last_day + 1)]
        skip = (first_hour_s - first_day * DAY_S) // HOUR_S
        fields = {
            name: np.concatenate([getattr(part, name) for part in parts])[skip : skip + count]
            for name in HourlyWeather.__dataclass_fields__
        }
        return HourlyWeather(**fields)

    def view(self, api: str, now_s: float, first_hour_s: int, count: int) -> HourlyWeather:
        """Hourly weather as ``api`` reports it at ``now_s``.

        Hours before the forecast's issue time are the API's analysis (truth plus its bias
        and a little noise); later hours are forecast, their error growing with lead time.
        """
        profile = PROFILES[api]
        truth = self.truth(first_hour_s, count)
        issued = issue_time(api, now_s)
        t = truth.t
        lead_h = (t - issued) / HOUR_S
        forecast = lead_h > 0
        temp_noise = profile.temperature_noise * smooth_noise(
            self.seed, f"{api}/analysis/temp", t, 5 * HOUR_S
        )
        temp_error = np.where(
            forecast,
            _lead_sigma_temperature(lead_h)
            * smooth_noise(self.seed, f"{api}/forecast/{issued}/temp", t, 9 * HOUR_S),
            0.0,
        )
        temperature = truth.temperature + profile.temperature_bias + temp_noise + temp_error
        cloud_error = np.where(
            forecast,
            _lead_sigma_cloud(lead_h)
            * smooth_noise(self.seed, f"{api}/forecast/{issued}/cloud", t, 7 * HOUR_S),
            4.0 * smooth_noise(self.seed, f"{api}/analysis/cloud", t, 3 * HOUR_S),
        )
        cloud = np.clip(truth.cloud_cover + profile.cloud_bias + cloud_error, 0.0, 100.0)

        ghi, dni, dhi, direct = truth.ghi, truth.dni, truth.dhi, truth.direct
        if forecast.any():
            ghi_f, dni_f, dhi_f, direct_f = _forecast_radiation(t, truth.zenith_mid, cloud)
            ghi = np.where(forecast, ghi_f, ghi)
            dni = np.where(forecast, dni_f, dni)
            dhi = np.where(forecast, dhi_f, dhi)
            direct = np.where(forecast, direct_f, direct)
        factor = profile.radiation_factor
        return HourlyWeather(
            t=t,
            temperature=np.round(temperature, 1),
            cloud_cover=np.round(cloud),
            ghi=np.round(ghi * factor, 1),
            dni=np.round(dni * factor, 1),
            dhi=np.round(dhi * factor, 1),
            direct=np.round(direct * factor, 1),
            pressure=np.round(truth.pressure, 1),
            humidity=np.round(truth.humidity),
            wind_speed=np.round(truth.wind_speed, 1),
            wind_direction=np.round(truth.wind_direction),
            precipitation=np.where(cloud > 80.0, truth.precipitation, 0.0),
            is_day=truth.is_day,
            zenith_mid=truth.zenith_mid,
        )

    def _minutes(self, day: int) -> Weather:
        """Return the true weather of a UTC day, minute by minute (cached)."""
        with self._lock:
            cached = self._minute_days.get(day)
        if cached is not None:
            return cached
        t = (day * DAY_S + np.arange(0, DAY_S, 60)).astype(np.float64)
        weather = weather_at(self.seed, t, self.config.location)
        with self._lock:
            self._minute_days[day] = weather
            while len(self._minute_days) > 4:
                self._minute_days.popitem(last=False)
        return weather

    def sun_times(self, day: int) -> tuple[int, int]:
        """Return sunrise and sunset of a UTC day (Unix seconds, to the minute)."""
        weather = self._minutes(day)
        up = np.flatnonzero(weather.zenith < 90.833)
        if len(up) == 0:
            return day * DAY_S, day * DAY_S
        return int(weather.t[up[0]]), int(weather.t[up[-1]])

    def current(self, api: str, now_s: float) -> dict[str, float]:
        """Return the API's view of the weather right now: truth plus its bias and noise."""
        day = int(now_s // DAY_S)
        minutes = self._minutes(day)
        i = int((now_s - day * DAY_S) // 60)
        weather = Weather(
            **{name: getattr(minutes, name)[i : i + 1] for name in Weather.__dataclass_fields__}
        )
        t = weather.t
        profile = PROFILES[api]
        noise = profile.temperature_noise * smooth_noise(
            self.seed, f"{api}/analysis/temp", t, 5 * HOUR_S
        )
        hour = int(now_s // HOUR_S * HOUR_S)
        hourly = self.truth(hour, 1)
        return {
            "temperature": round(
                float(weather.temperature[0] + profile.temperature_bias + noise[0]), 2
            ),
            "cloud_cover": float(
                np.clip(round(float(weather.cloud_cover[0] + profile.cloud_bias)), 0, 100)
            ),
            "ghi": round(float(weather.ghi[0] * profile.radiation_factor), 1),
            "dni": round(float(weather.dni[0] * profile.radiation_factor), 1),
            "dhi": round(float(weather.dhi[0] * profile.radiation_factor), 1),
            "pressure": round(float(hourly.pressure[0])),
            "humidity": round(float(hourly.humidity[0])),
            "wind_speed": round(float(hourly.wind_speed[0]), 2),
            "wind_direction": round(float(hourly.wind_direction[0])),
            "precipitation": float(hourly.precipitation[0]),
            "is_day": float(weather.zenith[0] < 90.0),
        }


def _forecast_radiation(
    t: FloatArray, zenith: FloatArray, cloud: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return the hourly mean irradiance a model would predict from its cloud forecast."""
    ghi = clear_sky_ghi(zenith) * cloud_transmittance(cloud)
    parts = pvlib.irradiance.erbs(ghi, zenith, (((t - HOUR_S / 2) / DAY_S) % 365.2422) + 1.0)
    dni = np.nan_to_num(np.asarray(parts["dni"], dtype=np.float64))
    dhi = np.nan_to_num(np.asarray(parts["dhi"], dtype=np.float64))
    direct = np.clip(ghi - dhi, 0.0, None)
    return ghi, dni, dhi, direct
