"""Command line: ``python -m house_simulator serve|history|faults``."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
import logging
from pathlib import Path
import signal
import sys

from .config import HouseConfig
from .faults import read_log


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _config(args: argparse.Namespace) -> HouseConfig:
    if args.epoch is None:
        return HouseConfig(seed=args.seed)
    return HouseConfig(seed=args.seed, epoch=_utc(args.epoch))


async def _serve(args: argparse.Namespace) -> None:
    from .server import start_server  # noqa: PLC0415 - aiohttp only for this command

    faults = read_log(Path(args.faults)) if args.faults else None
    start = _utc(args.start) if args.start else None
    url, stop, _simulator = await start_server(
        _config(args),
        host=args.host,
        port=args.port,
        start=start,
        speed=args.speed,
        faults=faults,
        grants_file=Path(args.grants) if args.grants else None,
    )
    print(f"house simulator (seed {args.seed}) serving on {url}", flush=True)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    try:
        await stopped.wait()
    finally:
        await stop()


def _history(args: argparse.Namespace) -> None:
    from .history import HistoryOptions, generate  # noqa: PLC0415

    faults = read_log(Path(args.faults)) if args.faults else None
    end = _utc(args.end) if args.end else None
    report = generate(
        _config(args),
        HistoryOptions(
            lake=Path(args.lake),
            days=args.days,
            end=end,
            truth_dir=Path(args.truth) if args.truth else None,
            faults=faults,
            solar_slow_endpoints=args.fronius_round,
            workers=args.workers,
            base_url=args.base_url,
        ),
        progress=lambda message: print(message, flush=True),
    )
    print(report.summary(), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="house_simulator", description=__doc__)
    parser.add_argument("--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(command: argparse.ArgumentParser) -> None:
        command.add_argument("--seed", type=int, default=42, help="decides everything")
        command.add_argument(
            "--epoch", help="day zero of the lifetime counters (ISO, default 2026-10-01)"
        )
        command.add_argument(
            "--faults", help="a fault log (JSON lines) to use instead of the seed's"
        )

    serve = commands.add_parser("serve", help="serve every vendor API on one loopback port")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8300)
    serve.add_argument("--start", help="simulated time at start-up (ISO); default: wall clock")
    serve.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    serve.add_argument(
        "--grants", help="a file that keeps the myUplink OAuth grants across restarts"
    )

    history = commands.add_parser("history", help="write N days of Bronze, fault log and truth")
    common(history)
    history.add_argument("--days", type=int, required=True)
    history.add_argument("--lake", required=True, help="the lake root to write Bronze into")
    history.add_argument(
        "--end", help="end of the history (ISO, exclusive); default: today 00:00 UTC"
    )
    history.add_argument(
        "--truth", help="where faults.jsonl and truth.csv go (default: <lake>/../)"
    )
    history.add_argument(
        "--fronius-round",
        action="store_true",
        help="also write the meter/storage/inverter answer read with each power flow",
    )
    history.add_argument(
        "--base-url",
        default="http://127.0.0.1:8300",
        help="where the simulator serves live; recorded URLs and the emoncms device id use it",
    )
    history.add_argument(
        "--workers", type=int, help="processes rendering days (default: 2 from 30 days on)"
    )

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if args.command == "history" and args.days <= 0:
        parser.error("--days must be positive")
    try:
        if args.command == "serve":
            asyncio.run(_serve(args))
        else:
            _history(args)
    except (ValueError, OSError) as err:
        print(f"house_simulator: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
