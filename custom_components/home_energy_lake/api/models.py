"""Normalized readings: the single source of truth for field names, units and signs.

Every source client returns a :class:`FetchResult`: the raw HTTP answers exactly as
received (for Bronze) and one normalized reading (for the live sensors).

Conventions, for every reading type:

* Units are SI: power in W, energy in Wh, temperature in °C, irradiance in W/m²,
  state of charge and cloud cover in %.
* Timestamps are timezone-aware UTC ``datetime`` objects.
* ``None`` means "not reported". A missing value is never turned into 0.
* Lifetime counters (``*_energy_total``) are cumulative Wh as the device counts them;
  they may reset (device replaced or restarted) and consumers must handle that.

Sign conventions:

* ``grid_power``: positive when importing from the grid, negative when exporting.
* ``battery_power``: positive when the battery discharges into the house,
  negative when it charges.
* ``pv_power``, ``load_power``, ``heat_power``: never negative; ``load_power`` is what
  the house consumes, heat pump included. ``electric_power`` reads negative only from a
  CT clamp fitted the wrong way round, shown so that the owner sees it.

Physical limits per field (what no device reports) are in :mod:`.limits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SourceKind(StrEnum):
    """What a source measures; also the top folder of its Bronze data."""

    SOLAR = "solar"
    HEATPUMP = "heatpump"
    WEATHER = "weather"


class WeatherApi(StrEnum):
    """The weather APIs, by the short name used in Bronze paths (``api=<name>``)."""

    OPEN_METEO = "openmeteo"
    OPENWEATHERMAP = "owm"
    MET_NORWAY = "metno"


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """One HTTP answer exactly as received, before any parsing."""

    endpoint: str
    """Logical name of the request, stable across versions (e.g. ``powerflow``)."""
    url: str
    """The requested URL with secrets (keys, tokens) removed."""
    status: int
    fetched_at: datetime
    body: bytes
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Only the headers that matter later: Date, Expires, Last-Modified, ETag,
    Retry-After and rate-limit headers."""


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who answered: what a client learns when it first talks to a source.

    ``unique_id`` is stable for the physical device or account resource (an inverter's
    serial number, a SolarEdge site id, a myUplink device id), so Home Assistant can
    refuse to configure the same source twice.
    """

    unique_id: str
    manufacturer: str
    model: str | None = None
    name: str | None = None
    sw_version: str | None = None


@dataclass(frozen=True, slots=True)
class SolarReading:
    """What a solar inverter (with its meter and battery) reports at one moment."""

    timestamp: datetime
    pv_power: float | None = None
    grid_power: float | None = None
    load_power: float | None = None
    battery_power: float | None = None
    battery_soc: float | None = None
    pv_energy_total: float | None = None
    grid_import_energy_total: float | None = None
    grid_export_energy_total: float | None = None

    @property
    def grid_import_power(self) -> float | None:
        """Power drawn from the grid, W (0 while exporting)."""
        return None if self.grid_power is None else max(self.grid_power, 0.0)

    @property
    def grid_export_power(self) -> float | None:
        """Power fed into the grid, W (0 while importing)."""
        return None if self.grid_power is None else max(-self.grid_power, 0.0)


@dataclass(frozen=True, slots=True)
class HeatPumpReading:
    """What a heat pump (or its heat meter) reports at one moment."""

    timestamp: datetime
    electric_power: float | None = None
    heat_power: float | None = None
    electric_energy_total: float | None = None
    heat_energy_total: float | None = None
    flow_temperature: float | None = None
    return_temperature: float | None = None
    outside_temperature: float | None = None
    flow_rate: float | None = None
    """Water flow through the heat meter, litres per minute."""

    @property
    def cop(self) -> float | None:
        """Instantaneous COP (heat out / electricity in), or None when the pump is idle."""
        if self.heat_power is None or not self.electric_power:
            return None
        return self.heat_power / self.electric_power


@dataclass(frozen=True, slots=True)
class WeatherPoint:
    """The weather at one time, observed or forecast."""

    timestamp: datetime
    temperature: float | None = None
    solar_radiation: float | None = None
    """Global horizontal irradiance (shortwave), W/m²."""
    direct_radiation: float | None = None
    diffuse_radiation: float | None = None
    cloud_cover: float | None = None


@dataclass(frozen=True, slots=True)
class WeatherReading:
    """One weather API's answer: the current conditions and an hourly series.

    ``hourly`` holds past hours (actuals, where the API has them) and future hours
    (forecast); ``issued_at`` is when the API produced the forecast, so models can
    train without looking ahead.
    """

    api: WeatherApi
    issued_at: datetime
    current: WeatherPoint | None = None
    hourly: tuple[WeatherPoint, ...] = ()

    @property
    def past_hours(self) -> tuple[WeatherPoint, ...]:
        """Hourly points at or before ``issued_at``: the API's best account of what happened."""
        return tuple(point for point in self.hourly if point.timestamp <= self.issued_at)

    @property
    def forecast_hours(self) -> tuple[WeatherPoint, ...]:
        """Hourly points after ``issued_at``: what the API expects."""
        return tuple(point for point in self.hourly if point.timestamp > self.issued_at)


@dataclass(frozen=True, slots=True)
class FetchResult[ReadingT]:
    """The outcome of one fetch: every raw answer it took, and the reading."""

    raw: tuple[RawAnswer, ...]
    reading: ReadingT
