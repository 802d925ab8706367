"""myUplink cloud API (NIBE and other brands): OAuth2, data points by parameter id.

``/v2/systems/me`` lists the account's systems and devices; ``/v2/devices/{id}/points``
gives every data point of one device. Which point is which reading field depends on
the model: :mod:`.myuplink_parameters` holds that table.

Quirks handled: -32768 (and its scaled forms) means "no sensor connected"; parameter
ids repeat within one answer; some values are strings; units come per point and are
converted (kW, kWh); the public API allows about 25 requests a minute, so requests
are spaced and HTTP 429 becomes ``RateLimitedError``; HTTP 401 or a refused token
refresh becomes ``AuthenticationError`` so the integration starts reauth, while a
rate-limited or failing token endpoint is only waited out (``token_refresh_error``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http import HTTPStatus
import logging
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from .budget import RequestBudget
from .errors import (
    AuthenticationError,
    CannotConnectError,
    InvalidResponseError,
    NotSupportedError,
    RateLimitedError,
    SourceError,
    keeping_raw,
    retry_after_seconds,
)
from .http import fetch, parse_json
from .limits import within_limits
from .models import DeviceIdentity, FetchResult, HeatPumpReading, RawAnswer
from .myuplink_parameters import (
    NAME_PATTERNS,
    PARAMETER_TABLE,
    SMART_HOME_CATEGORIES,
    Combine,
    ModelFamily,
    PointRule,
    model_family,
)
from .units import Quantity, as_identifier, as_number, to_si

_LOGGER = logging.getLogger(__name__)

VENDOR: Final = "myuplink"
ENDPOINT_SYSTEMS: Final = "systems"
ENDPOINT_DEVICE_POINTS: Final = "device_points"
DEFAULT_BASE_URL: Final = "https://api.myuplink.com"

REQUESTS_PER_MINUTE: Final = 25
"""myUplink's limit for public API clients."""
SYSTEMS_PER_PAGE: Final = 10
MAX_SYSTEM_PAGES: Final = 20

NO_SENSOR: Final = frozenset({-32768.0, -3276.8, -327.68})
"""The int16 minimum NIBE sends for an unconnected sensor, raw or already scaled."""

_BRANDS: Final = ("NIBE", "CTC", "Contura", "Cetetherm", "Enertech", "Høiax")


@dataclass(frozen=True, slots=True)
class MyUplinkDevice:
    """One device of ``/v2/systems/me``."""

    id: str
    product_name: str | None
    serial_number: str | None
    firmware: str | None
    connection_state: str | None
    system_name: str | None


@dataclass(frozen=True, slots=True)
class SystemsPage:
    """One page of ``/v2/systems/me``: its devices and the account's system count."""

    devices: tuple[MyUplinkDevice, ...]
    systems_on_page: int
    total_systems: int


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidResponseError(f"{where}: expected an object")
    return value


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_systems(payload: Any, fetched_at: datetime) -> SystemsPage:
    """Read one page of ``/v2/systems/me``; ``fetched_at`` is unused (no readings)."""
    del fetched_at
    body = _mapping(payload, ENDPOINT_SYSTEMS)
    systems = body.get("systems")
    if not isinstance(systems, list):
        raise InvalidResponseError(f"{ENDPOINT_SYSTEMS}: no list of systems")
    devices = []
    for system_entry in systems:
        system = _mapping(system_entry, ENDPOINT_SYSTEMS)
        entries = system.get("devices")
        if not isinstance(entries, list):
            raise InvalidResponseError(f"{ENDPOINT_SYSTEMS}: a system without devices list")
        for device_entry in entries:
            entry = _mapping(device_entry, ENDPOINT_SYSTEMS)
            device_id = _optional_text(entry.get("id"))
            if device_id is None:
                raise InvalidResponseError(f"{ENDPOINT_SYSTEMS}: a device without id")
            product = entry.get("product")
            product = product if isinstance(product, dict) else {}
            devices.append(
                MyUplinkDevice(
                    id=device_id,
                    product_name=_optional_text(product.get("name")),
                    serial_number=_optional_text(product.get("serialNumber")),
                    firmware=_optional_text(entry.get("currentFwVersion")),
                    connection_state=_optional_text(entry.get("connectionState")),
                    system_name=_optional_text(system.get("name")),
                )
            )
    total = body.get("numItems")
    total_systems = total if isinstance(total, int) and not isinstance(total, bool) else 0
    return SystemsPage(tuple(devices), len(systems), total_systems)


@dataclass(frozen=True, slots=True)
class _Point:
    parameter_id: str
    name: str
    unit: str
    value: float | None
    categories: tuple[str, ...]
    category: str


def _points(payload: Any) -> list[_Point]:
    if not isinstance(payload, list):
        raise InvalidResponseError(f"{ENDPOINT_DEVICE_POINTS}: expected a list of points")
    points = []
    for entry in payload:
        if not isinstance(entry, dict):
            continue
        parameter_id = as_identifier(entry.get("parameterId"))
        if parameter_id is None:
            continue
        value = as_number(entry.get("value"))
        categories = entry.get("smartHomeCategories")
        points.append(
            _Point(
                parameter_id=parameter_id,
                name=_optional_text(entry.get("parameterName")) or "",
                unit=_optional_text(entry.get("parameterUnit")) or "",
                value=None if value in NO_SENSOR else value,
                categories=tuple(c for c in categories if isinstance(c, str))
                if isinstance(categories, list)
                else (),
                category=_optional_text(entry.get("category")) or "",
            )
        )
    return points


def _si(point: _Point, quantity: Quantity) -> float | None:
    return None if point.value is None else to_si(point.value, point.unit, quantity)


def _apply_rule(rule: PointRule, by_id: Mapping[str, _Point]) -> float | None:
    values = [
        None if (point := by_id.get(pid)) is None else _si(point, rule.quantity)
        for pid in rule.parameter_ids
    ]
    if rule.combine is Combine.SUM:
        return None if None in values else sum(v for v in values if v is not None)
    return next((v for v in values if v is not None), None)


def _first_temperature(points: Iterable[_Point]) -> float | None:
    return next(
        (v for point in points if (v := _si(point, Quantity.TEMPERATURE)) is not None), None
    )


def parse_device_points(
    payload: Any, fetched_at: datetime, *, model: str | None = None
) -> HeatPumpReading:
    """Turn a ``/v2/devices/{id}/points`` answer into a reading dated ``fetched_at``.

    ``model`` is the product name from ``/v2/systems/me``; without it the family is
    read from the points' ``category``. Points report their last change, not a
    sample time, so the reading is dated when it was fetched.
    """
    points = _points(payload)
    family = model_family(model or " ".join(sorted({p.category for p in points})))
    by_id: dict[str, _Point] = {}
    for point in points:
        by_id.setdefault(point.parameter_id, point)  # ids repeat; the first one counts
    values: dict[str, Any] = {}
    for rule in PARAMETER_TABLE[family]:
        if (value := _apply_rule(rule, by_id)) is not None:
            values[rule.field] = value
    for category, field in SMART_HOME_CATEGORIES.items():
        if field not in values:
            tagged = (point for point in points if category in point.categories)
            if (value := _first_temperature(tagged)) is not None:
                values[field] = value
    if family is ModelFamily.UNKNOWN:
        for field, pattern in NAME_PATTERNS.items():
            if field not in values:
                named = (point for point in points if pattern.match(point.name))
                if (value := _first_temperature(named)) is not None:
                    values[field] = value
    return within_limits(replace(HeatPumpReading(timestamp=fetched_at), **values))


def manufacturer_of(product_name: str | None) -> str:
    """Return the brand of a myUplink product name, or ``"unknown"``."""
    name = product_name or ""
    for brand in _BRANDS:
        if name.casefold().startswith(brand.casefold()):
            return brand
    return "NIBE" if model_family(name) is not ModelFamily.UNKNOWN else "unknown"


def token_refresh_error(err: aiohttp.ClientError | TimeoutError) -> SourceError:
    """Map a failed OAuth2 token refresh: only a refused grant asks for a new login.

    Home Assistant's OAuth2 session raises ``aiohttp.ClientResponseError`` for the token
    endpoint's answer; from 2026.3 its ``OAuth2TokenRequestReauthError`` and
    ``OAuth2TokenRequestTransientError`` are subclasses of it and follow the same rule:
    429 and 5xx are transient (back off), any other 4xx (``invalid_grant``) is not.
    """
    if not isinstance(err, aiohttp.ClientResponseError):
        return CannotConnectError(f"token refresh failed: {type(err).__name__}")
    if err.status == HTTPStatus.TOO_MANY_REQUESTS:
        header = err.headers.get("Retry-After") if err.headers else None
        return RateLimitedError(
            "token refresh rate-limited: HTTP 429",
            retry_after=retry_after_seconds(header, datetime.now(UTC)),
        )
    if 400 <= err.status < 500:
        return AuthenticationError(f"token refresh refused: HTTP {err.status}")
    return CannotConnectError(f"token refresh failed: HTTP {err.status}")


class MyUplinkClient:
    """Reads one heat pump through the myUplink API with an OAuth2 access token."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: Callable[[], Awaitable[str]],
        *,
        device_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        budget: RequestBudget | None = None,
    ) -> None:
        """Use ``access_token`` for a valid token before each request.

        ``budget`` spaces the requests; share one per myUplink account. By default
        the client keeps its own, at myUplink's 25 requests a minute.
        """
        self._session = session
        self._access_token = access_token
        self._device_id = device_id
        self._base_url = base_url.rstrip("/")
        self._budget = budget or RequestBudget(min_interval=60 / REQUESTS_PER_MINUTE)
        self._device: MyUplinkDevice | None = None
        self._warned_unknown_model = False

    @property
    def model_family(self) -> ModelFamily | None:
        """The parameter-table family of the device, once identified."""
        if self._device is None:
            return None
        return model_family(self._device.product_name or "")

    async def _token(self) -> str:
        try:
            return await self._access_token()
        except (aiohttp.ClientError, TimeoutError) as err:
            raise token_refresh_error(err) from err

    async def _get(
        self, endpoint: str, path: str, params: Mapping[str, Any] | None = None
    ) -> tuple[RawAnswer, Any]:
        await self._budget.acquire()
        token = await self._token()
        raw = await fetch(
            self._session,
            endpoint,
            f"{self._base_url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en-GB"},
        )
        return raw, parse_json(raw)

    async def _identify(self) -> tuple[tuple[RawAnswer, ...], MyUplinkDevice]:
        answers: list[RawAnswer] = []
        devices: list[MyUplinkDevice] = []
        seen_systems = 0
        for page_number in range(1, MAX_SYSTEM_PAGES + 1):
            raw, payload = await self._get(
                ENDPOINT_SYSTEMS,
                "/v2/systems/me",
                {"page": page_number, "itemsPerPage": SYSTEMS_PER_PAGE},
            )
            answers.append(raw)
            with keeping_raw(raw):
                page = parse_systems(payload, raw.fetched_at)
            devices.extend(page.devices)
            seen_systems += page.systems_on_page
            if page.systems_on_page == 0 or seen_systems >= page.total_systems:
                break
        if not devices:
            raise NotSupportedError("this myUplink account has no devices", raw=answers[-1])
        if self._device_id is None:
            device = devices[0]
        else:
            matching = [d for d in devices if d.id == self._device_id]
            if not matching:
                raise NotSupportedError(
                    f"device {self._device_id} is not in this myUplink account", raw=answers[-1]
                )
            device = matching[0]
        self._device = device
        self._device_id = device.id
        if model_family(device.product_name or "") is ModelFamily.UNKNOWN:
            self._warn_unknown_model(device.product_name)
        return tuple(answers), device

    def _warn_unknown_model(self, product_name: str | None) -> None:
        if not self._warned_unknown_model:
            self._warned_unknown_model = True
            _LOGGER.warning(
                "myUplink model %r is not in the parameter table: temperatures are matched "
                "by point category and name; power and energy are not read",
                product_name,
            )

    async def async_identify(self) -> DeviceIdentity:
        """Find the device (``device_id`` or the account's first) and describe it."""
        _answers, device = await self._identify()
        return DeviceIdentity(
            unique_id=device.id,
            manufacturer=manufacturer_of(device.product_name),
            model=device.product_name,
            name=device.system_name,
            sw_version=device.firmware,
        )

    async def async_fetch(self) -> FetchResult[HeatPumpReading]:
        """Read every data point of the device.

        The first fetch identifies the device too (its model picks the parameter
        table); those answers are returned with the points for Bronze.
        """
        answers: tuple[RawAnswer, ...] = ()
        device = self._device
        if device is None:
            answers, device = await self._identify()
        raw, payload = await self._get(
            ENDPOINT_DEVICE_POINTS, f"/v2/devices/{quote(device.id, safe='')}/points"
        )
        with keeping_raw(raw):
            reading = parse_device_points(payload, raw.fetched_at, model=device.product_name)
        return FetchResult(raw=(*answers, raw), reading=reading)
