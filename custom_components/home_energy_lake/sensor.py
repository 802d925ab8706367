"""Sensors: live power and energy for the Energy dashboard, weather, and the lake's health.

A source's sensors appear once the source has reported the value (or, after a
restart, because the entity registry remembers them), so a feature the device lacks
(no battery, no meter) never becomes a sensor that is always unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    Platform,
    UnitOfEnergy,
    UnitOfInformation,
    UnitOfIrradiance,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from . import HomeEnergyLakeConfigEntry
from .api.models import SourceKind, WeatherPoint, WeatherReading
from .const import CONF_SOURCES, INTEGRATION_MAX_GAP_FLOOR, RESET_CONFIRMATIONS, UNIT_PERCENT
from .coordinator import SourceCoordinator
from .entity import LakeEntity, SourceEntity, lake_device_info, source_device_info
from .lake.writer import BronzeWriter, WriterStatus

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ReadingSensorDescription(SensorEntityDescription):
    """A value of a source's reading."""

    value_fn: Callable[[Any], float | None]
    power_fn: Callable[[Any], float | None] | None = None
    """For a lifetime counter: the power to integrate when the device keeps no counter."""


def _power(key: str, value_fn: Callable[[Any], float | None]) -> ReadingSensorDescription:
    return ReadingSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=value_fn,
    )


def _energy(
    key: str,
    value_fn: Callable[[Any], float | None],
    power_fn: Callable[[Any], float | None],
) -> ReadingSensorDescription:
    return ReadingSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=value_fn,
        power_fn=power_fn,
    )


def _temperature(key: str, value_fn: Callable[[Any], float | None]) -> ReadingSensorDescription:
    return ReadingSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=value_fn,
    )


def weather_now(
    reading: WeatherReading, pick: Callable[[WeatherPoint], float | None]
) -> float | None:
    """Return a value of the current conditions, or else of the latest hour that has begun.

    APIs differ in what "current" holds (Open-Meteo's may lack radiation, MET has none).
    """
    if reading.current is not None and (value := pick(reading.current)) is not None:
        return value
    now = dt_util.utcnow()
    past = [point for point in reading.hourly if point.timestamp <= now]
    return pick(max(past, key=lambda point: point.timestamp)) if past else None


def _now_value(pick: Callable[[WeatherPoint], float | None]) -> Callable[[Any], float | None]:
    return lambda reading: weather_now(reading, pick)


def _charging(battery_power: float | None) -> float | None:
    """Power going into the battery, W (battery power is negative while charging)."""
    return None if battery_power is None else max(-battery_power, 0.0)


def _discharging(battery_power: float | None) -> float | None:
    """Power coming out of the battery, W."""
    return None if battery_power is None else max(battery_power, 0.0)


SOLAR_SENSORS: tuple[ReadingSensorDescription, ...] = (
    _power("pv_power", lambda r: r.pv_power),
    _power("grid_import_power", lambda r: r.grid_import_power),
    _power("grid_export_power", lambda r: r.grid_export_power),
    _power("load_power", lambda r: r.load_power),
    _power("battery_power", lambda r: r.battery_power),
    ReadingSensorDescription(
        key="battery_soc",
        translation_key="battery_soc",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UNIT_PERCENT,
        suggested_display_precision=0,
        value_fn=lambda r: r.battery_soc,
    ),
    _energy("pv_energy", lambda r: r.pv_energy_total, lambda r: r.pv_power),
    _energy(
        "grid_import_energy", lambda r: r.grid_import_energy_total, lambda r: r.grid_import_power
    ),
    _energy(
        "grid_export_energy", lambda r: r.grid_export_energy_total, lambda r: r.grid_export_power
    ),
    # Inverters report battery power but no battery counters: these are always integrated.
    _energy("battery_charge_energy", lambda r: None, lambda r: _charging(r.battery_power)),
    _energy("battery_discharge_energy", lambda r: None, lambda r: _discharging(r.battery_power)),
)

HEATPUMP_SENSORS: tuple[ReadingSensorDescription, ...] = (
    _power("electric_power", lambda r: r.electric_power),
    _power("heat_power", lambda r: r.heat_power),
    _energy("electric_energy", lambda r: r.electric_energy_total, lambda r: r.electric_power),
    _energy("heat_energy", lambda r: r.heat_energy_total, lambda r: r.heat_power),
    _temperature("flow_temperature", lambda r: r.flow_temperature),
    _temperature("return_temperature", lambda r: r.return_temperature),
    _temperature("outside_temperature", lambda r: r.outside_temperature),
    ReadingSensorDescription(
        key="cop",
        translation_key="cop",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda r: r.cop,
    ),
)

WEATHER_SENSORS: tuple[ReadingSensorDescription, ...] = (
    _temperature("temperature", _now_value(lambda p: p.temperature)),
    ReadingSensorDescription(
        key="solar_radiation",
        translation_key="solar_radiation",
        device_class=SensorDeviceClass.IRRADIANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfIrradiance.WATTS_PER_SQUARE_METER,
        suggested_display_precision=0,
        value_fn=_now_value(lambda p: p.solar_radiation),
    ),
)

SENSORS_BY_KIND: dict[SourceKind, tuple[ReadingSensorDescription, ...]] = {
    SourceKind.SOLAR: SOLAR_SENSORS,
    SourceKind.HEATPUMP: HEATPUMP_SENSORS,
    SourceKind.WEATHER: WEATHER_SENSORS,
}

LAST_FETCH = SensorEntityDescription(
    key="last_fetch",
    translation_key="last_fetch",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
)
QUOTA_LEFT = SensorEntityDescription(
    key="quota_left",
    translation_key="quota_left",
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement="requests",
    entity_category=EntityCategory.DIAGNOSTIC,
)


@dataclass(frozen=True, kw_only=True)
class LakeSensorDescription(SensorEntityDescription):
    """A fact of the Bronze writer's status."""

    value_fn: Callable[[WriterStatus], float | str | datetime | None]


SPOOL_STATES = ["ok", "full", "error"]


def _spool_state(status: WriterStatus) -> str:
    if status.spool_full:
        return "full"
    return "error" if status.spool_error else "ok"


def _data_size(key: str, value_fn: Callable[[WriterStatus], int | None]) -> LakeSensorDescription:
    """Describe a byte count of the lake, shown in KiB, disabled by default."""
    return LakeSensorDescription(
        key=key,
        translation_key=key,
        entity_registry_enabled_default=False,
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.KIBIBYTES,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
    )


LAKE_SENSORS: tuple[LakeSensorDescription, ...] = (
    LakeSensorDescription(
        key="backlog_segments",
        translation_key="backlog_segments",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement="segments",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.backlog_segments,
    ),
    _data_size("backlog_size", lambda s: s.backlog_bytes),
    _data_size("spool_size", lambda s: s.spool_bytes),
    LakeSensorDescription(
        key="spool_state",
        translation_key="spool_state",
        device_class=SensorDeviceClass.ENUM,
        options=SPOOL_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_spool_state,
    ),
    LakeSensorDescription(
        key="last_upload",
        translation_key="last_upload",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.last_upload_at,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HomeEnergyLakeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the sources' sensors as they report values, and the lake's sensors."""
    data = entry.runtime_data
    registry = er.async_get(hass)
    known = {
        e.unique_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.domain == Platform.SENSOR
    }
    for vendor, coordinator in data.coordinators.items():
        device = source_device_info(coordinator, entry.data[CONF_SOURCES][vendor])
        adder = _SeenValues(coordinator, device, known, async_add_entities)
        entities: list[SensorEntity] = [SourceDiagnosticSensor(coordinator, LAST_FETCH, device)]
        if coordinator.spec.daily_quota is not None:
            entities.append(SourceDiagnosticSensor(coordinator, QUOTA_LEFT, device))
        async_add_entities(entities)
        adder.add_new()
        entry.async_on_unload(coordinator.async_add_listener(adder.add_new))

    lake = lake_device_info(entry.entry_id, entry.title, data.store)
    weather = [c for c in data.coordinators.values() if c.spec.kind is SourceKind.WEATHER]
    lake_entities: list[SensorEntity] = [
        LakeSensor(data.writer, description, lake, entry.entry_id) for description in LAKE_SENSORS
    ]
    if weather:
        lake_entities.append(WeatherMeanSensor(weather, lake, entry.entry_id))
    async_add_entities(lake_entities)


class _SeenValues:
    """Adds a source's sensors once its readings carry their values."""

    def __init__(
        self,
        coordinator: SourceCoordinator[Any],
        device: DeviceInfo,
        known: set[str],
        async_add_entities: AddEntitiesCallback,
    ) -> None:
        self._coordinator = coordinator
        self._device = device
        self._known = known
        self._add = async_add_entities
        self._pending = list(SENSORS_BY_KIND[coordinator.spec.kind])

    @callback
    def add_new(self) -> None:
        reading = self._coordinator.data
        new: list[SensorEntity] = []
        for description in list(self._pending):
            entity = self._entity_for(description, reading)
            if entity is not None:
                new.append(entity)
                self._pending.remove(description)
        if new:
            self._add(new)

    def _entity_for(
        self, description: ReadingSensorDescription, reading: Any
    ) -> SensorEntity | None:
        coordinator = self._coordinator
        if description.power_fn is None:
            plain = ReadingSensor(coordinator, description, self._device)
            if plain.unique_id in self._known or (
                reading is not None and description.value_fn(reading) is not None
            ):
                return plain
            return None
        lifetime = LifetimeEnergySensor(coordinator, description, self._device)
        integrated = IntegratedEnergySensor(coordinator, description, self._device)
        if lifetime.unique_id in self._known:
            return lifetime
        if integrated.unique_id in self._known:
            return integrated
        if reading is None:
            return None
        if description.value_fn(reading) is not None:
            return lifetime
        if description.power_fn(reading) is not None:
            return integrated
        return None


class ReadingSensor(SourceEntity[Any], SensorEntity):
    """A live value of a source; unavailable while the device sleeps."""

    entity_description: ReadingSensorDescription

    @property
    def available(self) -> bool:
        """Available while the source answers and is awake."""
        return super().available and self.coordinator.data is not None

    @property
    def native_value(self) -> float | None:
        """The value in the latest reading; None (unknown) when the source did not report it."""
        reading = self.coordinator.data
        return None if reading is None else self.entity_description.value_fn(reading)


class LifetimeEnergySensor(SourceEntity[Any], RestoreSensor):
    """A device's lifetime energy counter that never steps back or falls to zero.

    A missing or zero value makes the sensor unavailable (devices report 0 while they
    boot or sleep). A lower value is held back, also as unavailable, until
    ``RESET_CONFIRMATIONS`` readings in a row confirm a new counter that rises from
    there: then it is a real reset (a replaced device) and is published, which
    ``total_increasing`` statistics count as a meter reset.
    """

    entity_description: ReadingSensorDescription

    def __init__(
        self,
        coordinator: SourceCoordinator[Any],
        description: ReadingSensorDescription,
        device_info: DeviceInfo,
    ) -> None:
        """Start with no value until a reading or the restored state gives one."""
        super().__init__(coordinator, description, device_info)
        self._last: float | None = None
        self._current: float | None = None
        self._candidates: list[float] = []

    async def async_added_to_hass(self) -> None:
        """Restore the last published value, so a lower one after a restart is caught."""
        await super().async_added_to_hass()
        if (restored := await self.async_get_last_sensor_data()) is not None and isinstance(
            restored.native_value, int | float
        ):
            self._last = float(restored.native_value)
        self._update_from(self.coordinator.data)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._update_from(self.coordinator.data)
        super()._handle_coordinator_update()

    def _update_from(self, reading: Any) -> None:
        value = None if reading is None else self.entity_description.value_fn(reading)
        if value is None or value <= 0:
            self._current = None
            return
        if self._last is None or value >= self._last:
            self._accept(value)
            return
        if self._candidates and value < self._candidates[-1]:
            self._candidates.clear()
        self._candidates.append(value)
        if len(self._candidates) >= RESET_CONFIRMATIONS:
            self._accept(value)
        else:
            self._current = None

    def _accept(self, value: float) -> None:
        self._last = self._current = value
        self._candidates.clear()

    @property
    def available(self) -> bool:
        """Unavailable whenever there is no trustworthy value to publish."""
        return super().available and self._current is not None

    @property
    def native_value(self) -> float | None:
        """The counter, in Wh."""
        return self._current


class IntegratedEnergySensor(SourceEntity[Any], RestoreSensor):
    """Energy from a power value, for sources that keep no counter.

    A left Riemann sum: each power sample counts until the next one. Samples further
    apart than three poll intervals (at least ``INTEGRATION_MAX_GAP_FLOOR``) are not
    bridged, so an outage or a restart adds nothing that was not measured. The total
    survives restarts through the restored state.
    """

    entity_description: ReadingSensorDescription

    def __init__(
        self,
        coordinator: SourceCoordinator[Any],
        description: ReadingSensorDescription,
        device_info: DeviceInfo,
    ) -> None:
        """Start at zero unless a restored total says otherwise."""
        super().__init__(coordinator, description, device_info)
        self._attr_unique_id = f"{self._attr_unique_id}_from_power"
        self._total = 0.0
        self._sample: tuple[datetime, float] | None = None
        self._max_gap = max(coordinator.base_interval * 3, INTEGRATION_MAX_GAP_FLOOR)

    async def async_added_to_hass(self) -> None:
        """Continue from the restored total."""
        await super().async_added_to_hass()
        if (restored := await self.async_get_last_sensor_data()) is not None and isinstance(
            restored.native_value, int | float
        ):
            self._total = float(restored.native_value)
        self._integrate(self.coordinator.data)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._integrate(self.coordinator.data)
        super()._handle_coordinator_update()

    def _integrate(self, reading: Any) -> None:
        power_fn = self.entity_description.power_fn
        power = None if reading is None or power_fn is None else power_fn(reading)
        if power is None or reading is None:
            self._sample = None
            return
        when: datetime = reading.timestamp
        if self._sample is not None:
            since, previous = self._sample
            gap = when - since
            if gap <= self._max_gap and gap.total_seconds() > 0:
                self._total += max(previous, 0.0) * gap.total_seconds() / 3600
            elif gap.total_seconds() <= 0:
                return  # the same reading again: nothing new to count
        self._sample = (when, power)

    @property
    def native_value(self) -> float:
        """The integrated energy, in Wh."""
        return round(self._total, 3)


class SourceDiagnosticSensor(SourceEntity[Any], SensorEntity):
    """When the source last answered, and how many requests its key has left today."""

    @property
    def available(self) -> bool:
        """Available even while the source fails: that is when these values matter."""
        return True

    @property
    def native_value(self) -> datetime | int | None:
        """The last success time, or the requests left."""
        if self.entity_description.key == LAST_FETCH.key:
            return self.coordinator.last_success
        return self.coordinator.quota_left


class LakeSensor(LakeEntity, SensorEntity):
    """One fact of the Bronze writer's status."""

    entity_description: LakeSensorDescription

    def __init__(
        self,
        writer: BronzeWriter,
        description: LakeSensorDescription,
        device_info: DeviceInfo,
        entry_id: str,
    ) -> None:
        """Follow ``writer``'s status."""
        self._writer = writer
        self.entity_description = description
        self._attr_device_info = device_info
        self._attr_unique_id = f"{entry_id}_lake_{description.key}"

    async def async_added_to_hass(self) -> None:
        """Update whenever the writer's status changes."""
        self.async_on_remove(self._writer.add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> float | str | datetime | None:
        """The value from the current status."""
        return self.entity_description.value_fn(self._writer.status)


class WeatherMeanSensor(LakeEntity, SensorEntity):
    """The mean of the temperatures of every weather API that is up right now."""

    _attr_translation_key = "temperature_mean"
    _attr_device_class = SensorDeviceClass.TEMPERATURE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfTemperature.CELSIUS
    _attr_suggested_display_precision = 1

    def __init__(
        self,
        coordinators: Iterable[SourceCoordinator[WeatherReading]],
        device_info: DeviceInfo,
        entry_id: str,
    ) -> None:
        """Average over ``coordinators``."""
        self._coordinators = list(coordinators)
        self._attr_device_info = device_info
        self._attr_unique_id = f"{entry_id}_lake_temperature_mean"

    async def async_added_to_hass(self) -> None:
        """Recompute whenever any weather API reports."""
        for coordinator in self._coordinators:
            self.async_on_remove(coordinator.async_add_listener(self.async_write_ha_state))

    def _temperatures(self) -> dict[str, float]:
        values: dict[str, float] = {}
        for coordinator in self._coordinators:
            if not coordinator.last_update_success or coordinator.data is None:
                continue
            temperature = weather_now(coordinator.data, lambda point: point.temperature)
            if temperature is not None:
                values[coordinator.spec.vendor] = temperature
        return values

    @property
    def available(self) -> bool:
        """Available while at least one weather API gives a temperature."""
        return bool(self._temperatures())

    @property
    def native_value(self) -> float | None:
        """The mean, in °C."""
        values = self._temperatures()
        return sum(values.values()) / len(values) if values else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which APIs the mean is made of."""
        return {"sources": sorted(self._temperatures())}
