"""The project compiled once by dbt, then run many times.

`dbt compile` (through dbtRunner) renders every model of the project against a
warehouse whose raw tables exist but are empty. Each generated history is then
loaded into a fresh in-memory DuckDB and the compiled models run in dependency
order, as `dbt build` would materialise them. One dbt invocation serves
hundreds of histories; a test in test_reference.py checks this path against a
real `dbt build`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import duckdb

from retention_lab.compare import MARTS
from tests.dbt_harness import RAW_COLUMNS, Warehouse, insert_rows, models_in_dag_order



class CompiledProject:
    def __init__(self, workdir: Path, vars: Mapping[str, Any] | None = None,
                 raw_columns: Mapping[str, list[tuple[str, str]]] = RAW_COLUMNS):
        """raw_columns: the raw tables' columns and types (TEXT_RAW_COLUMNS for a
        feed that delivers text): the project reads each column by its type."""
        self.raw_columns = raw_columns
        warehouse = Warehouse(workdir)
        for table, columns in raw_columns.items():
            warehouse.load_raw("raw", table, [], columns=columns)
        run = warehouse.dbt("compile", "--exclude", "tag:formula_check",
                            vars={"load_demo_data": False, **(vars or {})})
        assert run.success, run.text
        manifest = json.loads((workdir / "target" / "manifest.json").read_text())
        self.order = models_in_dag_order(
            manifest, lambda node: node["language"] == "sql" and "formula_check" not in node["tags"])
        self.database = self.order[0]["database"]

    def run(self, raw: Mapping[str, list[Mapping[str, Any]] | None]) -> "BuiltProject":
        """Builds every model on `raw` ({table: rows or None for an absent table})."""
        con = duckdb.connect()
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach ':memory:' as {self.database}")
        con.execute(f"use {self.database}")
        con.execute("create schema raw")
        for table, columns in self.raw_columns.items():
            rows = raw.get(table)
            ddl = ", ".join(f"{name} {data_type}" for name, data_type in columns)
            con.execute(f"create table raw.{table} ({ddl})")
            insert_rows(con, f"raw.{table}", len(columns),
                        [[row.get(name) for name, _ in columns] for row in rows or []])
        for node in self.order:
            con.execute(f'create schema if not exists "{node["schema"]}"')
            con.execute(f'create table "{node["schema"]}"."{node["alias"]}" as {node["compiled_code"]}')
        return BuiltProject(con)


class BuiltProject:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def rows(self, model: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(f"select * from main.{model}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def marts(self) -> dict[str, list[dict[str, Any]]]:
        return {mart: self.rows(mart) for mart in MARTS}

    def close(self) -> None:
        self.con.close()
