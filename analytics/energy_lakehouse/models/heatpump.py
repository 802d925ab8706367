"""Heat-pump electricity, next day, hourly: an energy signature and a time-of-day profile.

Inputs (``FEATURES``): the day's heating degree-hours below a balance point, from the
forecast temperature, and the forecast sunshine on the hours that need heating (solar
gains through the windows). Method: the day's electricity is a linear energy signature,
``a + b · HDH - c · sun`` with b, c ≥ 0, the balance point the one that fits the
training days best; ``a`` is what runs whatever the weather (hot water, standby). The day
is spread over its hours by the share each local hour had on training days of the same
kind (cold or mild). The p10/p90 band is each local hour's spread of training errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.linear_model import LinearRegression

from .frame import NotEnoughDataError

NAME = "heatpump"
FEATURES = ("heating_degree_hours", "heating_sun_wh_m2")
MIN_DAYS = 14
BALANCE_POINTS_C = tuple(float(t) for t in range(10, 21))
MIN_COVERAGE_PCT = 90.0


def daily_features(weather: pd.DataFrame, balance_c: float) -> pd.DataFrame:
    """Per local day: degree-hours below ``balance_c`` and sunshine on those hours."""
    cold = (balance_c - weather["temperature"]).clip(lower=0)
    sun = weather["solar_radiation"].fillna(0.0).where(cold > 0, 0.0)
    frame = pd.DataFrame(
        {
            "heating_degree_hours": cold,
            "heating_sun_wh_m2": sun,
            "local_date": weather["local_date"],
        }
    )
    return frame.groupby("local_date")[list(FEATURES)].sum()


def _usable_days(history: pd.DataFrame) -> pd.Series:
    """Electricity per local day whose heat-pump data cover the whole day."""
    by_day = history.groupby("local_date")
    coverage = by_day["heatpump_coverage_pct"].mean()
    hours = by_day["heatpump_elec_wh"].count()
    elec = by_day["heatpump_elec_wh"].sum()
    return elec[(coverage >= MIN_COVERAGE_PCT) & (hours >= 23)]


@dataclass
class HeatPumpModel:
    """Energy signature per day, profile per hour."""

    balance_c: float
    signature: LinearRegression
    cold_profile: npt.NDArray[np.float64]
    """Share of a cold day's electricity per local hour (24 values summing to 1)."""
    mild_profile: npt.NDArray[np.float64]
    """The same for a mild day."""
    cold_hdh: float
    """A day with more degree-hours than this is a cold day."""
    band: npt.NDArray[np.float64]
    """(24, 2): the 10th and 90th percentile of hourly errors, per local hour."""
    days: int

    @classmethod
    def fit(cls, history: pd.DataFrame, weather: pd.DataFrame) -> HeatPumpModel:
        """Fit on the days with full heat-pump data and a forecast as issued."""
        if history["heatpump_elec_wh"].notna().sum() == 0:
            raise NotEnoughDataError("no heat pump in the lake")
        elec = _usable_days(history)
        best: tuple[float, float, LinearRegression, pd.DataFrame] | None = None
        for balance in BALANCE_POINTS_C:
            features = daily_features(weather, balance).reindex(elec.index).dropna()
            if len(features) < MIN_DAYS:
                raise NotEnoughDataError(
                    f"{len(features)} days of heat-pump data with a forecast, needs {MIN_DAYS}"
                )
            target = elec.loc[features.index]
            x = features.to_numpy() * np.array([1.0, -1.0])
            model = LinearRegression(positive=True).fit(x, target)
            sse = float(((model.predict(x) - target) ** 2).sum())
            if best is None or sse < best[0]:
                best = (sse, balance, model, features)
        assert best is not None
        _, balance, signature, features = best
        heating = features[features["heating_degree_hours"] > 0]
        cold_hdh = float(heating["heating_degree_hours"].median()) if len(heating) else 0.0
        hourly = history.loc[history["local_date"].isin(features.index)]
        cold_profile, mild_profile = _profiles(hourly, features, cold_hdh)
        model = cls(
            balance,
            signature,
            cold_profile,
            mild_profile,
            cold_hdh,
            np.zeros((24, 2)),
            len(features),
        )
        fitted = model.predict_hours(weather.loc[weather.index.isin(hourly.index)])
        error = (hourly["heatpump_elec_wh"] - fitted["value_wh"]).dropna()
        hours = hourly.loc[error.index, "local_hour"]
        model.band = np.array(
            [error[hours == h].quantile([0.1, 0.9]).to_numpy() if (hours == h).any() else [0, 0]
             for h in range(24)]
        )  # fmt: skip
        return model

    def predict_days(self, weather: pd.DataFrame) -> pd.DataFrame:
        """Per local day: the features and the expected electricity (Wh)."""
        features = daily_features(weather, self.balance_c)
        x = features.to_numpy() * np.array([1.0, -1.0])
        features["value_wh"] = np.maximum(self.signature.predict(x), 0.0)
        return features

    def predict_hours(self, weather: pd.DataFrame) -> pd.DataFrame:
        """Per UTC hour: expected electricity and its p10/p90 band (Wh)."""
        days = self.predict_days(weather)
        local_hour = weather["local_hour"].to_numpy()
        day = weather["local_date"]
        cold = day.map(days["heating_degree_hours"] > self.cold_hdh).fillna(False).astype(bool)
        profile = np.where(cold, self.cold_profile[local_hour], self.mild_profile[local_hour])
        # A 23- or 25-hour day: the shares of its hours, renormalized to the day.
        share = pd.Series(profile, index=weather.index)
        share = share / share.groupby(day).transform("sum")
        value = day.map(days["value_wh"]) * share
        band = self.band[local_hour]
        return pd.DataFrame(
            {
                "value_wh": value,
                "p10_wh": (value + band[:, 0]).clip(lower=0),
                "p90_wh": (value + band[:, 1]).clip(lower=0),
            },
            index=weather.index,
        )


def _profiles(
    hourly: pd.DataFrame, features: pd.DataFrame, cold_hdh: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each local hour's share of the day, on cold days and on mild days."""
    totals = hourly.groupby("local_date")["heatpump_elec_wh"].transform("sum")
    share = (hourly["heatpump_elec_wh"] / totals.where(totals > 0)).fillna(1 / 24)
    is_cold = hourly["local_date"].map(features["heating_degree_hours"] > cold_hdh).astype(bool)
    profiles = []
    for cold in (True, False):
        mean = share[is_cold == cold].groupby(hourly["local_hour"][is_cold == cold]).mean()
        profile = mean.reindex(range(24)).fillna(1 / 24).to_numpy()
        profiles.append(profile / profile.sum())
    return profiles[0], profiles[1]
