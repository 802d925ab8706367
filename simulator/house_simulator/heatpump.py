"""An air-to-water heat pump heating a building: demand, heating curve, COP, cycling, defrost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Building, HeatPump
from .noise import FloatArray, floats, smooth_noise

KELVIN = 273.15
WATER_HEAT_CAPACITY = 4180.0
"""J/(l·K): heating water, close enough for a heat meter."""


@dataclass(frozen=True, slots=True)
class HeatPumpOutput:
    """The heat pump at each instant."""

    heat: FloatArray
    """Heat delivered to the building, W."""
    electric: FloatArray
    """Electric input, W (standby included)."""
    flow_temperature: FloatArray
    return_temperature: FloatArray
    flow_rate: FloatArray
    """Litres per minute."""
    running: FloatArray
    """1 while the compressor runs, else 0."""


def heat_demand(
    t_out: FloatArray, t_out_daily_mean: FloatArray, ghi: FloatArray, building: Building
) -> FloatArray:
    """Space-heating demand, W: losses through the envelope minus internal and solar gains."""
    losses = building.ua_w_per_k * (building.indoor_setpoint - t_out)
    gains = building.internal_gains_w + building.solar_aperture_m2 * ghi * 0.6
    demand = np.clip(losses - gains, 0.0, None)
    # Above the heating limit the controller keeps heating off whatever the hour says.
    return np.where(t_out_daily_mean < building.heating_limit, demand, 0.0)


def heating_curve(t_out: FloatArray, pump: HeatPump, building: Building) -> FloatArray:
    """Weather-compensated flow temperature set point, °C."""
    room = building.indoor_setpoint
    share = np.clip((room - t_out) / (room - pump.design_outside), 0.0, None)
    flow = room + (pump.design_flow - room) * share ** (1.0 / pump.curve_exponent)
    return np.clip(flow, pump.min_flow, 55.0)


def carnot_cop(flow: FloatArray, t_out: FloatArray) -> FloatArray:
    """Carnot COP with the usual offsets: condensing 2 K above flow, evaporating 6 K below air."""
    condensing = flow + 2.0 + KELVIN
    evaporating = t_out - 6.0 + KELVIN
    return floats(condensing / np.maximum(condensing - evaporating, 12.0))


def defrost_penalty(t_out: FloatArray) -> FloatArray:
    """Share of output lost to defrosting: worst around 0 to +3 °C where frost forms fastest."""
    peak = 0.11 * np.exp(-0.5 * ((t_out - 1.5) / 3.0) ** 2)
    cold = np.where(t_out < -2.0, 0.06, 0.0)
    return np.where(t_out < 5.0, np.maximum(peak, cold), 0.0)


def simulate_heat_pump(
    seed: int,
    t: FloatArray,
    t_out: FloatArray,
    *,
    daily_mean: FloatArray,
    ghi: FloatArray,
    pump: HeatPump,
    building: Building,
    overconsumption: FloatArray,
    felt_outside: FloatArray,
) -> HeatPumpOutput:
    """Run the heat pump over instants ``t``.

    ``overconsumption`` scales electricity (1 = healthy); ``felt_outside`` is the outside
    temperature as the building's thermal mass feels it, which drives the demand.
    """
    demand = heat_demand(felt_outside, daily_mean, ghi, building)
    min_heat = pump.min_modulation * pump.nominal_heat_w
    # Below minimum modulation the compressor cycles: on at minimum output for a share of
    # each cycle so that the average matches the demand.
    duty = np.clip(demand / min_heat, 0.0, 1.0)
    phase = ((t + 977.0 * smooth_noise(seed, "hp/phase", t, 86_400.0)) % pump.cycle_period_s) / (
        pump.cycle_period_s
    )
    cycling = duty < 1.0
    running = np.where(cycling, phase < duty, demand > 0.0)
    heat = np.where(
        running, np.where(cycling, min_heat, np.minimum(demand, pump.nominal_heat_w)), 0.0
    )

    set_flow = heating_curve(t_out, pump, building)
    flow = set_flow + 0.25 * smooth_noise(seed, "hp/flow", t, 300.0)
    cop = pump.carnot_efficiency * carnot_cop(flow, t_out) * (1.0 - defrost_penalty(t_out))
    # Short cycles waste the start-up of every run.
    cop = cop * np.where(cycling, 0.88 + 0.12 * duty, 1.0)
    cop = np.clip(cop, 1.3, 7.0)
    electric = np.where(running, heat / cop * overconsumption, pump.standby_w)

    flow_lps = pump.flow_rate_lpm / 60.0
    spread = heat / (WATER_HEAT_CAPACITY * flow_lps)
    idle_water = np.maximum(building.indoor_setpoint + 3.0, set_flow - 6.0)
    flow_temperature = np.where(running, flow, idle_water)
    return_temperature = np.where(running, flow - spread, idle_water - 0.3)
    flow_rate = np.where(running, pump.flow_rate_lpm, 0.0)
    return HeatPumpOutput(
        heat=heat,
        electric=electric,
        flow_temperature=flow_temperature,
        return_temperature=return_temperature,
        flow_rate=flow_rate,
        running=running.astype(np.float64),
    )
