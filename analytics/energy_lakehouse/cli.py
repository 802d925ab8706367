"""``energy-lakehouse``: build, inspect and export the lakehouse.

Exit codes: 0 done (corrupt segments are reported, not fatal), 1 unexpected error,
2 bad command line, 3 lake not readable (missing folder, ADLS unreachable or refused),
4 database not usable (locked, not a lakehouse, bad limits), 5 export failed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
import os
from pathlib import Path
import sys
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
from tqdm import tqdm

from .export import GOLD_TABLES, SILVER_TABLES, ExportError, export_tables
from .lakehouse import Lakehouse, LakehouseError, LakeUnavailableError, Settings, connect

# Bars advance with the work; tqdm's monitor thread would only outlive short runs.
tqdm.monitor_interval = 0

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_LAKE = 3
EXIT_DATABASE = 4
EXIT_EXPORT = 5


def _progress(enabled: bool) -> Callable[[str, int], Callable[[int], None]]:
    def make(desc: str, total: int) -> Callable[[int], None]:
        bar = tqdm(total=total, desc=desc, unit="", disable=not enabled or total == 0, leave=False)

        def advance(n: int) -> None:
            bar.update(n)
            if bar.n >= total:
                bar.close()

        return advance

    return make


def _timezone(name: str) -> str:
    """Accept only IANA zone names that this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise argparse.ArgumentTypeError(f"unknown IANA time zone {name!r}") from err
    return name


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=Path("lakehouse.duckdb"), help="DuckDB database file"
    )
    parser.add_argument(
        "--memory-limit",
        default="512MB",
        help="DuckDB memory limit, e.g. 512MB or 2GB (default 512MB, for small machines)",
    )
    parser.add_argument("--threads", type=int, default=2, help="DuckDB worker threads (default 2)")
    parser.add_argument(
        "--timezone",
        type=_timezone,
        default="UTC",
        help="the home's IANA time zone; daily totals follow its local days (default UTC)",
    )


def _lake_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("lake (a local folder, or ADLS Gen2 synced to a cache)")
    group.add_argument(
        "--lake", type=Path, help="local Bronze root (holds solar/, heatpump/, weather/)"
    )
    group.add_argument("--adls-account-url", help="https://<account>.dfs.core.windows.net")
    group.add_argument("--adls-filesystem", default="bronze", help="ADLS file system (container)")
    group.add_argument(
        "--adls-prefix", default="", help="folder of the lake root in the file system"
    )
    group.add_argument(
        "--adls-account-key",
        default=os.environ.get("AZURE_STORAGE_KEY"),
        help="storage account key (default: $AZURE_STORAGE_KEY)",
    )
    group.add_argument(
        "--adls-sas-token",
        default=os.environ.get("AZURE_STORAGE_SAS_TOKEN"),
        help="SAS token (default: $AZURE_STORAGE_SAS_TOKEN); without key or SAS, the "
        "environment's Azure identity (service principal, managed identity, az login)",
    )
    group.add_argument(
        "--adls-cache",
        type=Path,
        help="local copy of the ADLS lake (default: <db>.bronze-cache)",
    )
    parser.add_argument("--latitude", type=float, help="home latitude for sun position features")
    parser.add_argument("--longitude", type=float, help="home longitude for sun position features")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="energy-lakehouse",
        description="Build Silver and Gold tables from the Home Energy Lake's Bronze store.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = commands.add_parser(
        "build",
        help="read new Bronze segments and update Silver and Gold",
        description="Incremental build: reads only segments not seen before (by path, size "
        "and mtime) and recomputes the local days they touch.",
    )
    _common(build)
    _lake_options(build)
    build.add_argument("--full-refresh", action="store_true", help="rebuild everything from Bronze")
    status = commands.add_parser("status", help="show the manifest, the last build and table sizes")
    _common(status)
    export = commands.add_parser(
        "export", help="write Gold (and optionally Silver) to Parquet or Delta"
    )
    _common(export)
    export.add_argument("--format", choices=("parquet", "delta"), default="parquet")
    export.add_argument("--out", type=Path, required=True, help="output folder")
    export.add_argument("--silver", action="store_true", help="export the Silver tables too")
    return parser


def _settings(args: argparse.Namespace, lake: Path) -> Settings:
    return Settings(
        lake=lake,
        db=args.db,
        timezone=args.timezone,
        memory_limit=args.memory_limit,
        threads=args.threads,
        latitude=getattr(args, "latitude", None),
        longitude=getattr(args, "longitude", None),
    )


def _resolve_lake(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Path:
    if args.lake is not None and args.adls_account_url is not None:
        parser.error("give --lake or --adls-account-url, not both")
    if args.lake is not None:
        return Path(args.lake)
    if args.adls_account_url is None:
        parser.error("build needs --lake PATH or --adls-account-url URL")
    from .adls import sync_adls  # noqa: PLC0415 - the Azure SDK loads only when used

    cache = args.adls_cache or Path(f"{args.db}.bronze-cache")
    synced = sync_adls(
        account_url=args.adls_account_url,
        filesystem=args.adls_filesystem,
        prefix=args.adls_prefix,
        cache=cache,
        account_key=args.adls_account_key,
        sas_token=args.adls_sas_token,
        progress=_progress(not args.no_progress),
    )
    print(f"ADLS: {synced.downloaded} segments downloaded, {synced.unchanged} unchanged")
    return cache


def _lines_summary(counts: dict[str, int]) -> str:
    """'1,200 lines: 1,150 modelled, 40 http_error, 10 bad_units'."""
    refused = [
        f"{n:,} {reason}"
        for reason, n in counts.items()
        if reason not in ("lines", "modelled") and n
    ]
    return f"{counts['lines']:,} lines: " + ", ".join(
        [f"{counts['modelled']:,} modelled", *refused]
    )


def _print_status(status: dict[str, Any]) -> None:
    print(
        "segments:", ", ".join(f"{k} {v}" for k, v in sorted(status["segments"].items())) or "none"
    )
    last = status["last_build"]
    if last:
        print(
            f"last build: {last[0]:%Y-%m-%d %H:%M:%S} UTC, full refresh {last[1]}, "
            f"{last[2]} segments, {last[3]} lines, {last[4]} staged rows, {last[5]} corrupt, "
            f"window {last[6]} .. {last[7]}, time zone {last[8]}"
        )
    print("Bronze lines per stream:")
    for stream, counts in status["lines"].items():
        print(f"  {stream:32} {_lines_summary(counts)}")
    for path, state, error in status["problems"]:
        print(f"{state}: {path}: {error}")
    print("tables:")
    for name, rows in status["tables"].items():
        print(f"  {name:32} {rows:>12,}")


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            lake = _resolve_lake(args, parser)
            lakehouse = Lakehouse(_settings(args, lake), progress=_progress(not args.no_progress))
            report = lakehouse.build(full_refresh=args.full_refresh)
            window = (
                f"{report.window.start:%Y-%m-%d %H:%M} .. {report.window.end:%Y-%m-%d %H:%M} UTC"
                if report.window
                else "nothing to recompute"
            )
            if report.rebuilt_for_new_models:
                print("the database was built by other model files: rebuilt from Bronze")
            counts = {"lines": report.lines, "modelled": report.modelled, **report.refused}
            print(
                f"{report.listed} segments listed, {report.read} read "
                f"({_lines_summary(counts)}; {report.staged_rows} staged rows), "
                f"{report.unsupported} of streams not modelled, "
                f"{len(report.partial)} partly read, {len(report.corrupt)} corrupt; "
                f"{window}; {report.seconds:.2f} s"
            )
            for path, error in report.partial:
                print(f"read part of segment {path}: {error}", file=sys.stderr)
            for path, error in report.corrupt:
                print(f"skipped corrupt segment {path}: {error}", file=sys.stderr)
        elif args.command == "status":
            _print_status(Lakehouse(_settings(args, Path("."))).status())
        else:
            settings = _settings(args, Path("."))
            if not settings.db.exists():
                raise LakehouseError(f"no database at {settings.db}: run 'build' first")
            tables = GOLD_TABLES + (SILVER_TABLES if args.silver else ())
            con = connect(settings, read_only=True)
            try:
                written = export_tables(con, args.out, tables, args.format)
            finally:
                con.close()
            for table, rows in written.items():
                print(f"{table}: {rows} rows -> {args.out / table}")
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_EXPORT
    except LakeUnavailableError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_LAKE
    except LakehouseError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_DATABASE
    except duckdb.Error as err:
        print(f"error: database: {err}", file=sys.stderr)
        return EXIT_DATABASE
    return EXIT_OK


def main() -> None:
    """Console entry point."""
    sys.exit(run())
