"""``make demo`` stopped with Ctrl-C at any moment, then started again, ends READY.

The demo runs as the user runs it, in its own process group, and Ctrl-C is a SIGINT to
that group: first during the history, then while it adds the homes, then once READY.
Each next start must resume and end READY with every entry loaded and every source
live, including the myUplink home, whose OAuth grant must outlive the simulator.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import os
from pathlib import Path
import signal
import socket
import sys

import pytest

from energy_lake_demo.hass import HassClient
from energy_lake_demo.integration import DOMAIN, our_entities

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
START_TIMEOUT = 240  # seconds to READY on a busy 2-core machine
# A live power sensor per source of each demo home (fronius and emoncms; SolarEdge and myUplink).
LIVE_SUFFIXES = ("_pv_power", "_electric_power")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Demo:
    """One ``make demo`` command line and its state folder."""

    state_dir: Path
    faults: Path
    port: int
    simulator_port: int
    started: list[asyncio.subprocess.Process] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """Where its Home Assistant answers."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> asyncio.subprocess.Process:
        """Start it as a terminal would: its own process group, output read line by line."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "energy_lake_demo",
            "--days",
            "2",
            "--faults",
            str(self.faults),
            "--state-dir",
            str(self.state_dir),
            "--port",
            str(self.port),
            "--simulator-port",
            str(self.simulator_port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    async def run_until(self, line_start: str) -> list[str]:
        """Start, press Ctrl-C as soon as a line starts with ``line_start``; return the output."""
        process = await self.start()
        output = await _read_until(process, line_start)
        return output + await _interrupt(process)


async def _read_until(process: asyncio.subprocess.Process, line_start: str) -> list[str]:
    assert process.stdout is not None
    output: list[str] = []
    async with asyncio.timeout(START_TIMEOUT):
        while not any(line.startswith(f"[demo] {line_start}") for line in output):
            line = (await process.stdout.readline()).decode()
            assert line, f"the demo ended before {line_start!r}:\n{''.join(output)}"
            output.append(line)
    return output


async def _interrupt(process: asyncio.subprocess.Process) -> list[str]:
    """Ctrl-C: SIGINT to the whole group; return the rest of the output once it exited."""
    assert process.stdout is not None
    os.killpg(process.pid, signal.SIGINT)
    async with asyncio.timeout(90):
        rest = (await process.stdout.read()).decode()
        assert await process.wait() == 0, rest
    return rest.splitlines(keepends=True)


@pytest.fixture
async def demo(tmp_path: Path, socket_enabled: None) -> AsyncIterator[Demo]:
    """A demo with its state in a temporary folder, on free ports, with no planted faults."""
    faults = tmp_path / "no-faults.jsonl"
    faults.write_text("", encoding="utf-8")
    demo = Demo(tmp_path / "state", faults, port=_free_port(), simulator_port=_free_port())
    try:
        yield demo
    finally:
        # A failed assertion leaves a demo running: Ctrl-C, so that it stops hass and
        # the simulator (in sessions of their own), and kill it if that hangs.
        for process in demo.started:
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    async with asyncio.timeout(90):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _assert_ready_and_live(demo: Demo) -> None:
    """Every entry loaded, none left by onboarding, each home's power sensors with a value."""
    async with HassClient(demo.base_url) as client:
        client.token = (demo.state_dir / "token").read_text(encoding="utf-8").strip()
        listed = await client.get("/api/config/config_entries/entry")
        entries = [(e["domain"], e["source"], e["state"]) for e in listed]
        # Two homes of one Home Assistant, told apart by their lakes in their titles.
        titles = {e["title"] for e in listed if e["domain"] == DOMAIN}
        assert titles == {
            f"Energy Lake Demo ({demo.state_dir / 'lake'})",
            f"Energy Lake Demo ({demo.state_dir / 'lake-cloud'})",
        }
        assert [entry for entry in entries if entry[0] == DOMAIN] == [
            (DOMAIN, "user", "loaded"),
            (DOMAIN, "user", "loaded"),
        ], entries
        assert all(state == "loaded" for _, _, state in entries), entries
        assert not [entry for entry in entries if entry[1] == "onboarding"], entries

        entities = await our_entities(client)
        wanted = {eid for uid, eid in entities.items() if uid.endswith(LIVE_SUFFIXES)}
        # Two homes, each with a PV and a heat-pump power sensor.
        assert len(wanted) == 4, entities
        try:
            async with asyncio.timeout(120):
                while True:
                    states = {
                        s["entity_id"]: s["state"]
                        for s in await client.get("/api/states")
                        if s["entity_id"] in wanted
                    }
                    if len(states) == len(wanted) and all(
                        state not in ("unknown", "unavailable") for state in states.values()
                    ):
                        return
                    await asyncio.sleep(1)
        except TimeoutError:
            pytest.fail(f"sources not live after 120 s: {states}")


async def test_demo_survives_ctrl_c_at_any_moment_and_resumes(demo: Demo) -> None:
    output = await demo.run_until("writing 2 days of simulated history")
    assert any("stopping before READY" in line for line in output), output
    assert not any("Traceback" in line for line in output), output

    output = await demo.run_until("adding the homes")
    assert any("stopping before READY" in line for line in output), output
    assert not any("Traceback" in line for line in output), output

    # Resumed: READY, every entry loaded, every source live; then Ctrl-C once READY.
    process = await demo.start()
    await _read_until(process, "READY")
    await _assert_ready_and_live(demo)
    await _interrupt(process)

    # Started again after a normal stop: the stored myUplink grant still works.
    process = await demo.start()
    await _read_until(process, "READY")
    await _assert_ready_and_live(demo)
    await _interrupt(process)
