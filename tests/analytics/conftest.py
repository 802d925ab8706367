"""Shared helpers: a lake in tmp_path and a lakehouse built on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from energy_lakehouse.lakehouse import Lakehouse, Settings

type Query = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """An empty Bronze root."""
    root = tmp_path / "lake"
    root.mkdir()
    return root


def make_lakehouse(lake: Path, db: Path, timezone: str = "Europe/Berlin", **kw: Any) -> Lakehouse:
    """A lakehouse on `lake` with a database at `db`."""
    return Lakehouse(Settings(lake=lake, db=db, timezone=timezone, **kw))


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one query on a built database, read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def one_row(db: Path, sql: str) -> dict[str, Any]:
    """The single row of a query, by column name."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        cursor = con.execute(sql)
        rows = cursor.fetchall()
        assert len(rows) == 1, rows
        names = [d[0] for d in cursor.description or []]
        return dict(zip(names, rows[0], strict=True))
    finally:
        con.close()


def table(db: Path, name: str) -> list[tuple[Any, ...]]:
    """Every row of a table in a stable order, floats rounded to 9 places for comparison."""
    rows = query(db, f"SELECT * FROM {name} ORDER BY ALL")
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]
