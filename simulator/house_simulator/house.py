"""The house: weather, PV, household, heat pump and battery, one UTC day at a time.

Every physical quantity is sampled every 10 s. A sample at time t stands for the interval
[t, t + 10 s), so an energy counter at t is the sum of all earlier intervals and a day's
energy is the sum of its 8640 samples. Lifetime counters start from fixed values at the
configured epoch and run in both directions from it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
import threading
from typing import Any
import zoneinfo

import numpy as np
import pandas as pd

from . import faults as fault_kinds
from .battery import dispatch
from .config import HouseConfig
from .faults import Fault, overlapping, seeded_faults
from .heatpump import HeatPumpOutput, simulate_heat_pump
from .load import household_load
from .noise import FloatArray, floats, hash_uniform
from .pv import PvOutput, pv_output
from .weather import Weather, cloud_cover, temperature, weather_at

STEP_S = 10
DAY_S = 86_400
SAMPLES_PER_DAY = DAY_S // STEP_S
HOURS_WH = STEP_S / 3600.0
"""Wh per W of one sample."""

COUNTERS = ("pv", "grid_import", "grid_export", "hp_electric", "hp_heat", "load")
"""Lifetime counters, Wh: PV (AC), grid import and export, heat-pump electricity and heat,
and household load (heat pump excluded)."""

_COUNTER_BASE_WH = {
    "pv": 31_000_000.0,
    "grid_import": 18_000_000.0,
    "grid_export": 22_000_000.0,
    "hp_electric": 16_000_000.0,
    "hp_heat": 52_000_000.0,
    "load": 24_000_000.0,
}


def day_index_of(t: float) -> int:
    """Return the UTC day number (days since 1970-01-01) that contains instant ``t``."""
    return int(t // DAY_S)


@dataclass(frozen=True, slots=True)
class DayFrame:
    """One simulated UTC day, 8640 samples of 10 s."""

    day: int
    t: FloatArray
    weather: Weather
    pv: PvOutput
    pv_ac: FloatArray
    """AC power the inverter feeds, W (0 while it is offline)."""
    load: FloatArray
    """Household load without the heat pump, W."""
    heat_pump: HeatPumpOutput
    battery_power: FloatArray
    """W, + discharging into the house, - charging."""
    battery_soc: FloatArray
    grid: FloatArray
    """W, + import, - export."""
    inverter_offline: FloatArray
    """1 where the inverter does not answer, else 0."""
    offline_error: FloatArray
    """1 where it answers with its own error instead of not answering at all."""
    reported: dict[str, FloatArray]
    """Heat-pump sensor values as reported (stuck sensors frozen)."""
    counters_start: dict[str, float]
    """Lifetime counters at 00:00 UTC of this day, Wh."""
    counters: dict[str, FloatArray]
    """Lifetime counters at the start of each sample, Wh."""

    def energy(self, name: str) -> FloatArray:
        """Energy of each sample, Wh, for a counter name."""
        return _sample_power(self, name) * HOURS_WH

    def totals(self) -> dict[str, float]:
        """Energy of the whole day per counter, Wh."""
        return {name: float(self.energy(name).sum()) for name in COUNTERS}

    def index_at(self, t: float) -> int:
        """Return the sample that contains instant ``t``."""
        return int(np.clip((t - self.t[0]) // STEP_S, 0, SAMPLES_PER_DAY - 1))


def _sample_power(frame: DayFrame, name: str) -> FloatArray:
    match name:
        case "pv":
            return frame.pv_ac
        case "grid_import":
            return np.clip(frame.grid, 0.0, None)
        case "grid_export":
            return np.clip(-frame.grid, 0.0, None)
        case "hp_electric":
            return frame.heat_pump.electric
        case "hp_heat":
            return frame.heat_pump.heat
        case "load":
            return frame.load
    raise KeyError(name)


@dataclass(frozen=True, slots=True)
class _Physics:
    """A day before the battery and counters: everything that needs no history."""

    day: int
    t: FloatArray
    weather: Weather
    pv: PvOutput
    pv_ac: FloatArray
    load: FloatArray
    heat_pump: HeatPumpOutput
    offline: FloatArray
    offline_error: FloatArray
    reported: dict[str, FloatArray]


class House:
    """A deterministic house: the same config, seed and faults always give the same days."""

    def __init__(self, config: HouseConfig, faults: Sequence[Fault] | None = None) -> None:
        """Build the house; ``faults`` replaces the seed's faults when given."""
        self.config = config
        self.seed = config.seed
        self._explicit_faults = None if faults is None else list(faults)
        self._tz = zoneinfo.ZoneInfo(config.location.timezone)
        self._physics_cache: OrderedDict[int, _Physics] = OrderedDict()
        self._frame_cache: OrderedDict[int, DayFrame] = OrderedDict()
        self._totals: dict[int, dict[str, float]] = {}
        self._lock = threading.RLock()
        self.epoch_day = day_index_of(config.epoch_s)
        jitter = hash_uniform(self.seed, "counters/base", np.arange(len(COUNTERS)))
        self._starts: dict[int, dict[str, float]] = {
            self.epoch_day: {
                name: round(_COUNTER_BASE_WH[name] * (0.9 + 0.2 * float(j)), 1)
                for name, j in zip(COUNTERS, jitter, strict=True)
            }
        }

    # Faults ------------------------------------------------------------------------------

    def faults(self, start_s: float, end_s: float) -> list[Fault]:
        """Faults touching [start_s, end_s), stuck sensors with the value they froze at."""
        if self._explicit_faults is not None:
            chosen = sorted(
                overlapping(self._explicit_faults, start_s, end_s), key=lambda f: (f.start, f.kind)
            )
        else:
            chosen = seeded_faults(self.seed, start_s, end_s, self.config.location.longitude)
        return [self._with_stuck_value(fault) for fault in chosen]

    def _with_stuck_value(self, fault: Fault) -> Fault:
        if fault.kind != fault_kinds.SENSOR_STUCK or "value" in fault.params:
            return fault
        sensor = str(fault.params["sensor"])
        t = np.array([float(fault.start_s)])
        value = float(self._sensor_values(t)[sensor][0])
        return replace(fault, params={**fault.params, "value": round(value, 1)})

    def _sensor_values(self, t: FloatArray) -> dict[str, FloatArray]:
        """Return the true heat-pump sensor readings at instants ``t`` (ignoring stuck faults)."""
        weather = weather_at(self.seed, t, self.config.location)
        hp = self._heat_pump(t, weather, np.ones_like(t))
        return {
            "flow_temperature": hp.flow_temperature,
            "return_temperature": hp.return_temperature,
            "outside_temperature": weather.temperature + self.config.heat_pump.outdoor_sensor_bias,
        }

    # Physics -----------------------------------------------------------------------------

    def _trailing_means(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Outside temperature averaged over the last 6 h and 24 h, at instants ``t``."""
        step = 1800.0
        grid = np.arange(np.floor((t[0] - DAY_S) / step) * step, t[-1] + step, step)
        temps = temperature(self.seed, grid, self.config.location, cloud_cover(self.seed, grid))
        cumulative = np.concatenate(([0.0], np.cumsum(temps)))

        def trailing(window: int) -> FloatArray:
            idx = np.arange(len(grid))
            lo = np.maximum(idx - window + 1, 0)
            means = (cumulative[idx + 1] - cumulative[lo]) / (idx + 1 - lo)
            return floats(np.interp(t, grid, means))

        return trailing(12), trailing(48)

    def _heat_pump(self, t: FloatArray, weather: Weather, factor: FloatArray) -> HeatPumpOutput:
        mean_6h, mean_24h = self._trailing_means(t)
        # The building's mass smooths the outside temperature it feels.
        felt = 0.5 * weather.temperature + 0.5 * mean_6h
        return simulate_heat_pump(
            self.seed,
            t,
            weather.temperature,
            daily_mean=mean_24h,
            ghi=weather.ghi,
            pump=self.config.heat_pump,
            building=self.config.building,
            overconsumption=factor,
            felt_outside=felt,
        )

    def _physics(self, day: int) -> _Physics:
        with self._lock:
            cached = self._physics_cache.get(day)
            if cached is not None:
                self._physics_cache.move_to_end(day)
                return cached
        t = (day * DAY_S + np.arange(SAMPLES_PER_DAY) * STEP_S).astype(np.float64)
        day_faults = self.faults(float(t[0]), float(t[-1]) + STEP_S)
        overconsumption = np.ones_like(t)
        string_loss = np.zeros_like(t)
        offline = np.zeros_like(t)
        offline_error = np.zeros_like(t)
        for fault in day_faults:
            active = fault.active(t)
            if fault.kind == fault_kinds.HEATPUMP_OVERCONSUMPTION:
                overconsumption[active] = float(fault.params["factor"])
            elif fault.kind == fault_kinds.PV_STRING_LOSS:
                string_loss[active] = float(fault.params["fraction"])
            elif fault.kind == fault_kinds.INVERTER_OFFLINE:
                offline[active] = 1.0
                if fault.params.get("mode") == "device_error":
                    offline_error[active] = 1.0

        weather = weather_at(self.seed, t, self.config.location)
        pv = pv_output(weather, self.config.pv, string_loss)
        pv_ac = np.where(offline > 0, 0.0, pv.ac)
        index = pd.DatetimeIndex(pd.to_datetime(t.astype(np.int64), unit="s", utc=True))
        local = index.tz_convert(self._tz)
        local_hour = np.asarray(local.hour + local.minute / 60.0 + local.second / 3600.0, float)
        weekend = bool(local[SAMPLES_PER_DAY // 2].day_of_week >= 5)
        dark = (weather.ghi < 60.0).astype(np.float64)
        load = household_load(
            self.seed,
            t,
            local_hour,
            weekend=weekend,
            day_index=day,
            dark=dark,
            household=self.config.household,
        )
        hp = self._heat_pump(t, weather, overconsumption)
        reported = {
            "flow_temperature": hp.flow_temperature.copy(),
            "return_temperature": hp.return_temperature.copy(),
            "outside_temperature": weather.temperature + self.config.heat_pump.outdoor_sensor_bias,
        }
        for fault in day_faults:
            if fault.kind == fault_kinds.SENSOR_STUCK:
                reported[str(fault.params["sensor"])][fault.active(t)] = float(
                    fault.params["value"]
                )
        physics = _Physics(day, t, weather, pv, pv_ac, load, hp, offline, offline_error, reported)
        with self._lock:
            self._physics_cache[day] = physics
            while len(self._physics_cache) > 4:
                self._physics_cache.popitem(last=False)
        return physics

    def _battery(self, day: int, today: _Physics) -> tuple[FloatArray, FloatArray]:
        """Battery power per sample and state of charge, from a chain started 12 h earlier.

        A self-consumption battery runs full or empty nearly every half day; once it has,
        the chain no longer depends on where it started, so days computed on their own
        join up with their neighbours.
        """
        battery = self.config.battery
        if battery is None:
            zeros = np.zeros(SAMPLES_PER_DAY)
            return zeros, zeros
        yesterday = self._physics(day - 1)
        half = SAMPLES_PER_DAY // 2

        def surplus(p: _Physics, lo: int, hi: int) -> FloatArray:
            net = p.pv_ac[lo:hi] - p.load[lo:hi] - p.heat_pump.electric[lo:hi]
            net = np.where(p.offline[lo:hi] > 0, 0.0, net)
            return floats(net.reshape(-1, 6).mean(axis=1))

        minutes = np.concatenate(
            (surplus(yesterday, half, SAMPLES_PER_DAY), surplus(today, 0, SAMPLES_PER_DAY))
        )
        power, soc = dispatch(minutes, 60.0, battery, start_soc=50.0)
        power = np.repeat(power[half // 6 :], 6)
        soc_end = soc[half // 6 :]
        soc_start = np.concatenate(([soc[half // 6 - 1]], soc_end[:-1]))
        # The state of charge moves linearly within each minute.
        fraction = np.tile(np.arange(6) / 6.0, SAMPLES_PER_DAY // 6)
        soc_samples = np.repeat(soc_start, 6) + (np.repeat(soc_end - soc_start, 6)) * fraction
        return power, soc_samples

    # Days and counters -------------------------------------------------------------------

    def _uncounted(self, day: int) -> DayFrame:
        """Return a day with its physics and battery but without lifetime counters."""
        physics = self._physics(day)
        battery_power, soc = self._battery(day, physics)
        grid = physics.load + physics.heat_pump.electric - physics.pv_ac - battery_power
        return DayFrame(
            day=day,
            t=physics.t,
            weather=physics.weather,
            pv=physics.pv,
            pv_ac=physics.pv_ac,
            load=physics.load,
            heat_pump=physics.heat_pump,
            battery_power=battery_power,
            battery_soc=soc,
            grid=grid,
            inverter_offline=physics.offline,
            offline_error=physics.offline_error,
            reported=physics.reported,
            counters_start={},
            counters={},
        )

    def day(self, day: int) -> DayFrame:
        """Return the simulated UTC day number ``day`` (days since 1970-01-01)."""
        with self._lock:
            cached = self._frame_cache.get(day)
            if cached is not None:
                self._frame_cache.move_to_end(day)
                return cached
        frame = self._uncounted(day)
        with self._lock:
            self._totals.setdefault(day, frame.totals())
        start = self.counters_at_day_start(day)
        frame = replace(
            frame,
            counters_start=start,
            counters={
                name: start[name] + np.concatenate(([0.0], np.cumsum(frame.energy(name))[:-1]))
                for name in COUNTERS
            },
        )
        with self._lock:
            self._frame_cache[day] = frame
            while len(self._frame_cache) > 3:
                self._frame_cache.popitem(last=False)
        return frame

    def day_totals(self, day: int) -> dict[str, float]:
        """Energy per counter of a whole day, Wh."""
        with self._lock:
            known = self._totals.get(day)
        if known is None:
            known = self._uncounted(day).totals()
            with self._lock:
                self._totals[day] = known
        return known

    def counters_at_day_start(self, day: int) -> dict[str, float]:
        """Lifetime counters at 00:00 UTC of ``day``, Wh, walking from the nearest known day."""
        with self._lock:
            known = self._starts.get(day)
        if known is not None:
            return known
        step = 1 if day >= self.epoch_day else -1
        anchor = day
        while anchor not in self._starts:
            anchor -= step
        counters = dict(self._starts[anchor])
        while anchor != day:
            if step == 1:
                totals = self.day_totals(anchor)
                anchor += 1
                counters = {name: counters[name] + totals[name] for name in COUNTERS}
            else:
                anchor -= 1
                totals = self.day_totals(anchor)
                counters = {name: counters[name] - totals[name] for name in COUNTERS}
            with self._lock:
                self._starts[anchor] = counters
        if min(counters.values()) < 0:
            raise ValueError(f"day {day} lies too far before the epoch for the counters")
        return counters

    def at(self, moment: datetime) -> tuple[DayFrame, int]:
        """Return the day frame and sample index that contain ``moment``."""
        seconds = moment.timestamp()
        frame = self.day(day_index_of(seconds))
        return frame, frame.index_at(seconds)


def utc_day_start(day: int) -> datetime:
    """00:00 UTC of day number ``day``."""
    return datetime.fromtimestamp(day * DAY_S, tz=UTC)


def describe(config: HouseConfig) -> dict[str, Any]:
    """Return a short, JSON-able description of the house for logs and the truth file."""
    return {
        "seed": config.seed,
        "latitude": config.location.latitude,
        "longitude": config.location.longitude,
        "pv_kwp": sum(config.pv.string_kwp),
        "battery_wh": None if config.battery is None else config.battery.capacity_wh,
        "heat_pump_w": config.heat_pump.nominal_heat_w,
        "epoch": config.epoch.isoformat(),
    }
