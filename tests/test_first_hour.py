"""The first hour on your own data, as a new user meets it: dbt run as a
subprocess from a copy of the project, with vars set in dbt_project.yml or
with --vars, against a throwaway DuckDB file that already holds the user's own
raw tables.

- No setting makes the demo seeds write a user's table: they load only into
  retention_demo, and only while no raw_schema or raw_database is set.
- A source that is mostly unusable stops the run with the counts; a missing
  table or column stops it before any model runs.
- The warehouse file is the project's wherever dbt is run from.
- scripts/tasks.sh build takes the user's vars through build, docs and report, and
  answers an unreadable --vars with the project's message."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.dbt_harness import ROOT

DBT = str(Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv") / "bin" / "dbt")
ORDERS = 1000


SKIPPED_FOLDERS = ("tests/", "benchmarks/", "examples/")


def project_files() -> list[str]:
    """What a clone of the project holds: the files git tracks plus new ones it
    does not ignore, so that the virtual environments, warehouses and build
    output in the working tree (the engine and orchestrator venvs are over a
    gigabyte) are never copied."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout.decode()
    return [name for name in listed.split("\0")
            if name and not name.startswith(SKIPPED_FOLDERS) and (ROOT / name).is_file()]


def copy_project(destination: Path, project_vars: dict | None = None) -> Path:
    """The project's files (not its warehouse, venvs or build output), with
    `project_vars` written into dbt_project.yml's vars: as a user would."""
    for name in project_files():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination / name)
    if project_vars:
        path = destination / "dbt_project.yml"
        project = yaml.safe_load(path.read_text())
        project["vars"].update(project_vars)
        path.write_text(yaml.safe_dump(project, sort_keys=False))
    return destination


def environment(warehouse: Path, work: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DBT_", "RETENTION_"))}
    env.update(RETENTION_DUCKDB_PATH=str(warehouse), DBT_TARGET_PATH=str(work / "target"),
               DBT_LOG_PATH=str(work / "logs"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return env


def dbt(project: Path, env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([DBT, *args, "--project-dir", str(project), "--profiles-dir", str(project)],
                          cwd=cwd or project, env=env, capture_output=True, text=True, timeout=600)


def load_user_orders(warehouse: Path, schema: str, currency: str | None = "with", rows: int = ORDERS) -> None:
    """The user's own orders: `rows` orders of 40 customers over three months,
    with a currency column of USD (with), of nulls (nulls) or none (None)."""
    currency_column = {"with": ", 'USD' as currency", "nulls": ", cast(null as varchar) as currency", None: ""}
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"""
            create or replace table {schema}.orders as
            select 'u' || i as order_id, 'cust' || (i % 40) as customer_id,
                timestamp '2024-01-01' + to_hours(cast(i * 2 as bigint)) as ordered_at,
                'completed' as status, cast(20 + i % 7 as decimal(18, 2)) as amount
                {currency_column[currency]},
                cast(null as decimal(18, 2)) as refunded_amount
            from range({rows}) as t(i)""")


def fingerprint(warehouse: Path, schema: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select count(*), sum(amount), min(order_id), max(order_id) from {schema}.orders").fetchone()


def schemas(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {row[0] for row in con.execute("select distinct table_schema from information_schema.tables").fetchall()}


def counted_orders(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select sum(orders) from main.fct_order_metrics where period_grain = 'month'").fetchone()[0]


# Loads every seed that is enabled, and builds the marts from the raw tables.
SEEDS_AND_MARTS = ("build", "--select", "resource_type:seed", "+fct_order_metrics",
                   "--exclude", "resource_type:unit_test", "resource_type:test")


@pytest.mark.parametrize(("where", "settings", "schema"), [
    ("dbt_project.yml", {"load_demo_data": False}, "raw"),
    ("dbt_project.yml", {"raw_schema": "raw"}, "raw"),
    ("dbt_project.yml", {"raw_schema": "raw", "load_demo_data": False}, "raw"),
    ("dbt_project.yml", {"raw_schema": "shop_raw"}, "shop_raw"),
    ("--vars", {"load_demo_data": False}, "raw"),
    ("--vars", {"raw_schema": "raw"}, "raw"),
    ("--vars", {"load_demo_data": "false", "raw_schema": "shop_raw"}, "shop_raw"),
])
def test_the_demo_never_writes_a_users_raw_tables(tmp_path, where, settings, schema):
    """However the vars are set, a build on the user's own tables loads no
    demo seed anywhere and its marts hold the user's orders."""
    project = copy_project(tmp_path / "project", settings if where == "dbt_project.yml" else None)
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, schema)
    before = fingerprint(warehouse, schema)
    cli_vars = ["--vars", yaml.safe_dump(settings, default_flow_style=True).strip()] if where == "--vars" else []
    run = dbt(project, environment(warehouse, tmp_path), *SEEDS_AND_MARTS, *cli_vars)
    assert run.returncode == 0, run.stdout[-3000:]
    assert fingerprint(warehouse, schema) == before, "the user's orders were overwritten"
    assert schemas(warehouse) <= {schema, "main", "main_staging", "main_intermediate"}, "demo seeds were loaded"
    assert counted_orders(warehouse) == ORDERS


def test_without_settings_the_demo_loads_into_its_own_schema_only(tmp_path):
    """With no vars the demo builds, from retention_demo, and a schema named raw
    that holds the user's orders is not touched."""
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "raw")
    before = fingerprint(warehouse, "raw")
    run = dbt(project, environment(warehouse, tmp_path), *SEEDS_AND_MARTS)
    assert run.returncode == 0, run.stdout[-3000:]
    assert fingerprint(warehouse, "raw") == before
    assert counted_orders(warehouse) != ORDERS
    with duckdb.connect(str(warehouse), read_only=True) as con:
        demo_orders = con.execute("select count(*) from retention_demo.orders").fetchone()[0]
    assert demo_orders > ORDERS


@pytest.mark.parametrize("settings", [
    {"load_demo_data": True, "raw_schema": "raw"},
    {"raw_schema": "retention_demo", "load_demo_data": False},
])
def test_asking_for_the_demo_and_your_tables_at_once_is_refused(tmp_path, settings):
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "raw")
    before = fingerprint(warehouse, "raw")
    run = dbt(project, environment(warehouse, tmp_path), *SEEDS_AND_MARTS,
              "--vars", yaml.safe_dump(settings, default_flow_style=True).strip())
    assert run.returncode != 0
    assert "var raw_schema" in run.stdout or "var load_demo_data" in run.stdout, run.stdout[-3000:]
    assert fingerprint(warehouse, "raw") == before


def test_a_source_with_no_usable_row_stops_the_run_with_the_counts(tmp_path):
    """The README's old advice (add currency as nulls) rejected every order and
    built green, empty marts: now the run stops at the orders' staging model,
    before any mart, with the counts per reason and what to do."""
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "shop_raw", currency="nulls")
    run = dbt(project, environment(warehouse, tmp_path), "build", "--vars", "{raw_schema: shop_raw}")
    assert run.returncode != 0
    assert "Source orders: 1,000 of 1,000 distinct raw rows cannot be used (missing currency: 1,000)" in run.stdout
    assert "drop it from the table" in run.stdout and "max_rejected_share" in run.stdout
    assert "fct_order_metrics" not in {t for (t,) in duckdb.connect(str(warehouse), read_only=True).execute(
        "select table_name from information_schema.tables").fetchall()}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from main.rejected_rows").fetchone()[0] == ORDERS


def test_below_the_threshold_rejected_rows_warn_and_the_build_passes(tmp_path):
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "shop_raw")
    with duckdb.connect(str(warehouse)) as con:  # 40 % unusable
        con.execute("update shop_raw.orders set currency = null where cast(substr(order_id, 2) as int) % 5 < 2")
    run = dbt(project, environment(warehouse, tmp_path), *SEEDS_AND_MARTS, "--vars", "{raw_schema: shop_raw}")
    assert run.returncode == 0, run.stdout[-3000:]
    stopped = dbt(project, environment(warehouse, tmp_path), *SEEDS_AND_MARTS,
                  "--vars", "{raw_schema: shop_raw, max_rejected_share: 0.3}")
    assert stopped.returncode != 0 and "400 of 1,000" in stopped.stdout


def test_a_feed_without_a_currency_column_is_in_the_reporting_currency(tmp_path):
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "shop_raw", currency=None)
    run = dbt(project, environment(warehouse, tmp_path), *SEEDS_AND_MARTS, "--vars", "{raw_schema: shop_raw}")
    assert run.returncode == 0, run.stdout[-3000:]
    assert counted_orders(warehouse) == ORDERS
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select distinct currency from main_staging.stg_shop__orders").fetchall() == [("USD",)]


@pytest.mark.parametrize(("drop", "expected"), [
    ("ordered_at", "has no column 'ordered_at', which every row needs"),
    (None, "The required raw table"),
])
def test_a_missing_table_or_column_fails_before_any_model_runs(tmp_path, drop, expected):
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "shop_raw")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"alter table shop_raw.orders drop column {drop}" if drop else "drop table shop_raw.orders")
    run = dbt(project, environment(warehouse, tmp_path), "build", "--vars", "{raw_schema: shop_raw}")
    assert run.returncode != 0
    assert expected in run.stdout and "on-run-start" in run.stdout, run.stdout[-3000:]
    assert not [s for s in schemas(warehouse) if s.startswith("main")], "a model ran"
    assert run.stdout.count("SKIP") == 0


def test_the_warehouse_is_the_projects_from_any_folder(tmp_path):
    """After sourcing setup.sh, dbt run from another folder opens the project's
    warehouse file (here a relative RETENTION_DUCKDB_PATH under target/) and
    leaves no stray file where it was run."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    relative = Path("target") / f"first_hour_{uuid.uuid4().hex}" / "w.duckdb"
    script = (f'source "{ROOT}/scripts/setup.sh" >/dev/null && cd "{elsewhere}" && '
              f'RETENTION_DUCKDB_PATH="{relative}" dbt show --inline "select 42 as answer" --quiet '
              f'--target-path "{tmp_path}/target" --log-path "{tmp_path}/logs"')
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DBT_", "RETENTION_"))}
    (ROOT / relative).parent.mkdir(parents=True)
    try:
        run = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "42" in run.stdout
        assert (ROOT / relative).is_file()
        assert list(elsewhere.iterdir()) == []
    finally:
        shutil.rmtree((ROOT / relative).parent, ignore_errors=True)


def test_the_build_task_answers_an_impossible_unquoted_date_with_the_projects_message(tmp_path):
    env = environment(tmp_path / "w.duckdb", tmp_path)
    run = subprocess.run(["bash", str(ROOT / "scripts" / "tasks.sh"), "build", "--vars", "{as_of_date: 2024-02-30}"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 2
    output = run.stdout + run.stderr
    assert "var as_of_date must be a date written YYYY-MM-DD, a day the calendar has; got '2024-02-30'" in output
    assert "Traceback" not in output and "dbt build" not in output
    assert not (tmp_path / "w.duckdb").exists()


def test_an_unquoted_real_date_is_read_like_a_quoted_one(tmp_path):
    """YAML reads {as_of_date: 2024-02-29} as a date, not text: the vars that
    hold dates accept it (and still refuse a day the calendar does not have)."""
    project = copy_project(tmp_path / "project", {"as_of_date": "2024-03-31"})
    text = (project / "dbt_project.yml").read_text().replace("as_of_date: '2024-03-31'", "as_of_date: 2024-03-31")
    (project / "dbt_project.yml").write_text(text)
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "shop_raw")
    env = environment(warehouse, tmp_path)
    run = dbt(project, env, "run", "--select", "+int_reporting_window", "+int_clv_rfm_summary",
              "--vars", "{raw_schema: shop_raw, clv_calibration_end: 2024-02-29}")
    assert run.returncode == 0, run.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert str(con.execute("select max(as_of_date) from main_intermediate.int_reporting_window").fetchone()[0]) == "2024-03-31"


def test_the_build_task_takes_your_vars_through_build_docs_and_report(tmp_path):
    """One command on your own data: build, docs and report all see the vars,
    and the report is written from the warehouse that was built."""
    warehouse = tmp_path / "warehouse.duckdb"
    load_user_orders(warehouse, "shop_raw")
    env = environment(warehouse, tmp_path)
    run = subprocess.run(["bash", str(ROOT / "scripts" / "tasks.sh"), "build", "--vars", "{raw_schema: shop_raw}",
                          "--exclude", "path:models/marts/clv"],
                         env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    assert (tmp_path / "target" / "catalog.json").is_file(), "docs were not generated"
    assert (tmp_path / "warehouse_report.html").is_file(), run.stdout[-2000:]
    assert counted_orders(warehouse) == ORDERS


def test_the_copied_project_is_the_clone_not_the_working_tree():
    """Every test here copies the project: a copy that took the working tree's
    engine and orchestrator venvs (1.6 GB each time) filled CI's disk."""
    names = project_files()
    assert "dbt_project.yml" in names and "models/marts/fct_customer_retention.sql" in names
    assert not [name for name in names if name.startswith((".venv", "target/", "logs/", ".git/"))]
    assert not [name for name in names if name.endswith((".duckdb", ".duckdb.wal"))]
    size = sum((ROOT / name).stat().st_size for name in names)
    assert size < 50_000_000, f"the copied project is {size:,} bytes"
