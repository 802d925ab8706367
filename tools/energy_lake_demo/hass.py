"""A headless Home Assistant process, and a client for its REST and WebSocket APIs.

Everything here talks to ``hass`` the way the frontend does: onboarding, login, config
flows (with the ``HA-Frontend-Base`` header OAuth2 needs), WebSocket commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import itertools
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
from typing import Any, Self

import aiohttp

CONFIGURATION_YAML = """\
# Written by the Home Energy Lake demo. Minimal on purpose: no default_config,
# whose discovery integrations need packages and hardware a demo does not have.
homeassistant:
  name: Energy Lake Demo
  latitude: {latitude}
  longitude: {longitude}
  elevation: 100
  unit_system: metric
  time_zone: {time_zone}
  currency: EUR
  country: DE
http:
  server_host: 127.0.0.1
  server_port: {port}
frontend:
history:
energy:
logbook:
logger:
  default: warning
  logs:
    custom_components.home_energy_lake: info
"""


# A first start compiles bytecode and creates the database; allow for a slow machine.
START_TIMEOUT = 180


class HassError(RuntimeError):
    """Home Assistant did not do what the script asked."""


@dataclass(frozen=True)
class Location:
    """Where the demo house stands."""

    latitude: float
    longitude: float
    time_zone: str


def write_config(config_dir: Path, *, port: int, location: Location, repo_root: Path) -> None:
    """Create the config dir with our integration linked in (idempotent)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(
            port=port,
            latitude=location.latitude,
            longitude=location.longitude,
            time_zone=location.time_zone,
        ),
        encoding="utf-8",
    )
    components = config_dir / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "home_energy_lake"
    target = repo_root / "custom_components" / "home_energy_lake"
    if link.is_symlink() and link.resolve() == target.resolve():
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target, target_is_directory=True)


class HassProcess:
    """``python -m homeassistant`` in its own process group, logging to a file."""

    def __init__(
        self,
        config_dir: Path,
        *,
        port: int,
        python: str = sys.executable,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        """Prepare to run hass on ``port`` with ``config_dir`` and extra ``environment``."""
        self.config_dir = config_dir
        self.port = port
        self.python = python
        self.environment = dict(environment or {})
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = config_dir / "hass.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start hass; its requirements are installed by our venv, so skip pip."""
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [self.python, "-m", "homeassistant", "-c", str(self.config_dir), "--skip-pip"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.environment},
        )
        log.close()

    @property
    def returncode(self) -> int | None:
        """The exit code, or None while hass runs."""
        return None if self._process is None else self._process.poll()

    async def wait_http(self) -> None:
        """Wait until the frontend answers; fail early if hass died."""
        try:
            async with asyncio.timeout(START_TIMEOUT), aiohttp.ClientSession() as session:
                while True:
                    if self.returncode is not None:
                        raise HassError(f"hass exited with {self.returncode}; see {self.log_path}")
                    try:
                        async with session.get(f"{self.base_url}/manifest.json") as response:
                            if response.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.25)
        except TimeoutError as err:
            raise HassError(f"hass did not answer on {self.base_url}; see {self.log_path}") from err

    def stop(self, grace: float = 60) -> int | None:
        """SIGTERM the process group, escalating to SIGKILL after ``grace`` seconds."""
        if self._process is None or self._process.poll() is not None:
            return self.returncode
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            return self._process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            return self._process.wait()


class HassClient:
    """REST and WebSocket calls with one access token."""

    def __init__(self, base_url: str) -> None:
        """Talk to the hass at ``base_url``."""
        self.base_url = base_url
        self.client_id = f"{base_url}/"
        self.token: str | None = None
        self._session = aiohttp.ClientSession()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Self:
        """Use as an async context manager."""
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close the WebSocket and the session."""
        await self.close()

    async def close(self) -> None:
        """Close the WebSocket and the session."""
        if self._ws is not None:
            await self._ws.close()
        await self._session.close()

    @property
    def _headers(self) -> dict[str, str]:
        # The frontend sends HA-Frontend-Base on every flow call; OAuth2 needs it.
        return {"Authorization": f"Bearer {self.token}", "HA-Frontend-Base": self.base_url}

    async def onboarding_left(self) -> list[str]:
        """Return the onboarding steps not done yet, in order (404 once all are done)."""
        async with self._session.get(f"{self.base_url}/api/onboarding") as response:
            if response.status == 404:
                return []
            steps = await response.json()
        return [step["step"] for step in steps if not step["done"]]

    async def onboard(self, *, name: str, username: str, password: str) -> None:
        """Finish the onboarding steps left and keep an access token for the owner.

        A start stopped half-way leaves some steps done: the owner then exists and logs
        in, and only the remaining steps are posted (a done step answers 403).
        """
        left = await self.onboarding_left()
        if "user" in left:
            await self._create_owner(name=name, username=username, password=password)
        else:
            await self.login(username=username, password=password)
        for step in ("core_config", "analytics"):
            if step in left:
                await self.post(f"/api/onboarding/{step}", {})
        if "integration" in left:
            await self.post(
                "/api/onboarding/integration",
                {"client_id": self.client_id, "redirect_uri": f"{self.client_id}?auth_callback=1"},
            )

    async def _create_owner(self, *, name: str, username: str, password: str) -> None:
        async with self._session.post(
            f"{self.base_url}/api/onboarding/users",
            json={
                "client_id": self.client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": "en",
            },
        ) as response:
            if response.status != 200:
                raise HassError(f"onboarding user step: {response.status} {await response.text()}")
            auth_code = (await response.json())["auth_code"]
        await self._exchange_code(auth_code)

    async def login(self, *, username: str, password: str) -> None:
        """Log in as the frontend does and keep the access token."""
        flow = await self._auth_post(
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.client_id}?auth_callback=1",
            },
        )
        result = await self._auth_post(
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise HassError(f"login failed: {result.get('errors')}")
        await self._exchange_code(result["result"])

    async def _auth_post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        async with self._session.post(f"{self.base_url}{path}", json=body) as response:
            if response.status != 200:
                raise HassError(f"{path}: {response.status} {await response.text()}")
            answer: dict[str, Any] = await response.json()
            return answer

    async def _exchange_code(self, code: str) -> None:
        async with self._session.post(
            f"{self.base_url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as response:
            if response.status != 200:
                raise HassError(f"token exchange: {response.status} {await response.text()}")
            self.token = (await response.json())["access_token"]

    async def get(self, path: str) -> Any:
        """GET a REST path and return its JSON."""
        async with self._session.get(f"{self.base_url}{path}", headers=self._headers) as response:
            if response.status >= 400:
                raise HassError(f"GET {path}: {response.status} {await response.text()}")
            return await response.json()

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST JSON to a REST path and return its JSON."""
        async with self._session.post(
            f"{self.base_url}{path}", json=body, headers=self._headers
        ) as response:
            if response.status >= 400:
                raise HassError(f"POST {path}: {response.status} {await response.text()}")
            return await response.json(content_type=None)

    async def delete(self, path: str) -> Any:
        """DELETE a REST path and return its JSON."""
        async with self._session.delete(
            f"{self.base_url}{path}", headers=self._headers
        ) as response:
            if response.status >= 400:
                raise HassError(f"DELETE {path}: {response.status} {await response.text()}")
            return await response.json(content_type=None)

    async def ws(self, command: str, **payload: Any) -> Any:
        """Send one WebSocket command and return its result, raising on failure."""
        if self._ws is None:
            self._ws = await self._session.ws_connect(f"{self.base_url}/api/websocket")
            await self._ws.receive_json()  # auth_required
            await self._ws.send_json({"type": "auth", "access_token": self.token})
            answer = await self._ws.receive_json()
            if answer.get("type") != "auth_ok":
                raise HassError(f"websocket auth failed: {answer}")
        message_id = next(self._ids)
        await self._ws.send_json({"id": message_id, "type": command, **payload})
        while True:
            answer = await self._ws.receive_json()
            if answer.get("id") == message_id and answer.get("type") == "result":
                break
        if not answer["success"]:
            raise HassError(f"{command}: {json.dumps(answer['error'])}")
        return answer["result"]

    async def wait_running(self) -> None:
        """Wait for the core state RUNNING, after which stop signals are safe."""
        try:
            async with asyncio.timeout(START_TIMEOUT):
                while True:
                    if (await self.get("/api/config")).get("state") == "RUNNING":
                        return
                    await asyncio.sleep(0.25)
        except TimeoutError as err:
            raise HassError("hass did not reach RUNNING") from err

    async def follow_redirects(self, url: str) -> None:
        """Act as the browser on an external step: open ``url`` and follow its redirects."""
        async with self._session.get(url, allow_redirects=True) as response:
            if response.status != 200:
                raise HassError(f"external step {url}: {response.status} {await response.text()}")

    async def run_flow(
        self, start: Mapping[str, Any], answers: list[Mapping[str, Any]], *, base: str
    ) -> dict[str, Any]:
        """Start a flow at ``base`` and answer its steps in order; return the last result."""
        result: dict[str, Any] = await self.post(base, start)
        for answer in answers:
            if result["type"] in ("create_entry", "abort"):
                raise HassError(f"flow ended early: {result}")
            if result["type"] == "form" and result.get("errors"):
                raise HassError(f"step {result['step_id']} refused input: {result['errors']}")
            result = await self.post(f"{base}/{result['flow_id']}", answer)
        return result
