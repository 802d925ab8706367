"""SolarEdge Monitoring API answers for the house's site.

Shapes follow the API documentation and HA core's ``tests/components/solaredge/fixtures``;
dates are site-local without a zone, the power flow is in kW, energy in Wh.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import json
from typing import Any
from zoneinfo import ZoneInfo

from house_simulator.config import HouseConfig
from house_simulator.house import House
from house_simulator.snapshot import Snapshot, counter_at

METERS = {
    "PRODUCTION": "Production",
    "CONSUMPTION": "Consumption",
    "SELFCONSUMPTION": "SelfConsumption",
    "FEEDIN": "FeedIn",
    "PURCHASED": "Purchased",
}
TIME_UNITS = ("QUARTER_OF_AN_HOUR", "HOUR", "DAY", "WEEK", "MONTH", "YEAR")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def _dumps(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _local(t: float, config: HouseConfig) -> datetime:
    return datetime.fromtimestamp(t, ZoneInfo(config.location.timezone))


def details(config: HouseConfig) -> bytes:
    """``/site/{id}/details``."""
    ids = config.ids
    return _dumps(
        {
            "details": {
                "id": ids.solaredge_site_id,
                "name": "House simulator",
                "accountId": 311902,
                "status": "Active",
                "peakPower": round(sum(config.pv.string_kwp), 2),
                "lastUpdateTime": "2026-01-01",
                "currency": "EUR",
                "installationDate": "2024-04-15",
                "ptoDate": None,
                "notes": "",
                "type": "Optimizers & Inverters",
                "location": {
                    "country": "Germany",
                    "city": "Frankfurt am Main",
                    "address": "Simulatorweg 1",
                    "address2": "",
                    "zip": "60311",
                    "timeZone": config.location.timezone,
                    "countryCode": "DE",
                },
                "primaryModule": {
                    "manufacturerName": "Simulated Modules",
                    "modelName": "SIM-400",
                    "maximumPower": 400.0,
                },
                "uris": {
                    "DETAILS": f"/site/{ids.solaredge_site_id}/details",
                    "OVERVIEW": f"/site/{ids.solaredge_site_id}/overview",
                },
                "publicSettings": {"isPublic": False},
            }
        }
    )


def overview(house: House, snapshot: Snapshot) -> bytes:
    """``/site/{id}/overview``: lifetime, year, month, day energy (Wh) and current power (W)."""
    config = house.config
    now = _local(snapshot.t, config)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    year_start = month_start.replace(month=1)
    total = snapshot.pv_total

    def since(moment: datetime) -> float:
        return round(total - counter_at(house, "pv", moment.timestamp()), 1)

    return _dumps(
        {
            "overview": {
                "lastUpdateTime": now.strftime(DATE_FORMAT),
                "lifeTimeData": {"energy": round(total, 1), "revenue": round(total * 0.00008, 2)},
                "lastYearData": {"energy": since(year_start)},
                "lastMonthData": {"energy": since(month_start)},
                "lastDayData": {"energy": since(day_start)},
                "currentPower": {"power": round(snapshot.pv_ac, 1)},
                "measuredBy": "INVERTER",
            }
        }
    )


def current_power_flow(snapshot: Snapshot, config: HouseConfig) -> bytes:
    """``/site/{id}/currentPowerFlow``: kW, every flow positive, directions in ``connections``."""
    pv = snapshot.pv_ac / 1000.0
    load = snapshot.consumption / 1000.0
    grid = snapshot.grid / 1000.0
    battery = snapshot.battery_power / 1000.0
    connections: list[dict[str, str]] = []
    if pv > 0.0005:
        connections.append({"from": "PV", "to": "Load"})
    if grid > 0.0005:
        connections.append({"from": "GRID", "to": "Load"})
    elif grid < -0.0005:
        connections.append({"from": "LOAD", "to": "Grid"})
    flow: dict[str, Any] = {
        "updateRefreshRate": 3,
        "unit": "kW",
        "connections": connections,
        "GRID": {"status": "Active", "currentPower": round(abs(grid), 2)},
        "LOAD": {"status": "Active", "currentPower": round(load, 2)},
        "PV": {"status": "Active" if pv > 0.0005 else "Idle", "currentPower": round(pv, 2)},
    }
    if config.battery is not None:
        if battery < -0.0005:
            status = "Charging"
            connections.append({"from": "PV", "to": "Storage"})
        elif battery > 0.0005:
            status = "Discharging"
            connections.append({"from": "STORAGE", "to": "Load"})
        else:
            status = "Idle"
        flow["STORAGE"] = {
            "status": status,
            "currentPower": round(abs(battery), 2),
            "chargeLevel": round(snapshot.battery_soc),
            "critical": False,
        }
    return _dumps({"siteCurrentPowerFlow": flow})


def _floor(moment: datetime, unit: str) -> datetime:
    """Return the start of the bucket containing ``moment``."""
    match unit:
        case "QUARTER_OF_AN_HOUR":
            return moment.replace(minute=moment.minute - moment.minute % 15, second=0)
        case "HOUR":
            return moment.replace(minute=0, second=0)
        case "DAY":
            return moment.replace(hour=0, minute=0, second=0)
        case "WEEK":
            day = moment.replace(hour=0, minute=0, second=0)
            return (day.replace(tzinfo=None) - timedelta(days=day.weekday())).replace(
                tzinfo=day.tzinfo
            )
        case "MONTH":
            return moment.replace(day=1, hour=0, minute=0, second=0)
    return moment.replace(month=1, day=1, hour=0, minute=0, second=0)


def _next(bucket: datetime, unit: str) -> datetime:
    """Return the start of the next bucket, stepping in wall time (DST days have 23 or 25 h)."""
    steps = {
        "QUARTER_OF_AN_HOUR": timedelta(minutes=15),
        "HOUR": timedelta(hours=1),
        "DAY": timedelta(days=1),
        "WEEK": timedelta(days=7),
    }
    if unit in steps:
        return (bucket.replace(tzinfo=None) + steps[unit]).replace(tzinfo=bucket.tzinfo)
    if unit == "MONTH":
        carry, month = divmod(bucket.month, 12)
        return bucket.replace(year=bucket.year + carry, month=month + 1)
    return bucket.replace(year=bucket.year + 1)


def energy_details(
    house: House,
    now_s: float,
    start: datetime,
    end: datetime,
    *,
    unit: str,
    meters: list[str],
) -> bytes:
    """``/site/{id}/energyDetails``: Wh per bucket per meter; buckets after now have no value.

    ``start`` and ``end`` are site-local (aware) times.
    """
    buckets = [_floor(start.replace(microsecond=0), unit)]
    while (following := _next(buckets[-1], unit)) <= end:
        buckets.append(following)
    edges = [b.timestamp() for b in buckets] + [_next(buckets[-1], unit).timestamp()]

    def counters(t: float) -> dict[str, float]:
        t = min(t, now_s)
        pv = counter_at(house, "pv", t)
        export = counter_at(house, "grid_export", t)
        return {
            "Production": pv,
            "Consumption": counter_at(house, "load", t) + counter_at(house, "hp_electric", t),
            "SelfConsumption": pv - export,
            "FeedIn": export,
            "Purchased": counter_at(house, "grid_import", t),
        }

    at = [counters(t) for t in edges]
    chosen = [METERS[m] for m in meters] if meters else list(METERS.values())
    document_meters = []
    for name in chosen:
        values: list[dict[str, Any]] = []
        for index, bucket in enumerate(buckets):
            entry: dict[str, Any] = {"date": bucket.strftime(DATE_FORMAT)}
            if edges[index] <= now_s:
                entry["value"] = round(at[index + 1][name] - at[index][name], 1)
            values.append(entry)
        document_meters.append({"type": name, "values": values})
    return _dumps({"energyDetails": {"timeUnit": unit, "unit": "Wh", "meters": document_meters}})
