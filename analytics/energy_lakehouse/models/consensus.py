"""One weather forecast from three APIs: each API's bias removed, weighted by its skill.

For temperature and cloud cover, each API's forecast as issued (lead 12-36 h) is compared
with the weather as measured over the training days: its mean error is its bias, and the
spread of what remains sets its weight (1 / variance). The consensus for an hour is the
weighted mean of the bias-corrected forecasts of the APIs that have one. Radiation comes
from one API only (Open-Meteo) and passes through as issued: the PV model, trained on the
same issued values, learns their calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math

import pandas as pd

CORRECTED = ("temperature", "cloud_cover")
PASSED_THROUGH = ("solar_radiation", "direct_radiation", "diffuse_radiation")
MIN_PAIRS = 48
"""Hours of forecast and measurement an API needs before its bias is trusted."""

_ACTUAL = {"temperature": "temperature_actual", "cloud_cover": "cloud_cover_actual"}


@dataclass
class WeatherConsensus:
    """Per-API bias and weight of each corrected variable."""

    bias: dict[str, dict[str, float]] = field(default_factory=dict)
    """variable -> api -> mean(forecast - measured)."""
    weight: dict[str, dict[str, float]] = field(default_factory=dict)
    """variable -> api -> 1 / variance of the bias-corrected error."""

    @classmethod
    def fit(cls, forecasts: pd.DataFrame, history: pd.DataFrame) -> WeatherConsensus:
        """Learn biases and weights from the forecasts of days the history measured."""
        consensus = cls()
        joined = forecasts.join(history[list(_ACTUAL.values())], on="timestamp", how="inner")
        for variable in CORRECTED:
            consensus.bias[variable] = {}
            consensus.weight[variable] = {}
            for api, rows in joined.groupby("api"):
                error = (rows[variable] - rows[_ACTUAL[variable]]).dropna()
                if len(error) < MIN_PAIRS:
                    continue
                variance = float(error.var())
                consensus.bias[variable][str(api)] = float(error.mean())
                consensus.weight[variable][str(api)] = 1.0 / max(variance, 1e-6)
        return consensus

    def combine(self, forecasts: pd.DataFrame) -> pd.DataFrame:
        """Return one row per hour: the consensus of each variable and how many APIs gave it."""
        if forecasts.empty:
            columns = [*CORRECTED, *PASSED_THROUGH, "apis"]
            return pd.DataFrame(columns=columns, index=pd.DatetimeIndex([], tz="UTC"))
        frame = forecasts.copy()
        out = pd.DataFrame(
            index=pd.DatetimeIndex(sorted(set(frame["timestamp"])), name="timestamp")
        )
        for variable in CORRECTED:
            bias = frame["api"].map(self.bias.get(variable, {})).fillna(0.0)
            # An API without a learned weight counts as much as the least trusted one.
            known = self.weight.get(variable, {})
            floor = min(known.values(), default=1.0)
            weight = frame["api"].map(known).fillna(floor)
            value = frame[variable] - bias
            weight = weight.where(value.notna(), 0.0)
            numerator = (value.fillna(0.0) * weight).groupby(frame["timestamp"]).sum()
            denominator = weight.groupby(frame["timestamp"]).sum()
            out[variable] = (numerator / denominator.where(denominator > 0)).reindex(out.index)
        for variable in PASSED_THROUGH:
            out[variable] = frame.groupby("timestamp")[variable].mean().reindex(out.index)
        out["apis"] = frame.groupby("timestamp")["api"].nunique().reindex(out.index)
        if "cloud_cover" in out:
            out["cloud_cover"] = out["cloud_cover"].clip(0, 100)
        return out


def rmse(error: pd.Series) -> float:
    """Root mean square of an error series (NaN when empty)."""
    clean = error.dropna()
    return math.sqrt(float((clean**2).mean())) if len(clean) else math.nan
