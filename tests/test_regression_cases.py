"""A fixed corpus of small, hand-readable histories with the numbers they must
give. Each runs through the project (compiled once by dbt) and through the
reference, and both must give the numbers written here. Every disagreement or
surprise the property tests find becomes a case here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from retention_lab.compare import KEYS
from tests.compiled_project import CompiledProject
from retention_lab.reference.retention_reference import Reference


def order(order_id, customer_id, ordered_at, status="completed", amount="10.00", currency="USD", refunded=None):
    return {"order_id": order_id, "customer_id": customer_id, "ordered_at": ordered_at, "status": status,
            "amount": Decimal(amount), "currency": currency,
            "refunded_amount": None if refunded is None else Decimal(refunded)}


def price_period(subscription_id, customer_id, started_at, ended_at, amount="10.00", interval="month", quantity=None):
    return {"subscription_id": subscription_id, "customer_id": customer_id, "plan_id": "p",
            "started_at": started_at, "ended_at": ended_at, "billing_interval": interval,
            "amount": Decimal(amount), "quantity": quantity, "currency": "USD"}


CASES = [
    pytest.param(
        # Found by the property tests: the spec's CRR = (E - N) / S leaves [0, 1] from below.
        {"orders": [], "subscriptions": [
            price_period("s1", "stays_a_while", datetime(2023, 12, 10), datetime(2024, 1, 10)),
            price_period("s2", "blip", datetime(2024, 1, 5), datetime(2024, 1, 20)),
        ]},
        {("fct_customer_retention", ("subscriptions", "month", date(2024, 1, 1))): {
            "customers_at_start": 1, "customers_at_end": 0, "new_customers": 1, "retained_customers": 0,
            "churned_customers": 1, "customer_retention_rate": -1.0, "customer_churn_rate": 1.0}},
        id="crr_below_zero_when_a_customer_joins_and_leaves_within_the_period",
    ),
    pytest.param(
        # ... and from above: a reactivated customer is in E but neither in S nor in N.
        {"orders": [
            order("o1", "lapsed", datetime(2023, 12, 5)),
            order("o2", "steady", datetime(2024, 1, 5)),
            order("o3", "steady", datetime(2024, 2, 5)),
            order("o4", "lapsed", datetime(2024, 2, 6)),
        ]},
        {("fct_customer_retention", ("orders", "month", date(2024, 2, 1))): {
            "customers_at_start": 1, "customers_at_end": 2, "new_customers": 0, "retained_customers": 1,
            "reactivated_customers": 1, "customer_retention_rate": 2.0, "customer_churn_rate": 0.0},
         ("fct_order_metrics", ("month", date(2024, 2, 1))): {
            "orders": 2, "ordering_customers": 2, "returning_customers": 2, "revenue": Decimal("20"),
            "previous_period_revenue": Decimal("10"), "revenue_growth_rate": 1.0}},
        id="crr_above_one_with_a_reactivated_customer",
    ),
    pytest.param(
        # §3: a row starting exactly on a period's first instant is new in it; a row ending exactly
        # on a period's first instant counts at the end of the period before and churns in its own.
        {"orders": [], "subscriptions": [
            price_period("s1", "edge", datetime(2024, 2, 1), datetime(2024, 3, 1), amount="30.00"),
            price_period("s2", "later", datetime(2024, 3, 15), None, amount="15.00"),
        ]},
        {("fct_customer_retention", ("subscriptions", "month", date(2024, 2, 1))): {
            "customers_at_start": 0, "customers_at_end": 1, "new_customers": 1},
         ("fct_revenue_retention", ("month", date(2024, 2, 1))): {
            "mrr_at_start": Decimal("0"), "mrr_at_end": Decimal("30"), "new_mrr": Decimal("30")},
         ("fct_revenue_retention", ("month", date(2024, 3, 1))): {
            "mrr_at_start": Decimal("30"), "mrr_at_end": Decimal("15"), "churned_mrr": Decimal("30"),
            "new_mrr": Decimal("15"), "gross_revenue_churn_rate": 1.0, "net_revenue_retention": 0.0,
            "quick_ratio": 0.5}},
        id="subscription_starting_and_ending_on_first_instants",
    ),
    pytest.param(
        # Project decision: two different rows with one order_id are both rejected.
        {"orders": [
            order("o1", "a", datetime(2024, 1, 5), amount="10.00"),
            order("o1", "a", datetime(2024, 1, 5), amount="12.00"),
            order("o2", "a", datetime(2024, 1, 6), status=" Completed ", amount="5.00", refunded="1.50"),
            order("o2", "a", datetime(2024, 1, 6), status=" Completed ", amount="5.00", refunded="1.50"),
        ]},
        {("fct_order_metrics", ("month", date(2024, 1, 1))): {
            "orders": 1, "ordering_customers": 1, "revenue": Decimal("3.50"), "average_order_value": 3.5}},
        id="conflicting_order_ids_are_rejected_and_exact_duplicates_count_once",
    ),
    pytest.param(
        # §4: MRR = amount x seats x 52/12 for a weekly plan; an upgrade is a new price period.
        {"orders": [], "subscriptions": [
            price_period("s1", "team", datetime(2024, 1, 10), datetime(2024, 2, 10), amount="12.00",
                         interval="week", quantity=3),
            price_period("s1", "team", datetime(2024, 2, 10), None, amount="12.00", interval="week", quantity=5),
        ]},
        {("fct_revenue_retention", ("month", date(2024, 2, 1))): {
            "mrr_at_start": Decimal("156"), "mrr_at_end": Decimal("260"), "expansion_mrr": Decimal("104"),
            "net_churned_mrr": Decimal("-104"), "net_revenue_retention": 260 / 156},
         ("dim_customers", ("team",)): {"current_mrr": Decimal("260"), "is_active_subscriber": True}},
        id="weekly_seats_and_an_upgrade",
    ),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return CompiledProject(tmp_path_factory.mktemp("regression"), {})


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_regression_case(project, raw, expected):
    built = project.run(raw)
    reference = Reference({t: raw.get(t, []) for t in ("orders", "subscriptions", "customers")}).marts()
    try:
        for (mart, key), cells in expected.items():
            for source, rows in (("project", built.rows(mart)), ("reference", reference[mart])):
                matches = [r for r in rows if tuple(r[c] for c in KEYS[mart]) == key]
                assert len(matches) == 1, (source, mart, key)
                for column, value in cells.items():
                    actual = matches[0][column]
                    if isinstance(value, float):
                        assert actual == pytest.approx(value, rel=1e-9), (source, mart, key, column)
                    else:
                        assert actual == value, (source, mart, key, column, actual)
    finally:
        built.close()
