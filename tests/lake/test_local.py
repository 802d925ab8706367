"""LocalBackend: atomic, idempotent writes under a root it never escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.home_energy_lake.lake.backend import BackendError, ErrorKind
from custom_components.home_energy_lake.lake.local import LocalBackend

from .conftest import files_under

PATH = "solar/raw/2026/11/25/30025418_powerflow_20261125T100000Z_ab12cd34.jsonl.gz"


async def test_put_writes_the_file_whole_and_nothing_else(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    await backend.async_put(PATH, b"segment bytes")

    assert files_under(tmp_path) == [tmp_path / PATH]
    assert (tmp_path / PATH).read_bytes() == b"segment bytes"
    assert await backend.async_size(PATH) == len(b"segment bytes")


async def test_put_again_with_the_same_bytes_is_a_no_op(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    await backend.async_put(PATH, b"segment bytes")
    await backend.async_put(PATH, b"segment bytes")

    assert files_under(tmp_path) == [tmp_path / PATH]


async def test_put_over_different_bytes_is_a_conflict_and_keeps_the_original(
    tmp_path: Path,
) -> None:
    backend = LocalBackend(tmp_path)
    await backend.async_put(PATH, b"first")
    with pytest.raises(BackendError, match="Conflict") as conflict:
        await backend.async_put(PATH, b"second")

    assert conflict.value.kind is ErrorKind.CONFLICT
    assert not conflict.value.retryable
    assert (tmp_path / PATH).read_bytes() == b"first"


async def test_size_of_a_missing_file_is_none(tmp_path: Path) -> None:
    assert await LocalBackend(tmp_path).async_size(PATH) is None


async def test_check_writes_and_removes_a_probe(tmp_path: Path) -> None:
    await LocalBackend(tmp_path).async_check()
    assert files_under(tmp_path) == []


async def test_root_is_created_only_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "config" / "home_energy_lake" / "bronze"
    with pytest.raises(BackendError, match="Missing folder"):
        await LocalBackend(root).async_put(PATH, b"x")
    assert not root.exists()

    await LocalBackend(root, create=True).async_put(PATH, b"x")
    assert (root / PATH).read_bytes() == b"x"


def test_description_names_the_folder(tmp_path: Path) -> None:
    assert LocalBackend(tmp_path).description == f"local folder {tmp_path}"
