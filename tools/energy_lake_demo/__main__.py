"""``make demo``: the house simulator and a real Home Assistant with Home Energy Lake.

Everything the demo creates lives in ``.demo/`` at the repository root: the HA config
directory, the lake (``.demo/lake``), the lakehouse database and the access token.
Ctrl-C stops everything, at any moment; running it again reuses what is there and
resumes an interrupted start.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import signal
import sys
import time

from .demo import DemoSettings, run_demo


def main() -> int:
    """Parse the command line and run the demo until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument(
        "--days",
        type=int,
        default=None,
        help="days of simulated history to backfill into the lake (default: what fits the "
        "3-minute start, 30 days; 365 for a year)",
    )
    parser.add_argument("--seed", type=int, default=42, help="the house simulator's seed")
    parser.add_argument(
        "--faults",
        type=Path,
        default=None,
        help="a fault log (JSON lines) to plant instead of the seed's; an empty file plants none",
    )
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument("--simulator-port", type=int, default=8300)
    parser.add_argument(
        "--state-dir", type=Path, default=None, help="where the demo keeps its state (.demo)"
    )
    args = parser.parse_args()

    root = Path(__file__).resolve().parents[2]
    settings = DemoSettings(
        repo_root=root,
        demo_dir=(args.state_dir or root / ".demo").resolve(),
        port=args.port,
        simulator_port=args.simulator_port,
        seed=args.seed,
        days=args.days,
        faults=args.faults.resolve() if args.faults else None,
    )
    started = time.monotonic()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        return loop.run_until_complete(run_demo(settings, stop, started))
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
