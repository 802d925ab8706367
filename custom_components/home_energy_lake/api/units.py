"""Unit conversion to the SI units of :mod:`.models`: the one table of factors.

Vendors state units as free text (``"kW"``, ``"kWh"``, ``"°C"``, ``"l/m"``, ``"m3/h"``).
:func:`to_si` turns a value with such a unit into the unit the reading types use, and
returns None for a unit it does not know, so a wrong unit never becomes a wrong number.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
import math
from typing import Any


class Quantity(StrEnum):
    """A physical quantity, named by the SI unit the reading types use for it."""

    POWER = "W"
    ENERGY = "Wh"
    TEMPERATURE = "°C"
    FLOW_RATE = "L/min"


def _scale(factor: float) -> Callable[[float], float]:
    return lambda value: value * factor


_CONVERSIONS: dict[Quantity, dict[str, Callable[[float], float]]] = {
    Quantity.POWER: {"w": _scale(1), "kw": _scale(1e3), "mw": _scale(1e6)},
    Quantity.ENERGY: {"wh": _scale(1), "kwh": _scale(1e3), "mwh": _scale(1e6)},
    Quantity.TEMPERATURE: {
        "°c": _scale(1),
        "c": _scale(1),
        "degc": _scale(1),
        "°f": lambda value: (value - 32.0) * 5.0 / 9.0,
        "k": lambda value: value - 273.15,
    },
    Quantity.FLOW_RATE: {
        "l/min": _scale(1),
        "l/m": _scale(1),
        "lpm": _scale(1),
        "l/h": _scale(1 / 60),
        "l/s": _scale(60),
        "m3/h": _scale(1000 / 60),
    },
}


def normalize_unit(unit: str) -> str:
    """Fold the spellings vendors use for one unit (case, ``º``/``°``, ``³``) into one."""
    return unit.strip().lower().replace("º", "°").replace("³", "3").replace(" ", "")


def to_si(value: float, unit: str, quantity: Quantity) -> float | None:
    """Convert ``value`` given in ``unit`` to the SI unit of ``quantity``.

    Returns None when ``unit`` is not a unit of ``quantity`` (for example ``"A"`` for a
    power), so the caller reports "not reported" instead of a wrong number.
    """
    convert = _CONVERSIONS[quantity].get(normalize_unit(unit))
    return None if convert is None else convert(value)


def as_number(value: Any) -> float | None:
    """Return ``value`` as a finite float: numbers and numeric strings; else None.

    Booleans are not numbers here: a JSON ``true`` is never a measurement.
    """
    if isinstance(value, bool):
        return None
    if not isinstance(value, int | float | str):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        # OverflowError: JSON allows integers too large for a float.
        return None
    return number if math.isfinite(number) else None


def as_identifier(value: Any) -> str | None:
    """Return an id as text: a JSON string, or an integer some APIs send instead; else None.

    An integer too long to be anyone's id (Python refuses to print one of 4 301 digits)
    is not an id either.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 128:
        return str(value)
    return None
