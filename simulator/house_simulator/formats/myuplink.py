"""myUplink API answers of a NIBE VVM 320 with energy logging.

Point shapes follow HA core's ``tests/components/myuplink/fixtures``; the parameter ids
are NIBE's Modbus registers for the F-series/VVM family (BT1 40004, BT2 40008, BT3
40012, BF1 40072, compressor input power 43141, compressor energy 43144, heat meter
44306 hot water + 44308 heating).
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any

from house_simulator.config import HouseConfig
from house_simulator.snapshot import Snapshot

CATEGORY = "NIBE VVM 320 E"
PRODUCT_NAME = "VVM 320 E"


def _time(t: float) -> str:
    return datetime.fromtimestamp(int(t), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def systems(config: HouseConfig) -> bytes:
    """``/v2/systems/me``."""
    ids = config.ids
    return json.dumps(
        {
            "page": 1,
            "itemsPerPage": 10,
            "numItems": 1,
            "systems": [
                {
                    "systemId": ids.myuplink_system_id,
                    "name": "House simulator",
                    "securityLevel": "admin",
                    "hasAlarm": False,
                    "country": "Germany",
                    "devices": [
                        {
                            "id": ids.myuplink_device_id,
                            "connectionState": "Connected",
                            "currentFwVersion": "9697R4",
                            "product": {"serialNumber": "06530123456789", "name": PRODUCT_NAME},
                        }
                    ],
                }
            ],
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def _point(
    parameter_id: str,
    name: str,
    unit: str,
    value: float,
    *,
    scale: str,
    t: float,
    tags: list[str],
) -> dict[str, Any]:
    number: float | int = int(value) if scale == "1" else value
    return {
        "category": CATEGORY,
        "parameterId": parameter_id,
        "parameterName": name,
        "parameterUnit": unit,
        "writable": False,
        "timestamp": _time(t),
        "value": number,
        "strVal": f"{number}{unit}",
        "smartHomeCategories": tags,
        "minValue": None,
        "maxValue": None,
        "stepValue": 1,
        "enumValues": [],
        "scaleValue": scale,
        "zoneId": None,
    }


def device_points(snapshot: Snapshot, parameters: set[str] | None = None) -> bytes:
    """``/v2/devices/{id}/points`` (optionally only the ``parameters`` ids)."""
    t = snapshot.t
    # The pump's heat meter counts heating and hot water apart; this house only heats.
    points = [
        _point(
            "40004",
            "Current outd temp (BT1)",
            "°C",
            round(snapshot.outside_temperature, 1),
            scale="0.1",
            t=t,
            tags=["sh-outdoorTemp"],
        ),
        _point(
            "40008",
            "Supply line (BT2)",
            "°C",
            round(snapshot.flow_temperature, 1),
            scale="0.1",
            t=t,
            tags=["sh-supplyTemp"],
        ),
        _point(
            "40012",
            "Return line (BT3)",
            "°C",
            round(snapshot.return_temperature, 1),
            scale="0.1",
            t=t,
            tags=["sh-returnTemp"],
        ),
        _point(
            "40072", "Flow (BF1)", "l/m", round(snapshot.flow_rate, 1), scale="0.1", t=t, tags=[]
        ),
        _point("43084", "Int. el.add. Power", "kW", 0.0, scale="0.01", t=t, tags=[]),
        _point(
            "43141", "compr. in power", "W", round(snapshot.hp_electric), scale="1", t=t, tags=[]
        ),
        _point(
            "43144",
            "Compr. energy total",
            "kWh",
            round(snapshot.hp_electric_total / 1000.0, 2),
            scale="0.01",
            t=t,
            tags=[],
        ),
        _point("44306", "hotwater, compr. only.", "kWh", 0.0, scale="0.1", t=t, tags=[]),
        _point(
            "44308",
            "heating, compr. only.",
            "kWh",
            round(snapshot.hp_heat_total / 1000.0, 1),
            scale="0.1",
            t=t,
            tags=[],
        ),
        _point("40047", "Supply line (BT61)", "°C", -32768, scale="0.1", t=t, tags=[]),
    ]
    if parameters:
        points = [p for p in points if p["parameterId"] in parameters]
    return json.dumps(points, separators=(",", ":"), ensure_ascii=False).encode()


def error(status: int, title: str) -> bytes:
    """MyUplink's problem body for errors."""
    return json.dumps({"type": "about:blank", "title": title, "status": status}).encode()
