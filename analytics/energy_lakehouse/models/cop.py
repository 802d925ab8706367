"""Heat-pump COP: what this heat pump achieves at a given outside and flow temperature.

Inputs (``FEATURES``): the heat-weighted outside and flow temperature of the hour and
the share of it the compressor ran (part load). Method: gradient-boosted trees on the
hours with a trustworthy measured COP, weighted by their electricity, which learn the
defrost dip and the cycling losses no formula was given. Baseline: the physical model,
one fitted fraction of Carnot (``η = Σheat / Σ(elec · COP_carnot)``, the convention of
``heatpump_cop_hourly``). For tomorrow the flow temperature and the running share are not
known: two monotone curves learned from the same hours (the heating curve, and the
running share) give them from the forecast outside temperature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.isotonic import IsotonicRegression

from .frame import NotEnoughDataError

NAME = "cop"
FEATURES = ("outside_temp", "flow_temp", "running_share")
MIN_HOURS = 72
"""Hours of measured COP the model needs (about a week of heating)."""
COP_RANGE = (1.0, 10.0)
MIN_RUNNING_MINUTES = 15
MIN_ELEC_WH = 50


def carnot_cop(
    flow_temp: pd.Series | npt.NDArray[np.float64],
    outside_temp: pd.Series | npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Return the Carnot COP: T_cond = flow + 2 K, T_evap = outside - 6 K (heatpumpmonitor)."""
    condensing = np.asarray(flow_temp, dtype=float) + 2.0
    evaporating = np.asarray(outside_temp, dtype=float) - 6.0
    lift = np.maximum(condensing - evaporating, 1.0)
    cop: npt.NDArray[np.float64] = (condensing + 273.15) / lift
    return cop


def measured_hours(history: pd.DataFrame) -> pd.DataFrame:
    """Return the hours a COP can be learned from: running, metered, plausible, ok."""
    hours = history[
        (history["cop_quality_flag"] == "ok")
        & (history["running_minutes"] >= MIN_RUNNING_MINUTES)
        & (history["heatpump_elec_wh"] >= MIN_ELEC_WH)
        & history["cop"].between(*COP_RANGE)
        & history["outside_temp_weighted"].notna()
        & history["flow_temp_weighted"].notna()
    ]
    return pd.DataFrame(
        {
            "outside_temp": hours["outside_temp_weighted"],
            "flow_temp": hours["flow_temp_weighted"],
            "running_share": (hours["running_minutes"] / 60).clip(0, 1),
            "cop": hours["cop"],
            "elec_wh": hours["heatpump_elec_wh"],
            "heat_wh": hours["heatpump_heat_wh"],
        }
    )


@dataclass
class CopModel:
    """Expected COP from outside and flow temperature and part load; Carnot fraction as baseline."""

    trees: HistGradientBoostingRegressor
    carnot_fraction: float
    heating_curve: IsotonicRegression
    running_curve: IsotonicRegression
    hours: int

    @classmethod
    def fit(cls, history: pd.DataFrame) -> CopModel:
        """Learn from the measured hours of ``history``; NotEnoughDataError when too few."""
        hours = measured_hours(history)
        if len(hours) < MIN_HOURS:
            raise NotEnoughDataError(f"{len(hours)} hours of measured COP, needs {MIN_HOURS}")
        ideal = (hours["elec_wh"] * carnot_cop(hours["flow_temp"], hours["outside_temp"])).sum()
        trees = HistGradientBoostingRegressor(
            max_iter=200, learning_rate=0.08, min_samples_leaf=20, random_state=0
        )
        trees.fit(hours[list(FEATURES)].to_numpy(), hours["cop"], sample_weight=hours["elec_wh"])
        heating_curve = IsotonicRegression(increasing=False, out_of_bounds="clip")
        heating_curve.fit(hours["outside_temp"], hours["flow_temp"], sample_weight=hours["heat_wh"])
        running_curve = IsotonicRegression(increasing=False, out_of_bounds="clip", y_min=0, y_max=1)
        running_curve.fit(hours["outside_temp"], hours["running_share"])
        return cls(
            trees=trees,
            carnot_fraction=float(hours["heat_wh"].sum() / ideal),
            heating_curve=heating_curve,
            running_curve=running_curve,
            hours=len(hours),
        )

    def predict(self, conditions: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Return the expected COP for rows of ``FEATURES``, within ``COP_RANGE``."""
        values = self.trees.predict(conditions[list(FEATURES)].to_numpy(dtype=float))
        clipped: npt.NDArray[np.float64] = np.clip(values, *COP_RANGE)
        return clipped

    def baseline(self, conditions: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Return the fitted fraction of Carnot at the same temperatures."""
        cop = self.carnot_fraction * carnot_cop(conditions["flow_temp"], conditions["outside_temp"])
        return np.clip(cop, *COP_RANGE)

    def conditions_from_forecast(self, outside_temp: pd.Series) -> pd.DataFrame:
        """Tomorrow's flow temperature and running share from its forecast outside temperature."""
        outside = outside_temp.astype(float)
        return pd.DataFrame(
            {
                "outside_temp": outside,
                "flow_temp": self.heating_curve.predict(outside.to_numpy()),
                "running_share": self.running_curve.predict(outside.to_numpy()),
            },
            index=outside_temp.index,
        )
