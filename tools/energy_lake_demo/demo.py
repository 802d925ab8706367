"""The demo's steps: simulator, history, analytics, hass, onboarding, the integration."""

from __future__ import annotations

import asyncio
from asyncio import FIRST_COMPLETED
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
import sys
import time
from typing import Any

import aiohttp

from house_simulator.faults import INVERTER_OFFLINE

from .hass import HassClient, HassError, HassProcess, Location, write_config
from .integration import (
    add_home_energy_lake,
    ensure_myuplink_credentials,
    flow_answers,
    save_energy_preferences,
    second_home_answers,
)

USERNAME = "demo"
PASSWORD = "energy-lake-demo"  # noqa: S105  (a loopback-only demo account, printed for the user)
DEFAULT_DAYS = 30
RESTART_EXIT_CODE = 100  # hass asks its launcher to start it again


@dataclass(frozen=True)
class DemoSettings:
    """Where the demo lives and what it runs."""

    repo_root: Path
    demo_dir: Path
    port: int
    simulator_port: int
    seed: int
    days: int | None
    faults: Path | None = None  # a fault log to use instead of the seed's

    @property
    def house_arguments(self) -> tuple[str, ...]:
        """What decides the simulated house, the same for its history and its live APIs."""
        faults = ("--faults", str(self.faults)) if self.faults else ()
        return ("--seed", str(self.seed), *faults)

    @property
    def config_dir(self) -> Path:
        """Home Assistant's config directory."""
        return self.demo_dir / "config"

    @property
    def lake_dir(self) -> Path:
        """The lake root the integration and the history generator write to."""
        return self.demo_dir / "lake"

    @property
    def second_lake_dir(self) -> Path:
        """The lake of the second demo home (SolarEdge and myUplink)."""
        return self.demo_dir / "lake-cloud"

    @property
    def simulator_url(self) -> str:
        """Base URL of the house simulator's APIs."""
        return f"http://127.0.0.1:{self.simulator_port}"


# The simulator's house stands here; HA's home location matches it.
HOUSE = Location(latitude=50.1109, longitude=8.6821, time_zone="Europe/Berlin")


def say(message: str) -> None:
    """Progress for the person waiting at the terminal."""
    print(f"[demo] {message}", flush=True)


async def _run(*args: str, log: Path) -> None:
    """Run one of our own commands to completion, its output in ``log``.

    Like every child of the demo it runs in its own session: Ctrl-C at the terminal
    reaches the demo alone, which stops its children in order (a cancelled run
    terminates its command and waits for it).
    """
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=out, stderr=out, start_new_session=True
        )
        try:
            code = await process.wait()
        except asyncio.CancelledError:
            process.terminate()
            await process.wait()
            raise
    if code != 0:
        raise HassError(f"{' '.join(args[1:4])} failed; see {log}")


async def _start_simulator(settings: DemoSettings) -> asyncio.subprocess.Process:
    log = (settings.demo_dir / "simulator.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "house_simulator",
        "serve",
        "--port",
        str(settings.simulator_port),
        *settings.house_arguments,
        # A real cloud keeps its grants: HA's stored myUplink token works after a restart.
        "--grants",
        str(settings.demo_dir / "simulator-grants.json"),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    return process


async def wait_simulator(url: str, process: asyncio.subprocess.Process) -> None:
    """Wait until the simulator has warmed up, failing early if it died.

    Until then a request waits behind the sum of the days since 1 January, and a
    config flow's probe could time out on a busy machine.
    """
    try:
        async with asyncio.timeout(120), aiohttp.ClientSession() as session:
            while process.returncode is None:
                try:
                    async with session.get(f"{url}/simulator/ready") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.25)
    except TimeoutError as err:
        raise HassError(f"the house simulator did not answer on {url}") from err
    raise HassError(f"the house simulator exited with {process.returncode}")


async def _backfill(settings: DemoSettings) -> None:
    """Write simulated history into the lake once, then build the lakehouse on it."""
    days = settings.days if settings.days is not None else DEFAULT_DAYS
    marker = settings.demo_dir / f"history-{settings.seed}-{days}d.done"
    log = settings.demo_dir / "backfill.log"
    if not marker.exists():
        say(f"writing {days} days of simulated history into {settings.lake_dir} ...")
        await _run(
            sys.executable,
            "-m",
            "house_simulator",
            "history",
            "--days",
            str(days),
            "--lake",
            str(settings.lake_dir),
            *settings.house_arguments,
            # The live APIs' address: the history's device ids match the live ones.
            "--base-url",
            settings.simulator_url,
            log=log,
        )
        marker.touch()
    say("building the lakehouse (Silver and Gold) from Bronze ...")
    await _run(
        sys.executable,
        "-m",
        "energy_lakehouse",
        "build",
        "--lake",
        str(settings.lake_dir),
        "--db",
        str(settings.demo_dir / "lakehouse.duckdb"),
        "--timezone",
        HOUSE.time_zone,
        log=log,
    )


async def _drop_onboarding_entries(client: HassClient) -> None:
    """Onboarding starts flows (translate, shopping list) the demo has no use for.

    Dropped on every start: a first start stopped after onboarding leaves them too.
    """
    for entry in await client.get("/api/config/config_entries/entry"):
        if entry["source"] == "onboarding":
            await client.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")


async def _prepare_hass(
    settings: DemoSettings, hass: HassProcess, simulator: asyncio.subprocess.Process
) -> None:
    await hass.wait_http()
    async with HassClient(hass.base_url) as client:
        await client.onboard(name="Demo", username=USERNAME, password=PASSWORD)
        await client.wait_running()
        await _drop_onboarding_entries(client)
        token = await client.ws(
            "auth/long_lived_access_token", client_name=f"demo-{int(time.time())}", lifespan=365
        )
        (settings.demo_dir / "token").write_text(token + "\n", encoding="utf-8")
        await wait_simulator(settings.simulator_url, simulator)
        say("adding the homes to Home Assistant ...")
        location = (HOUSE.latitude, HOUSE.longitude)
        try:
            await add_home_energy_lake(
                client, flow_answers(settings.simulator_url, settings.lake_dir, location)
            )
        except HassError as err:
            raise HassError(f"{err}{await _planted_outage(settings)}") from err
        await save_energy_preferences(client)
        await ensure_myuplink_credentials(client)
        await add_home_energy_lake(
            client, second_home_answers(settings.simulator_url, settings.second_lake_dir, location)
        )


async def _planted_outage(settings: DemoSettings) -> str:
    """Say so when the simulated inverter is off the network now (one of its faults)."""
    now = time.time()
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{settings.simulator_url}/simulator/faults", params={"start": now, "end": now + 1}
        ) as response,
    ):
        faults = await response.json() if response.status == 200 else []
    ends = [f["end"] for f in faults if f["kind"] == INVERTER_OFFLINE]
    if not ends:
        return ""
    return (
        f"; the simulated inverter is offline until {ends[0]} (a planted fault):"
        " start again after it, or with another --seed"
    )


async def _until_done_or_stopped(stop: asyncio.Event, *steps: Awaitable[None]) -> bool:
    """Run ``steps`` together: True when all finished, False when ``stop`` came first.

    The first step to fail cancels the others and its error is raised; cancelled
    steps stop what they started before this returns.
    """
    tasks = [asyncio.ensure_future(step) for step in steps]
    stopping = asyncio.ensure_future(stop.wait())
    try:
        pending: set[asyncio.Future[Any]] = set(tasks)
        while pending:
            done, _ = await asyncio.wait({*pending, stopping}, return_when=FIRST_COMPLETED)
            if stopping in done:
                return False
            for task in done:
                task.result()
            pending -= done
        return True
    finally:
        for task in (*tasks, stopping):
            task.cancel()
        await asyncio.gather(*tasks, stopping, return_exceptions=True)


async def run_demo(settings: DemoSettings, stop: asyncio.Event, started: float) -> int:
    """Run everything until ``stop`` is set; return the exit code."""
    # The integration only creates its default lake folder; a folder it is given must exist.
    settings.lake_dir.mkdir(parents=True, exist_ok=True)
    settings.second_lake_dir.mkdir(exist_ok=True)
    write_config(
        settings.config_dir, port=settings.port, location=HOUSE, repo_root=settings.repo_root
    )
    simulator = await _start_simulator(settings)
    hass = HassProcess(
        settings.config_dir,
        port=settings.port,
        # The integration's myUplink login goes to the simulator's OAuth endpoints.
        environment={"HOME_ENERGY_LAKE_MYUPLINK_OAUTH_URL": f"{settings.simulator_url}/oauth"},
    )
    try:
        hass.start()
        say(f"Home Assistant is starting (log: {hass.log_path}) ...")
        started_up = await _until_done_or_stopped(
            stop, _backfill(settings), _prepare_hass(settings, hass, simulator)
        )
        if not started_up:
            say("stopping before READY; the next start resumes where this one stopped ...")
            return 0
        say(
            f"READY in {time.monotonic() - started:.0f} s: open http://localhost:{settings.port}"
            f" and log in as {USERNAME} / {PASSWORD}  (token in {settings.demo_dir / 'token'};"
            " Ctrl-C stops everything)"
        )
        while not stop.is_set():
            code = hass.returncode
            if code == RESTART_EXIT_CODE:
                say("Home Assistant asked for a restart ...")
                hass.start()
                await hass.wait_http()
            elif code is not None:
                raise HassError(f"Home Assistant exited with {code}; see {hass.log_path}")
            try:
                await asyncio.wait_for(stop.wait(), timeout=1)
            except TimeoutError:
                continue
        say("stopping ...")
        return 0
    except HassError as err:
        say(f"error: {err}")
        return 1
    finally:
        hass.stop()
        if simulator.returncode is None:
            simulator.terminate()
            await simulator.wait()
