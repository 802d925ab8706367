"""``energy-lakehouse``: build, inspect and export the lakehouse.

Exit codes: 0 done (corrupt segments are reported, not fatal; models without enough data
are skipped and named), 1 unexpected error, 2 bad command line, 3 lake not readable
(missing folder, ADLS unreachable or refused), 4 database not usable (locked, not a
lakehouse, bad limits), 5 export failed, 6 no forecast possible (no trained model, a
stored model that is not trusted, no weather forecast for the day).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date
import json
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
EXIT_MODELS = 6


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
    train = commands.add_parser(
        "train", help="train every model whose data suffice; say which were skipped and why"
    )
    _common(train)
    _models_option(train)
    predict = commands.add_parser(
        "predict", help="forecast a day hourly into Gold forecast_hourly and cop_expected_hourly"
    )
    _common(predict)
    _models_option(predict)
    predict.add_argument(
        "--date",
        type=date.fromisoformat,
        help="the local day to forecast, YYYY-MM-DD (default: the day after the history)",
    )
    backtest = commands.add_parser(
        "backtest",
        help="rolling-origin backtest of the last days, scores into Gold backtest_metrics",
        description="Each of the last N days is forecast by models trained on the days "
        "before it only, from the weather forecasts as issued 12-36 h ahead, and scored "
        "against the meters and simple baselines.",
    )
    _common(backtest)
    backtest.add_argument("--days", type=int, default=30, help="days to forecast (default 30)")
    backtest.add_argument(
        "--refit-days", type=int, default=7, help="retrain every N origins (default 7)"
    )
    backtest.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    backtest.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _models_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--models", type=Path, help="where trained models are kept (default: <db folder>/models)"
    )


def _models_dir(args: argparse.Namespace) -> Path:
    return Path(args.models) if args.models else Path(args.db).resolve().parent / "models"


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
        elif args.command in ("train", "predict", "backtest"):
            return _run_models(args)
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


def _run_models(args: argparse.Namespace) -> int:
    # The models load scikit-learn: only the commands that need it import them.
    from .models import runs  # noqa: PLC0415
    from .models.artifacts import ArtifactError  # noqa: PLC0415
    from .models.data import MissingTablesError  # noqa: PLC0415
    from .models.frame import NotEnoughDataError  # noqa: PLC0415

    settings = _settings(args, Path("."))
    if not settings.db.exists():
        raise LakehouseError(f"no database at {settings.db}: run 'build' first")
    con = connect(settings)
    try:
        if args.command == "train":
            report = runs.run_train(con, _models_dir(args))
            print(f"trained on {report.first_day} .. {report.last_day}, version {report.version}")
            for name, path in report.trained.items():
                print(f"  {name}: {path}")
            for name, why in report.skipped.items():
                print(f"skipped {name}: {why}")
        elif args.command == "predict":
            result = runs.run_predict(con, _models_dir(args), args.date)
            totals = ", ".join(f"{t} {kwh} kWh" for t, kwh in result.daily_kwh.items())
            print(f"{result.day}: {totals} (models {result.version}); rows {result.rows}")
            for name, why in result.skipped.items():
                print(f"no {name} forecast: {why}")
        else:
            scores = runs.run_backtest(
                con,
                days=args.days,
                refit_days=args.refit_days,
                progress=_progress(not args.no_progress),
            )
            if args.json:
                print(json.dumps(scores.metrics))
            else:
                for target, metrics in scores.metrics.items():
                    print(f"{target}: " + ", ".join(f"{k} {v}" for k, v in metrics.items()))
                bins = ", ".join(
                    f"{b['outside_bin_c']}..{b['outside_bin_c'] + 2} C {b['mae']} ({b['hours']} h)"
                    for b in scores.cop_bins
                )
                if bins:
                    print(f"cop hourly MAE by outside temperature: {bins}")
            for name, why in scores.skipped_models.items():
                print(f"skipped {name}: {why}", file=sys.stderr)
            for day, why in scores.skipped_days.items():
                print(f"not forecast {day}: {why}", file=sys.stderr)
    except (ArtifactError, NotEnoughDataError, MissingTablesError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_MODELS
    finally:
        con.close()
    return EXIT_OK


def main() -> None:
    """Console entry point."""
    sys.exit(run())
