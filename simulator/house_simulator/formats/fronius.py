"""Fronius Solar API v1 as a GEN24 Plus with a BYD battery and a Smart Meter answers it.

Shapes follow real GEN24 answers (HA core's ``tests/components/fronius/fixtures/gen24*``):
pretty-printed with three-space indents and `` : `` separators, power values in float32
precision, ``E_Day``/``E_Year`` null, ``E_Total`` updated every five minutes, and
``GetLoggerInfo`` answered with status 11 because a GEN24 has no separate data logger.
"""

from __future__ import annotations

from datetime import UTC, datetime
import struct
from typing import Any

import numpy as np

from house_simulator.config import HouseConfig
from house_simulator.snapshot import Snapshot

from .template import Template, slot

_INDENT = 3
_SEPARATORS = (",", " : ")


_FLOAT32 = struct.Struct("f")


def _f32(value: float) -> float:
    """Return a float as the device sends it: float32 precision printed as a double."""
    return float(_FLOAT32.unpack(_FLOAT32.pack(value))[0])


def timestamp(t: float) -> str:
    """``Head.Timestamp``: RFC 3339; a GEN24 reports UTC."""
    return datetime.fromtimestamp(int(t), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _head(arguments: dict[str, Any] | str, code: int = 0, reason: str = "") -> dict[str, Any]:
    return {
        "RequestArguments": arguments,
        "Status": {"Code": code, "Reason": reason, "UserMessage": ""},
        "Timestamp": slot("timestamp"),
    }


def _render(document: dict[str, Any]) -> Template:
    return Template(document, indent=_INDENT, separators=_SEPARATORS)


_POWERFLOW = _render(
    {
        "Body": {
            "Data": {
                "Inverters": {
                    "1": {
                        "Battery_Mode": slot("battery_mode"),
                        "DT": 1,
                        "E_Day": None,
                        "E_Total": slot("e_total"),
                        "E_Year": None,
                        "P": slot("inverter_p"),
                        "SOC": slot("soc"),
                    }
                },
                "SecondaryMeters": {},
                "Site": {
                    "BackupMode": False,
                    "BatteryStandby": slot("battery_standby"),
                    "E_Day": None,
                    "E_Total": slot("e_total"),
                    "E_Year": None,
                    "Meter_Location": "grid",
                    "Mode": "bidirectional",
                    "P_Akku": slot("p_akku"),
                    "P_Grid": slot("p_grid"),
                    "P_Load": slot("p_load"),
                    "P_PV": slot("p_pv"),
                    "rel_Autonomy": slot("autonomy"),
                    "rel_SelfConsumption": slot("self_consumption"),
                },
                "Smartloads": {"OhmpilotEcos": {}, "Ohmpilots": {}},
                "Version": "13",
            }
        },
        "Head": _head({}),
    }
)


def e_total(snapshot: Snapshot) -> float:
    """Return the PV counter as a GEN24 shows it: the value of its last 5-minute update, Wh."""
    return snapshot.pv_total_5min


def _number(value: float) -> str:
    """Return a power as the device writes it: float32 precision, printed as a double."""
    return repr(_f32(value))


def powerflow(snapshot: Snapshot, config: HouseConfig) -> bytes:
    """Answer ``GetPowerFlowRealtimeData.fcgi``.

    The history renders millions of these, so values go in as JSON text directly.
    """
    has_battery = config.battery is not None
    consumption = snapshot.consumption
    grid_import = max(snapshot.grid, 0.0)
    autonomy = 100.0 if consumption <= 0 else max(0.0, (1.0 - grid_import / consumption) * 100.0)
    produced = snapshot.pv_ac
    self_consumption = (
        "null"
        if produced <= 1.0
        else _number(min(100.0, (produced - max(-snapshot.grid, 0.0)) / produced * 100.0))
    )
    soc = snapshot.battery_soc
    standby = has_battery and abs(snapshot.battery_power) < 1.0 and soc <= config_min_soc(config)
    return _POWERFLOW.render_json(
        timestamp=f'"{timestamp(snapshot.t)}"',
        battery_mode='"normal"' if has_battery else '"disabled"',
        e_total=repr(round(e_total(snapshot), 10)),
        inverter_p=_number(snapshot.pv_ac + snapshot.battery_power),
        soc=_number(soc) if has_battery else "0.0",
        battery_standby="true" if standby else "false",
        p_akku=_number(snapshot.battery_power) if has_battery else "null",
        p_grid=_number(snapshot.grid),
        p_load=_number(-consumption),
        p_pv=_number(snapshot.pv_dc),
        autonomy=_number(autonomy),
        self_consumption=self_consumption,
    )


def config_min_soc(config: HouseConfig) -> float:
    """Return the battery's lowest state of charge, % (0 without a battery)."""
    return 0.0 if config.battery is None else config.battery.min_soc + 0.01


_INVERTER = _render(
    {
        "Body": {
            "Data": {
                "DAY_ENERGY": {"Unit": "Wh", "Value": None},
                "DeviceStatus": {
                    "ErrorCode": 0,
                    "InverterState": slot("state"),
                    "StatusCode": slot("status_code"),
                },
                "FAC": {"Unit": "Hz", "Value": slot("fac")},
                "IAC": {"Unit": "A", "Value": slot("iac")},
                "IDC": {"Unit": "A", "Value": slot("idc")},
                "IDC_2": {"Unit": "A", "Value": slot("idc_2")},
                "IDC_3": {"Unit": "A", "Value": None},
                "PAC": {"Unit": "W", "Value": slot("pac")},
                "SAC": {"Unit": "VA", "Value": slot("sac")},
                "TOTAL_ENERGY": {"Unit": "Wh", "Value": slot("total")},
                "UAC": {"Unit": "V", "Value": slot("uac")},
                "UDC": {"Unit": "V", "Value": slot("udc")},
                "UDC_2": {"Unit": "V", "Value": slot("udc_2")},
                "UDC_3": {"Unit": "V", "Value": None},
                "YEAR_ENERGY": {"Unit": "Wh", "Value": None},
            }
        },
        "Head": _head({"DataCollection": "CommonInverterData", "DeviceId": "1", "Scope": "Device"}),
    }
)


def inverter(snapshot: Snapshot, config: HouseConfig) -> bytes:
    """``GetInverterRealtimeData.cgi?Scope=Device&DeviceId=1&DataCollection=CommonInverterData``."""
    pac = snapshot.pv_ac + snapshot.battery_power
    uac = 229.0 + 2.0 * np.sin(snapshot.t / 977.0)
    udc_a = 0.0 if snapshot.pv_dc_strings[0] < 1 else 418.0 + 8.0 * np.sin(snapshot.t / 613.0)
    udc_b = 0.0 if snapshot.pv_dc_strings[1] < 1 else 318.0 + 6.0 * np.sin(snapshot.t / 541.0)
    return _INVERTER.render(
        timestamp=timestamp(snapshot.t),
        state="Running",
        status_code=7,
        fac=_f32(50.0 + 0.03 * np.sin(snapshot.t / 97.0)),
        iac=_f32(abs(pac) / uac / 3.0),
        idc=_f32(snapshot.pv_dc_strings[0] / udc_a if udc_a else 0.0),
        idc_2=_f32(snapshot.pv_dc_strings[1] / udc_b if udc_b else 0.0),
        pac=_f32(pac),
        sac=_f32(abs(pac) * 1.0002),
        total=round(e_total(snapshot), 10),
        uac=_f32(uac),
        udc=_f32(udc_a),
        udc_2=_f32(udc_b),
    )


_METER = _render(
    {
        "Body": {
            "Data": {
                "0": {
                    "Current_AC_Phase_1": slot("i1"),
                    "Current_AC_Phase_2": slot("i2"),
                    "Current_AC_Phase_3": slot("i3"),
                    "Current_AC_Sum": slot("isum"),
                    "Details": {
                        "Manufacturer": "Fronius",
                        "Model": "Smart Meter TS 65A-3",
                        "Serial": slot("serial"),
                    },
                    "Enable": 1,
                    "EnergyReal_WAC_Minus_Absolute": slot("produced"),
                    "EnergyReal_WAC_Plus_Absolute": slot("consumed"),
                    "EnergyReal_WAC_Sum_Consumed": slot("consumed"),
                    "EnergyReal_WAC_Sum_Produced": slot("produced"),
                    "Frequency_Phase_Average": slot("frequency"),
                    "Meter_Location_Current": 0.0,
                    "PowerReal_P_Phase_1": slot("p1"),
                    "PowerReal_P_Phase_2": slot("p2"),
                    "PowerReal_P_Phase_3": slot("p3"),
                    "PowerReal_P_Sum": slot("psum"),
                    "TimeStamp": slot("meter_time"),
                    "Visible": 1.0,
                    "Voltage_AC_Phase_1": slot("u1"),
                    "Voltage_AC_Phase_2": slot("u2"),
                    "Voltage_AC_Phase_3": slot("u3"),
                }
            }
        },
        "Head": _head({"Scope": "System"}),
    }
)


def meter(snapshot: Snapshot, config: HouseConfig) -> bytes:
    """``GetMeterRealtimeData.cgi?Scope=System``: the meter at the grid connection."""
    shares = (0.41, 0.35, 0.24)
    volts = [round(229.0 + 1.5 * float(np.sin(snapshot.t / (300.0 + 40 * k))), 1) for k in range(3)]
    powers = [round(snapshot.grid * share, 1) for share in shares]
    currents = [round(abs(p) / u, 3) for p, u in zip(powers, volts, strict=True)]
    return _METER.render(
        timestamp=timestamp(snapshot.t),
        i1=currents[0],
        i2=currents[1],
        i3=currents[2],
        isum=round(sum(currents), 3),
        serial=config.ids.meter_serial,
        produced=float(round(snapshot.grid_export_total)),
        consumed=float(round(snapshot.grid_import_total)),
        frequency=round(50.0 + 0.03 * float(np.sin(snapshot.t / 97.0)), 2),
        p1=powers[0],
        p2=powers[1],
        p3=powers[2],
        psum=round(snapshot.grid, 1),
        meter_time=float(int(snapshot.t)),
        u1=volts[0],
        u2=volts[1],
        u3=volts[2],
    )


_STORAGE = _render(
    {
        "Body": {
            "Data": {
                "0": {
                    "Controller": {
                        "Capacity_Maximum": slot("capacity"),
                        "Current_DC": slot("current"),
                        "DesignedCapacity": slot("capacity"),
                        "Details": {
                            "Manufacturer": "BYD",
                            "Model": "BYD Battery-Box Premium HV",
                            "Serial": slot("serial"),
                        },
                        "Enable": 1,
                        "StateOfCharge_Relative": slot("soc"),
                        "Status_BatteryCell": 3.0,
                        "Temperature_Cell": slot("cell"),
                        "TimeStamp": slot("storage_time"),
                        "Voltage_DC": slot("voltage"),
                    },
                    "Modules": [],
                }
            }
        },
        "Head": _head({"Scope": "System"}),
    }
)

_STORAGE_UNSUPPORTED = _render(
    {
        "Body": {"Data": {}},
        "Head": _head(
            {"Scope": "System"},
            255,
            "GetStorageRealtimeData request is not supported by this device.",
        ),
    }
)


def storage(snapshot: Snapshot, config: HouseConfig) -> bytes:
    """``GetStorageRealtimeData.cgi?Scope=System``; status 255 without a battery."""
    if config.battery is None:
        return _STORAGE_UNSUPPORTED.render(timestamp=timestamp(snapshot.t))
    voltage = round(380.0 + 0.4 * snapshot.battery_soc, 1)
    return _STORAGE.render(
        timestamp=timestamp(snapshot.t),
        capacity=int(config.battery.capacity_wh),
        current=round(snapshot.battery_power / voltage, 2),
        serial=config.ids.battery_serial,
        soc=round(snapshot.battery_soc, 1),
        cell=round(18.0 + 0.2 * snapshot.air_temperature, 1),
        storage_time=float(int(snapshot.t)),
        voltage=voltage,
    )


_INVERTER_INFO = _render(
    {
        "Body": {
            "Data": {
                "1": {
                    "CustomName": "House simulator GEN24",
                    "DT": 1,
                    "ErrorCode": 0,
                    "InverterState": "Running",
                    "PVPower": slot("pv_power"),
                    "Show": 1,
                    "StatusCode": 7,
                    "UniqueID": slot("serial"),
                }
            }
        },
        "Head": _head({}),
    }
)


def inverter_info(snapshot: Snapshot, config: HouseConfig) -> bytes:
    """``GetInverterInfo.cgi``: the inverter's serial (its ``UniqueID``) and PV size."""
    return _INVERTER_INFO.render(
        timestamp=timestamp(snapshot.t),
        pv_power=round(sum(config.pv.string_kwp) * 1000),
        serial=config.ids.fronius_serial,
    )


_NOT_SUPPORTED = _render(
    {
        "Body": {"Data": {}},
        "Head": _head({}, 11, slot("reason")),
    }
)


def logger_info(snapshot: Snapshot, config: HouseConfig) -> bytes:
    """``GetLoggerInfo.cgi``: a GEN24 has no separate logger and says so (status 11)."""
    return _NOT_SUPPORTED.render(
        timestamp=timestamp(snapshot.t), reason="v1/GetLoggerInfo.cgi request is not supported."
    )


_DEVICE_NOT_AVAILABLE = _render(
    {
        "Body": {"Data": {}},
        "Head": _head(slot("arguments"), 12, "Device not available"),
    }
)


def device_error(t: float, arguments: dict[str, str]) -> bytes:
    """Return what the inverter answers while it is faulted: status 12, no data."""
    return _DEVICE_NOT_AVAILABLE.render(timestamp=timestamp(t), arguments=arguments)


def api_version() -> bytes:
    """``/solar_api/GetAPIVersion.cgi``: no envelope."""
    return (
        b'{\n   "APIVersion" : 1,\n   "BaseURL" : "/solar_api/v1/",\n'
        b'   "CompatibilityRange" : "1.8-4"\n}\n'
    )


ENDPOINTS = {
    "GetPowerFlowRealtimeData.fcgi": ("powerflow", powerflow),
    "GetInverterRealtimeData.cgi": ("inverter", inverter),
    "GetMeterRealtimeData.cgi": ("meter", meter),
    "GetStorageRealtimeData.cgi": ("storage", storage),
    "GetInverterInfo.cgi": ("inverter_info", inverter_info),
    "GetLoggerInfo.cgi": ("logger_info", logger_info),
}
"""Path under ``/solar_api/v1/`` -> (Bronze endpoint name, format function)."""
