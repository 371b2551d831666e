#!/usr/bin/env python3
"""Benchmark: the project against a hand-written DuckDB floor on the same raw data.

    bash scripts/tasks.sh benchmark                      # default: ~10M orders, 1M customers
    bash scripts/tasks.sh benchmark --scale 25 --record no

Steps, each in its own process so wall time and peak memory (max RSS) are its own:
  data   the demo generator writes CSV; DuckDB turns it into typed Parquet files,
         all but the last day of orders and price periods in one file set and
         that day in another (not timed)
  floor  lab/retention_lab/benchmark_floor.sql: the four contract marts (fct_customer_retention,
         fct_revenue_retention, fct_order_metrics, dim_customers), every column,
         all grains and both bases, with the base models' cleaning, written by
         hand in plain DuckDB SQL straight from the Parquet files (minus the last day)
  marts  `dbt run --select +<the four marts>` on a fresh warehouse: like for
         like with the floor (goal: within 2x of it)
  full   `dbt build` on another fresh warehouse: every model, CLV fit, data
         test and unit test (goal: within 3x of the floor)
  check  the floor's four tables against the marts of both dbt runs, cell for
         cell (counts exact, ratios to 1e-9 relative, money to the cent): any
         difference fails the benchmark (exit 1), since an incorrect floor is no floor
  segments  `dbt run --select int_customer_segments int_customer_period_plans
         fct_customer_periods fct_retention_by_segment` on the full build's
         warehouse (before the day is appended): the segment models in a process
         of their own, so their seconds and its peak memory are theirs (no goal
         but the memory one); with --keep-full the warehouse is then copied to
         <workdir>/warehouse_full.duckdb for measurements of one's own
  day    the last day's files are appended to the sources and the daily run
         goes on the full build's warehouse: `dbt build --selector scheduled`
         when selectors.yml defines that selector, plain `dbt build` otherwise

  fixed  the same four dbt steps (marts, full, segments, day) on a tiny data set made by
         the same generator (--fixed-scale, default 1: 400 customers, about
         4,000 orders): what each step costs with next to no data, i.e. dbt's
         start, parsing and per-node work, the unit tests and every query's
         own overhead. A step's wall time minus its fixed cost is what its data
         costs; a goal's budget minus the fixed cost is what is left for the data.

For every dbt step the slowest nodes come from its target/run_results.json,
and the seconds of the four segment models in each step that ran them.
The last stdout line is `ratio: X` with X = full / floor. With --record
(default at the default scale) the figures, the machine's cores, memory and
load are written to benchmarks/results.md and benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
from retention_lab import benchmark_floor

DEFAULT_SCALE = 2500.0
DEFAULT_INTENSITY = 4.0
LAST_DAY = "2024-12-31"
RAW_SCHEMA = "bench_raw"
MARTS = benchmark_floor.MARTS
GOALS = {"marts": 2.0, "full": 3.0}
MEMORY_GOAL_MB = 4096
# the day run's goal: at most this share of the full build's wall time
DAY_GOAL = 0.10
DEFAULT_FIXED_SCALE = 1.0
SLOWEST_NODES = 8
# the segment models, run on their own by the segments step
SEGMENT_MODELS = ("int_customer_segments", "int_customer_period_plans", "fct_customer_periods",
                  "fct_retention_by_segment")

COLUMN_TYPES = {
    "orders": {
        "order_id": "varchar", "customer_id": "varchar", "ordered_at": "timestamp", "status": "varchar",
        "amount": "decimal(18,2)", "currency": "varchar", "refunded_amount": "decimal(18,2)",
    },
    "subscriptions": {
        "subscription_id": "varchar", "customer_id": "varchar", "plan_id": "varchar",
        "started_at": "timestamp", "ended_at": "timestamp", "billing_interval": "varchar",
        "amount": "decimal(18,2)", "quantity": "integer", "currency": "varchar",
    },
    "customers": {
        "customer_id": "varchar", "created_at": "timestamp", "country": "varchar",
        "acquisition_channel": "varchar", "email": "varchar",
    },
    "acquisition_costs": {"month": "date", "channel": "varchar", "spend": "decimal(18,2)"},
}
# the column that places a row on a day, for the tables that grow daily
DAY_COLUMN = {"orders": "ordered_at", "subscriptions": "started_at"}


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# Starts the measured command from a small Python process and reports the
# command's own rusage. A child forked straight from this process starts with
# this process's peak RSS (Linux carries it over fork and exec), which after
# the floor check is several hundred MB: more than a small step's own peak.
RUSAGE_LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"wall": time.perf_counter() - started, "maxrss_kb": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(name: str, command: list[str], env: dict[str, str] | None = None, shown: str | None = None) -> dict:
    """Runs a command as a child process; returns its wall time, peak RSS and CPU time."""
    log(f"{name}: {' '.join(command)}")
    with tempfile.TemporaryDirectory() as folder:
        usage_file = Path(folder) / "usage.json"
        code = subprocess.run([sys.executable, "-c", RUSAGE_LAUNCHER, str(usage_file), *command],
                              env=env, stdout=sys.stderr, stderr=sys.stderr, cwd=ROOT).returncode
        if code != 0:
            raise SystemExit(f"{name} failed with exit code {code}")
        usage = json.loads(usage_file.read_text(encoding="utf-8"))
    # ru_maxrss is in kilobytes on Linux
    result = {
        "step": name,
        "command": shown or " ".join(command),
        "wall_seconds": round(usage["wall"], 2),
        "peak_memory_mb": round(usage["maxrss_kb"] / 1024, 1),
        "cpu_seconds": round(usage["cpu"], 1),
    }
    log(f"{name}: {result['wall_seconds']} s, peak memory {result['peak_memory_mb']} MB")
    return result


def prepare_data(args: argparse.Namespace, work: Path) -> dict[str, int]:
    csv_dir = work / "csv"
    if csv_dir.exists():
        shutil.rmtree(csv_dir)
    log(f"data: generating scale {args.scale}, order intensity {args.order_intensity} (not timed)")
    subprocess.run([
        sys.executable, "-m", "retention_lab.generate_demo_data", "--seed", str(args.seed),
        "--scale", str(args.scale), "--order-intensity", str(args.order_intensity), "--out", str(csv_dir),
        # the engagement, email and NPS sources are measured by lab/retention_lab/benchmark_engagement.py
        "--without-engagement",
    ], check=True)
    import duckdb

    counts = {}
    parquet = work / "parquet"
    parquet.mkdir(exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        for table, types in COLUMN_TYPES.items():
            columns = ", ".join(f"'{name}': '{data_type}'" for name, data_type in types.items())
            source = f"read_csv('{csv_dir / (table + '.csv')}', header = true, columns = {{{columns}}})"
            if table in DAY_COLUMN:
                column = DAY_COLUMN[table]
                con.execute(
                    f"copy (select * from {source} where {column} < '{LAST_DAY}' or {column} is null) "
                    f"to '{parquet / (table + '_history.parquet')}' (format parquet)")
                con.execute(
                    f"copy (select * from {source} where {column} >= '{LAST_DAY}') "
                    f"to '{parquet / (table + '_last_day.parquet')}' (format parquet)")
            else:
                con.execute(f"copy (select * from {source}) to '{parquet / (table + '.parquet')}' (format parquet)")
            counts[table] = con.execute(f"select count(*) from {source}").fetchone()[0]
    shutil.rmtree(csv_dir)
    log(f"data: {counts}")
    return counts


def raw_data(args: argparse.Namespace, work: Path, prepare) -> dict[str, int]:
    """The raw rows per table: those of an earlier run's Parquet files with
    --reuse-data (when its counts are there), else prepare(args, work)'s."""
    work.mkdir(parents=True, exist_ok=True)
    counts_file = work / "raw_rows.json"
    if args.reuse_data and counts_file.exists():
        log(f"data: reusing {work / 'parquet'}")
        return json.loads(counts_file.read_text())
    counts = prepare(args, work)
    counts_file.write_text(json.dumps(counts))
    return counts


def parquet_files(work: Path, table: str, with_last_day: bool) -> list[str]:
    parquet = work / "parquet"
    if table not in DAY_COLUMN:
        return [str(parquet / f"{table}.parquet")]
    files = [str(parquet / f"{table}_history.parquet")]
    if with_last_day:
        files.append(str(parquet / f"{table}_last_day.parquet"))
    return files


def point_sources(database: Path, work: Path, with_last_day: bool) -> None:
    """The project's raw tables are views over the Parquet files."""
    import duckdb

    with duckdb.connect(str(database)) as con:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        for table in COLUMN_TYPES:
            con.execute(
                f"create or replace view {RAW_SCHEMA}.{table} as "
                f"select * from read_parquet({parquet_files(work, table, with_last_day)})")


def fresh_warehouse(work: Path, name: str) -> Path:
    database = work / f"{name}.duckdb"
    for path in (database, database.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    point_sources(database, work, with_last_day=False)
    return database


def scheduled_selector() -> str | None:
    """'scheduled' when selectors.yml defines a selector of that name (checked at run time)."""
    path = ROOT / "selectors.yml"
    if not path.exists():
        return None
    import yaml

    selectors = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("selectors") or []
    return "scheduled" if any(s.get("name") == "scheduled" for s in selectors) else None


def node_name(unique_id: str) -> str:
    """model.retention.x -> x; test.retention.x.hash -> x; unit_test.retention.model.x -> model::x."""
    parts = unique_id.split(".")
    if parts[0] == "unit_test" and len(parts) > 3:
        return f"{parts[2]}::{parts[3]}"
    return parts[2] if len(parts) > 2 else unique_id


def slowest_nodes(target: Path, wall_seconds: float) -> dict:
    """Where a dbt step's seconds went, from its run_results.json: the slowest
    nodes and the seconds per resource type; the rest of the wall time is
    dbt's start, parsing and everything between nodes."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    by_type: dict[str, float] = {}
    nodes = []
    for result in results:
        resource_type = result["unique_id"].split(".")[0]
        seconds = float(result.get("execution_time") or 0)
        by_type[resource_type] = by_type.get(resource_type, 0) + seconds
        nodes.append({"node": node_name(result["unique_id"]), "type": resource_type, "seconds": round(seconds, 2)})
    nodes.sort(key=lambda node: -node["seconds"])
    in_nodes = sum(by_type.values())
    profile = {
        "nodes": len(results),
        "slowest": nodes[:SLOWEST_NODES],
        "seconds_by_type": {kind: round(seconds, 1) for kind, seconds in sorted(by_type.items(), key=lambda i: -i[1])},
        "outside_nodes_seconds": round(wall_seconds - in_nodes, 1),
    }
    # the segment models' seconds, in a step that ran any of them
    segment_models = {node["node"]: node["seconds"] for node in nodes
                      if node["type"] == "model" and node["node"] in SEGMENT_MODELS}
    if segment_models:
        profile["segment_models"] = segment_models
    return profile


def floor_profile(timings_file: Path, wall_seconds: float) -> dict:
    """Where the floor's seconds went: its statements, by the table each creates."""
    timings = json.loads(timings_file.read_text(encoding="utf-8"))
    statements = sorted(({"node": t["statement"], "type": "statement", "seconds": t["seconds"]} for t in timings),
                        key=lambda node: -node["seconds"])
    in_statements = sum(t["seconds"] for t in timings)
    return {
        "nodes": len(timings),
        "slowest": statements[:SLOWEST_NODES],
        "seconds_by_type": {"statement": round(in_statements, 1)},
        "outside_nodes_seconds": round(wall_seconds - in_statements, 1),
    }


def machine() -> dict:
    memory_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


STEP_WHAT = {
    "floor": "hand-written DuckDB SQL: the four marts from Parquet (`lab/retention_lab/benchmark_floor.sql`)",
    "marts": "`dbt run --select +fct_customer_retention +fct_revenue_retention +fct_order_metrics "
             "+dim_customers`, fresh warehouse",
    "full": "`dbt build`, fresh warehouse: every model, CLV fit, data test and unit test",
    "segments": f"`dbt run --select {' '.join(SEGMENT_MODELS)}` on the full build's warehouse, "
                "before the day: the segment models on their own",
}


def step_what(step: dict) -> str:
    if step["step"] == "day":
        return f"`{step['dbt_command']}` after appending one day to the full build's sources"
    return STEP_WHAT[step["step"]]


def record(results: dict) -> None:
    fixed = results["fixed"]
    segments = next(step for step in results["steps"] if step["step"] == "segments")
    out = ROOT / "benchmarks"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Benchmark results",
        "",
        f"Recorded by `bash scripts/tasks.sh benchmark` on {results['recorded_at']} "
        f"(scale {results['scale']}, order intensity {results['order_intensity']}).",
        "",
        f"Machine: {results['machine']['cores']} cores, {results['machine']['memory_gb']} GB memory, "
        f"{results['machine']['platform']}, Python {results['machine']['python']}, "
        f"DuckDB {results['duckdb']}, dbt-core {results['dbt_core']}. Load average (1, 5, 15 min) "
        f"{', '.join(map(str, results['load_average']['start']))} at the start, "
        f"{', '.join(map(str, results['load_average']['end']))} at the end: other work on the machine "
        "slows every step, the ratios (measured in one run) less than the seconds.",
        "",
        "Raw rows: " + ", ".join(f"{count:,} {table}" for table, count in results["raw_rows"].items()) + ".",
        "",
        "| step | what | wall time (s) | × floor | peak memory (MB) | CPU (s) | CPU × floor |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for step in results["steps"]:
        lines.append(
            f"| {step['step']} | {step_what(step)} | {step['wall_seconds']} | {step['ratio_to_floor']} | "
            f"{step['peak_memory_mb']} | {step['cpu_seconds']} | {step['cpu_ratio_to_floor']} |")
    check = results["check"]
    lines += [
        "",
        f"Floor check: {check['cells']:,} cells compared with the full build's marts and {check['marts_cells']:,} "
        f"with the marts run's, {check['differing']} differ (counts exact, ratios to 1e-9 relative, money "
        "to the cent).",
        "",
        "Goals: " + "; ".join(
            f"{name} within {goal}x of the floor: {results['ratios'][name]}x, "
            f"{'met' if results['ratios'][name] <= goal else 'missed'}" for name, goal in GOALS.items())
        + f"; peak memory under {MEMORY_GOAL_MB} MB: {results['peak_memory_mb']} MB, "
        + ("met" if results["peak_memory_mb"] < MEMORY_GOAL_MB else "missed") + ".",
        "",
        f"Day over full build: {results['day_over_full']} (goal {DAY_GOAL}).",
        "",
        "## The segment models",
        "",
        f"The segments step: {segments['wall_seconds']} s, peak memory {segments['peak_memory_mb']} MB "
        f"(under {MEMORY_GOAL_MB} MB: {'met' if segments['peak_memory_mb'] < MEMORY_GOAL_MB else 'missed'}), "
        f"{segments['profile']['seconds_by_type'].get('model', 0)} s of it in the four models and "
        f"{segments['profile']['outside_nodes_seconds']} s outside them (dbt's start and parsing). Each model's "
        "seconds in it, and in the full build and the day run, where the models run among the others "
        "(one at a time, one thread):",
        "",
        "| model | segments (s) | full (s) | day (s) |",
        "|---|---:|---:|---:|",
    ]
    by_name = {step["step"]: step for step in results["steps"]}
    for model in SEGMENT_MODELS:
        lines.append(f"| {model} | " + " | ".join(
            str(by_name[name]["profile"].get("segment_models", {}).get(model, "")) if name in by_name else ""
            for name in ("segments", "full", "day")) + " |")
    lines += [
        "",
        "## What each step costs with next to no data",
        "",
        f"The same dbt steps on a data set made by the same generator at scale {fixed['scale']:g} "
        f"({', '.join(f'{count:,} {table}' for table, count in fixed['raw_rows'].items())}): dbt's start and "
        "parsing, the work of every node (compiling, the materialisation's statements, events), the unit "
        "tests and each query's own overhead, whatever the data. A goal's budget minus this fixed cost is "
        "what the goal leaves for the data (the segments step has no time goal).",
        "",
        "| step | nodes | fixed cost (s) | data cost (s) | goal's budget (s) | left for the data (s) "
        "| fixed cost / budget |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    budget_text = {
        "marts": f"{GOALS['marts']}x floor",
        "full": f"{GOALS['full']}x floor",
        "day": f"{DAY_GOAL} of full",
    }
    for name, cost in fixed["steps"].items():
        if "budget_seconds" not in cost:
            lines.append(f"| {name} | {cost['fixed_nodes']} | {cost['fixed_seconds']} | {cost['data_seconds']} "
                         "| no goal | | |")
            continue
        lines.append(
            f"| {name} | {cost['fixed_nodes']} | {cost['fixed_seconds']} | {cost['data_seconds']} | "
            f"{cost['budget_seconds']} ({budget_text[name]}) | {cost['data_budget_seconds']} | "
            f"{cost['fixed_share_of_budget']} |")
    lines += [
        "",
        f"With the full build at its goal, the day's budget would be "
        f"{fixed['steps']['day']['budget_at_full_goal_seconds']} s, against a fixed cost of "
        f"{fixed['steps']['day']['fixed_seconds']} s for the daily run. The full build's data costs "
        f"{fixed['steps']['full']['beyond_marts_data_seconds']} s beyond the marts run's (the CLV fit, "
        "the segment models, the other marts, the data tests), against "
        f"{fixed['steps']['full']['data_budget_seconds']} s its goal leaves for all of its data.",
        "",
        "## Where the seconds go",
        "",
        "The floor's seconds per statement (by the table it creates), and each dbt step's seconds per node "
        "from its `run_results.json` (a model's time includes its compilation); outside is the rest of the "
        "wall time: the process's start (dbt's parsing), and the work between statements or nodes.",
    ]
    for step in results["steps"]:
        if "profile" not in step:
            continue
        profile = step["profile"]
        lines += [
            "",
            f"**{step['step']}** ({profile['nodes']} {'statements' if step['step'] == 'floor' else 'nodes'}): "
            + ", ".join(f"{kind} {seconds} s" for kind, seconds in profile["seconds_by_type"].items())
            + f", outside {profile['outside_nodes_seconds']} s.",
            "",
            "| statement or node | type | seconds |",
            "|---|---|---:|",
        ]
        lines += [f"| {node['node']} | {node['type']} | {node['seconds']} |" for node in profile["slowest"]]
    lines.append("")
    (out / "results.md").write_text("\n".join(lines), encoding="utf-8")
    log(f"recorded {out / 'results.md'}")


DBT_VARS = json.dumps({"raw_schema": RAW_SCHEMA, "load_demo_data": False})


def dbt_step(name: str, work: Path, env: dict[str, str], database: Path, target: Path,
             arguments: list[str]) -> dict:
    """One dbt command on `database` as a measured child process, with the
    slowest nodes of its run_results.json (kept as run_results_<name>.json)."""
    command = [str(Path(sys.executable).with_name("dbt")), *arguments, "--project-dir", str(ROOT),
               "--target-path", str(target), "--log-path", str(work / "logs"), "--vars", DBT_VARS]
    step = measured(name, command, {**env, "RETENTION_DUCKDB_PATH": str(database)},
                    shown="dbt " + " ".join(arguments))
    step["dbt_command"] = "dbt " + " ".join(arguments)
    step["profile"] = slowest_nodes(target, step["wall_seconds"])
    shutil.copy(target / "run_results.json", work / f"run_results_{name.replace(' ', '_')}.json")
    return step


def dbt_steps(work: Path, env: dict[str, str], prefix: str = "") -> tuple[Path, Path, list[dict]]:
    """The marts run and the full build, each on a fresh warehouse over the
    sources without the last day; returns both warehouses and the two steps."""
    for target in ("target-marts", "target-full"):
        shutil.rmtree(work / target, ignore_errors=True)
    marts_db = fresh_warehouse(work, "marts")
    marts = dbt_step(prefix + "marts", work, env, marts_db, work / "target-marts",
                     ["run", "--select", *(f"+{mart}" for mart in MARTS)])
    full_db = fresh_warehouse(work, "warehouse")
    full = dbt_step(prefix + "full", work, env, full_db, work / "target-full", ["build"])
    return marts_db, full_db, [marts, full]


def segments_step(work: Path, env: dict[str, str], full_db: Path, prefix: str = "") -> dict:
    """The segment models alone on the full build's warehouse (sources without the
    last day): the same tables again, in a process of their own."""
    return dbt_step(prefix + "segments", work, env, full_db, work / "target-full",
                    ["run", "--select", *SEGMENT_MODELS])


def day_step(work: Path, env: dict[str, str], full_db: Path, prefix: str = "") -> dict:
    """The last day appended to the sources, then the daily run on the full build's warehouse."""
    point_sources(full_db, work, with_last_day=True)
    selector = scheduled_selector()
    return dbt_step(prefix + "day", work, env, full_db, work / "target-full",
                    ["build", "--selector", selector] if selector else ["build"])


def fixed_costs(by_step: dict[str, dict], fixed: dict[str, dict], scale: float, counts: dict[str, int]) -> dict:
    """Each dbt step's fixed cost (its wall time on the tiny data set), what
    the data costs on top of it, and the goal's budget with what it leaves
    for the data once the fixed cost is paid."""
    floor = by_step["floor"]["wall_seconds"]
    budgets = {
        "marts": GOALS["marts"] * floor,
        "full": GOALS["full"] * floor,
        "day": DAY_GOAL * by_step["full"]["wall_seconds"],
    }
    steps = {}
    for name in ("marts", "full", "segments", "day"):
        fixed_seconds = fixed[name]["wall_seconds"]
        steps[name] = {
            "fixed_seconds": fixed_seconds,
            "fixed_nodes": fixed[name]["profile"]["nodes"],
            "fixed_peak_memory_mb": fixed[name]["peak_memory_mb"],
            "data_seconds": round(by_step[name]["wall_seconds"] - fixed_seconds, 2),
        }
        if name in budgets:  # the segments step has no time goal
            budget = budgets[name]
            steps[name].update({
                "budget_seconds": round(budget, 2),
                "data_budget_seconds": round(budget - fixed_seconds, 2),
                "fixed_share_of_budget": round(fixed_seconds / budget, 2),
            })
    # with the full build at its goal, the day's budget is a tenth of that
    steps["day"]["budget_at_full_goal_seconds"] = round(DAY_GOAL * budgets["full"], 2)
    # what the full build's data costs beyond the marts run's (the CLV fit, the
    # other marts, the data tests): were the marts' lineage as fast as the floor,
    # this would still have to fit in the full build's data budget
    steps["full"]["beyond_marts_data_seconds"] = round(
        steps["full"]["data_seconds"] - steps["marts"]["data_seconds"], 2)
    return {"scale": scale, "raw_rows": counts, "steps": steps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                        help="generator scale: customers in units of 400 (default 2500, 1 million customers)")
    parser.add_argument("--order-intensity", type=float, default=DEFAULT_INTENSITY,
                        help="generator order intensity (default 4: about 10 orders per customer)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "retention-benchmark",
                        help="where data and the warehouses go (default: a folder in the temp dir)")
    parser.add_argument("--record", choices=["yes", "no", "auto"], default="auto",
                        help="write benchmarks/results.* (auto: only at the default scale and intensity)")
    parser.add_argument("--reuse-data", action="store_true", help="keep the Parquet files of an earlier run")
    parser.add_argument("--keep-full", action="store_true",
                        help="copy the full build's warehouse after the segments step (before the day is "
                             "appended) to <workdir>/warehouse_full.duckdb")
    parser.add_argument("--fixed-scale", type=float, default=DEFAULT_FIXED_SCALE,
                        help="generator scale of the tiny data set that measures each dbt step's fixed cost "
                             f"(default {DEFAULT_FIXED_SCALE:g}: 400 customers)")
    args = parser.parse_args(argv)

    work = args.workdir.resolve()
    counts = raw_data(args, work, prepare_data)
    load_at_start = load_average()

    steps = []
    floor_db = work / "floor.duckdb"
    floor_timings = work / "floor_timings.json"
    floor_command = [sys.executable, "-m", "retention_lab.benchmark_floor", "run", "--database", str(floor_db),
                     "--timings", str(floor_timings)]
    for table in ("orders", "subscriptions", "customers"):
        floor_command += [f"--{table}", *parquet_files(work, table, with_last_day=False)]
    floor = measured("floor", floor_command, shown="python -m retention_lab.benchmark_floor run ...")
    floor["profile"] = floor_profile(floor_timings, floor["wall_seconds"])
    steps.append(floor)

    # dbt: the same settings as a user's, without the email key (the floor publishes no email_hash)
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("RETENTION_EMAIL_HASH_KEY", None)

    marts_db, full_db, dbt_results = dbt_steps(work, env)
    steps += dbt_results

    log("check: the floor's marts against the full build's and the marts run's")
    cells, differing, lines = benchmark_floor.check_files(floor_db, full_db)
    marts_cells, marts_differing, marts_lines = benchmark_floor.check_files(floor_db, marts_db)
    for line in lines + marts_lines:
        print(f"check: {line}  (project = dbt, reference = floor)")
    print(f"check: {cells} cells compared with the full build, {differing} differ; "
          f"{marts_cells} with the marts run, {marts_differing} differ")
    if differing or marts_differing:
        print("the floor and the marts differ: no figures recorded", file=sys.stderr)
        return 1

    steps.append(segments_step(work, env, full_db))
    if args.keep_full:
        kept = work / "warehouse_full.duckdb"
        shutil.copy(full_db, kept)
        log(f"kept the full build's warehouse as {kept}")
    steps.append(day_step(work, env, full_db))
    load_at_end = load_average()

    # the same dbt steps with next to no data: what they cost whatever the data
    fixed_work = work / "fixed"
    fixed_args = argparse.Namespace(**{**vars(args), "scale": args.fixed_scale})
    fixed_counts = raw_data(fixed_args, fixed_work, prepare_data)
    _, fixed_full_db, fixed_results = dbt_steps(fixed_work, env, prefix="fixed ")
    fixed_results.append(segments_step(fixed_work, env, fixed_full_db, prefix="fixed "))
    fixed_results.append(day_step(fixed_work, env, fixed_full_db, prefix="fixed "))
    fixed = {step["step"].removeprefix("fixed "): step for step in fixed_results}

    by_step = {step["step"]: step for step in steps}
    floor_seconds = by_step["floor"]["wall_seconds"]
    for step in steps:
        step["ratio_to_floor"] = round(step["wall_seconds"] / floor_seconds, 2)
        step["cpu_ratio_to_floor"] = round(step["cpu_seconds"] / by_step["floor"]["cpu_seconds"], 2)
    import dbt.version
    import duckdb

    results = {
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": args.scale,
        "order_intensity": args.order_intensity,
        "raw_rows": counts,
        "machine": machine(),
        "load_average": {"start": load_at_start, "end": load_at_end},
        "duckdb": duckdb.__version__,
        "dbt_core": dbt.version.__version__,
        "steps": steps,
        "check": {"cells": cells, "marts_cells": marts_cells, "differing": differing + marts_differing},
        "ratios": {name: by_step[name]["ratio_to_floor"] for name in ("marts", "full", "day")},
        "goals": {name: f"within {goal}x of the floor" for name, goal in GOALS.items()},
        "peak_memory_mb": max(step["peak_memory_mb"] for step in steps),
        "day_over_full": round(by_step["day"]["wall_seconds"] / by_step["full"]["wall_seconds"], 3),
        "ratio": by_step["full"]["ratio_to_floor"],
        "fixed": fixed_costs(by_step, fixed, args.fixed_scale, fixed_counts),
    }
    default_size = args.scale == DEFAULT_SCALE and args.order_intensity == DEFAULT_INTENSITY
    if args.record == "yes" or (args.record == "auto" and default_size):
        record(results)
    for step in steps:
        print(f"{step['step']}: {step['wall_seconds']} s ({step['ratio_to_floor']}x floor), "
              f"peak memory {step['peak_memory_mb']} MB  [{step['command']}]")
        for node in step.get("profile", {}).get("slowest", [])[:5]:
            print(f"    {node['seconds']:7.2f} s  {node['type']} {node['node']}")
    for name, goal in GOALS.items():
        verdict = "met" if results["ratios"][name] <= goal else "missed"
        print(f"goal {name} within {goal}x of the floor: {results['ratios'][name]}x, {verdict}")
    print(f"day / full: {results['day_over_full']} (goal {DAY_GOAL})")
    print("segment models (s): " + ", ".join(
        f"{model} {by_step['segments']['profile'].get('segment_models', {}).get(model)}" for model in SEGMENT_MODELS))
    for name, cost in results["fixed"]["steps"].items():
        budget = (f"; budget {cost['budget_seconds']} s, {cost['data_budget_seconds']} s of it left for the data"
                  if "budget_seconds" in cost else "; no time goal")
        print(f"fixed {name}: {cost['fixed_seconds']} s with {results['fixed']['raw_rows']['orders']:,} orders; "
              f"data {cost['data_seconds']} s{budget}")
    print(f"full build's data beyond the marts run's: {results['fixed']['steps']['full']['beyond_marts_data_seconds']} s")
    print(f"ratio: {results['ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
