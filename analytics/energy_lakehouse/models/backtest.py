"""Rolling-origin backtest: each day forecast as ``predict`` would have, then scored.

For each of the last N days of the history (the origins), the models are trained on the
days before it only (refit every ``refit_days`` origins, never on a later day) and the
day is forecast from the forecasts as issued by its midnight - 12 h. The forecasts are
scored against what the meters measured, next to simple baselines that need no model:

* PV, home load, grid: **24 h persistence** (each hour as it was the day before);
  skill = 1 - RMSE / RMSE(persistence), in percent.
* Heat pump: persistence of the day before, and the ASHRAE Guideline 14 figures
  CV(RMSE) and NMBE (NMBE = Σ(forecast - measured) / (n · mean measured): positive
  means the forecast was too high).
* COP: the fitted fraction of Carnot and the fleet line SPF = -0.11 · ΔT + 7.04
  (ΔT = flow - outside), both at the same forecast conditions.
* Weather: each API alone against the consensus, on temperature.

PV's nRMSE and nMAE are over daylight hours (sun above the horizon), normalized by the
roof's peak: the most PV energy any training hour gave (Wh in one hour), a measured
stand-in for the nameplate the lake does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
import math
from typing import Any

import numpy as np
import pandas as pd

from .consensus import rmse
from .cop import COP_RANGE, measured_hours
from .data import LakeData
from .forecasting import Trained, predict, train
from .frame import NotEnoughDataError

FLEET_SLOPE, FLEET_INTERCEPT = -0.11, 7.04
"""heatpumpmonitor.org's fleet line: SPF against the heat-weighted flow - outside lift."""
MIN_COP_DAY_ELEC_WH = 1000.0
"""A day counts for the daily COP when the heat pump used at least this much."""

ACTUAL_COLUMNS = {
    "pv": "pv_wh",
    "heatpump": "heatpump_elec_wh",
    "load": "base_load_wh",
    "grid_import": "grid_import_wh",
    "grid_export": "grid_export_wh",
}


@dataclass
class BacktestResult:
    """The scores per target (the JSON of ``backtest --json``) and what could not be scored."""

    metrics: dict[str, dict[str, float | int | None]]
    skipped_days: dict[str, str] = field(default_factory=dict)
    """Origin day -> why it could not be forecast."""
    skipped_models: dict[str, str] = field(default_factory=dict)
    """Model -> why it was not trained at some origin (the last reason given)."""
    origins: list[date] = field(default_factory=list)
    cop_bins: list[dict[str, float | int]] = field(default_factory=list)
    """Hourly COP error per 2 K outside-temperature bin."""


def _pct(value: float) -> float | None:
    return None if not math.isfinite(value) else round(100 * value, 2)


def _cv(error: pd.Series, actual: pd.Series) -> float:
    mean = float(actual.mean())
    return rmse(error) / mean if mean > 0 else math.nan


def _nmbe(error: pd.Series, actual: pd.Series) -> float:
    mean = float(actual.mean())
    return float(error.sum()) / (len(error) * mean) if len(error) and mean > 0 else math.nan


def _skill(error: pd.Series, baseline_error: pd.Series) -> float:
    base = rmse(baseline_error)
    return 1 - rmse(error) / base if base > 0 else math.nan


def backtest(
    lake: LakeData,
    *,
    days: int = 30,
    refit_days: int = 7,
    progress: Callable[[int], None] = lambda _n: None,
) -> BacktestResult:
    """Forecast each of the last ``days`` days from the days before it, and score it."""
    history = lake.history
    all_days = lake.days()
    # The first day has no day before it to persist, and the models need a past.
    origins = all_days[1:][-days:]
    forecasts: dict[str, list[pd.DataFrame]] = {target: [] for target in ACTUAL_COLUMNS}
    cops: list[pd.DataFrame] = []
    weathers: list[pd.DataFrame] = []
    skipped: dict[str, str] = {}
    skipped_models: dict[str, str] = {}
    trained: Trained | None = None
    for n, day in enumerate(origins):
        if trained is None or n % refit_days == 0:
            trained = train(lake, before=day, version=f"backtest-{day.isoformat()}")
            skipped_models.update(trained.skipped)
        try:
            forecast = predict(trained, lake, day)
        except NotEnoughDataError as err:
            skipped[day.isoformat()] = str(err)
            progress(1)
            continue
        for target, frame in forecast.targets.items():
            forecasts[target].append(
                frame.assign(peak_wh=trained.pv.peak_wh if trained.pv else np.nan)
            )
        if forecast.cop is not None:
            heatpump = forecast.targets.get("heatpump")
            cops.append(
                forecast.cop.assign(
                    heatpump_wh=np.nan if heatpump is None else heatpump["value_wh"]
                )
            )
        weathers.append(forecast.weather)
        progress(1)
    metrics: dict[str, dict[str, float | int | None]] = {}
    persistence = history.shift(24, freq="h")
    for target, frames in forecasts.items():
        if not frames:
            continue
        frame = pd.concat(frames)
        column = ACTUAL_COLUMNS[target]
        actual = history[column].reindex(frame.index)
        yesterday = persistence[column].reindex(frame.index)
        keep = actual.notna() & yesterday.notna()
        if target == "pv":
            keep &= lake.sun["sun_elevation_deg"].reindex(frame.index) > 0
        frame, actual, yesterday = frame[keep], actual[keep], yesterday[keep]
        error, baseline_error = frame["value_wh"] - actual, yesterday - actual
        scored_days = len(set(history.loc[frame.index, "local_date"]))
        if target == "pv":
            peak = float(frame["peak_wh"].median())
            metrics[target] = {
                "nrmse_pct": _pct(rmse(error) / peak),
                "nmae_pct": _pct(float(error.abs().mean()) / peak),
                "skill_vs_persistence_pct": _pct(_skill(error, baseline_error)),
                "persistence_nrmse_pct": _pct(rmse(baseline_error) / peak),
                "band_coverage_pct": _pct(_coverage(frame, actual)),
                "peak_wh": round(peak, 1),
                "days": scored_days,
            }
        elif target == "heatpump":
            local_date = history.loc[frame.index, "local_date"]
            daily_forecast = frame["value_wh"].groupby(local_date).sum()
            daily_actual = actual.groupby(local_date).sum()
            daily_yesterday = yesterday.groupby(local_date).sum()
            daily_error = daily_forecast - daily_actual
            metrics[target] = {
                "daily_cv_rmse_pct": _pct(_cv(daily_error, daily_actual)),
                "daily_nmbe_pct": _pct(_nmbe(daily_error, daily_actual)),
                "hourly_cv_rmse_pct": _pct(_cv(error, actual)),
                "persistence_daily_cv_rmse_pct": _pct(
                    _cv(daily_yesterday - daily_actual, daily_actual)
                ),
                "skill_vs_persistence_pct": _pct(
                    _skill(daily_error, daily_yesterday - daily_actual)
                ),
                "band_coverage_pct": _pct(_coverage(frame, actual)),
                "days": scored_days,
            }
        else:
            metrics[target] = {
                "hourly_cv_rmse_pct": _pct(_cv(error, actual)),
                "hourly_nmbe_pct": _pct(_nmbe(error, actual)),
                "mae_wh": round(float(error.abs().mean()), 1),
                "skill_vs_persistence_pct": _pct(_skill(error, baseline_error)),
                "persistence_hourly_cv_rmse_pct": _pct(_cv(baseline_error, actual)),
                "band_coverage_pct": _pct(_coverage(frame, actual)),
                "days": scored_days,
            }
    result = BacktestResult(metrics, skipped, skipped_models, origins)
    if cops:
        metrics["cop"], result.cop_bins = _cop_scores(pd.concat(cops), history)
    if weathers:
        metrics["weather"] = _weather_scores(lake, pd.concat(weathers), origins)
    return result


def _coverage(frame: pd.DataFrame, actual: pd.Series) -> float:
    inside = (actual >= frame["p10_wh"]) & (actual <= frame["p90_wh"])
    return float(inside.mean()) if len(inside) else math.nan


def _fleet_cop(flow_temp: pd.Series, outside_temp: pd.Series) -> pd.Series:
    return (FLEET_SLOPE * (flow_temp - outside_temp) + FLEET_INTERCEPT).clip(*COP_RANGE)


def _cop_scores(
    cop: pd.DataFrame, history: pd.DataFrame
) -> tuple[dict[str, float | int | None], list[dict[str, float | int]]]:
    """Hourly COP on measured hours; daily COP weighted by the forecast electricity."""
    measured = measured_hours(history.reindex(cop.index).dropna(subset=["cop"]))
    hours = cop.loc[measured.index]
    fleet = _fleet_cop(hours["flow_temp"], hours["outside_temp"])
    hourly_error = hours["cop_expected"] - measured["cop"]
    local_date = history.loc[cop.index, "local_date"]
    weight = cop["heatpump_wh"].fillna(0.0)
    by_day = pd.DataFrame(
        {
            "model": (cop["cop_expected"] * weight).groupby(local_date).sum(),
            "carnot": (cop["cop_carnot_fraction"] * weight).groupby(local_date).sum(),
            "fleet": (_fleet_cop(cop["flow_temp"], cop["outside_temp"]) * weight)
            .groupby(local_date)
            .sum(),
            "weight": weight.groupby(local_date).sum(),
        }
    )
    day_history = history[history["local_date"].isin(by_day.index)].groupby("local_date")
    actual_elec = day_history["heatpump_elec_wh"].sum()
    actual_cop = day_history["heatpump_heat_wh"].sum() / actual_elec.where(actual_elec > 0)
    valid = (actual_elec >= MIN_COP_DAY_ELEC_WH) & (by_day["weight"] > 0) & actual_cop.notna()
    daily = by_day[valid]
    truth = actual_cop[valid]

    def daily_mae(column: str) -> float:
        return float((daily[column] / daily["weight"] - truth).abs().mean())

    scores: dict[str, float | int | None] = {
        "daily_mae": _round(daily_mae("model")),
        "hourly_mae": _round(float(hourly_error.abs().mean())),
        "carnot_fraction_daily_mae": _round(daily_mae("carnot")),
        "carnot_fraction_hourly_mae": _round(
            float((hours["cop_carnot_fraction"] - measured["cop"]).abs().mean())
        ),
        "fleet_line_daily_mae": _round(daily_mae("fleet")),
        "fleet_line_hourly_mae": _round(float((fleet - measured["cop"]).abs().mean())),
        "days": len(daily),
        "hours": len(hours),
    }
    bins = (np.floor(hours["outside_temp"] / 2) * 2).astype(int)
    per_bin = [
        {"outside_bin_c": int(b), "hours": len(e), "mae": round(float(e.abs().mean()), 3)}
        for b, e in hourly_error.groupby(bins)
    ]
    return scores, per_bin


def _weather_scores(lake: LakeData, used: pd.DataFrame, origins: list[date]) -> dict[str, Any]:
    """Temperature RMSE of the consensus the forecasts used and of each API alone."""
    actual = lake.history["temperature_actual"]
    scores: dict[str, Any] = {
        # Each origin's consensus used biases learned before it: ``predict`` made it so.
        "consensus_temperature_rmse": _round(rmse(used["temperature"] - actual.reindex(used.index)))
    }
    issued = lake.forecasts[lake.forecasts["local_date"].isin(set(origins))]
    for api, rows in issued.groupby("api"):
        values = rows.set_index("timestamp")["temperature"]
        scores[f"{api}_temperature_rmse"] = _round(rmse(values - actual.reindex(values.index)))
    return scores


def _round(value: float) -> float | None:
    return None if not math.isfinite(value) else round(value, 3)
