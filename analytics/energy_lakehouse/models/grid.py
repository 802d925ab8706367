"""Grid import and export, next day, hourly: what PV leaves over or lacks, through the battery.

Inputs: the hourly forecasts of PV, home load and heat-pump electricity. Method: the
hour's net, ``PV - load - heat pump``, is exported when positive and imported when
negative, after the battery (when the lake shows one) took its part by a simple rule:
it charges from any surplus until full and covers any deficit until empty, losing the
round-trip loss on the way in. Its usable capacity, round-trip efficiency and the charge
it holds at midnight are learned from the history's energy balance (below). The p10/p90
band is a scenario band: the rule run with little sun and much load, and the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NAME = "grid"
TARGETS = ("grid_import", "grid_export")
RECENT_DAYS = 14


def battery_flow(history: pd.DataFrame) -> pd.Series:
    """Energy into the battery per hour (negative: out of it), from the balance identity.

    PV + import + discharge = load + export + charge, so charge - discharge is what the
    four meters leave unexplained.
    """
    return (
        history["pv_wh"]
        + history["grid_import_wh"]
        - history["load_wh"]
        - history["grid_export_wh"]
    )


@dataclass
class GridModel:
    """The battery rule's parameters (capacity 0: no battery)."""

    capacity_wh: float
    efficiency: float
    midnight_wh: float

    @classmethod
    def fit(cls, history: pd.DataFrame) -> GridModel:
        """Learn the battery from the history; a lake without one gives capacity 0."""
        if history["battery_soc_mean"].notna().sum() == 0:
            return cls(capacity_wh=0.0, efficiency=1.0, midnight_wh=0.0)
        flow = battery_flow(history).dropna()
        charged = flow.clip(lower=0)
        discharged = (-flow).clip(lower=0)
        # A self-consumption battery fills on a sunny day: its capacity is about the most
        # it takes in a day (the 95th percentile, so that one odd day does not decide).
        daily = charged.groupby(history.loc[flow.index, "local_date"]).sum()
        capacity = float(daily.quantile(0.95)) if len(daily) else 0.0
        efficiency = (
            float(np.clip(discharged.sum() / charged.sum(), 0.5, 1.0)) if charged.sum() else 1.0
        )
        midnight = history[history["local_hour"] == 0]["battery_soc_mean"].dropna()
        share = float(midnight.iloc[-RECENT_DAYS:].mean()) / 100 if len(midnight) else 0.5
        return cls(capacity_wh=capacity, efficiency=efficiency, midnight_wh=capacity * share)

    def run(self, pv: pd.Series, load: pd.Series, heatpump: pd.Series) -> pd.DataFrame:
        """Import and export per hour for one day of forecasts (index in time order)."""
        stored = self.midnight_wh
        imports, exports = [], []
        # An hour some forecast lacks counts as balanced rather than poisoning the battery.
        for net in (pv - load - heatpump.fillna(0.0)).fillna(0.0).to_numpy():
            if net >= 0:
                taken = min(net, max(self.capacity_wh - stored, 0.0) / self.efficiency)
                stored += taken * self.efficiency
                imports.append(0.0)
                exports.append(net - taken)
            else:
                given = min(-net, stored)
                stored -= given
                imports.append(-net - given)
                exports.append(0.0)
        return pd.DataFrame({"grid_import": imports, "grid_export": exports}, index=pv.index)

    def predict_hours(self, forecasts: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """Per target, value and band, from the PV, load and heat-pump forecasts of one day."""
        pv, load = forecasts["pv"], forecasts["load"]
        heatpump = forecasts.get("heatpump")
        zero = pd.DataFrame(0.0, index=pv.index, columns=["value_wh", "p10_wh", "p90_wh"])
        heatpump = zero if heatpump is None else heatpump
        expected = self.run(pv["value_wh"], load["value_wh"], heatpump["value_wh"])
        short = self.run(pv["p10_wh"], load["p90_wh"], heatpump["p90_wh"])
        plenty = self.run(pv["p90_wh"], load["p10_wh"], heatpump["p10_wh"])
        return {
            "grid_import": pd.DataFrame(
                {
                    "value_wh": expected["grid_import"],
                    "p10_wh": np.minimum(plenty["grid_import"], expected["grid_import"]),
                    "p90_wh": np.maximum(short["grid_import"], expected["grid_import"]),
                }
            ),
            "grid_export": pd.DataFrame(
                {
                    "value_wh": expected["grid_export"],
                    "p10_wh": np.minimum(short["grid_export"], expected["grid_export"]),
                    "p90_wh": np.maximum(plenty["grid_export"], expected["grid_export"]),
                }
            ),
        }
