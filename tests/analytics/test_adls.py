"""ADLS Bronze: segments uploaded by the integration's backend, synced and built."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from custom_components.home_energy_lake.lake.adls import AccountKey, AdlsBackend
from energy_lakehouse.adls import account_name, sync_adls
from energy_lakehouse.lakehouse import LakeUnavailableError
from tests.lake.fake_adls import ACCOUNT, ACCOUNT_KEY, FakeAdls

from . import scenario as s
from .conftest import make_lakehouse, one_row

FAST = {"retry_total": 0, "connection_timeout": 2, "read_timeout": 2}


async def _in_thread(work: Callable[[], Any]) -> Any:
    """Run the synchronous SDK off the loop that serves the fake ADLS."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, work)
    finally:
        pool.shutdown(wait=True)


async def _upload(server: FakeAdls, local: Path) -> None:
    segments = [(p.relative_to(local).as_posix(), p.read_bytes()) for p in local.rglob("*.gz")]  # noqa: ASYNC240 - a test's few small files
    backend = AdlsBackend(
        account_name=ACCOUNT,
        filesystem="bronze",
        credential=AccountKey(ACCOUNT_KEY),
        endpoint=server.account_url,
    )
    try:
        for path, data in sorted(segments):
            await backend.async_put(path, data)
    finally:
        await backend.async_close()


def test_account_name_from_urls() -> None:
    assert account_name("https://myhouse.dfs.core.windows.net") == "myhouse"
    assert account_name("http://127.0.0.1:10000/devstoreaccount1") == "devstoreaccount1"


async def test_adls_lake_builds_like_a_local_one(socket_enabled: None, tmp_path: Path) -> None:
    local = tmp_path / "written"
    s.write_solar(local)
    s.write_heatpump(local)
    cache = tmp_path / "cache"
    async with FakeAdls() as server:
        await _upload(server, local)

        def sync() -> Any:
            return sync_adls(
                account_url=server.account_url,
                filesystem="bronze",
                prefix="",
                cache=cache,
                account_key=ACCOUNT_KEY,
                **FAST,
            )

        first = await _in_thread(sync)
        again = await _in_thread(sync)
    assert (first.downloaded, first.unchanged) == (5, 0)
    assert (again.downloaded, again.unchanged) == (0, 5)
    db = tmp_path / "db.duckdb"
    report = make_lakehouse(cache, db).build()
    assert report.read == 5
    day = one_row(db, "SELECT solar_produced_wh, heatpump_consumed_wh FROM daily_energy_balance")
    assert round(day["solar_produced_wh"], 6) == s.SOLAR_PRODUCED_WH
    assert round(day["heatpump_consumed_wh"], 6) == 420


async def test_wrong_key_is_a_lake_error(socket_enabled: None, tmp_path: Path) -> None:
    async with FakeAdls() as server:

        def sync() -> Any:
            return sync_adls(
                account_url=server.account_url,
                filesystem="bronze",
                prefix="",
                cache=tmp_path / "cache",
                account_key="bm90IHRoZSBrZXk=",
                **FAST,
            )

        with pytest.raises(LakeUnavailableError, match="ADLS"):
            await _in_thread(sync)


async def test_cli_builds_from_adls(socket_enabled: None, tmp_path: Path) -> None:
    from energy_lakehouse.cli import EXIT_OK, run

    local = tmp_path / "written"
    s.write_solar(local)
    db = tmp_path / "db.duckdb"
    async with FakeAdls() as server:
        await _upload(server, local)
        argv = [
            "build",
            "--adls-account-url",
            server.account_url,
            "--adls-account-key",
            ACCOUNT_KEY,
            "--db",
            str(db),
            "--timezone",
            "Europe/Berlin",
            "--no-progress",
        ]
        assert await _in_thread(lambda: run(argv)) == EXIT_OK
    assert (tmp_path / "db.duckdb.bronze-cache" / "solar" / "raw").is_dir()
    day = one_row(db, "SELECT solar_produced_wh FROM daily_energy_balance")
    assert round(day["solar_produced_wh"], 6) == s.SOLAR_PRODUCED_WH
