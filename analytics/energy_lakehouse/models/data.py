"""What the models learn from, read from Gold and Silver into pandas.

Three frames, all on the UTC hour, the sun's position (``features_sun_position``) and:

* the **history** of what happened: energy (``features_consumption_hourly``), the heat
  pump's efficiency (``heatpump_cop_hourly``) and the weather as measured
  (``features_weather_hourly``);
* the **forecasts as issued**: for each local day D and each API, the newest forecast
  published at most 12 hours before D began (D's midnight - 12 h, lead 12-36 h) and at
  most ``FORECAST_MAX_AGE_H`` older. A model never sees a forecast issued later than an
  owner would have had it the day before, nor the actual weather of the day it forecasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from .frame import day_hours

ISSUE_LEAD_H = 12
"""A day's forecast is the one issued this many hours before its local midnight."""
FORECAST_MAX_AGE_H = 6
"""An older issue is too stale (MET Norway issues every 6 h, the others hourly)."""
WEATHER_VARIABLES = (
    "temperature",
    "cloud_cover",
    "solar_radiation",
    "direct_radiation",
    "diffuse_radiation",
)

_HISTORY_SQL = """
SELECT
    c."timestamp",
    c.local_date,
    c.local_hour,
    c.local_iso_day_of_week,
    c.pv_wh,
    c.load_wh,
    c.base_load_wh,
    c.grid_import_wh,
    c.grid_export_wh,
    c.battery_soc_mean,
    c.heatpump_elec_wh,
    c.heatpump_heat_wh,
    c.solar_coverage_pct,
    c.heatpump_coverage_pct,
    h.cop,
    h.outside_temp_weighted,
    h.flow_temp_weighted,
    h.running_minutes,
    h.quality_flag AS cop_quality_flag,
    w.temp_mean AS temperature_actual,
    w.solar_radiation AS solar_radiation_actual,
    w.cloud_cover AS cloud_cover_actual
FROM features_consumption_hourly AS c
LEFT JOIN heatpump_cop_hourly AS h USING ("timestamp")
LEFT JOIN features_weather_hourly AS w USING ("timestamp")
WHERE c.local_date >= $since
ORDER BY c."timestamp"
"""

_SUN_SQL = """
SELECT "timestamp", sun_elevation_deg, sun_azimuth_deg, cos_zenith
FROM features_sun_position
ORDER BY "timestamp"
"""

# For each API and local day: the newest issue in (cutoff - max age, cutoff], its hours of that day.
_ISSUED_SQL = """
WITH steps AS (
    SELECT
        f.*,
        CAST(timezone($zone, f."timestamp") AS DATE) AS local_date
    FROM weather_forecasts AS f
    WHERE f."timestamp" >= CAST($since AS TIMESTAMPTZ) - INTERVAL 2 DAY
),
cut AS (
    SELECT
        *,
        timezone($zone, CAST(local_date AS TIMESTAMP)) - to_hours(CAST($lead AS BIGINT)) AS cutoff
    FROM steps
),
eligible AS (
    SELECT *
    FROM cut
    WHERE issued_at <= cutoff AND issued_at > cutoff - to_hours(CAST($max_age AS BIGINT))
),
newest AS (
    SELECT api, local_date, max(issued_at) AS issued_at
    FROM eligible
    GROUP BY api, local_date
)
SELECT
    e."timestamp", e.local_date, e.api, e.issued_at, e.lead_hours,
    e.temperature, e.cloud_cover, e.solar_radiation, e.direct_radiation, e.diffuse_radiation
FROM eligible AS e
JOIN newest USING (api, local_date, issued_at)
ORDER BY e."timestamp", e.api
"""


@dataclass(frozen=True)
class LakeData:
    """The history and the forecasts as issued, as the models read them."""

    history: pd.DataFrame
    """One row per UTC hour (index ``timestamp``), columns of ``_HISTORY_SQL``."""
    forecasts: pd.DataFrame
    """One row per (UTC hour, API) with the forecast as issued for that hour's local day."""
    sun: pd.DataFrame
    """The sun's position per UTC hour, the history's and the next 72 hours'."""
    timezone: str

    def days(self) -> list[date]:
        """Return the whole local days of the history (every hour present), in order."""
        counts = self.history.groupby("local_date").size()
        return [
            day
            for day, n in zip(counts.index, counts.to_numpy(), strict=True)
            if n >= len(day_hours(day, self.timezone))
        ]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {name for (name,) in rows}


REQUIRED_TABLES = (
    "features_consumption_hourly",
    "heatpump_cop_hourly",
    "features_sun_position",
    "features_weather_hourly",
    "weather_forecasts",
)


class MissingTablesError(Exception):
    """The database was not built by ``energy-lakehouse build`` (or not yet)."""


def build_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """Return the time zone the last build used: local days follow it."""
    row = con.execute("SELECT timezone FROM _builds ORDER BY finished_at DESC LIMIT 1").fetchone()
    return str(row[0]) if row else "UTC"


def read_lake(con: duckdb.DuckDBPyConnection, since: date = date.min) -> LakeData:
    """Read the history and the forecasts as issued from a built lakehouse, from ``since`` on."""
    missing = [t for t in (*REQUIRED_TABLES, "_builds") if t not in _tables(con)]
    if missing:
        raise MissingTablesError(
            f"the database has no {', '.join(missing)}: run 'energy-lakehouse build' first"
        )
    zone = build_timezone(con)
    history = con.execute(_HISTORY_SQL, {"since": since}).df()
    history["timestamp"] = pd.to_datetime(history["timestamp"], utc=True)
    history = history.set_index("timestamp")
    history["local_date"] = pd.to_datetime(history["local_date"]).dt.date
    forecasts = con.execute(
        _ISSUED_SQL,
        {"zone": zone, "lead": ISSUE_LEAD_H, "max_age": FORECAST_MAX_AGE_H, "since": since},
    ).df()
    forecasts["timestamp"] = pd.to_datetime(forecasts["timestamp"], utc=True)
    forecasts["local_date"] = pd.to_datetime(forecasts["local_date"]).dt.date
    sun = con.execute(_SUN_SQL).df()
    sun["timestamp"] = pd.to_datetime(sun["timestamp"], utc=True)
    return LakeData(
        history=history, forecasts=forecasts, sun=sun.set_index("timestamp"), timezone=zone
    )
