"""Write Bronze segments in the v1 envelope, with real vendor answers as payloads."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
import gzip
import json
from pathlib import Path
from typing import Any

from custom_components.home_energy_lake.lake.envelope import encode_envelope
from custom_components.home_energy_lake.lake.paths import segment_path
from custom_components.home_energy_lake.lake.record import BronzeRecord

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE_OF = {
    "fronius": "solar",
    "emoncms": "heatpump",
    "solaredge": "solar",
    "myuplink": "heatpump",
    "openmeteo": "weather",
    "owm": "weather",
    "metno": "weather",
}


def fixture(name: str) -> Any:
    """A real answer from tests/analytics/fixtures, parsed."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Record:
    """One raw answer to put into a segment."""

    fetched_at: datetime
    payload: Any
    http_status: int = 200
    url: str = "http://device.local/api"


def envelope(vendor: str, device_id: str, endpoint: str, record: Record) -> bytes:
    """One Bronze line, made by the integration's own envelope encoder."""
    if isinstance(record.payload, bytes):
        body = record.payload  # exactly as a device sent it
    else:
        body = b"" if record.payload is None else json.dumps(record.payload).encode("utf-8")
    bronze = BronzeRecord(
        source=SOURCE_OF[vendor],
        vendor=vendor,
        device_id=device_id,
        endpoint=endpoint,
        fetched_at=record.fetched_at,
        http_status=record.http_status,
        body=body,
        content_type="application/json",
        url=record.url,
    )
    return encode_envelope(bronze, "0.1.0")


def write_segment(
    root: Path,
    vendor: str,
    device_id: str,
    endpoint: str,
    records: list[Record],
    *,
    token: str = "a1",
) -> Path:
    """A sealed (gzip) segment at the path the lake writer gives it; returns the path."""
    relative = segment_path(
        source=SOURCE_OF[vendor],
        vendor=vendor,
        device_id=device_id,
        endpoint=endpoint,
        started_at=records[0].fetched_at,
        token=token,
    )
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = b"".join(envelope(vendor, device_id, endpoint, r) for r in records)
    path.write_bytes(gzip.compress(text, mtime=0))
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
