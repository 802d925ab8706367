"""SolarEdge Monitoring API (cloud): site details, overview, power flow, energy details.

Every request carries the ``api_key`` query parameter (redacted in Bronze URLs) and
counts against SolarEdge's limit of 300 requests a day per key and per site, so every
client of one key draws from one shared :class:`RequestBudget`. One ``async_fetch``
sends two requests (overview, then current power flow; the site details once, for its
time zone), so poll no more often than :data:`RECOMMENDED_POLL_INTERVAL`.

SolarEdge writes dates as ``YYYY-MM-DD hh:mm:ss`` in the site's local time without a
zone; they are read in the site's ``location.timeZone`` from ``details`` and turned
into UTC. ``docs/sources/solar.md`` describes the quirks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp

from .budget import RequestBudget
from .errors import InvalidResponseError, NotSupportedError, RateLimitedError, keeping_raw, shown
from .http import fetch, parse_json
from .limits import ENERGY, check_value, within_limits
from .models import DeviceIdentity, FetchResult, RawAnswer, SolarReading
from .units import Quantity, as_number, to_si

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://monitoringapi.solaredge.com"
DAILY_REQUEST_LIMIT = 300
"""Requests a day per API key and per site (Monitoring API documentation)."""
RECOMMENDED_POLL_INTERVAL = timedelta(minutes=15)
"""2 requests a poll every 15 min plus an hourly capture: 216 of the 300 a day."""
MAX_CAPTURE_SPAN = timedelta(days=28)
"""energyDetails answers at most one month at quarter-hour resolution."""
MANUFACTURER = "SolarEdge"
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ENERGY_METERS = "PRODUCTION,CONSUMPTION,SELFCONSUMPTION,FEEDIN,PURCHASED"
_SECRET = frozenset({"api_key"})


@dataclass(frozen=True, slots=True)
class SiteDetails:
    """What ``details`` says about a site: who it is and its time zone's name."""

    identity: DeviceIdentity
    time_zone: str | None


@dataclass(frozen=True, slots=True)
class MeterEnergy:
    """One ``energyDetails`` value: a meter's energy in the interval starting at ``start``."""

    meter: str
    """``Production``, ``Consumption``, ``SelfConsumption``, ``FeedIn`` or ``Purchased``."""
    start: datetime
    energy: float | None
    """Wh; None when SolarEdge has no value yet (the newest interval often lacks it)."""


def parse_details(payload: Any, fetched_at: datetime) -> SiteDetails:
    """Read ``/site/{id}/details``: the site id, name, type and time zone."""
    del fetched_at  # details carry no time of measurement; kept for one parse signature
    details = _object(payload, "details", "details")
    site_id = details.get("id")
    if isinstance(site_id, bool) or not isinstance(site_id, int | str) or site_id == "":
        raise InvalidResponseError(f"details: site id is {shown(site_id)}")
    location = details.get("location")
    zone = location.get("timeZone") if isinstance(location, dict) else None
    return SiteDetails(
        identity=DeviceIdentity(
            unique_id=str(site_id),
            manufacturer=MANUFACTURER,
            model=_text(details.get("type")),
            name=_text(details.get("name")),
        ),
        time_zone=_text(zone),
    )


def parse_overview(payload: Any, fetched_at: datetime, *, time_zone: tzinfo = UTC) -> SolarReading:
    """Read ``/site/{id}/overview``: lifetime PV energy (Wh) and current PV power (W).

    ``time_zone`` is the site's zone (from ``details``); ``lastUpdateTime``, the
    moment SolarEdge last heard from the site, becomes the reading's timestamp.
    """
    overview = _object(payload, "overview", "overview")
    updated = overview.get("lastUpdateTime")
    return within_limits(
        SolarReading(
            timestamp=fetched_at if updated is None else local_to_utc(updated, time_zone),
            pv_power=_number(_nested(overview, "currentPower"), "power"),
            pv_energy_total=_number(_nested(overview, "lifeTimeData"), "energy"),
        )
    )


def parse_power_flow(payload: Any, fetched_at: datetime) -> SolarReading:
    """Read ``/site/{id}/currentPowerFlow``: PV, load, grid and battery power now.

    Every ``currentPower`` is positive in the unit of ``unit`` (often kW); directions
    come from ``connections``. Raises ``NotSupportedError`` for the empty object that
    sites without a meter get.
    """
    if payload == {}:
        raise NotSupportedError("power_flow: the site has no power flow (no meter)")
    flow = _object(payload, "siteCurrentPowerFlow", "power_flow")
    unit = flow.get("unit")
    if not isinstance(unit, str) or to_si(1.0, unit, Quantity.POWER) is None:
        raise InvalidResponseError(f"power_flow: unknown unit {shown(unit)}")
    sources, sinks = _connections(flow.get("connections"))

    def power(element: str) -> float | None:
        value = _number(_nested(flow, element), "currentPower")
        # to_si accepted this unit above; rounding to mW drops float noise of kW x 1000.
        return None if value is None else round(to_si(value, unit, Quantity.POWER) or 0.0, 3)

    grid = _directed(power("GRID"), "grid" in sources, "grid" in sinks)
    storage_status = str(_nested(flow, "STORAGE").get("status", "")).lower()
    battery = _directed(
        power("STORAGE"),
        "storage" in sources or storage_status == "discharging",
        "storage" in sinks or storage_status == "charging",
    )
    return within_limits(
        SolarReading(
            timestamp=fetched_at,
            pv_power=power("PV"),
            grid_power=grid,
            load_power=power("LOAD"),
            battery_power=battery,
            battery_soc=_number(_nested(flow, "STORAGE"), "chargeLevel"),
        )
    )


def parse_energy_details(
    payload: Any, fetched_at: datetime, *, time_zone: tzinfo = UTC
) -> tuple[MeterEnergy, ...]:
    """Read ``/site/{id}/energyDetails``: Wh per meter and interval, starts in UTC."""
    del fetched_at
    details = _object(payload, "energyDetails", "energy_details")
    unit = details.get("unit", "Wh")
    if not isinstance(unit, str) or to_si(1.0, unit, Quantity.ENERGY) is None:
        raise InvalidResponseError(f"energy_details: unknown unit {shown(unit)}")
    meters = details.get("meters", [])
    if not isinstance(meters, list):
        raise InvalidResponseError("energy_details: meters is not a list")
    values: list[MeterEnergy] = []
    for meter in meters:
        if not isinstance(meter, dict) or not isinstance(meter.get("type"), str):
            raise InvalidResponseError("energy_details: a meter has no type")
        entries = meter.get("values", [])
        if not isinstance(entries, list):
            raise InvalidResponseError("energy_details: values is not a list")
        for entry in entries:
            if not isinstance(entry, dict):
                raise InvalidResponseError("energy_details: a value is not an object")
            energy = _number(entry, "value")
            values.append(
                MeterEnergy(
                    meter=meter["type"],
                    start=local_to_utc(entry.get("date"), time_zone),
                    energy=check_value(
                        None if energy is None else to_si(energy, unit, Quantity.ENERGY),
                        ENERGY,
                        "energy_details value",
                    ),
                )
            )
    return tuple(values)


def local_to_utc(value: Any, time_zone: tzinfo) -> datetime:
    """Turn SolarEdge's zone-less site-local ``YYYY-MM-DD hh:mm:ss`` into UTC.

    In the repeated hour when clocks go back the text is ambiguous; the first
    occurrence (``fold=0``) is taken, as SolarEdge gives no way to tell them apart.
    """
    try:
        local = datetime.strptime(value, LOCAL_TIME_FORMAT).replace(tzinfo=time_zone)
        # OverflowError: a local time at the edge of year 1 or 9999 has no UTC time.
        return local.astimezone(UTC)
    except (TypeError, ValueError, OverflowError) as err:
        raise InvalidResponseError(f"{shown(value)} is not a SolarEdge date and time") from err


def utc_to_local(moment: datetime, time_zone: tzinfo) -> str:
    """Write an aware datetime as SolarEdge's site-local ``YYYY-MM-DD hh:mm:ss``."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(time_zone).strftime(LOCAL_TIME_FORMAT)


class SolarEdgeClient:
    """Read one SolarEdge site through the Monitoring API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        site_id: str | int,
        *,
        budget: RequestBudget | None = None,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        """Use ``api_key`` for ``site_id``.

        Pass the key's budget from a ``BudgetRegistry`` (``per_day=DAILY_REQUEST_LIMIT``)
        so every client of the key shares the daily 300.
        """
        self._session = session
        self._api_key = api_key
        self._site_url = f"{base_url.rstrip('/')}/site/{site_id}"
        self._budget = budget or RequestBudget(per_day=DAILY_REQUEST_LIMIT)
        self._details: SiteDetails | None = None
        self._time_zone: tzinfo = UTC
        self._power_flow_supported = True

    @property
    def time_zone(self) -> tzinfo:
        """The site's time zone once ``details`` was read (UTC until then, or if unknown)."""
        return self._time_zone

    async def async_identify(self) -> DeviceIdentity:
        """Read the site details: the site id is the unique id."""
        _raw, details = await self._load_details()
        return details.identity

    async def async_fetch(self) -> FetchResult[SolarReading]:
        """Read the overview and the current power flow; the power flow's values win.

        When the daily budget runs out after the overview, the overview alone makes
        the reading: what was fetched is never dropped.
        """
        raws: list[RawAnswer] = []
        if self._details is None:
            raws.append((await self._load_details())[0])
        overview_raw = await self._request("overview", "overview")
        raws.append(overview_raw)
        time_zone = self._time_zone
        reading = self._parse(overview_raw, lambda p, t: parse_overview(p, t, time_zone=time_zone))
        if not self._power_flow_supported:
            return FetchResult(raw=tuple(raws), reading=reading)
        try:
            flow_raw = await self._request("power_flow", "currentPowerFlow")
            raws.append(flow_raw)
            flow = self._parse(flow_raw, parse_power_flow)
        except NotSupportedError as err:
            _LOGGER.debug("SolarEdge site has no power flow, not asking again: %s", err)
            self._power_flow_supported = False
            return FetchResult(raw=tuple(raws), reading=reading)
        except RateLimitedError as err:
            if err.raw is not None:
                raws.append(err.raw)
            _LOGGER.debug("SolarEdge power flow skipped: %s", err)
            return FetchResult(raw=tuple(raws), reading=reading)
        merged = SolarReading(
            timestamp=reading.timestamp,
            pv_power=flow.pv_power if flow.pv_power is not None else reading.pv_power,
            grid_power=flow.grid_power,
            load_power=flow.load_power,
            battery_power=flow.battery_power,
            battery_soc=flow.battery_soc,
            pv_energy_total=reading.pv_energy_total,
        )
        return FetchResult(raw=tuple(raws), reading=merged)

    async def async_capture(self, start: datetime, end: datetime) -> tuple[RawAnswer, ...]:
        """Fetch quarter-hour ``energyDetails`` of every meter for ``[start, end)``.

        ``start`` and ``end`` are aware datetimes, at most :data:`MAX_CAPTURE_SPAN`
        apart; they are sent in the site's local time. The answer is checked, and an
        answer that cannot be read raises ``InvalidResponseError`` carrying it.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if not start < end <= start + MAX_CAPTURE_SPAN:
            raise ValueError(f"capture span must be > 0 and <= {MAX_CAPTURE_SPAN}")
        raws: list[RawAnswer] = []
        if self._details is None:
            raws.append((await self._load_details())[0])
        time_zone = self._time_zone
        raw = await self._request(
            "energy_details",
            "energyDetails",
            {
                "startTime": utc_to_local(start, time_zone),
                "endTime": utc_to_local(end, time_zone),
                "timeUnit": "QUARTER_OF_AN_HOUR",
                "meters": ENERGY_METERS,
            },
        )
        self._parse(raw, lambda p, t: parse_energy_details(p, t, time_zone=time_zone))
        raws.append(raw)
        return tuple(raws)

    async def _load_details(self) -> tuple[RawAnswer, SiteDetails]:
        raw = await self._request("details", "details")
        details = self._parse(raw, parse_details)
        self._time_zone = await _load_time_zone(details.time_zone)
        self._details = details
        return raw, details

    async def _request(
        self, endpoint: str, path: str, params: dict[str, str] | None = None
    ) -> RawAnswer:
        await self._budget.acquire()
        return await fetch(
            self._session,
            endpoint,
            f"{self._site_url}/{path}",
            params={"api_key": self._api_key, **(params or {})},
            secret_params=_SECRET,
        )

    @staticmethod
    def _parse[T](raw: RawAnswer, parser: Callable[[Any, datetime], T]) -> T:
        with keeping_raw(raw):
            return parser(parse_json(raw), raw.fetched_at)


async def _load_time_zone(name: str | None) -> tzinfo:
    """Load a zone off the event loop (zoneinfo reads files); UTC when unknown."""
    if name is None:
        _LOGGER.warning("SolarEdge site has no time zone; reading its times as UTC")
        return UTC
    try:
        return await asyncio.get_running_loop().run_in_executor(None, ZoneInfo, name)
    except (ZoneInfoNotFoundError, ValueError):
        _LOGGER.warning("SolarEdge time zone %r is unknown; reading times as UTC", name)
        return UTC


def _object(payload: Any, key: str, endpoint: str) -> dict[str, Any]:
    value = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(value, dict):
        raise InvalidResponseError(f"{endpoint}: no {key!r} object")
    return value


def _nested(container: dict[str, Any], key: str) -> dict[str, Any]:
    """Return ``container[key]`` as an object: empty when absent (hardware not present)."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidResponseError(f"{key} is not an object")
    return value


def _number(container: dict[str, Any], key: str) -> float | None:
    value = container.get(key)
    if value is None:
        return None
    number = as_number(value)
    if number is None or isinstance(value, str):
        raise InvalidResponseError(f"{key} is {shown(value)}, not a number")
    return number


def _connections(value: Any) -> tuple[set[str], set[str]]:
    """Return the elements power flows from and to; the API mixes ``Load`` and ``LOAD``."""
    if value is None:
        return set(), set()
    if not isinstance(value, list):
        raise InvalidResponseError("power_flow: connections is not a list")
    sources: set[str] = set()
    sinks: set[str] = set()
    for connection in value:
        if not isinstance(connection, dict):
            raise InvalidResponseError("power_flow: a connection is not an object")
        origin, target = connection.get("from"), connection.get("to")
        if not isinstance(origin, str) or not isinstance(target, str):
            raise InvalidResponseError("power_flow: a connection lacks from/to")
        sources.add(origin.lower())
        sinks.add(target.lower())
    return sources, sinks


def _directed(magnitude: float | None, outward: bool, inward: bool) -> float | None:
    """Sign a magnitude: + when the element feeds the house, - when it takes power.

    Grid: + import, - export. Battery: + discharge, - charge (the models' conventions).
    Without a direction, only 0 is certain.
    """
    if magnitude is None:
        return None
    if outward and not inward:
        return magnitude
    if inward and not outward:
        return -magnitude
    return 0.0 if magnitude == 0 else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
