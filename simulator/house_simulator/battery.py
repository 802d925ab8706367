"""A self-consumption battery: charge from PV surplus, discharge to cover the deficit."""

from __future__ import annotations

import numpy as np

from .config import Battery
from .noise import FloatArray


def dispatch(
    surplus: FloatArray, step_s: float, battery: Battery, start_soc: float
) -> tuple[FloatArray, FloatArray]:
    """Battery power (W, + discharging) and state of charge (%) at the end of each step.

    ``surplus`` is PV minus consumption per step (W). A plain loop: the state of charge
    depends on every step before it, and at one-minute steps a day is only 1440 iterations.
    """
    usable = battery.capacity_wh
    floor = battery.min_soc / 100.0 * usable
    one_way = float(np.sqrt(battery.round_trip_efficiency))
    hours = step_s / 3600.0
    stored = start_soc / 100.0 * usable
    power = np.zeros_like(surplus)
    soc = np.zeros_like(surplus)
    values = [float(v) for v in surplus]
    for i, available in enumerate(values):
        if available > 0.0:
            charge = min(available, battery.max_charge_w, (usable - stored) / (hours * one_way))
            stored += charge * hours * one_way
            power[i] = -charge
        else:
            discharge = min(-available, battery.max_discharge_w, (stored - floor) * one_way / hours)
            discharge = max(discharge, 0.0)
            stored -= discharge * hours / one_way
            power[i] = discharge
        soc[i] = stored / usable * 100.0
    return power, soc
