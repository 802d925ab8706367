"""The house's physics: deterministic, energy conserving, plausible."""

from __future__ import annotations

import numpy as np

from house_simulator.config import HouseConfig
from house_simulator.heatpump import carnot_cop
from house_simulator.house import COUNTERS, HOURS_WH, House

from .conftest import SPRING_DAY, SUMMER_DAY, WINTER_DAY, house_near


def test_same_seed_same_day_bit_for_bit() -> None:
    first = house_near(WINTER_DAY).day(WINTER_DAY + 1)
    second = house_near(WINTER_DAY).day(WINTER_DAY + 1)
    for name in ("pv_ac", "load", "grid", "battery_power", "battery_soc"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    assert np.array_equal(first.heat_pump.electric, second.heat_pump.electric)
    assert first.counters_start == second.counters_start


def test_another_seed_another_house() -> None:
    first = house_near(WINTER_DAY, seed=1).day(WINTER_DAY)
    second = house_near(WINTER_DAY, seed=2).day(WINTER_DAY)
    assert not np.array_equal(first.weather.temperature, second.weather.temperature)


def test_energy_balance_closes_every_sample_and_every_day() -> None:
    frame = house_near(SPRING_DAY).day(SPRING_DAY)
    residual = (
        frame.load + frame.heat_pump.electric - frame.pv_ac - frame.battery_power - frame.grid
    )
    assert np.max(np.abs(residual)) < 1e-9
    totals = frame.totals()
    battery_wh = float(frame.battery_power.sum() * HOURS_WH)
    supply = totals["pv"] + battery_wh + totals["grid_import"] - totals["grid_export"]
    assert abs(supply - (totals["load"] + totals["hp_electric"])) < 1.0


def test_counters_are_monotonic_and_continuous_across_midnight() -> None:
    house = house_near(WINTER_DAY)
    today, tomorrow = house.day(WINTER_DAY), house.day(WINTER_DAY + 1)
    for name in COUNTERS:
        assert np.all(np.diff(today.counters[name]) >= 0), name
        end_of_today = today.counters[name][-1] + today.energy(name)[-1]
        assert abs(tomorrow.counters[name][0] - end_of_today) < 1e-6, name


def test_counters_run_backwards_from_the_epoch_consistently() -> None:
    house = house_near(WINTER_DAY + 2)
    before, epoch_day = house.day(WINTER_DAY + 1), house.day(WINTER_DAY + 2)
    for name in COUNTERS:
        assert (
            abs(
                before.counters_start[name] + before.totals()[name] - epoch_day.counters_start[name]
            )
            < 1e-6
        )


def test_pv_is_zero_at_night_and_substantial_on_a_summer_noon() -> None:
    frame = house_near(SUMMER_DAY).day(SUMMER_DAY)
    night = frame.weather.zenith > 91.0
    assert night.any()
    assert np.all(frame.pv_ac[night] == 0.0)
    assert frame.pv_ac.max() > 3000.0
    assert frame.pv_ac.max() <= HouseConfig().pv.inverter_ac_max


def test_cop_within_bounds_and_lower_in_the_cold() -> None:
    def daily_cop(day: int) -> float:
        frame = house_near(day).day(day)
        running = frame.heat_pump.running > 0
        cop = frame.heat_pump.heat[running] / frame.heat_pump.electric[running]
        assert np.all((cop >= 1.3) & (cop <= 7.0))
        return float(frame.heat_pump.heat.sum() / frame.heat_pump.electric.sum())

    winter, spring = daily_cop(WINTER_DAY), daily_cop(SPRING_DAY)
    assert 2.0 < winter < spring < 6.5


def test_heat_pump_idles_in_summer() -> None:
    frame = house_near(SUMMER_DAY).day(SUMMER_DAY)
    assert frame.heat_pump.heat.sum() == 0.0
    assert np.all(frame.heat_pump.electric == HouseConfig().heat_pump.standby_w)


def test_carnot_cop_is_the_textbook_formula() -> None:
    # 35 °C flow, 7 °C outside: (37 + 273.15) / ((37) - (1)) with the +2/-6 K offsets.
    assert abs(float(carnot_cop(np.array([35.0]), np.array([7.0]))[0]) - 310.15 / 36.0) < 1e-9


def test_flow_return_and_flow_rate_make_the_heat() -> None:
    frame = house_near(WINTER_DAY).day(WINTER_DAY)
    hp = frame.heat_pump
    running = hp.running > 0
    heat_from_water = (hp.flow_rate / 60.0) * 4180.0 * (hp.flow_temperature - hp.return_temperature)
    assert np.allclose(heat_from_water[running], hp.heat[running], rtol=1e-9)
    assert np.all(hp.flow_temperature[running] > hp.return_temperature[running])


def test_household_load_is_plausible() -> None:
    frame = house_near(WINTER_DAY).day(WINTER_DAY)
    kwh = frame.load.sum() * HOURS_WH / 1000.0
    assert 5.0 < kwh < 16.0
    assert frame.load.min() > 50.0


def test_battery_stays_within_its_limits() -> None:
    house = house_near(SUMMER_DAY)
    frame = house.day(SUMMER_DAY)
    battery = house.config.battery
    assert battery is not None
    assert frame.battery_soc.min() >= battery.min_soc - 1e-9
    assert frame.battery_soc.max() <= 100.0 + 1e-9
    assert frame.battery_soc.max() > 90.0  # a June day fills it


def test_battery_free_house_balances_too() -> None:
    house = house_near(SPRING_DAY, battery=None)
    frame = house.day(SPRING_DAY)
    assert np.all(frame.battery_power == 0.0)
    assert np.allclose(frame.grid, frame.load + frame.heat_pump.electric - frame.pv_ac)


def test_house_is_deterministic_across_instances_for_weather_functions() -> None:
    a = House(HouseConfig(seed=5)).faults(0, 400 * 86_400)
    b = House(HouseConfig(seed=5)).faults(0, 400 * 86_400)
    assert [f.to_json() for f in a] == [f.to_json() for f in b]
