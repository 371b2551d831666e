"""Runs the retention project with dbt's programmatic runner against a
throwaway DuckDB file, and loads raw tables of the spec's shape into it."""

from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import duckdb
from dbt.cli.main import dbtRunner

ROOT = Path(__file__).resolve().parents[1]

RAW_COLUMNS = {
    "orders": [
        ("order_id", "varchar"), ("customer_id", "varchar"), ("ordered_at", "timestamp"),
        ("status", "varchar"), ("amount", "decimal(18,2)"), ("currency", "varchar"),
        ("refunded_amount", "decimal(18,2)"),
    ],
    "subscriptions": [
        ("subscription_id", "varchar"), ("customer_id", "varchar"), ("plan_id", "varchar"),
        ("started_at", "timestamp"), ("ended_at", "timestamp"), ("billing_interval", "varchar"),
        ("amount", "decimal(18,2)"), ("quantity", "integer"), ("currency", "varchar"),
    ],
    "customers": [
        ("customer_id", "varchar"), ("created_at", "timestamp"), ("country", "varchar"),
        ("acquisition_channel", "varchar"), ("email", "varchar"),
    ],
    "acquisition_costs": [("month", "date"), ("channel", "varchar"), ("spend", "decimal(18,2)")],
}


def release_duckdb() -> None:
    """dbt-duckdb keeps its database open in-process after an invocation; close
    it so the tests (and the next invocation) can open the file afresh."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


@dataclass
class DbtRun:
    success: bool
    messages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


class Warehouse:
    """One DuckDB file and the dbt invocations that build into it."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.path = workdir / "warehouse.duckdb"

    # -- raw data -----------------------------------------------------------
    def load_raw(self, schema: str, table: str, rows: Iterable[Sequence[Any]],
                 columns: list[tuple[str, str]] | None = None) -> None:
        columns = columns or RAW_COLUMNS[table]
        with duckdb.connect(str(self.path)) as con:
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"drop table if exists {schema}.{table}")
            ddl = ", ".join(f"{name} {data_type}" for name, data_type in columns)
            con.execute(f"create table {schema}.{table} ({ddl})")
            rows = list(rows)
            if rows:
                marks = ", ".join("?" for _ in columns)
                con.executemany(f"insert into {schema}.{table} values ({marks})", rows)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def query_dicts(self, sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def relations(self) -> set[str]:
        rows = self.query("select table_schema || '.' || table_name from information_schema.tables")
        return {row[0] for row in rows}

    # -- dbt ------------------------------------------------------------------
    def dbt(self, *args: str, vars: dict[str, Any] | None = None) -> DbtRun:
        os.environ["RETENTION_DUCKDB_PATH"] = str(self.path)
        cli = [
            *args,
            "--project-dir", str(ROOT),
            "--profiles-dir", str(ROOT),
            "--target-path", str(self.workdir / "target"),
            "--log-path", str(self.workdir / "logs"),
        ]
        if vars:
            cli += ["--vars", json.dumps(vars)]
        try:
            result = dbtRunner().invoke(cli)
        finally:
            release_duckdb()
        messages: list[str] = []
        if result.exception is not None:
            messages.append(str(result.exception))
        for node_result in getattr(result.result, "results", None) or []:
            if node_result.status not in ("success", "pass", "warn") and node_result.message:
                messages.append(f"{node_result.node.name}: {node_result.message}")
        return DbtRun(success=bool(result.success), messages=messages)
