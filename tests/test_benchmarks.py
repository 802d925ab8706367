"""The benchmark command, as its docstring gives it, runs on a fresh clone."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).parents[1]


def test_lakehouse_benchmark_runs_without_a_cache_folder(tmp_path: Path) -> None:
    cache = tmp_path / "never-created"
    result = subprocess.run(
        [sys.executable, "benchmarks/bench_lakehouse.py", "--days", "1", "--only", "floor"],
        cwd=ROOT,
        env={**os.environ, "LAKEHOUSE_BENCH_CACHE": str(cache)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads((cache / "results-1d.json").read_text(encoding="utf-8"))
    assert results["results"]["floor"]["records"] > 0
