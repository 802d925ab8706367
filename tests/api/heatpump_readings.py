"""Field-by-field comparison of heat-pump readings, shared by the heat-pump client tests."""

from __future__ import annotations

from dataclasses import fields

import pytest

from custom_components.home_energy_lake.api.models import HeatPumpReading


def assert_reading(got: HeatPumpReading, expected: HeatPumpReading) -> None:
    """Check every field; floats to 1e-12 relative (kWh x 1000 may round in the last bit)."""
    for field in fields(HeatPumpReading):
        want = getattr(expected, field.name)
        have = getattr(got, field.name)
        if isinstance(want, float):
            assert have == pytest.approx(want, rel=1e-12), field.name
        else:
            assert have == want, field.name
