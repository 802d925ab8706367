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

    The first form's *Advanced* section asks the cloud steps for their *API URL*, which
    points them at the house simulator; docs/integration.md lists the steps.
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
            "advanced": {"custom_api_urls": True},
        },
        "local": {"path": str(lake_dir)},
        "fronius": {"host": simulator_url},
        "emoncms": {"url": simulator_url, "api_key": "demo-emoncms-key"},
        "openmeteo": {"base_url": f"{simulator_url}/v1"},
        "owm": {"api_key": "demo-owm-key", "base_url": simulator_url},
        "metno": {"base_url": f"{simulator_url}/weatherapi/locationforecast/2.0"},
    }


def second_home_answers(
    simulator_url: str, lake_dir: Path, location: tuple[float, float]
) -> dict[str, Mapping[str, Any]]:
    """Return the answers for a second home: the cloud sources, SolarEdge and myUplink.

    A home has one inverter and one heat pump, so the demo shows the other two vendors
    as a second home with its own lake (weather APIs belong to the first home).
    """
    latitude, longitude = location
    return {
        "user": {
            "latitude": latitude,
            "longitude": longitude,
            "solar": "solaredge",
            "heatpump": "myuplink",
            "weather": [],
            "lake": "local",
            "advanced": {"custom_api_urls": True},
        },
        "local": {"path": str(lake_dir)},
        "solaredge": {
            "site_id": SIMULATED_SOLAREDGE_SITE,
            "api_key": "demo-solaredge-key",
            "base_url": simulator_url,
        },
        "myuplink": {"base_url": simulator_url},
    }


# The house simulator's SolarEdge site and myUplink OAuth application.
SIMULATED_SOLAREDGE_SITE = "3119021"
SIMULATED_MYUPLINK_CLIENT = ("house-simulator-client", "house-simulator-secret")


async def ensure_myuplink_credentials(client: HassClient) -> None:
    """Register the simulator's myUplink OAuth application, once."""
    client_id, client_secret = SIMULATED_MYUPLINK_CLIENT
    existing = await client.ws("application_credentials/list")
    if any(item["client_id"] == client_id for item in existing):
        return
    await client.ws(
        "application_credentials/create",
        domain=DOMAIN,
        client_id=client_id,
        client_secret=client_secret,
        name="House simulator",
    )


async def add_home_energy_lake(
    client: HassClient, answers: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """Run the config flow with ``answers`` by step id; return the new entry's id.

    Returns None when the home exists already (an earlier run added it): the flow
    aborts as soon as it sees the lake is taken.

    The myUplink login is an external step: the script plays the browser, following the
    simulator's authorize redirect back to Home Assistant's OAuth callback.
    """
    result: dict[str, Any] = await client.post(FLOW, {"handler": DOMAIN})
    for _ in range(MAX_STEPS):
        if result["type"] == "create_entry":
            return str(result["result"]["entry_id"])
        if result["type"] == "abort":
            if result["reason"] == "already_configured":
                return None
            raise HassError(f"the config flow aborted: {result['reason']}")
        if result["type"] == "external":
            await client.follow_redirects(result["url"])
            result = await client.get(f"{FLOW}/{result['flow_id']}")
            continue
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
