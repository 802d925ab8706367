"""Gold (and Silver) out of DuckDB: partitioned Parquet, or Delta Lake tables.

Parquet goes to ``<out>/<table>/year=YYYY/month=M/*.parquet`` for tables with a day
column (hive partitioning, which Spark, Databricks SQL and Power BI read), one file for
the rest. Delta tables are written by ``deltalake`` (delta-rs) with the same partitions,
overwriting the previous version (Delta keeps its history).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import shutil
from typing import Literal

import duckdb

type ExportFormat = Literal["parquet", "delta"]

GOLD_TABLES = (
    "daily_energy_balance",
    "heatpump_cop_daily",
    "heatpump_cop_hourly",
    "heatpump_cop_by_outside_temp",
    "heatpump_cop_by_flow_temp",
    "heatpump_cop_heatmap",
    "features_weather_hourly",
    "features_sun_position",
    "features_consumption_hourly",
)
SILVER_TABLES = ("solar_readings", "heatpump_readings", "weather_combined", "weather_forecasts")


class ExportError(Exception):
    """An export cannot be written."""


def _partition_expression(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    columns = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }
    if "local_date" in columns:
        return "local_date"
    if "timestamp" in columns:
        return '"timestamp"'
    return None


def export_tables(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    tables: Sequence[str],
    fmt: ExportFormat,
) -> dict[str, int]:
    """Write each table; return the rows written per table."""
    written: dict[str, int] = {}
    out.mkdir(parents=True, exist_ok=True)
    for table in tables:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchone()
        if not exists or not exists[0]:
            raise ExportError(f"table {table} does not exist: run 'build' first")
        day = _partition_expression(con, table)
        select = f"SELECT * FROM {table}"  # noqa: S608 - table names come from GOLD_TABLES / SILVER_TABLES
        if day is not None:
            select = f"SELECT *, year({day}) AS year, month({day}) AS month FROM {table}"  # noqa: S608 - table names come from GOLD_TABLES / SILVER_TABLES
        target = out / table
        if target.exists():
            shutil.rmtree(target)
        if fmt == "parquet":
            if day is not None:
                con.execute(
                    f"COPY ({select}) TO '{target}' "
                    "(FORMAT parquet, PARTITION_BY (year, month), COMPRESSION zstd)"
                )
            else:
                target.mkdir(parents=True)
                con.execute(f"COPY ({select}) TO '{target / 'data.parquet'}' (FORMAT parquet)")
        else:
            _write_delta(con, select, target, partitioned=day is not None)
        count = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - table names come from GOLD_TABLES / SILVER_TABLES
        written[table] = int(count[0]) if count else 0
    return written


def _write_delta(
    con: duckdb.DuckDBPyConnection, select: str, target: Path, *, partitioned: bool
) -> None:
    try:
        from deltalake import write_deltalake  # noqa: PLC0415 - optional dependency
    except ImportError as err:
        raise ExportError("the Delta export needs the 'deltalake' package") from err
    table = con.sql(select).to_arrow_table()
    write_deltalake(
        str(target),
        table,
        mode="overwrite",
        partition_by=["year", "month"] if partitioned else None,
    )
