"""Photovoltaics: plane-of-array irradiance, DC power, inverter efficiency and clipping."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pvlib

from .config import PvSystem
from .noise import FloatArray
from .weather import Weather


@dataclass(frozen=True, slots=True)
class PvOutput:
    """PV at each instant: per-string DC power and the inverter's AC output, W."""

    dc_strings: tuple[FloatArray, FloatArray]
    dc: FloatArray
    ac: FloatArray
    poa: FloatArray
    """Plane-of-array irradiance of the first string, W/m²."""
    cell_temperature: FloatArray


def plane_of_array(weather: Weather, tilt: float, azimuth: float) -> FloatArray:
    """Irradiance on a tilted plane (isotropic sky, 20 % ground albedo), W/m²."""
    total = pvlib.irradiance.get_total_irradiance(
        surface_tilt=tilt,
        surface_azimuth=azimuth,
        solar_zenith=weather.zenith,
        solar_azimuth=weather.azimuth,
        dni=weather.dni,
        ghi=weather.ghi,
        dhi=weather.dhi,
        albedo=0.2,
        model="isotropic",
    )
    return np.clip(np.nan_to_num(np.asarray(total["poa_global"], dtype=np.float64)), 0.0, None)


def inverter_ac(dc: FloatArray, system: PvSystem) -> FloatArray:
    """AC output: PVWatts part-load efficiency curve, clipped at the inverter's AC limit."""
    pdc0 = system.inverter_ac_max / system.inverter_efficiency
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        # pvlib divides by the DC power, which is zero all night.
        ac = pvlib.inverter.pvwatts(dc, pdc0, eta_inv_nom=system.inverter_efficiency)
    return np.clip(np.nan_to_num(np.asarray(ac, dtype=np.float64)), 0.0, system.inverter_ac_max)


def pv_output(weather: Weather, system: PvSystem, string_loss: FloatArray) -> PvOutput:
    """PV power at each instant; ``string_loss`` is the share of DC output lost to a fault."""
    strings: list[FloatArray] = []
    cell = weather.temperature
    first_poa = np.zeros_like(weather.t)
    for index, (kwp, azimuth) in enumerate(zip(system.string_kwp, system.azimuth, strict=True)):
        poa = plane_of_array(weather, system.tilt, azimuth)
        if index == 0:
            first_poa = poa
            cell = weather.temperature + poa * (system.noct - 20.0) / 800.0
        thermal = 1.0 + system.temperature_coefficient * (cell - 25.0)
        strings.append(kwp * 1000.0 * poa / 1000.0 * thermal * (1.0 - system.dc_losses))
    # A lost string (a broken connector, a tripped string fuse) takes its share of the array;
    # the fault's size is given as the share of the whole array's output that goes missing.
    dc_a = strings[0] * (1.0 - string_loss)
    dc_b = strings[1] * (1.0 - string_loss)
    dc = dc_a + dc_b
    return PvOutput(
        dc_strings=(dc_a, dc_b),
        dc=dc,
        ac=inverter_ac(dc, system),
        poa=first_poa,
        cell_temperature=cell,
    )
