"""The simulated house behind the vendors' HTTP APIs, on one loopback port.

Base URLs for the clients (``<base>`` is what :func:`start_server` returns):

* Fronius: host ``<base>`` (``/solar_api/v1/...``)
* SolarEdge: ``<base>`` (``/site/{id}/...``)
* emoncms: ``<base>`` (``/feed/...``)
* myUplink: ``<base>`` (``/oauth/...``, ``/v2/...``)
* Open-Meteo: ``<base>/v1``
* OpenWeatherMap: ``<base>`` (``/data/...``)
* MET Norway: ``<base>/weatherapi/locationforecast/2.0``

``/simulator/state`` and ``/simulator/faults`` tell tests the truth behind the answers.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
import json
import logging
from pathlib import Path
import secrets
import time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from .clock import SimClock
from .config import HouseConfig
from .faults import Fault
from .forecasts import WeatherService
from .formats import emoncms, fronius, metno, myuplink, openmeteo, owm, solaredge
from .house import House
from .snapshot import Snapshot, snapshot_at

_LOGGER = logging.getLogger(__name__)

JSON = "application/json"
TOKEN_LIFETIME_S = 3600
GENERIC_USER_AGENTS = ("python-requests", "python/", "aiohttp", "curl/", "wget/", "java/")
"""User-Agents MET Norway refuses: a library's default says nothing about who asks."""


@dataclass
class _OAuthState:
    """The grants the simulated myUplink cloud has issued.

    A real cloud keeps them across its restarts; with ``path`` the simulator does too, so a
    Home Assistant that stored a refresh token still logs in after the simulator restarts.
    """

    path: Path | None = None
    codes: dict[str, str] = field(default_factory=dict)
    """Authorization code -> redirect URI it was issued for (short-lived, never saved)."""
    access: dict[str, float] = field(default_factory=dict)
    """Access token -> expiry (wall clock)."""
    refresh: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        """Load the grants saved by an earlier run, if any."""
        if self.path is None or not self.path.exists():
            return
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            access = {str(k): float(v) for k, v in saved["access"].items()}
            refresh = {str(token) for token in saved["refresh"]}
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            # Unreadable grants are lost grants: HA asks the user to log in again.
            _LOGGER.warning("ignoring the unreadable OAuth grants in %s: %s", self.path, err)
            return
        self.access, self.refresh = access, refresh

    def issue(self) -> tuple[str, str]:
        """Issue a new access and refresh token and keep them."""
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        now = time.time()
        self.access = {k: v for k, v in self.access.items() if v > now}
        self.access[access] = now + TOKEN_LIFETIME_S
        self.refresh.add(refresh)
        self._save()
        return access, refresh

    def redeem(self, refresh: str) -> bool:
        """Use up a refresh token; False if it was never issued or is used up."""
        if refresh not in self.refresh:
            return False
        self.refresh.discard(refresh)
        self._save()
        return True

    def _save(self) -> None:
        if self.path is None:
            return
        # Write then rename: a simulator stopped mid-write keeps the previous grants.
        partial = self.path.with_name(f".{self.path.name}.tmp")
        partial.write_text(
            json.dumps({"access": self.access, "refresh": sorted(self.refresh)}),
            encoding="utf-8",
        )
        partial.replace(self.path)


class Simulator:
    """The house, its weather service and its clock, answering HTTP requests."""

    def __init__(
        self,
        config: HouseConfig,
        *,
        clock: SimClock | None = None,
        faults: list[Fault] | None = None,
        grants_file: Path | None = None,
    ) -> None:
        """Serve ``config``'s house; ``faults`` replaces the seed's faults when given.

        ``grants_file`` keeps the OAuth grants across restarts (else they live in memory).
        """
        self.config = config
        self.house = House(config, faults)
        self.weather = WeatherService(config)
        self.clock = clock or SimClock()
        self.oauth = _OAuthState(grants_file)
        self.warmed_up = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="house_sim")

    async def _compute[T](self, job: Callable[[], T]) -> T:
        """Run simulation work off the event loop (days take tens of milliseconds)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    async def snapshot(self, t: float | None = None) -> Snapshot:
        """Return the house now (or at ``t``)."""
        moment = self.clock.now() if t is None else t
        return await self._compute(lambda: snapshot_at(self.house, moment))

    async def warm_up(self, *, year: bool) -> None:
        """Sum the days the first answers need: up to now, and (``year``) back to 1 January."""
        await self.snapshot()
        if year:
            zone = ZoneInfo(self.config.location.timezone)
            now = self.clock.now_datetime().astimezone(zone)
            start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
            await self.snapshot(start.timestamp())
        self.warmed_up.set()

    def close(self) -> None:
        """Release the worker thread."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    # -- Fronius -------------------------------------------------------------------------

    async def fronius(self, request: web.Request) -> web.StreamResponse:
        """``/solar_api/v1/<name>``."""
        name = request.match_info["name"]
        known = fronius.ENDPOINTS.get(name)
        if known is None:
            return web.Response(status=404, text="Not Found")
        state = await self.snapshot()
        if state.inverter_offline:
            if not state.offline_error:
                # The inverter is gone from the network: drop the connection unanswered.
                if request.transport is not None:
                    request.transport.abort()
                raise ConnectionResetError("inverter offline (simulated)")
            return _json(fronius.device_error(state.t, dict(request.query)))
        _endpoint, render = known
        return _json(render(state, self.config))

    async def fronius_version(self, _request: web.Request) -> web.StreamResponse:
        """``/solar_api/GetAPIVersion.cgi``."""
        return _json(fronius.api_version())

    # -- SolarEdge -----------------------------------------------------------------------

    def _solaredge_refusal(self, request: web.Request) -> web.Response | None:
        ids = self.config.ids
        if request.query.get("api_key") != ids.solaredge_api_key:
            return web.Response(status=403, text="Invalid token", content_type="text/plain")
        if request.match_info["site"] != str(ids.solaredge_site_id):
            return web.Response(status=403, text="Invalid site", content_type="text/plain")
        return None

    async def solaredge(self, request: web.Request) -> web.StreamResponse:
        """``/site/{id}/{details|overview|currentPowerFlow|energyDetails}[.json]``."""
        if (refusal := self._solaredge_refusal(request)) is not None:
            return refusal
        what = request.match_info["what"].removesuffix(".json")
        if what == "details":
            return _json(solaredge.details(self.config))
        now = self.clock.now()
        if what == "overview":
            state = await self.snapshot(now)
            return _json(await self._compute(lambda: solaredge.overview(self.house, state)))
        if what == "currentPowerFlow":
            return _json(solaredge.current_power_flow(await self.snapshot(now), self.config))
        if what == "energyDetails":
            return await self._energy_details(request, now)
        return web.Response(status=404, text="Not Found")

    async def _energy_details(self, request: web.Request, now: float) -> web.StreamResponse:
        zone = ZoneInfo(self.config.location.timezone)
        try:
            # SolarEdge times are site-local without a zone: attach the site's.
            start = datetime.strptime(request.query["startTime"], solaredge.DATE_FORMAT).replace(
                tzinfo=zone
            )
            end = datetime.strptime(request.query["endTime"], solaredge.DATE_FORMAT).replace(
                tzinfo=zone
            )
        except (KeyError, ValueError):
            return _solaredge_error("startTime and endTime are required as yyyy-MM-dd hh:mm:ss")
        unit = request.query.get("timeUnit", "DAY")
        if unit not in solaredge.TIME_UNITS:
            return _solaredge_error(f"Invalid timeUnit {unit}")
        span_days = (end - start).days
        if end < start or (unit in ("QUARTER_OF_AN_HOUR", "HOUR") and span_days > 31):
            return _solaredge_error("Bad time range")
        if span_days > 366:
            return _solaredge_error("Bad time range")
        meters = [
            m.strip().upper() for m in request.query.get("meters", "").split(",") if m.strip()
        ]
        if unknown := [m for m in meters if m not in solaredge.METERS]:
            return _solaredge_error(f"Invalid meters {','.join(unknown)}")
        body = await self._compute(
            lambda: solaredge.energy_details(self.house, now, start, end, unit=unit, meters=meters)
        )
        return _json(body)

    # -- emoncms -------------------------------------------------------------------------

    async def emoncms_feed(self, request: web.Request) -> web.StreamResponse:
        """``/feed/list.json`` and ``/feed/data.json``."""
        if request.query.get("apikey") != self.config.ids.emoncms_apikey:
            return _json(emoncms.error("Invalid API key"))
        what = request.match_info["what"]
        if what == "list.json":
            return _json(emoncms.feed_list(await self.snapshot()))
        if what != "data.json":
            return web.Response(status=404, text="Not Found")
        try:
            feed = emoncms.FEEDS_BY_ID[int(request.query["id"])]
        except (KeyError, ValueError):
            return _json(emoncms.error("Feed does not exist"))
        try:
            start = _emoncms_time(request.query["start"])
            end = _emoncms_time(request.query["end"])
            interval = int(request.query.get("interval", "60"))
        except (KeyError, ValueError):
            return _json(emoncms.error("start, end and interval must be numbers"))
        average = request.query.get("average", "0") == "1"
        now = self.clock.now()
        end = min(end, now)
        if interval < emoncms.FEED_INTERVAL_S or (end - start) / interval > 8928:
            return _json(emoncms.error("request datapoint limit reached (8928)"))
        body = await self._compute(
            lambda: emoncms.feed_data(
                self.house, feed, start, end, interval=interval, average=average
            )
        )
        return _json(body)

    # -- myUplink ------------------------------------------------------------------------

    async def oauth_authorize(self, request: web.Request) -> web.StreamResponse:
        """``/oauth/authorize``: consent is implied; redirect back with a code."""
        query = request.query
        if query.get("client_id") != self.config.ids.myuplink_client_id:
            return web.json_response({"error": "invalid_client"}, status=400)
        if query.get("response_type", "code") != "code" or "redirect_uri" not in query:
            return web.json_response({"error": "invalid_request"}, status=400)
        code = secrets.token_urlsafe(16)
        self.oauth.codes[code] = query["redirect_uri"]
        back = {"code": code} | ({"state": query["state"]} if "state" in query else {})
        separator = "&" if "?" in query["redirect_uri"] else "?"
        raise web.HTTPFound(f"{query['redirect_uri']}{separator}{urlencode(back)}")

    async def oauth_token(self, request: web.Request) -> web.StreamResponse:
        """``/oauth/token``: authorization_code, refresh_token and client_credentials grants."""
        form = await request.post()
        client_id, client_secret = (
            str(form.get("client_id", "")),
            str(form.get("client_secret", "")),
        )
        if request.headers.get("Authorization", "").startswith("Basic "):
            decoded = base64.b64decode(request.headers["Authorization"][6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
        ids = self.config.ids
        if (client_id, client_secret) != (ids.myuplink_client_id, ids.myuplink_client_secret):
            return web.json_response({"error": "invalid_client"}, status=401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            redirect = self.oauth.codes.pop(str(form.get("code", "")), None)
            if redirect is None or redirect != form.get("redirect_uri", redirect):
                return web.json_response({"error": "invalid_grant"}, status=400)
        elif grant == "refresh_token":
            if not self.oauth.redeem(str(form.get("refresh_token", ""))):
                return web.json_response({"error": "invalid_grant"}, status=400)
        elif grant != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        access, refresh = self.oauth.issue()
        return web.json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "refresh_token": refresh,
                "scope": "READSYSTEM WRITESYSTEM offline_access",
            }
        )

    def _bearer_ok(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        expiry = (
            self.oauth.access.get(header.removeprefix("Bearer "))
            if header.startswith("Bearer ")
            else None
        )
        return expiry is not None and expiry > time.time()

    async def myuplink_systems(self, request: web.Request) -> web.StreamResponse:
        """``/v2/systems/me``."""
        if not self._bearer_ok(request):
            return _json(myuplink.error(401, "Unauthorized"), status=401)
        return _json(myuplink.systems(self.config))

    async def myuplink_points(self, request: web.Request) -> web.StreamResponse:
        """``/v2/devices/{id}/points``."""
        if not self._bearer_ok(request):
            return _json(myuplink.error(401, "Unauthorized"), status=401)
        if request.match_info["device"] != self.config.ids.myuplink_device_id:
            return _json(myuplink.error(404, "Not Found"), status=404)
        wanted = request.query.get("parameters")
        parameters = {p.strip() for p in wanted.split(",")} if wanted else None
        return _json(myuplink.device_points(await self.snapshot(), parameters))

    # -- weather -------------------------------------------------------------------------

    async def openmeteo_forecast(self, request: web.Request) -> web.StreamResponse:
        """``/v1/forecast``."""
        if "latitude" not in request.query or "longitude" not in request.query:
            return _json(
                openmeteo.error("Parameter 'latitude' and 'longitude' must be set"), status=400
            )
        now = self.clock.now()
        query = dict(request.query)
        try:
            body = await self._compute(
                lambda: openmeteo.forecast(self.weather, self.config, now, query)
            )
        except openmeteo.BadRequestError as err:
            return _json(openmeteo.error(str(err)), status=400)
        return _json(body)

    async def owm(self, request: web.Request) -> web.StreamResponse:
        """``/data/2.5/weather`` and ``/data/3.0/onecall``."""
        if request.query.get("appid") != self.config.ids.owm_appid:
            return _json(
                owm.error(
                    401,
                    "Invalid API key. Please see https://openweathermap.org/faq#error401 "
                    "for more info.",
                ),
                status=401,
            )
        if "lat" not in request.query or "lon" not in request.query:
            return _json(owm.error(400, "Nothing to geocode"), status=400)
        now = self.clock.now()
        query = dict(request.query)
        render = owm.current if request.path.endswith("/weather") else owm.onecall
        try:
            body = await self._compute(lambda: render(self.weather, self.config, now, query))
        except owm.BadUnitsError:
            return _json(owm.error(400, "wrong units"), status=400)
        return _json(body)

    async def metno_compact(self, request: web.Request) -> web.StreamResponse:
        """``/weatherapi/locationforecast/2.0/compact`` with the terms of service enforced."""
        agent = request.headers.get("User-Agent", "").strip()
        if not agent or agent.lower().startswith(GENERIC_USER_AGENTS):
            return web.Response(
                status=403, text="403 Forbidden: identify yourself in the User-Agent"
            )
        try:
            lat, lon = float(request.query["lat"]), float(request.query["lon"])
            altitude = int(request.query["altitude"]) if "altitude" in request.query else None
        except (KeyError, ValueError):
            return web.Response(status=400, text="400 Bad Request: lat and lon are required")
        if any(len(request.query[k].partition(".")[2]) > 4 for k in ("lat", "lon")):
            return web.Response(status=403, text="403 Forbidden: at most 4 decimals in coordinates")
        now = self.clock.now()
        headers = metno.headers(now)
        since = request.headers.get("If-Modified-Since")
        if since is not None:
            try:
                seen = parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                seen = None
            if seen is not None and seen >= metno.last_modified(now):
                return web.Response(status=304, headers=headers)
        body = await self._compute(
            lambda: metno.compact(
                self.weather, self.config, now, lat=lat, lon=lon, altitude=altitude
            )
        )
        return _json(body, headers=headers)

    # -- truth for tests -----------------------------------------------------------------

    async def state(self, request: web.Request) -> web.StreamResponse:
        """``/simulator/state[?t=unix]``: the true state behind the answers."""
        t = float(request.query["t"]) if "t" in request.query else None
        state = await self.snapshot(t)
        return web.json_response(asdict(state))

    async def ready(self, _request: web.Request) -> web.StreamResponse:
        """``/simulator/ready``: 200 once the warm-up is done, so first answers come fast."""
        if not self.warmed_up.is_set():
            return web.json_response({"ready": False}, status=503)
        return web.json_response({"ready": True})

    async def faults(self, request: web.Request) -> web.StreamResponse:
        """``/simulator/faults?start=&end=`` (Unix seconds; default: the last 30 days)."""
        now = self.clock.now()
        start = float(request.query.get("start", now - 30 * 86_400))
        end = float(request.query.get("end", now))
        found = await self._compute(lambda: self.house.faults(start, end))
        return web.json_response([fault.to_json() for fault in found])


def _json(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=body, status=status, content_type=JSON, headers=headers)


def _solaredge_error(message: str) -> web.Response:
    return web.Response(
        status=400,
        body=json.dumps({"String": message}).encode(),
        content_type=JSON,
    )


def _emoncms_time(text: str) -> float:
    """Emoncms accepts seconds or milliseconds; anything past 1e11 is milliseconds."""
    value = float(text)
    return value / 1000.0 if value > 1e11 else value


def build_app(simulator: Simulator) -> web.Application:
    """Return the aiohttp application with every vendor's routes."""
    app = web.Application()
    s = simulator
    routes: list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = [
        ("GET", "/solar_api/GetAPIVersion.cgi", s.fronius_version),
        ("GET", "/solar_api/v1/{name}", s.fronius),
        ("GET", "/site/{site}/{what}", s.solaredge),
        ("GET", "/feed/{what}", s.emoncms_feed),
        ("GET", "/oauth/authorize", s.oauth_authorize),
        ("POST", "/oauth/token", s.oauth_token),
        ("GET", "/v2/systems/me", s.myuplink_systems),
        ("GET", "/v2/devices/{device}/points", s.myuplink_points),
        ("GET", "/v1/forecast", s.openmeteo_forecast),
        ("GET", "/data/2.5/weather", s.owm),
        ("GET", "/data/3.0/onecall", s.owm),
        ("GET", "/weatherapi/locationforecast/2.0/compact", s.metno_compact),
        ("GET", "/simulator/state", s.state),
        ("GET", "/simulator/faults", s.faults),
        ("GET", "/simulator/ready", s.ready),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
    return app


async def start_server(
    config: HouseConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    start: datetime | None = None,
    speed: float = 1.0,
    faults: list[Fault] | None = None,
    warm_up_year: bool = True,
    grants_file: Path | None = None,
) -> tuple[str, Callable[[], Awaitable[None]], Simulator]:
    """Start the simulator; return its base URL, a stop function and the simulator itself.

    ``port=0`` picks a free port. ``start`` fixes the simulated time at start-up (else
    the wall clock); ``speed`` runs simulated time faster than real time. With
    ``warm_up_year`` the days back to 1 January are summed in the background at once
    (SolarEdge's year-to-date figure needs them); tests that never ask can skip it.
    ``grants_file`` keeps the myUplink OAuth grants across restarts.
    """
    simulator = Simulator(
        config or HouseConfig(),
        clock=SimClock(start, speed),
        faults=faults,
        grants_file=grants_file,
    )
    runner = web.AppRunner(build_app(simulator), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    # Lifetime counters need every day since the epoch, and SolarEdge's year-to-date
    # figure every day since 1 January: sum them now, not on a first request that a
    # client would see time out.
    warm_up = asyncio.ensure_future(simulator.warm_up(year=warm_up_year))

    async def stop() -> None:
        await runner.cleanup()
        warm_up.cancel()
        simulator.close()

    return f"http://{host}:{bound}", stop, simulator
