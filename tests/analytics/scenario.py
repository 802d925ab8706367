"""One small day of a real house, written as Bronze, with its energy worked out by hand.

Europe/Berlin, 2026-06-10 (CEST, UTC+2; a 24-hour local day).

Morning, 10:00-10:10 UTC, GEN24 power flow every 60 s (11 answers, 10 intervals):
PV 3600 W, grid -1200 W (export), battery -1800 W (charging), so the load is 600 W.
Per interval: PV 60 Wh, export 20 Wh, battery charge 30 Wh, load 10 Wh.
The Smart Meter answers every 60 s too; its export counter rises 21 Wh a minute,
so the counter (210 Wh), not the power (200 Wh), decides the export.

Evening, 20:00-20:05 UTC (6 answers, 5 intervals): PV null (asleep), grid +1440 W,
battery +360 W (discharging), load 1800 W. Per interval: import 24 Wh, discharge 6 Wh,
load 30 Wh. The meter's import counter rises 25 Wh a minute: 5 steps, 125 Wh.

Heat pump (emonHP feed list every 30 s):
10:00-10:10 UTC, 21 answers: counters +11 Wh electricity and +40 Wh heat per step,
flow 35 °C, outside 5 °C: 220 Wh in, 800 Wh out.
20:00-20:05 UTC, 11 answers: +20 Wh and +40 Wh per step, flow 45 °C, outside -5 °C:
200 Wh in, 400 Wh out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from .bronze_factory import emoncms_feeds, fronius_meter, fronius_powerflow, write_segment

DAY = datetime(2026, 6, 10, tzinfo=UTC)
MORNING = DAY.replace(hour=10)
EVENING = DAY.replace(hour=20)

SOLAR_PRODUCED_WH = 10 * 60
GRID_EXPORT_WH = 10 * 21
GRID_IMPORT_WH = 5 * 25
HOME_LOAD_WH = 10 * 10 + 5 * 30
BATTERY_CHARGE_WH = 10 * 30
BATTERY_DISCHARGE_WH = 5 * 6
HP_ELEC_MORNING_WH = 20 * 11
HP_HEAT_MORNING_WH = 20 * 40
HP_ELEC_EVENING_WH = 10 * 20
HP_HEAT_EVENING_WH = 10 * 40


def minutes(start: datetime, count: int, step_s: int = 60) -> list[datetime]:
    """`count` moments `step_s` apart from `start`."""
    return [start + timedelta(seconds=step_s * i) for i in range(count)]


def write_solar(lake: Path) -> None:
    """The power flow and meter segments of the day."""
    morning = [
        fronius_powerflow(t, pv=3600, grid=-1200, battery=-1800, soc=40)
        for t in minutes(MORNING, 11)
    ]
    evening = [
        fronius_powerflow(t, pv=None, grid=1440, battery=360, soc=80) for t in minutes(EVENING, 6)
    ]
    write_segment(lake, "fronius", "inv1", "powerflow", morning, token="m")
    write_segment(lake, "fronius", "inv1", "powerflow", evening, token="e")
    meter = [
        fronius_meter(t, imported_wh=1_000_000, exported_wh=2_000_000 + 21 * i, grid=-1200)
        for i, t in enumerate(minutes(MORNING, 11))
    ] + [
        fronius_meter(t, imported_wh=1_000_000 + 25 * i, exported_wh=2_000_210, grid=1440)
        for i, t in enumerate(minutes(EVENING, 6))
    ]
    write_segment(lake, "fronius", "inv1", "meter", meter, token="x")


def write_heatpump(lake: Path) -> None:
    """The emonHP feed lists of the day."""
    morning = [
        emoncms_feeds(
            t,
            elec=1320,
            heat=4800,
            flow=35,
            ret=30,
            outside=5,
            elec_kwh=1000 + 0.011 * i,
            heat_kwh=4000 + 0.040 * i,
        )
        for i, t in enumerate(minutes(MORNING, 21, 30))
    ]
    evening = [
        emoncms_feeds(
            t,
            elec=2400,
            heat=4800,
            flow=45,
            ret=40,
            outside=-5,
            elec_kwh=1000.22 + 0.020 * i,
            heat_kwh=4000.8 + 0.040 * i,
        )
        for i, t in enumerate(minutes(EVENING, 11, 30))
    ]
    write_segment(lake, "emoncms", "hp1", "feed_list", morning, token="m")
    write_segment(lake, "emoncms", "hp1", "feed_list", evening, token="e")
