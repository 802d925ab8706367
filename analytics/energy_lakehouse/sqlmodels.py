"""The SQL models: loading, dependency order and rendering for DuckDB or Spark.

Each model is one ``.sql`` file holding one ``SELECT`` (dbt style). Its header comments
configure it (``-- materialized: view | table | incremental``, ``-- time_column: ...``,
and for staging models ``-- stream: source/vendor/endpoint``, ``-- payload: <type>`` and
any number of ``-- refused: <reason> when <predicate>`` rules, see ``Refusal``).
``{{ ... }}`` holds a macro call: ``ref('model')``, the build window, tuning constants
and the few functions whose spelling differs between engines (time arithmetic, time
zones). Everything else is plain SQL that DuckDB and Spark SQL both accept; staging
models alone read Bronze and use DuckDB's nested-type functions.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from graphlib import TopologicalSorter
from importlib import resources
import re
from typing import Literal

type Dialect = Literal["duckdb", "spark"]
type Materialized = Literal["view", "table", "incremental", "staging"]

LAYERS = ("staging", "intermediate", "silver", "gold")
_MACRO = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_HEADER = re.compile(r"^--\s*(stream|payload|materialized|time_column):\s*(.+?)\s*$", re.MULTILINE)
_REFUSED = re.compile(r"^--\s*refused:\s*(\w+)\s+when\s+(.+?)\s*$", re.MULTILINE)

REFUSAL_REASONS = (
    "not_modified",
    "http_error",
    "malformed",
    "vendor_error",
    "bad_units",
    "unsupported",
)
"""Why a Bronze line gives no staging row. ``not_modified``: a 304 (MET Norway's answer
to If-Modified-Since); ``malformed``: not an envelope, not JSON, or not the stream's
shape; ``unsupported``: a stream no staging model reads, or an answer its model does not
map."""

GENERIC_REFUSALS = (
    # A line whose envelope did not parse (a lenient read gives it all NULLs).
    ("malformed", "http_status IS NULL"),
    ("not_modified", "http_status = 304"),
    ("http_error", "http_status <> 200"),
    # Not JSON (payload_text or payload_base64 instead), or not the stream's types.
    ("malformed", "payload IS NULL"),
)
"""The rules every stream shares, tested before a staging model's own."""


class ModelError(Exception):
    """A model file is malformed or refers to something unknown."""


@dataclass(frozen=True, slots=True)
class Stream:
    """The Bronze stream a staging model reads: where its segments live and what they hold."""

    source: str
    vendor: str
    endpoint: str
    payload_type: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A rule that refuses a Bronze line before its staging model reads it.

    ``predicate`` is SQL over the envelope's columns and ``payload``; the first rule that
    holds names the reason. The build counts refused lines per reason and segment.
    """

    reason: str
    predicate: str


@dataclass(frozen=True, slots=True)
class Model:
    """One SQL model file."""

    name: str
    layer: str
    sql: str
    materialized: Materialized
    time_column: str | None
    stream: Stream | None
    refusals: tuple[Refusal, ...] = ()

    @property
    def refs(self) -> frozenset[str]:
        """The models this one reads."""
        return frozenset(re.findall(r"ref\(\s*['\"](\w+)['\"]\s*\)", self.sql))


def _parse(name: str, layer: str, sql: str) -> Model:
    header = dict(_HEADER.findall(sql))
    stream = None
    if "stream" in header:
        source, vendor, endpoint = header["stream"].split("/")
        if "payload" not in header:
            raise ModelError(f"{name}: a staging model needs a '-- payload:' type")
        stream = Stream(source, vendor, endpoint, header["payload"])
    materialized = "staging" if stream else header.get("materialized", "table")
    if materialized not in ("view", "table", "incremental", "staging"):
        raise ModelError(f"{name}: unknown materialization {materialized!r}")
    time_column = header.get("time_column")
    if materialized == "incremental" and time_column is None:
        raise ModelError(f"{name}: an incremental model needs a '-- time_column:'")
    own = [Refusal(reason, predicate) for reason, predicate in _REFUSED.findall(sql)]
    unknown = {r.reason for r in own} - set(REFUSAL_REASONS)
    if unknown:
        raise ModelError(f"{name}: unknown refusal reasons {sorted(unknown)}")
    if own and stream is None:
        raise ModelError(f"{name}: only a staging model refuses Bronze lines")
    refusals = (*(Refusal(*r) for r in GENERIC_REFUSALS), *own) if stream else ()
    return Model(
        name,
        layer,
        sql,
        materialized,  # type: ignore[arg-type]
        time_column,
        stream,
        refusals,
    )


def load_models() -> list[Model]:
    """Every model shipped with the package, in an order where each follows what it reads."""
    found: dict[str, Model] = {}
    root = resources.files("energy_lakehouse") / "sql"
    for layer in LAYERS:
        for entry in sorted((root / layer).iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".sql"):
                name = entry.name.removesuffix(".sql")
                found[name] = _parse(name, layer, entry.read_text(encoding="utf-8"))
    graph: dict[str, set[str]] = {}
    for model in found.values():
        unknown = model.refs - found.keys()
        if unknown:
            raise ModelError(f"{model.name} refers to unknown models {sorted(unknown)}")
        graph[model.name] = set(model.refs)
    return [found[name] for name in TopologicalSorter(graph).static_order()]


@dataclass(frozen=True, slots=True)
class Window:
    """The UTC time range a build recomputes: whole local days of the home's time zone."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Tuning:
    """Constants of the Silver and Gold rules (documented in docs/lake.md)."""

    max_gap_s: int = 1200
    max_spread_s: int = 86_400
    """A counter's increase over a silence up to this long is spread over it (longer: not
    booked). At most a day: a build recomputes from the day before its earliest reading."""
    max_power_w: float = 100_000.0
    load_tolerance_w: float = 100.0
    max_heatpump_w: float = 20_000.0
    starting_power_w: float = 100.0
    min_coverage_pct: float = 90.0
    bin_k: float = 1.0
    heatmap_bin_k: float = 2.0
    min_bin_heat_wh: float = 1000.0


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a model's macros need."""

    dialect: Dialect
    timezone: str
    window: Window
    tuning: Tuning
    latitude: float | None = None
    longitude: float | None = None
    bronze: str | None = None
    """The relation a staging model reads (a ``read_json(...)`` call on DuckDB)."""


def _timestamp_literal(dialect: Dialect, moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    return f"TIMESTAMPTZ '{text}+00'" if dialect == "duckdb" else f"TIMESTAMP '{text}'"


def _macros(ctx: RenderContext) -> dict[str, Callable[..., str]]:
    duck = ctx.dialect == "duckdb"
    tz = ctx.timezone.replace("'", "")
    window = ctx.window
    gap = ctx.tuning.max_gap_s
    spread = ctx.tuning.max_spread_s

    def literal(moment: datetime) -> str:
        return _timestamp_literal(ctx.dialect, moment)

    def shifted(moment: datetime, seconds: int) -> str:
        return f"({literal(moment)} + INTERVAL '{seconds}' SECOND)"

    def site_location() -> str:
        if ctx.latitude is not None and ctx.longitude is not None:
            return (
                f"SELECT CAST({ctx.latitude!r} AS DOUBLE) AS latitude, "
                f"CAST({ctx.longitude!r} AS DOUBLE) AS longitude"
            )
        return (
            "SELECT avg(latitude) AS latitude, avg(longitude) AS longitude "
            "FROM int_weather_points WHERE latitude IS NOT NULL"
        )

    def epoch(col: str) -> str:
        return f"epoch({col})" if duck else f"unix_timestamp({col})"

    def from_epoch(seconds: str) -> str:
        return f"to_timestamp({seconds})" if duck else f"timestamp_seconds({seconds})"

    def held_in_buckets(relation: str) -> str:
        # Each sample interval [ts, next_ts) of ``relation``, split over the 5-minute
        # buckets it spans, pro rata: one row per (interval, bucket) with ``share``, the
        # part of the interval inside the bucket. Intervals held (``held_h``) or spread
        # (``spread_h``: a silence whose counter increase is spread over it) are split;
        # any other (a longer silence, an outlier, the last sample) stays whole in the
        # bucket where it starts. ``is_own_bucket`` marks the bucket of the sample itself.
        # Every interval has its own bucket; only the split ones that run past it are
        # joined with the later buckets (most intervals end where they start).
        span_h = "coalesce(held_h, spread_h)"

        def first(ts: str) -> str:
            return f"floor({epoch(ts)} / 300) * 300"

        def later(span: str, longest_s: int) -> str:
            # The buckets after the first of every interval split by ``span``.
            return (
                f"SELECT spans.*, steps.step, {first('spans.ts')} + steps.step * 300 AS slot_start "  # noqa: S608
                f"FROM {relation} AS spans "
                f"CROSS JOIN (SELECT * FROM range(1, {longest_s // 300 + 2}) AS steps(step))"
                " AS steps "
                f"WHERE spans.{span} IS NOT NULL "
                f"AND {epoch('spans.next_ts')} > {first('spans.ts')} + 300"
            )

        share = (
            f"CASE WHEN {span_h} IS NULL THEN 1.0 ELSE (least(slot_start + 300, {epoch('next_ts')})"
            f" - greatest(slot_start, {epoch('ts')})) / ({span_h} * 3600.0) END"
        )
        own = f"SELECT *, 0 AS step, {first('ts')} AS slot_start FROM {relation}"  # noqa: S608
        return (
            f"SELECT *, {from_epoch('slot_start')} AS bucket_ts, step = 0 AS is_own_bucket, "  # noqa: S608
            f"{share} AS share FROM ({own} UNION ALL {later('held_h', gap)} "
            f"UNION ALL {later('spread_h', spread)}) AS slots "
            f"WHERE step = 0 OR slot_start < {epoch('next_ts')}"
        )

    # The sun at a UTC instant (NOAA's fractional-year approximation, within about 0.5°
    # of a full ephemeris): declination and hour angle in radians, equation of time in
    # minutes. features_sun_position and the spreading of PV over silences share them.
    def fractional_year(ts: str) -> str:
        return (
            f"(2 * pi() / 365 * (dayofyear({ts}) - 1"
            f" + (hour({ts}) + minute({ts}) / 60.0 + second({ts}) / 3600.0 - 12) / 24))"
        )

    def equation_of_time_min(ts: str) -> str:
        g = fractional_year(ts)
        return (
            f"(229.18 * (0.000075 + 0.001868 * cos({g}) - 0.032077 * sin({g})"
            f" - 0.014615 * cos(2 * {g}) - 0.040849 * sin(2 * {g})))"
        )

    def sun_declination(ts: str) -> str:
        g = fractional_year(ts)
        return (
            f"(0.006918 - 0.399912 * cos({g}) + 0.070257 * sin({g})"
            f" - 0.006758 * cos(2 * {g}) + 0.000907 * sin(2 * {g})"
            f" - 0.002697 * cos(3 * {g}) + 0.00148 * sin(3 * {g}))"
        )

    def sun_hour_angle(ts: str, longitude: str) -> str:
        minutes = f"(hour({ts}) * 60 + minute({ts}) + second({ts}) / 60.0)"
        return f"radians(({minutes} + {equation_of_time_min(ts)} + 4 * {longitude}) / 4 - 180)"

    def cos_zenith(ts: str, latitude: str, longitude: str) -> str:
        phi, decl = f"radians({latitude})", sun_declination(ts)
        return (
            f"least(greatest(sin({phi}) * sin({decl}) + cos({phi}) * cos({decl})"
            f" * cos({sun_hour_angle(ts, longitude)}), -1), 1)"
        )

    def bronze() -> str:
        if ctx.bronze is None:
            raise ModelError("bronze is only available to staging models")
        return ctx.bronze

    return {
        "ref": lambda name: name,
        "bronze": bronze,
        "window_start": lambda: literal(window.start),
        "window_end": lambda: literal(window.end),
        # Far enough back and ahead for the samples around a silence that may be spread
        # into the window (and the previous counter value).
        "lookback_start": lambda: shifted(window.start, -spread),
        "lookahead_end": lambda: shifted(window.end, spread),
        "local_ts": lambda col: (
            f"timezone('{tz}', {col})" if duck else f"from_utc_timestamp({col}, '{tz}')"
        ),
        "utc_of_local": lambda col: (
            f"timezone('{tz}', {col})" if duck else f"to_utc_timestamp({col}, '{tz}')"
        ),
        # A zone-less local time read in a per-row zone (a column), e.g. a site's own.
        "utc_of_zone": lambda col, zone: (
            f"timezone({zone}, {col})" if duck else f"to_utc_timestamp({col}, {zone})"
        ),
        "local_of_zone": lambda col, zone: (
            f"timezone({zone}, {col})" if duck else f"from_utc_timestamp({col}, {zone})"
        ),
        "seconds_between": lambda a, b: (
            f"(epoch({b}) - epoch({a}))" if duck else f"(unix_timestamp({b}) - unix_timestamp({a}))"
        ),
        "plus_seconds": lambda col, seconds: (
            f"to_timestamp(epoch({col}) + {seconds})"
            if duck
            else f"timestamp_seconds(unix_timestamp({col}) + {seconds})"
        ),
        "bucket": lambda col, seconds: (
            f"to_timestamp(floor(epoch({col}) / {seconds}) * {seconds})"
            if duck
            else f"timestamp_seconds(floor(unix_timestamp({col}) / {seconds}) * {seconds})"
        ),
        # greatest() skips NULL on both engines; a missing value must stay missing.
        "positive": lambda expr: f"(CASE WHEN {expr} > 0 THEN {expr} WHEN {expr} <= 0 THEN 0 END)",
        # The Carnot COP of heating with flow and outside temperatures (°C), taking the
        # refrigerant 2 K above the flow and 6 K below the outside air; NULL if undefined.
        "carnot_cop": lambda flow, outside: (
            f"(CASE WHEN {flow} + 2 - ({outside} - 6) > 0"
            f" THEN ({flow} + 2 + 273.15) / ({flow} + 2 - ({outside} - 6)) END)"
        ),
        "iso_day_of_week": lambda col: f"isodow({col})" if duck else f"(weekday({col}) + 1)",
        "site_location": site_location,
        "equation_of_time_min": equation_of_time_min,
        "sun_declination": sun_declination,
        "sun_hour_angle": sun_hour_angle,
        "cos_zenith": cos_zenith,
        "held_in_buckets": held_in_buckets,
        **{name: _constant(getattr(ctx.tuning, name)) for name in Tuning.__slots__},
    }


def _constant(value: float) -> Callable[[], str]:
    return lambda: repr(value)


def _evaluate(node: ast.expr, macros: Mapping[str, Callable[..., str]]) -> str:
    """Evaluate a macro expression: names, string/number constants and calls only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float):
        return str(node.value)
    if isinstance(node, ast.Name):
        return _call(node.id, [], macros)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return _call(node.func.id, [_evaluate(arg, macros) for arg in node.args], macros)
    raise ModelError(f"unsupported macro expression: {ast.unparse(node)}")


def _call(name: str, args: list[str], macros: Mapping[str, Callable[..., str]]) -> str:
    if name not in macros:
        raise ModelError(f"unknown macro {name!r}")
    return macros[name](*args)


def render(model: Model, ctx: RenderContext) -> str:
    """Return the model's SQL for one engine, window and time zone."""
    macros = _macros(ctx)

    def expand(match: re.Match[str]) -> str:
        try:
            tree = ast.parse(match.group(1).strip(), mode="eval")
        except SyntaxError as err:
            raise ModelError(f"{model.name}: bad macro {match.group(0)!r}") from err
        return _evaluate(tree.body, macros)

    return _MACRO.sub(expand, model.sql)
