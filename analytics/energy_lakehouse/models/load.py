"""Home load without the heat pump, next day, hourly: a profile by day type, hour and season.

Inputs (``FEATURES``): the local day type (Monday to Friday, Saturday, Sunday) and hour.
Method: the mean load of that day type and hour over the last ``SEASON_DAYS`` days
before the forecast (the season: lights in winter evenings, fewer in summer), falling
back to the whole history for a day type the window lacks. No weather: a household's
appliances do not follow it. The p10/p90 band is the spread of that cell's loads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .frame import NotEnoughDataError

NAME = "load"
FEATURES = ("day_type", "local_hour")
MIN_DAYS = 7
SEASON_DAYS = 28
MIN_COVERAGE_PCT = 90.0
COLUMNS = ("value_wh", "p10_wh", "p90_wh")


def day_type(iso_day_of_week: pd.Series) -> pd.Series:
    """0 for Monday to Friday, 1 for Saturday, 2 for Sunday."""
    return iso_day_of_week.clip(lower=5) - 5


def base_load(history: pd.DataFrame) -> pd.Series:
    """Load without the heat pump per hour; the whole load where there is no heat pump."""
    return history["base_load_wh"].fillna(
        history["load_wh"].where(history["heatpump_elec_wh"].isna())
    )


@dataclass
class LoadModel:
    """Mean, p10 and p90 per (day type, local hour)."""

    table: npt.NDArray[np.float64]
    """(day type, local hour, [value_wh, p10_wh, p90_wh])."""
    days: int

    @classmethod
    def fit(cls, history: pd.DataFrame) -> LoadModel:
        """Learn from the hours with full solar-meter coverage (where load is measured)."""
        load = base_load(history)
        usable = history.assign(load=load)[
            load.notna() & (history["solar_coverage_pct"] >= MIN_COVERAGE_PCT)
        ]
        days = sorted(set(usable["local_date"]))
        if len(days) < MIN_DAYS:
            raise NotEnoughDataError(f"{len(days)} days of measured home load, needs {MIN_DAYS}")
        usable = usable.assign(day_type=day_type(usable["local_iso_day_of_week"]))
        recent = usable[usable["local_date"].isin(days[-SEASON_DAYS:])]
        cells = pd.MultiIndex.from_product([range(3), range(24)], names=["day_type", "local_hour"])
        table = _cell_stats(recent).reindex(cells)
        table = table.fillna(_cell_stats(usable).reindex(cells))
        # A day type never seen at all: the hour's mean over every day.
        by_hour = usable.groupby("local_hour")["load"].agg(["mean"]).reindex(range(24))
        for column in table.columns:
            fallback = by_hour["mean"].to_numpy()[table.index.get_level_values("local_hour")]
            table[column] = table[column].fillna(pd.Series(fallback, index=table.index))
        return cls(table=table.to_numpy().reshape(3, 24, len(COLUMNS)), days=len(days))

    def predict_hours(self, calendar: pd.DataFrame) -> pd.DataFrame:
        """Per UTC hour of ``calendar`` (``local_iso_day_of_week``, ``local_hour``)."""
        kinds = day_type(calendar["local_iso_day_of_week"]).to_numpy(dtype=int)
        values = self.table[kinds, calendar["local_hour"].to_numpy(dtype=int)]
        return pd.DataFrame(np.maximum(values, 0.0), index=calendar.index, columns=list(COLUMNS))


def _cell_stats(hours: pd.DataFrame) -> pd.DataFrame:
    grouped = hours.groupby(["day_type", "local_hour"])["load"]
    stats = {
        "value_wh": grouped.mean(),
        "p10_wh": grouped.quantile(0.1),
        "p90_wh": grouped.quantile(0.9),
    }
    return pd.DataFrame(stats)[list(COLUMNS)]
