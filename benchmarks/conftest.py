"""Collect ``bench_*.py`` files, so that ``pytest benchmarks`` (``make bench``) finds them.

Files named on the command line are collected by pytest itself; this hook adds the
others without collecting anything twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Treat ``bench_*.py`` as test modules."""
    if (
        file_path.suffix == ".py"
        and file_path.name.startswith("bench_")
        and not parent.session.isinitpath(file_path)
    ):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
