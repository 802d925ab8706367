"""The one table of supported sources, and how to build a client for each.

Every fact about a vendor that the integration needs (its kind, whether it is a
cloud service, its polling terms, which setting is its credential) lives in
:data:`SOURCES`; the config flow, the coordinators, diagnostics and the docs read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import aiohttp

from .api import SourceClient
from .api.budget import BudgetRegistry, RequestBudget
from .api.emoncms import EmoncmsClient
from .api.fronius import FroniusClient
from .api.metno import MetNorwayClient
from .api.models import SourceKind
from .api.myuplink import MyUplinkClient
from .api.openmeteo import OpenMeteoClient
from .api.openweathermap import OpenWeatherMapClient
from .api.solaredge import SolarEdgeClient
from .const import CONF_BASE_URL, CONF_SITE_ID

FRONIUS: Final = "fronius"
SOLAREDGE: Final = "solaredge"
EMONCMS: Final = "emoncms"
MYUPLINK: Final = "myuplink"
OPENMETEO: Final = "openmeteo"
OWM: Final = "owm"
METNO: Final = "metno"

CONF_HOST: Final = "host"
CONF_URL: Final = "url"
CONF_API_KEY: Final = "api_key"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What the integration knows about one vendor's API."""

    vendor: str
    kind: SourceKind
    manufacturer: str
    cloud: bool
    default_interval: timedelta
    """The live poll interval we start with, inside the API's terms."""
    min_interval: timedelta
    """The shortest interval the options flow accepts."""
    secret: str | None = None
    """The data key of the credential the user types (reauth asks for it again)."""
    daily_quota: int | None = None
    """Requests a day the API allows per key, shared by polls, captures and the flow."""
    min_spacing: float = 0.0
    """Seconds the API wants between two requests."""
    capture_every: timedelta | None = None
    """How often the scheduled Bronze capture runs, for clients that have one."""
    oauth: bool = False
    """Logs in through application credentials (OAuth2) instead of a typed secret."""

    @property
    def has_credentials(self) -> bool:
        """Whether the user can renew something when the source refuses access."""
        return self.secret is not None or self.oauth


SOURCES: Final[dict[str, SourceSpec]] = {
    spec.vendor: spec
    for spec in (
        # Fronius asks for at least 4 s between requests to one Datamanager.
        SourceSpec(
            FRONIUS,
            SourceKind.SOLAR,
            "Fronius",
            cloud=False,
            default_interval=timedelta(seconds=10),
            min_interval=timedelta(seconds=5),
            min_spacing=4.0,
            capture_every=timedelta(hours=1),
        ),
        # 300 requests a day per key and site: a poll costs two, so every 15 min is 192
        # a day, which leaves room for the hourly captures (24) and restarts.
        SourceSpec(
            SOLAREDGE,
            SourceKind.SOLAR,
            "SolarEdge",
            cloud=True,
            default_interval=timedelta(minutes=15),
            min_interval=timedelta(minutes=15),
            secret=CONF_API_KEY,
            daily_quota=300,
            capture_every=timedelta(hours=1),
        ),
        # emonHP posts every 10 s; 30 s is plenty for live sensors.
        SourceSpec(
            EMONCMS,
            SourceKind.HEATPUMP,
            "OpenEnergyMonitor",
            cloud=False,
            default_interval=timedelta(seconds=30),
            min_interval=timedelta(seconds=10),
            secret=CONF_API_KEY,
            capture_every=timedelta(days=1),
        ),
        SourceSpec(
            MYUPLINK,
            SourceKind.HEATPUMP,
            "myUplink",
            cloud=True,
            default_interval=timedelta(minutes=1),
            min_interval=timedelta(seconds=30),
            capture_every=timedelta(days=1),
            oauth=True,
        ),
        # Open-Meteo's models update hourly at best; 15 min keeps "current" fresh.
        SourceSpec(
            OPENMETEO,
            SourceKind.WEATHER,
            "Open-Meteo",
            cloud=True,
            default_interval=timedelta(minutes=15),
            min_interval=timedelta(minutes=10),
            capture_every=timedelta(days=1),
        ),
        # OWM refreshes its data every 10 min; the free One Call plan is 1000 calls a day.
        SourceSpec(
            OWM,
            SourceKind.WEATHER,
            "OpenWeather",
            cloud=True,
            default_interval=timedelta(minutes=10),
            min_interval=timedelta(minutes=5),
            secret=CONF_API_KEY,
            daily_quota=1000,
            capture_every=timedelta(days=1),
        ),
        # MET Norway: never before the answer's Expires; the coordinator waits for it.
        SourceSpec(
            METNO,
            SourceKind.WEATHER,
            "MET Norway",
            cloud=True,
            default_interval=timedelta(minutes=30),
            min_interval=timedelta(minutes=10),
            capture_every=timedelta(days=1),
        ),
    )
}

SOLAR_VENDORS: Final = tuple(v for v, s in SOURCES.items() if s.kind is SourceKind.SOLAR)
HEATPUMP_VENDORS: Final = tuple(v for v, s in SOURCES.items() if s.kind is SourceKind.HEATPUMP)
WEATHER_VENDORS: Final = tuple(v for v, s in SOURCES.items() if s.kind is SourceKind.WEATHER)

type TokenGetter = Callable[[], Awaitable[str]]


def budget_for(budgets: BudgetRegistry, vendor: str, key: str) -> RequestBudget | None:
    """Return the shared budget of ``key`` on ``vendor``, or None when the API sets none."""
    spec = SOURCES[vendor]
    if spec.daily_quota is None and not spec.min_spacing:
        return None
    return budgets.get(vendor, key, per_day=spec.daily_quota, min_interval=spec.min_spacing)


def budget_key(vendor: str, conf: Mapping[str, Any]) -> str:
    """Return what a vendor's budget is shared by: the key and site, or the host."""
    if vendor == FRONIUS:
        return str(conf[CONF_HOST])
    if vendor == SOLAREDGE:
        return f"{conf[CONF_API_KEY]}/{conf[CONF_SITE_ID]}"
    return str(conf.get(CONF_API_KEY, ""))


def build_client(
    vendor: str,
    conf: Mapping[str, Any],
    *,
    session: aiohttp.ClientSession,
    budgets: BudgetRegistry,
    latitude: float,
    longitude: float,
    user_agent: str,
    token: TokenGetter | None = None,
) -> SourceClient[Any]:
    """Build the client of ``vendor`` from its settings in the config entry."""
    if vendor not in SOURCES:
        raise ValueError(f"unknown source vendor {vendor!r}")
    budget = budget_for(budgets, vendor, budget_key(vendor, conf))
    base: dict[str, Any] = {}
    if conf.get(CONF_BASE_URL):
        base["base_url"] = conf[CONF_BASE_URL]
    if vendor == FRONIUS:
        return FroniusClient(session, conf[CONF_HOST], budget=budget)
    if vendor == SOLAREDGE:
        return SolarEdgeClient(
            session, conf[CONF_API_KEY], conf[CONF_SITE_ID], budget=budget, **base
        )
    if vendor == EMONCMS:
        return EmoncmsClient(session, conf[CONF_URL], conf[CONF_API_KEY])
    if vendor == MYUPLINK:
        if token is None:
            raise ValueError("myUplink needs an OAuth2 token getter")
        return MyUplinkClient(session, token, device_id=conf.get("device_id"), **base)
    if vendor == OPENMETEO:
        return OpenMeteoClient(session, latitude, longitude, **base)
    if vendor == OWM:
        return OpenWeatherMapClient(
            session, conf[CONF_API_KEY], latitude, longitude, budget=budget, **base
        )
    # The one vendor left in SOURCES.
    return MetNorwayClient(session, latitude, longitude, user_agent=user_agent, **base)
