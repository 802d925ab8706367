"""The one table of myUplink parameter ids by heat-pump model family.

myUplink sends a device's data points by parameter id, and the ids differ by model:
NIBE's F-series, SMO and VVM (non-S) controllers use their Modbus register numbers
(40004 outdoor BT1, ...), the S-series uses small ids (4 outdoor BT1, ...). Each
:class:`PointRule` says which ids fill which :class:`HeatPumpReading` field.

What each family gives (see docs/sources/heatpump.md):

* NIBE F-series / SMO / VVM: outside, flow and return temperature on every model;
  flow rate (BF1) on models with a flow sensor; compressor input power (43141) and
  energy (43144) on inverter models; heat produced by the compressor (heat meter
  44306 + 44308) on models with the energy log. Additional (immersion) heat is left out
  of both electricity and heat, so the two stay comparable for a COP. No heat power.
* NIBE S-series: outside, flow and return temperature only; its power and energy ids
  are not documented in any public answer we have, so they stay None.
* Any other model: temperatures matched by the smart-home category myUplink puts on
  the point, then by the point's name; power and energy are never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
import re
from typing import Final

from .units import Quantity


class ModelFamily(StrEnum):
    """Groups of models that share parameter ids."""

    NIBE_F = "nibe_f"
    """NIBE F-series, SMO 20/40 and VVM 310/320/500: ids are Modbus registers 4xxxx."""
    NIBE_S = "nibe_s"
    """NIBE S-series (S1155, S1255, S2125, VVM S320, SMO S40, ...)."""
    UNKNOWN = "unknown"


class Combine(Enum):
    """How the points of one rule make one value."""

    FIRST = "first"
    """The first id in the list with a valid value (priority order)."""
    SUM = "sum"
    """The sum of every id; None unless all of them are valid (a partial sum would
    make a lifetime counter jump)."""


@dataclass(frozen=True, slots=True)
class PointRule:
    """Which parameter ids fill one reading field."""

    field: str
    quantity: Quantity
    parameter_ids: tuple[str, ...]
    combine: Combine = Combine.FIRST


PARAMETER_TABLE: Final[Mapping[ModelFamily, tuple[PointRule, ...]]] = {
    ModelFamily.NIBE_F: (
        PointRule("outside_temperature", Quantity.TEMPERATURE, ("40004",)),  # BT1
        # BT2 supply on heat pumps; SMO controllers have external BT25 instead.
        PointRule("flow_temperature", Quantity.TEMPERATURE, ("40008", "40071")),
        # BT3 return on heat pumps; SMO controllers have external BT71 instead.
        PointRule("return_temperature", Quantity.TEMPERATURE, ("40012", "40152")),
        PointRule("flow_rate", Quantity.FLOW_RATE, ("40072",)),  # BF1
        PointRule("electric_power", Quantity.POWER, ("43141",)),  # compr. in power
        PointRule("electric_energy_total", Quantity.ENERGY, ("43144",)),  # compr. energy
        # Heat meter, compressor only: hot water (44306) + heating (44308).
        PointRule("heat_energy_total", Quantity.ENERGY, ("44306", "44308"), Combine.SUM),
    ),
    ModelFamily.NIBE_S: (
        PointRule("outside_temperature", Quantity.TEMPERATURE, ("4",)),  # BT1
        PointRule("flow_temperature", Quantity.TEMPERATURE, ("8",)),  # BT2
        PointRule("return_temperature", Quantity.TEMPERATURE, ("10",)),  # BT3
    ),
    ModelFamily.UNKNOWN: (),
}

SMART_HOME_CATEGORIES: Final[Mapping[str, str]] = {
    "sh-outdoorTemp": "outside_temperature",
    "sh-supplyTemp": "flow_temperature",
    "sh-returnTemp": "return_temperature",
}
"""myUplink's own tags of what a point means; trusted for temperatures on any model."""

NAME_PATTERNS: Final[Mapping[str, re.Pattern[str]]] = {
    "outside_temperature": re.compile(r"^current out(door|d)\.? temp", re.IGNORECASE),
    "flow_temperature": re.compile(r"^(supply line|flow line|supply temp|flow temp)", re.I),
    "return_temperature": re.compile(r"^return (line|temp)", re.IGNORECASE),
}
"""Point names used only for models outside the table, and only for temperatures:
a name says little about a power or energy point's scope (compressor, heater, house)."""

_NIBE_S = re.compile(r"\bS\d{2,4}\b")
_NIBE_F = re.compile(r"\b(F\d{3,4}|SMO ?\d{2}|VVM ?\d{3})\b", re.IGNORECASE)


def model_family(model: str) -> ModelFamily:
    """Return the family of a product name (``"F730 CU 3x400V"``) or point category."""
    if _NIBE_S.search(model):
        return ModelFamily.NIBE_S
    if _NIBE_F.search(model):
        return ModelFamily.NIBE_F
    return ModelFamily.UNKNOWN
