"""Reliability 5: device ids and API names with path characters cannot escape the root."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
import string

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.home_energy_lake.lake.backend import BackendError
from custom_components.home_energy_lake.lake.local import LocalBackend
from custom_components.home_energy_lake.lake.paths import (
    MAX_NAME_LENGTH,
    check_relative_path,
    safe_name,
    segment_path,
)

from .conftest import files_under

DAY = datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC)
HOSTILE = [
    "..",
    ".",
    "../../etc/passwd",
    "/abs",
    "a/b",
    "a\\b",
    "\x00",
    "nul\x00byte",
    "",
    "~",
    "%2F",
]
names = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(),
    st.text(alphabet="./\\\x00%_~é𝔘 ", max_size=20),
)


@given(value=names)
def test_safe_name_is_one_harmless_ascii_component(value: str) -> None:
    name = safe_name(value)

    assert name not in {"", ".", ".."}
    assert not name.startswith(".")
    assert set(name) <= set(string.ascii_letters + string.digits + ".-%~")
    assert len(name) <= MAX_NAME_LENGTH


@given(first=names, second=names)
def test_distinct_names_never_share_a_file_name(first: str, second: str) -> None:
    if first != second:
        assert safe_name(first) != safe_name(second)


@pytest.mark.parametrize("source", ["solar", "heatpump", "weather"])
@given(vendor=names, device_id=names, endpoint=names, token=names)
def test_segment_path_has_the_layout_and_stays_under_the_root(
    source: str, vendor: str, device_id: str, endpoint: str, token: str
) -> None:
    path = segment_path(
        source=source,
        vendor=vendor,
        device_id=device_id,
        endpoint=endpoint,
        started_at=DAY,
        token=token,
    )
    parts = check_relative_path(path)
    root = Path("/lake")

    assert parts[:5] == [source, "raw", "2026", "11", "25"]
    assert len(parts) == (7 if source == "weather" else 6)
    if source == "weather":
        assert parts[5] == f"api={safe_name(vendor)}"
    assert parts[-1].endswith("_20261125T235959Z_" + safe_name(token) + ".jsonl.gz")
    assert parts[-1].startswith(f"{safe_name(device_id)}_{safe_name(endpoint)}_")
    resolved = (root / path).resolve()
    assert resolved.is_relative_to(root)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(device_id=names, vendor=names)
async def test_local_backend_writes_hostile_ids_inside_the_root(
    tmp_path: Path, device_id: str, vendor: str
) -> None:
    root = tmp_path / "lake"
    root.mkdir(exist_ok=True)
    backend = LocalBackend(root)
    path = segment_path(
        source="weather",
        vendor=vendor,
        device_id=device_id,
        endpoint="forecast",
        started_at=DAY,
        token="t",
    )
    await backend.async_put(path, b"segment")

    written = files_under(tmp_path)
    assert written, "nothing was written"
    assert all(p.resolve().is_relative_to(root.resolve()) for p in written)
    assert await backend.async_size(path) == len(b"segment")


@pytest.mark.parametrize(
    "path",
    ["../escape.jsonl.gz", "/etc/passwd", "a//b", "a/./b", "a/../../b", "a\\..\\b", "a/\x00/b", ""],
)
async def test_backend_refuses_paths_that_could_leave_the_root(tmp_path: Path, path: str) -> None:
    backend = LocalBackend(tmp_path)
    with pytest.raises(BackendError, match="unsafe lake path"):
        await backend.async_put(path, b"x")
    assert files_under(tmp_path) == []
