#!/usr/bin/env python3
"""Benchmark of the engagement, email and NPS models at scale.

    bash scripts/tasks.sh benchmark-engagement                         # ~50M events, 1M customers
    bash scripts/tasks.sh benchmark-engagement --scale 25 --record no  # a quick look

Steps, each a child process so wall time and peak memory are its own:
  data    the demo generator at the benchmark's scale with --event-intensity (not
          timed); DuckDB turns every table into Parquet; the raw tables are views
          over it
  base    `dbt run --select +int_reporting_window` (not timed): the orders and
          subscriptions staging the as-of date comes from
  half    `dbt run --full-refresh` of every engagement, email and NPS model on
          half of the active user-days (events of a user-day kept when a hash of
          the user and the day is even): the users and the calendar days are the
          same as in `all`, so if the cost grows with active user-days, as the
          models are built to, this takes about half as long; were it users x
          days, the same
  all     the same on every event but those of the last day
  day     `dbt run` of the same models once the last day's events arrive: the
          scheduled run's cost, with base_product__events incremental (every raw
          row is still hashed once to find changed, new and deleted rows)

The slowest nodes of each dbt step, and the seconds of the product retention
models (USER_RETENTION_MODELS) whether among them or not, come from its
target/run_results.json; the peak memory is the whole dbt run's. With
--record (default at the default scale) the figures go to
benchmarks/engagement.md and benchmarks/engagement.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from retention_lab.benchmark import (COLUMN_TYPES, DEFAULT_INTENSITY, DEFAULT_SCALE, load_average, log, machine,
                                     measured, raw_data, slowest_nodes)

ROOT = Path(__file__).resolve().parents[2]

DEFAULT_EVENT_INTENSITY = 2.2
RAW_SCHEMA = "bench_raw"
ENGAGEMENT_TYPES = {
    "events": {"event_id": "varchar", "user_id": "varchar", "customer_id": "varchar",
               "occurred_at": "timestamp", "event_name": "varchar"},
    "email_sends": {"send_id": "varchar", "customer_id": "varchar", "campaign_id": "varchar",
                    "sent_at": "timestamp"},
    "email_events": {"send_id": "varchar", "event_type": "varchar", "occurred_at": "timestamp",
                     "is_machine_open": "boolean"},
    "nps_responses": {"response_id": "varchar", "customer_id": "varchar", "responded_at": "timestamp",
                      "score": "integer"},
}
TYPES = {**COLUMN_TYPES, **ENGAGEMENT_TYPES}
# every engagement, email and NPS model, by folder, so a model added there is measured too
MODELS = [f"path:models/{folder}" for folder in (
    "staging/product", "staging/email", "staging/survey", "intermediate/engagement", "intermediate/email",
    "marts/engagement", "marts/email", "marts/survey")]
# the product retention models (spec section 12), whose seconds every step reports by name
USER_RETENTION_MODELS = ("int_user_retention_periods", "fct_user_retention")
# keeps a user's events of half of the user-days: same users, same calendar days
HALF_OF_USER_DAYS = "hash(user_id, cast(occurred_at as date)) % 2 = 0"


def prepare_data(args: argparse.Namespace, work: Path) -> dict[str, int]:
    csv_dir = work / "csv"
    shutil.rmtree(csv_dir, ignore_errors=True)
    log(f"data: generating scale {args.scale}, event intensity {args.event_intensity} (not timed)")
    subprocess.run([
        sys.executable, "-m", "retention_lab.generate_demo_data", "--seed", str(args.seed),
        "--scale", str(args.scale), "--order-intensity", str(args.order_intensity),
        "--event-intensity", str(args.event_intensity), "--out", str(csv_dir),
    ], check=True)
    import duckdb

    counts = {}
    parquet = work / "parquet"
    parquet.mkdir(exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        for table, types in TYPES.items():
            columns = ", ".join(f"'{name}': '{data_type}'" for name, data_type in types.items())
            source = f"read_csv('{csv_dir / (table + '.csv')}', header = true, columns = {{{columns}}})"
            con.execute(f"copy (select * from {source}) to '{parquet / (table + '.parquet')}' (format parquet)")
            counts[table] = con.execute(f"select count(*) from read_parquet('{parquet / (table + '.parquet')}')"
                                        ).fetchone()[0]
    shutil.rmtree(csv_dir)
    log(f"data: {counts}")
    return counts


def point_sources(database: Path, work: Path, events_filter: str | None) -> None:
    import duckdb

    with duckdb.connect(str(database)) as con:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        for table in TYPES:
            where = f" where {events_filter}" if table == "events" and events_filter else ""
            con.execute(f"create or replace view {RAW_SCHEMA}.{table} as "
                        f"select * from read_parquet('{work / 'parquet' / (table + '.parquet')}'){where}")


def table_count(database: Path, table: str) -> int:
    """Rows of a staging or intermediate model (schemas main_staging, main_intermediate)."""
    import duckdb

    schema = "main_staging" if table.startswith(("stg_", "base_")) else "main_intermediate"
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]


def model_seconds(target: Path, names: tuple[str, ...]) -> dict[str, float]:
    """Each named model's seconds in a dbt step, from its run_results.json (0 when it did not run)."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    seconds = {result["unique_id"].split(".")[-1]: float(result.get("execution_time") or 0) for result in results
               if result["unique_id"].startswith("model.")}
    return {name: round(seconds.get(name, 0.0), 2) for name in names}


def record(results: dict) -> None:
    out = ROOT / "benchmarks"
    out.mkdir(exist_ok=True)
    (out / "engagement.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    m = results["machine"]
    lines = [
        "# Engagement benchmark",
        "",
        f"Recorded by `bash scripts/tasks.sh benchmark-engagement` on {results['recorded_at']} (scale {results['scale']}, "
        f"order intensity {results['order_intensity']}, event intensity {results['event_intensity']}). Machine: "
        f"{m['cores']} cores, {m['memory_gb']} GB memory; load average "
        f"{', '.join(map(str, results['load_average']['start']))} at the start, "
        f"{', '.join(map(str, results['load_average']['end']))} at the end.",
        "",
        "Raw rows: " + ", ".join(f"{count:,} {table}" for table, count in results["raw_rows"].items()) + ".",
        "",
        "| step | events | active user-days | wall time (s) | peak memory (MB) | CPU (s) | "
        + " | ".join(f"{name} (s)" for name in USER_RETENTION_MODELS) + " |",
        "|---|---:|---:|---:|---:|---:|" + "---:|" * len(USER_RETENTION_MODELS),
    ]
    for step in results["steps"]:
        retention = step.get("user_retention_seconds", {})
        lines.append(f"| {step['step']} | {step['events']:,} | {step['active_user_days']:,} | {step['wall_seconds']} | "
                     f"{step['peak_memory_mb']} | {step['cpu_seconds']} | "
                     + " | ".join(str(retention.get(name, "")) for name in USER_RETENTION_MODELS) + " |")
    lines += [
        "",
        f"Half of the active user-days, same users and calendar days: {results['half_over_all']} of the time of "
        "`all`.",
        "",
        f"The next day's run (`day`, incremental): {results['day_over_all']} of the time of `all`.",
        "",
        "## Where the seconds go",
    ]
    for step in results["steps"]:
        profile = step["profile"]
        lines += ["", f"**{step['step']}** ({profile['nodes']} nodes, outside nodes "
                      f"{profile['outside_nodes_seconds']} s):", "", "| node | seconds |", "|---|---:|"]
        lines += [f"| {node['node']} | {node['seconds']} |" for node in profile["slowest"]]
    lines.append("")
    (out / "engagement.md").write_text("\n".join(lines), encoding="utf-8")
    log(f"recorded {out / 'engagement.md'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    parser.add_argument("--order-intensity", type=float, default=DEFAULT_INTENSITY)
    parser.add_argument("--event-intensity", type=float, default=DEFAULT_EVENT_INTENSITY,
                        help="generator event intensity (default 2.2: about 50 million events at the default scale)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "retention-benchmark-engagement")
    parser.add_argument("--record", choices=["yes", "no", "auto"], default="auto")
    parser.add_argument("--reuse-data", action="store_true", help="keep the Parquet files of an earlier run")
    args = parser.parse_args(argv)

    work = args.workdir.resolve()
    counts = raw_data(args, work, prepare_data)
    load_at_start = load_average()

    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt_vars = json.dumps({"raw_schema": RAW_SCHEMA, "load_demo_data": False})
    dbt = str(Path(sys.executable).with_name("dbt"))
    database = work / "warehouse.duckdb"
    for path in (database, database.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)

    def dbt_command(target: Path, *arguments: str) -> list[str]:
        return [dbt, *arguments, "--project-dir", str(ROOT), "--target-path", str(target),
                "--log-path", str(work / "logs"), "--vars", dbt_vars]

    point_sources(database, work, None)
    log("base: the orders and subscriptions staging behind the as-of date (not timed)")
    subprocess.run(dbt_command(work / "target-base", "run", "--select", "+int_reporting_window"),
                   env={**env, "RETENTION_DUCKDB_PATH": str(database)}, check=True, stdout=sys.stderr)

    steps = []
    before_last_day = (f"cast(occurred_at as date) < (select max(cast(occurred_at as date)) "
                       f"from read_parquet('{work / 'parquet' / 'events.parquet'}'))")
    for name, events_filter, refresh in (("half", HALF_OF_USER_DAYS, ["--full-refresh"]),
                                         ("all", before_last_day, ["--full-refresh"]), ("day", None, [])):
        point_sources(database, work, events_filter)
        target = work / f"target-{name}"
        shutil.rmtree(target, ignore_errors=True)
        step = measured(name, dbt_command(target, "run", *refresh, "--select", *MODELS),
                        {**env, "RETENTION_DUCKDB_PATH": str(database)},
                        shown=f"dbt run {' '.join(refresh + [''])}--select <the engagement, email and NPS models>")
        step["profile"] = slowest_nodes(target, step["wall_seconds"])
        step["user_retention_seconds"] = model_seconds(target, USER_RETENTION_MODELS)
        step["events"] = table_count(database, "stg_product__events")
        step["active_user_days"] = table_count(database, "int_user_active_days")
        steps.append(step)

    import dbt.version
    import duckdb

    results = {
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": args.scale, "order_intensity": args.order_intensity, "event_intensity": args.event_intensity,
        "raw_rows": counts, "machine": machine(),
        "load_average": {"start": load_at_start, "end": load_average()},
        "duckdb": duckdb.__version__, "dbt_core": dbt.version.__version__,
        "steps": steps,
        "half_over_all": round(steps[0]["wall_seconds"] / steps[1]["wall_seconds"], 3),
        "day_over_all": round(steps[2]["wall_seconds"] / steps[1]["wall_seconds"], 3),
    }
    default_size = (args.scale, args.order_intensity, args.event_intensity) == (
        DEFAULT_SCALE, DEFAULT_INTENSITY, DEFAULT_EVENT_INTENSITY)
    if args.record == "yes" or (args.record == "auto" and default_size):
        record(results)
    for step in steps:
        print(f"{step['step']}: {step['events']:,} events, {step['active_user_days']:,} active user-days, "
              f"{step['wall_seconds']} s, peak memory {step['peak_memory_mb']} MB; "
              + ", ".join(f"{name} {seconds} s" for name, seconds in step["user_retention_seconds"].items()))
        for node in step["profile"]["slowest"][:6]:
            print(f"    {node['seconds']:7.2f} s  {node['node']}")
    print(f"half / all: {results['half_over_all']}; day / all: {results['day_over_all']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
