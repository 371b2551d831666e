#!/usr/bin/env python3
"""Writes the rows of some of the project's tables on one engine as JSON, for
lab/retention_lab/engines.py. Runs inside that engine's virtual environment;
connection settings come from the same environment variables as profiles.yml."""

from __future__ import annotations

import argparse
import datetime
import decimal
import json
import os
from pathlib import Path


def encode(value):
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    return value


def fetch_duckdb(tables: list[str]) -> dict:
    import duckdb

    with duckdb.connect(os.environ["RETENTION_DUCKDB_PATH"], read_only=True) as con:
        return {table: rows(con.execute(f"select * from main.{table}")) for table in tables}


def fetch_postgres(tables: list[str]) -> dict:
    import psycopg2

    with psycopg2.connect(host=os.environ.get("RETENTION_PG_HOST", "127.0.0.1"),
                          port=int(os.environ.get("RETENTION_PG_PORT", "5432")),
                          user=os.environ.get("RETENTION_PG_USER", "postgres"),
                          password=os.environ.get("RETENTION_PG_PASSWORD", ""),
                          dbname=os.environ.get("RETENTION_PG_DATABASE", "retention")) as con:
        out = {}
        for table in tables:
            with con.cursor() as cursor:
                cursor.execute(f"select * from main.{table}")
                out[table] = rows(cursor)
        return out


def fetch_spark(tables: list[str]) -> dict:
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.appName("retention-dump").enableHiveSupport()
             .config("spark.sql.warehouse.dir", os.environ["RETENTION_SPARK_WAREHOUSE"])
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false").getOrCreate())
    try:
        out = {}
        for table in tables:
            frame = spark.table(f"main.{table}")
            out[table] = [{name: row[name] for name in frame.columns} for row in frame.collect()]
        return out
    finally:
        spark.stop()


def execute(engine: str, statements: list[str]) -> None:
    """Runs statements on the engine's raw tables (DuckDB or PostgreSQL)."""
    if engine == "duckdb":
        import duckdb

        with duckdb.connect(os.environ["RETENTION_DUCKDB_PATH"]) as con:
            for statement in statements:
                con.execute(statement)
    elif engine == "postgres":
        import psycopg2

        with psycopg2.connect(host=os.environ.get("RETENTION_PG_HOST", "127.0.0.1"),
                              port=int(os.environ.get("RETENTION_PG_PORT", "5432")),
                              user=os.environ.get("RETENTION_PG_USER", "postgres"),
                              password=os.environ.get("RETENTION_PG_PASSWORD", ""),
                              dbname=os.environ.get("RETENTION_PG_DATABASE", "retention")) as con:
            with con.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    else:
        raise SystemExit(f"--execute is not supported on {engine}")


def rows(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", required=True, choices=["duckdb", "postgres", "spark"])
    parser.add_argument("--tables", help="comma-separated tables in schema main")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--execute", type=Path, help="a JSON list of SQL statements to run instead of dumping")
    args = parser.parse_args()
    if args.execute:
        execute(args.engine, json.loads(args.execute.read_text()))
        return 0
    tables = args.tables.split(",")
    fetched = {"duckdb": fetch_duckdb, "postgres": fetch_postgres, "spark": fetch_spark}[args.engine](tables)
    encoded = {table: [{k: encode(v) for k, v in row.items()} for row in table_rows]
               for table, table_rows in fetched.items()}
    args.out.write_text(json.dumps(encoded), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
