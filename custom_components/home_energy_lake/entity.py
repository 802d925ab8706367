"""Base entities: one device per source, one for the lake."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_IDENTITY, DOMAIN
from .coordinator import SourceCoordinator


def source_device_key(vendor: str, device_id: str) -> str:
    """Return the device registry identifier of a source, unique across entries."""
    return f"{vendor}_{device_id}"


def source_device_info(coordinator: SourceCoordinator[Any], conf: dict[str, Any]) -> DeviceInfo:
    """Describe a source's device from what the config flow learned when testing it."""
    identity = conf.get(CONF_IDENTITY, {})
    spec = coordinator.spec
    info = DeviceInfo(
        identifiers={(DOMAIN, source_device_key(spec.vendor, coordinator.device_id))},
        manufacturer=identity.get("manufacturer") or spec.manufacturer,
        model=identity.get("model"),
        name=identity.get("name") or spec.manufacturer,
        sw_version=identity.get("sw_version"),
    )
    if spec.cloud:
        info["entry_type"] = DeviceEntryType.SERVICE
    elif address := conf.get("host") or conf.get("url"):
        # A device on the network: its own web page is one click away.
        info["configuration_url"] = address if "://" in address else f"http://{address}"
    return info


def lake_device_info(entry_id: str, title: str, description: str) -> DeviceInfo:
    """Describe the lake: the Bronze writer and what is computed across sources."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry_id}_lake")},
        manufacturer="Home Energy Lake",
        model=description,
        name=f"{title} lake",
        entry_type=DeviceEntryType.SERVICE,
    )


class SourceEntity[ReadingT](CoordinatorEntity[SourceCoordinator[ReadingT]]):
    """An entity fed by one source's coordinator."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: SourceCoordinator[ReadingT],
        description: EntityDescription,
        device_info: DeviceInfo,
        unique_id: str | None = None,
    ) -> None:
        """Attach to the source's device; the unique id is the device's plus the key."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_device_info = device_info
        device = source_device_key(coordinator.spec.vendor, coordinator.device_id)
        self._attr_unique_id = unique_id or f"{device}_{description.key}"


class LakeEntity(Entity):
    """An entity of the lake device; it updates itself when told, never polls."""

    _attr_has_entity_name = True
    _attr_should_poll = False
