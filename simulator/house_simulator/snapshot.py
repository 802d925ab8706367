"""The house at one instant, as plain floats: what every answer format reads."""

from __future__ import annotations

from dataclasses import dataclass

from .house import STEP_S, DayFrame, House, day_index_of

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


def snapshot_of(frame: DayFrame, i: int) -> Snapshot:
    """Sample ``i`` of ``frame``."""
    counters = frame.counters
    hp = frame.heat_pump
    reported = frame.reported
    return Snapshot(
        t=float(frame.t[i]),
        pv_dc=float(frame.pv.dc[i]),
        pv_dc_strings=(float(frame.pv.dc_strings[0][i]), float(frame.pv.dc_strings[1][i])),
        pv_ac=float(frame.pv_ac[i]),
        consumption=float(frame.load[i] + hp.electric[i]),
        grid=float(frame.grid[i]),
        battery_power=float(frame.battery_power[i]),
        battery_soc=float(frame.battery_soc[i]),
        air_temperature=float(frame.weather.temperature[i]),
        cell_temperature=float(frame.pv.cell_temperature[i]),
        inverter_offline=bool(frame.inverter_offline[i]),
        offline_error=bool(frame.offline_error[i]),
        hp_electric=float(hp.electric[i]),
        hp_heat=float(hp.heat[i]),
        flow_temperature=float(reported["flow_temperature"][i]),
        return_temperature=float(reported["return_temperature"][i]),
        outside_temperature=float(reported["outside_temperature"][i]),
        flow_rate=float(hp.flow_rate[i]),
        hp_running=bool(hp.running[i]),
        pv_total=float(counters["pv"][i]),
        pv_total_5min=float(counters["pv"][i - i % COUNTER_UPDATE_SAMPLES]),
        grid_import_total=float(counters["grid_import"][i]),
        grid_export_total=float(counters["grid_export"][i]),
        hp_electric_total=float(counters["hp_electric"][i]),
        hp_heat_total=float(counters["hp_heat"][i]),
    )


def snapshot_at(house: House, t: float) -> Snapshot:
    """Return the house at instant ``t`` (the 10-second sample containing it)."""
    frame = house.day(day_index_of(t))
    return snapshot_of(frame, frame.index_at(t))


def counter_at(house: House, name: str, t: float) -> float:
    """Lifetime counter ``name`` at instant ``t``, Wh (exact at 10-second boundaries)."""
    frame = house.day(day_index_of(t))
    i = frame.index_at(t)
    return float(frame.counters[name][i])
