"""One mapping per vendor: Silver's staging and the integration's live parsers agree.

Every real fixture in tests/fixtures/<vendor>/ goes into Bronze exactly as received; the
lakehouse's staging model and the integration's ``parse_*`` function each read it, and
their values are compared field by field. An answer the live parser refuses must give
Silver no measured value either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.home_energy_lake.api import (
    emoncms,
    fronius,
    metno,
    openmeteo,
    openweathermap,
)
from custom_components.home_energy_lake.api.errors import SourceError

from .bronze_factory import Record, write_segment
from .conftest import make_lakehouse, query

FIXTURES = Path(__file__).parents[1] / "fixtures"
FETCHED_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Contract:
    """How one endpoint's staging columns line up with its parser's reading fields."""

    vendor: str
    endpoint: str
    patterns: tuple[str, ...]
    parse: Callable[[Any, datetime], Any]
    table: str
    columns: tuple[str, ...]
    points: Callable[[Any], list[tuple[Any, ...]]]
    url: str = "http://host/api"


def _solar(fields: tuple[str, ...]) -> Callable[[Any], list[tuple[Any, ...]]]:
    return lambda reading: [(reading.timestamp, *(getattr(reading, f) for f in fields))]


def _weather_hourly(reading: Any) -> list[tuple[Any, ...]]:
    points = [reading.current] if getattr(reading, "current", None) and reading.api == "owm" else []
    points += list(reading.hourly)
    return [(p.timestamp, p.temperature, p.cloud_cover) for p in points]


CONTRACTS = [
    Contract(
        "fronius",
        "powerflow",
        ("*powerflow*.json",),
        fronius.parse_powerflow,
        "stg_fronius_powerflow",
        ("ts", "pv_w", "grid_w", "load_w", "battery_w", "battery_soc", "pv_total_wh"),
        _solar(
            (
                "pv_power",
                "grid_power",
                "load_power",
                "battery_power",
                "battery_soc",
                "pv_energy_total",
            )
        ),
    ),
    Contract(
        "fronius",
        "meter",
        ("*meter_system*.json",),
        fronius.parse_meter,
        "stg_fronius_meter",
        ("ts", "grid_w", "import_total_wh", "export_total_wh"),
        _solar(("grid_power", "grid_import_energy_total", "grid_export_energy_total")),
    ),
    Contract(
        "emoncms",
        "feed_list",
        ("feed_list_*.json", "error_*.json"),
        emoncms.parse_feed_list,
        "stg_emoncms_feed_list",
        (
            "ts",
            "elec_w",
            "heat_w",
            "flow_c",
            "return_c",
            "outside_c",
            "elec_total_wh",
            "heat_total_wh",
        ),
        _solar(
            (
                "electric_power",
                "heat_power",
                "flow_temperature",
                "return_temperature",
                "outside_temperature",
                "electric_energy_total",
                "heat_energy_total",
            )
        ),
    ),
    Contract(
        "openmeteo",
        "forecast",
        ("forecast_*.json", "error_*.json"),
        openmeteo.parse_forecast,
        "stg_openmeteo_forecast",
        (
            "ts",
            "temperature_c",
            "solar_radiation",
            "direct_radiation",
            "diffuse_radiation",
            "cloud_cover",
        ),
        lambda r: [
            (
                p.timestamp,
                p.temperature,
                p.solar_radiation,
                p.direct_radiation,
                p.diffuse_radiation,
                p.cloud_cover,
            )
            for p in r.hourly
        ],
    ),
    Contract(
        "owm",
        "onecall",
        ("onecall_*.json", "error_*.json"),
        openweathermap.parse_onecall,
        "stg_owm_onecall",
        ("ts", "temperature_c", "cloud_cover"),
        _weather_hourly,
        url="https://api.openweathermap.org/data/3.0/onecall?lat=1&lon=2&units=metric",
    ),
    Contract(
        "owm",
        "current",
        ("current_*.json", "error_*.json"),
        openweathermap.parse_current,
        "stg_owm_current",
        ("ts", "temperature_c", "cloud_cover"),
        lambda p: [(p.timestamp, p.temperature, p.cloud_cover)],
        url="https://api.openweathermap.org/data/2.5/weather?lat=1&lon=2&units=metric",
    ),
    Contract(
        "metno",
        "compact",
        ("compact_*.json",),
        metno.parse_compact,
        "stg_metno_compact",
        ("ts", "temperature_c", "cloud_cover"),
        _weather_hourly,
    ),
]


def _cases() -> list[tuple[Contract, Path]]:
    cases = []
    for contract in CONTRACTS:
        folder = FIXTURES / contract.vendor
        found = sorted({p for pattern in contract.patterns for p in folder.glob(pattern)})
        cases.extend((contract, path) for path in found)
    return cases


def _fetched_at(raw: bytes, contract: Contract) -> datetime:
    """The emoncms parser ignores feeds older than an hour: fetch just after the newest."""
    if contract.vendor != "emoncms":
        return FETCHED_AT
    import json

    times = [float(f["time"]) for f in json.loads(raw) if isinstance(f, dict) and f.get("time")]
    return datetime.fromtimestamp(max(times), UTC) + timedelta(seconds=30) if times else FETCHED_AT


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return bool(a == b)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], Path]]:
    """One lake with every fixture in its own segment, built once."""
    root = tmp_path_factory.mktemp("contract")
    segments = {}
    for number, (contract, path) in enumerate(_cases()):
        raw = path.read_bytes()
        segments[(contract.table, path.name)] = write_segment(
            root / "lake",
            contract.vendor,
            f"dev{number}",
            contract.endpoint,
            [Record(_fetched_at(raw, contract), raw, url=contract.url)],
        )
    report = make_lakehouse(root / "lake", root / "db.duckdb").build()
    assert report.corrupt == []
    return root / "db.duckdb", segments


@pytest.mark.parametrize(
    ("contract", "path"), _cases(), ids=lambda v: v.name if isinstance(v, Path) else v.table
)
def test_staging_matches_live_parser(
    contract: Contract, path: Path, built: tuple[Path, dict[tuple[str, str], Path]]
) -> None:
    db, segments = built
    raw = path.read_bytes()
    columns = ", ".join(contract.columns)
    staged = query(
        db,
        f"SELECT {columns} FROM {contract.table} WHERE _source_file = ? ORDER BY ts",
        [str(segments[(contract.table, path.name)])],
    )
    try:
        reading = contract.parse(json.loads(raw), _fetched_at(raw, contract))
    except SourceError:
        # Refused live: Silver must not take a measured value from it either.
        assert all(all(v is None for v in row[1:]) for row in staged), staged
        return
    expected = sorted(contract.points(reading), key=lambda row: row[0])
    assert len(staged) == len(expected), (staged, expected)
    for ours, theirs in zip(staged, expected, strict=True):
        for name, a, b in zip(contract.columns, ours, theirs, strict=True):
            assert _same(a, b), f"{path.name}: {name} staged {a!r}, parser {b!r}"


def test_every_vendor_with_a_staging_model_has_fixtures() -> None:
    covered = {(c.vendor, c.endpoint) for c, _ in _cases()}
    assert covered == {(c.vendor, c.endpoint) for c in CONTRACTS}
