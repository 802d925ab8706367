"""Everything that describes the simulated house; the seed decides the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Location:
    """Where the house stands (central Europe by default)."""

    latitude: float = 50.1109
    longitude: float = 8.6821
    altitude: float = 112.0
    timezone: str = "Europe/Berlin"


@dataclass(frozen=True, slots=True)
class PvSystem:
    """Two strings on one hybrid inverter (a GEN24-like device)."""

    string_kwp: tuple[float, float] = (5.6, 3.6)
    tilt: float = 35.0
    azimuth: tuple[float, float] = (180.0, 240.0)
    """Azimuth of each string, degrees clockwise from north."""
    inverter_ac_max: float = 8000.0
    """AC limit, W: the inverter clips above it."""
    inverter_efficiency: float = 0.965
    temperature_coefficient: float = -0.0037
    """Relative change of DC power per kelvin of cell temperature above 25 °C."""
    noct: float = 45.0
    dc_losses: float = 0.08
    """Soiling, wiring and mismatch together."""


@dataclass(frozen=True, slots=True)
class Battery:
    """A home battery run for self-consumption: charge from surplus, discharge to cover load."""

    capacity_wh: float = 10_240.0
    max_charge_w: float = 5000.0
    max_discharge_w: float = 5000.0
    min_soc: float = 5.0
    round_trip_efficiency: float = 0.92


@dataclass(frozen=True, slots=True)
class Building:
    """The heated envelope."""

    ua_w_per_k: float = 160.0
    """Heat loss coefficient (transmission and ventilation), W/K."""
    indoor_setpoint: float = 20.5
    internal_gains_w: float = 350.0
    solar_aperture_m2: float = 4.0
    """Effective south-facing window area turning horizontal irradiance into heat."""
    heating_limit: float = 15.0
    """Daily mean outside temperature above which the heating stays off, °C."""


@dataclass(frozen=True, slots=True)
class HeatPump:
    """An air-to-water heat pump with weather compensation."""

    nominal_heat_w: float = 7000.0
    min_modulation: float = 0.3
    """Lowest steady output as a share of nominal; below it the compressor cycles."""
    carnot_efficiency: float = 0.47
    design_outside: float = -12.0
    design_flow: float = 42.0
    curve_exponent: float = 1.3
    min_flow: float = 25.0
    flow_rate_lpm: float = 17.0
    """Circulation pump flow while the compressor runs, litres per minute."""
    standby_w: float = 9.0
    cycle_period_s: float = 2400.0
    outdoor_sensor_bias: float = 0.6
    """The unit's own outdoor sensor sits on a wall and reads a bit warm."""


@dataclass(frozen=True, slots=True)
class Household:
    """Electric load of the household (heat pump excluded)."""

    base_load_w: float = 140.0
    daily_energy_kwh: float = 8.5
    """Typical daily consumption on a weekday, heat pump excluded."""


@dataclass(frozen=True, slots=True)
class Identities:
    """Serial numbers, ids and credentials the simulated APIs answer with and check."""

    fronius_serial: str = "34119102"
    meter_serial: str = "21470031"
    battery_serial: str = "P030T020Z2001234567     "
    solaredge_site_id: int = 3119021
    solaredge_api_key: str = "demo-solaredge-key"
    emoncms_apikey: str = "demo-emoncms-key"
    myuplink_client_id: str = "house-simulator-client"
    myuplink_client_secret: str = "house-simulator-secret"  # noqa: S105 - a fake API's
    myuplink_system_id: str = "6d2b8e34-0c1f-4a7e-9b21-5f3c0d8e1a47"
    myuplink_device_id: str = "emmy-r-1234-20250917-104233-34-ab-cd-ef-01-23"
    owm_appid: str = "demo-owm-key"


@dataclass(frozen=True, slots=True)
class HouseConfig:
    """The whole house.

    ``epoch`` anchors the lifetime counters: same seed and epoch, same counters.
    """

    seed: int = 42
    location: Location = field(default_factory=Location)
    pv: PvSystem = field(default_factory=PvSystem)
    battery: Battery | None = field(default_factory=Battery)
    building: Building = field(default_factory=Building)
    heat_pump: HeatPump = field(default_factory=HeatPump)
    household: Household = field(default_factory=Household)
    ids: Identities = field(default_factory=Identities)
    epoch: datetime = datetime(2026, 10, 1, tzinfo=UTC)
    """Day zero of the lifetime counters; the simulation runs on either side of it."""

    @property
    def epoch_s(self) -> int:
        """The epoch in Unix seconds."""
        return int(self.epoch.timestamp())
