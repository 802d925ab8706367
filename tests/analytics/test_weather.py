"""Weather: per-API units and time zones, the combined hourly table, forecasts with issue time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .bronze_factory import Record, fixture, write_segment
from .conftest import make_lakehouse, one_row, query

HOUR = datetime(2024, 9, 19, 13, 0, tzinfo=UTC)


def _openmeteo(lake: Path, issued: datetime) -> None:
    """The Berlin answer as issued: its local times are UTC+1 (utc_offset_seconds)."""
    write_segment(
        lake,
        "openmeteo",
        "52.52_13.42",
        "forecast",
        [Record(issued, fixture("openmeteo/forecast_berlin_24h.json"))],
    )


def _owm(lake: Path, issued: datetime, dt: int, temp: float, token: str = "a1") -> None:
    payload = copy.deepcopy(fixture("owm/onecall_docs_example.json"))
    payload["current"]["dt"] = dt
    payload["current"]["temp"] = temp
    payload["hourly"] = []
    url = "https://api.openweathermap.org/data/3.0/onecall?lat=33.44&lon=-94.04&units=metric"
    write_segment(
        lake, "owm", "33.44_-94.04", "onecall", [Record(issued, payload, url=url)], token=token
    )


def test_open_meteo_local_times_become_utc(lake: Path, tmp_path: Path) -> None:
    _openmeteo(lake, datetime(2021, 11, 24, 23, 30, tzinfo=UTC))
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    first = one_row(
        db,
        "SELECT * FROM weather_forecasts ORDER BY timestamp LIMIT 1",
    )
    # "2021-11-24T00:00" at utc_offset_seconds 3600 is 23:00 UTC the day before.
    assert first["timestamp"] == datetime(2021, 11, 23, 23, 0, tzinfo=UTC)
    assert first["temperature"] == 6.9
    assert first["lead_hours"] == pytest.approx(-24.5)
    noon = one_row(
        db, "SELECT * FROM weather_combined WHERE timestamp = TIMESTAMPTZ '2021-11-24 11:00:00+00'"
    )
    # Local 12:00 is 11:00 UTC: 83 W/m² shortwave, 3.8 direct, 79.1 diffuse, 7.3 °C.
    assert (
        noon["temp_openmeteo"],
        noon["solar_radiation"],
        noon["direct_radiation"],
        noon["diffuse_radiation"],
        noon["cloud_cover"],
    ) == (7.3, 83.0, 3.8, 79.1, 100.0)
    assert noon["temp_owm"] is None


def test_three_apis_side_by_side(lake: Path, tmp_path: Path) -> None:
    # MET Norway's compact answer, updated 12:41 for 13:00 and 14:00 (17.5 and 17.1 °C).
    write_segment(
        lake,
        "metno",
        "59.9139_10.7522",
        "compact",
        [
            Record(
                datetime(2024, 9, 19, 12, 50, tzinfo=UTC),
                fixture("metno/compact_docs_excerpt.json"),
            )
        ],
    )
    # OWM observed 19.4 °C at 13:18 (the docs' 292.55 K in the metric units we ask for).
    _owm(lake, datetime(2024, 9, 19, 13, 20, tzinfo=UTC), int(HOUR.timestamp()) + 18 * 60, 19.4)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    row = one_row(
        db, "SELECT * FROM weather_combined WHERE timestamp = TIMESTAMPTZ '2024-09-19 13:00:00+00'"
    )
    assert row["temp_metno"] == 17.5
    assert row["temp_owm"] == pytest.approx(19.4)
    assert row["temp_openmeteo"] is None
    assert row["temp_mean"] == pytest.approx((17.5 + 19.4) / 2)
    assert row["temp_spread"] == pytest.approx(1.9)
    assert row["temp_sources"] == 2
    assert row["cloud_cover"] == pytest.approx((0 + 53) / 2)
    assert row["uses_forecast"] is True


def test_forecasts_keep_every_issue(lake: Path, tmp_path: Path) -> None:
    """Two issues of the same forecast: both stay, each with its issue time."""
    answer = fixture("metno/compact_docs_excerpt.json")
    later = copy.deepcopy(answer)
    later["properties"]["meta"]["updated_at"] = "2024-09-19T13:40:00Z"
    later["properties"]["timeseries"][1]["data"]["instant"]["details"]["air_temperature"] = 16.0
    write_segment(
        lake,
        "metno",
        "59.9139_10.7522",
        "compact",
        [
            Record(datetime(2024, 9, 19, 12, 50, tzinfo=UTC), answer),
            Record(datetime(2024, 9, 19, 13, 50, tzinfo=UTC), later),
        ],
    )
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    rows = query(
        db,
        "SELECT strftime(issued_at, '%H:%M'), round(lead_hours, 4), temperature "
        "FROM weather_forecasts WHERE timestamp = TIMESTAMPTZ '2024-09-19 14:00:00+00' ORDER BY 1",
    )
    assert rows == [
        ("12:41", round(1 + 19 / 60 - 36 / 3600, 4), 17.1),
        ("13:40", round(20 / 60, 4), 16.0),
    ]
    # The combined actual for 14:00 is the freshest issue.
    assert query(
        db,
        "SELECT temp_metno FROM weather_combined "
        "WHERE timestamp = TIMESTAMPTZ '2024-09-19 14:00:00+00'",
    ) == [(16.0,)]


def test_weather_features(lake: Path, tmp_path: Path) -> None:
    _openmeteo(lake, datetime(2021, 11, 24, 23, 30, tzinfo=UTC))
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    rows = query(
        db,
        "SELECT local_hour, round(heating_degree_hours, 6), cooling_degree_hours "
        "FROM features_weather_hourly WHERE timestamp = TIMESTAMPTZ '2021-11-24 11:00:00+00'",
    )
    assert rows == [(12, round(18 - 7.3, 6), 0.0)]


def test_kelvin_that_slipped_through_is_dropped(lake: Path, tmp_path: Path) -> None:
    """An answer in kelvin despite units=metric is refused, as the live parser does."""
    _owm(lake, datetime(2024, 9, 19, 13, 20, tzinfo=UTC), int(HOUR.timestamp()), 292.55)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    assert query(db, "SELECT count(*) FROM stg_owm_onecall") == [(0,)]
