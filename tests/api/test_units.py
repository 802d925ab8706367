"""The one unit-conversion table: known units convert, unknown units give None."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.home_energy_lake.api.units import Quantity, as_number, to_si


@pytest.mark.parametrize(
    ("value", "unit", "quantity", "expected"),
    [
        (1.5, "kW", Quantity.POWER, 1500.0),
        (1.5, " KW ", Quantity.POWER, 1500.0),
        (800, "W", Quantity.POWER, 800.0),
        (2, "MW", Quantity.POWER, 2e6),
        (12.5, "kWh", Quantity.ENERGY, 12500.0),
        (3, "MWh", Quantity.ENERGY, 3e6),
        (40, "°C", Quantity.TEMPERATURE, 40.0),
        (40, "ºC", Quantity.TEMPERATURE, 40.0),  # the ordinal sign some APIs send
        (212, "°F", Quantity.TEMPERATURE, 100.0),
        (273.15, "K", Quantity.TEMPERATURE, 0.0),
        (7.8, "l/m", Quantity.FLOW_RATE, 7.8),
        (0.6, "m³/h", Quantity.FLOW_RATE, 10.0),
        (120, "l/h", Quantity.FLOW_RATE, 2.0),
        (1, "A", Quantity.POWER, None),
        (1, "kWh", Quantity.POWER, None),
        (1, "", Quantity.ENERGY, None),
    ],
)
def test_to_si(value: float, unit: str, quantity: Quantity, expected: float | None) -> None:
    result = to_si(value, unit, quantity)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (-2.5, -2.5),
        (" 12.5 ", 12.5),
        ("nan", None),
        ("1e999", None),
        (10**400, None),
        (True, None),
        (None, None),
        ([1], None),
        ("Hello", None),
    ],
)
def test_as_number(value: Any, expected: float | None) -> None:
    assert as_number(value) == expected
