"""Build the Bronze backend a config entry's lake settings describe."""

from __future__ import annotations

from collections.abc import Mapping
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import BACKEND_ADLS, CONF_BACKEND, CONF_PATH, DEFAULT_LAKE_FOLDER
from .lake.adls import AdlsBackend, AdlsConfig, normalize_prefix
from .lake.backend import BronzeBackend
from .lake.local import LocalBackend


def lake_root(hass: HomeAssistant, path: str) -> Path:
    """Return a local lake folder; relative paths start in the config folder."""
    return Path(os.path.normpath(hass.config.path(path)))


def build_backend(hass: HomeAssistant, lake: Mapping[str, Any]) -> BronzeBackend:
    """Build the local folder or the ADLS Gen2 filesystem that ``lake`` names.

    ADLS settings are the keys of :class:`AdlsConfig`; check ``AdlsConfig.problems``
    before calling this, it raises ``BackendError`` for unusable settings.
    """
    if lake[CONF_BACKEND] == BACKEND_ADLS:
        return AdlsBackend.from_config(
            AdlsConfig.from_mapping(lake), session=async_get_clientsession(hass)
        )
    # Only the default folder is created for the user: a missing folder they chose is
    # more likely an unmounted share, which must not silently fill the local disk.
    create = lake_root(hass, lake[CONF_PATH]) == lake_root(hass, DEFAULT_LAKE_FOLDER)
    return LocalBackend(lake_root(hass, lake[CONF_PATH]), create=create)


def lake_identity(hass: HomeAssistant, lake: Mapping[str, Any]) -> str:
    """Return a stable name of the lake root, so two entries never share one lake."""
    if lake[CONF_BACKEND] == BACKEND_ADLS:
        config = AdlsConfig.from_mapping(lake)
        prefix = normalize_prefix(config.path_prefix)
        return f"adls:{config.account_url}/{config.filesystem}/{prefix}"
    return f"local:{lake_root(hass, lake[CONF_PATH])}"


def lake_label(hass: HomeAssistant, lake: Mapping[str, Any]) -> str:
    """Name the lake in a few words: its folder, or its ADLS account and filesystem.

    A folder inside the config folder is named relative to it, as the user typed it.
    """
    if lake[CONF_BACKEND] == BACKEND_ADLS:
        config = AdlsConfig.from_mapping(lake)
        parts = [config.account_name, config.filesystem, normalize_prefix(config.path_prefix)]
        return "ADLS " + "/".join(part for part in parts if part)
    root = lake_root(hass, lake[CONF_PATH])
    config_dir = Path(hass.config.config_dir)
    return str(root.relative_to(config_dir)) if root.is_relative_to(config_dir) else str(root)


def entry_title(hass: HomeAssistant, lake: Mapping[str, Any]) -> str:
    """Return a new entry's title: the home's name and its lake, which no other entry shares."""
    return f"{hass.config.location_name} ({lake_label(hass, lake)})"
