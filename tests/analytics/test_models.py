"""The SQL models: layering, macros, and the Spark rendering checked against DuckDB's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
import re

import duckdb
import pytest

from energy_lakehouse.sqlmodels import (
    Model,
    ModelError,
    RenderContext,
    Tuning,
    Window,
    load_models,
    render,
)

from . import scenario as s
from .conftest import make_lakehouse

WINDOW = Window(datetime(2026, 6, 8, 22, tzinfo=UTC), datetime(2026, 6, 10, 22, tzinfo=UTC))
# What only DuckDB understands. Staging models read Bronze with DuckDB's JSON reader
# and nested-type functions; every later model must be free of these.
DUCKDB_ONLY = re.compile(
    r"\bepoch\(|\bto_timestamp\(|\btimezone\(|TIMESTAMPTZ|\bisodow\(|::|\bQUALIFY\b|"
    r"INSERT OR REPLACE|read_json|\blist_\w+\(|->|GROUP BY ALL|ORDER BY ALL|\bstrftime\(|"
    r"\bunnest\(|\bmap_values\(",
    re.IGNORECASE,
)
# Spark's spelling of the engine-specific functions, defined on DuckDB so that the
# Spark rendering can run here and be compared with the DuckDB one.
SPARK_ON_DUCKDB = [
    "CREATE MACRO unix_timestamp(x) AS epoch(x)",
    "CREATE MACRO timestamp_seconds(x) AS to_timestamp(x)",
    "CREATE MACRO from_utc_timestamp(x, tz) AS timezone(tz, x)",
    "CREATE MACRO to_utc_timestamp(x, tz) AS timezone(tz, x)",
    "CREATE MACRO weekday(x) AS isodow(x) - 1",
]


def _ctx(dialect: str) -> RenderContext:
    return RenderContext(dialect=dialect, timezone="Europe/Berlin", window=WINDOW, tuning=Tuning())  # type: ignore[arg-type]


def test_models_are_layered_one_per_table() -> None:
    models = load_models()
    names = [m.name for m in models]
    assert len(names) == len(set(names))
    layer = {m.name: m.layer for m in models}
    order = {"staging": 0, "intermediate": 1, "silver": 2, "gold": 3}
    for model in models:
        # A model reads only earlier layers (an intermediate or Gold model also reads
        # its own layer), and comes after what it reads.
        for ref in model.refs:
            assert order[layer[ref]] < order[model.layer] or (
                layer[ref] == model.layer and model.layer in ("intermediate", "gold")
            )
            assert names.index(ref) < names.index(model.name)
        if model.layer == "staging":
            assert model.stream is not None
            assert model.materialized == "staging"
    assert {"solar_readings", "heatpump_readings", "weather_combined", "weather_forecasts"} <= {
        m.name for m in models if m.layer == "silver"
    }


@pytest.mark.parametrize(
    "model", [m for m in load_models() if m.layer != "staging"], ids=lambda m: m.name
)
def test_spark_rendering_uses_no_duckdb_only_sql(model: Model) -> None:
    spark = render(model, _ctx("spark"))
    assert "{{" not in spark
    code = re.sub(r"--[^\n]*", "", spark)
    assert DUCKDB_ONLY.search(code) is None, DUCKDB_ONLY.search(code)


def test_spark_rendering_gives_the_same_tables(lake: Path, tmp_path: Path) -> None:
    s.write_solar(lake)
    s.write_heatpump(lake)
    db = tmp_path / "db.duckdb"
    make_lakehouse(lake, db).build()
    con = duckdb.connect(str(db))
    try:
        con.execute("SET TimeZone = 'UTC'")
        for macro in SPARK_ON_DUCKDB:
            con.execute(macro)
        compared = 0
        for model in load_models():
            if model.materialized not in ("table", "incremental") or model.layer == "staging":
                continue
            spark = render(model, _ctx("spark"))
            theirs = con.execute(f"SELECT * FROM ({spark}) ORDER BY ALL").fetchall()
            ours = con.execute(f"SELECT * FROM {model.name} ORDER BY ALL").fetchall()
            assert theirs == ours, model.name
            compared += 1
        assert compared >= 12
    finally:
        con.close()


def test_bad_macros_are_refused() -> None:
    model = Model("m", "gold", "SELECT {{ __import__('os') }}", "table", None, None)
    with pytest.raises(ModelError, match=r"unsupported macro|unknown macro"):
        render(model, _ctx("duckdb"))
    unknown = Model("m", "gold", "SELECT {{ nothing() }}", "table", None, None)
    with pytest.raises(ModelError, match="unknown macro"):
        render(unknown, _ctx("duckdb"))
