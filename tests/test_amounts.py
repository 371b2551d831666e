"""Amounts judged exactly: the 10^15 bound on amounts and quantities compared
without passing through a double, refunds and signs compared before any
rounding, and MRR bounded so that no sum of accepted rows can overflow the
money type (docs/metrics.md, "Reading raw values")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.dbt_harness import RAW_COLUMNS, TEXT_RAW_COLUMNS

# every row here is a hard case, so most are rejected: the share check must not stop the run
VARS = {"raw_schema": "feed", "load_demo_data": False, "max_rejected_share": 1}
# a build runs the selected models' own data tests (accepted reasons, contracts), not the
# singular ones that read every mart
EXCLUDE = ("--exclude", "resource_type:seed", "resource_type:unit_test", "test_type:singular")
ORDERED_AT = "2024-01-05 10:00:00"
MAX_MONEY = Decimal("99999999999999999999999999999999.999999")  # the largest decimal(38, 6)
MIN_MONEY = Decimal("-99999999999999999999999999999999.999999")  # (-MAX_MONEY rounds to 28 digits)


def order_columns(amount_type: str) -> list[tuple[str, str]]:
    """The orders table with amount and refunded_amount of the given type."""
    return [(name, amount_type if name in ("amount", "refunded_amount") else data_type)
            for name, data_type in TEXT_RAW_COLUMNS["orders"]]


def build_orders(warehouse, rows, columns, *select: str) -> dict[str, str | None]:
    """Loads (order_id, amount, refunded_amount) rows, runs the models, and returns
    {order_id: rejection reason or None}."""
    warehouse.load_raw("feed", "orders", [
        (order_id, f"c-{order_id}", ORDERED_AT, "completed", amount, "USD", refunded)
        for order_id, amount, refunded in rows
    ], columns=columns)
    run = warehouse.dbt("run", "--select", "+rejected_rows", "stg_shop__orders", *select, vars=VARS)
    assert run.success, run.text
    reasons = dict(warehouse.query(
        "select source_key, reason from main.rejected_rows where source_table = 'orders'"))
    accepted = {row[0] for row in warehouse.query("select order_id from main_staging.stg_shop__orders")}
    assert not accepted & set(reasons)
    assert accepted | set(reasons) == {row[0] for row in rows}
    return {order_id: reasons.get(order_id) for order_id, _, _ in rows}


def kept(warehouse) -> dict[str, tuple[Decimal, Decimal]]:
    """{order_id: (amount, refunded_amount)} of the accepted orders, as published."""
    return {order_id: (amount, refunded) for order_id, amount, refunded in warehouse.query(
        "select order_id, amount, refunded_amount from main_staging.stg_shop__orders")}


# -- item 5: the range check compares exactly -------------------------------------------------

# (amount as text, reason, the amount kept when accepted)
TEXT_AMOUNTS = [
    ("999999999999999.99", None, "999999999999999.99"),
    ("999999999999999.999999", None, "999999999999999.999999"),
    (" +999999999999999.999999 ", None, "999999999999999.999999"),
    ("9.9999999999999999e14", None, "999999999999999.99"),
    ("99999999999999999999e-5", None, "999999999999999.99999"),
    (".999999999999999999E15", None, "999999999999999.999"),
    # read exactly (18 decimals), so below 10^15; rounded to 6 decimals only once accepted
    ("999999999999999.999999999999999999", None, "1000000000000000"),
    ("0e40", None, "0"),
    ("-999999999999999.99", "negative amount", None),
    ("1000000000000000", "amount out of range", None),
    ("1e15", "amount out of range", None),
    ("1E+15", "amount out of range", None),
    ("-1e15", "amount out of range", None),
    ("1000000000000000.000001", "amount out of range", None),
    ("0.1e16", "amount out of range", None),
    ("10000000000000000.0", "amount out of range", None),
    ("99999999999999999999", "amount out of range", None),
    ("1e99", "amount out of range", None),
    ("NaN", "amount out of range", None),
    ("-inf", "amount out of range", None),
    ("Infinity", "amount out of range", None),
    ("garbage", "unparseable amount", None),
    ("1e400", "unparseable amount", None),
    ("1.5e-18", "unparseable amount", None),  # a digit beyond the 18th decimal place
    ("0.0000000000000000001", "unparseable amount", None),
]


def test_text_amounts_are_judged_exactly_against_10_to_the_15(warehouse):
    rows = [(f"a{number:02d}", text, None) for number, (text, _, _) in enumerate(TEXT_AMOUNTS)]
    rows += [("r1", "999999999999999.99", "999999999999999.99"), ("r2", "999999999999999.99", "1e15"),
             ("r3", "999999999999999.99", "9.99999999999999999e14"),
             ("r4", "5", "NaN"), ("r5", "5", "1.5e-18")]
    # the orders side sums: a hundred orders just below the bound, in February
    big = [(f"big{number:03d}", "999999999999999.99", None) for number in range(100)]
    warehouse.load_raw("feed", "orders", [
        *[(order_id, f"c-{order_id}", ORDERED_AT, "completed", amount, "USD", refunded)
          for order_id, amount, refunded in rows],
        *[(order_id, "big-spender", "2024-02-10 10:00:00", "completed", amount, "USD", None)
          for order_id, amount, _ in big],
    ], columns=TEXT_RAW_COLUMNS["orders"])
    run = warehouse.dbt("build", "--select", "path:models/staging", "+rejected_rows", "+fct_order_metrics",
                        "+dim_customers", *EXCLUDE, vars=VARS)
    assert run.success, run.text
    reasons = dict(warehouse.query(
        "select source_key, reason from main.rejected_rows where source_table = 'orders'"))
    expected = {f"a{number:02d}": reason for number, (_, reason, _) in enumerate(TEXT_AMOUNTS)}
    expected.update({"r1": None, "r2": "refunded_amount out of range", "r3": "refunded_amount exceeds amount",
                     "r4": "refunded_amount out of range", "r5": "unparseable refunded_amount"})
    assert {key: reasons.get(key) for key in expected} == expected
    amounts = kept(warehouse)
    for number, (_, reason, value) in enumerate(TEXT_AMOUNTS):
        if reason is None:
            assert amounts[f"a{number:02d}"][0] == Decimal(value), TEXT_AMOUNTS[number]
    assert amounts["r1"] == (Decimal("999999999999999.99"), Decimal("999999999999999.99"))

    january = sum(Decimal(value) for _, reason, value in TEXT_AMOUNTS if reason is None)
    revenue = dict(warehouse.query(
        "select period_start, revenue from main.fct_order_metrics where period_grain = 'month'"))
    assert revenue == {date(2024, 1, 1): january, date(2024, 2, 1): Decimal("99999999999999999")}
    assert warehouse.query(
        "select order_count, lifetime_revenue from main.dim_customers where customer_id = 'big-spender'"
    ) == [(100, Decimal("99999999999999999"))]


# (value, reason) per raw column type: a numeric column is compared in its own type's precision
TYPED_AMOUNTS = {
    "decimal(18,2)": [
        (Decimal("999999999999999.99"), None), (Decimal("-999999999999999.99"), "negative amount"),
        (Decimal("0.01"), None),
    ],
    "decimal(10,2)": [(Decimal("99999999.99"), None), (Decimal("-0.01"), "negative amount")],
    "decimal(38,6)": [
        (Decimal("999999999999999.999999"), None), (Decimal("1000000000000000"), "amount out of range"),
        (Decimal("-1000000000000000.000001"), "amount out of range"), (MAX_MONEY, "amount out of range"),
        (MIN_MONEY, "amount out of range"), (Decimal("-0.000001"), "negative amount"),
    ],
    "decimal(38,18)": [
        (Decimal("999999999999999.999999999999999999"), None),
        (Decimal("-0.000000000000000001"), "negative amount"),
        (Decimal("1000000000000000"), "amount out of range"),
    ],
    # too fine to hold 10^15: read rounded to 22 decimals (docs/metrics.md)
    "decimal(38,25)": [
        (Decimal("9999999999999.9999999999999999999999999"), None),
        (Decimal("-0.0000000000000000000001"), "negative amount"),
    ],
    "bigint": [
        (999999999999999, None), (1000000000000000, "amount out of range"),
        (-1000000000000000, "amount out of range"),
        (-9223372036854775808, "amount out of range"), (9223372036854775807, "amount out of range"),
        (-1, "negative amount"),
    ],
    "double": [
        (999999999999999.875, None),  # the largest double below 10^15
        (999999999999999.0, None), (123456789012.345678, None),  # kept as the double's value, to 6 decimals
        (1e15, "amount out of range"), (-1e15, "amount out of range"), (1e300, "amount out of range"),
        (float("nan"), "amount out of range"), (float("-inf"), "amount out of range"),
        (-1e-300, "negative amount"),
    ],
}


@pytest.mark.parametrize("amount_type", list(TYPED_AMOUNTS))
def test_numeric_amount_columns_are_judged_exactly_against_10_to_the_15(warehouse, amount_type):
    cases = TYPED_AMOUNTS[amount_type]
    # decimals are loaded as text, so that no value passes through a double on its way in
    raw = [str(value) if isinstance(value, Decimal) else value for value, _ in cases]
    rows = [(f"t{number}", value, None) for number, value in enumerate(raw)]
    # the same values as refunds of an order at the bound's edge
    edge = next(value for value, (_, reason) in zip(raw, cases) if reason is None)
    rows += [(f"r{number}", edge, value) for number, value in enumerate(raw)]
    reasons = build_orders(warehouse, rows, order_columns(amount_type))
    expected = {f"t{number}": reason for number, (_, reason) in enumerate(cases)}
    expected.update({f"r{number}": reason and reason.replace("amount", "refunded_amount")
                     for number, (_, reason) in enumerate(cases)})
    assert reasons == expected
    amounts = kept(warehouse)
    for number, (value, reason) in enumerate(cases):
        if reason is None:
            assert amounts[f"t{number}"][0] == Decimal(value).quantize(Decimal("0.000001"), ROUND_HALF_UP), value


def test_text_quantities_are_judged_exactly_against_10_to_the_15(warehouse):
    cases = [  # (amount, quantity, reason, MRR)
        ("1", "999999999999999", None, "999999999999999"),
        ("0.5", "9.99999999999999e14", None, "499999999999999.5"),
        ("1", "1000000000000000", "quantity out of range", None),
        ("1", "1e15", "quantity out of range", None),
        ("1", "999999999999999.5", "unparseable quantity", None),
        ("1", "999999999999999.99", "unparseable quantity", None),
        ("1", "1.5e-18", "unparseable quantity", None),
        ("999999999999999.99", None, None, "999999999999999.99"),
        ("999999999999999.99", "1", None, "999999999999999.99"),
        ("1000000000000000", "1", "amount out of range", None),
        ("-0.0000001", "1", "negative amount", None),
        ("1", "-0.0", None, "0"),
    ]
    warehouse.load_raw("feed", "orders", [], columns=TEXT_RAW_COLUMNS["orders"])
    warehouse.load_raw("feed", "subscriptions", [
        (f"s{number:02d}", f"c{number:02d}", "p", "2024-01-10 00:00:00", None, "month", amount, quantity, "USD")
        for number, (amount, quantity, _, _) in enumerate(cases)
    ], columns=TEXT_RAW_COLUMNS["subscriptions"])
    run = warehouse.dbt("run", "--select", "+rejected_rows", "stg_billing__subscriptions", vars=VARS)
    assert run.success, run.text
    reasons = subscription_reasons(warehouse)
    mrr = dict(warehouse.query("select subscription_id, mrr from main_staging.stg_billing__subscriptions"))
    for number, (_, _, reason, value) in enumerate(cases):
        key = f"s{number:02d}"
        assert (reasons.get(key), mrr.get(key)) == (reason, value and Decimal(value)), cases[number]


def subscription_reasons(warehouse) -> dict[str, str]:
    return {key.split("@")[0]: reason for key, reason in warehouse.query(
        "select source_key, reason from main.rejected_rows where source_table = 'subscriptions'")}


# -- item 6: MRR sums cannot overflow --------------------------------------------------------

SUBSCRIPTION_COLUMNS = [(name, "bigint" if name == "quantity" else data_type)
                        for name, data_type in RAW_COLUMNS["subscriptions"]]
PRICE_PERIODS = [  # (interval, amount, quantity, reason, MRR)
    ("month", "999999999999999.99", None, None, "999999999999999.99"),
    ("week", "230769230769230.76", 1, None, "999999999999999.96"),
    ("week", "230769230769230.77", 1, "mrr out of range", None),
    ("week", "200000000000000.01", 1, None, "866666666666666.71"),
    ("quarter", "100000000000000.01", 1, None, "33333333333333.336667"),
    ("quarter", "999999999999999", 3, None, "999999999999999"),
    ("quarter", "999999999999999", 4, "mrr out of range", None),
    ("year", "999999999999999", 12, None, "999999999999999"),
    ("year", "999999999999999", 13, "mrr out of range", None),
    ("month", "1", 999999999999999, None, "999999999999999"),
    ("month", "1", 1000000000000000, "quantity out of range", None),
    ("month", "0.01", 100000000000000000, "quantity out of range", None),
    ("month", "2", 500000000000000, "mrr out of range", None),
]


def test_mrr_of_10_to_the_15_or_more_is_rejected_and_sums_do_not_overflow(warehouse):
    """The issue's case: 30 weekly price periods of amount and quantity 999999999999999 (each
    below 10^15) made the MRR marts fail with `Overflow in SUM of DECIMAL`."""
    start = datetime(2024, 1, 8)
    rows = [(f"huge{number:02d}", "whale", "p", start, None, "week", Decimal("999999999999999"),
             999999999999999, "USD") for number in range(30)]
    rows += [(f"edge{number:02d}", f"e{number:02d}", "p", start, None, interval, Decimal(amount), quantity, "USD")
             for number, (interval, amount, quantity, _, _) in enumerate(PRICE_PERIODS)]
    # thirty customers just below the bound: their sum is far above it
    rows += [(f"many{number:02d}", f"m{number:02d}", "p", start, None, "month", Decimal("999999999999999.99"),
              1, "USD") for number in range(30)]
    warehouse.load_raw("feed", "orders", [], columns=TEXT_RAW_COLUMNS["orders"])
    warehouse.load_raw("feed", "subscriptions", rows, columns=SUBSCRIPTION_COLUMNS)
    run = warehouse.dbt("build", "--select", "path:models/staging", "+rejected_rows", "+fct_revenue_retention",
                        "+fct_cohort_retention", "+dim_customers", *EXCLUDE, vars=VARS)
    assert run.success, run.text

    reasons = subscription_reasons(warehouse)
    expected = {f"huge{number:02d}": "mrr out of range" for number in range(30)}
    expected.update({f"edge{number:02d}": reason for number, (_, _, _, reason, _) in enumerate(PRICE_PERIODS)})
    assert {key: reasons.get(key) for key in expected} == expected
    assert not any(key.startswith("many") for key in reasons)

    current = dict(warehouse.query("select customer_id, current_mrr from main.dim_customers"))
    for number, (_, _, _, reason, mrr) in enumerate(PRICE_PERIODS):
        assert current.get(f"e{number:02d}") == (None if reason else Decimal(mrr)), PRICE_PERIODS[number]
    assert "whale" not in current
    total = sum(Decimal(mrr) for *_, reason, mrr in PRICE_PERIODS if reason is None) \
        + 30 * Decimal("999999999999999.99")
    assert warehouse.query(
        "select mrr_at_start, mrr_at_end, new_mrr from main.fct_revenue_retention "
        "where period_grain = 'month' and period_start = date '2024-01-01'") == [(Decimal(0), total, total)]
    assert warehouse.query(
        "select cohort_customers, cohort_mrr from main.fct_cohort_retention where basis = 'subscriptions' "
        "and period_grain = 'month' and cohort_period_start = date '2024-01-01' and periods_since_first = 0"
    ) == [(30 + sum(reason is None for *_, reason, _ in PRICE_PERIODS), total)]


# -- item 7: refunds and signs are compared before rounding -----------------------------------

# (amount, refunded_amount, reason, kept amount, kept refund): an amount keeps 6 decimals,
# rounded half away from zero once the row is accepted
REFUNDS = [
    ("50.00", "50.0000001", "refunded_amount exceeds amount", None, None),
    ("50.00", "5.00000001e1", "refunded_amount exceeds amount", None, None),
    ("50", "50.000000000000000001", "refunded_amount exceeds amount", None, None),
    ("50.0000001", "50.0000002", "refunded_amount exceeds amount", None, None),
    ("-0.0000001", None, "negative amount", None, None),
    ("-1e-19", None, "unparseable amount", None, None),  # a digit beyond the 18th decimal place
    ("-1e-18", None, "negative amount", None, None),
    ("-0.000000000000000001", None, "negative amount", None, None),
    ("50.00", "-0.0000001", "negative refunded_amount", None, None),
    ("50.00", "-1e-7", "negative refunded_amount", None, None),
    ("50.00", "50.00", None, "50", "50"),
    ("50.0000004", "50.0000004", None, "50", "50"),
    ("50.0000005", "50.0000004", None, "50.000001", "50"),
    ("50.0000005", "50.0000005", None, "50.000001", "50.000001"),
    ("0.0000004", None, None, "0", "0"),
    ("-0.0", None, None, "0", "0"),
    ("-0e5", "0.0", None, "0", "0"),
]


def test_refunds_and_signs_are_compared_before_rounding(warehouse):
    rows = [(f"f{number:02d}", amount, refund) for number, (amount, refund, *_) in enumerate(REFUNDS)]
    reasons = build_orders(warehouse, rows, TEXT_RAW_COLUMNS["orders"])
    assert reasons == {f"f{number:02d}": reason for number, (_, _, reason, _, _) in enumerate(REFUNDS)}
    amounts = kept(warehouse)
    for number, (_, _, reason, amount, refund) in enumerate(REFUNDS):
        if reason is None:
            assert amounts[f"f{number:02d}"] == (Decimal(amount), Decimal(refund)), REFUNDS[number]
    revenue = dict(warehouse.query("select order_id, revenue from main_staging.stg_shop__orders"))
    assert all(value >= 0 for value in revenue.values())


@pytest.mark.parametrize("amount_type", ["decimal(38,10)", "double"])
def test_numeric_refunds_and_signs_are_compared_before_rounding(warehouse, amount_type):
    number = Decimal if amount_type.startswith("decimal") else float
    rows = [
        ("n1", number("50"), number("50.0000001")),
        ("n2", number("-0.0000001"), None),
        ("n3", number("50"), number("-0.0000001")),
        ("n4", number("50.0000004"), number("50.0000004")),
    ]
    reasons = build_orders(warehouse, rows, order_columns(amount_type))
    assert reasons == {"n1": "refunded_amount exceeds amount", "n2": "negative amount",
                       "n3": "negative refunded_amount", "n4": None}
    assert kept(warehouse)["n4"] == (Decimal("50"), Decimal("50"))
