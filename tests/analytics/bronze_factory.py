"""Write Bronze segments in the v1 envelope, with real vendor answers as payloads."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
import gzip
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE_OF = {
    "fronius": "solar",
    "emoncms": "heatpump",
    "openmeteo": "weather",
    "owm": "weather",
    "metno": "weather",
}


def fixture(name: str) -> Any:
    """A real answer from tests/analytics/fixtures, parsed."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def iso(moment: datetime) -> str:
    """The envelope's fetched_at format: UTC, microseconds, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Record:
    """One raw answer to put into a segment."""

    fetched_at: datetime
    payload: Any
    http_status: int = 200
    url: str = "http://device.local/api"


def envelope(vendor: str, device_id: str, endpoint: str, record: Record) -> str:
    """One Bronze line, keys in the contract's order."""
    body = {
        "envelope_version": 1,
        "source": SOURCE_OF[vendor],
        "vendor": vendor,
        "device_id": device_id,
        "endpoint": endpoint,
        "fetched_at": iso(record.fetched_at),
        "http_status": record.http_status,
        "content_type": "application/json",
        "integration_version": "0.1.0",
        "url": record.url,
        "headers": {},
        "payload": record.payload,
    }
    return json.dumps(body, ensure_ascii=False)


def write_segment(
    root: Path,
    vendor: str,
    device_id: str,
    endpoint: str,
    records: list[Record],
    *,
    suffix: str = "0001",
    day: datetime | None = None,
) -> Path:
    """A sealed (gzip) segment in the layout of the contract; returns its path."""
    moment = day or records[0].fetched_at
    source = SOURCE_OF[vendor]
    folder = root / source / "raw" / moment.astimezone(UTC).strftime("%Y/%m/%d")
    if source == "weather":
        folder = folder / f"api={vendor}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{device_id}_{endpoint}_{suffix}.jsonl.gz"
    text = "".join(envelope(vendor, device_id, endpoint, r) + "\n" for r in records)
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return path


def fronius_powerflow(
    at: datetime,
    *,
    pv: float | None,
    grid: float,
    battery: float | None = None,
    soc: float | None = None,
    pv_total: float | None = None,
) -> Record:
    """A real GEN24 power-flow answer with these measurements; P_Load balances the rest."""
    payload = copy.deepcopy(fixture("fronius/GetPowerFlowRealtimeData_gen24_storage.json"))
    site = payload["Body"]["Data"]["Site"]
    site["P_PV"] = pv
    site["P_Grid"] = grid
    site["P_Akku"] = battery
    site["P_Load"] = -((pv or 0.0) + grid + (battery or 0.0))
    site["E_Total"] = pv_total
    payload["Body"]["Data"]["Inverters"]["1"]["SOC"] = soc
    payload["Head"]["Timestamp"] = at.astimezone(UTC).isoformat()
    return Record(at, payload)


def fronius_meter(at: datetime, *, imported_wh: float, exported_wh: float, grid: float) -> Record:
    """A real Smart Meter answer with these counters."""
    payload = copy.deepcopy(fixture("fronius/GetMeterRealtimeData_symo.json"))
    meter = payload["Body"]["Data"]["0"]
    meter["EnergyReal_WAC_Sum_Consumed"] = imported_wh
    meter["EnergyReal_WAC_Sum_Produced"] = exported_wh
    meter["PowerReal_P_Sum"] = grid
    meter["TimeStamp"] = int(at.timestamp())
    payload["Head"]["Timestamp"] = at.astimezone(UTC).isoformat()
    return Record(at, payload)


def emoncms_feeds(
    at: datetime,
    *,
    elec: float,
    heat: float,
    flow: float,
    ret: float,
    outside: float,
    elec_kwh: float | None = None,
    heat_kwh: float | None = None,
) -> Record:
    """The emonHP feed list with these values, all feeds updated at `at`."""
    feeds = copy.deepcopy(fixture("emoncms/feed_list_heatpump.json"))
    values = {
        "heatpump_elec": elec,
        "heatpump_heat": heat,
        "heatpump_flowT": flow,
        "heatpump_returnT": ret,
        "heatpump_outsideT": outside,
        "heatpump_elec_kwh": elec_kwh,
        "heatpump_heat_kwh": heat_kwh,
    }
    for feed in feeds:
        if feed["name"] in values:
            feed["value"] = values[feed["name"]]
        feed["time"] = int(at.timestamp())
    return Record(at, feeds)
