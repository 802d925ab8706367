"""Weather as the APIs tell it: biased a little, forecasts worse the further ahead."""

from __future__ import annotations

import numpy as np

from house_simulator.config import HouseConfig
from house_simulator.forecasts import PROFILES, WeatherService, issue_time
from house_simulator.house import DAY_S

from .conftest import WINTER_DAY

HOUR = 3600


def test_forecast_error_grows_with_lead_time() -> None:
    service = WeatherService(HouseConfig(seed=21))
    short, long = [], []
    for k in range(40):
        now = WINTER_DAY * DAY_S + k * 7 * HOUR + 1800
        first = int(now // HOUR * HOUR)
        view = service.view("openmeteo", now, first, 6 * 24)
        truth = service.truth(first, 6 * 24)
        error = view.temperature - truth.temperature - PROFILES["openmeteo"].temperature_bias
        short.extend(error[1:7])
        long.extend(error[96:120])
    short_rmse = float(np.sqrt(np.mean(np.square(short))))
    long_rmse = float(np.sqrt(np.mean(np.square(long))))
    assert short_rmse < 1.0
    assert long_rmse > 1.5 * short_rmse


def test_past_hours_are_truth_plus_the_apis_bias() -> None:
    service = WeatherService(HouseConfig(seed=21))
    now = WINTER_DAY * DAY_S + 12 * HOUR
    first = int(now - 5 * DAY_S)
    for api, profile in PROFILES.items():
        view = service.view(api, now, first, 4 * 24)
        truth = service.truth(first, 4 * 24)
        offset = float(np.mean(view.temperature - truth.temperature))
        assert abs(offset - profile.temperature_bias) < 0.25, api


def test_forecasts_change_only_when_a_new_one_is_issued() -> None:
    service = WeatherService(HouseConfig(seed=21))
    now = WINTER_DAY * DAY_S + 3 * HOUR
    issued = issue_time("metno", now)
    later = issued + PROFILES["metno"].latency_s + PROFILES["metno"].issue_every_s - 60
    first = int(issued + 12 * HOUR)
    same_a = service.view("metno", now, first, 48)
    same_b = service.view("metno", later, first, 48)
    assert np.array_equal(same_a.temperature, same_b.temperature)
    next_issue = service.view("metno", later + 120, first, 48)
    assert not np.array_equal(same_a.temperature, next_issue.temperature)


def test_irradiance_is_consistent() -> None:
    service = WeatherService(HouseConfig(seed=21))
    truth = service.truth(WINTER_DAY * DAY_S, 72)
    assert np.all(truth.ghi >= 0)
    assert np.allclose(truth.ghi, truth.direct + truth.dhi, atol=0.5)
    night = truth.is_day == 0
    assert np.all(truth.ghi[night] < 60.0)  # at most the hour around sunrise or sunset
