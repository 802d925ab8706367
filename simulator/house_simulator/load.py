"""The household's electric load (heat pump excluded): base load, daily routine, appliances."""

from __future__ import annotations

import numpy as np

from .config import Household
from .noise import FloatArray, day_rng, floats, smooth_noise

# (name, power W, minutes, mean uses per day, earliest local hour, latest local hour)
_APPLIANCES: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("kettle", 2000.0, 3.0, 2.5, 6.0, 22.0),
    ("cooking", 2200.0, 35.0, 0.9, 11.5, 19.5),
    ("washing_machine", 2050.0, 18.0, 0.5, 8.0, 20.0),
    ("dishwasher", 1900.0, 22.0, 0.8, 12.0, 22.5),
    ("vacuum", 1100.0, 20.0, 0.25, 9.0, 19.0),
    ("hair_dryer", 1600.0, 6.0, 0.7, 6.0, 8.5),
)


def _bump(hour: FloatArray, centre: float, width: float) -> FloatArray:
    return np.exp(-0.5 * ((hour - centre) / width) ** 2)


def household_load(
    seed: int,
    t: FloatArray,
    local_hour: FloatArray,
    *,
    weekend: bool,
    day_index: int,
    dark: FloatArray,
    household: Household,
) -> FloatArray:
    """Load in W at each instant of one UTC day; ``dark`` is 1 where lights are needed."""
    if weekend:
        routine = 290.0 * _bump(local_hour, 9.0, 1.4) + 230.0 * _bump(local_hour, 13.0, 1.5)
        routine += 390.0 * _bump(local_hour, 19.5, 1.8)
    else:
        routine = 270.0 * _bump(local_hour, 6.9, 0.7) + 90.0 * _bump(local_hour, 13.0, 2.0)
        routine += 420.0 * _bump(local_hour, 19.3, 1.6)
    awake = (local_hour > 6.0) & (local_hour < 23.0)
    lights = 110.0 * dark * awake
    wobble = 1.0 + 0.15 * smooth_noise(seed, "load/wobble", t, 600.0)
    scale = household.daily_energy_kwh / 8.5
    load = (household.base_load_w + (routine + lights) * scale) * np.clip(wobble, 0.6, 1.4)

    # Fridge and freezer compressors cycle all day.
    fridge_phase = smooth_noise(seed, "load/fridge", np.array([day_index * 86_400.0]), 1.0)[0]
    cycle = ((t / 60.0 + 17.0 * fridge_phase) % 47.0) < 16.0
    load = load + 95.0 * cycle

    rng = day_rng(seed, "load/appliances", day_index)
    start_of_day = float(t[0])
    step = float(t[1] - t[0]) if len(t) > 1 else 10.0
    for _name, power, minutes, per_day, earliest, latest in _APPLIANCES:
        for _ in range(rng.poisson(per_day * (1.2 if weekend else 1.0))):
            begin_hour = rng.uniform(earliest, latest)
            # The first sample is 00:00 UTC, so its local hour is the day's UTC offset.
            offset_h = float(local_hour[0])
            begin = start_of_day + ((begin_hour - offset_h) % 24.0) * 3600.0
            first = int((begin - start_of_day) // step)
            last = min(len(t), first + int(minutes * 60.0 // step))
            jitter = rng.uniform(0.9, 1.1)
            load[first:last] += power * jitter
    return floats(load)
