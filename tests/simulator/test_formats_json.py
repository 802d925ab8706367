"""Every answer the simulated Fronius renders is valid JSON, whatever numpy hands it."""

from __future__ import annotations

from collections.abc import Callable
import json

import pytest

from house_simulator.config import HouseConfig
from house_simulator.formats import fronius
from house_simulator.house import DAY_S
from house_simulator.snapshot import Snapshot, snapshot_at

from .conftest import WINTER_DAY, house_near

RENDERERS: list[Callable[[Snapshot, HouseConfig], bytes]] = [
    fronius.powerflow,
    fronius.inverter,
    fronius.meter,
    fronius.storage,
    fronius.inverter_info,
    fronius.logger_info,
]


@pytest.mark.parametrize("render", RENDERERS, ids=lambda r: r.__name__)
def test_fronius_answers_are_json_day_and_night(
    render: Callable[[Snapshot, HouseConfig], bytes],
) -> None:
    house = house_near(WINTER_DAY)
    for hour in (3, 12):
        snapshot = snapshot_at(house, WINTER_DAY * DAY_S + hour * 3600)
        assert isinstance(json.loads(render(snapshot, house.config)), dict)
