"""Your own raw tables in a DuckDB file of your own, built with the commands
docs/your_data.md and the README give, run as a user runs them: `bash
scripts/tasks.sh build` and the venv's `dbt` in subprocesses, from the checkout.

A separate DuckDB file (the "shop's" file) holds raw orders and subscriptions
in its schema main, shaped as many single-currency shops have them: no
currency, refunded_amount, plan_id or quantity column. profiles.yml attaches it
read-only when RETENTION_RAW_DUCKDB_PATH names it, and the vars point the
sources at it:

    RETENTION_RAW_DUCKDB_PATH=shop.duckdb bash scripts/tasks.sh build --vars '{raw_database: raw_db, raw_schema: main}'

then, after a day of orders lands in the shop's file, the scheduled run:

    dbt build --selector scheduled --vars '{raw_database: raw_db, raw_schema: main}'

The warehouse, dbt's target and log folders and the report go to a throwaway
folder (RETENTION_DUCKDB_PATH, DBT_TARGET_PATH, DBT_LOG_PATH). Both runs are the
documented commands unchanged, CLV fits included (on this little data they
are quick, and warn that they cannot predict for everyone); about a minute.

The PostgreSQL route (`--target postgres` with the RETENTION_PG_* variables)
runs the same two commands on a throwaway server, started as
lab/retention_lab/engines.py starts it, when the project's venv has the adapter
(`.venv/bin/pip install -r requirements-postgres.txt`, as docs/your_data.md
says) and a PostgreSQL server is installed; otherwise it is skipped."""

from __future__ import annotations

import glob
import hashlib
import os
import subprocess
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
VARS = "{raw_database: raw_db, raw_schema: main}"

ORDERS = [
    # order_id, customer_id, ordered_at, status (as a shop writes it), amount
    ("o1", "c1", "2024-01-05 10:00:00", "completed", "100.00"),
    ("o2", "c2", "2024-01-20 11:00:00", "completed", "80.00"),
    ("o3", "c1", "2024-02-10 09:30:00", "completed", "50.00"),
    ("o4", "c3", "2024-02-03 12:00:00", "Completed ", "30.00"),
    ("o5", "c4", "2024-03-01 08:00:00", "pending", "45.00"),
    ("o6", "c3", "2024-03-10 16:00:00", "completed", "25.00"),
]
SUBSCRIPTIONS = [
    # subscription_id, customer_id, started_at, ended_at, billing_interval, amount
    ("s1", "c1", "2024-01-01 00:00:00", None, "month", "20.00"),
    ("s2", "c2", "2024-01-15 00:00:00", "2024-03-01 00:00:00", "year", "120.00"),
]
# The next day: a new customer's first order and subscription, and a returning customer.
NEXT_DAY_ORDERS = [
    ("o7", "c5", "2024-03-11 09:00:00", "completed", "70.00"),
    ("o8", "c2", "2024-03-11 15:00:00", "completed", "40.00"),
]
NEXT_DAY_SUBSCRIPTIONS = [("s3", "c5", "2024-03-11 09:05:00", None, "month", "15.00")]


def write_shop_file(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create table main.orders (order_id varchar, customer_id varchar, ordered_at timestamp,"
                    " status varchar, amount decimal(12, 2))")
        con.execute("create table main.subscriptions (subscription_id varchar, customer_id varchar,"
                    " started_at timestamp, ended_at timestamp, billing_interval varchar, amount decimal(12, 2))")
        add_rows(con, ORDERS, SUBSCRIPTIONS)


def add_rows(con, orders, subscriptions) -> None:
    con.executemany("insert into main.orders values (?, ?, ?, ?, ?)", orders)
    con.executemany("insert into main.subscriptions values (?, ?, ?, ?, ?, ?)", subscriptions)


def expected_order_months(orders) -> dict[str, tuple[int, Decimal]]:
    """{month: (orders, revenue)} of the completed orders, worked out here."""
    months: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    for _, _, ordered_at, status, amount in orders:
        if status.strip().lower() == "completed":
            months[ordered_at[:7]][0] += 1
            months[ordered_at[:7]][1] += Decimal(amount)
    return {month: (count, revenue) for month, (count, revenue) in months.items()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Setup:
    def __init__(self, folder: Path):
        self.folder = folder
        self.shop = folder / "shop.duckdb"
        self.warehouse = folder / "warehouse.duckdb"
        # a user's shell: none of the project's settings but these (scripts/setup.sh sets the rest)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RETENTION_", "DBT_"))}
        self.env = {**env, "RETENTION_RAW_DUCKDB_PATH": str(self.shop), "RETENTION_DUCKDB_PATH": str(self.warehouse),
                    "DBT_TARGET_PATH": str(folder / "target"), "DBT_LOG_PATH": str(folder / "logs")}

    def run(self, command: str) -> subprocess.CompletedProcess:
        # from a folder of its own, as a user's shell would be: the scripts and
        # profiles.yml find the project and the files wherever it runs
        result = subprocess.run(["bash", "-c", command], cwd=self.folder, env=self.env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        return result

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def order_months(self) -> dict[str, tuple[int, Decimal]]:
        rows = self.query("select strftime(period_start, '%Y-%m'), orders, revenue from main.fct_order_metrics"
                          " where period_grain = 'month' and orders > 0")
        return {month: (count, revenue) for month, count, revenue in rows}

    def mrr_at_end(self, month: str) -> Decimal:
        [(mrr,)] = self.query("select mrr_at_end from main.fct_revenue_retention where period_grain = 'month'"
                              f" and period_start = date '{month}-01'")
        return mrr


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    setup = Setup(tmp_path_factory.mktemp("your_data"))
    write_shop_file(setup.shop)
    before = digest(setup.shop), setup.shop.stat().st_mtime_ns
    setup.build = setup.run(f"bash {ROOT}/scripts/tasks.sh build --vars '{VARS}'")
    setup.shop_before = before
    return setup


def test_the_build_task_builds_documents_and_reports_on_an_attached_duckdb_file(built):
    assert built.order_months() == expected_order_months(ORDERS)
    assert {row[0] for row in built.query("select customer_id from main.dim_customers")} == {"c1", "c2", "c3", "c4"}
    # MRR: s1 20 a month, s2 120 a year (10 a month) until 2024-03-01
    assert built.mrr_at_end("2024-02") == Decimal(30)
    assert built.mrr_at_end("2024-03") == Decimal(20)
    assert built.query("select count(*) from main.rejected_rows") == [(0,)]
    # the demo seeds were never written: the warehouse holds the project's own schemas only
    schemas = {row[0] for row in built.query("select distinct table_schema from information_schema.tables")}
    assert "retention_demo" not in schemas and all(schema.startswith("main") for schema in schemas), schemas
    # attached read-only: the shop's file is exactly as it was
    assert (digest(built.shop), built.shop.stat().st_mtime_ns) == built.shop_before
    # documented and reported on the same data
    assert (built.folder / "warehouse_report.html").stat().st_size > 0
    assert '"raw_db"' in (built.folder / "target" / "catalog.json").read_text()


def test_the_scheduled_run_takes_in_the_next_day(built):
    with duckdb.connect(str(built.shop)) as con:
        add_rows(con, NEXT_DAY_ORDERS, NEXT_DAY_SUBSCRIPTIONS)
    shop_after_the_day = digest(built.shop)

    built.run(f"source {ROOT}/scripts/setup.sh && dbt build --selector scheduled --vars '{VARS}'")

    assert built.order_months() == expected_order_months(ORDERS + NEXT_DAY_ORDERS)
    [(first_order_at,)] = built.query("select first_order_at from main.dim_customers where customer_id = 'c5'")
    assert str(first_order_at) == "2024-03-11 09:00:00"
    assert built.mrr_at_end("2024-03") == Decimal(35)
    assert built.query("select max(period_end) from main.fct_order_metrics where period_grain = 'month'")[0][0] \
        .isoformat() == "2024-03-31"
    assert digest(built.shop) == shop_after_the_day


# -- PostgreSQL ---------------------------------------------------------------

PG_VARS = "{raw_schema: shop_raw}"


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    pytest.importorskip("dbt.adapters.postgres", reason="dbt-postgres is not in the project's venv:"
                        " .venv/bin/pip install -r requirements-postgres.txt")
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("no PostgreSQL server installed (scripts/tasks.sh engines installs Debian's)")
    import psycopg2

    from retention_lab.engines import postgres_server

    folder = tmp_path_factory.mktemp("your_data_postgres")
    with postgres_server(folder) as port:
        @contextmanager
        def connect():
            """A cursor; the transaction is committed when the block ends."""
            con = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="retention")
            try:
                with con, con.cursor() as cursor:
                    yield cursor
            finally:
                con.close()

        with connect() as cursor:
            cursor.execute("create schema shop_raw")
            cursor.execute("create table shop_raw.orders (order_id text, customer_id text, ordered_at timestamp,"
                           " status text, amount numeric(12, 2))")
            cursor.execute("create table shop_raw.subscriptions (subscription_id text, customer_id text,"
                           " started_at timestamp, ended_at timestamp, billing_interval text, amount numeric(12, 2))")
            cursor.executemany("insert into shop_raw.orders values (%s, %s, %s, %s, %s)", ORDERS)
            cursor.executemany("insert into shop_raw.subscriptions values (%s, %s, %s, %s, %s, %s)", SUBSCRIPTIONS)
        setup = Setup(folder)
        setup.env.update(RETENTION_PG_HOST="127.0.0.1", RETENTION_PG_PORT=str(port), RETENTION_PG_USER="postgres",
                         RETENTION_PG_PASSWORD="", RETENTION_PG_DATABASE="retention")
        del setup.env["RETENTION_RAW_DUCKDB_PATH"]
        setup.connect = connect
        yield setup


def postgres_order_months(setup) -> dict[str, tuple[int, Decimal]]:
    with setup.connect() as cursor:
        cursor.execute("select to_char(period_start, 'YYYY-MM'), orders, revenue from main.fct_order_metrics"
                       " where period_grain = 'month' and orders > 0")
        return {month: (count, revenue) for month, count, revenue in cursor.fetchall()}


def test_postgres_build_and_scheduled_run_on_your_schema(postgres):
    run = postgres.run(f"bash {ROOT}/scripts/tasks.sh build --target postgres --vars '{PG_VARS}'")
    assert "HTML report reads DuckDB targets only" in run.stdout
    assert postgres_order_months(postgres) == expected_order_months(ORDERS)
    with postgres.connect() as cursor:
        cursor.execute("select nspname from pg_namespace where nspname = 'retention_demo'")
        assert cursor.fetchall() == []  # the demo seeds were never written
        cursor.executemany("insert into shop_raw.orders values (%s, %s, %s, %s, %s)", NEXT_DAY_ORDERS)

    postgres.run(f"source {ROOT}/scripts/setup.sh && dbt build --target postgres --selector scheduled"
                 f" --vars '{PG_VARS}'")
    assert postgres_order_months(postgres) == expected_order_months(ORDERS + NEXT_DAY_ORDERS)
