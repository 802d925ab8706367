"""Fronius Solar API v1 (local HTTP): power flow, inverter, meter and storage data.

Every ``/solar_api/v1/`` answer is an envelope ``{"Body": {"Data": ...}, "Head":
{"Status": {"Code": ...}, "Timestamp": ...}}``; errors come back as HTTP 200 with a
non-zero ``Head.Status.Code``, which :func:`check_status` turns into the documented
errors. The parse functions are pure and each returns a partial :class:`SolarReading`;
:class:`FroniusClient` merges them. ``docs/sources/solar.md`` describes the quirks.

Polling plan: Fronius wants at least 4 s between requests, so one ``async_fetch``
sends at most two: the power flow every time (it carries PV, grid, load and battery
power, the PV lifetime counter and the state of charge), then one "slow" endpoint in
turn: the meter (grid lifetime counters) and the storage (state of charge) when the
device has them, and the inverter. A slow endpoint's values are reused by the next
polls for :data:`SLOW_VALUES_MAX_AGE`, then dropped; values stamped more than
:data:`SLOW_VALUES_MAX_LEAD` after the power flow belong to another moment and are
never merged into it. Each answer, refused ones too, is returned once, for Bronze.

``async_capture`` reads the data logger's archive (5-minute values kept on the
device; SnapINverter Datamanagers only, GEN24 has none) for the scheduled Bronze
captures, at most once per :data:`ARCHIVE_MIN_INTERVAL`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
import html
import logging
from typing import Any

import aiohttp

from .budget import RequestBudget
from .errors import (
    CannotConnectError,
    DeviceAsleepError,
    InvalidResponseError,
    NotSupportedError,
    SourceError,
    keeping_raw,
    shown,
)
from .http import fetch, parse_json
from .limits import within_limits
from .models import DeviceIdentity, FetchResult, RawAnswer, SolarReading
from .units import as_number

_LOGGER = logging.getLogger(__name__)

MIN_REQUEST_INTERVAL = 4.0
"""Seconds between two requests to one device (Solar API v1 documentation)."""
SLOW_VALUES_MAX_AGE = timedelta(minutes=5)
"""How long values read from the meter, storage or inverter stand in later polls."""
SLOW_VALUES_MAX_LEAD = timedelta(minutes=1)
"""How much later than the power flow a slow answer may be stamped and still be merged:
it is read seconds after the power flow; a meter stamped days later is another moment."""
ARCHIVE_MIN_INTERVAL = 120.0
"""Seconds between two archive requests (Solar API v1 documentation)."""
MAX_ARCHIVE_SPAN = timedelta(days=16)
"""The longest range one archive request may ask for."""
ARCHIVE_CHANNELS = (
    "TimeSpanInSec",
    "EnergyReal_WAC_Sum_Produced",  # inverter: Wh produced in each interval
    "PowerReal_PAC_Sum",
    "EnergyReal_WAC_Plus_Absolute",  # meter: lifetime Wh counters
    "EnergyReal_WAC_Minus_Absolute",
)
MANUFACTURER = "Fronius"

API_PATH = "/solar_api/v1"
# Logical endpoint name -> (path, query): the names are the Bronze ``endpoint`` names.
ENDPOINTS: dict[str, tuple[str, dict[str, str]]] = {
    "powerflow": ("GetPowerFlowRealtimeData.fcgi", {}),
    "inverter": (
        "GetInverterRealtimeData.cgi",
        {"Scope": "Device", "DeviceId": "1", "DataCollection": "CommonInverterData"},
    ),
    "meter": ("GetMeterRealtimeData.cgi", {"Scope": "System"}),
    "storage": ("GetStorageRealtimeData.cgi", {"Scope": "System"}),
    "logger_info": ("GetLoggerInfo.cgi", {}),
    "inverter_info": ("GetInverterInfo.cgi", {}),
    "archive": ("GetArchiveData.cgi", {"Scope": "System"}),
}

# Head.Status.Code values (Solar API v1 documentation) other than 0 = OK.
_STATUS_ERRORS: dict[int, type[SourceError]] = {
    1: NotSupportedError,  # NotImplemented
    2: CannotConnectError,  # Uninitialized: the data logger is still starting
    3: CannotConnectError,  # Initialized
    4: CannotConnectError,  # Running
    5: CannotConnectError,  # Timeout
    6: InvalidResponseError,  # Argument Error
    7: CannotConnectError,  # LNRequestError: the logger could not ask the inverter
    8: CannotConnectError,  # LNRequestTimeout
    9: InvalidResponseError,  # LNParseError
    10: InvalidResponseError,  # ConfigIOError
    11: NotSupportedError,  # NotSupported
    12: DeviceAsleepError,  # DeviceNotAvailable: the inverter is off (night)
    # 255 is "UnknownError" in the table, but devices send it for requests they do not
    # support ("GetStorageRealtimeData request is not supported by this device.").
    255: NotSupportedError,
}

# A meter's Meter_Location_Current: 0 is the feed-in point, where Consumed/Produced are
# grid import/export. Other locations (load, sub-meters) count something else.
_METER_AT_GRID = 0


def check_status(payload: Any, endpoint: str) -> dict[str, Any]:
    """Return the ``Body`` of an envelope, or raise the error its status code means."""
    head = _mapping(payload, "Head", endpoint) if isinstance(payload, dict) else None
    if head is None:
        raise InvalidResponseError(f"{endpoint}: not a Solar API v1 envelope")
    status = _mapping(head, "Status", endpoint)
    if status is None:
        raise InvalidResponseError(f"{endpoint}: Head.Status is missing")
    code = status.get("Code")
    if isinstance(code, bool) or not isinstance(code, int):
        raise InvalidResponseError(f"{endpoint}: Head.Status.Code is {shown(code)}")
    if code != 0:
        reason = status.get("Reason") or status.get("UserMessage") or ""
        error = _STATUS_ERRORS.get(code, InvalidResponseError)
        raise error(f"{endpoint}: Fronius status {code} {reason}".rstrip())
    body = _mapping(payload, "Body", endpoint)
    if body is None:
        raise InvalidResponseError(f"{endpoint}: Body is missing")
    return body


def parse_powerflow(payload: Any, fetched_at: datetime) -> SolarReading:
    """Read ``GetPowerFlowRealtimeData``: the site's power flow and PV lifetime energy.

    Raises ``DeviceAsleepError`` when no inverter is online and the site reports no
    power at all (SnapINverters such as the IG Plus at night).
    """
    endpoint = "powerflow"
    data = _data(check_status(payload, endpoint), endpoint)
    site = _mapping(data, "Site", endpoint) or {}
    inverters = _mapping(data, "Inverters", endpoint) or {}
    pv = _number(site, "P_PV", endpoint)
    grid = _number(site, "P_Grid", endpoint)
    load = _number(site, "P_Load", endpoint)
    battery = _number(site, "P_Akku", endpoint)
    if not inverters and pv is None and grid is None and load is None and battery is None:
        raise DeviceAsleepError(f"{endpoint}: no inverter online and no power reported")
    inverter_powers = [
        _number(_as_mapping(inverter, endpoint), "P", endpoint) for inverter in inverters.values()
    ]
    if pv is None and inverter_powers and all(power == 0 for power in inverter_powers):
        # SnapINverters (Symo) send P_PV null while the inverter sleeps, and report that
        # same inverter at P = 0 W: the device says it produces nothing, so 0 W is the
        # truth. A null with an inverter at P != 0 (a hybrid feeding from its battery)
        # cannot be split into PV and battery, so it stays "not reported".
        pv = 0.0
    return within_limits(
        SolarReading(
            timestamp=_timestamp(payload, fetched_at, endpoint),
            pv_power=_not_negative(pv),
            grid_power=grid,
            # P_Load counts consumption as negative ("+ generator, - consumer").
            load_power=None if load is None else _not_negative(-load),
            battery_power=battery,
            battery_soc=_state_of_charge(inverters, endpoint),
            pv_energy_total=_number(site, "E_Total", endpoint),
        )
    )


def parse_inverter(payload: Any, fetched_at: datetime) -> SolarReading:
    """Read ``GetInverterRealtimeData`` (CommonInverterData): the inverter's lifetime energy.

    At night the inverter omits PAC, UAC, IAC and FAC; only the counters remain.
    """
    endpoint = "inverter"
    data = _data(check_status(payload, endpoint), endpoint)
    total = _mapping(data, "TOTAL_ENERGY", endpoint) or {}
    return within_limits(
        SolarReading(
            timestamp=_timestamp(payload, fetched_at, endpoint),
            pv_energy_total=_number(total, "Value", endpoint),
        )
    )


def parse_meter(payload: Any, fetched_at: datetime) -> SolarReading:
    """Read ``GetMeterRealtimeData`` (Scope=System): grid power and lifetime counters.

    Only a meter at the feed-in point counts grid import (``..._Sum_Consumed``) and
    export (``..._Sum_Produced``); raises ``NotSupportedError`` when there is none.
    """
    endpoint = "meter"
    data = _data(check_status(payload, endpoint), endpoint)
    for _meter_id, meter in sorted(data.items()):
        values = _as_mapping(meter, endpoint)
        if _number(values, "Meter_Location_Current", endpoint) == _METER_AT_GRID:
            return within_limits(
                SolarReading(
                    timestamp=_timestamp(payload, fetched_at, endpoint),
                    grid_power=_number(values, "PowerReal_P_Sum", endpoint),
                    grid_import_energy_total=_number(
                        values, "EnergyReal_WAC_Sum_Consumed", endpoint
                    ),
                    grid_export_energy_total=_number(
                        values, "EnergyReal_WAC_Sum_Produced", endpoint
                    ),
                )
            )
    raise NotSupportedError(f"{endpoint}: no meter at the grid feed-in point")


def parse_storage(payload: Any, fetched_at: datetime) -> SolarReading:
    """Read ``GetStorageRealtimeData`` (Scope=System): the battery's state of charge.

    GEN24 without a battery answers status 0 with no data: ``NotSupportedError``.
    """
    endpoint = "storage"
    data = _data(check_status(payload, endpoint), endpoint)
    if not data:
        raise NotSupportedError(f"{endpoint}: the device reports no battery")
    first = _as_mapping(data[min(data)], endpoint)
    controller = _mapping(first, "Controller", endpoint) or {}
    return within_limits(
        SolarReading(
            timestamp=_timestamp(payload, fetched_at, endpoint),
            battery_soc=_number(controller, "StateOfCharge_Relative", endpoint),
        )
    )


def parse_logger_info(payload: Any, fetched_at: datetime) -> DeviceIdentity:
    """Read ``GetLoggerInfo`` (Datamanager of SnapINverters; GEN24 answers status 11)."""
    del fetched_at  # identities carry no time; the argument keeps one parse signature
    endpoint = "logger_info"
    info = _mapping(check_status(payload, endpoint), "LoggerInfo", endpoint)
    unique_id = None if info is None else info.get("UniqueID")
    if info is None or not isinstance(unique_id, str) or not unique_id.strip():
        raise InvalidResponseError(f"{endpoint}: no UniqueID")
    return DeviceIdentity(
        unique_id=unique_id.strip(),
        manufacturer=MANUFACTURER,
        model=_text(info.get("ProductID")),
        sw_version=_text(info.get("SWVersion")),
    )


def parse_inverter_info(payload: Any, fetched_at: datetime) -> DeviceIdentity:
    """Read ``GetInverterInfo``: the first inverter's serial number and name."""
    del fetched_at
    endpoint = "inverter_info"
    data = _data(check_status(payload, endpoint), endpoint)
    for _inverter_id, inverter in sorted(data.items()):
        unique_id = _as_mapping(inverter, endpoint).get("UniqueID")
        if isinstance(unique_id, str) and unique_id.strip():
            custom_name = _text(inverter.get("CustomName"))
            return DeviceIdentity(
                unique_id=unique_id.strip(),
                manufacturer=MANUFACTURER,
                # Older data loggers send the name as HTML character references.
                name=None if custom_name is None else html.unescape(custom_name),
            )
    raise InvalidResponseError(f"{endpoint}: no inverter with a UniqueID")


@dataclass(frozen=True, slots=True)
class ArchiveValue:
    """One value of the data logger's archive."""

    device: str
    """The archive's node name, e.g. ``inverter/1`` or ``meter:16220118``."""
    channel: str
    """The channel, e.g. ``EnergyReal_WAC_Sum_Produced``."""
    time: datetime
    """Start of the node's range plus the value's offset, in UTC."""
    value: float | None
    unit: str | None


def parse_archive(payload: Any, fetched_at: datetime) -> tuple[ArchiveValue, ...]:
    """Read ``GetArchiveData``: every numeric value of every device and channel.

    Each device node has a ``Start`` time; a channel's ``Values`` are keyed by
    seconds after it. ``Values: null`` (a channel with nothing recorded) adds nothing;
    non-numeric channels (``InverterErrors`` objects) are skipped.
    """
    del fetched_at
    endpoint = "archive"
    data = _data(check_status(payload, endpoint), endpoint)
    values: list[ArchiveValue] = []
    for device, node in sorted(data.items()):
        node_map = _as_mapping(node, endpoint, device)
        start = _time(node_map.get("Start"), f"{endpoint}: {device}.Start")
        for channel, series in sorted((_mapping(node_map, "Data", endpoint) or {}).items()):
            series_map = _as_mapping(series, endpoint, channel)
            unit = _text(series_map.get("Unit"))
            if unit == "Object":
                continue
            for offset, value in (_mapping(series_map, "Values", endpoint) or {}).items():
                seconds = as_number(offset)
                if seconds is None:
                    raise InvalidResponseError(
                        f"{endpoint}: offset {shown(offset)} is not a number"
                    )
                try:
                    moment = start + timedelta(seconds=seconds)
                except OverflowError as err:
                    raise InvalidResponseError(
                        f"{endpoint}: offset {shown(offset)} too far"
                    ) from err
                number = _number({channel: value}, channel, endpoint)
                values.append(ArchiveValue(device, channel, moment, number, unit))
    return tuple(values)


_PARSERS: dict[str, Callable[[Any, datetime], SolarReading]] = {
    "powerflow": parse_powerflow,
    "inverter": parse_inverter,
    "meter": parse_meter,
    "storage": parse_storage,
}


class FroniusClient:
    """Poll one Fronius data logger or GEN24 inverter over its local Solar API v1."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        *,
        budget: RequestBudget | None = None,
    ) -> None:
        """Talk to ``host`` (``192.168.1.20`` or ``http://host:port``).

        Pass the budget of this host from a ``BudgetRegistry`` (with
        ``min_interval=MIN_REQUEST_INTERVAL``) when several clients share the device.
        """
        self._session = session
        self._base_url = (host if "://" in host else f"http://{host}").rstrip("/")
        self._budget = budget or RequestBudget(min_interval=MIN_REQUEST_INTERVAL)
        self._unsupported: set[str] = set()
        self._slow_turn = 0
        self._slow_values: dict[str, SolarReading] = {}
        # The power flow's inverters: the inverter endpoint asks for the first one, and
        # its lifetime energy stands for the site only when it is the only one.
        self._inverter_ids: list[str] = []
        self._archive_budget = RequestBudget(min_interval=ARCHIVE_MIN_INTERVAL)
        self._archive_supported = True

    async def async_identify(self) -> DeviceIdentity:
        """Say who the device is: the data logger's serial, else the first inverter's."""
        try:
            logger = await self._read("logger_info", parse_logger_info)
        except NotSupportedError:
            logger = None  # GEN24: the inverter is its own data logger
        inverter = await self._read("inverter_info", parse_inverter_info)
        if logger is None:
            return inverter
        return replace(logger, name=inverter.name)

    async def async_fetch(self) -> FetchResult[SolarReading]:
        """Read the power flow, plus one slow endpoint in turn; see the module docstring."""
        powerflow_raw = await self._request("powerflow")
        with keeping_raw(powerflow_raw):
            payload = parse_json(powerflow_raw)
            reading = parse_powerflow(payload, powerflow_raw.fetched_at)
        self._inverter_ids = sorted(payload["Body"]["Data"].get("Inverters") or {})
        raws = [powerflow_raw]
        slow = self._next_slow_endpoint(reading)
        if slow is not None:
            answer: RawAnswer | None = None
            try:
                answer = await self._request(slow)
                self._slow_values[slow] = self._parse(answer, _PARSERS[slow])
            except NotSupportedError as err:
                _LOGGER.debug("Fronius %s not supported, not asking again: %s", slow, err)
                self._unsupported.add(slow)
                self._slow_values.pop(slow, None)
                answer = answer or err.raw
            except SourceError as err:
                # The power flow alone still makes a reading; keep the answer for Bronze.
                _LOGGER.debug("Fronius %s failed: %s", slow, err)
                self._slow_values.pop(slow, None)
                answer = answer or err.raw
            if answer is not None:
                raws.append(answer)
        return FetchResult(raw=tuple(raws), reading=self._merge(reading))

    async def async_capture(self, start: datetime, end: datetime) -> tuple[RawAnswer, ...]:
        """Read the archive's 5-minute values for ``[start, end]`` (aware datetimes).

        A device without an archive (GEN24: HTTP 404 or a "not supported" status)
        answers once, for Bronze; later captures return nothing without asking.
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if not start < end <= start + MAX_ARCHIVE_SPAN:
            raise ValueError(f"capture span must be > 0 and <= {MAX_ARCHIVE_SPAN}")
        if not self._archive_supported:
            return ()
        await self._archive_budget.acquire()
        # Channel repeats, so the query is written out rather than passed as a mapping.
        query = "&".join(
            [
                "Scope=System",
                f"StartDate={_archive_time(start)}",
                f"EndDate={_archive_time(end)}",
                *(f"Channel={channel}" for channel in ARCHIVE_CHANNELS),
            ]
        )
        try:
            raw = await self._request("archive", query=query)
            self._parse(raw, parse_archive)
        except NotSupportedError as err:
            return self._archive_missing(err)
        except InvalidResponseError as err:
            if err.raw is None or err.raw.status != 404:
                raise
            return self._archive_missing(err)
        return (raw,)

    def _archive_missing(self, err: SourceError) -> tuple[RawAnswer, ...]:
        _LOGGER.debug("Fronius device has no archive, not asking again: %s", err)
        self._archive_supported = False
        return (err.raw,) if err.raw is not None else ()

    def _next_slow_endpoint(self, powerflow: SolarReading) -> str | None:
        candidates = []
        if powerflow.grid_power is not None:
            candidates.append("meter")
        if powerflow.battery_power is not None or powerflow.battery_soc is not None:
            candidates.append("storage")
        candidates.append("inverter")
        candidates = [name for name in candidates if name not in self._unsupported]
        if not candidates:
            return None
        chosen = candidates[self._slow_turn % len(candidates)]
        self._slow_turn += 1
        return chosen

    def _merge(self, reading: SolarReading) -> SolarReading:
        """Fill what the power flow lacks from recent slow answers; the power flow wins."""
        oldest = reading.timestamp - SLOW_VALUES_MAX_AGE
        newest = reading.timestamp + SLOW_VALUES_MAX_LEAD
        filled: dict[str, Any] = {}
        sources = ["meter", "storage"] + (["inverter"] if len(self._inverter_ids) == 1 else [])
        for name in sources:
            slow = self._slow_values.get(name)
            if slow is None or not oldest <= slow.timestamp <= newest:
                continue
            for item in fields(SolarReading):
                value = getattr(slow, item.name)
                if value is not None and getattr(reading, item.name) is None:
                    filled.setdefault(item.name, value)
        return replace(reading, **filled)

    async def _read[T](self, endpoint: str, parser: Callable[[Any, datetime], T]) -> T:
        return self._parse(await self._request(endpoint), parser)

    async def _request(self, endpoint: str, *, query: str | None = None) -> RawAnswer:
        path, params = ENDPOINTS[endpoint]
        if endpoint == "inverter" and self._inverter_ids:
            params = params | {"DeviceId": self._inverter_ids[0]}
        url = f"{self._base_url}{API_PATH}/{path}"
        await self._budget.acquire()
        try:
            if query is not None:
                return await fetch(self._session, endpoint, f"{url}?{query}")
            return await fetch(self._session, endpoint, url, params=params or None)
        except InvalidResponseError as err:
            if err.raw is not None and err.raw.status == 404:
                # GEN24 with firmware 1.14.1+ ships with the Solar API switched off.
                raise InvalidResponseError(
                    f"{endpoint}: HTTP 404; is the Solar API enabled on the inverter "
                    "(web UI: Communication > Solar API)?",
                    raw=err.raw,
                ) from err
            raise

    @staticmethod
    def _parse[T](raw: RawAnswer, parser: Callable[[Any, datetime], T]) -> T:
        with keeping_raw(raw):
            return parser(parse_json(raw), raw.fetched_at)


def _mapping(container: Mapping[str, Any], key: str, endpoint: str) -> dict[str, Any] | None:
    value = container.get(key)
    if value is None:
        return None
    return _as_mapping(value, endpoint, key)


def _as_mapping(value: Any, endpoint: str, what: str = "value") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidResponseError(f"{endpoint}: {what} is not an object")
    return value


def _data(body: dict[str, Any], endpoint: str) -> dict[str, Any]:
    data = _mapping(body, "Data", endpoint)
    if data is None:
        raise InvalidResponseError(f"{endpoint}: Body.Data is missing")
    return data


def _number(container: Mapping[str, Any], key: str, endpoint: str) -> float | None:
    """Read a number field: None when absent or null, an error when not a number."""
    value = container.get(key)
    if value is None:
        return None
    number = as_number(value)
    if number is None or isinstance(value, str):
        raise InvalidResponseError(f"{endpoint}: {key} is {shown(value)}, not a number")
    return number


def _not_negative(value: float | None) -> float | None:
    # PV and load powers are never negative in the readings; inverters report small
    # negative values while they wake up. The raw answer keeps the exact number.
    return None if value is None else max(value, 0.0)


def _state_of_charge(inverters: dict[str, Any], endpoint: str) -> float | None:
    """Return the first inverter's battery SOC, unless its battery is ``disabled``.

    GEN24 without a battery reports ``SOC: 0.0`` with ``Battery_Mode: "disabled"``
    (fixed in firmware 1.17); that 0 is not a measurement.
    """
    for _inverter_id, inverter in sorted(inverters.items()):
        values = _as_mapping(inverter, endpoint)
        soc = _number(values, "SOC", endpoint)
        if soc is not None and values.get("Battery_Mode") != "disabled":
            return soc
    return None


def _timestamp(payload: dict[str, Any], fetched_at: datetime, endpoint: str) -> datetime:
    """``Head.Timestamp`` in UTC; the fetch time when absent."""
    value = payload["Head"].get("Timestamp")
    if value is None:
        return fetched_at
    return _time(value, f"{endpoint}: Head.Timestamp")


def _time(value: Any, what: str) -> datetime:
    """Read an RFC 3339 time with offset (GEN24 always sends UTC) as UTC."""
    try:
        stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
        if stamp is not None and stamp.tzinfo is not None:
            return stamp.astimezone(UTC)
    except (ValueError, OverflowError):
        pass  # OverflowError: year 1 or 9999 with an offset has no UTC time
    raise InvalidResponseError(f"{what} {shown(value)} is not RFC 3339")


def _archive_time(moment: datetime) -> str:
    """Write a time as the archive request wants it: ISO 8601 in UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
