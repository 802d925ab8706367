"""A real ``hass`` with Home Energy Lake against the house simulator, driven over REST.

The simulator's clock all but stands still (at the wall-clock time the test starts, so
the clients' staleness checks hold) and it injects no faults, so what the sensors show
can be compared with the simulator's ground truth to the vendors' rounding. Stopping hass seals the
Bronze segments, which must then be in the lake with their envelopes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
import gzip
import json
from pathlib import Path
import socket
from typing import Any

import pytest

from energy_lake_demo.hass import HassClient, HassProcess, Location, write_config
from energy_lake_demo.integration import DOMAIN, add_home_energy_lake, flow_answers, our_entities
from house_simulator.server import Simulator, start_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
HOUSE = Location(latitude=50.1109, longitude=8.6821, time_zone="Europe/Berlin")
# One simulated second per 30 years of real time: the house stands still during the test.
STANDSTILL = 1e-9


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncIterator[tuple[str, Simulator]]:
    """The house simulator in this process, its clock frozen."""
    url, stop, house = await start_server(start=datetime.now(UTC), speed=STANDSTILL, faults=[])
    try:
        yield url, house
    finally:
        await stop()


@pytest.fixture
async def hass_process(tmp_path: Path, socket_enabled: None) -> AsyncIterator[HassProcess]:
    """A real hass, started with this interpreter's Home Assistant, stopped after the test."""
    config_dir = tmp_path / "config"
    write_config(config_dir, port=_free_port(), location=HOUSE, repo_root=ROOT)
    process = HassProcess(config_dir, port=int(_port_of(config_dir)))
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _port_of(config_dir: Path) -> str:
    text = (config_dir / "configuration.yaml").read_text(encoding="utf-8")
    return text.split("server_port:")[1].split()[0]


async def _states(client: HassClient, entity_ids: dict[str, str]) -> dict[str, Any]:
    states = {s["entity_id"]: s for s in await client.get("/api/states")}
    return {uid: states.get(eid) for uid, eid in entity_ids.items()}


async def _wait_for_values(client: HassClient) -> dict[str, Any]:
    """Wait until every source has delivered (no sensor of it unknown/unavailable)."""
    async with asyncio.timeout(120):
        while True:
            entities = await our_entities(client)
            states = await _states(client, entities)
            wanted = [
                uid
                for uid in states
                if uid.endswith(("_pv_power", "_electric_power", "_temperature"))
            ]
            if wanted and all(
                states[uid] and states[uid]["state"] not in ("unknown", "unavailable")
                for uid in wanted
            ):
                return {uid: s["state"] for uid, s in states.items() if s}
            await asyncio.sleep(1)


def _value(states: dict[str, Any], suffix: str) -> float:
    matches = [float(v) for uid, v in states.items() if uid.endswith(suffix)]
    assert len(matches) == 1, (suffix, matches)
    return matches[0]


def _bronze_records(lake: Path) -> list[dict[str, Any]]:
    records = []
    for segment in sorted(lake.rglob("*.jsonl.gz")):
        with gzip.open(segment, "rt", encoding="utf-8") as lines:
            records.extend(json.loads(line) for line in lines)
    return records


async def test_demo_house_end_to_end(
    simulator: tuple[str, Simulator], hass_process: HassProcess, tmp_path: Path
) -> None:
    simulator_url, house = simulator
    lake = tmp_path / "lake"
    lake.mkdir()

    await hass_process.wait_http()
    async with HassClient(hass_process.base_url) as client:
        await client.onboard(name="E2E", username="e2e", password="e2e-password-123")
        await client.wait_running()
        entry_id = await add_home_energy_lake(
            client, flow_answers(simulator_url, lake, (HOUSE.latitude, HOUSE.longitude))
        )
        entries = await client.get(f"/api/config/config_entries/entry?domain={DOMAIN}")
        assert [(e["entry_id"], e["state"]) for e in entries] == [(entry_id, "loaded")]

        states = await _wait_for_values(client)

    truth = await house.snapshot()
    # Solar, as the simulated Fronius GEN24 reports it: P_PV is the generator's DC power.
    assert _value(states, "_pv_power") == pytest.approx(truth.pv_dc, abs=1)
    assert _value(states, "_load_power") == pytest.approx(truth.consumption, abs=1)
    grid_import = max(truth.grid, 0.0)
    assert _value(states, "_grid_import_power") == pytest.approx(grid_import, abs=1)
    # Heat pump, as the simulated emonHP reports it.
    assert _value(states, "_electric_power") == pytest.approx(truth.hp_electric, abs=1)
    assert _value(states, "_heat_power") == pytest.approx(truth.hp_heat, abs=1)
    assert _value(states, "_flow_temperature") == pytest.approx(truth.flow_temperature, abs=0.01)
    assert _value(states, "_electric_energy") == pytest.approx(
        truth.hp_electric_total / 1000, abs=0.01
    )

    # Stopping hass seals the spool's segments and ships them to the lake.
    assert hass_process.stop() == 0
    records = _bronze_records(lake)
    vendors = {(r["source"], r["vendor"]) for r in records}
    assert {
        ("solar", "fronius"),
        ("heatpump", "emoncms"),
        ("weather", "openmeteo"),
        ("weather", "owm"),
        ("weather", "metno"),
    } <= vendors
    for record in records:
        assert record["envelope_version"] == 1
        assert record["fetched_at"].endswith("Z")
    powerflow = [r for r in records if r["endpoint"] == "powerflow"]
    assert powerflow
    assert powerflow[-1]["payload"]["Body"]["Data"]["Site"]["P_PV"] == pytest.approx(
        truth.pv_dc, abs=1
    )
