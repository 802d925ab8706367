"""emoncms feed API, as written by OpenEnergyMonitor's emonHP heat-pump monitors.

One ``feed/list.json`` request per poll carries every feed's latest value and time.
The emonHP standard feed names (:data:`EMONHP_FEEDS`) map feeds to reading fields, or
the user names the feed ids. ``feed/data.json`` gives the history for the daily
Bronze capture. Works against a local emoncms server and against emoncms.org.

Quirks handled: ``id``, ``time`` and ``value`` come as strings on some versions; a
feed that was never written has ``time`` and ``value`` null; errors arrive as
``{"success": false, "message": ...}`` inside HTTP 200; a feed whose time is far
behind (sensor dead, monitor offline) must not show its last, old value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
import logging
import math
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp

from .errors import (
    AuthenticationError,
    DeviceAsleepError,
    InvalidResponseError,
    NotSupportedError,
    SourceError,
    keeping_raw,
    shown,
)
from .http import fetch, parse_json
from .limits import within_limits
from .models import DeviceIdentity, FetchResult, HeatPumpReading, RawAnswer
from .units import Quantity, as_identifier, as_number, to_si

_LOGGER = logging.getLogger(__name__)

VENDOR: Final = "emoncms"
ENDPOINT_FEED_LIST: Final = "feed_list"
ENDPOINT_FEED_DATA: Final = "feed_data"
EMONCMS_ORG: Final = "https://emoncms.org"

DEFAULT_STALE_AFTER: Final = timedelta(hours=1)
"""A feed not updated for this long is reported as None (emonHP posts every 10 s;
the My Heatpump app also stops calling data live after an hour)."""

CAPTURE_MAX_POINTS: Final = 800
"""Older emoncms servers refuse more than 800 points per ``feed/data.json`` answer."""
_CAPTURE_INTERVALS: Final = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)

_SECRET_PARAMS: Final = frozenset({"apikey"})
# A feed time above this is in milliseconds (1e11 s is the year 5138).
_MILLISECONDS_ABOVE: Final = 1e11
# Words of emoncms' own messages for a refused key or a missing login.
_AUTH_HINTS: Final = (
    "apikey",
    "api key",
    "authenticat",
    "username or password",
    "not logged",
    "permission",
    "unauthori",
)


@dataclass(frozen=True, slots=True)
class FeedRole:
    """What an emonHP feed means: the reading field, its quantity and assumed unit."""

    field: str
    """The :class:`HeatPumpReading` field the feed fills."""
    quantity: Quantity
    default_unit: str | None
    """The unit emonHP writes when the feed's own ``unit`` is empty; None: do not guess."""


EMONHP_FEEDS: Final[Mapping[str, FeedRole]] = {
    "heatpump_elec": FeedRole("electric_power", Quantity.POWER, "W"),
    "heatpump_heat": FeedRole("heat_power", Quantity.POWER, "W"),
    "heatpump_elec_kwh": FeedRole("electric_energy_total", Quantity.ENERGY, "kWh"),
    "heatpump_heat_kwh": FeedRole("heat_energy_total", Quantity.ENERGY, "kWh"),
    "heatpump_flowT": FeedRole("flow_temperature", Quantity.TEMPERATURE, "°C"),
    "heatpump_returnT": FeedRole("return_temperature", Quantity.TEMPERATURE, "°C"),
    "heatpump_outsideT": FeedRole("outside_temperature", Quantity.TEMPERATURE, "°C"),
    # Heat meters report m³/h, flow sensors L/min: only the feed's unit can tell.
    "heatpump_flowrate": FeedRole("flow_rate", Quantity.FLOW_RATE, None),
}
"""The emonHP / My Heatpump app feed names (emoncms/app ``myheatpump.js``) by role."""


@dataclass(frozen=True, slots=True)
class Feed:
    """One entry of ``feed/list.json``, with emoncms' string numbers cast."""

    id: str
    name: str
    tag: str
    unit: str
    userid: str | None
    time: datetime | None
    value: float | None


def _unix_time(value: Any) -> datetime | None:
    seconds = as_number(value)
    if seconds is None:
        return None
    if abs(seconds) > _MILLISECONDS_ABOVE:
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _text(value: Any) -> str | None:
    """Return a JSON string, or a JSON integer emoncms sent instead of a numeric string."""
    if isinstance(value, str):
        return value
    return as_identifier(value)


def raise_for_body_error(payload: Any, endpoint: str) -> None:
    """Raise the documented error for emoncms' ``{"success": false, ...}`` answers."""
    if not isinstance(payload, dict) or payload.get("success") is not False:
        return
    message = payload.get("message", "no message")
    if not isinstance(message, str):
        message = shown(message)
    if any(hint in message.lower() for hint in _AUTH_HINTS):
        raise AuthenticationError(f"{endpoint}: {message}")
    raise InvalidResponseError(f"{endpoint}: {message}")


def parse_feeds(payload: Any) -> tuple[Feed, ...]:
    """Read the entries of a ``feed/list.json`` answer; skip entries without id or name."""
    raise_for_body_error(payload, ENDPOINT_FEED_LIST)
    if not isinstance(payload, list):
        raise InvalidResponseError(f"{ENDPOINT_FEED_LIST}: expected a list of feeds")
    feeds = []
    for entry in payload:
        if not isinstance(entry, dict):
            continue
        feed_id, name = _text(entry.get("id")), _text(entry.get("name"))
        if feed_id is None or name is None:
            continue
        feeds.append(
            Feed(
                id=feed_id,
                name=name,
                tag=_text(entry.get("tag")) or "",
                unit=_text(entry.get("unit")) or "",
                userid=_text(entry.get("userid")),
                time=_unix_time(entry.get("time")),
                value=as_number(entry.get("value")),
            )
        )
    return tuple(feeds)


def resolve_roles(
    feeds: tuple[Feed, ...], feed_ids: Mapping[str, str | int] | None = None
) -> dict[str, Feed]:
    """Pick the feed of each role: the given ids, or else the emonHP standard names.

    With several feeds of one standard name (two monitors on one account), the lowest
    id wins; name the ids to choose.
    """
    if feed_ids is not None:
        by_id = {feed.id: feed for feed in feeds}
        roles = {}
        for role, feed_id in feed_ids.items():
            feed = by_id.get(str(feed_id))
            if feed is None:
                raise NotSupportedError(f"feed {feed_id} ({role}) is not in the feed list")
            roles[role] = feed
        return roles
    by_name: dict[str, Feed] = {}
    for feed in sorted(feeds, key=lambda f: (len(f.id), f.id)):
        if feed.name in EMONHP_FEEDS:
            by_name.setdefault(feed.name, feed)
    return by_name


def heatpump_roles(
    feeds: tuple[Feed, ...], feed_ids: Mapping[str, str | int] | None = None
) -> dict[str, Feed]:
    """Like :func:`resolve_roles`, but raise ``NotSupportedError`` when none is found."""
    roles = resolve_roles(feeds, feed_ids)
    if not roles:
        raise NotSupportedError(
            "no emonHP feeds (heatpump_elec, heatpump_flowT, ...) in the feed list; "
            "name the feed ids instead"
        )
    return roles


def _feed_value(feed: Feed, role: FeedRole) -> float | None:
    if feed.value is None:
        return None
    unit = feed.unit or role.default_unit
    value = None if unit is None else to_si(feed.value, unit, role.quantity)
    if value is not None and role.field == "heat_power":
        # During a defrost the heat meter sees heat flow back and reports it negative;
        # the reading's heat power is never negative, and the heat counter keeps the net.
        return max(value, 0.0)
    return value


def parse_feed_list(
    payload: Any,
    fetched_at: datetime,
    *,
    feed_ids: Mapping[str, str | int] | None = None,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
) -> HeatPumpReading:
    """Turn a ``feed/list.json`` answer into a reading.

    A feed last updated more than ``stale_after`` before ``fetched_at`` gives None.
    The reading's timestamp is the newest time among the feeds used. Raises
    ``NotSupportedError`` when no heat-pump feed is found and ``DeviceAsleepError``
    when no feed has a fresh value (the monitor is offline).
    """
    roles = heatpump_roles(parse_feeds(payload), feed_ids)
    values: dict[str, Any] = {}
    times: list[datetime] = []
    for role_name, feed in roles.items():
        if feed.time is None or fetched_at - feed.time > stale_after:
            continue
        value = _feed_value(feed, EMONHP_FEEDS[role_name])
        if value is not None:
            values[EMONHP_FEEDS[role_name].field] = value
            times.append(feed.time)
    if not times:
        raise DeviceAsleepError(f"no heat-pump feed updated in the last {stale_after}")
    # A server clock ahead of ours must not date a reading after we read it.
    timestamp = min(max(times), fetched_at)
    return within_limits(replace(HeatPumpReading(timestamp=timestamp), **values))


def parse_feed_data(
    payload: Any, fetched_at: datetime
) -> tuple[tuple[datetime, float | None], ...]:
    """Read a ``feed/data.json`` answer: ``[[time, value], ...]``, value None when missing.

    ``fetched_at`` is unused: history carries its own times; the parameter keeps the
    signature every parse function shares.
    """
    del fetched_at
    raise_for_body_error(payload, ENDPOINT_FEED_DATA)
    if not isinstance(payload, list):
        raise InvalidResponseError(f"{ENDPOINT_FEED_DATA}: expected a list of [time, value]")
    points = []
    for entry in payload:
        if not isinstance(entry, list) or len(entry) != 2:
            raise InvalidResponseError(f"{ENDPOINT_FEED_DATA}: {shown(entry)} is not [time, value]")
        when = _unix_time(entry[0])
        if when is None:
            raise InvalidResponseError(f"{ENDPOINT_FEED_DATA}: {shown(entry[0])} is not a time")
        points.append((when, as_number(entry[1])))
    return tuple(points)


def capture_interval(start: datetime, end: datetime) -> int:
    """Return the finest standard interval that keeps a capture within the point cap."""
    span = (end - start).total_seconds()
    for interval in _CAPTURE_INTERVALS:
        if span / interval <= CAPTURE_MAX_POINTS:
            return interval
    return _CAPTURE_INTERVALS[-1]


class EmoncmsClient:
    """Reads an emonHP heat-pump monitor from emoncms with a read API key."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        api_key: str,
        *,
        feed_ids: Mapping[str, str | int] | None = None,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
    ) -> None:
        """Talk to the emoncms at ``base_url``; ``feed_ids`` maps emonHP names to ids.

        Raises ``ValueError`` for a ``feed_ids`` key that is not an emonHP feed name.
        """
        if feed_ids is not None and (unknown := set(feed_ids) - set(EMONHP_FEEDS)):
            raise ValueError(f"unknown feed roles {sorted(unknown)}; use {sorted(EMONHP_FEEDS)}")
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._feed_ids: dict[str, str | int] | None = None if feed_ids is None else dict(feed_ids)
        self._stale_after = stale_after

    async def _get(
        self, endpoint: str, path: str, params: Mapping[str, Any] | None = None
    ) -> tuple[RawAnswer, Any]:
        raw = await fetch(
            self._session,
            endpoint,
            f"{self._base_url}/{path}",
            params={**(params or {}), "apikey": self._api_key},
            secret_params=_SECRET_PARAMS,
        )
        return raw, parse_json(raw)

    async def _feed_list(self) -> tuple[RawAnswer, dict[str, Feed], dict[str, str | int]]:
        raw, payload = await self._get(ENDPOINT_FEED_LIST, "feed/list.json")
        with keeping_raw(raw):
            roles = heatpump_roles(parse_feeds(payload), self._feed_ids)
        # Keep the ids found now, so renaming a feed later does not move a role.
        feed_ids: dict[str, str | int] = {role: feed.id for role, feed in roles.items()}
        self._feed_ids = feed_ids
        return raw, roles, feed_ids

    async def async_identify(self) -> DeviceIdentity:
        """Read the feed list, find the heat-pump feeds and say whose account it is."""
        _raw, roles, _ids = await self._feed_list()
        host = urlsplit(self._base_url).netloc.lower() or self._base_url
        userid = next((feed.userid for feed in roles.values() if feed.userid), "0")
        complete = {"heatpump_elec_kwh", "heatpump_heat_kwh"} <= roles.keys()
        return DeviceIdentity(
            unique_id=f"{host}-user{userid}",
            manufacturer="OpenEnergyMonitor",
            model="emonHP" if complete else "emoncms heat-pump feeds",
            name=f"Heat pump ({host})",
        )

    async def async_fetch(self) -> FetchResult[HeatPumpReading]:
        """One ``feed/list.json`` request: the latest value of every heat-pump feed."""
        raw, payload = await self._get(ENDPOINT_FEED_LIST, "feed/list.json")
        with keeping_raw(raw):
            reading = parse_feed_list(
                payload, raw.fetched_at, feed_ids=self._feed_ids, stale_after=self._stale_after
            )
        return FetchResult(raw=(raw,), reading=reading)

    async def async_capture(self, start: datetime, end: datetime) -> tuple[RawAnswer, ...]:
        """History of every heat-pump feed from ``start`` to ``end``, for Bronze.

        One ``feed/data.json`` request per feed (every emoncms version answers it),
        preceded by the feed list when the feeds are not known yet. A feed whose
        answer fails (a deleted feed, a server error) is logged and its answer, if
        any, still returned, so one bad feed loses none of the others; only when
        every feed fails is the first error raised. ``AuthenticationError`` is raised
        at once. Raises ``ValueError`` for naive or reversed times.
        """
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            raise ValueError("capture needs timezone-aware start < end")
        answers: list[RawAnswer] = []
        feed_ids = self._feed_ids
        if feed_ids is None:
            raw_list, _roles, feed_ids = await self._feed_list()
            answers.append(raw_list)
        interval = capture_interval(start, end)
        failures: list[SourceError] = []
        for role, feed_id in sorted(feed_ids.items()):
            try:
                answers.append(await self._feed_data(role, feed_id, start, end, interval))
            except AuthenticationError:
                raise
            except SourceError as err:
                _LOGGER.warning("emoncms capture of %s (feed %s) failed: %s", role, feed_id, err)
                failures.append(err)
                if err.raw is not None:
                    answers.append(err.raw)
        if failures and len(failures) == len(feed_ids):
            raise failures[0]
        return tuple(answers)

    async def _feed_data(
        self, role: str, feed_id: str | int, start: datetime, end: datetime, interval: int
    ) -> RawAnswer:
        # Counters are sampled, not averaged: an average of a counter is no reading.
        average = 0 if EMONHP_FEEDS[role].quantity is Quantity.ENERGY else 1
        raw, payload = await self._get(
            ENDPOINT_FEED_DATA,
            "feed/data.json",
            {
                "id": feed_id,
                # Milliseconds: what older servers expect; newer ones detect them.
                "start": math.floor(start.timestamp() * 1000),
                "end": math.ceil(end.timestamp() * 1000),
                "interval": interval,
                "average": average,
                "skipmissing": 0,
                "limitinterval": 0,
                "timeformat": "unixms",
            },
        )
        with keeping_raw(raw):
            parse_feed_data(payload, raw.fetched_at)
        return raw
