"""How long the house simulator's history generator takes, and how much Bronze it writes.

Generates ``HISTORY_BENCH_DAYS`` days (default 14) of January and of June (the two
extremes of PV and heat pump), with the default two worker processes, and reports
seconds per simulated day, the extrapolation to a year, records and bytes per day.

Run: ``.venv/bin/python -m pytest benchmarks/bench_history.py --benchmark-only -s`` or
``.venv/bin/python benchmarks/bench_history.py --days 365`` for a real year.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
import os
from pathlib import Path
import tempfile
import time
from typing import Any

from house_simulator.config import HouseConfig
from house_simulator.history import HistoryOptions, HistoryReport, generate

DAYS = int(os.environ.get("HISTORY_BENCH_DAYS", "14"))


def run(
    days: int, end: datetime, workers: int | None, lake_root: Path
) -> tuple[HistoryReport, float]:
    """Generate ``days`` days ending at ``end``; return the report and CPU-free wall time."""
    config = HouseConfig(seed=42, epoch=end)
    started = time.perf_counter()
    report = generate(
        config,
        HistoryOptions(lake=lake_root / "lake", days=days, end=end, workers=workers),
    )
    return report, time.perf_counter() - started


def describe(label: str, report: HistoryReport, seconds: float) -> str:
    """One line of figures."""
    records = sum(report.records.values())
    per_day = seconds / report.days
    return (
        f"{label}: {report.days} days in {seconds:.1f} s = {per_day:.2f} s/day "
        f"(a year: {per_day * 365 / 60:.1f} min); {records / report.days:.0f} records/day, "
        f"{report.lake_bytes / report.days / 1e6:.2f} MB/day of Bronze"
    )


def test_history_generation_speed(benchmark: Any) -> None:
    """Time January and June; the figures go to the terminal (``-s``)."""
    results: list[str] = []

    def once() -> None:
        for label, end in (
            ("January", datetime(2026, 1, 1 + DAYS, tzinfo=UTC)),
            ("June", datetime(2026, 6, 1 + DAYS, tzinfo=UTC)),
        ):
            with tempfile.TemporaryDirectory() as folder:
                report, seconds = run(DAYS, end, 2, Path(folder))
                assert report.days == DAYS
                results.append(describe(label, report, seconds))

    benchmark.pedantic(once, rounds=1, iterations=1)
    print("\n" + "\n".join(results))


def main() -> None:
    """Command line: ``--days N --workers W [--keep DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--end", default="2026-11-01")
    parser.add_argument("--keep", help="write into this folder instead of a temporary one")
    args = parser.parse_args()
    end = datetime.fromisoformat(args.end).replace(tzinfo=UTC)
    if args.keep:
        report, seconds = run(args.days, end, args.workers, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory() as folder:
            report, seconds = run(args.days, end, args.workers, Path(folder))
    print(describe(f"workers={args.workers or 'auto'}", report, seconds))


if __name__ == "__main__":
    main()
