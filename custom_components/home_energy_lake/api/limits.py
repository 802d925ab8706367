"""Physical limits of every reading field: the one place that says what no device reports.

Parsers run each reading through :func:`within_limits` after unit conversion. A value
outside its quantity's limits either makes the whole answer wrong (``Breach.REFUSE``:
the answer is refused as an ``InvalidResponseError``, its raw body still goes to
Bronze) or only that value wrong (``Breach.DROP``: the field becomes None, "not
reported", and a warning says so once per field). Non-finite values are always
refused. The table is documented in ``docs/sources.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
import logging
import math
from typing import Any

from .errors import InvalidResponseError, shown
from .models import HeatPumpReading, SolarReading, WeatherPoint, WeatherReading

_LOGGER = logging.getLogger(__name__)


class Breach(StrEnum):
    """What a value outside its limits means."""

    REFUSE = "refuse"
    """The answer as a whole cannot be trusted."""
    DROP = "drop"
    """This one value cannot be trusted; the rest of the answer stands."""


@dataclass(frozen=True, slots=True)
class Limit:
    """The range a quantity can physically take, inclusive, and what lies outside it."""

    low: float
    high: float
    breach: Breach


POWER = Limit(-1e6, 1e6, Breach.DROP)
"""Signed power, W: a home's connection carries less than 1 MW. Grid and battery; also
the heat pump's electricity, whose reversed CT clamp reads negative and is shown so."""
UNSIGNED_POWER = Limit(0.0, 1e6, Breach.DROP)
"""PV, load and heat output, W: never negative (parsers clamp wake-up noise and a
defrost's reversed heat flow to 0)."""
ENERGY = Limit(0.0, 1e12, Breach.REFUSE)
"""Lifetime counters and metered interval energy, Wh: a counter below zero would make
the Energy dashboard book a meter reset; 1 TWh is no home's. Refused, never guessed."""
PERCENT = Limit(0.0, 100.0, Breach.DROP)
"""State of charge and cloud cover, %."""
AIR_TEMPERATURE = Limit(-100.0, 70.0, Breach.DROP)
"""Outside air, °C: beyond the records measured on Earth (-89.2 °C, 56.7 °C). A
disconnected 1-wire probe reads -127 °C; the heat pump's other values stand."""
WATER_TEMPERATURE = Limit(-50.0, 150.0, Breach.DROP)
"""Flow and return of a heating or brine circuit, °C."""
IRRADIANCE = Limit(0.0, 2000.0, Breach.DROP)
"""Irradiance on the ground, W/m²: the solar constant is 1361 W/m²."""
FLOW_RATE = Limit(0.0, 1000.0, Breach.DROP)
"""Water through a heat meter, L/min."""

FIELD_LIMITS: dict[type, dict[str, Limit]] = {
    SolarReading: {
        "pv_power": UNSIGNED_POWER,
        "grid_power": POWER,
        "load_power": UNSIGNED_POWER,
        "battery_power": POWER,
        "battery_soc": PERCENT,
        "pv_energy_total": ENERGY,
        "grid_import_energy_total": ENERGY,
        "grid_export_energy_total": ENERGY,
    },
    HeatPumpReading: {
        "electric_power": POWER,
        "heat_power": UNSIGNED_POWER,
        "electric_energy_total": ENERGY,
        "heat_energy_total": ENERGY,
        "flow_temperature": WATER_TEMPERATURE,
        "return_temperature": WATER_TEMPERATURE,
        "outside_temperature": AIR_TEMPERATURE,
        "flow_rate": FLOW_RATE,
    },
    WeatherPoint: {
        "temperature": AIR_TEMPERATURE,
        "solar_radiation": IRRADIANCE,
        "direct_radiation": IRRADIANCE,
        "diffuse_radiation": IRRADIANCE,
        "cloud_cover": PERCENT,
    },
}
"""The quantity of every numeric field of the reading types."""

_warned: set[tuple[str, str]] = set()
"""Fields already reported as dropped: a broken sensor warns once, not at every poll."""


def check_value(value: float | None, limit: Limit, where: str) -> float | None:
    """Return ``value`` if within ``limit``; None if it is to be dropped; else raise."""
    if value is None:
        return None
    if not math.isfinite(value):
        raise InvalidResponseError(f"{where} is not finite")
    if limit.low <= value <= limit.high:
        return value
    if limit.breach is Breach.REFUSE:
        raise InvalidResponseError(
            f"{where} = {shown(value)} is outside {limit.low:g}..{limit.high:g}"
        )
    return None


def within_limits[ReadingT: (SolarReading, HeatPumpReading, WeatherPoint, WeatherReading)](
    reading: ReadingT,
) -> ReadingT:
    """Return ``reading`` with every field within its limits: dropped, or refused."""
    if isinstance(reading, WeatherReading):
        return replace(
            reading,
            current=None if reading.current is None else within_limits(reading.current),
            hourly=tuple(within_limits(point) for point in reading.hourly),
        )
    kind = type(reading).__name__
    dropped: dict[str, Any] = {}
    for field in fields(reading):
        limit = FIELD_LIMITS[type(reading)].get(field.name)
        value = getattr(reading, field.name)
        if limit is None or value is None:
            continue
        if check_value(value, limit, field.name) is None:
            dropped[field.name] = None
            if (kind, field.name) not in _warned:
                _warned.add((kind, field.name))
                _LOGGER.warning(
                    "%s.%s = %s is outside %g..%g; reported as unknown",
                    kind,
                    field.name,
                    shown(value),
                    limit.low,
                    limit.high,
                )
    return replace(reading, **dropped) if dropped else reading
