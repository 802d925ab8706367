"""One mapping per vendor: Silver's staging and the integration's live parsers agree.

Every real fixture in tests/fixtures/<vendor>/ goes into Bronze exactly as received; the
lakehouse's staging model and the integration's ``parse_*`` function each read it, and
their values are compared field by field. An answer the live parser refuses must give
Silver no measured value either. A few cases no public answer shows are real fixtures
with one field edited (VARIANTS, invented). The mapping is compared without the live
physical limits (``api.limits``): the lake keeps what the device said, and Silver's own
outlier rules flag it.
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
    myuplink,
    openmeteo,
    openweathermap,
    solaredge,
)
from custom_components.home_energy_lake.api.errors import SourceError

from .bronze_factory import Record, write_segment
from .conftest import make_lakehouse, query
from .myuplink_mapping import BEGIN, END, generated_mapping

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
    identity: int = 1
    """How many leading columns tell one row of an answer from another (its order)."""


def _solar(fields: tuple[str, ...]) -> Callable[[Any], list[tuple[Any, ...]]]:
    return lambda reading: [(reading.timestamp, *(getattr(reading, f) for f in fields))]


def _heatpump(reading: Any) -> list[tuple[Any, ...]]:
    """The parser's values; a reading with none of them is no sample (staging skips it)."""
    values = tuple(getattr(reading, f) for f in _HEATPUMP_FIELDS)
    return [] if all(v is None for v in values) else [(reading.timestamp, *values)]


_HEATPUMP_FIELDS = (
    "electric_power",
    "heat_power",
    "flow_temperature",
    "return_temperature",
    "outside_temperature",
    "electric_energy_total",
    "heat_energy_total",
    "flow_rate",
)


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
    Contract(
        "solaredge",
        "power_flow",
        ("power_flow_*.json",),
        solaredge.parse_power_flow,
        "stg_solaredge_power_flow",
        ("ts", "pv_w", "grid_w", "load_w", "battery_w", "battery_soc"),
        _solar(("pv_power", "grid_power", "load_power", "battery_power", "battery_soc")),
    ),
    Contract(
        "solaredge",
        "overview",
        ("overview_*.json",),
        # No details answer in this lake: both read the site-local time as UTC.
        solaredge.parse_overview,
        "stg_solaredge_overview",
        ("coalesce(timezone('UTC', updated_local), fetched_at)", "pv_w", "pv_total_wh"),
        _solar(("pv_power", "pv_energy_total")),
    ),
    Contract(
        "solaredge",
        "energy_details",
        ("energy_details_*.json",),
        # No details answer in this lake: both read the site-local times as UTC.
        solaredge.parse_energy_details,
        "stg_solaredge_energy_details",
        ("timezone('UTC', start_local)", "meter", "energy_wh"),
        lambda values: [(v.start, v.meter, v.energy) for v in values],
        identity=2,
    ),
    Contract(
        "solaredge",
        "details",
        ("details_*.json",),
        solaredge.parse_details,
        "stg_solaredge_details",
        ("ts", "time_zone"),
        lambda details: [(FETCHED_AT, details.time_zone)],
    ),
    Contract(
        "myuplink",
        "device_points",
        ("device_points_*.json",),
        myuplink.parse_device_points,
        "stg_myuplink_device_points",
        (
            "ts",
            "elec_w",
            "heat_w",
            "flow_c",
            "return_c",
            "outside_c",
            "elec_total_wh",
            "heat_total_wh",
            "flow_lpm",
        ),
        _heatpump,
    ),
]


@dataclass(frozen=True)
class Case:
    """One answer as Bronze holds it: a real fixture, or a variant of one."""

    contract: Contract
    name: str
    raw: bytes


def _contract(vendor: str, endpoint: str) -> Contract:
    return next(c for c in CONTRACTS if (c.vendor, c.endpoint) == (vendor, endpoint))


def _set_point(parameter_id: str, **fields: Any) -> Callable[[Any], Any]:
    def change(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**p, **fields} if p["parameterId"] == parameter_id else p for p in points]

    return change


DAY_DETAILS = "energy_details_ha_synthetic_day.json"


def _first_meter(**fields: Any) -> Callable[[Any], Any]:
    def change(payload: dict[str, Any]) -> dict[str, Any]:
        payload["energyDetails"]["meters"][0].update(fields)
        return payload

    return change


def _first_value(**fields: Any) -> Callable[[Any], Any]:
    def change(payload: dict[str, Any]) -> dict[str, Any]:
        payload["energyDetails"]["meters"][0]["values"][0].update(fields)
        return payload

    return change


def _with(key: str, **fields: Any) -> Callable[[Any], Any]:
    return lambda answer: {key: {**answer[key], **fields}}


# Cases no public answer shows, made by editing one field of a real fixture (invented):
# (vendor, endpoint, real fixture, variant name, edit).
VARIANTS: list[tuple[str, str, str, str, Callable[[Any], Any]]] = [
    ("solaredge", "power_flow", "power_flow_night_battery_kw.json", "no_meter_empty", lambda _: {}),
    (
        "solaredge",
        "power_flow",
        "power_flow_night_battery_kw.json",
        "unknown_unit",
        _with("siteCurrentPowerFlow", unit="A"),
    ),
    (
        "solaredge",
        "power_flow",
        "power_flow_ha_synthetic_w.json",
        "no_connections_mw",
        _with("siteCurrentPowerFlow", unit="MW", connections=[]),
    ),
    (
        "solaredge",
        "overview",
        "overview_exponent.json",
        "bad_update_time",
        _with("overview", lastUpdateTime="26.08.2021 10:58"),
    ),
    (
        "solaredge",
        "overview",
        "overview_exponent.json",
        "no_update_time",
        _with("overview", lastUpdateTime=None),
    ),
    ("solaredge", "energy_details", DAY_DETAILS, "kwh", _with("energyDetails", unit="kWh")),
    ("solaredge", "energy_details", DAY_DETAILS, "unknown_unit", _with("energyDetails", unit="J")),
    ("solaredge", "energy_details", DAY_DETAILS, "bad_date", _first_value(date="01/01/2025")),
    ("solaredge", "energy_details", DAY_DETAILS, "no_meter_type", _first_meter(type=None)),
    (
        "myuplink",
        "device_points",
        "device_points_nibe_vvm320_energy_INVENTED.json",
        "heat_meter_half_missing",
        _set_point("44308", value=-32768),
    ),
    (
        "myuplink",
        "device_points",
        "device_points_nibe_vvm320_energy_INVENTED.json",
        "energy_in_mwh_power_in_kw_as_text",
        lambda points: _set_point("43141", value="1.46", parameterUnit="kW")(
            _set_point("43144", value=3.82837, parameterUnit="MWh")(points)
        ),
    ),
    (
        "myuplink",
        "device_points",
        "device_points_nibe_f730.json",
        "supply_unconnected",
        _set_point("40008", value=-3276.8),
    ),
    (
        "myuplink",
        "device_points",
        "device_points_nibe_f730.json",
        "error_object",
        lambda _: {"type": "about:blank", "title": "Not Found", "status": 404},
    ),
]


def _cases() -> list[Case]:
    cases = []
    for contract in CONTRACTS:
        folder = FIXTURES / contract.vendor
        found = sorted({p for pattern in contract.patterns for p in folder.glob(pattern)})
        cases.extend(Case(contract, path.name, path.read_bytes()) for path in found)
    for vendor, endpoint, base, name, change in VARIANTS:
        raw = (FIXTURES / vendor / base).read_bytes()
        edited = json.dumps(change(json.loads(raw))).encode()
        cases.append(Case(_contract(vendor, endpoint), f"{base}+{name}", edited))
    return cases


def _fetched_at(raw: bytes, contract: Contract) -> datetime:
    """The emoncms parser ignores feeds older than an hour: fetch just after the newest."""
    if contract.vendor != "emoncms":
        return FETCHED_AT
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
    for number, case in enumerate(_cases()):
        contract = case.contract
        segments[(contract.table, case.name)] = write_segment(
            root / "lake",
            contract.vendor,
            f"dev{number}",
            contract.endpoint,
            [Record(_fetched_at(case.raw, contract), case.raw, url=contract.url)],
        )
    report = make_lakehouse(root / "lake", root / "db.duckdb").build()
    assert report.corrupt == []
    return root / "db.duckdb", segments


@pytest.fixture
def without_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parsers' mapping alone: every value as the device sent it, unit converted."""
    for module in (emoncms, fronius, metno, myuplink, openmeteo, openweathermap, solaredge):
        monkeypatch.setattr(module, "within_limits", lambda reading: reading)
    monkeypatch.setattr(solaredge, "check_value", lambda value, _limit, _where: value)


@pytest.mark.usefixtures("without_limits")
@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c.contract.table}-{c.name}")
def test_staging_matches_live_parser(
    case: Case, built: tuple[Path, dict[tuple[str, str], Path]]
) -> None:
    db, segments = built
    contract, raw = case.contract, case.raw
    columns = ", ".join(contract.columns)
    staged = query(
        db,
        f"SELECT {columns} FROM {contract.table} WHERE _source_file = ? "
        f"ORDER BY {', '.join(str(n + 1) for n in range(contract.identity))}",
        [str(segments[(contract.table, case.name)])],
    )
    try:
        reading = contract.parse(json.loads(raw), _fetched_at(raw, contract))
    except SourceError:
        # Refused live: Silver must not take a measured value from it either.
        assert all(all(v is None for v in row[1:]) for row in staged), staged
        return
    expected = sorted(contract.points(reading), key=lambda row: row[: contract.identity])
    assert len(staged) == len(expected), (staged, expected)
    for ours, theirs in zip(staged, expected, strict=True):
        for name, a, b in zip(contract.columns, ours, theirs, strict=True):
            assert _same(a, b), f"{case.name}: {name} staged {a!r}, parser {b!r}"


def test_every_vendor_with_a_staging_model_has_fixtures() -> None:
    covered = {(c.contract.vendor, c.contract.endpoint) for c in _cases()}
    assert covered == {(c.vendor, c.endpoint) for c in CONTRACTS}


def test_myuplink_staging_carries_the_integrations_parameter_table() -> None:
    sql = (
        Path(__file__).parents[2]
        / "analytics/energy_lakehouse/sql/staging/stg_myuplink_device_points.sql"
    ).read_text(encoding="utf-8")
    start, end = sql.index(BEGIN), sql.index(END) + len(END)
    assert sql[start:end] == generated_mapping(), (
        "myuplink_parameters or units changed: paste the output of "
        "'python -m tests.analytics.myuplink_mapping' into stg_myuplink_device_points.sql"
    )


def test_solaredge_and_myuplink_segments_are_read(
    built: tuple[Path, dict[tuple[str, str], Path]],
) -> None:
    db, _segments = built
    rows = query(
        db,
        "SELECT stream, status, count(*) FROM _manifest "
        "WHERE stream LIKE '%solaredge%' OR stream LIKE '%myuplink%' GROUP BY ALL ORDER BY ALL",
    )
    assert {stream for stream, _, _ in rows} == {
        "solar/solaredge/power_flow",
        "solar/solaredge/overview",
        "solar/solaredge/energy_details",
        "solar/solaredge/details",
        "heatpump/myuplink/device_points",
    }
    assert {status for _, status, _ in rows} <= {"ok", "partial"}
