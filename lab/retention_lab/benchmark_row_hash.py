#!/usr/bin/env python3
"""What the raw columns' types cost in the row hash of an incremental base
model (macros/config/incremental.sql, raw_row_hash): DuckDB's hash() of an
order row's seven values, with and without the constant text of the stored
types that raw_types_fingerprint adds, over generated orders.

    python -m retention_lab.benchmark_row_hash [--rows 10000000] [--repeat 7]

Prints the minimum and median seconds of each form over --repeat runs (the
runs alternate, so a busy machine slows both alike). Each incremental run
computes the hash twice over the raw table: in the pre-hook and in the model."""

from __future__ import annotations

import argparse
import statistics
import time

import duckdb

COLUMNS = "order_id, customer_id, ordered_at, status, amount, currency, refunded_amount"
TYPES = ("'order_id character varying(256), customer_id character varying(256), ordered_at timestamp,"
         " status character varying(256), amount decimal(18,2), currency character varying(256),"
         " refunded_amount decimal(18,2)'")
FORMS = {"values only": f"hash({COLUMNS})", "values and types": f"hash({COLUMNS}, {TYPES})"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute(f"""
        create table orders as
        select 'o' || i as order_id, 'c' || (i % 1000000) as customer_id,
            timestamp '2020-01-01' + to_seconds(i * 7) as ordered_at, 'completed' as status,
            cast((i % 10000) / 100.0 as decimal(18, 2)) as amount, 'USD' as currency,
            cast(null as decimal(18, 2)) as refunded_amount
        from range({args.rows}) as t(i)""")
    seconds: dict[str, list[float]] = {name: [] for name in FORMS}
    for _ in range(args.repeat):
        for name, expression in FORMS.items():
            started = time.perf_counter()
            con.execute(f"select count(distinct h) from (select {expression} as h from orders)").fetchall()
            seconds[name].append(time.perf_counter() - started)
    print(f"{args.rows:,} rows, {args.repeat} runs each (hash and count distinct):")
    for name, runs in seconds.items():
        print(f"  {name:>16}: min {min(runs):.3f} s, median {statistics.median(runs):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
