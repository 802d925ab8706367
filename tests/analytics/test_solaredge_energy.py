"""SolarEdge energy at its recommended 15-minute poll, and from its own energyDetails meters."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .bronze_factory import Record, write_segment
from .conftest import make_lakehouse, query

FIXTURES = Path(__file__).parents[1] / "fixtures" / "solaredge"
SITE = "12345678"
SITE_ZONE = ZoneInfo("America/Los_Angeles")  # details_hooper_st.json
START = datetime(2024, 6, 12, 18, 0, tzinfo=UTC)  # 11:00 in the site's zone
METERS = {"Production": 600.0, "Consumption": 450.0, "FeedIn": 300.0, "Purchased": 150.0}


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _power_flows(lake: Path, gaps_s: list[float]) -> list[datetime]:
    """The HA power-flow answer (GRID 250 W into the load) at these spacings from START."""
    times = [START]
    for gap in gaps_s:
        times.append(times[-1] + timedelta(seconds=gap))
    answer = _fixture("power_flow_ha_synthetic_w.json")
    write_segment(lake, "solaredge", SITE, "power_flow", [Record(t, answer) for t in times])
    return times


def _details(lake: Path) -> None:
    answer = _fixture("details_hooper_st.json")
    write_segment(lake, "solaredge", SITE, "details", [Record(START - timedelta(hours=1), answer)])


def _energy_details(
    lake: Path, hour_start: datetime, quarters: dict[str, list[float | None]], unit: str = "Wh"
) -> None:
    """An energyDetails answer in the documented shape: quarter hours, site-local starts."""
    answer = copy.deepcopy(_fixture("energy_details_ha_synthetic_day.json"))
    details = answer["energyDetails"]
    details["timeUnit"] = "QUARTER_OF_AN_HOUR"
    details["unit"] = unit
    for meter in details["meters"]:
        values = quarters.get(meter["type"], [])
        meter["values"] = []
        for n, value in enumerate(values):
            start = (hour_start + timedelta(minutes=15 * n)).astimezone(SITE_ZONE)
            entry: dict[str, Any] = {"date": start.strftime("%Y-%m-%d %H:%M:%S")}
            if value is not None:
                entry["value"] = value
            meter["values"].append(entry)
    fetched = hour_start + timedelta(hours=1, seconds=30)
    write_segment(lake, "solaredge", SITE, "energy_details", [Record(fetched, answer)])


@pytest.mark.parametrize(
    "gaps_s",
    [
        [900.0] * 4,
        [902.0] * 4,  # HA schedules the next poll after the fetch: just over the interval
        [917.0, 960.0, 903.0, 941.0],
    ],
    ids=["900s", "902s", "900-960s"],
)
def test_power_flow_every_15_minutes_gives_energy(
    lake: Path, tmp_path: Path, gaps_s: list[float]
) -> None:
    _power_flows(lake, gaps_s)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    imported, loaded, metered = query(
        db, "SELECT sum(import_wh), sum(load_wh), bool_or(metered) FROM solar_readings"
    )[0]
    held_h = sum(gaps_s) / 3600
    assert imported == pytest.approx(250.0 * held_h)
    assert loaded == pytest.approx(1500.0 * held_h)
    assert metered is False


def test_energy_details_meters_replace_the_estimate(lake: Path, tmp_path: Path) -> None:
    """Quarter-hour meters win over power x time, bucket by bucket, in the site's zone."""
    _details(lake)
    _power_flows(lake, [900.0] * 4)
    quarters: dict[str, list[float | None]] = {
        meter: [total / 4] * 4 for meter, total in METERS.items()
    }
    quarters["Purchased"][3] = None  # the newest quarter has no value yet
    _energy_details(lake, START, quarters)
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()
    assert report.refused == {}

    rows = query(
        db,
        "SELECT strftime(timestamp, '%H:%M'), round(pv_wh, 6), round(import_wh, 6), "
        "round(export_wh, 6), round(load_wh, 6), metered FROM solar_readings "
        "WHERE timestamp < TIMESTAMPTZ '2024-06-12 19:00:00+00' ORDER BY 1",
    )
    assert len(rows) == 12
    for n, (_, pv, imported, exported, load, metered) in enumerate(rows):
        assert metered is True
        # Each quarter's energy is split evenly over its three 5-minute buckets.
        assert (pv, exported, load) == (50.0, 25.0, 37.5)
        # The last quarter has no Purchased value: the power flow's 250 W x 5 min stands.
        assert imported == (12.5 if n < 9 else round(250.0 * 300 / 3600, 6))
    hour = query(
        db,
        "SELECT sum(pv_wh), sum(export_wh), sum(load_wh) FROM solar_readings "
        "WHERE timestamp < TIMESTAMPTZ '2024-06-12 19:00:00+00'",
    )[0]
    assert hour == pytest.approx((600.0, 300.0, 450.0))
    # The local day of the balance holds the meters' energy.
    balance = query(
        db,
        "SELECT solar_produced_wh, grid_export_wh FROM daily_energy_balance "
        "WHERE local_date = DATE '2024-06-12'",
        # Europe/Berlin is the lakehouse's zone here: 20:00 there, the same day.
    )
    assert balance == [pytest.approx((600.0, 300.0))]


def test_energy_details_in_kwh_and_without_polls(lake: Path, tmp_path: Path) -> None:
    """Captured hours fill buckets no poll reached (HA was busy), in Wh from kWh."""
    _details(lake)
    _energy_details(lake, START, {"Production": [0.2, 0.2, 0.2, 0.2]}, unit="kWh")
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    rows = query(
        db,
        "SELECT count(*), sum(pv_wh), sum(samples), max(coverage_pct), bool_and(metered), "
        "min(vendor) FROM solar_readings",
    )
    assert rows == [(12, pytest.approx(800.0), 0, 0.0, True, "solaredge")]


def test_an_energy_details_answer_in_other_units_is_refused(lake: Path, tmp_path: Path) -> None:
    _details(lake)
    _energy_details(lake, START, {"Production": [50.0] * 4}, unit="J")
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(lake, db).build()
    assert report.refused == {"bad_units": 1}
    assert query(db, "SELECT count(*) FROM solar_readings") == [(0,)]
