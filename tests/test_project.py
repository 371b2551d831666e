"""The project end to end: the demo build, pointing it at other raw tables,
absent optional sources, and configuration mistakes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from retention_lab.compare import CONTRACT_MARTS
from tests.dbt_harness import ROOT

MARTS = CONTRACT_MARTS
BUILD_MODELS = ("build", "--exclude", "resource_type:unit_test", "tag:formula_check")


def test_demo_build_publishes_every_mart_for_every_grain_and_basis(demo_warehouse):
    for grain in ("month", "quarter", "year"):
        bases = demo_warehouse.query(
            "select distinct basis from main.fct_customer_retention where period_grain = ?", [grain])
        assert {b for (b,) in bases} == {"orders", "subscriptions"}
        for mart in ("fct_revenue_retention", "fct_order_metrics"):
            (count,) = demo_warehouse.query(f"select count(*) from main.{mart} where period_grain = ?", [grain])[0]
            assert count > 0, (mart, grain)
    months = demo_warehouse.query(
        "select period_start from main.fct_order_metrics where period_grain = 'month' order by 1")
    assert months[0][0].isoformat() == "2023-01-01" and len(months) == 24, "spine from first activity, no holes"
    (customers,) = demo_warehouse.query("select count(*) from main.dim_customers")[0]
    assert customers > 300


def test_demo_rejects_each_planted_unusable_row_with_a_reason(demo_warehouse):
    reasons = demo_warehouse.query(
        "select source_table, reason from main.rejected_rows order by 1, 2")
    assert reasons == [  # the 39 unusable rows lab/retention_lab/generate_demo_data.py plants
        ("acquisition_costs", "negative spend"),
        ("email_events", "event before its send"),
        ("email_events", "missing event_type"),
        ("email_events", "missing occurred_at"),
        ("email_events", "missing send_id"),
        ("email_events", "occurred_at out of range"),
        ("email_events", "send_id without a send"),
        ("email_events", "send_id without a send"),
        ("email_events", "unknown event_type"),
        ("email_sends", "missing customer_id"),
        ("email_sends", "missing send_id"),
        ("email_sends", "missing sent_at"),
        ("email_sends", "send_id on rows with different values"),
        ("email_sends", "send_id on rows with different values"),
        ("email_sends", "sent_at out of range"),
        ("events", "event_id on rows with different values"),
        ("events", "event_id on rows with different values"),
        ("events", "missing event_name"),
        ("events", "missing occurred_at"),
        ("events", "missing user_id"),
        ("events", "occurred_at out of range"),
        ("nps_responses", "missing responded_at"),
        ("nps_responses", "missing response_id"),
        ("nps_responses", "missing score"),
        ("nps_responses", "responded_at out of range"),
        ("nps_responses", "response_id on rows with different values"),
        ("nps_responses", "response_id on rows with different values"),
        ("nps_responses", "score not a whole number from 0 to 10"),
        ("nps_responses", "score not a whole number from 0 to 10"),
        ("orders", "currency without exchange rate"),
        ("orders", "missing customer_id"),
        ("orders", "missing ordered_at"),
        ("orders", "negative amount"),
        ("orders", "refunded_amount exceeds amount"),
        ("orders", "unknown status"),
        ("subscriptions", "ended_at not after started_at"),
        ("subscriptions", "missing customer_id"),
        ("subscriptions", "negative amount"),
        ("subscriptions", "unknown billing_interval"),
    ]


def test_no_email_address_is_published(demo_warehouse):
    for schema_table in demo_warehouse.relations():
        schema, table = schema_table.split(".")
        if schema == "retention_demo":  # the raw demo tables
            continue
        columns = demo_warehouse.query(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, table])
        assert "email" not in {c for (c,) in columns}, schema_table


ORDERS = [
    ("a1", "alice", datetime(2024, 1, 5, 10), "Completed", Decimal("100.00"), "USD", None),
    ("a2", "alice", datetime(2024, 2, 1, 0), " completed ", Decimal("50.00"), "usd", Decimal("10.00")),
    ("b1", "bob", datetime(2024, 1, 20, 9), "COMPLETED", Decimal("30.00"), "USD", None),
    ("b1", "bob", datetime(2024, 1, 20, 9), "COMPLETED", Decimal("30.00"), "USD", None),
    ("b2", "bob", datetime(2024, 2, 10, 9), "refunded", Decimal("30.00"), "USD", Decimal("30.00")),
    ("x1", None, datetime(2024, 2, 10, 9), "completed", Decimal("5.00"), "USD", None),
]
SUBSCRIPTIONS = [
    ("s1", "carol", "pro", datetime(2024, 1, 1), datetime(2024, 2, 1), "month", Decimal("10.00"), None, "USD"),
    ("s1", "carol", "pro", datetime(2024, 2, 1), None, "month", Decimal("20.00"), 2, "USD"),
]


def test_raw_schema_var_builds_the_marts_from_other_tables(warehouse):
    warehouse.load_raw("acme_raw", "orders", ORDERS)
    warehouse.load_raw("acme_raw", "subscriptions", SUBSCRIPTIONS)
    run = warehouse.dbt(*BUILD_MODELS, vars={"raw_schema": "acme_raw"})
    assert run.success, run.text
    assert not any(r.startswith("retention_demo.") for r in warehouse.relations()), "demo seeds must not load"
    metrics = warehouse.query(
        "select period_start, orders, ordering_customers, revenue, returning_customers "
        "from main.fct_order_metrics where period_grain = 'month' order by period_start")
    assert [(str(p), o, c, float(r), ret) for p, o, c, r, ret in metrics] == [
        ("2024-01-01", 2, 2, 130.0, 0),
        ("2024-02-01", 1, 1, 40.0, 1),
    ]
    revenue = warehouse.query(
        "select period_start, mrr_at_start, mrr_at_end, new_mrr, expansion_mrr "
        "from main.fct_revenue_retention where period_grain = 'month' order by period_start")
    assert [(str(p), float(a), float(b), float(n), float(e)) for p, a, b, n, e in revenue] == [
        ("2024-01-01", 0.0, 10.0, 10.0, 0.0),
        ("2024-02-01", 10.0, 40.0, 0.0, 30.0),
    ]
    (rejected,) = warehouse.query("select count(*) from main.rejected_rows")[0]
    assert rejected == 1


def test_absent_optional_sources_give_empty_marts_not_errors(warehouse):
    warehouse.load_raw("shop_only", "orders", ORDERS)
    run = warehouse.dbt(*BUILD_MODELS, vars={"raw_schema": "shop_only"})
    assert run.success, run.text
    assert warehouse.query("select count(*) from main.fct_revenue_retention") == [(0,)]
    bases = warehouse.query("select distinct basis from main.fct_customer_retention")
    assert bases == [("orders",)]
    assert warehouse.query("select count(*) from main.dim_customers") == [(2,)]


def test_empty_optional_sources_give_empty_marts(warehouse):
    warehouse.load_raw("sparse", "orders", ORDERS)
    warehouse.load_raw("sparse", "subscriptions", [])
    warehouse.load_raw("sparse", "customers", [])
    run = warehouse.dbt(*BUILD_MODELS, vars={"raw_schema": "sparse"})
    assert run.success, run.text
    assert warehouse.query("select count(*) from main.fct_revenue_retention") == [(0,)]


def test_missing_orders_table_fails_and_says_what_to_set(warehouse):
    warehouse.load_raw("nothing_here", "subscriptions", SUBSCRIPTIONS)
    run = warehouse.dbt("run", "--select", "base_shop__orders", vars={"raw_schema": "nothing_here"})
    assert not run.success
    assert "does not exist" in run.text and "raw_schema" in run.text


@pytest.mark.parametrize(
    ("vars", "expected"),
    [
        ({"period_grains": ["month", "week"]}, "var period_grains has 'week'"),
        ({"exchange_rates": {"EUR": -1}}, "rates must be numbers above zero"),
        ({"as_of_date": "yesterday"}, "var as_of_date must be a date written YYYY-MM-DD"),
        ({"orders_activity_window_days": 0}, "var orders_activity_window_days must be a whole number"),
        ({"reporting_timezone": "Mars/Olympus"}, "is not an IANA time zone name"),
        ({"reporting_currency": "DOLLARS"}, "var reporting_currency must be a three-letter"),
    ],
)
def test_configuration_mistakes_fail_with_a_message_naming_the_fix(warehouse, vars, expected):
    warehouse.load_raw("raw_cfg", "orders", ORDERS)
    run = warehouse.dbt("compile", vars={"raw_schema": "raw_cfg", **vars})
    assert not run.success
    assert expected in run.text, run.text


def test_timestamptz_sources_are_read_as_utc(warehouse):
    """Raw timestamps may be timestamptz: an order at 23:30 on 31 January in New York is
    04:30 UTC on 1 February, so it belongs to February (periods are UTC by default)."""
    columns = [("order_id", "varchar"), ("customer_id", "varchar"), ("ordered_at", "timestamptz"),
               ("status", "varchar"), ("amount", "decimal(18,2)"), ("currency", "varchar"),
               ("refunded_amount", "decimal(18,2)")]
    warehouse.load_raw("tz_raw", "orders", [], columns=columns)
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("insert into tz_raw.orders values "
                    "('o1', 'a', timestamptz '2024-01-31 23:30:00-05:00', 'completed', 10, 'USD', null), "
                    "('o2', 'a', timestamptz '2024-01-10 12:00:00+00:00', 'completed', 10, 'USD', null)")
    run = warehouse.dbt(*BUILD_MODELS, vars={"raw_schema": "tz_raw"})
    assert run.success, run.text
    assert warehouse.query(
        "select period_start, orders from main.fct_order_metrics where period_grain = 'month' order by 1"
    ) == [(date(2024, 1, 1), 1), (date(2024, 2, 1), 1)]
    assert warehouse.query("select last_order_at from main.dim_customers") == [(datetime(2024, 2, 1, 4, 30),)]


def test_the_target_schema_holds_what_bi_tools_read(demo_warehouse):
    """A BI user browsing the target's schema sees the marts, rejected_rows and
    the semantic layer's time spine; staging and intermediate models live in
    schemas of their own, the demo's raw tables in retention_demo."""
    layout: dict[str, set[str]] = {}
    for schema_table in demo_warehouse.relations():
        schema, table = schema_table.split(".")
        layout.setdefault(schema, set()).add(table)
    assert {t for t in layout["main"] if not t.startswith(("fct_", "dim_"))} == {
        "rejected_rows", "metricflow_time_spine"}
    assert layout["main_staging"] and all(t.startswith(("stg_", "base_")) for t in layout["main_staging"])
    assert layout["main_intermediate"] and all(t.startswith("int_") for t in layout["main_intermediate"])
    assert set(layout) == {"main", "main_staging", "main_intermediate", "main_formula_checks", "retention_demo"}


def test_the_readme_is_short_and_its_layout_names_every_file_around_the_dbt_project():
    """A newcomer reads the README in minutes (it was 660 lines of design record
    and lab notebook); its layout section names every file of scripts/, of the
    app and of the lab."""
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout"):]
    assert len(readme.splitlines()) <= 200
    files = [p for folder in ("scripts", "app/retention_app", "lab/retention_lab")
             for p in sorted((ROOT / folder).iterdir())
             if p.is_file() and not p.name.startswith((".", "__init__"))]
    unnamed = [str(p.relative_to(ROOT)) for p in files if p.name not in layout and f"{p.stem}." not in layout]
    assert not unnamed, f"README's layout does not name {unnamed}"
