"""The models on small made-up houses whose answers are known, and their bad days.

Each synthetic house is a ``LakeData`` built here: hours, weather as measured, the
forecasts as issued (by API, with issue times) and the sun. Truths are simple formulas,
so a model that learns them must give them back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from energy_lakehouse.models import artifacts
from energy_lakehouse.models.cop import CopModel, carnot_cop
from energy_lakehouse.models.data import ISSUE_LEAD_H, LakeData
from energy_lakehouse.models.forecasting import predict, train, weather_for
from energy_lakehouse.models.frame import NotEnoughDataError, hours_of
from energy_lakehouse.models.heatpump import HeatPumpModel
from energy_lakehouse.models.runs import load_trained

ZONE = "Europe/Berlin"
FIRST = date(2026, 1, 5)


def _sun(index: pd.DatetimeIndex) -> pd.DataFrame:
    """A sun that rises at 07:00 and sets at 17:00 local, highest at noon."""
    hour = index.tz_convert(ZONE).hour + 0.5
    elevation = 30 * np.sin(np.pi * (hour - 7) / 10)
    elevation = np.where((hour > 7) & (hour < 17), elevation, -10 - hour % 3)
    return pd.DataFrame(
        {
            "sun_elevation_deg": elevation,
            "sun_azimuth_deg": 90 + 18 * (hour - 7),
            "cos_zenith": np.clip(np.sin(np.radians(elevation)), 0, None),
        },
        index=index,
    )


def _house(days: int, *, seed: int = 1) -> LakeData:
    """A house whose heat pump draws 300 Wh a day plus 80 Wh per degree-hour below 15 °C,
    whose COP is 0.45 of Carnot, and whose PV gives 9 Wh per W/m² of forecast irradiance."""
    rng = np.random.default_rng(seed)
    day_list = [FIRST + timedelta(days=n) for n in range(days)]
    index = hours_of(day_list, ZONE)
    local = index.tz_convert(ZONE)
    n = len(index)
    day_number = np.array([(d - FIRST).days for d in local.date])
    temperature = 4 + 6 * np.sin(day_number / 3) + 3 * np.sin(np.pi * (local.hour - 9) / 12)
    sun = _sun(index)
    radiation = 700 * sun["cos_zenith"].to_numpy() * (0.4 + 0.6 * rng.random(n).round(1))
    hdh = np.clip(15 - temperature, 0, None)
    daily_hdh = pd.Series(hdh, index=index).groupby(local.date).transform("sum").to_numpy()
    heatpump = (300 + 80 * daily_hdh) / 24
    flow = 40 - 0.6 * temperature
    cop = 0.45 * carnot_cop(flow, temperature)
    history = pd.DataFrame(
        {
            "local_date": local.date,
            "local_hour": local.hour,
            "local_iso_day_of_week": local.day_of_week + 1,
            "pv_wh": 9.0 * radiation,
            "load_wh": 400 + heatpump,
            "base_load_wh": np.full(n, 400.0),
            "grid_import_wh": np.full(n, 100.0),
            "grid_export_wh": np.zeros(n),
            "battery_soc_mean": np.full(n, np.nan),
            "heatpump_elec_wh": heatpump,
            "heatpump_heat_wh": heatpump * cop,
            "solar_coverage_pct": np.full(n, 100.0),
            "heatpump_coverage_pct": np.full(n, 100.0),
            "cop": cop,
            "outside_temp_weighted": temperature,
            "flow_temp_weighted": flow,
            "running_minutes": np.full(n, 60.0),
            "cop_quality_flag": "ok",
            "temperature_actual": temperature,
            "solar_radiation_actual": radiation,
            "cloud_cover_actual": np.full(n, 50.0),
        },
        index=index,
    )
    # One API, issued exactly on time, with the truth: the models see the truth as forecast.
    issued = [
        datetime.combine(d, datetime.min.time()).replace(tzinfo=UTC) - timedelta(hours=ISSUE_LEAD_H)
        for d in local.date
    ]
    forecasts = pd.DataFrame(
        {
            "timestamp": index,
            "local_date": local.date,
            "api": "openmeteo",
            "issued_at": issued,
            "lead_hours": 24.0,
            "temperature": temperature,
            "cloud_cover": 50.0,
            "solar_radiation": radiation,
            "direct_radiation": radiation * 0.6,
            "diffuse_radiation": radiation * 0.4,
        }
    )
    return LakeData(history=history, forecasts=forecasts, sun=sun, timezone=ZONE)


def test_cop_model_recovers_a_fraction_of_carnot() -> None:
    house = _house(20)
    model = CopModel.fit(house.history)
    assert model.carnot_fraction == pytest.approx(0.45, rel=1e-3)
    conditions = model.conditions_from_forecast(house.history["temperature_actual"])
    truth = house.history["cop"].to_numpy()
    assert np.abs(model.baseline(conditions) - truth).max() < 0.1
    assert np.abs(model.predict(conditions) - truth).mean() < 0.1
    # Out of all physics: the answer stays a COP a heat pump can have.
    wild = pd.DataFrame(
        {"outside_temp": [-60.0, 60.0], "flow_temp": [90.0, 10.0], "running_share": [1.0, 0.1]}
    )
    assert ((model.predict(wild) >= 1) & (model.predict(wild) <= 10)).all()


def test_energy_signature_recovers_its_balance_point_and_slope() -> None:
    house = _house(30)
    weather = weather_for(house, train(house, version="t").consensus, house.days())
    model = HeatPumpModel.fit(house.history, weather)
    assert model.balance_c == 15
    assert model.signature.coef_[0] == pytest.approx(80, rel=0.01)
    assert model.signature.intercept_ == pytest.approx(300, rel=0.05)
    hourly = model.predict_hours(weather)
    daily = hourly["value_wh"].groupby(weather["local_date"]).sum()
    truth = house.history["heatpump_elec_wh"].groupby(house.history["local_date"]).sum()
    assert np.allclose(daily, truth.loc[daily.index], rtol=0.02)


def test_pv_is_zero_at_night_never_negative_and_never_above_the_roof() -> None:
    house = _house(30)
    trained = train(house, before=house.days()[-1], version="t")
    assert trained.pv is not None
    forecast = predict(trained, house, house.days()[-1]).targets["pv"]
    night = house.sun["sun_elevation_deg"].reindex(forecast.index) <= 0
    assert night.any()
    assert (forecast.loc[night] == 0).all().all()
    assert (forecast >= 0).all().all()
    assert (forecast["value_wh"] <= trained.pv.peak_wh).all()
    assert (forecast["p10_wh"] <= forecast["value_wh"]).all()
    assert (forecast["value_wh"] <= forecast["p90_wh"]).all()
    actual = house.history["pv_wh"].reindex(forecast.index)
    day = ~night
    assert (
        float((forecast.loc[day, "value_wh"] - actual[day]).abs().mean()) < 0.1 * actual[day].mean()
    )


def test_training_never_sees_the_day_it_forecasts_or_later() -> None:
    house = _house(30)
    cut = house.days()[20]
    clean = train(house, before=cut, version="t")
    # Wreck everything from the cut on: a model that learned from it would change.
    later = house.history["local_date"] >= cut
    history = house.history.copy()
    history.loc[later, ["pv_wh", "heatpump_elec_wh", "base_load_wh", "cop"]] = 1e6
    forecasts = house.forecasts.copy()
    forecasts.loc[forecasts["local_date"] >= cut, "temperature"] = 40.0
    wrecked = train(LakeData(history, forecasts, house.sun, ZONE), before=cut, version="t")
    weather = weather_for(house, clean.consensus, house.days()[:20])
    for name in ("pv", "heatpump", "load"):
        first = getattr(clean, name).predict_hours(weather)
        second = getattr(wrecked, name).predict_hours(weather)
        pd.testing.assert_frame_equal(first, second)
    assert clean.cop.carnot_fraction == wrecked.cop.carnot_fraction
    assert clean.consensus.bias == wrecked.consensus.bias


def test_a_house_without_a_heat_pump_skips_its_models_and_says_why() -> None:
    house = _house(20)
    history = house.history.assign(
        heatpump_elec_wh=np.nan, heatpump_heat_wh=np.nan, cop=np.nan, heatpump_coverage_pct=np.nan,
        base_load_wh=np.nan, cop_quality_flag=None,
    )  # fmt: skip
    trained = train(LakeData(history, house.forecasts, house.sun, ZONE), version="t")
    assert trained.heatpump is None
    assert trained.cop is None
    assert trained.skipped["heatpump"] == "no heat pump in the lake"
    assert trained.skipped["cop"] == "0 hours of measured COP, needs 72"
    assert trained.pv is not None
    assert trained.load is not None
    assert trained.grid is not None


def test_too_little_history_is_named_per_model() -> None:
    trained = train(_house(9), version="t")
    assert trained.skipped["pv"] == "9 days of PV with a radiation forecast, needs 14"
    assert trained.skipped["heatpump"] == "9 days of heat-pump data with a forecast, needs 14"
    assert trained.skipped["grid"] == "needs the pv and load models"
    assert trained.load is not None


def test_a_day_without_a_forecast_is_refused_with_a_reason() -> None:
    house = _house(20)
    trained = train(house, version="t")
    last = house.days()[-1]
    forecasts = house.forecasts[house.forecasts["local_date"] != last]
    with pytest.raises(NotEnoughDataError, match=f"no weather forecast was issued for {last}"):
        predict(trained, LakeData(house.history, forecasts, house.sun, ZONE), last)


def test_missing_forecast_values_do_not_break_the_forecast() -> None:
    house = _house(20)
    trained = train(house, version="t")
    last = house.days()[-1]
    forecasts = house.forecasts.copy()
    gap = (forecasts["local_date"] == last) & (forecasts["timestamp"].dt.hour.isin([10, 11]))
    forecasts.loc[gap, ["temperature", "solar_radiation"]] = np.nan
    forecast = predict(trained, LakeData(house.history, forecasts, house.sun, ZONE), last)
    for frame in forecast.targets.values():
        assert frame.notna().all().all()
    assert forecast.cop is not None
    assert forecast.cop["cop_expected"].between(1, 10).all()


def test_artifacts_round_trip_and_refuse_untrusted_types(tmp_path: Path) -> None:
    trained = train(_house(20), version="t")
    assert trained.heatpump is not None
    folder = artifacts.save(
        tmp_path, "heatpump", "20260101T000000Z", trained.heatpump, {"days": 20}
    )
    loaded = artifacts.load(tmp_path, "heatpump")
    assert loaded.version == "20260101T000000Z"
    assert loaded.metadata["days"] == 20
    assert loaded.model.balance_c == trained.heatpump.balance_c
    # A file that would rebuild a type nobody trusted (here: a function) is refused.
    bad = tmp_path / "heatpump" / "20260102T000000Z"
    bad.mkdir()
    sio.dump({"call": np.testing.assert_allclose}, bad / artifacts.MODEL_FILE)
    (bad / artifacts.METADATA_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(artifacts.ArtifactError, match="do not trust"):
        artifacts.load(tmp_path, "heatpump")
    assert folder.is_dir()


def test_predict_uses_one_training_run_never_a_mix(tmp_path: Path) -> None:
    trained = train(_house(20), version="t")
    artifacts.save(tmp_path, "consensus", "20260101T000000Z", trained.consensus, {})
    artifacts.save(tmp_path, "pv", "20260101T000000Z", trained.pv, {})
    artifacts.save(tmp_path, "load", "20260101T000000Z", trained.load, {})
    # A later run that could train only the load model.
    artifacts.save(tmp_path, "consensus", "20260202T000000Z", trained.consensus, {})
    artifacts.save(tmp_path, "load", "20260202T000000Z", trained.load, {})
    loaded = load_trained(tmp_path)
    assert loaded.version == "20260202T000000Z"
    assert loaded.load is not None
    assert loaded.pv is None
    assert loaded.skipped["pv"] == "not trained in run 20260202T000000Z"
