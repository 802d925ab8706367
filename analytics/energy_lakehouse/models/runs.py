"""The ``train``, ``predict`` and ``backtest`` commands, on a built lakehouse.

Trained models go to ``<models dir>/<name>/<version>/`` (``artifacts``); the version is
the UTC time of the training run, so versions sort by age. ``predict`` loads the newest
of each model and writes Gold ``forecast_hourly`` and ``cop_expected_hourly``;
``backtest`` appends its scores to Gold ``backtest_metrics``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from . import artifacts, tables
from .backtest import BacktestResult, backtest
from .consensus import WeatherConsensus
from .cop import FEATURES as COP_FEATURES
from .data import ISSUE_LEAD_H, build_timezone, read_lake
from .forecasting import (
    MODEL_NAMES,
    Trained,
    cop_rows,
    forecast_rows,
    now_utc,
    predict,
    train,
)
from .frame import NotEnoughDataError
from .heatpump import FEATURES as HEATPUMP_FEATURES
from .load import FEATURES as LOAD_FEATURES
from .pv import FEATURES as PV_FEATURES

FEATURES = {
    "cop": COP_FEATURES,
    "pv": PV_FEATURES,
    "heatpump": HEATPUMP_FEATURES,
    "load": LOAD_FEATURES,
    "grid": ("pv", "load", "heatpump"),
}
CONSENSUS = "consensus"


@dataclass
class TrainReport:
    """What ``train`` stored and what it skipped, with why."""

    version: str
    trained: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    first_day: date | None = None
    last_day: date | None = None


def version_of(moment: datetime) -> str:
    """Return a version that sorts by time: ``20261207T230000Z``."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def run_train(
    con: duckdb.DuckDBPyConnection, models_dir: Path, *, now: datetime | None = None
) -> TrainReport:
    """Train every model whose data suffice on the whole history and store it."""
    lake = read_lake(con)
    version = version_of(now or now_utc())
    trained = train(lake, version=version)
    report = TrainReport(
        version,
        skipped=dict(trained.skipped),
        first_day=trained.first_day,
        last_day=trained.last_day,
    )
    window = {
        "first_day": trained.first_day,
        "last_day": trained.last_day,
        "timezone": lake.timezone,
    }
    report.trained[CONSENSUS] = artifacts.save(
        models_dir, CONSENSUS, version, trained.consensus, window
    )
    for name in MODEL_NAMES:
        model = getattr(trained, name)
        if model is None:
            continue
        metadata = {
            **window,
            "features": list(FEATURES[name]),
            "days": getattr(model, "days", None),
        }
        report.trained[name] = artifacts.save(models_dir, name, version, model, metadata)
    return report


def load_trained(models_dir: Path) -> Trained:
    """Load the models of the newest training run; those it skipped stay None.

    Every run stores the consensus, so its newest version names the run: a model from an
    older run is not mixed in (its inputs and the grid's parts would disagree).
    """
    consensus = artifacts.load(models_dir, CONSENSUS)
    assert isinstance(consensus.model, WeatherConsensus)
    trained = Trained(
        version=consensus.version,
        first_day=_day(consensus.metadata.get("first_day")),
        last_day=_day(consensus.metadata.get("last_day")),
        consensus=consensus.model,
    )
    for name in MODEL_NAMES:
        if consensus.version not in artifacts.versions(models_dir, name):
            trained.skipped[name] = f"not trained in run {consensus.version}"
            continue
        setattr(trained, name, artifacts.load(models_dir, name, consensus.version).model)
    return trained


def _day(text: object) -> date | None:
    return date.fromisoformat(str(text)) if text else None


def forecastable_day(con: duckdb.DuckDBPyConnection) -> date:
    """Return the latest day with a forecast issued 12 h before it: a live lake's tomorrow."""
    row = con.execute(
        "SELECT CAST(timezone($zone, max(issued_at) + to_hours($lead)) AS DATE) "
        "FROM weather_forecasts",
        {"zone": build_timezone(con), "lead": ISSUE_LEAD_H},
    ).fetchone()
    if row is None or row[0] is None:
        raise NotEnoughDataError("the lake holds no weather forecast yet: run 'build' first")
    day: date = row[0]
    return day


@dataclass
class PredictReport:
    """What ``predict`` wrote for a day."""

    day: date
    version: str
    rows: dict[str, int]
    daily_kwh: dict[str, float]
    skipped: dict[str, str]


def run_predict(
    con: duckdb.DuckDBPyConnection,
    models_dir: Path,
    day: date | None = None,
    *,
    now: datetime | None = None,
) -> PredictReport:
    """Forecast ``day`` (default: the day after the history) into Gold."""
    trained = load_trained(models_dir)
    target_day = day or forecastable_day(con)
    # A forecast needs the day's issued weather and sun, not the history.
    lake = read_lake(con, since=target_day - timedelta(days=2))
    forecast = predict(trained, lake, target_day)
    issued_at = now or now_utc()
    tables.create(con)
    rows = {
        "forecast_hourly": tables.replace_hours(
            con, "forecast_hourly", forecast_rows(forecast, trained.version, issued_at)
        ),
        "cop_expected_hourly": tables.replace_hours(
            con, "cop_expected_hourly", cop_rows(forecast, trained.version, issued_at)
        ),
    }
    daily = {
        target: round(float(frame["value_wh"].sum()) / 1000, 2)
        for target, frame in forecast.targets.items()
    }
    return PredictReport(target_day, trained.version, rows, daily, dict(trained.skipped))


def run_backtest(
    con: duckdb.DuckDBPyConnection,
    *,
    days: int,
    refit_days: int,
    progress: Callable[[str, int], Callable[[int], None]],
    now: datetime | None = None,
) -> BacktestResult:
    """Backtest the last ``days`` days and append the scores to Gold ``backtest_metrics``."""
    lake = read_lake(con)
    origins = min(days, max(len(lake.days()) - 1, 0))
    result = backtest(
        lake, days=days, refit_days=refit_days, progress=progress("backtest", origins)
    )
    run_at = now or now_utc()
    first, last = (result.origins[0], result.origins[-1]) if result.origins else (None, None)
    rows = [
        {
            "run_at": run_at,
            "target": target,
            "metric": metric,
            "value": value,
            "first_origin": first,
            "last_origin": last,
        }
        for target, scores in result.metrics.items()
        for metric, value in scores.items()
        if value is not None
    ]
    rows += [
        {"run_at": run_at, "target": "cop", "metric": f"hourly_mae_outside_{b['outside_bin_c']}c",
         "value": b["mae"], "first_origin": first, "last_origin": last}
        for b in result.cop_bins
    ]  # fmt: skip
    tables.create(con)
    tables.append(con, "backtest_metrics", pd.DataFrame(rows, columns=[
        "run_at", "target", "metric", "value", "first_origin", "last_origin"]))  # fmt: skip
    return result
