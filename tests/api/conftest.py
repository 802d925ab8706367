"""A real aiohttp server on loopback that replays recorded answers to the clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.home_energy_lake.api import budget

FIXTURES = Path(__file__).parents[1] / "fixtures"


def fixture_bytes(relative: str) -> bytes:
    """Read a recorded answer from tests/fixtures/ exactly as stored."""
    return (FIXTURES / relative).read_bytes()


@dataclass
class Replay:
    """One canned answer: status, body and headers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class LoopbackApi:
    """The server's routes, the requests it saw, and the URL to reach it."""

    url: str
    routes: dict[str, Replay | Handler]
    requests: list[web.Request]

    def reply(self, path: str, answer: Replay | Handler) -> None:
        """Answer ``path`` (no query; ``*`` for any other path) with ``answer`` from now on."""
        self.routes[path] = answer


@pytest.fixture
async def loopback_api(socket_enabled: None) -> AsyncIterator[LoopbackApi]:
    """Serve whatever the test registers with ``reply``; 404 for anything else.

    The HA test plugin blocks sockets; ``socket_enabled`` lifts that, while its
    allow-list still limits connections to 127.0.0.1.
    """
    routes: dict[str, Replay | Handler] = {}
    seen: list[web.Request] = []

    async def dispatch(request: web.Request) -> web.StreamResponse:
        seen.append(request)
        answer = routes.get(request.path, routes.get("*"))
        if answer is None:
            return web.Response(status=404, text="no such route in this test")
        if isinstance(answer, Replay):
            return web.Response(
                body=answer.body,
                status=answer.status,
                content_type=answer.content_type,
                headers=answer.headers,
            )
        return await answer(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield LoopbackApi(url=str(server.make_url("")).rstrip("/"), routes=routes, requests=seen)
    finally:
        await server.close()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A client session, closed after the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


# Waits this long or longer (Fronius' 4 s, its archive's 2 min) are recorded, not slept.
LONG_WAIT = 1.0


@pytest.fixture(autouse=True)
def budget_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the request budgets' long waits instead of sleeping them; return them."""
    waits: list[float] = []
    real_pause = budget.pause

    async def pause(seconds: float) -> None:
        if seconds < LONG_WAIT:
            await real_pause(seconds)
            return
        waits.append(seconds)

    monkeypatch.setattr(budget, "pause", pause)
    return waits
