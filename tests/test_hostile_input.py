"""Hostile and extreme settings: no var runs SQL nobody wrote, and no exchange
rate is rounded away. Each case ran SQL from a var, published a wrong amount
or failed at run time before the change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.dbt_harness import Warehouse

RAW = "hostile_raw"
VICTIM = "create table main.victim as select 1 as survivor"


@pytest.mark.parametrize(("name", "value"), [
    ("raw_schema", "x'); drop table main.victim; select ('"),
    ("raw_database", "wh'; drop table main.victim; select ('"),
    ("raw_schema", 'x"; drop table main.victim; --'),
    ("raw_database", 'w"."main"; drop table main.victim; --'),
    ("raw_schema", "x`; drop table main.victim; --"),
    ("raw_schema", "x\\'; drop table main.victim; --"),
    ("raw_schema", "x\n; drop table main.victim; --"),
    ("raw_schema", "o'brien"),
])
def test_a_var_naming_where_raw_tables_are_never_runs_sql(warehouse: Warehouse, name, value):
    """raw_schema and raw_database were pasted into a string literal that
    run_query executed, so a var could drop a table. A name that could end a
    literal or a quoted identifier is refused before any query, naming the var."""
    warehouse.load_raw(RAW, "orders", [])
    with __import__("duckdb").connect(str(warehouse.path)) as con:
        con.execute(VICTIM)
    run = warehouse.dbt("run", "--select", "base_shop__orders", vars={name: value})
    assert not run.success
    assert f"var {name} is" in run.text and "may not hold" in run.text, run.text
    assert warehouse.query("select survivor from main.victim") == [(1,)]


ORDER_AMOUNTS = [
    # (order_id, currency, amount): the rate of each currency is in RATES
    ("vnd_million", "VND", Decimal("1000000.00")),
    ("vnd_largest", "VND", Decimal("999999999999999.99")),
    ("idr", "IDR", Decimal("123456789.12")),
    ("irr", "IRR", Decimal("987654321098.76")),
    ("lak", "LAK", Decimal("15000000.00")),
    ("xts", "XTS", Decimal("1000000.00")),
    ("gold", "XAU", Decimal("999999999999999.99")),
    ("usd", "USD", Decimal("10.01")),
]
RATES = {"VND": 0.0000393, "IDR": "6.1e-05", "IRR": 2.38095238095238e-05, "LAK": 0.0000457,
         "XTS": "4e-07", "XAU": 2650.123456789012}


def exact(amount: Decimal, rate) -> Decimal:
    """amount x rate to six decimals, half away from zero, from the rate as written."""
    product = amount * Decimal(str(rate))
    return product.quantize(Decimal("0.000001"), rounding="ROUND_HALF_UP")


def test_exchange_rates_keep_their_precision_to_the_cent(warehouse: Warehouse):
    """Rates were cast to six decimals: 1,000,000 VND at 0.0000393 gave 39.00
    instead of 39.30 and 0.0000004 gave 0. Every conversion is now amount x the
    rate as written, rounded once, for the largest amounts the docs accept."""
    warehouse.load_raw(RAW, "orders", [
        (order_id, f"c_{order_id}", datetime(2024, 1, 5, 10), "completed", amount, currency, None)
        for order_id, currency, amount in ORDER_AMOUNTS
    ], columns=[("order_id", "varchar"), ("customer_id", "varchar"), ("ordered_at", "timestamp"),
                ("status", "varchar"), ("amount", "decimal(38,6)"), ("currency", "varchar"),
                ("refunded_amount", "decimal(38,6)")])
    run = warehouse.dbt("run", "--select", "+stg_shop__orders",
                        vars={"raw_schema": RAW, "exchange_rates": RATES})
    assert run.success, run.text
    published = dict(warehouse.query("select order_id, amount from main_staging.stg_shop__orders"))
    rates = {**RATES, "USD": 1}
    expected = {order_id: exact(amount, rates[currency]) for order_id, currency, amount in ORDER_AMOUNTS}
    assert published == expected
    assert published["vnd_million"] == Decimal("39.3") and published["xts"] == Decimal("0.4")


@pytest.mark.parametrize(("rate", "expected"), [
    (1.0e+33, "below 10^12"),
    (-1, "above zero"),
    (0, "above zero"),
    ("high", "the text 'high', which is not a number"),
    (0.123456789012345678901, None),
    ("0.123456789012345678901", "at most 17 significant digits"),
    ("1e-27", "26 decimals"),
])
def test_a_rate_out_of_bounds_fails_at_compile_time_naming_the_var(warehouse: Warehouse, rate, expected):
    """1.0e+33 passed the check and failed base_shop__orders at run time with
    'Could not cast value ... to DECIMAL(38,6)' and 116 nodes skipped."""
    warehouse.load_raw(RAW, "orders", [])
    run = warehouse.dbt("compile", "--select", "base_shop__orders", "stg_shop__orders",
                        vars={"raw_schema": RAW, "exchange_rates": {"EUR": rate}})
    if expected is None:  # a float's 17 significant digits are kept, never refused
        assert run.success, run.text
        return
    assert not run.success
    assert "var exchange_rates gives EUR" in run.text and expected in run.text, run.text


CENTS = [("bigint", 1050), ("bigint", 3050), ("bigint", None)]
DOLLARS = [("decimal(18,2)", Decimal("10.50")), ("decimal(18,2)", Decimal("30.50")), ("decimal(18,2)", None)]


def orders_with_amounts(warehouse: Warehouse, amounts) -> None:
    """Three orders whose amount column has the type and values given."""
    amount_type = amounts[0][0]
    warehouse.load_raw(RAW, "orders", [
        (f"o{i}", f"c{i}", datetime(2024, 1, 5 + i, 10), "completed", amount if amount is not None else 5, "USD", None)
        for i, (_, amount) in enumerate(amounts)
    ], columns=[("order_id", "varchar"), ("customer_id", "varchar"), ("ordered_at", "timestamp"),
                ("status", "varchar"), ("amount", amount_type), ("currency", "varchar"),
                ("refunded_amount", amount_type)])


def test_a_column_recreated_in_another_type_is_read_again(tmp_path):
    """A feed that sent amounts as integer cents fixes them by recreating the
    column as decimal dollars: BIGINT 1050 and DECIMAL 10.50 hash alike in
    DuckDB, so the scheduled run kept 1050 where a full build gives 10.50."""
    incremental = Warehouse(tmp_path / "incremental")
    incremental.workdir.mkdir()
    variables = {"raw_schema": RAW}
    select = ("run", "--select", "+stg_shop__orders")
    orders_with_amounts(incremental, CENTS)
    assert incremental.dbt(*select, vars=variables).success
    orders_with_amounts(incremental, DOLLARS)
    run = incremental.dbt(*select, vars=variables)
    assert run.success, run.text
    full = Warehouse(tmp_path / "full")
    full.workdir.mkdir()
    orders_with_amounts(full, DOLLARS)
    assert full.dbt(*select, vars=variables).success
    query = "select order_id, amount from main_staging.stg_shop__orders order by 1"
    assert incremental.query(query) == full.query(query) == [
        ("o0", Decimal("10.5")), ("o1", Decimal("30.5")), ("o2", Decimal("5"))]
