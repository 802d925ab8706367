"""emoncms feed API answers of an emonHP heat-pump monitor (the "My Heatpump" feed names).

``feed/list.json`` entries carry ids and sizes as strings, as many emoncms versions do;
cumulative feeds are kWh, power feeds W (emoncms ``Modules/feed`` and emoncms/app
``myheatpump.js``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import json

import numpy as np

from house_simulator.house import DAY_S, STEP_S, House
from house_simulator.noise import FloatArray
from house_simulator.snapshot import Snapshot, snapshots_of

from .template import Template, slot


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One emonHP feed: its id, unit and how to read it from the house."""

    feed_id: int
    name: str
    unit: str
    value: Callable[[Snapshot], float]
    decimals: int


FEEDS: tuple[FeedSpec, ...] = (
    FeedSpec(11, "heatpump_elec", "W", lambda s: s.hp_electric, 0),
    FeedSpec(12, "heatpump_elec_kwh", "kWh", lambda s: s.hp_electric_total / 1000.0, 3),
    FeedSpec(13, "heatpump_heat", "W", lambda s: s.hp_heat, 0),
    FeedSpec(14, "heatpump_heat_kwh", "kWh", lambda s: s.hp_heat_total / 1000.0, 3),
    FeedSpec(15, "heatpump_flowT", "°C", lambda s: s.flow_temperature, 2),
    FeedSpec(16, "heatpump_returnT", "°C", lambda s: s.return_temperature, 2),
    FeedSpec(17, "heatpump_outsideT", "°C", lambda s: s.outside_temperature, 2),
    FeedSpec(18, "heatpump_flowrate", "l/min", lambda s: s.flow_rate, 2),
    FeedSpec(19, "heatpump_roomT", "°C", lambda _s: 20.5, 2),
    FeedSpec(20, "heatpump_dhw", "", lambda _s: 0.0, 0),
)
FEEDS_BY_ID = {feed.feed_id: feed for feed in FEEDS}

FEED_INTERVAL_S = 10
START_TIME = 1_735_689_600
"""When the monitor started logging (2025-01-01), for the feeds' metadata."""
USER_ID = "1"


def _rounded(value: float, decimals: int) -> float | int:
    return round(value) if decimals == 0 else round(value, decimals)


_FEED_LIST = Template(
    [
        {
            "id": str(feed.feed_id),
            "userid": USER_ID,
            "name": feed.name,
            "datatype": "1",
            "tag": "emonHP",
            "public": "0",
            "size": slot("size"),
            "engine": "5",
            "processList": "",
            "unit": feed.unit,
            "time": slot("time"),
            "value": slot(feed.name),
            "start_time": START_TIME,
            "interval": FEED_INTERVAL_S,
        }
        for feed in FEEDS
    ],
    indent=None,
    separators=(",", ":"),
)


def feed_list(snapshot: Snapshot) -> bytes:
    """``feed/list.json``: every feed with its latest value and the time it was logged."""
    logged = int(snapshot.t) // FEED_INTERVAL_S * FEED_INTERVAL_S
    values = {feed.name: _rounded(feed.value(snapshot), feed.decimals) for feed in FEEDS}
    size = str(4 * max(0, (logged - START_TIME) // FEED_INTERVAL_S))
    return _FEED_LIST.render(size=size, time=logged, **values)


def _series(house: House, feed: FeedSpec, times: FloatArray) -> FloatArray:
    """Return the values of ``feed`` at the 10-second samples ``times``."""
    by_day: dict[int, list[Snapshot]] = {}
    out = np.empty(len(times))
    for index, t in enumerate(float(value) for value in times):
        day = int(t // DAY_S)
        snapshots = by_day.get(day)
        if snapshots is None:
            snapshots = by_day[day] = snapshots_of(house.day(day))
        out[index] = feed.value(snapshots[int((t - day * DAY_S) // STEP_S)])
    return out


def feed_data(
    house: House,
    feed: FeedSpec,
    start_s: float,
    end_s: float,
    *,
    interval: int,
    average: bool,
) -> bytes:
    """``feed/data.json``: ``[[time_ms, value], ...]`` from start to end at ``interval`` s.

    With ``average`` each point is the mean over its interval (10-second samples); without,
    the value at the point's time.
    """
    first = int(np.ceil(start_s / interval) * interval)
    starts = np.arange(first, int(end_s), interval, dtype=np.float64)
    if average and interval > FEED_INTERVAL_S:
        per_point = interval // FEED_INTERVAL_S
        offsets = np.arange(per_point, dtype=np.float64) * FEED_INTERVAL_S
        samples = (starts[:, None] + offsets[None, :]).ravel()
        values = _series(house, feed, samples).reshape(len(starts), per_point).mean(axis=1)
    else:
        values = _series(house, feed, starts)
    decimals = max(feed.decimals, 1)
    points = [
        [int(t) * 1000, _rounded(float(v), decimals)]
        for t, v in zip(starts.tolist(), values.tolist(), strict=True)
    ]
    return json.dumps(points, separators=(",", ":")).encode()


def error(message: str) -> bytes:
    """Emoncms' in-body error (HTTP 200)."""
    return json.dumps({"success": False, "message": message}).encode()
