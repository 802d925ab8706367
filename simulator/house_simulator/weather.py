"""The true weather at the house: temperature, cloud cover and irradiance at any instant."""

from __future__ import annotations

from dataclasses import dataclass
import warnings

import numpy as np
import pandas as pd
import pvlib

from .config import Location
from .noise import FloatArray, floats, smooth_noise

DAY_S = 86_400.0
YEAR_DAYS = 365.2422
CLEAR_SKY_HAZE = 0.93


@dataclass(frozen=True, slots=True)
class Weather:
    """Weather at a set of instants (Unix seconds), arrays of equal length."""

    t: FloatArray
    temperature: FloatArray
    """Air temperature, °C."""
    cloud_cover: FloatArray
    """Total cloud cover, %."""
    ghi: FloatArray
    dni: FloatArray
    dhi: FloatArray
    ghi_clear: FloatArray
    zenith: FloatArray
    azimuth: FloatArray


def _day_of_year(t: FloatArray) -> FloatArray:
    # Days since 1 January of a reference year are fine for the cycles: the phase drifts by
    # a quarter day per year, far below what the seasons care about.
    return ((t / DAY_S) % YEAR_DAYS) + 1.0


def seasonal_temperature(t: FloatArray) -> FloatArray:
    """Climatological daily mean, °C: central European, coldest around 20 January."""
    doy = _day_of_year(t)
    return floats(10.2 - 9.3 * np.cos(2.0 * np.pi * (doy - 20.0) / YEAR_DAYS))


def cloud_cover(seed: int, t: FloatArray) -> FloatArray:
    """Cloud cover in %: slow weather systems, passing fields and broken cumulus."""
    doy = _day_of_year(t)
    # Central European winters are grey, summers brighter.
    season = 0.5 + 0.45 * np.cos(2.0 * np.pi * (doy - 10.0) / YEAR_DAYS)
    latent = (
        season
        + 0.95 * smooth_noise(seed, "cloud/synoptic", t, 1.6 * DAY_S)
        + 0.55 * smooth_noise(seed, "cloud/mesoscale", t, 5 * 3600.0)
        + 0.30 * smooth_noise(seed, "cloud/local", t, 1200.0)
        + 0.12 * smooth_noise(seed, "cloud/broken", t, 180.0)
    )
    return floats(100.0 / (1.0 + np.exp(-2.2 * latent)))


def temperature(seed: int, t: FloatArray, location: Location, cloud: FloatArray) -> FloatArray:
    """Air temperature, °C: season, day-night cycle damped by clouds, and passing fronts."""
    doy = _day_of_year(t)
    solar_hour = ((t % DAY_S) / 3600.0 + location.longitude / 15.0) % 24.0
    summer = 0.5 - 0.5 * np.cos(2.0 * np.pi * (doy - 20.0) / YEAR_DAYS)
    amplitude = (2.5 + 3.5 * summer) * (1.0 - 0.55 * cloud / 100.0)
    daily = amplitude * np.cos(2.0 * np.pi * (solar_hour - 15.0) / 24.0)
    fronts = 3.6 * smooth_noise(seed, "temp/fronts", t, 2.7 * DAY_S) + 1.3 * smooth_noise(
        seed, "temp/day", t, 0.6 * DAY_S
    )
    jitter = 0.15 * smooth_noise(seed, "temp/jitter", t, 900.0)
    return floats(seasonal_temperature(t) + daily + fronts + jitter)


def sun_position(t: FloatArray, location: Location) -> tuple[FloatArray, FloatArray]:
    """Apparent zenith and azimuth of the sun, degrees."""
    index = pd.DatetimeIndex(pd.to_datetime(np.asarray(t, dtype=np.int64), unit="s", utc=True))
    with warnings.catch_warnings():
        # pvlib still reads the deprecated ``dayofyear``; its answer is unaffected.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        position = pvlib.solarposition.ephemeris(index, location.latitude, location.longitude)
    return (
        position["apparent_zenith"].to_numpy(dtype=np.float64),
        position["azimuth"].to_numpy(dtype=np.float64),
    )


def clear_sky_ghi(zenith: FloatArray) -> FloatArray:
    """Haurwitz clear-sky global horizontal irradiance, W/m²."""
    cos_z = np.cos(np.radians(np.minimum(zenith, 90.0)))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        # Haurwitz's sky is very clean; central European air carries more aerosol.
        ghi = CLEAR_SKY_HAZE * 1098.0 * cos_z * np.exp(-0.057 / cos_z)
    return np.where(zenith < 90.0, np.nan_to_num(ghi), 0.0)


def cloud_transmittance(cloud: FloatArray) -> FloatArray:
    """Share of clear-sky GHI that reaches the ground under ``cloud`` % (Kasten-Czeplak)."""
    return 1.0 - 0.75 * (np.clip(cloud, 0.0, 100.0) / 100.0) ** 3.4


def split_ghi(ghi: FloatArray, zenith: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Direct normal and diffuse horizontal parts of ``ghi`` (Erbs decomposition)."""
    doy = _day_of_year(t)
    parts = pvlib.irradiance.erbs(ghi, zenith, doy)
    dni = np.nan_to_num(np.asarray(parts["dni"], dtype=np.float64))
    dhi = np.nan_to_num(np.asarray(parts["dhi"], dtype=np.float64))
    return dni, dhi


def weather_at(seed: int, t: FloatArray, location: Location) -> Weather:
    """Return the true rue weather at the instants ``t`` (Unix seconds)."""
    t = np.asarray(t, dtype=np.float64)
    cloud = cloud_cover(seed, t)
    temp = temperature(seed, t, location, cloud)
    zenith, azimuth = sun_position(t, location)
    ghi_clear = clear_sky_ghi(zenith)
    ghi = ghi_clear * cloud_transmittance(cloud)
    dni, dhi = split_ghi(ghi, zenith, t)
    return Weather(
        t=t,
        temperature=temp,
        cloud_cover=cloud,
        ghi=ghi,
        dni=dni,
        dhi=dhi,
        ghi_clear=ghi_clear,
        zenith=zenith,
        azimuth=azimuth,
    )
