"""Injected faults and their ground-truth log.

Faults are drawn per 28-day period from the seed, so the faults of any window are a pure
function of (seed, window); explicit faults replace the drawn ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

import numpy as np

from .noise import FloatArray, day_rng

PERIOD_DAYS = 28
DAY_S = 86_400

HEATPUMP_OVERCONSUMPTION = "heatpump_overconsumption"
PV_STRING_LOSS = "pv_string_loss"
INVERTER_OFFLINE = "inverter_offline"
SENSOR_STUCK = "sensor_stuck"
KINDS = (HEATPUMP_OVERCONSUMPTION, PV_STRING_LOSS, INVERTER_OFFLINE, SENSOR_STUCK)

STUCK_SENSORS = ("flow_temperature", "return_temperature", "outside_temperature")
"""Heat-pump sensors that can freeze; each names a reading field of the heat pump."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault: what, from when to when (UTC, end exclusive), and how strong."""

    kind: str
    start: datetime
    end: datetime
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse faults that cannot be applied."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("fault start and end must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"fault {self.kind} ends before it starts")

    @property
    def start_s(self) -> float:
        """Start in Unix seconds."""
        return self.start.timestamp()

    @property
    def end_s(self) -> float:
        """End in Unix seconds."""
        return self.end.timestamp()

    def active(self, t: FloatArray) -> NDBool:
        """Where the fault is active among instants ``t``."""
        return (t >= self.start_s) & (t < self.end_s)

    def to_json(self) -> dict[str, Any]:
        """Return the fault as one line of the ground-truth log."""
        return {
            "kind": self.kind,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "params": self.params,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """Read one line of the log (or a fault given by hand)."""
        return cls(
            kind=str(data["kind"]),
            start=_parse(str(data["start"])),
            end=_parse(str(data["end"])),
            params=dict(data.get("params", {})),
        )


type NDBool = np.ndarray[Any, np.dtype[np.bool_]]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"fault time {text!r} has no time zone")
    return moment


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(round(seconds), tz=UTC)


def _period_faults(seed: int, period: int, solar_noon_utc_h: float) -> list[Fault]:
    """Return the faults the seed puts into one 28-day period."""
    rng = day_rng(seed, "faults", period)
    first_day = period * PERIOD_DAYS
    faults: list[Fault] = []

    def some_day(margin: int) -> int:
        return first_day + int(rng.integers(0, PERIOD_DAYS - margin))

    if rng.random() < 0.8:
        day, days = some_day(6), int(rng.integers(2, 6))
        faults.append(
            Fault(
                HEATPUMP_OVERCONSUMPTION,
                _at(day * DAY_S),
                _at((day + days) * DAY_S),
                {"factor": round(float(rng.uniform(1.15, 1.40)), 3)},
            )
        )
    if rng.random() < 0.6:
        day, days = some_day(7), int(rng.integers(2, 7))
        faults.append(
            Fault(
                PV_STRING_LOSS,
                _at(day * DAY_S),
                _at((day + days) * DAY_S),
                {"fraction": round(float(rng.uniform(0.20, 0.50)), 3)},
            )
        )
    for _ in range(int(rng.integers(1, 3))):
        day = some_day(1)
        # Daylight: between three hours before and after solar noon.
        begin = day * DAY_S + (solar_noon_utc_h + rng.uniform(-3.0, 1.5)) * 3600.0
        hours = float(rng.uniform(1.0, 4.0))
        mode = "no_answer" if rng.random() < 0.6 else "device_error"
        faults.append(
            Fault(INVERTER_OFFLINE, _at(begin), _at(begin + hours * 3600.0), {"mode": mode})
        )
    if rng.random() < 0.7:
        day = some_day(1)
        begin = day * DAY_S + rng.uniform(0.0, 20.0) * 3600.0
        hours = float(rng.uniform(3.0, 12.0))
        sensor = STUCK_SENSORS[int(rng.integers(0, len(STUCK_SENSORS)))]
        faults.append(
            Fault(SENSOR_STUCK, _at(begin), _at(begin + hours * 3600.0), {"sensor": sensor})
        )
    return faults


def seeded_faults(seed: int, start_s: float, end_s: float, longitude: float) -> list[Fault]:
    """Return the seed's faults overlapping [start_s, end_s), sorted by start."""
    solar_noon_utc_h = 12.0 - longitude / 15.0
    first = int(start_s // (PERIOD_DAYS * DAY_S)) - 1
    last = int(end_s // (PERIOD_DAYS * DAY_S)) + 1
    found = [
        fault
        for period in range(first, last + 1)
        for fault in _period_faults(seed, period, solar_noon_utc_h)
        if fault.end_s > start_s and fault.start_s < end_s
    ]
    return sorted(found, key=lambda fault: (fault.start, fault.kind))


def overlapping(faults: Sequence[Fault], start_s: float, end_s: float) -> list[Fault]:
    """Return the faults of ``faults`` that touch [start_s, end_s)."""
    return [f for f in faults if f.end_s > start_s and f.start_s < end_s]


def write_log(faults: Iterable[Fault], path: Path) -> None:
    """Write the ground-truth log: one JSON object per line."""
    lines = [json.dumps(fault.to_json(), sort_keys=True) for fault in faults]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def read_log(path: Path) -> list[Fault]:
    """Read a ground-truth log (or a hand-written fault file in the same format)."""
    text = path.read_text(encoding="utf-8")
    return [Fault.from_json(json.loads(line)) for line in text.splitlines() if line.strip()]
