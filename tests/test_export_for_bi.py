"""app/retention_app/export_for_bi.py: every mart goes to Parquet, and optionally to a
DuckDB file at an older storage version, with the same columns, types and rows
as the warehouse; a mart missing from the warehouse fails the export."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from retention_app import export_for_bi
from tests.dbt_harness import ROOT

# The storage version number in a DuckDB file's header for each storage version
# the export may write: DuckDB 0.10 to 1.1 read 64 only, 1.2 adds 65.
HEADER_VERSION = {"v1.0.0": 64, "v1.2.0": 65}


def load_script():
    return export_for_bi


def mart_models() -> set[str]:
    return {p.stem for p in (ROOT / "models" / "marts").rglob("*") if p.suffix in (".sql", ".py")}


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe select * from {relation}").fetchall()]


def differing_rows(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows in one relation and not the other, counting duplicates (0 when equal as multisets)."""
    return con.execute(f"select (select count(*) from (select * from {left} except all select * from {right}))"
                       f" + (select count(*) from (select * from {right} except all select * from {left}))"
                       ).fetchall()[0][0]


@pytest.fixture(scope="module")
def export(demo_warehouse, tmp_path_factory):
    output = tmp_path_factory.mktemp("bi") / "export"
    run = subprocess.run([sys.executable, "-m", "retention_app.export_for_bi", "--warehouse", str(demo_warehouse.path), "--output",
                          str(output), "--duckdb-storage-version", "v1.0.0"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return output


def test_every_mart_is_exported(export):
    expected = mart_models() | {"rejected_rows"}
    assert set(load_script().mart_names()) == expected
    assert {p.stem for p in export.glob("*.parquet")} == expected


def test_parquet_round_trip_equals_the_marts(demo_warehouse, export):
    with duckdb.connect() as con:
        con.execute(f"attach '{demo_warehouse.path}' as warehouse (read_only)")
        for table in sorted(mart_models() | {"rejected_rows"}):
            mart = f"warehouse.main.{table}"
            parquet = f"read_parquet('{export / (table + '.parquet')}')"
            assert columns(con, parquet) == columns(con, mart), table
            assert con.execute(f"select count(*) from {parquet}").fetchall() == \
                con.execute(f"select count(*) from {mart}").fetchall(), table
            assert differing_rows(con, mart, parquet) == 0, table


def test_older_storage_version_file_equals_the_marts(demo_warehouse, export):
    target = export / "marts.duckdb"
    header = target.read_bytes()[8:20]
    assert header[:4] == b"DUCK"
    assert struct.unpack("<Q", header[4:12])[0] == HEADER_VERSION["v1.0.0"]
    with duckdb.connect() as con:
        con.execute(f"attach '{demo_warehouse.path}' as warehouse (read_only)")
        con.execute(f"attach '{target}' as bi (read_only)")
        tables = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'bi'").fetchall()}
        assert tables == mart_models() | {"rejected_rows"}
        for table in sorted(tables):
            assert columns(con, f"bi.main.{table}") == columns(con, f"warehouse.main.{table}"), table
            assert differing_rows(con, f"warehouse.main.{table}", f"bi.main.{table}") == 0, table


def test_a_missing_mart_fails_the_export(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table main.fct_order_metrics as select 1 as orders")
    written, missing = load_script().export(warehouse, tmp_path / "out", marts=["fct_order_metrics", "fct_nps"])
    assert written == [("fct_order_metrics", 1)]
    assert missing == ["fct_nps"]
    run = subprocess.run([sys.executable, "-m", "retention_app.export_for_bi", "--warehouse", str(warehouse),
                          "--output", str(tmp_path / "cli")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "not in the warehouse, not exported: dim_customers" in run.stderr
