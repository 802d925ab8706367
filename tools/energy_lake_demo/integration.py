"""Add Home Energy Lake to a running hass through the config-flow REST API, as a user would."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .hass import HassClient, HassError

DOMAIN = "home_energy_lake"
FLOW = "/api/config/config_entries/flow"
MAX_STEPS = 30


def flow_answers(
    simulator_url: str, lake_dir: Path, location: tuple[float, float]
) -> dict[str, Mapping[str, Any]]:
    """Return what the demo answers at each step of the config flow, by step id.

    The flow runs in advanced mode, whose *API URL* fields point the cloud APIs at the
    house simulator; docs/integration.md lists the steps.
    """
    latitude, longitude = location
    return {
        "user": {
            "latitude": latitude,
            "longitude": longitude,
            "solar": "fronius",
            "heatpump": "emoncms",
            "weather": ["openmeteo", "owm", "metno"],
            "lake": "local",
        },
        "local": {"path": str(lake_dir)},
        "fronius": {"host": simulator_url},
        "emoncms": {"url": simulator_url, "api_key": "demo-emoncms-key"},
        "openmeteo": {"base_url": f"{simulator_url}/v1"},
        "owm": {"api_key": "demo-owm-key", "base_url": simulator_url},
        "metno": {"base_url": f"{simulator_url}/weatherapi/locationforecast/2.0"},
    }


async def find_entry(client: HassClient) -> dict[str, Any] | None:
    """Return our config entry, if the demo added it on an earlier run."""
    for entry in await client.get(f"/api/config/config_entries/entry?domain={DOMAIN}"):
        return dict(entry)
    return None


async def add_home_energy_lake(
    client: HassClient, simulator_url: str, lake_dir: Path, location: tuple[float, float]
) -> str:
    """Run the config flow against the simulator unless the entry exists; return its id."""
    if (entry := await find_entry(client)) is not None:
        return str(entry["entry_id"])
    answers = flow_answers(simulator_url, lake_dir, location)
    result: dict[str, Any] = await client.post(
        FLOW, {"handler": DOMAIN, "show_advanced_options": True}
    )
    for _ in range(MAX_STEPS):
        if result["type"] == "create_entry":
            return str(result["result"]["entry_id"])
        if result["type"] == "abort":
            raise HassError(f"the config flow aborted: {result['reason']}")
        if result.get("errors"):
            raise HassError(f"step {result['step_id']} refused the input: {result['errors']}")
        step = result["step_id"]
        if step not in answers:
            raise HassError(f"the demo has no answer for step {step!r}: {result}")
        result = await client.post(f"{FLOW}/{result['flow_id']}", answers[step])
    raise HassError("the config flow did not finish")


async def our_entities(client: HassClient) -> dict[str, str]:
    """Map each of our entities' unique id to its entity id."""
    registry = await client.ws("config/entity_registry/list")
    return {e["unique_id"]: e["entity_id"] for e in registry if e["platform"] == DOMAIN}


async def save_energy_preferences(client: HassClient) -> None:
    """Point the Energy dashboard at our lifetime energy sensors."""
    entities = await our_entities(client)

    def pick(key: str) -> str | None:
        # Unique ids are <vendor>_<device>_<key>, with "_from_power" for integrated counters.
        return next(
            (eid for uid, eid in sorted(entities.items()) if f"_{key}" in uid and "energy" in key),
            None,
        )

    grid_in, grid_out, solar = (
        pick("grid_import_energy"),
        pick("grid_export_energy"),
        pick("pv_energy"),
    )
    sources: list[dict[str, Any]] = []
    if grid_in and grid_out:
        sources.append(
            {
                "type": "grid",
                "flow_from": [
                    {
                        "stat_energy_from": grid_in,
                        "stat_cost": None,
                        "entity_energy_price": None,
                        "number_energy_price": 0.32,
                    }
                ],
                "flow_to": [
                    {
                        "stat_energy_to": grid_out,
                        "stat_compensation": None,
                        "entity_energy_price": None,
                        "number_energy_price": 0.08,
                    }
                ],
                "cost_adjustment_day": 0,
            }
        )
    if solar:
        sources.append(
            {"type": "solar", "stat_energy_from": solar, "config_entry_solar_forecast": None}
        )
    devices = [{"stat_consumption": eid} for eid in (pick("electric_energy"),) if eid]
    await client.ws("energy/save_prefs", energy_sources=sources, device_consumption=devices)
