"""Faults: drawn from the seed, or given; each visible where the log says, and only there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from house_simulator.faults import (
    HEATPUMP_OVERCONSUMPTION,
    INVERTER_OFFLINE,
    KINDS,
    PV_STRING_LOSS,
    SENSOR_STUCK,
    Fault,
    read_log,
    seeded_faults,
    write_log,
)
from house_simulator.house import DAY_S

from .conftest import SPRING_DAY, house_near

START = datetime.fromtimestamp(SPRING_DAY * DAY_S, tz=UTC)


def test_seeded_faults_cover_every_kind_within_their_ranges() -> None:
    faults = seeded_faults(3, 0, 365 * DAY_S * 57, 8.68)
    assert {fault.kind for fault in faults} == set(KINDS)
    for fault in faults:
        if fault.kind == HEATPUMP_OVERCONSUMPTION:
            assert 1.15 <= fault.params["factor"] <= 1.40
            assert timedelta(days=2) <= fault.end - fault.start <= timedelta(days=5)
        elif fault.kind == PV_STRING_LOSS:
            assert 0.20 <= fault.params["fraction"] <= 0.50
        elif fault.kind == INVERTER_OFFLINE:
            assert fault.params["mode"] in {"no_answer", "device_error"}
            assert timedelta(hours=1) <= fault.end - fault.start <= timedelta(hours=4)
            # In daylight: within hours of solar noon (about 11:25 UTC here).
            assert 7 <= fault.start.hour <= 13
        else:
            assert fault.params["sensor"] in {
                "flow_temperature",
                "return_temperature",
                "outside_temperature",
            }


def test_seeded_faults_of_a_window_agree_with_a_wider_window() -> None:
    wide = seeded_faults(9, 0, 200 * DAY_S + 20_000 * DAY_S, 8.68)
    narrow = seeded_faults(9, 20_050 * DAY_S, 20_080 * DAY_S, 8.68)
    inside = [f for f in wide if f.end_s > 20_050 * DAY_S and f.start_s < 20_080 * DAY_S]
    assert narrow == inside


def test_log_round_trips(tmp_path: Path) -> None:
    faults = [
        Fault(PV_STRING_LOSS, START, START + timedelta(days=2), {"fraction": 0.3}),
        Fault(
            SENSOR_STUCK,
            START,
            START + timedelta(hours=5),
            {"sensor": "flow_temperature", "value": 31.2},
        ),
    ]
    write_log(faults, tmp_path / "faults.jsonl")
    lines = (tmp_path / "faults.jsonl").read_text().splitlines()
    assert len(lines) == 2
    assert '"start": "2026-04-20T00:00:00Z"' in lines[0]
    assert read_log(tmp_path / "faults.jsonl") == faults


def test_bad_faults_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("gremlins", START, START + timedelta(hours=1))
    with pytest.raises(ValueError, match="ends before"):
        Fault(PV_STRING_LOSS, START, START, {"fraction": 0.3})
    with pytest.raises(ValueError, match="timezone-aware"):
        Fault(PV_STRING_LOSS, START.replace(tzinfo=None), START + timedelta(hours=1))


def _with(*faults: Fault):  # type: ignore[no-untyped-def]
    from house_simulator.config import HouseConfig
    from house_simulator.house import House

    return House(HouseConfig(seed=7, epoch=START), faults)


def test_heat_pump_overconsumption_raises_electricity_not_heat() -> None:
    healthy = _with().day(SPRING_DAY)
    fault = Fault(
        HEATPUMP_OVERCONSUMPTION,
        START + timedelta(hours=6),
        START + timedelta(days=3),
        {"factor": 1.3},
    )
    faulty = _with(fault).day(SPRING_DAY)
    inside = fault.active(healthy.t) & (healthy.heat_pump.running > 0)
    outside = ~fault.active(healthy.t)
    assert inside.any()
    assert np.allclose(faulty.heat_pump.electric[inside], 1.3 * healthy.heat_pump.electric[inside])
    assert np.array_equal(faulty.heat_pump.heat, healthy.heat_pump.heat)
    assert np.array_equal(faulty.heat_pump.electric[outside], healthy.heat_pump.electric[outside])


def test_pv_string_loss_cuts_dc_by_its_fraction() -> None:
    healthy = _with().day(SPRING_DAY)
    fault = Fault(PV_STRING_LOSS, START, START + timedelta(days=2), {"fraction": 0.35})
    faulty = _with(fault).day(SPRING_DAY)
    assert np.allclose(faulty.pv.dc, 0.65 * healthy.pv.dc)
    assert faulty.pv_ac.sum() < 0.7 * healthy.pv_ac.sum()


def test_inverter_offline_means_no_pv_and_a_flag() -> None:
    fault = Fault(
        INVERTER_OFFLINE,
        START + timedelta(hours=10),
        START + timedelta(hours=12),
        {"mode": "no_answer"},
    )
    frame = _with(fault).day(SPRING_DAY)
    active = fault.active(frame.t)
    assert np.all(frame.inverter_offline[active] == 1.0)
    assert np.all(frame.inverter_offline[~active] == 0.0)
    assert np.all(frame.pv_ac[active] == 0.0)
    assert np.all(frame.battery_power[active] == 0.0)


def test_stuck_sensor_freezes_the_reported_value_only() -> None:
    fault = Fault(
        SENSOR_STUCK,
        START + timedelta(hours=3),
        START + timedelta(hours=9),
        {"sensor": "flow_temperature"},
    )
    house = _with(fault)
    frame = house.day(SPRING_DAY)
    logged = house.faults(fault.start_s, fault.end_s)[0]
    value = logged.params["value"]
    active = fault.active(frame.t)
    assert np.all(frame.reported["flow_temperature"][active] == value)
    assert len(np.unique(frame.heat_pump.flow_temperature[active])) > 10
    assert np.array_equal(
        frame.reported["flow_temperature"][~active], frame.heat_pump.flow_temperature[~active]
    )


def test_seeded_house_applies_its_own_faults() -> None:
    house = house_near(SPRING_DAY, seed=3)
    faults = house.faults(SPRING_DAY * DAY_S - 60 * DAY_S, SPRING_DAY * DAY_S + 60 * DAY_S)
    offline = next(f for f in faults if f.kind == INVERTER_OFFLINE)
    day = int(offline.start_s // DAY_S)
    frame = house.day(day)
    assert np.all(frame.inverter_offline[offline.active(frame.t)] == 1.0)


def _feeds(frame, i):  # type: ignore[no-untyped-def]
    import json

    from house_simulator.formats import emoncms
    from house_simulator.snapshot import snapshot_of

    return {f["name"]: f["value"] for f in json.loads(emoncms.feed_list(snapshot_of(frame, i)))}


def test_overconsumption_shows_in_the_emoncms_answers() -> None:
    fault = Fault(HEATPUMP_OVERCONSUMPTION, START, START + timedelta(days=1), {"factor": 1.25})
    healthy, faulty = _with().day(SPRING_DAY), _with(fault).day(SPRING_DAY)
    running = [int(i) for i in np.flatnonzero(healthy.heat_pump.running > 0)[::200]]
    assert running
    for i in running:
        good, bad = _feeds(healthy, i), _feeds(faulty, i)
        assert bad["heatpump_heat"] == good["heatpump_heat"]
        assert bad["heatpump_elec"] == pytest.approx(1.25 * good["heatpump_elec"], abs=1.0)
    end = len(healthy.t) - 1
    assert _feeds(faulty, end)["heatpump_elec_kwh"] > _feeds(healthy, end)["heatpump_elec_kwh"]


def test_string_loss_shows_in_the_fronius_answers() -> None:
    import json

    from house_simulator.formats import fronius
    from house_simulator.snapshot import snapshot_of

    fault = Fault(PV_STRING_LOSS, START, START + timedelta(days=1), {"fraction": 0.4})
    healthy, faulty = _with().day(SPRING_DAY), _with(fault).day(SPRING_DAY)
    noon = int(np.argmax(healthy.pv.dc))
    config = _with().config

    def p_pv(frame) -> float:  # type: ignore[no-untyped-def]
        body = json.loads(fronius.powerflow(snapshot_of(frame, noon), config))
        return float(body["Body"]["Data"]["Site"]["P_PV"])

    assert p_pv(faulty) == pytest.approx(0.6 * p_pv(healthy), rel=1e-4)


def test_house_without_battery_answers_storage_with_status_255() -> None:
    import json

    from custom_components.home_energy_lake.api.errors import NotSupportedError
    from custom_components.home_energy_lake.api.fronius import check_status, parse_powerflow
    from house_simulator.formats import fronius
    from house_simulator.snapshot import snapshot_of

    house = house_near(SPRING_DAY, battery=None)
    state = snapshot_of(house.day(SPRING_DAY), 4000)
    with pytest.raises(NotSupportedError):
        check_status(json.loads(fronius.storage(state, house.config)), "storage")
    reading = parse_powerflow(json.loads(fronius.powerflow(state, house.config)), START)
    assert reading.battery_power is None
    assert reading.grid_power == pytest.approx(state.grid, abs=0.01)
