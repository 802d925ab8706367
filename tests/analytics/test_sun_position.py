"""Sun position features against pvlib's NREL SPA implementation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pvlib

from .bronze_factory import fronius_powerflow, write_segment
from .conftest import make_lakehouse, query


def test_sun_position_matches_pvlib(lake: Path, tmp_path: Path) -> None:
    latitude, longitude = 52.52, 13.42
    days = [
        datetime(2026, 3, 20, tzinfo=UTC),
        datetime(2026, 6, 21, tzinfo=UTC),
        datetime(2026, 12, 21, tzinfo=UTC),
    ]
    for n, day in enumerate(days):
        records = [fronius_powerflow(day + timedelta(hours=h), pv=0, grid=100) for h in range(24)]
        write_segment(lake, "fronius", "inv1", "powerflow", records, token=f"d{n}")
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db, timezone="UTC", latitude=latitude, longitude=longitude).build()
    rows = query(
        db,
        "SELECT timestamp, sun_elevation_deg, sun_azimuth_deg "
        "FROM features_sun_position ORDER BY 1",
    )
    # The 72 hours with data, and the 72 after the last for the day-ahead forecasts.
    last = days[-1] + timedelta(hours=23)
    assert [r[0] for r in rows[72:]] == [last + timedelta(hours=h) for h in range(1, 73)]
    middles = pd.DatetimeIndex([r[0] + timedelta(minutes=30) for r in rows])
    spa = pvlib.solarposition.get_solarposition(middles, latitude, longitude, method="nrel_numpy")
    for (_, elevation, azimuth), (_, reference) in zip(rows, spa.iterrows(), strict=True):
        assert abs(elevation - reference["elevation"]) < 0.5
        if reference["elevation"] > 2:
            assert abs(azimuth - reference["azimuth"]) < 1.0
