"""emoncms feed API answers of an emonHP heat-pump monitor (the "My Heatpump" feed names).

``feed/list.json`` entries carry ids and sizes as strings, as many emoncms versions do;
cumulative feeds are kWh, power feeds W (emoncms ``Modules/feed`` and emoncms/app
``myheatpump.js``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import json
from typing import Any

import numpy as np

from house_simulator.house import House
from house_simulator.noise import FloatArray
from house_simulator.snapshot import Snapshot

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
    """Values of ``feed`` at the 10-second samples ``times`` (grouped by day)."""
    from house_simulator.house import DAY_S, STEP_S  # noqa: PLC0415 - kept next to its only use
    from house_simulator.snapshot import snapshot_of  # noqa: PLC0415

    out = np.empty(len(times))
    for index, t in enumerate(times):
        frame = house.day(int(t // DAY_S))
        out[index] = feed.value(snapshot_of(frame, int((t - frame.t[0]) // STEP_S)))
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
    points: list[list[Any]] = []
    for t in range(first, int(end_s), interval):
        if average and interval > FEED_INTERVAL_S:
            samples = np.arange(t, t + interval, FEED_INTERVAL_S, dtype=np.float64)
            value = float(_series(house, feed, samples).mean())
        else:
            value = float(_series(house, feed, np.array([float(t)]))[0])
        points.append([t * 1000, _rounded(value, max(feed.decimals, 1))])
    return json.dumps(points, separators=(",", ":")).encode()


def error(message: str) -> bytes:
    """Emoncms' in-body error (HTTP 200)."""
    return json.dumps({"success": False, "message": message}).encode()
