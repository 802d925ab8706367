"""Home Energy Lake: solar, heat-pump and weather readings, kept forever in a data lake."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_LATITUDE,
    CONF_LONGITUDE,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_entry_oauth2_flow, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_utc_time_change
from homeassistant.loader import async_get_integration

from .api.budget import BudgetRegistry
from .const import (
    CONF_DEVICE_ID,
    CONF_LAKE,
    CONF_SOURCES,
    DEFAULT_SEGMENT_MAX_AGE_MIN,
    DEFAULT_SPOOL_MAX_MB,
    DOMAIN,
    OPT_SEGMENT_MAX_AGE_MIN,
    OPT_SPOOL_MAX_MB,
    interval_option,
)
from .coordinator import SourceCoordinator
from .entity import source_device_key
from .lake.backend import BackendError
from .lake.writer import BronzeWriter
from .repairs import LakeIssueTracker
from .sources import MYUPLINK, SOURCES, TokenGetter, budget_for, budget_key, build_client
from .store import build_backend, entry_title

PLATFORMS = [Platform.SENSOR]


@dataclass
class HomeEnergyLakeData:
    """What a loaded config entry holds at run time."""

    writer: BronzeWriter
    coordinators: dict[str, SourceCoordinator[Any]]
    """By vendor, in the order the sources were configured."""
    issues: LakeIssueTracker
    store: str
    """Where the lake is, without secrets."""
    captures: dict[str, datetime] = field(default_factory=dict)
    """When each vendor's last scheduled capture ran (UTC)."""


type HomeEnergyLakeConfigEntry = ConfigEntry[HomeEnergyLakeData]


def budgets(hass: HomeAssistant) -> BudgetRegistry:
    """Return the request budgets of this Home Assistant, shared by every entry and flow."""
    registry: BudgetRegistry = hass.data.setdefault(DOMAIN, {}).setdefault(
        "budgets", BudgetRegistry()
    )
    return registry


def user_agent(version: str) -> str:
    """How we introduce ourselves to APIs that ask for it (MET Norway requires it)."""
    return f"home-energy-lake/{version} github.com/home-energy-lake/home-energy-lake"


async def async_integration_version(hass: HomeAssistant) -> str:
    """Return the version in our manifest, written into every Bronze envelope."""
    return str((await async_get_integration(hass, DOMAIN)).version)


def spool_dir(hass: HomeAssistant, entry_id: str) -> Path:
    """Where the entry's Bronze spool lives: under ``.storage``, out of the user's way."""
    return Path(hass.config.path(".storage", DOMAIN, entry_id, "spool"))


async def async_token_getter(hass: HomeAssistant, entry: ConfigEntry[Any]) -> TokenGetter:
    """Return a callable giving a valid myUplink access token, refreshed when due."""
    try:
        implementation = await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    except ValueError as err:
        # The application credential this entry used was deleted: a new login fixes it.
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="oauth_implementation_missing"
        ) from err
    oauth = config_entry_oauth2_flow.OAuth2Session(hass, entry, implementation)

    async def token() -> str:
        # A refused or failing refresh raises HA's own errors, which the myUplink client
        # maps, in one place, to a new login or a back-off.
        await oauth.async_ensure_token_valid()
        return str(oauth.token["access_token"])

    return token


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Bring an entry of an earlier release up to this one's settings."""
    if entry.version > 1:
        # Made by a newer release: its settings may mean something this one can't read.
        return False
    if entry.minor_version < 2:
        # 1.2: the title names the lake, so that two homes can be told apart; a title
        # other than the old automatic one (the home's name) was the user's and stays.
        automatic = entry.title == hass.config.location_name
        title = entry_title(hass, entry.data[CONF_LAKE]) if automatic else entry.title
        hass.config_entries.async_update_entry(entry, title=title, minor_version=2)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry) -> bool:
    """Set up one home and its lake from a config entry."""
    version = await async_integration_version(hass)
    try:
        backend = build_backend(hass, entry.data[CONF_LAKE])
    except BackendError as err:
        # The flow checked the settings, so what fails now is time: an expired SAS token.
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="lake_settings_unusable",
            translation_placeholders={"error": str(err)},
        ) from err
    spool_mb = entry.options.get(OPT_SPOOL_MAX_MB, DEFAULT_SPOOL_MAX_MB)
    segment_minutes = entry.options.get(OPT_SEGMENT_MAX_AGE_MIN, DEFAULT_SEGMENT_MAX_AGE_MIN)
    writer = BronzeWriter(
        spool_dir=spool_dir(hass, entry.entry_id),
        backend=backend,
        integration_version=version,
        spool_max_bytes=int(spool_mb) * 1024 * 1024,
        segment_max_age=timedelta(minutes=segment_minutes),
    )
    await writer.async_start()
    try:
        coordinators = await _async_build_coordinators(hass, entry, writer, version)
        await asyncio.gather(*(c.async_refresh() for c in coordinators.values()))
        _raise_if_unusable(coordinators)
    except BaseException:
        await writer.async_stop()
        raise

    issues = LakeIssueTracker(hass, entry, writer)
    entry.runtime_data = HomeEnergyLakeData(
        writer=writer,
        coordinators=coordinators,
        issues=issues,
        store=backend.description,
    )
    entry.async_on_unload(issues.async_start())

    async def _async_stop_writer(_event: Event) -> None:
        # Home Assistant does not unload entries when it stops: flush, seal and upload now.
        await writer.async_stop()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _async_stop_writer))
    _schedule_captures(hass, entry)
    _remove_stale_devices(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _remove_stale_devices(hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry) -> None:
    """Drop the devices of sources a reconfigure removed, with their entities."""
    keep = {(DOMAIN, f"{entry.entry_id}_lake")} | {
        (DOMAIN, source_device_key(vendor, conf[CONF_DEVICE_ID]))
        for vendor, conf in entry.data[CONF_SOURCES].items()
    }
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not device.identifiers & keep:
            # Each device belongs to this entry alone, so removing it removes nothing else's.
            registry.async_remove_device(device.id)


async def _async_build_coordinators(
    hass: HomeAssistant,
    entry: HomeEnergyLakeConfigEntry,
    writer: BronzeWriter,
    version: str,
) -> dict[str, SourceCoordinator[Any]]:
    session = async_get_clientsession(hass)
    registry = budgets(hass)
    coordinators: dict[str, SourceCoordinator[Any]] = {}
    for vendor, conf in entry.data[CONF_SOURCES].items():
        spec = SOURCES[vendor]
        token = await async_token_getter(hass, entry) if vendor == MYUPLINK else None
        client = build_client(
            vendor,
            conf,
            session=session,
            budgets=registry,
            latitude=entry.data[CONF_LATITUDE],
            longitude=entry.data[CONF_LONGITUDE],
            user_agent=user_agent(version),
            token=token,
        )
        seconds = entry.options.get(interval_option(vendor))
        interval = timedelta(seconds=seconds) if seconds else spec.default_interval
        coordinators[vendor] = SourceCoordinator(
            hass,
            entry,
            spec=spec,
            client=client,
            device_id=conf[CONF_DEVICE_ID],
            writer=writer,
            interval=interval,
            budget=budget_for(registry, vendor, budget_key(vendor, conf)),
        )
    return coordinators


def _raise_if_unusable(coordinators: Mapping[str, SourceCoordinator[Any]]) -> None:
    """Refuse setup on bad credentials, or when no source answers at all.

    A single source that is down does not hold the others back: its entities stay
    unavailable and its coordinator keeps retrying.
    """
    for coordinator in coordinators.values():
        if isinstance(coordinator.last_exception, ConfigEntryAuthFailed):
            raise coordinator.last_exception
    if coordinators and not any(c.last_update_success for c in coordinators.values()):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="no_source_reachable")


def _schedule_captures(hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry) -> None:
    """Hourly solar captures and daily heat-pump and weather captures into Bronze."""
    data = entry.runtime_data

    @callback
    def _run(now: datetime, *, every: timedelta) -> None:
        end = now.replace(minute=0, second=0, microsecond=0)
        if every >= timedelta(days=1):
            end = end.replace(hour=0)
        for vendor, coordinator in data.coordinators.items():
            if coordinator.spec.capture_every != every:
                continue
            data.captures[vendor] = now
            entry.async_create_background_task(
                hass,
                coordinator.async_capture(end - every, end),
                f"{DOMAIN} capture {vendor}",
            )

    @callback
    def _hourly(now: datetime) -> None:
        _run(now, every=timedelta(hours=1))

    @callback
    def _daily(now: datetime) -> None:
        _run(now, every=timedelta(days=1))

    # A few minutes past the hour and past midnight UTC, when the APIs have closed the period.
    entry.async_on_unload(async_track_utc_time_change(hass, _hourly, minute=5, second=0))
    entry.async_on_unload(async_track_utc_time_change(hass, _daily, hour=1, minute=15, second=0))


async def async_unload_entry(hass: HomeAssistant, entry: HomeEnergyLakeConfigEntry) -> bool:
    """Unload the platforms, then flush and stop the Bronze writer."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.writer.async_stop()
    return unloaded
