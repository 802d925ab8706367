"""The simulator's HTTP APIs, read by the integration's real clients."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from custom_components.home_energy_lake.api.budget import RequestBudget
from custom_components.home_energy_lake.api.emoncms import EmoncmsClient
from custom_components.home_energy_lake.api.errors import (
    AuthenticationError,
    CannotConnectError,
    DeviceAsleepError,
)
from custom_components.home_energy_lake.api.fronius import FroniusClient
from custom_components.home_energy_lake.api.metno import MetNorwayClient
from custom_components.home_energy_lake.api.myuplink import MyUplinkClient
from custom_components.home_energy_lake.api.openmeteo import OpenMeteoClient
from custom_components.home_energy_lake.api.openweathermap import OpenWeatherMapClient
from custom_components.home_energy_lake.api.solaredge import SolarEdgeClient
from house_simulator.config import HouseConfig
from house_simulator.faults import INVERTER_OFFLINE, Fault
from house_simulator.server import start_server

from .conftest import Running

LAT, LON = HouseConfig().location.latitude, HouseConfig().location.longitude


async def test_fronius_power_flow_matches_the_truth(running: Running) -> None:
    # No 4-second spacing against a simulator: it has no data logger to overload.
    client = FroniusClient(running.session, running.url, budget=RequestBudget())
    identity = await client.async_identify()
    assert identity.unique_id == running.simulator.config.ids.fronius_serial
    result = await client.async_fetch()
    reading = result.reading
    truth = await running.simulator.snapshot(reading.timestamp.timestamp())
    assert reading.pv_power == pytest.approx(truth.pv_dc, abs=0.01)
    assert reading.grid_power == pytest.approx(truth.grid, abs=0.01)
    assert reading.load_power == pytest.approx(truth.consumption, abs=0.01)
    assert reading.battery_power == pytest.approx(truth.battery_power, abs=0.01)
    assert reading.battery_soc == pytest.approx(truth.battery_soc, abs=0.01)
    assert reading.pv_energy_total == pytest.approx(truth.pv_total_5min)
    assert next(raw.endpoint for raw in result.raw) == "powerflow"


async def test_solaredge_overview_and_power_flow(socket_enabled: None) -> None:
    # Early January: the year-to-date figure needs only a few days summed.
    config = HouseConfig(seed=11, epoch=datetime(2026, 1, 1, tzinfo=UTC))
    url, stop, simulator = await start_server(
        config, start=datetime(2026, 1, 3, 11, 0, tzinfo=UTC), speed=1e-6
    )
    ids = config.ids
    try:
        async with aiohttp.ClientSession() as session:
            client = SolarEdgeClient(
                session, ids.solaredge_api_key, ids.solaredge_site_id, base_url=url
            )
            assert (await client.async_identify()).unique_id == str(ids.solaredge_site_id)
            reading = (await client.async_fetch()).reading
            truth = await simulator.snapshot()
            assert reading.pv_energy_total == pytest.approx(truth.pv_total, abs=0.1)
            assert reading.pv_power == pytest.approx(truth.pv_ac, abs=10.0)
            assert reading.grid_power == pytest.approx(truth.grid, abs=10.0)
            bad = SolarEdgeClient(session, "wrong", ids.solaredge_site_id, base_url=url)
            with pytest.raises(AuthenticationError):
                await bad.async_identify()
    finally:
        await stop()


async def test_solaredge_energy_details_add_up(running: Running) -> None:
    ids = running.simulator.config.ids
    today = datetime.now(UTC).astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    async with running.session.get(
        f"{running.url}/site/{ids.solaredge_site_id}/energyDetails",
        params={
            "api_key": ids.solaredge_api_key,
            "startTime": today.strftime("%Y-%m-%d 00:00:00"),
            "endTime": today.strftime("%Y-%m-%d 23:59:59"),
            "timeUnit": "HOUR",
            "meters": "PRODUCTION,CONSUMPTION,SELFCONSUMPTION,FEEDIN,PURCHASED",
        },
    ) as response:
        assert response.status == 200
        body = await response.json()
    meters = {m["type"]: m["values"] for m in body["energyDetails"]["meters"]}
    assert set(meters) == {"Production", "Consumption", "SelfConsumption", "FeedIn", "Purchased"}
    for index, bucket in enumerate(meters["Production"]):
        if "value" not in bucket:
            continue
        produced = bucket["value"]
        assert produced >= 0
        # What the house used came from the sun or the grid (and the battery in between).
        assert meters["SelfConsumption"][index]["value"] == pytest.approx(
            produced - meters["FeedIn"][index]["value"], abs=0.2
        )


async def test_emoncms_feeds_match_the_truth(running: Running) -> None:
    client = EmoncmsClient(
        running.session, running.url, running.simulator.config.ids.emoncms_apikey
    )
    await client.async_identify()
    reading = (await client.async_fetch()).reading
    truth = await running.simulator.snapshot(reading.timestamp.timestamp())
    assert reading.electric_power == pytest.approx(truth.hp_electric, abs=0.5)
    assert reading.heat_power == pytest.approx(truth.hp_heat, abs=0.5)
    assert reading.electric_energy_total == pytest.approx(truth.hp_electric_total, abs=1.0)
    assert reading.heat_energy_total == pytest.approx(truth.hp_heat_total, abs=1.0)
    assert reading.flow_temperature == pytest.approx(truth.flow_temperature, abs=0.01)
    assert reading.outside_temperature == pytest.approx(truth.outside_temperature, abs=0.01)
    wrong = EmoncmsClient(running.session, running.url, "not-the-key")
    with pytest.raises(AuthenticationError):
        await wrong.async_fetch()


async def test_myuplink_oauth_flow_and_points(running: Running) -> None:
    ids = running.simulator.config.ids
    session = running.session
    redirect = "http://127.0.0.1/auth/external/callback"
    async with session.get(
        f"{running.url}/oauth/authorize",
        params={
            "client_id": ids.myuplink_client_id,
            "redirect_uri": redirect,
            "state": "xyz",
            "response_type": "code",
        },
        allow_redirects=False,
    ) as response:
        assert response.status == 302
        back = urlsplit(response.headers["Location"])
    query = parse_qs(back.query)
    assert query["state"] == ["xyz"]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": redirect,
        "client_id": ids.myuplink_client_id,
        "client_secret": ids.myuplink_client_secret,
    }
    async with session.post(f"{running.url}/oauth/token", data=form) as response:
        assert response.status == 200
        tokens = await response.json()
    async with session.post(f"{running.url}/oauth/token", data=form) as response:
        assert response.status == 400  # a code is good once
    async with session.post(
        f"{running.url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": ids.myuplink_client_id,
            "client_secret": ids.myuplink_client_secret,
        },
    ) as response:
        assert response.status == 200
        refreshed = await response.json()

    async def token() -> str:
        return str(refreshed["access_token"])

    client = MyUplinkClient(session, token, base_url=running.url, budget=RequestBudget())
    identity = await client.async_identify()
    assert identity.unique_id
    reading = (await client.async_fetch()).reading
    truth = await running.simulator.snapshot()
    assert reading.flow_temperature == pytest.approx(truth.flow_temperature, abs=0.06)
    assert reading.outside_temperature == pytest.approx(truth.outside_temperature, abs=0.06)
    assert reading.electric_energy_total == pytest.approx(truth.hp_electric_total, abs=10.0)
    assert reading.heat_energy_total == pytest.approx(truth.hp_heat_total, abs=100.0)

    async def stale() -> str:
        return "expired-or-made-up"

    with pytest.raises(AuthenticationError):
        await MyUplinkClient(session, stale, base_url=running.url).async_fetch()


async def test_open_meteo_forecast_with_past_days(running: Running) -> None:
    client = OpenMeteoClient(running.session, LAT, LON, base_url=f"{running.url}/v1")
    reading = (await client.async_fetch()).reading
    assert len(reading.hourly) == 8 * 24
    assert reading.hourly[0].timestamp == datetime.now(UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) - timedelta(days=1)
    assert all(point.temperature is not None for point in reading.hourly)
    assert reading.current is not None
    truth = await running.simulator.snapshot()
    assert reading.current.temperature == pytest.approx(truth.air_temperature, abs=2.0)


async def test_openweathermap_metric_and_key(running: Running) -> None:
    key = running.simulator.config.ids.owm_appid
    client = OpenWeatherMapClient(running.session, key, LAT, LON, base_url=running.url)
    reading = (await client.async_fetch()).reading
    truth = await running.simulator.snapshot()
    assert reading.current is not None
    assert reading.current.temperature is not None
    assert reading.current.temperature == pytest.approx(truth.air_temperature, abs=2.5)
    assert len(reading.hourly) == 48
    wrong = OpenWeatherMapClient(running.session, "nope", LAT, LON, base_url=running.url)
    with pytest.raises(AuthenticationError):
        await wrong.async_fetch()


async def test_met_norway_user_agent_and_not_modified(running: Running) -> None:
    url = f"{running.url}/weatherapi/locationforecast/2.0/compact"
    params = {"lat": "50.1109", "lon": "8.6821"}
    async with running.session.get(url, params=params, headers={"User-Agent": ""}) as response:
        assert response.status == 403
    agent = {"User-Agent": "home-energy-lake-tests/1.0 https://example.org/contact"}
    async with running.session.get(url, params=params, headers=agent) as response:
        assert response.status == 200
        modified = response.headers["Last-Modified"]
        assert "Expires" in response.headers
        body = await response.json()
    assert (
        body["properties"]["timeseries"][0]["data"]["instant"]["details"]["air_temperature"]
        is not None
    )
    async with running.session.get(
        url, params=params, headers=agent | {"If-Modified-Since": modified}
    ) as response:
        assert response.status == 304
        assert await response.read() == b""
    client = MetNorwayClient(
        running.session,
        LAT,
        LON,
        user_agent=agent["User-Agent"],
        base_url=f"{running.url}/weatherapi/locationforecast/2.0",
    )
    reading = (await client.async_fetch()).reading
    assert len(reading.hourly) > 60


async def test_inverter_offline_drops_the_connection(socket_enabled: None) -> None:
    now = datetime.now(UTC)
    fault = Fault(
        INVERTER_OFFLINE, now - timedelta(hours=1), now + timedelta(hours=1), {"mode": "no_answer"}
    )
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    url, stop, _simulator = await start_server(
        HouseConfig(epoch=today), faults=[fault], warm_up_year=False
    )
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(CannotConnectError):
                await FroniusClient(session, url, budget=RequestBudget()).async_fetch()
    finally:
        await stop()


async def test_inverter_device_error_is_the_inverters_own(socket_enabled: None) -> None:
    now = datetime.now(UTC)
    fault = Fault(
        INVERTER_OFFLINE,
        now - timedelta(hours=1),
        now + timedelta(hours=1),
        {"mode": "device_error"},
    )
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    url, stop, _simulator = await start_server(
        HouseConfig(epoch=today), faults=[fault], warm_up_year=False
    )
    try:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(DeviceAsleepError) as caught:
                await FroniusClient(session, url, budget=RequestBudget()).async_fetch()
            assert caught.value.raw is not None
            assert caught.value.raw.status == 200
    finally:
        await stop()


async def test_fixed_start_and_speed(socket_enabled: None) -> None:
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    url, stop, simulator = await start_server(
        HouseConfig(epoch=datetime(2026, 3, 2, tzinfo=UTC)),
        start=start,
        speed=600.0,
        warm_up_year=False,
    )
    try:
        first = simulator.clock.now()
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/simulator/state") as response,
        ):
            state = await response.json()
        assert abs(first - start.timestamp()) < 600.0 * 2
        assert state["t"] >= start.timestamp()
        assert simulator.clock.now() > first
    finally:
        await stop()


async def test_emoncms_history_capture(running: Running) -> None:
    from custom_components.home_energy_lake.api.emoncms import parse_feed_data

    client = EmoncmsClient(
        running.session, running.url, running.simulator.config.ids.emoncms_apikey
    )
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(minutes=30)
    answers = await client.async_capture(start, end)
    data = [a for a in answers if a.endpoint == "feed_data"]
    assert len(data) >= 8  # one per heat-pump feed
    import json

    checked = 0
    for raw in data:
        points = parse_feed_data(json.loads(raw.body), raw.fetched_at)
        assert points
        assert all(start.timestamp() - 60 <= p[0].timestamp() <= end.timestamp() for p in points)
        if "id=12" in raw.url:  # heatpump_elec_kwh: sampled, so it is the counter itself
            for moment, value in (points[0], points[-1]):
                truth = await running.simulator.snapshot(moment.timestamp())
                assert value == pytest.approx(truth.hp_electric_total / 1000.0, abs=0.001)
                checked += 1
    assert checked == 2


async def _refresh(session: aiohttp.ClientSession, url: str, refresh_token: str) -> int:
    ids = HouseConfig().ids
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": ids.myuplink_client_id,
        "client_secret": ids.myuplink_client_secret,
    }
    async with session.post(f"{url}/oauth/token", data=form) as response:
        return response.status


@pytest.mark.parametrize("keep_grants", [True, False])
async def test_oauth_grants_survive_a_restart_only_with_a_grants_file(
    socket_enabled: None, tmp_path: Path, keep_grants: bool
) -> None:
    grants = tmp_path / "grants.json" if keep_grants else None
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    config = HouseConfig(epoch=today)
    ids = config.ids
    async with aiohttp.ClientSession() as session:
        url, stop, _ = await start_server(config, warm_up_year=False, grants_file=grants)
        try:
            form = {
                "grant_type": "client_credentials",
                "client_id": ids.myuplink_client_id,
                "client_secret": ids.myuplink_client_secret,
            }
            async with session.post(f"{url}/oauth/token", data=form) as response:
                tokens = await response.json()
        finally:
            await stop()
        # A new simulator, as after the demo's restart.
        url, stop, _ = await start_server(config, warm_up_year=False, grants_file=grants)
        try:
            async with session.get(
                f"{url}/v2/systems/me",
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
            ) as response:
                assert response.status == (200 if keep_grants else 401)
            status = await _refresh(session, url, tokens["refresh_token"])
            assert status == (200 if keep_grants else 400)
            # A refresh token is good once, before and after a restart.
            assert await _refresh(session, url, tokens["refresh_token"]) == 400
        finally:
            await stop()


async def test_unreadable_grants_are_ignored_and_replaced(
    socket_enabled: None, tmp_path: Path
) -> None:
    grants = tmp_path / "grants.json"
    grants.write_text('{"access": {"half-writ', encoding="utf-8")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    _url, stop, simulator = await start_server(
        HouseConfig(epoch=today), warm_up_year=False, grants_file=grants
    )
    try:
        assert simulator.oauth.refresh == set()
        _access, refresh = simulator.oauth.issue()
        assert json.loads(grants.read_text(encoding="utf-8"))["refresh"] == [refresh]
    finally:
        await stop()


async def test_ready_only_after_the_warm_up(socket_enabled: None) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    url, stop, simulator = await start_server(HouseConfig(epoch=today), warm_up_year=False)
    try:
        async with aiohttp.ClientSession() as session:
            await asyncio.wait_for(simulator.warmed_up.wait(), 30)
            async with session.get(f"{url}/simulator/ready") as response:
                assert response.status == 200
            simulator.warmed_up.clear()
            async with session.get(f"{url}/simulator/ready") as response:
                assert response.status == 503
    finally:
        await stop()
