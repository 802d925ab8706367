"""Benchmark the lakehouse against the floor and two pandas implementations (on demand).

Data: the house simulator's history (Fronius every 10 s, emoncms every 30 s, three
weather APIs hourly), generated once and cached under ``.benchmarks/lake-<days>d``
(``$LAKEHOUSE_BENCH_CACHE`` moves the cache).
Every measurement runs in its own process so that its peak RSS is its own:

* floor: DuckDB's bare ``SELECT count(*) FROM read_json(...)`` over every segment;
* pandas, idiomatic: ``pandas.read_json(lines=True)`` per segment, ``json_normalize``;
* pandas, hand-tuned: ``json.loads`` per record into tuples, one DataFrame;
  both pandas paths do the Silver step of the two big streams (power flow and heat
  pump feed list: typed columns, deduplicated, 5-minute means and energies);
* lakehouse full rebuild, Bronze to Gold, at the default settings;
* lakehouse one-day incremental: the last day's segments land on a built lakehouse.

    .venv/bin/python benchmarks/bench_lakehouse.py --days 365
    .venv/bin/python -m pytest benchmarks/bench_lakehouse.py --benchmark-only -s   # make bench

Under pytest the history is ``$LAKEHOUSE_BENCH_DAYS`` days long (default 31) and the
targets are checked: full rebuild at most 2.5 times the floor, one-day incremental at
most 2 s, peak RSS at most 1 GB; from 365 days on also at least 10 times faster than the
idiomatic pandas path and 3 times faster than the hand-tuned one (the year is what those
targets were set for; a month is dominated by fixed costs).
"""

# Each measurement imports only what it uses, inside its function, so that a process's
# peak RSS is its own work's (the floor must not pay for pandas).
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
from collections.abc import Callable
import gzip
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("LAKEHOUSE_BENCH_CACHE", ROOT / ".benchmarks"))
"""Generated histories and results; ``$LAKEHOUSE_BENCH_CACHE`` moves it elsewhere."""
MEASUREMENTS = ("floor", "pandas_idiomatic", "pandas_tuned", "full_rebuild", "incremental_day")


def lake_for(days: int, end: str) -> Path:
    """The cached simulated lake of `days` days ending at `end` (generated if missing)."""
    base = CACHE / f"lake-{days}d"
    lake = base / "lake"
    if not (base / "truth_daily.csv").exists():
        shutil.rmtree(base, ignore_errors=True)
        print(f"generating {days} days of Bronze into {lake} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "house_simulator",
                "history",
                "--days",
                str(days),
                "--end",
                end,
                "--lake",
                str(lake),
                "--workers",
                str(os.cpu_count() or 1),
            ],
            check=True,
        )
    return lake


def segments(lake: Path, endpoint: str | None = None) -> list[Path]:
    """Every segment, or those of one endpoint (the second field of the file name)."""
    found = sorted(lake.rglob("*.jsonl.gz"))
    if endpoint is None:
        return found
    return [p for p in found if p.name.split("_")[1] == endpoint]


# -- the measured work, one function per measurement ------------------------------------


def run_floor(lake: Path, _work: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    files = [str(p) for p in segments(lake)]
    rows = con.execute(
        "SELECT count(*) FROM read_json(?, format='newline_delimited')", [files]
    ).fetchone()
    return {"records": rows[0] if rows else 0}


def _silver(solar: Any, heatpump: Any) -> dict[str, Any]:
    """The Silver step both pandas paths share: dedup, 5-minute means and energies."""
    results = {}
    for name, raw, power, counter in (
        ("solar", solar, ["pv_w", "grid_w", "load_w", "battery_w", "soc"], "pv_total_wh"),
        (
            "heatpump",
            heatpump,
            ["elec_w", "heat_w", "flow_c", "return_c", "outside_c"],
            "elec_total_wh",
        ),
    ):
        frame = raw.sort_values(["ts", "fetched_at"]).drop_duplicates("ts", keep="last")
        dt = frame["ts"].shift(-1).sub(frame["ts"]).dt.total_seconds()
        held = dt.where(dt <= 900) / 3600.0
        delta = frame[counter].shift(-1) - frame[counter]
        energy = delta.where(delta >= 0, frame[power[0]] * held)
        binned = frame.assign(energy_wh=energy, bucket=frame["ts"].dt.floor("5min"))
        grid = binned.groupby("bucket").agg(
            **{c: (c, "mean") for c in power}, energy_wh=("energy_wh", "sum")
        )
        results[name] = grid
    return {
        "solar_rows": len(results["solar"]),
        "heatpump_rows": len(results["heatpump"]),
        "pv_wh": float(results["solar"]["energy_wh"].sum()),
        "hp_wh": float(results["heatpump"]["energy_wh"].sum()),
    }


_FEEDS = {
    "heatpump_elec": "elec_w",
    "heatpump_heat": "heat_w",
    "heatpump_flowT": "flow_c",
    "heatpump_returnT": "return_c",
    "heatpump_outsideT": "outside_c",
    "heatpump_elec_kwh": "elec_total_wh",
}


def run_pandas_idiomatic(lake: Path, _work: Path) -> dict[str, Any]:
    import pandas as pd

    solar_parts = []
    for path in segments(lake, "powerflow"):
        df = pd.read_json(path, lines=True, compression="gzip")
        payload = pd.json_normalize(df["payload"].tolist())

        def column(name: str, payload: Any = payload) -> Any:
            # Error answers (an inverter offline) lack the Site block.
            return payload[name].astype(float) if name in payload else float("nan")

        ok = (df["http_status"] == 200).to_numpy() & (payload["Head.Status.Code"] == 0).to_numpy()
        frame = pd.DataFrame(
            {
                "fetched_at": pd.to_datetime(df["fetched_at"], utc=True),
                "ts": pd.to_datetime(payload["Head.Timestamp"], utc=True, format="ISO8601"),
                "pv_w": column("Body.Data.Site.P_PV"),
                "grid_w": column("Body.Data.Site.P_Grid"),
                "load_w": -column("Body.Data.Site.P_Load"),
                "battery_w": column("Body.Data.Site.P_Akku"),
                "soc": column("Body.Data.Inverters.1.SOC"),
                "pv_total_wh": column("Body.Data.Site.E_Total"),
            }
        )
        solar_parts.append(frame[ok])
    heat_parts = []
    for path in segments(lake, "feed%5Flist"):
        df = pd.read_json(path, lines=True, compression="gzip")
        df = df[df["payload"].map(lambda p: isinstance(p, list))]
        feeds = pd.json_normalize(
            df[["fetched_at", "payload"]].to_dict("records"),
            record_path="payload",
            meta=["fetched_at"],
        )
        feeds = feeds[feeds["name"].isin(_FEEDS)]
        wide = feeds.pivot_table(
            index="fetched_at", columns="name", values="value", aggfunc="first"
        )
        wide = wide.rename(columns=_FEEDS)
        wide["elec_total_wh"] = wide["elec_total_wh"] * 1000
        times = feeds.groupby("fetched_at")["time"].max()
        wide["ts"] = pd.to_datetime(times.reindex(wide.index), unit="s", utc=True)
        wide = wide.reset_index()
        wide["fetched_at"] = pd.to_datetime(wide["fetched_at"], utc=True)
        heat_parts.append(wide)
    return _silver(pd.concat(solar_parts), pd.concat(heat_parts))


def run_pandas_tuned(lake: Path, _work: Path) -> dict[str, Any]:
    import pandas as pd

    rows = []
    for path in segments(lake, "powerflow"):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                payload = record["payload"]
                data = (payload or {}).get("Body", {}).get("Data", {})
                site = data.get("Site")
                if record["http_status"] != 200 or site is None:
                    continue  # an error answer: the inverter was offline
                inverter = data.get("Inverters", {}).get("1", {})
                rows.append(
                    (
                        record["fetched_at"],
                        payload["Head"]["Timestamp"],
                        site["P_PV"],
                        site["P_Grid"],
                        site["P_Load"],
                        site["P_Akku"],
                        inverter.get("SOC"),
                        site["E_Total"],
                    )
                )
    solar = pd.DataFrame(
        rows,
        columns=["fetched_at", "ts", "pv_w", "grid_w", "load_w", "battery_w", "soc", "pv_total_wh"],
    )
    solar["fetched_at"] = pd.to_datetime(solar["fetched_at"], utc=True)
    solar["ts"] = pd.to_datetime(solar["ts"], utc=True, format="ISO8601")
    solar["load_w"] = -solar["load_w"]
    heat_rows = []
    for path in segments(lake, "feed%5Flist"):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record["http_status"] != 200 or not isinstance(record["payload"], list):
                    continue
                values: dict[str, Any] = {}
                newest = 0.0
                for feed in record["payload"]:
                    column = _FEEDS.get(feed["name"])
                    if column is not None:
                        values[column] = float(feed["value"])
                        newest = max(newest, float(feed["time"]))
                heat_rows.append(
                    (
                        record["fetched_at"],
                        newest,
                        values.get("elec_w"),
                        values.get("heat_w"),
                        values.get("flow_c"),
                        values.get("return_c"),
                        values.get("outside_c"),
                        values.get("elec_total_wh", 0.0) * 1000,
                    )
                )
    heat = pd.DataFrame(
        heat_rows,
        columns=[
            "fetched_at",
            "ts",
            "elec_w",
            "heat_w",
            "flow_c",
            "return_c",
            "outside_c",
            "elec_total_wh",
        ],
    )
    heat["fetched_at"] = pd.to_datetime(heat["fetched_at"], utc=True)
    heat["ts"] = pd.to_datetime(heat["ts"], unit="s", utc=True)
    return _silver(solar, heat)


def run_full_rebuild(lake: Path, work: Path) -> dict[str, Any]:
    from energy_lakehouse.lakehouse import Lakehouse, Settings

    db = work / "full.duckdb"
    report = Lakehouse(Settings(lake=lake, db=db, timezone="Europe/Berlin")).build(
        full_refresh=True
    )
    return {"lines": report.lines, "staged_rows": report.staged_rows, "segments": report.read}


def _link_lake(lake: Path, target: Path, keep: Callable[[Path], bool]) -> None:
    for path in segments(lake):
        if keep(path):
            link = target / path.relative_to(lake)
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                link.symlink_to(path)


def prepare_incremental(lake: Path, work: Path) -> None:
    """A lakehouse built on every day but the last (not timed)."""
    from energy_lakehouse.lakehouse import Lakehouse, Settings

    last = max(p.relative_to(lake).parts[2:5] for p in segments(lake))
    partial = work / "partial-lake"
    _link_lake(lake, partial, lambda p: p.relative_to(lake).parts[2:5] != last)
    Lakehouse(Settings(lake=partial, db=work / "inc.duckdb", timezone="Europe/Berlin")).build()
    (work / "last-day.json").write_text(json.dumps(last))


def run_incremental_day(lake: Path, work: Path) -> dict[str, Any]:
    from energy_lakehouse.lakehouse import Lakehouse, Settings

    last = tuple(json.loads((work / "last-day.json").read_text()))
    partial = work / "partial-lake"
    _link_lake(lake, partial, lambda p: p.relative_to(lake).parts[2:5] == last)
    report = Lakehouse(
        Settings(lake=partial, db=work / "inc.duckdb", timezone="Europe/Berlin")
    ).build()
    return {"lines": report.lines, "staged_rows": report.staged_rows, "segments": report.read}


RUNNERS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "floor": run_floor,
    "pandas_idiomatic": run_pandas_idiomatic,
    "pandas_tuned": run_pandas_tuned,
    "full_rebuild": run_full_rebuild,
    "incremental_day": run_incremental_day,
}


# -- orchestration ----------------------------------------------------------------------


def child(name: str, lake: Path, work: Path) -> None:
    """Run one measurement in this process and print its result as JSON."""
    if name == "prepare_incremental":
        prepare_incremental(lake, work)
        return
    started = time.perf_counter()
    result = RUNNERS[name](lake, work)
    result["seconds"] = time.perf_counter() - started
    print(json.dumps(result))


def measure(name: str, lake: Path, work: Path) -> dict[str, Any]:
    """Run one measurement in a fresh process; add its peak RSS."""
    command = [sys.executable, __file__, "--child", name, "--lake", str(lake), "--work", str(work)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{name} failed with exit code {process.returncode}")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1]) if output.strip() else {}
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    # CPU seconds of the whole process: steadier than wall time on a shared machine.
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


def run_all(days: int, end: str, only: list[str], work: Path) -> dict[str, dict[str, Any]]:
    """Measure each of `only` on the cached lake of `days` days."""
    lake = lake_for(days, end)
    size = sum(p.stat().st_size for p in segments(lake))
    print(f"lake: {lake} ({len(segments(lake))} segments, {size / 1e6:.1f} MB gzip)", flush=True)
    results: dict[str, dict[str, Any]] = {}
    if "incremental_day" in only:
        measure("prepare_incremental", lake, work)
    for name in only:
        results[name] = measure(name, lake, work)
        print(
            f"{name:18} {results[name]['seconds']:8.2f} s wall "
            f"{results[name]['cpu_seconds']:8.2f} s CPU  "
            f"peak RSS {results[name]['peak_rss_mb']:7.0f} MB",
            flush=True,
        )
    return results


def test_lakehouse_against_floor_and_pandas(benchmark: Any, tmp_path: Path) -> None:
    """Run the comparison (``make bench``) and check the targets."""
    days = int(os.environ.get("LAKEHOUSE_BENCH_DAYS", "31"))
    results = run_all(days, "2026-04-01", list(MEASUREMENTS), tmp_path)
    benchmark.extra_info.update({name: r["seconds"] for name, r in results.items()})
    benchmark.pedantic(
        lambda: measure("full_rebuild", lake_for(days, "2026-04-01"), tmp_path),
        rounds=1,
        iterations=1,
    )
    full = results["full_rebuild"]["seconds"]
    assert full <= 2.5 * results["floor"]["seconds"]
    assert results["incremental_day"]["seconds"] <= 2.0
    assert max(r["peak_rss_mb"] for name, r in results.items() if "pandas" not in name) <= 1024
    if days >= 365:
        assert results["pandas_idiomatic"]["seconds"] >= 10 * full
        assert results["pandas_tuned"]["seconds"] >= 3 * full


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", default="2026-04-01", help="end of the simulated history (UTC)")
    parser.add_argument("--only", nargs="*", choices=MEASUREMENTS, default=list(MEASUREMENTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--lake", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.lake, args.work)
        return
    CACHE.mkdir(parents=True, exist_ok=True)  # a fresh clone has none
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        results = run_all(args.days, args.end, args.only, Path(tmp))
    full = results.get("full_rebuild", {}).get("seconds")
    ratios = {}
    if full:
        for other in ("floor", "pandas_idiomatic", "pandas_tuned"):
            if other in results:
                ratios[other] = results[other]["seconds"] / full
    print()
    if "floor" in ratios:
        print(f"full rebuild / floor:          {1 / ratios['floor']:.2f}x  (target <= 2.5)")
    if "pandas_idiomatic" in ratios:
        print(f"idiomatic pandas / rebuild:    {ratios['pandas_idiomatic']:.1f}x  (target >= 10)")
    if "pandas_tuned" in ratios:
        print(f"hand-tuned pandas / rebuild:   {ratios['pandas_tuned']:.1f}x  (target >= 3)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    out = CACHE / f"results-{args.days}d.json"
    out.write_text(json.dumps({"days": args.days, "results": results}, indent=2, default=str))
    print(f"results in {out}")


if __name__ == "__main__":
    main()
