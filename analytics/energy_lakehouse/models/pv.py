"""PV, next day, hourly: forecast weather and the sun's position, calibrated on this roof.

Inputs (``FEATURES``): forecast global, direct and diffuse irradiance, cloud cover and
temperature, the sun's elevation, azimuth and cos(zenith) at mid-hour, the clear-sky
irradiance (Haurwitz), the clear-sky index (forecast / clear sky) and the irradiance the
consensus cloud cover implies (Kasten-Czeplak). Method:
gradient-boosted trees on the home's own hours, trained on the forecasts as they were
issued the day before, so that they learn what no one told them: the roof's orientation
(how the yield follows the azimuth), shading (hours and seasons that give less than the
sky promises), clipping at the inverter's limit, and the forecast's own bias. Two more
boosted models with quantile loss give p10 and p90. Whatever the trees say, the sun
below the horizon gives 0, and no hour gives less than 0 or more than the most the roof
has ever given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from .frame import NotEnoughDataError

NAME = "pv"
FEATURES = (
    "solar_radiation",
    "direct_radiation",
    "diffuse_radiation",
    "cloud_cover",
    "temperature",
    "sun_elevation_deg",
    "sun_azimuth_deg",
    "cos_zenith",
    "clear_sky_wh_m2",
    "clear_sky_index",
    "cloud_irradiance_wh_m2",
)
MIN_DAYS = 14
MIN_COVERAGE_PCT = 90.0


def clear_sky_ghi(cos_zenith: pd.Series) -> pd.Series:
    """Haurwitz clear-sky global irradiance (W/m²) from cos(zenith); 0 with the sun down."""
    cos_z = cos_zenith.clip(lower=0)
    ghi: pd.Series = 1098.0 * cos_z * np.exp(-0.057 / cos_z.where(cos_z > 0))
    return ghi.fillna(0.0)


def features(weather: pd.DataFrame) -> pd.DataFrame:
    """Return the model's inputs for each hour of ``weather``."""
    clear = clear_sky_ghi(weather["cos_zenith"])
    index = (weather["solar_radiation"] / clear.where(clear > 20)).clip(0, 1.5)
    # The consensus cloud cover of all three APIs through Kasten-Czeplak: an irradiance
    # estimate whose errors are not Open-Meteo's alone.
    cloud = (weather["cloud_cover"] / 100).clip(0, 1)
    frame = weather.assign(
        clear_sky_wh_m2=clear,
        clear_sky_index=index,
        cloud_irradiance_wh_m2=clear * (1 - 0.75 * cloud**3.4),
    )
    return frame[list(FEATURES)].astype(float)


@dataclass
class PvModel:
    """Boosted trees for the expected value, p10 and p90 of each hour's PV energy."""

    median: HistGradientBoostingRegressor
    low: HistGradientBoostingRegressor
    high: HistGradientBoostingRegressor
    peak_wh: float
    """The most PV energy any hour of the history gave: the roof's limit, and the nRMSE scale."""
    days: int

    @classmethod
    def fit(cls, history: pd.DataFrame, weather: pd.DataFrame) -> PvModel:
        """Fit on the hours with full solar coverage and a forecast as issued."""
        measured = history[
            history["pv_wh"].notna() & (history["solar_coverage_pct"] >= MIN_COVERAGE_PCT)
        ]
        # Night is 0 by rule, so the trees learn the daylight hours only.
        daylight = weather[(weather["sun_elevation_deg"] > 0) & weather["solar_radiation"].notna()]
        hours = measured.index.intersection(daylight.index)
        days = sorted(set(history.loc[hours, "local_date"]))
        if len(days) < MIN_DAYS:
            raise NotEnoughDataError(
                f"{len(days)} days of PV with a radiation forecast, needs {MIN_DAYS}"
            )
        x = features(weather.loc[hours]).to_numpy()
        y = history.loc[hours, "pv_wh"].to_numpy()

        def boosted(**loss: float | str) -> HistGradientBoostingRegressor:
            model = HistGradientBoostingRegressor(
                max_iter=300, learning_rate=0.06, min_samples_leaf=20, random_state=0, **loss
            )
            return model.fit(x, y)

        return cls(
            median=boosted(loss="squared_error"),
            low=boosted(loss="quantile", quantile=0.1),
            high=boosted(loss="quantile", quantile=0.9),
            peak_wh=float(y.max()),
            days=len(days),
        )

    def predict_hours(self, weather: pd.DataFrame) -> pd.DataFrame:
        """Per UTC hour: expected PV energy and its p10/p90 band (Wh)."""
        # The trees take a missing input (no clear-sky index at dawn) as a value of its own.
        x = features(weather).to_numpy()
        out = pd.DataFrame(
            {
                "value_wh": self.median.predict(x),
                "p10_wh": self.low.predict(x),
                "p90_wh": self.high.predict(x),
            },
            index=weather.index,
        ).clip(lower=0.0, upper=self.peak_wh)
        # The sun below the horizon: no PV, whatever the weather says or lacks.
        night = weather["sun_elevation_deg"] <= 0
        out.loc[night] = 0.0
        out["p10_wh"] = np.minimum(out["p10_wh"], out["value_wh"])
        out["p90_wh"] = np.maximum(out["p90_wh"], out["value_wh"])
        return out
