"""The history generator: the integration's Bronze format, reproducible, true to the physics."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
import gzip
import itertools
import json
from pathlib import Path

import pytest

from custom_components.home_energy_lake.api.emoncms import parse_feed_list
from custom_components.home_energy_lake.api.fronius import parse_powerflow
from custom_components.home_energy_lake.api.metno import parse_compact
from custom_components.home_energy_lake.api.openmeteo import parse_forecast
from custom_components.home_energy_lake.api.openweathermap import parse_current, parse_onecall
from house_simulator.config import HouseConfig
from house_simulator.faults import INVERTER_OFFLINE, SENSOR_STUCK, Fault
from house_simulator.history import HistoryOptions, generate

END = datetime(2026, 2, 4, tzinfo=UTC)
CONFIG = HouseConfig(seed=5, epoch=datetime(2026, 2, 3, tzinfo=UTC))
ENVELOPE_KEYS = [
    "envelope_version",
    "source",
    "vendor",
    "device_id",
    "endpoint",
    "fetched_at",
    "http_status",
    "content_type",
    "integration_version",
    "url",
    "headers",
    "payload",
]
OFFLINE = Fault(
    INVERTER_OFFLINE,
    datetime(2026, 2, 3, 10, 0, tzinfo=UTC),
    datetime(2026, 2, 3, 11, 0, tzinfo=UTC),
    {"mode": "no_answer"},
)
STUCK = Fault(
    SENSOR_STUCK,
    datetime(2026, 2, 3, 2, 0, tzinfo=UTC),
    datetime(2026, 2, 3, 6, 0, tzinfo=UTC),
    {"sensor": "outside_temperature"},
)


def _records(lake: Path, pattern: str) -> list[dict]:  # type: ignore[type-arg]
    lines = []
    for path in sorted(lake.glob(pattern)):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            lines.extend(json.loads(line) for line in handle)
    return lines


@pytest.fixture(scope="module")
def one_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    generate(
        CONFIG,
        HistoryOptions(lake=root / "lake", days=1, end=END, faults=[OFFLINE, STUCK], workers=1),
    )
    return root


def test_layout_and_envelopes(one_day: Path) -> None:
    lake = one_day / "lake"
    solar = sorted((lake / "solar/raw/2026/02/03").glob("*.jsonl.gz"))
    assert [p.name.split("_")[1] for p in solar] == ["powerflow"]
    assert (lake / "heatpump/raw/2026/02/03").is_dir()
    for api in ("openmeteo", "owm", "metno"):
        assert list((lake / f"weather/raw/2026/02/03/api={api}").glob("*.jsonl.gz"))
    records = _records(lake, "solar/raw/2026/02/03/*.jsonl.gz")
    assert list(records[0]) == ENVELOPE_KEYS
    assert records[0]["fetched_at"].startswith("2026-02-03T00:00:00.")
    assert records[0]["headers"]["content-type"] == "application/json"


def test_fronius_offline_hour_is_missing_and_the_rest_parses(one_day: Path) -> None:
    records = _records(one_day / "lake", "solar/raw/2026/02/03/*.jsonl.gz")
    # 8640 polls a day, minus the hour the inverter did not answer.
    assert len(records) == 8640 - 360
    assert not [r for r in records if r["fetched_at"].startswith("2026-02-03T10:")]
    for record in records[::500]:
        fetched = datetime.fromisoformat(record["fetched_at"])
        reading = parse_powerflow(record["payload"], fetched)
        assert reading.grid_power is not None
        assert reading.pv_energy_total is not None


def test_truth_matches_the_counters_in_the_lake(one_day: Path) -> None:
    with (one_day / "truth_daily.csv").open() as handle:
        truth = next(csv.DictReader(handle))
    heat_pump = _records(one_day / "lake", "heatpump/raw/2026/02/03/*.jsonl.gz")
    assert len(heat_pump) == 2880
    readings = [
        parse_feed_list(r["payload"], datetime.fromisoformat(r["fetched_at"])) for r in heat_pump
    ]
    electric = [r.electric_energy_total for r in readings]
    assert all(b >= a for a, b in itertools.pairwise(electric))
    # The last poll is at 23:59:30; the day's truth ends at 24:00. Counters are in kWh
    # with three decimals (1 Wh).
    used = electric[-1] - electric[0]
    last_half_minute = readings[-1].electric_power * 30 / 3600
    assert used + last_half_minute == pytest.approx(float(truth["hp_electric_wh"]), abs=3.0)
    assert float(truth["cop"]) == pytest.approx(
        float(truth["hp_heat_wh"]) / float(truth["hp_electric_wh"]), rel=1e-3
    )


def test_truth_hourly_sums_to_daily(one_day: Path) -> None:
    with (one_day / "truth_daily.csv").open() as handle:
        daily = next(csv.DictReader(handle))
    with (one_day / "truth_hourly.csv").open() as handle:
        hourly = list(csv.DictReader(handle))
    assert len(hourly) == 24
    for column in ("pv_wh", "load_wh", "hp_electric_wh", "hp_heat_wh", "grid_import_wh"):
        assert sum(float(h[column]) for h in hourly) == pytest.approx(
            float(daily[column]), abs=0.05
        )


def test_fault_log_and_stuck_sensor_in_the_answers(one_day: Path) -> None:
    lines = (one_day / "faults.jsonl").read_text().splitlines()
    logged = [json.loads(line) for line in lines]
    assert [f["kind"] for f in logged] == ["sensor_stuck", "inverter_offline"]
    value = logged[0]["params"]["value"]
    records = _records(one_day / "lake", "heatpump/raw/2026/02/03/*.jsonl.gz")
    outside = {
        r["fetched_at"][11:13]: next(
            f["value"] for f in r["payload"] if f["name"] == "heatpump_outsideT"
        )
        for r in records
    }
    for hour in ("02", "03", "04", "05"):
        assert outside[hour] == pytest.approx(value, abs=0.051)
    stuck = [
        next(f["value"] for f in r["payload"] if f["name"] == "heatpump_outsideT")
        for r in records
        if "02" <= r["fetched_at"][11:13] <= "05"
    ]
    assert len(set(stuck)) == 1


def test_weather_answers_parse_and_metno_sends_304_between_forecasts(one_day: Path) -> None:
    lake = one_day / "lake"
    openmeteo = _records(lake, "weather/raw/2026/02/03/api=openmeteo/*.jsonl.gz")
    assert len(openmeteo) == 24
    forecast = parse_forecast(
        openmeteo[5]["payload"], datetime.fromisoformat(openmeteo[5]["fetched_at"])
    )
    assert len(forecast.hourly) == 8 * 24
    owm = _records(lake, "weather/raw/2026/02/03/api=owm/*.jsonl.gz")
    assert {r["endpoint"] for r in owm} == {"current", "onecall"}
    for record in owm:
        fetched = datetime.fromisoformat(record["fetched_at"])
        (parse_current if record["endpoint"] == "current" else parse_onecall)(
            record["payload"], fetched
        )
    metno = _records(lake, "weather/raw/2026/02/03/api=metno/*.jsonl.gz")
    statuses = [r["http_status"] for r in metno]
    assert statuses.count(200) == 4  # MET publishes every six hours here
    assert statuses.count(304) == 20
    assert all(r["payload"] is None for r in metno if r["http_status"] == 304)
    fresh = next(r for r in metno if r["http_status"] == 200)
    assert parse_compact(fresh["payload"], datetime.fromisoformat(fresh["fetched_at"])).hourly


def test_same_seed_same_bytes(tmp_path: Path, one_day: Path) -> None:
    generate(
        CONFIG,
        HistoryOptions(lake=tmp_path / "lake", days=1, end=END, faults=[OFFLINE, STUCK], workers=1),
    )
    first = {p.relative_to(one_day): p.read_bytes() for p in one_day.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first == second


def test_days_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        generate(CONFIG, HistoryOptions(lake=tmp_path / "lake", days=0, end=END))


def test_end_defaults_to_today(tmp_path: Path) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    config = HouseConfig(seed=1, epoch=today - timedelta(days=1))
    report = generate(
        config, HistoryOptions(lake=tmp_path / "lake", days=1, workers=1, truth_dir=tmp_path)
    )
    assert report.days == 1
    folder = (today - timedelta(days=1)).strftime("%Y/%m/%d")
    assert list((tmp_path / "lake/solar/raw" / folder).glob("*.jsonl.gz"))


async def test_history_says_what_the_server_says(one_day: Path, socket_enabled: None) -> None:
    import aiohttp

    from house_simulator.server import start_server

    records = _records(one_day / "lake", "solar/raw/2026/02/03/*.jsonl.gz")
    record = records[4000]
    moment = datetime.fromisoformat(record["fetched_at"]).replace(microsecond=0)
    # Nearly frozen time: the request lands in the same 10-second sample.
    url, stop, _simulator = await start_server(
        CONFIG, start=moment, speed=1e-6, faults=[OFFLINE, STUCK], warm_up_year=False
    )
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/solar_api/v1/GetPowerFlowRealtimeData.fcgi") as response,
        ):
            body = await response.read()
    finally:
        await stop()
    assert json.loads(body) == record["payload"]
    raw_lines = b"".join(
        gzip.decompress(path.read_bytes())
        for path in sorted((one_day / "lake").glob("solar/raw/2026/02/03/*.jsonl.gz"))
    ).splitlines()
    stored = raw_lines[4000]
    payload = stored[stored.index(b'"payload":') + len(b'"payload":') : -1]
    assert payload == body.replace(b"\n", b" ")
