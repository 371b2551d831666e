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
import yaml
from dbt.cli.main import dbtRunner

ROOT = Path(__file__).resolve().parents[1]

# The DuckDB type each declared raw column type is loaded as in tests.
DUCKDB_TYPES = {"text": "varchar", "timestamp": "timestamp", "decimal": "decimal(18,2)", "integer": "integer",
                "date": "date", "boolean": "boolean"}


def declared_raw_columns() -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, declared type)]} from the source YAMLs: the one list of
    raw columns the project keeps."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((ROOT / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                columns[table["name"]] = [(c["name"], c["data_type"]) for c in table["columns"]]
    return columns


RAW_COLUMNS = {
    table: [(name, DUCKDB_TYPES[declared]) for name, declared in columns]
    for table, columns in declared_raw_columns().items()
}
# Every raw column as text, as a feed that delivers text would hold them.
TEXT_RAW_COLUMNS = {table: [(name, "varchar") for name, _ in columns] for table, columns in RAW_COLUMNS.items()}


def models_in_dag_order(manifest: dict[str, Any], keep=lambda node: True) -> list[dict[str, Any]]:
    """The manifest's models that `keep` accepts, parents before children."""
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model" and keep(node)}
    order: list[dict[str, Any]] = []
    done: set[str] = set()

    def visit(uid: str) -> None:
        if uid in done or uid not in models:
            return
        done.add(uid)
        for parent in models[uid]["depends_on"]["nodes"]:
            visit(parent)
        order.append(models[uid])

    for uid in sorted(models):
        visit(uid)
    return order


def insert_rows(con, table: str, width: int, rows: list[Sequence[Any]]) -> None:
    """Inserts rows (sequences of `width` values, in the table's column order) with one multi-row
    insert per 500 rows: executemany inserts row by row (15 s for the demo's 14,000 events); the
    values are bound the same way."""
    marks = "(" + ", ".join("?" for _ in range(width)) + ")"
    for first in range(0, len(rows), 500):
        chunk = rows[first:first + 500]
        con.execute(f"insert into {table} values {', '.join(marks for _ in chunk)}",
                    [value for row in chunk for value in row])


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
            insert_rows(con, f"{schema}.{table}", len(columns), list(rows))

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
