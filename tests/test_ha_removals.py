"""Guards against Home Assistant APIs that the HA versions users run have deprecated or removed.

CI can only run HA up to 2026.2 (later releases need Python 3.14), so what 2026.3-2026.12
changed is checked here by reading our source. Each guard is named for the change it
keeps out; docs/ha-compatibility.md lists the changes, when each breaks, and what we do
instead. Every guard is also tried on a snippet that has the pattern, so it can fail.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
INTEGRATION = ROOT / "custom_components" / "home_energy_lake"
TOKEN_MAPPING = INTEGRATION / "api" / "myuplink.py"
"""The one module that maps OAuth2 token-refresh errors (``token_refresh_error``)."""

type Finder = Callable[[ast.Module, Path], Iterator[int]]
"""Yields the line of each use of a pattern in one parsed file."""


def _calls(tree: ast.Module, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                yield node


def _update_listener(tree: ast.Module, _path: Path) -> Iterator[int]:
    # 2026.12: reauth and reconfigure (async_update_reload_and_abort) fail beside one.
    for call in _calls(tree, "add_update_listener"):
        yield call.lineno


def _advanced_mode(tree: ast.Module, _path: Path) -> Iterator[int]:
    # Always True since 2026.6, removed in 2027.6.
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "show_advanced_options":
            yield node.lineno
        if isinstance(node, ast.Constant) and node.value == "show_advanced_options":
            yield node.lineno


def _percentage_unit(tree: ast.Module, _path: Path) -> Iterator[int]:
    # Deprecated as a unit in 2026.7 for UnitOfRatio.PERCENTAGE.
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "homeassistant.const"
            and any(alias.name == "PERCENTAGE" for alias in node.names)
        ):
            yield node.lineno
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "PERCENTAGE"
            and isinstance(node.value, ast.Name)
            and node.value.id in {"const", "ha_const"}
        ):
            yield node.lineno


def _device_config_entry_edits(tree: ast.Module, _path: Path) -> Iterator[int]:
    # 2026.8: a device belongs to one config entry; async_remove_device instead.
    for call in _calls(tree, "async_update_device"):
        keywords = {k.arg for k in call.keywords}
        if keywords & {"add_config_entry_id", "remove_config_entry_id"}:
            yield call.lineno


def _token_errors_mapped_elsewhere(tree: ast.Module, path: Path) -> Iterator[int]:
    # 2026.3 classifies token errors itself; we map them once, by the same rule.
    if path == TOKEN_MAPPING:
        return
    names = {"ClientResponseError", "OAuth2TokenRequestReauthError", "OAuth2TokenRequestError"}
    names |= {"OAuth2TokenRequestTransientError"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names:
            yield node.lineno
        if isinstance(node, ast.Name) and node.id in names:
            yield node.lineno


def _device_lookup(tree: ast.Module, _path: Path) -> Iterator[int]:
    # DeviceRegistry.async_get_device: deprecated 2026.8, removed 2027.8.
    for call in _calls(tree, "async_get_device"):
        yield call.lineno


@dataclass(frozen=True)
class Removal:
    """One change of Home Assistant's, where we look for it, and a use of it."""

    guard: str
    find: Finder
    where: tuple[Path, ...]
    example: str


REMOVALS = (
    Removal(
        "no_update_listener_beside_reloading_flows",
        _update_listener,
        (INTEGRATION,),
        "entry.async_on_unload(entry.add_update_listener(_changed))",
    ),
    Removal(
        "no_advanced_mode",
        _advanced_mode,
        (INTEGRATION, ROOT / "tools"),
        "if self.show_advanced_options:\n    pass",
    ),
    Removal(
        "percent_unit_from_unit_of_ratio",
        _percentage_unit,
        (INTEGRATION,),
        "from homeassistant.const import PERCENTAGE, UnitOfPower",
    ),
    Removal(
        "devices_removed_not_detached",
        _device_config_entry_edits,
        (INTEGRATION,),
        "registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)",
    ),
    Removal(
        "token_refresh_errors_mapped_once",
        _token_errors_mapped_elsewhere,
        (INTEGRATION,),
        "try:\n    pass\nexcept aiohttp.ClientResponseError as err:\n    pass",
    ),
    Removal(
        "no_device_lookup_by_identifiers",
        _device_lookup,
        (INTEGRATION, ROOT / "tests"),
        "registry.async_get_device({(DOMAIN, 'x')})",
    ),
)


def _sources(folders: tuple[Path, ...]) -> Iterator[Path]:
    for folder in folders:
        yield from sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("removal", REMOVALS, ids=lambda r: r.guard)
def test_code_keeps_out(removal: Removal) -> None:
    """None of our code uses what this guard keeps out."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources(removal.where)
        if path != Path(__file__)
        for line in removal.find(ast.parse(path.read_text(encoding="utf-8")), path)
    ]
    assert found == []


@pytest.mark.parametrize("removal", REMOVALS, ids=lambda r: r.guard)
def test_guard_catches_the_pattern(removal: Removal) -> None:
    """Each guard flags a use of its pattern, so a returning use fails the suite."""
    tree = ast.parse(removal.example)
    assert list(removal.find(tree, INTEGRATION / "example.py"))


def test_every_guard_is_listed_in_the_docs() -> None:
    """docs/ha-compatibility.md names each guard beside the change it keeps out."""
    text = (ROOT / "docs" / "ha-compatibility.md").read_text(encoding="utf-8")
    for removal in REMOVALS:
        assert f"`{removal.guard}`" in text, removal.guard
