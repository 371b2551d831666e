#!/usr/bin/env python3
"""Exports the marts for BI tools that cannot open the warehouse itself.

    python -m retention_app.export_for_bi [--warehouse PATH] [--output DIR] [--duckdb-storage-version VERSION]

DuckDB 1.x (Evidence's DuckDB connector, duckdb-wasm in the browser) cannot
open a file written by DuckDB 2.0. This writes every mart (the models in
models/marts and rejected_rows) as one Parquet file per table, <table>.parquet,
into DIR (default: <warehouse name>_bi beside the warehouse). With
--duckdb-storage-version (e.g. v1.0.0, which DuckDB 0.10 and every 1.x read)
it also writes DIR/marts.duckdb at that storage version, holding the same
tables in schema main.

The warehouse is opened read-only. A mart missing from the warehouse is
reported and skipped; the exit status is 1 when any is missing, so a partial
export is never mistaken for a whole one. See docs/report.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
from retention_app.warehouse_file import TARGET_HELP, WAREHOUSE_HELP, default_warehouse

ROOT = Path(__file__).resolve().parents[2]
AUDIT_MARTS = ["rejected_rows"]
DUCKDB_FILE = "marts.duckdb"


def mart_names(root: Path = ROOT) -> list[str]:
    """Every model under models/marts (SQL or Python), then rejected_rows."""
    models = sorted(p.stem for p in (root / "models" / "marts").rglob("*") if p.suffix in (".sql", ".py"))
    return models + [m for m in AUDIT_MARTS if m not in models]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export(warehouse: Path, output: Path, schema: str = "main", storage_version: str | None = None,
           marts: list[str] | None = None) -> tuple[list[tuple[str, int]], list[str]]:
    """Writes the Parquet files (and the DuckDB file when storage_version is set).
    Returns ([(table, rows)], [missing tables])."""
    marts = marts or mart_names()
    output.mkdir(parents=True, exist_ok=True)
    target = output / DUCKDB_FILE
    with duckdb.connect() as con:
        con.execute(f"attach {literal(str(warehouse))} as warehouse (read_only)")
        present = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse' and table_schema = ?",
            [schema]).fetchall()}
        if storage_version:
            target.unlink(missing_ok=True)
            con.execute(f"attach {literal(str(target))} as bi (storage_version {literal(storage_version)})")
        written, missing = [], []
        for table in marts:
            if table not in present:
                missing.append(table)
                continue
            source = f"warehouse.{quote(schema)}.{quote(table)}"
            path = output / f"{table}.parquet"
            con.execute(f"copy (select * from {source}) to {literal(str(path))} (format parquet, compression zstd)")
            if storage_version:
                con.execute(f"create table bi.main.{quote(table)} as select * from {source}")
            rows = con.execute(f"select count(*) from {source}").fetchall()[0][0]
            written.append((table, rows))
        if storage_version:
            con.execute("detach bi")
    return written, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=None, help=WAREHOUSE_HELP)
    parser.add_argument("--target", default=None, help=TARGET_HELP)
    parser.add_argument("--output", type=Path, default=None,
                        help="folder to write (default: <warehouse name>_bi beside the warehouse)")
    parser.add_argument("--schema", default="main", help="schema holding the marts (default: main)")
    parser.add_argument("--duckdb-storage-version", default=None, metavar="VERSION",
                        help=f"also write {DUCKDB_FILE} at this DuckDB storage version, e.g. v1.0.0 (read by DuckDB"
                             " 0.10 and later) or v1.2.0")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    warehouse = (args.warehouse or default_warehouse(args.target)).resolve()
    if not warehouse.is_file():
        parser.error(f"no warehouse at {warehouse}: build it with scripts/tasks.sh build or name one with --warehouse")
    output = (args.output or warehouse.with_name(f"{warehouse.stem}_bi")).resolve()
    try:
        written, missing = export(warehouse, output, args.schema, args.duckdb_storage_version)
    except duckdb.Error as error:
        print(f"export_for_bi: {error}", file=sys.stderr)
        return 1
    for table, rows in written:
        print(f"  {table}.parquet: {rows:,} rows")
    size = sum((output / f"{table}.parquet").stat().st_size for table, _ in written)
    print(f"export_for_bi: {len(written)} tables as Parquet in {output} ({size / 1e6:.1f} MB)")
    if args.duckdb_storage_version:
        target = output / DUCKDB_FILE
        print(f"export_for_bi: {target} at storage version {args.duckdb_storage_version}"
              f" ({target.stat().st_size / 1e6:.1f} MB)")
    print(f"export_for_bi: done in {time.perf_counter() - started:.1f} s")
    if missing:
        print(f"export_for_bi: not in the warehouse, not exported: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
