"""The benchmark's own machinery (tier `benchmark`): its floor
(lab/retention_lab/benchmark_floor.sql) runs on the demo's raw tables as typed
Parquet, as the benchmark reads them, and its check counts and names every
difference from the marts.

The floor is a speed baseline, not a test oracle: whether the marts are right
is the independent reference's job (tests/test_reference.py). The benchmark
checks the floor against the dbt-built marts at its own scale, cell for cell,
before it reports a ratio to the floor."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from retention_lab import benchmark_floor
from retention_lab.compare import differences

MARTS = benchmark_floor.MARTS
RAW_TABLES = ("orders", "subscriptions", "customers", *benchmark_floor.OPTIONAL_SOURCES)


@pytest.fixture(scope="module")
def demo_floor(demo_warehouse, tmp_path_factory) -> Path:
    """The demo's raw tables as Parquet files, and the floor built from them."""
    work = tmp_path_factory.mktemp("floor")
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        for table in RAW_TABLES:
            con.execute(f"copy retention_demo.{table} to '{work / (table + '.parquet')}' (format parquet)")
    database = work / "floor.duckdb"
    arguments = ["run", "--database", str(database)]
    for table in RAW_TABLES:
        arguments += [f"--{table}", str(work / f"{table}.parquet")]
    assert benchmark_floor.main(arguments) == 0
    return database


def test_the_floor_equals_the_demo_marts_cell_for_cell(demo_warehouse, demo_floor):
    cells, differing, lines = benchmark_floor.check_files(demo_floor, demo_warehouse.path)
    assert differing == 0, "\n".join(lines)
    expected_cells = 0
    for mart in MARTS:
        rows = demo_warehouse.query_dicts(f"select * from main.{mart}")
        expected_cells += len(rows) * len(rows[0])
        # the same judgement in plain Python, every row
        with duckdb.connect(str(demo_floor), read_only=True) as con:
            cursor = con.execute(f"select * from {mart}")
            names = [d[0] for d in cursor.description]
            floor_rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        assert differences(mart, rows, floor_rows) == []
    assert cells == expected_cells > 5_000


def test_the_floor_has_each_marts_columns_and_types(demo_warehouse, demo_floor):
    with duckdb.connect() as con:
        con.execute(f"attach '{demo_floor}' as floor_db (read_only)")
        con.execute(f"attach '{demo_warehouse.path}' as project_db (read_only)")
        for mart in MARTS:
            assert (benchmark_floor.columns(con, f"floor_db.main.{mart}")
                    == benchmark_floor.columns(con, f"project_db.main.{mart}")), mart


def test_the_check_counts_and_names_every_difference(demo_warehouse, demo_floor, tmp_path, capsys):
    changed = tmp_path / "changed.duckdb"
    shutil.copy(demo_floor, changed)
    with duckdb.connect(str(changed)) as con:
        # a cent off: one cell
        con.execute("update fct_order_metrics set revenue = revenue + 0.01 "
                    "where period_grain = 'month' and period_start = (select min(period_start) from fct_order_metrics)")
        # within 1e-9 relative: no difference
        con.execute("update fct_revenue_retention set quick_ratio = quick_ratio * (1 + 1e-12)")
        # a missing row: every one of its cells
        con.execute("delete from dim_customers where customer_id = (select min(customer_id) from dim_customers)")
        # a ratio off by 1e-6 relative: one cell
        con.execute("update fct_customer_retention set customer_churn_rate = customer_churn_rate * (1 + 1e-6) "
                    "where basis = 'orders' and period_grain = 'year' and customer_churn_rate is not null "
                    "and period_start = (select min(period_start) from fct_customer_retention "
                    "where basis = 'orders' and period_grain = 'year' and customer_churn_rate is not null)")
    cells, differing, lines = benchmark_floor.check_files(changed, demo_warehouse.path)
    with duckdb.connect(str(changed), read_only=True) as con:
        customer_columns = len(benchmark_floor.columns(con, "dim_customers"))
    assert differing == 1 + customer_columns + 1
    text = "\n".join(lines)
    assert "revenue: project" in text and "customer_churn_rate: project" in text
    assert "dim_customers" in text and "extra row" in text
    assert benchmark_floor.main(["check", "--floor", str(changed), "--marts", str(demo_warehouse.path)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"floor check: {cells} cells compared, {differing} differ"
