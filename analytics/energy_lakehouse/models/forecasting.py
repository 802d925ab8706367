"""Train every model of one house, forecast a day, and backtest both honestly.

Every model sees the same inputs for a day D: the weather consensus of the forecasts as
issued by D's midnight - 12 h (``data.py``), the sun's position and the local calendar.
Training uses the days before a cut-off only; predicting D needs nothing measured on D.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd

from .consensus import WeatherConsensus
from .cop import CopModel
from .data import LakeData
from .frame import NotEnoughDataError, hours_of
from .grid import GridModel
from .heatpump import HeatPumpModel
from .load import LoadModel
from .pv import PvModel

MODEL_NAMES = ("cop", "pv", "heatpump", "load", "grid")
TARGETS = ("pv", "heatpump", "load", "grid_import", "grid_export")


@dataclass
class Trained:
    """The models trained on one window of the history; None where skipped."""

    version: str
    first_day: date | None
    last_day: date | None
    consensus: WeatherConsensus
    cop: CopModel | None = None
    pv: PvModel | None = None
    heatpump: HeatPumpModel | None = None
    load: LoadModel | None = None
    grid: GridModel | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    """Model name -> why it was not trained."""


def calendar(index: pd.DatetimeIndex, timezone: str) -> pd.DataFrame:
    """Local date, hour and ISO day of week of each UTC hour."""
    local = index.tz_convert(timezone)
    return pd.DataFrame(
        {
            "local_date": local.date,
            "local_hour": local.hour,
            "local_iso_day_of_week": local.day_of_week + 1,
        },
        index=index,
    )


def weather_for(lake: LakeData, consensus: WeatherConsensus, days: list[date]) -> pd.DataFrame:
    """Return the inputs of ``days``: consensus forecast as issued, sun, calendar."""
    hours = hours_of(days, lake.timezone)
    issued = lake.forecasts[lake.forecasts["local_date"].isin(set(days))]
    weather = consensus.combine(issued).reindex(hours)
    weather = weather.join(lake.sun.reindex(hours))
    return weather.join(calendar(hours, lake.timezone))


def train(lake: LakeData, *, before: date | None = None, version: str) -> Trained:
    """Train every model on the days before ``before`` (all days when None)."""
    days = [d for d in lake.days() if before is None or d < before]
    history = lake.history[lake.history["local_date"].isin(set(days))]
    forecasts = lake.forecasts
    if before is not None:
        forecasts = forecasts[forecasts["local_date"] < before]
    consensus = WeatherConsensus.fit(forecasts, history)
    trained = Trained(version, days[0] if days else None, days[-1] if days else None, consensus)
    if not days:
        trained.skipped = dict.fromkeys(MODEL_NAMES, "no history before the cut-off")
        return trained
    weather = weather_for(lake, consensus, days)
    fits: dict[str, Callable[[], object]] = {
        "cop": lambda: CopModel.fit(history),
        "pv": lambda: PvModel.fit(history, weather),
        "heatpump": lambda: HeatPumpModel.fit(history, weather),
        "load": lambda: LoadModel.fit(history),
    }
    for name, fit in fits.items():
        try:
            setattr(trained, name, fit())
        except NotEnoughDataError as err:
            trained.skipped[name] = str(err)
    if trained.pv is None or trained.load is None:
        trained.skipped["grid"] = "needs the pv and load models"
    else:
        trained.grid = GridModel.fit(history)
    return trained


@dataclass
class DayForecast:
    """One day's forecasts: per target an hourly frame (value_wh, p10_wh, p90_wh)."""

    day: date
    targets: dict[str, pd.DataFrame]
    cop: pd.DataFrame | None
    """Per hour: outside_temp, flow_temp, running_share, cop_expected, cop_carnot_fraction."""
    weather: pd.DataFrame


def predict(trained: Trained, lake: LakeData, day: date) -> DayForecast:
    """Forecast ``day`` from the forecasts issued by its midnight - 12 h."""
    weather = weather_for(lake, trained.consensus, [day])
    if weather["sun_elevation_deg"].isna().any():
        raise NotEnoughDataError(f"no sun position for {day}: run 'energy-lakehouse build' first")
    if weather["temperature"].isna().all():
        raise NotEnoughDataError(f"no weather forecast was issued for {day} by 12 hours before it")
    # An hour without a forecast takes the day's other hours' values (a gap in an issue).
    weather = weather.ffill().bfill()
    targets: dict[str, pd.DataFrame] = {}
    if trained.pv is not None:
        targets["pv"] = trained.pv.predict_hours(weather)
    if trained.heatpump is not None:
        targets["heatpump"] = trained.heatpump.predict_hours(weather)
    if trained.load is not None:
        targets["load"] = trained.load.predict_hours(weather)
    if trained.grid is not None:
        targets.update(trained.grid.predict_hours(targets))
    cop = None
    if trained.cop is not None:
        conditions = trained.cop.conditions_from_forecast(weather["temperature"])
        cop = conditions.assign(
            cop_expected=trained.cop.predict(conditions),
            cop_carnot_fraction=trained.cop.baseline(conditions),
        )
    return DayForecast(day=day, targets=targets, cop=cop, weather=weather)


def forecast_rows(forecast: DayForecast, version: str, issued_at: datetime) -> pd.DataFrame:
    """Return the rows of Gold ``forecast_hourly`` for one day."""
    frames = [
        frame.assign(target=target).rename_axis("timestamp").reset_index()
        for target, frame in forecast.targets.items()
    ]
    if not frames:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    rows = pd.concat(frames, ignore_index=True)
    rows["model_version"] = version
    rows["issued_at"] = issued_at
    return rows[list(FORECAST_COLUMNS)]


def cop_rows(forecast: DayForecast, version: str, issued_at: datetime) -> pd.DataFrame:
    """Return the rows of Gold ``cop_expected_hourly`` for one day."""
    if forecast.cop is None:
        return pd.DataFrame(columns=COP_COLUMNS)
    rows = forecast.cop.rename_axis("timestamp").reset_index()
    rows["model_version"] = version
    rows["issued_at"] = issued_at
    return rows[list(COP_COLUMNS)]


FORECAST_COLUMNS = (
    "timestamp",
    "target",
    "value_wh",
    "p10_wh",
    "p90_wh",
    "model_version",
    "issued_at",
)
COP_COLUMNS = (
    "timestamp",
    "outside_temp",
    "flow_temp",
    "running_share",
    "cop_expected",
    "cop_carnot_fraction",
    "model_version",
    "issued_at",
)


def now_utc() -> datetime:
    """Return the issue time of a forecast made now."""
    return datetime.now(UTC)
