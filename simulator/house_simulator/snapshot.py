"""The house at one instant, as plain floats: what every answer format reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from .house import STEP_S, DayFrame, House, day_index_of
from .noise import FloatArray

COUNTER_UPDATE_SAMPLES = 300 // STEP_S
"""A GEN24 updates its lifetime counter every five minutes."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a device could report at instant ``t`` (Unix seconds)."""

    t: float
    pv_dc: float
    pv_dc_strings: tuple[float, float]
    pv_ac: float
    consumption: float
    """Household load plus heat pump, W."""
    grid: float
    battery_power: float
    battery_soc: float
    air_temperature: float
    cell_temperature: float
    inverter_offline: bool
    offline_error: bool
    hp_electric: float
    hp_heat: float
    flow_temperature: float
    return_temperature: float
    outside_temperature: float
    flow_rate: float
    hp_running: bool
    pv_total: float
    pv_total_5min: float
    """The PV counter at the last 5-minute boundary (GEN24 updates ``E_Total`` that often)."""
    grid_import_total: float
    grid_export_total: float
    hp_electric_total: float
    hp_heat_total: float


def _columns(frame: DayFrame, index: NDArray[np.int64]) -> dict[str, list[Any]]:
    """Return the snapshot fields at samples ``index``, column by column, in field order.

    This is the one mapping from the physics to what devices report.
    """
    counters = frame.counters
    hp = frame.heat_pump
    reported = frame.reported

    def floats(values: FloatArray) -> list[Any]:
        return cast("list[float]", values[index].tolist())

    def flags(values: FloatArray) -> list[Any]:
        return [value > 0 for value in floats(values)]

    five_minutes = index - index % COUNTER_UPDATE_SAMPLES
    strings = zip(floats(frame.pv.dc_strings[0]), floats(frame.pv.dc_strings[1]), strict=True)
    return {
        "t": floats(frame.t),
        "pv_dc": floats(frame.pv.dc),
        "pv_dc_strings": list(strings),
        "pv_ac": floats(frame.pv_ac),
        "consumption": floats(frame.load + hp.electric),
        "grid": floats(frame.grid),
        "battery_power": floats(frame.battery_power),
        "battery_soc": floats(frame.battery_soc),
        "air_temperature": floats(frame.weather.temperature),
        "cell_temperature": floats(frame.pv.cell_temperature),
        "inverter_offline": flags(frame.inverter_offline),
        "offline_error": flags(frame.offline_error),
        "hp_electric": floats(hp.electric),
        "hp_heat": floats(hp.heat),
        "flow_temperature": floats(reported["flow_temperature"]),
        "return_temperature": floats(reported["return_temperature"]),
        "outside_temperature": floats(reported["outside_temperature"]),
        "flow_rate": floats(hp.flow_rate),
        "hp_running": flags(hp.running),
        "pv_total": floats(counters["pv"]),
        "pv_total_5min": cast("list[float]", counters["pv"][five_minutes].tolist()),
        "grid_import_total": floats(counters["grid_import"]),
        "grid_export_total": floats(counters["grid_export"]),
        "hp_electric_total": floats(counters["hp_electric"]),
        "hp_heat_total": floats(counters["hp_heat"]),
    }


def snapshots_of(frame: DayFrame) -> list[Snapshot]:
    """Return every sample of ``frame`` as a snapshot (in bulk, for the history)."""
    columns = _columns(frame, np.arange(len(frame.t)))
    names = list(columns)
    return [
        Snapshot(**dict(zip(names, row, strict=True)))
        for row in zip(*columns.values(), strict=True)
    ]


def snapshot_of(frame: DayFrame, i: int) -> Snapshot:
    """Return sample ``i`` of ``frame``."""
    columns = _columns(frame, np.array([i]))
    return Snapshot(**{name: values[0] for name, values in columns.items()})


def snapshot_at(house: House, t: float) -> Snapshot:
    """Return the house at instant ``t`` (the 10-second sample containing it)."""
    frame = house.day(day_index_of(t))
    return snapshot_of(frame, frame.index_at(t))


def counter_at(house: House, name: str, t: float) -> float:
    """Lifetime counter ``name`` at instant ``t``, Wh (exact at 10-second boundaries)."""
    frame = house.day(day_index_of(t))
    i = frame.index_at(t)
    return float(frame.counters[name][i])
