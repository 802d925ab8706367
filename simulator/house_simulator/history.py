"""Write simulated history into a lake, exactly as the integration would have written it.

Every record is made by the same format code the HTTP server answers with, wrapped in a
:class:`BronzeRecord` the way the integration's coordinators do it, encoded by the
integration's own envelope encoder, named by its own path builder and stored through its
:class:`LocalBackend`: one sealed segment per stream and UTC day, as the writer's spool
seals them. The spool itself is left out: its fsyncs and random segment tokens serve a
live system, while history must be fast and byte-for-byte reproducible (the tokens here
come from the seed). Days are independent, so they render on several processes.

Next to the lake go the ground truth: ``faults.jsonl`` (one fault per line),
``truth_daily.csv`` and ``truth_hourly.csv`` (energy in Wh from the 10-second physics).

Cadences follow the integration's live polling: the Fronius power flow every 10 s (each
poll also reads one of meter, storage and inverter in turn), the emoncms feed list every
30 s, and the three weather APIs hourly (MET Norway answers 304 until it publishes again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import gzip
import hashlib
import json
from multiprocessing import get_context
import os
from pathlib import Path
import time
from typing import Any
from urllib.parse import urlsplit

from custom_components.home_energy_lake.api import (
    fronius as fronius_client,
    openmeteo as openmeteo_client,
)
from custom_components.home_energy_lake.api.http import redacted_url
from custom_components.home_energy_lake.api.models import WeatherApi
from custom_components.home_energy_lake.api.weather import request_coordinate, weather_identity
from custom_components.home_energy_lake.lake import BronzeRecord, LocalBackend, encode_envelope
from custom_components.home_energy_lake.lake.paths import segment_path

from .config import HouseConfig
from .faults import Fault, write_log
from .forecasts import WeatherService
from .formats import emoncms, fronius, metno, openmeteo, owm
from .house import DAY_S, SAMPLES_PER_DAY, DayFrame, House, describe
from .snapshot import Snapshot, snapshots_of

JSON = "application/json"
SOLAR_EVERY = 1
"""Fronius polls: every sample (10 s)."""
HEATPUMP_EVERY = 3
"""emoncms polls: every third sample (30 s)."""
INTEGRATION_VERSION = "house-simulator"
DEFAULT_BASE_URL = "http://127.0.0.1:8300"
"""Where the demo runs the simulator; recorded URLs and device ids use it."""
PARALLEL_FROM_DAYS = 30
GZIP_LEVEL = 6
"""zlib's default: nearly level 9's size on these repetitive lines, at a fraction of the time."""
SLOW_ROUND = ("meter", "storage", "inverter")
"""The Fronius client reads one of these with each power flow, in turn."""


@dataclass(frozen=True, slots=True)
class HistoryOptions:
    """What to generate and where."""

    lake: Path
    days: int
    end: datetime | None = None
    """Exclusive end (UTC); default: today 00:00 UTC."""
    truth_dir: Path | None = None
    """Where the fault log and truth files go; default: the lake's parent folder."""
    faults: list[Fault] | None = None
    solar_slow_endpoints: bool = False
    """Also write the meter/storage/inverter answer the client reads with each power flow."""
    base_url: str = DEFAULT_BASE_URL
    integration_version: str = INTEGRATION_VERSION
    workers: int | None = None
    """Processes rendering days; 1 renders in this process. By default two processes
    (at most one per core) from a month of days on: a new process takes seconds to import
    pvlib and Home Assistant, which only pays off for longer histories."""


@dataclass
class HistoryReport:
    """What was written."""

    days: int = 0
    records: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    faults: int = 0
    lake_bytes: int = 0
    truth_dir: Path | None = None

    def summary(self) -> str:
        """One paragraph for the terminal."""
        total = sum(self.records.values())
        streams = ", ".join(f"{name} {count}" for name, count in sorted(self.records.items()))
        return (
            f"wrote {self.days} days: {total} records ({streams}), {self.faults} faults, "
            f"{self.lake_bytes / 1e6:.1f} MB of Bronze in {self.seconds:.1f} s; "
            f"truth in {self.truth_dir}"
        )


def _http_headers(t: float, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the headers the integration keeps from an answer of this server."""
    headers = {"content-type": JSON, "date": metno.http_date(t)}
    for name, value in (extra or {}).items():
        headers[name.lower()] = value
    return headers


def _fetched_at(t: float, stream: int) -> datetime:
    """When an answer arrived: the poll time plus a small deterministic latency."""
    latency_us = 20_000 + (int(t) * 7919 + stream * 104_729) % 180_000
    return datetime.fromtimestamp(int(t), tz=UTC) + timedelta(microseconds=latency_us)


type StreamKey = tuple[str, str, str, str]
"""(source, vendor, device_id, endpoint)."""


class _Recorder:
    """Builds records the way the integration's coordinators do, encodes and groups them."""

    def __init__(self, integration_version: str) -> None:
        self.integration_version = integration_version
        self.lines: dict[StreamKey, list[bytes]] = {}
        self.first_fetch: dict[StreamKey, datetime] = {}

    def add(
        self,
        *,
        source: str,
        vendor: str,
        device_id: str,
        endpoint: str,
        fetched_at: datetime,
        status: int,
        body: bytes,
        url: str,
        headers: dict[str, str],
    ) -> None:
        record = BronzeRecord(
            source=source,
            vendor=vendor,
            device_id=device_id,
            endpoint=endpoint,
            fetched_at=fetched_at,
            http_status=status,
            body=body,
            content_type=JSON if body else None,
            url=url,
            headers=headers,
        )
        key = (source, vendor, device_id, endpoint)
        lines = self.lines.get(key)
        if lines is None:
            lines = self.lines[key] = []
            self.first_fetch[key] = fetched_at
        lines.append(encode_envelope(record, self.integration_version))

    def segments(self, seed: int, day: int) -> list[tuple[str, bytes]]:
        """One gzip segment per stream, named like the spool names them."""
        out = []
        for key, lines in self.lines.items():
            token = hashlib.sha256(f"{seed}/{day}/{'/'.join(key)}".encode()).hexdigest()[:8]
            path = segment_path(
                source=key[0],
                vendor=key[1],
                device_id=key[2],
                endpoint=key[3],
                started_at=self.first_fetch[key],
                token=token,
            )
            out.append((path, gzip.compress(b"".join(lines), GZIP_LEVEL, mtime=0)))
        return out

    def counts(self) -> dict[str, int]:
        """Count records per vendor/endpoint."""
        return {f"{key[1]}/{key[3]}": len(lines) for key, lines in self.lines.items()}


class _Streams:
    """URLs and device ids, taken from the integration's own clients."""

    def __init__(self, config: HouseConfig, base_url: str) -> None:
        base = base_url.rstrip("/")
        host = urlsplit(base).netloc.lower()
        location = config.location
        self.fronius_device = config.ids.fronius_serial
        self.fronius_urls = {
            endpoint: redacted_url(
                f"{base}{fronius_client.API_PATH}/{path}", params or None, frozenset()
            )
            for endpoint, (path, params) in fronius_client.ENDPOINTS.items()
        }
        self.emoncms_device = f"{host}-user{emoncms.USER_ID}"
        self.emoncms_url = redacted_url(
            f"{base}/feed/list.json", {"apikey": "x"}, frozenset({"apikey"})
        )
        lat, lon = request_coordinate(location.latitude), request_coordinate(location.longitude)
        variables = ",".join(openmeteo_client.VARIABLES)
        self.openmeteo_query = {
            "latitude": lat,
            "longitude": lon,
            "timezone": "GMT",
            "current": variables,
            "hourly": variables,
            "past_days": str(openmeteo_client.PAST_DAYS),
            "forecast_days": str(openmeteo_client.FORECAST_DAYS),
        }
        self.openmeteo_url = redacted_url(f"{base}/v1/forecast", self.openmeteo_query, frozenset())
        self.owm_query = {"lat": lat, "lon": lon, "units": "metric", "appid": "x"}
        self.owm_current_url = redacted_url(
            f"{base}/data/2.5/weather", self.owm_query, frozenset({"appid"})
        )
        self.owm_onecall_query = self.owm_query | {"exclude": "minutely,daily,alerts"}
        self.owm_onecall_url = redacted_url(
            f"{base}/data/3.0/onecall", self.owm_onecall_query, frozenset({"appid"})
        )
        self.metno_coordinates = (float(lat), float(lon))
        self.metno_url = redacted_url(
            f"{base}/weatherapi/locationforecast/2.0/compact", {"lat": lat, "lon": lon}, frozenset()
        )
        self.weather_devices = {
            api: weather_identity(api, location.latitude, location.longitude).unique_id
            for api in WeatherApi
        }


def _solar_and_heatpump(
    frame: DayFrame, config: HouseConfig, streams: _Streams, recorder: _Recorder, slow: bool
) -> None:
    """One day of Fronius and emoncms polls."""
    for i, state in enumerate(snapshots_of(frame)):
        if i % SOLAR_EVERY == 0 and not (state.inverter_offline and not state.offline_error):
            turn = frame.day * SAMPLES_PER_DAY + i if slow else None
            _fronius_poll(state, config, streams, recorder, turn)
        if i % HEATPUMP_EVERY == 0:
            recorder.add(
                source="heatpump",
                vendor="emoncms",
                device_id=streams.emoncms_device,
                endpoint="feed_list",
                fetched_at=_fetched_at(state.t, 2),
                status=200,
                body=emoncms.feed_list(state),
                url=streams.emoncms_url,
                headers=_http_headers(state.t),
            )


def _fronius_poll(
    state: Snapshot, config: HouseConfig, streams: _Streams, recorder: _Recorder, turn: int | None
) -> None:
    fetched = _fetched_at(state.t, 1)
    if state.offline_error:
        # The faulted inverter answers with its own error; the client asks nothing more.
        recorder.add(
            source="solar",
            vendor="fronius",
            device_id=streams.fronius_device,
            endpoint="powerflow",
            fetched_at=fetched,
            status=200,
            body=fronius.device_error(state.t, {}),
            url=streams.fronius_urls["powerflow"],
            headers=_http_headers(state.t),
        )
        return
    recorder.add(
        source="solar",
        vendor="fronius",
        device_id=streams.fronius_device,
        endpoint="powerflow",
        fetched_at=fetched,
        status=200,
        body=fronius.powerflow(state, config),
        url=streams.fronius_urls["powerflow"],
        headers=_http_headers(state.t),
    )
    if turn is None:
        return
    endpoint = SLOW_ROUND[turn % len(SLOW_ROUND)]
    render = {"meter": fronius.meter, "storage": fronius.storage, "inverter": fronius.inverter}[
        endpoint
    ]
    recorder.add(
        source="solar",
        vendor="fronius",
        device_id=streams.fronius_device,
        endpoint=endpoint,
        fetched_at=fetched + timedelta(milliseconds=60),
        status=200,
        body=render(state, config),
        url=streams.fronius_urls[endpoint],
        headers=_http_headers(state.t),
    )


def _weather_day(
    day: int, service: WeatherService, config: HouseConfig, streams: _Streams, recorder: _Recorder
) -> None:
    """One day of hourly weather polls from the three APIs."""
    devices = streams.weather_devices
    for hour in range(24):
        t = float(day * DAY_S + hour * 3600 + 60)
        fetched = _fetched_at(t, 3)
        recorder.add(
            source="weather",
            vendor="openmeteo",
            device_id=devices[WeatherApi.OPEN_METEO],
            endpoint="forecast",
            fetched_at=fetched,
            status=200,
            body=openmeteo.forecast(service, config, t, streams.openmeteo_query),
            url=streams.openmeteo_url,
            headers=_http_headers(t),
        )
        for endpoint, render, url, query in (
            ("current", owm.current, streams.owm_current_url, streams.owm_query),
            ("onecall", owm.onecall, streams.owm_onecall_url, streams.owm_onecall_query),
        ):
            recorder.add(
                source="weather",
                vendor="owm",
                device_id=devices[WeatherApi.OPENWEATHERMAP],
                endpoint=endpoint,
                fetched_at=fetched + timedelta(milliseconds=150),
                status=200,
                body=render(service, config, t, query),
                url=url,
                headers=_http_headers(t),
            )
        # MET: the client asks with If-Modified-Since and gets a body only when a new
        # forecast was published since its last poll an hour ago.
        fresh = metno.last_modified(t) != metno.last_modified(t - 3600)
        lat, lon = streams.metno_coordinates
        recorder.add(
            source="weather",
            vendor="metno",
            device_id=devices[WeatherApi.MET_NORWAY],
            endpoint="compact",
            fetched_at=fetched + timedelta(milliseconds=300),
            status=200 if fresh else 304,
            body=metno.compact(service, config, t, lat=lat, lon=lon, altitude=None)
            if fresh
            else b"",
            url=streams.metno_url,
            headers=_http_headers(t, metno.headers(t)),
        )


def _truth_rows(frame: DayFrame) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Daily and hourly truth of one day, Wh."""
    names = {
        "pv_wh": "pv",
        "load_wh": "load",
        "hp_electric_wh": "hp_electric",
        "hp_heat_wh": "hp_heat",
        "grid_import_wh": "grid_import",
        "grid_export_wh": "grid_export",
    }
    energies = {column: frame.energy(name) for column, name in names.items()}
    day_start = datetime.fromtimestamp(frame.day * DAY_S, tz=UTC)
    temperature = frame.weather.temperature
    per_hour = SAMPLES_PER_DAY // 24

    def row(part: slice) -> dict[str, Any]:
        values: dict[str, Any] = {c: round(float(e[part].sum()), 3) for c, e in energies.items()}
        values["cop"] = (
            round(values["hp_heat_wh"] / values["hp_electric_wh"], 4)
            if values["hp_electric_wh"] > 0
            else None
        )
        values["outside_temperature_mean"] = round(float(temperature[part].mean()), 3)
        values["battery_soc_end"] = round(float(frame.battery_soc[part][-1]), 2)
        return values

    daily = {"date": day_start.date().isoformat()} | row(slice(None))
    hourly = [
        {"hour_start": (day_start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        | row(slice(h * per_hour, (h + 1) * per_hour))
        for h in range(24)
    ]
    return daily, hourly


@dataclass(frozen=True, slots=True)
class _DayJob:
    config: HouseConfig
    faults: list[Fault] | None
    day: int
    slow: bool
    base_url: str
    integration_version: str


@dataclass(frozen=True, slots=True)
class _DayOutput:
    day: int
    segments: list[tuple[str, bytes]]
    counts: dict[str, int]
    daily: dict[str, Any]
    hourly: list[dict[str, Any]]


_WORKER_STATE: dict[str, tuple[House, WeatherService]] = {}
"""Per process: the house of a (config, faults) pair, so its day totals are reused."""


def render_day(job: _DayJob) -> _DayOutput:
    """Render one UTC day: its segments and its truth. Pure: same job, same bytes."""
    key = repr((job.config, job.faults))
    state = _WORKER_STATE.get(key)
    if state is None:
        _WORKER_STATE.clear()
        state = _WORKER_STATE[key] = (House(job.config, job.faults), WeatherService(job.config))
    house, service = state
    streams = _Streams(job.config, job.base_url)
    recorder = _Recorder(job.integration_version)
    frame = house.day(job.day)
    _solar_and_heatpump(frame, job.config, streams, recorder, job.slow)
    _weather_day(job.day, service, job.config, streams, recorder)
    daily, hourly = _truth_rows(frame)
    return _DayOutput(
        job.day, recorder.segments(job.config.seed, job.day), recorder.counts(), daily, hourly
    )


def _days_in_order(jobs: list[_DayJob], workers: int) -> Iterator[_DayOutput]:
    if workers <= 1:
        yield from map(render_day, jobs)
        return
    # Contiguous blocks per worker: each worker then sums the counters since the epoch once.
    block = max(1, -(-len(jobs) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        yield from pool.map(render_day, jobs, chunksize=block)


def _workers(options: HistoryOptions) -> int:
    if options.workers is not None:
        return max(1, options.workers)
    return min(2, os.cpu_count() or 1) if options.days >= PARALLEL_FROM_DAYS else 1


async def _write(backend: LocalBackend, segments: list[tuple[str, bytes]]) -> int:
    for path, data in segments:
        await backend.async_put(path, data)
    return sum(len(data) for _, data in segments)


def _generate(
    config: HouseConfig, options: HistoryOptions, progress: Callable[[str], None]
) -> HistoryReport:
    started = time.monotonic()
    end = options.end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end_day = int(end.timestamp() // DAY_S)
    first_day = end_day - options.days
    truth_dir = options.truth_dir or options.lake.resolve().parent
    report = HistoryReport(truth_dir=truth_dir)
    truth_dir.mkdir(parents=True, exist_ok=True)
    backend = LocalBackend(options.lake, create=True)
    jobs = [
        _DayJob(
            config,
            options.faults,
            day,
            options.solar_slow_endpoints,
            options.base_url,
            options.integration_version,
        )
        for day in range(first_day, end_day)
    ]
    daily_rows: list[dict[str, Any]] = []
    hourly_rows: list[dict[str, Any]] = []
    loop = asyncio.new_event_loop()
    try:
        for output in _days_in_order(jobs, _workers(options)):
            report.lake_bytes += loop.run_until_complete(_write(backend, output.segments))
            for name, count in output.counts.items():
                report.records[name] = report.records.get(name, 0) + count
            daily_rows.append(output.daily)
            hourly_rows.extend(output.hourly)
            report.days += 1
            progress(f"{output.daily['date']}: {sum(report.records.values())} records so far")
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    house = House(config, options.faults)
    faults = house.faults(first_day * DAY_S, end_day * DAY_S)
    write_log(faults, truth_dir / "faults.jsonl")
    report.faults = len(faults)
    _write_csv(truth_dir / "truth_daily.csv", daily_rows)
    _write_csv(truth_dir / "truth_hourly.csv", hourly_rows)
    (truth_dir / "house.json").write_text(
        json.dumps(describe(config), indent=2) + "\n", encoding="utf-8"
    )
    report.seconds = time.monotonic() - started
    return report


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        path.write_text("", encoding="utf-8")
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)


def generate(
    config: HouseConfig,
    options: HistoryOptions,
    progress: Callable[[str], None] = lambda _message: None,
) -> HistoryReport:
    """Write ``options.days`` days of Bronze ending at ``options.end``; see the module doc."""
    if options.days <= 0:
        raise ValueError("days must be positive")
    return _generate(config, options, progress)
