"""The boundaries of docs/architecture: which parts may import Home Assistant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
HA_FREE = [
    ROOT / "custom_components" / "home_energy_lake" / "api",
    ROOT / "custom_components" / "home_energy_lake" / "lake",
    ROOT / "analytics",
]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("folder", HA_FREE, ids=lambda p: str(p.relative_to(ROOT)))
def test_part_does_not_import_home_assistant(folder: Path) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in mods if m.split(".")[0] == "homeassistant")
        for path in folder.rglob("*.py")
        if (mods := _imported_modules(path))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_analytics_does_not_import_the_integration() -> None:
    for path in (ROOT / "analytics").rglob("*.py"):
        assert not any(m.startswith("custom_components") for m in _imported_modules(path)), path
