#!/usr/bin/env python3
"""The benchmark's floor (lab/retention_lab/benchmark_floor.sql) and its check.

    python -m retention_lab.benchmark_floor run --database floor.duckdb \\
        --orders a.parquet [b.parquet] --subscriptions ... --customers ...
    python -m retention_lab.benchmark_floor check --floor floor.duckdb --marts warehouse.duckdb

`run` builds the four contract marts by hand-written DuckDB SQL straight from
the raw Parquet files. `check` compares them with the marts dbt built, cell
for cell with the tolerances of lab/retention_lab/compare.py (counts and text exactly,
ratios to 1e-9 relative, money to the cent), prints the cells compared and
differing, and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from string import Template

import duckdb

from retention_lab.compare import CONTRACT_MARTS, KEYS, differences, same

ROOT = Path(__file__).resolve().parents[2]

SQL_PATH = Path(__file__).with_suffix(".sql")
MARTS = CONTRACT_MARTS


def latest_valid_at(now: datetime | None = None) -> str:
    """Timestamps after this are out of range: the run's start plus one day (UTC)."""
    now = now or datetime.now(timezone.utc)
    return (now.replace(tzinfo=None) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S.%f")


def parquet_relation(files: list[str]) -> str:
    return "read_parquet([" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "])"


# The optional sources the floor reads for dim_customers, and the empty typed
# relation that stands in for each when it is not given.
OPTIONAL_SOURCES = {
    "events": "event_id varchar, user_id varchar, customer_id varchar, occurred_at timestamp, event_name varchar",
    "email_sends": "send_id varchar, customer_id varchar, campaign_id varchar, sent_at timestamp",
    "nps_responses": "response_id varchar, customer_id varchar, responded_at timestamp, score integer",
}


def empty_relation(columns: str) -> str:
    return "(select " + ", ".join(f"cast(null as {column.split()[1]}) as {column.split()[0]}"
                                  for column in columns.split(", ")) + " where false)"


def render(relations: dict[str, str], latest: str | None = None) -> str:
    """The floor's SQL with its raw relations ({orders, subscriptions, customers} and
    optionally {events, email_sends, nps_responses}: SQL relations such as
    read_parquet([...]) or raw.orders) substituted."""
    optional = {name: relations.get(name) or empty_relation(columns) for name, columns in OPTIONAL_SOURCES.items()}
    return Template(SQL_PATH.read_text(encoding="utf-8")).substitute(
        orders=relations["orders"], subscriptions=relations["subscriptions"],
        customers=relations["customers"], latest_valid_at=latest or latest_valid_at(), **optional)


def run(con: duckdb.DuckDBPyConnection, relations: dict[str, str], latest: str | None = None) -> list[dict]:
    """Builds the four marts as tables of the connection's current schema;
    returns the seconds of each statement, by the table it creates."""
    con.execute("set TimeZone = 'UTC'")
    timings = []
    for statement in con.extract_statements(render(relations, latest)):
        started = time.perf_counter()
        con.execute(statement)
        created = re.search(r"create (?:or replace )?(?:temp )?table (\w+)", statement.query)
        timings.append({"statement": created.group(1) if created else statement.query.strip().split()[0],
                        "seconds": round(time.perf_counter() - started, 2)})
    return timings


# -- the check ------------------------------------------------------------------------------
def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe {relation}").fetchall()]


def compare_mart(con: duckdb.DuckDBPyConnection, mart: str, floor: str, marts: str) -> tuple[int, int, list[str]]:
    """(cells compared, cells differing, readable lines) for one mart: `marts`
    (the project's) against `floor` (the reference), both relations of `con`.

    Rows exactly equal in every column are settled in SQL; the others are
    fetched and judged cell by cell with lab/retention_lab/compare.py's `same` (so money
    within a cent and ratios within 1e-9 pass), and a row on one side only
    counts every cell as differing. The lines (lab/retention_lab/compare.py's
    `differences`) describe the first differing rows."""
    project_columns, floor_columns = columns(con, marts), columns(con, floor)
    if project_columns != floor_columns:
        return 0, max(len(project_columns), 1), [
            f"{mart}: columns differ: project {project_columns}, floor {floor_columns}"]
    names = [name for name, _ in project_columns]
    keys = KEYS[mart]
    on = " and ".join(f'p."{k}" = f."{k}"' for k in keys)
    equal = " and ".join(f'p."{c}" is not distinct from f."{c}"' for c in names)
    total_rows = con.execute(f"select count(*) from {marts} as p full outer join {floor} as f on {on}").fetchone()[0]
    selected = ", ".join([f'p."{c}"' for c in names] + [f'f."{c}"' for c in names])
    key = keys[0]
    cursor = con.execute(
        f'select {selected}, p."{key}" is null as floor_only, f."{key}" is null as project_only '
        f"from {marts} as p full outer join {floor} as f on {on} "
        f'where p."{key}" is null or f."{key}" is null or not ({equal})')
    width = len(names)
    differing = 0
    project_rows: list[dict] = []
    floor_rows: list[dict] = []
    while batch := cursor.fetchmany(10000):
        for row in batch:
            project, reference = row[:width], row[width:2 * width]
            floor_only, project_only = row[-2], row[-1]
            if floor_only or project_only:
                row_differing = width
            else:
                row_differing = sum(not same(a, b) for a, b in zip(project, reference))
            differing += row_differing
            if row_differing and len(project_rows) + len(floor_rows) < 40:
                if not floor_only:
                    project_rows.append(dict(zip(names, project)))
                if not project_only:
                    floor_rows.append(dict(zip(names, reference)))
    lines = differences(mart, project_rows, floor_rows) if differing else []
    return total_rows * width, differing, lines


def check(con: duckdb.DuckDBPyConnection, floor_schema: str, marts_schema: str) -> tuple[int, int, list[str]]:
    """Compares every mart of `marts_schema` with the floor's in `floor_schema`."""
    cells = differing = 0
    lines: list[str] = []
    for mart in MARTS:
        mart_cells, mart_differing, mart_lines = compare_mart(
            con, mart, f"{floor_schema}.{mart}", f"{marts_schema}.{mart}")
        cells += mart_cells
        differing += mart_differing
        lines += mart_lines
    return cells, differing, lines


def check_files(floor_database: Path, marts_database: Path, marts_schema: str = "main") -> tuple[int, int, list[str]]:
    with duckdb.connect() as con:
        con.execute(f"attach '{floor_database}' as floor_db (read_only)")
        con.execute(f"attach '{marts_database}' as project_db (read_only)")
        return check(con, "floor_db.main", f"project_db.{marts_schema}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="build the four marts from Parquet files")
    run_parser.add_argument("--database", type=Path, required=True)
    for table in ("orders", "subscriptions", "customers"):
        run_parser.add_argument(f"--{table}", nargs="+", required=True, help=f"Parquet files of raw {table}")
    for table in OPTIONAL_SOURCES:
        run_parser.add_argument(f"--{table}", nargs="+", help=f"Parquet files of raw {table} (default: none)")
    run_parser.add_argument("--memory-limit", default=os.environ.get("RETENTION_DUCKDB_MEMORY_LIMIT", "3GB"))
    run_parser.add_argument("--timings", type=Path, help="write the seconds of each statement here (JSON)")
    check_parser = commands.add_parser("check", help="compare the floor's marts with dbt's")
    check_parser.add_argument("--floor", type=Path, required=True)
    check_parser.add_argument("--marts", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "run":
        args.database.unlink(missing_ok=True)
        with duckdb.connect(str(args.database), config={"memory_limit": args.memory_limit}) as con:
            timings = run(con, {table: parquet_relation(getattr(args, table))
                                for table in ("orders", "subscriptions", "customers", *OPTIONAL_SOURCES)
                                if getattr(args, table)})
            sizes = {mart: con.execute(f"select count(*) from {mart}").fetchone()[0] for mart in MARTS}
        print(f"floor: {sizes}", file=sys.stderr)
        if args.timings:
            args.timings.write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
        return 0
    cells, differing, lines = check_files(args.floor, args.marts)
    for line in lines:
        print(line)
    print(f"floor check: {cells} cells compared, {differing} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
