#!/usr/bin/env python3
"""Benchmark: the project against hand-written DuckDB SQL on the same raw data.

    bash scripts/benchmark.sh                      # default: ~10M orders, 1M customers
    bash scripts/benchmark.sh --scale 25 --record no

Steps, each in its own process so wall time and peak memory (max RSS) are its own:
  data   the demo generator writes CSV; DuckDB turns it into Parquet files, all
         but the last day of orders and price periods in one file set and that
         day in another (not timed)
  floor  (a) minimal hand-written DuckDB SQL computing the same monthly
         aggregates straight from the Parquet files: customers at start and end,
         new customers, orders, revenue, and MRR by customer-month
  full   (b) `dbt build` of the whole project (models, data tests, unit tests)
         reading the Parquet files, minus the last day, as its sources
  day    (c) the last day's files are appended to the sources and `dbt build`
         runs again: incremental models process the increment

The last stdout line is `ratio: X` with X = (b) / (a). With --record (default
at the default scale) the figures and the machine's cores and memory are
written to benchmarks/results.md and benchmarks/results.json.
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

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCALE = 2500.0
DEFAULT_INTENSITY = 4.0
LAST_DAY = "2024-12-31"
RAW_SCHEMA = "bench_raw"

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

FLOOR_SQL = """
create or replace table floor_monthly as
with
orders as (
    select
        customer_id,
        date_trunc('month', ordered_at) as month,
        count(*) as orders,
        sum(amount - coalesce(refunded_amount, 0)) as revenue
    from read_parquet({orders})
    where lower(trim(status)) = 'completed' and customer_id is not null and ordered_at is not null
    group by all
),
first_months as (
    select customer_id, min(month) as first_month from orders group by 1
),
months as (
    select distinct month from orders
),
subscriptions as (
    select
        customer_id,
        started_at,
        ended_at,
        amount * coalesce(quantity, 1) * case billing_interval
            when 'week' then 52.0 / 12 when 'month' then 1 when 'quarter' then 1.0 / 3 when 'year' then 1.0 / 12
        end as mrr
    from read_parquet({subscriptions})
),
mrr as (
    select months.month, subscriptions.customer_id, sum(subscriptions.mrr) as mrr
    from months
    inner join subscriptions
        on subscriptions.started_at < months.month + interval 1 month
        and coalesce(subscriptions.ended_at, months.month + interval 1 month) >= months.month + interval 1 month
    where subscriptions.mrr > 0
    group by all
),
at_end as (
    select month, count(*) as customers_at_end, sum(orders) as orders, sum(revenue) as revenue
    from orders group by 1
),
at_start as (
    select month + interval 1 month as month, count(*) as customers_at_start from orders group by 1
),
new_customers as (
    select first_month as month, count(*) as new_customers from first_months group by 1
),
mrr_by_month as (
    select month, count(*) as paying_customers, sum(mrr) as mrr from mrr group by 1
)
select
    months.month,
    coalesce(at_start.customers_at_start, 0) as customers_at_start,
    coalesce(at_end.customers_at_end, 0) as customers_at_end,
    coalesce(new_customers.new_customers, 0) as new_customers,
    coalesce(at_end.orders, 0) as orders,
    coalesce(at_end.revenue, 0) as revenue,
    coalesce(mrr_by_month.mrr, 0) as mrr
from months
left join at_start using (month)
left join at_end using (month)
left join new_customers using (month)
left join mrr_by_month using (month)
"""


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def measured(name: str, command: list[str], env: dict[str, str] | None = None) -> dict:
    """Runs a command as a child process; returns its wall time and peak RSS."""
    log(f"{name}: {' '.join(command)}")
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=sys.stderr, stderr=sys.stderr, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{name} failed with exit code {code}")
    # ru_maxrss is in kilobytes on Linux
    result = {"step": name, "wall_seconds": round(wall, 2), "peak_memory_mb": round(usage.ru_maxrss / 1024, 1)}
    log(f"{name}: {result['wall_seconds']} s, peak memory {result['peak_memory_mb']} MB")
    return result


def duckdb_python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def prepare_data(args: argparse.Namespace, work: Path) -> dict[str, int]:
    csv_dir = work / "csv"
    if csv_dir.exists():
        shutil.rmtree(csv_dir)
    log(f"data: generating scale {args.scale}, order intensity {args.order_intensity} (not timed)")
    subprocess.run([
        sys.executable, str(ROOT / "scripts" / "generate_demo_data.py"), "--seed", str(args.seed),
        "--scale", str(args.scale), "--order-intensity", str(args.order_intensity), "--out", str(csv_dir),
    ], check=True)
    import duckdb

    counts = {}
    parquet = work / "parquet"
    parquet.mkdir(exist_ok=True)
    with duckdb.connect() as con:
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


def record(results: dict) -> None:
    out = ROOT / "benchmarks"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    steps = {step["step"]: step for step in results["steps"]}
    lines = [
        "# Benchmark results",
        "",
        f"Recorded by `bash scripts/benchmark.sh` on {results['recorded_at']} "
        f"(scale {results['scale']}, order intensity {results['order_intensity']}).",
        "",
        f"Machine: {results['machine']['cores']} cores, {results['machine']['memory_gb']} GB memory, "
        f"{results['machine']['platform']}, Python {results['machine']['python']}, "
        f"DuckDB {results['duckdb']}, dbt-core {results['dbt_core']}.",
        "",
        "Raw rows: " + ", ".join(f"{count:,} {table}" for table, count in results["raw_rows"].items()) + ".",
        "",
        "| step | what | wall time (s) | peak memory (MB) |",
        "|---|---|---:|---:|",
        f"| floor | hand-written DuckDB SQL, monthly aggregates from Parquet | "
        f"{steps['floor']['wall_seconds']} | {steps['floor']['peak_memory_mb']} |",
        f"| full | `dbt build`, every model and test, from scratch | "
        f"{steps['full']['wall_seconds']} | {steps['full']['peak_memory_mb']} |",
        f"| day | `dbt build` after appending one day | "
        f"{steps['day']['wall_seconds']} | {steps['day']['peak_memory_mb']} |",
        "",
        f"ratio (full / floor): {results['ratio']}",
        "",
        f"incremental day / full build: {results['day_over_full']}",
        "",
    ]
    (out / "results.md").write_text("\n".join(lines), encoding="utf-8")
    log(f"recorded {out / 'results.md'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                        help="generator scale: customers in units of 400 (default 2500, 1 million customers)")
    parser.add_argument("--order-intensity", type=float, default=DEFAULT_INTENSITY,
                        help="generator order intensity (default 4: about 10 orders per customer)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "retention-benchmark",
                        help="where data and the warehouse go (default: a folder in the temp dir)")
    parser.add_argument("--record", choices=["yes", "no", "auto"], default="auto",
                        help="write benchmarks/results.* (auto: only at the default scale and intensity)")
    parser.add_argument("--reuse-data", action="store_true", help="keep the Parquet files of an earlier run")
    args = parser.parse_args(argv)

    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    counts_file = work / "raw_rows.json"
    if args.reuse_data and counts_file.exists():
        counts = json.loads(counts_file.read_text())
        log(f"data: reusing {work / 'parquet'}")
    else:
        counts = prepare_data(args, work)
        counts_file.write_text(json.dumps(counts))

    steps = []
    floor_sql = FLOOR_SQL.format(
        orders=parquet_files(work, "orders", True), subscriptions=parquet_files(work, "subscriptions", True))
    floor_db = work / "floor.duckdb"
    floor_db.unlink(missing_ok=True)
    steps.append(measured("floor", duckdb_python(
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute(sys.argv[2]); "
        "print(con.execute('select count(*), sum(orders) from floor_monthly').fetchone(), file=sys.stderr)"
    ) + [str(floor_db), floor_sql]))

    warehouse = work / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    point_sources(warehouse, work, with_last_day=False)
    env = {**os.environ, "RETENTION_DUCKDB_PATH": str(warehouse), "DBT_PROFILES_DIR": str(ROOT)}
    dbt = [
        str(Path(sys.executable).with_name("dbt")), "build", "--project-dir", str(ROOT),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--vars", json.dumps({"raw_schema": RAW_SCHEMA, "load_demo_data": False}),
    ]
    steps.append(measured("full", dbt, env))
    point_sources(warehouse, work, with_last_day=True)
    steps.append(measured("day", dbt, env))

    by_step = {step["step"]: step for step in steps}
    ratio = round(by_step["full"]["wall_seconds"] / by_step["floor"]["wall_seconds"], 2)
    day_over_full = round(by_step["day"]["wall_seconds"] / by_step["full"]["wall_seconds"], 3)
    import dbt.version
    import duckdb

    results = {
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": args.scale,
        "order_intensity": args.order_intensity,
        "raw_rows": counts,
        "machine": machine(),
        "duckdb": duckdb.__version__,
        "dbt_core": dbt.version.__version__,
        "steps": steps,
        "ratio": ratio,
        "day_over_full": day_over_full,
    }
    default_size = args.scale == DEFAULT_SCALE and args.order_intensity == DEFAULT_INTENSITY
    if args.record == "yes" or (args.record == "auto" and default_size):
        record(results)
    for step in steps:
        print(f"{step['step']}: {step['wall_seconds']} s, peak memory {step['peak_memory_mb']} MB")
    print(f"day / full: {day_over_full}")
    print(f"ratio: {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
