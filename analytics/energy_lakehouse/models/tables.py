"""The Gold tables the models write, and how a run's rows replace the previous ones.

``build`` never drops these (``lakehouse.KEPT_ON_REBUILD``): they hold what was
forecast and when, which no rebuild from Bronze could bring back.
"""

from __future__ import annotations

import duckdb
import pandas as pd

DDL = {
    "forecast_hourly": """
        CREATE TABLE IF NOT EXISTS forecast_hourly (
            "timestamp" TIMESTAMPTZ NOT NULL,
            target VARCHAR NOT NULL,
            value_wh DOUBLE,
            p10_wh DOUBLE,
            p90_wh DOUBLE,
            model_version VARCHAR NOT NULL,
            issued_at TIMESTAMPTZ NOT NULL
        )""",
    "cop_expected_hourly": """
        CREATE TABLE IF NOT EXISTS cop_expected_hourly (
            "timestamp" TIMESTAMPTZ NOT NULL,
            outside_temp DOUBLE,
            flow_temp DOUBLE,
            running_share DOUBLE,
            cop_expected DOUBLE,
            cop_carnot_fraction DOUBLE,
            model_version VARCHAR NOT NULL,
            issued_at TIMESTAMPTZ NOT NULL
        )""",
    "backtest_metrics": """
        CREATE TABLE IF NOT EXISTS backtest_metrics (
            run_at TIMESTAMPTZ NOT NULL,
            target VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            first_origin DATE,
            last_origin DATE
        )""",
}


def create(con: duckdb.DuckDBPyConnection) -> None:
    """Create the model tables that do not exist yet."""
    for ddl in DDL.values():
        con.execute(ddl)


def replace_hours(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> int:
    """Insert ``rows``; the same hours (and targets) of an earlier run are replaced."""
    if rows.empty:
        return 0
    keys = '"timestamp", target' if "target" in rows.columns else '"timestamp"'
    con.register("_new_rows", rows)
    try:
        con.execute("BEGIN")
        con.execute(
            f"DELETE FROM {table} WHERE ({keys}) IN (SELECT ({keys}) FROM _new_rows)"  # noqa: S608
        )
        columns = ", ".join(f'"{c}"' for c in rows.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _new_rows")  # noqa: S608
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_new_rows")
    return len(rows)


def append(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> int:
    """Append ``rows`` (a backtest run keeps the runs before it)."""
    if rows.empty:
        return 0
    con.register("_new_rows", rows)
    try:
        columns = ", ".join(f'"{c}"' for c in rows.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _new_rows")  # noqa: S608
    finally:
        con.unregister("_new_rows")
    return len(rows)
