"""Import our custom_components before any plugin can shadow it; keep e2e runnable.

pytest-homeassistant-custom-component ships a package of its own named
``custom_components``; whichever is imported first wins. This root conftest runs
before the plugin's fixtures import anything, so ours is the one HA's loader sees.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from homeassistant.const import REQUIRED_PYTHON_VER
import pytest

import custom_components.home_energy_lake  # noqa: F401

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter

# HA 2026.2 imports and tests fine on Python 3.13.0, but `hass` itself refuses to start
# below 3.13.2. The end-to-end tests need a running hass, so they are deselected (and
# said so) where this interpreter cannot run the installed Home Assistant.
HASS_CANNOT_START = sys.version_info[:3] < REQUIRED_PYTHON_VER
E2E_DESELECTED = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the e2e tests when hass cannot start on this interpreter."""
    if not HASS_CANNOT_START:
        return
    e2e = [item for item in items if item.get_closest_marker("e2e")]
    if e2e:
        items[:] = [item for item in items if item not in e2e]
        config.hook.pytest_deselected(items=e2e)
        config.stash[E2E_DESELECTED] = len(e2e)


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """Say why e2e tests are missing from this run."""
    if not terminalreporter.config.stash.get(E2E_DESELECTED, 0):
        return
    required = ".".join(map(str, REQUIRED_PYTHON_VER))
    running = ".".join(map(str, sys.version_info[:3]))
    terminalreporter.write_line(
        f"e2e tests deselected: this Home Assistant's hass needs Python >= {required}, "
        f"this interpreter is {running} (the rest of the suite runs)"
    )
