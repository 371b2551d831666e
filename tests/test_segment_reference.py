"""The segment reference (lab/retention_lab/reference/segment_reference.py, spec section 11) on its own: the
section's worked example, the plan rule's edges, segment values, the vars' checks, and the
invariants (customer-period sums and segment sums give the company-level marts) on generated
histories. Pure Python: no dbt, no warehouse."""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_lab.reference import segment_reference
from retention_lab.reference.segment_reference import (NO_PLAN, UNKNOWN, PlanRow, SegmentReference, choose_plan,
                                               invariant_failures, is_running, smallest_plan)
from tests.strategies import ATTRIBUTE_VALUES, segment_histories

from tests.segment_examples import (FEBRUARY, company_mismatches, country_mismatches, customer, only, order,
                                    plan_mismatches, segment, subscription, worked_example_raw)

RATES = {"EUR": Decimal("1.25")}
EXAMPLES = int(os.environ.get("RETENTION_SEGMENT_EXAMPLES", "40"))


def worked_example_marts() -> dict:
    segments = SegmentReference(worked_example_raw(), grains=("month",), as_of_date=date(2024, 2, 29))
    return {**segments.marts(), **segments.company_marts()}


def test_worked_example_company_numbers():
    assert company_mismatches(worked_example_marts()) == []


def test_worked_example_by_country_and_rates_are_not_averaged():
    marts = worked_example_marts()
    assert country_mismatches(marts) == []
    us, de = segment(marts, "country", "US"), segment(marts, "country", "DE")
    mean = (us["customer_retention_rate"] + de["customer_retention_rate"]) / 2
    assert round(mean, 3) == 0.833
    assert mean != pytest.approx(0.75)


def test_worked_example_by_plan():
    marts = worked_example_marts()
    assert plan_mismatches(marts) == []
    periods = [r for r in marts["fct_customer_periods"] if r["period_start"] == FEBRUARY]
    assert {r["customer_id"]: r["plan"] for r in periods} == {"c1": "A", "c2": "A", "c3": "B", "c4": "A", "c5": "B"}
    # c1's move to B shows as contraction in A this period, and c1 is in B from March
    c1 = only(periods, customer_id="c1")
    assert (c1["mrr_at_start"], c1["mrr_at_end"], c1["contraction_mrr"]) == (50, 30, 20)
    march = SegmentReference(worked_example_raw(), grains=("month",), as_of_date=date(2024, 3, 31))
    assert only(march.fct_customer_periods(), period_start=date(2024, 3, 1), customer_id="c1")["plan"] == "B"


def test_worked_example_satisfies_the_invariants():
    marts = worked_example_marts()
    assert invariant_failures(marts, ["country", "acquisition_channel", "plan"]) == []


def test_unit_economics_per_segment_when_asked():
    """Section 12, "(and per segment)": ARPA, annual run rate, and lifetime value = ARPA / churn rate
    at the month grain."""
    segments = SegmentReference(worked_example_raw(), grains=("month",), as_of_date=date(2024, 2, 29),
                                unit_economics=True)
    a = only(segments.fct_retention_by_segment(), period_start=FEBRUARY, segment_dimension="plan", segment_value="A")
    assert (a["average_revenue_per_account"], a["annual_run_rate"]) == (40.0, Decimal(960))
    assert a["lifetime_value"] == pytest.approx(120.0)  # 40 / (1 / 3)
    de = only(segments.fct_retention_by_segment(), period_start=FEBRUARY, segment_dimension="country",
              segment_value="DE")
    assert de["lifetime_value"] is None  # no churn
    assert "annual_run_rate" not in only(
        SegmentReference(worked_example_raw(), grains=("month",), as_of_date=date(2024, 2, 29),
                         unit_economics=False).fct_retention_by_segment(),
        period_start=FEBRUARY, segment_dimension="plan", segment_value="A")


def plan_at_the_end(rows, start_at, end_at):
    """A wrong plan rule: the plan running at the end of P (else the last one started)."""
    running = [r for r in rows if is_running(r, end_at)]
    if running:
        largest = max(r.mrr for r in running)
        return smallest_plan(r for r in running if r.mrr == largest)
    started = [r for r in rows if r.started_at < end_at]
    latest = max(r.started_at for r in started)
    return smallest_plan(r for r in started if r.started_at == latest)


@pytest.mark.parametrize("broken_rule", [plan_at_the_end])
def test_a_broken_plan_rule_fails_the_worked_example(monkeypatch, broken_rule):
    monkeypatch.setattr(segment_reference, "choose_plan", broken_rule)
    marts = worked_example_marts()
    assert plan_mismatches(marts), "the worked example does not notice the broken plan rule"
    # only the plan segments move: the company and the countries are unchanged, and every sum still
    # adds up, so the invariants alone cannot catch a wrong plan rule; the worked example does
    assert company_mismatches(marts) == [] and country_mismatches(marts) == []
    assert invariant_failures(marts, ["country", "acquisition_channel", "plan"]) == []


# -- the plan rule's edges ----------------------------------------------------------------------------
START, END = datetime(2024, 2, 1), datetime(2024, 3, 1)


def row(plan, mrr, started, ended=None) -> PlanRow:
    return PlanRow(plan, Decimal(mrr), started, ended)


@pytest.mark.parametrize("rows, expected", [
    # the largest MRR running at the start wins, whatever runs at the end
    ([row("A", 50, datetime(2024, 1, 1), datetime(2024, 2, 15)), row("B", 80, datetime(2024, 2, 15))], "A"),
    # ties on MRR: the smallest plan_id; a null plan_id loses a tie
    ([row("pro", 50, datetime(2024, 1, 1)), row("basic", 50, datetime(2024, 1, 5))], "basic"),
    ([row(None, 50, datetime(2024, 1, 1)), row("pro", 50, datetime(2024, 1, 5))], "pro"),
    ([row(None, 50, datetime(2024, 1, 1))], NO_PLAN),
    # code-point order: upper case before lower case
    ([row("basic", 50, datetime(2024, 1, 1)), row("Pro", 50, datetime(2024, 1, 5))], "Pro"),
    # a row ending on P's first instant is running at its start; one starting then is not
    ([row("A", 10, datetime(2024, 1, 1), START), row("B", 90, START)], "A"),
    # nothing at the start: the largest at the end
    ([row("A", 10, datetime(2024, 2, 3)), row("B", 20, datetime(2024, 2, 4))], "B"),
    # a row ending on the first instant of the next period is running at P's end
    ([row("A", 10, datetime(2024, 2, 3), END), row("B", 20, datetime(2024, 2, 4), datetime(2024, 2, 20))], "A"),
    # nothing at the start or the end: the paying row that started last before the end
    ([row("A", 90, datetime(2024, 2, 3), datetime(2024, 2, 5)), row("B", 10, datetime(2024, 2, 6),
                                                                     datetime(2024, 2, 9))], "B"),
    ([row("B", 90, datetime(2024, 2, 6), datetime(2024, 2, 7)), row("A", 10, datetime(2024, 2, 6),
                                                                    datetime(2024, 2, 9))], "A"),
    # a row starting on the next period's first instant is not "before the end of P"
    ([row("A", 10, datetime(2024, 2, 3), datetime(2024, 2, 5)), row("B", 10, END)], "A"),
])
def test_the_plan_rule(rows, expected):
    assert choose_plan(rows, START, END) == expected


def test_a_move_on_a_period_boundary_shows_in_the_period_it_ends_in():
    """A ends and B starts at 1 March 00:00: "a row that ends exactly on a period's first instant still
    counts at the end of the period before and churns in the one it ends in" — so A holds in February
    and in March (the move is March's contraction), B from April."""
    raw = {"orders": [], "customers": [customer("c1", "US")], "subscriptions": [
        subscription("s1", "c1", "A", datetime(2024, 1, 10), datetime(2024, 3, 1), 50),
        subscription("s1", "c1", "B", datetime(2024, 3, 1), None, 30),
    ]}
    rows = SegmentReference(raw, grains=("month",), as_of_date=date(2024, 4, 30)).fct_customer_periods()
    plans = {r["period_start"]: r["plan"] for r in rows}
    assert plans == {date(2024, 1, 1): "A", date(2024, 2, 1): "A", date(2024, 3, 1): "A", date(2024, 4, 1): "B"}
    march = only(rows, period_start=date(2024, 3, 1))
    assert (march["mrr_at_start"], march["mrr_at_end"], march["contraction_mrr"]) == (50, 30, 20)
    assert only(rows, period_start=date(2024, 2, 1))["contraction_mrr"] == 0


def test_free_rows_never_give_a_plan_and_a_customer_who_joins_and_leaves_gets_the_last_started():
    raw = {"orders": [], "subscriptions": [
        subscription("s1", "c1", "free", datetime(2024, 1, 1), None, 0),  # a free plan: never a plan segment
        subscription("s2", "c1", "pro", datetime(2024, 2, 3), datetime(2024, 2, 10), 20),
        subscription("s3", "c1", "team", datetime(2024, 2, 12), datetime(2024, 2, 20), 5, quantity=2),
        subscription("s4", "c2", None, datetime(2024, 1, 5), None, 40),
    ]}
    rows = SegmentReference(raw, grains=("month",), as_of_date=date(2024, 2, 29)).fct_customer_periods()
    c1 = only(rows, customer_id="c1", period_start=date(2024, 2, 1))
    assert c1["plan"] == "team" and c1["is_new_customer"] and not c1["is_customer_at_end"]
    assert not [r for r in rows if r["customer_id"] == "c1" and r["period_start"] == date(2024, 1, 1)]
    assert {r["plan"] for r in rows if r["customer_id"] == "c2"} == {NO_PLAN}


# -- segment values ----------------------------------------------------------------------------------
def test_segment_values_are_trimmed_case_kept_and_unknown_when_missing():
    raw = {
        "orders": [order(f"o{i}", c, datetime(2024, 1, 10)) for i, c in enumerate(["c1", "c2", "c3", "c4", "c5"])],
        "customers": [
            customer("c1", " us ", "Organic ", industry=" Retail"),
            customer("c2", "  ", None, industry=""),
            customer(" c3", "DE", "paid", industry="retail"),  # the id is trimmed
            customer("c4", "FR", "paid", industry="SaaS"),
            customer("c4", "FR", "paid", industry="Media"),  # staged as one row; the attribute is unknown
            customer("c5", "FR", "paid", industry="SaaS", created_at="2024-02-30"),  # unusable: rejected
        ],
    }
    segments = SegmentReference(raw, grains=("month",), customer_attributes=["industry"])
    values = {r["customer_id"]: (r["country"], r["acquisition_channel"], r["industry"], r["plan"])
              for r in segments.fct_customer_periods()}
    assert values == {
        "c1": ("us", "Organic", "Retail", None),
        "c2": (UNKNOWN, UNKNOWN, UNKNOWN, None),
        "c3": ("DE", "paid", "retail", None),
        "c4": ("FR", "paid", UNKNOWN, None),
        "c5": (UNKNOWN, UNKNOWN, UNKNOWN, None),
    }
    assert segments.dimensions == ("country", "acquisition_channel", "industry")
    by_segment = segments.fct_retention_by_segment()
    assert {(r["segment_dimension"], r["segment_value"]) for r in by_segment if r["segment_dimension"] == "country"} \
        == {("country", "us"), ("country", UNKNOWN), ("country", "DE"), ("country", "FR")}
    assert not [r for r in by_segment if r["segment_dimension"] == "plan"]


def test_default_dimensions_follow_the_tables_present():
    orders = [order("o1", "c1", datetime(2024, 1, 10))]
    assert SegmentReference({"orders": orders}).dimensions == ()
    assert SegmentReference({"orders": orders, "customers": []}).dimensions == ("country", "acquisition_channel")
    assert SegmentReference({"orders": orders, "subscriptions": None, "customers": None}).dimensions == ()
    assert SegmentReference({"orders": orders, "subscriptions": []}).dimensions == ("plan",)
    chosen = SegmentReference({"orders": orders, "customers": [customer("c1", region="EU")], "subscriptions": []},
                              customer_attributes=["region"], segment_dimensions=["region", "plan"])
    assert chosen.dimensions == ("region", "plan")


@pytest.mark.parametrize("attributes", [["country"], ["Plan"], ["missing_column"], ["region", "region"], ["email"],
                                        ["revenue"], ["customer_id"]])
def test_a_bad_customer_attribute_fails_naming_the_var(attributes):
    raw = {"orders": [order("o1", "c1", datetime(2024, 1, 10))], "customers": [customer("c1", region="EU")]}
    with pytest.raises(ValueError, match="customer_attributes"):
        SegmentReference(raw, customer_attributes=attributes)


def test_customer_attributes_without_a_customers_table_fail():
    with pytest.raises(ValueError, match="customer_attributes"):
        SegmentReference({"orders": [order("o1", "c1", datetime(2024, 1, 10))]}, customer_attributes=["region"])


def test_an_unknown_segment_dimension_fails():
    with pytest.raises(ValueError, match="segment_dimensions"):
        SegmentReference({"orders": [], "customers": []}, segment_dimensions=["industry"])


# -- the orders basis --------------------------------------------------------------------------------
def test_orders_basis_rows():
    raw = {"orders": [
        order("o1", "c1", datetime(2024, 1, 5), "10.00"),
        order("o2", "c1", datetime(2024, 2, 5), "20.00"),
        order("o3", "c1", datetime(2024, 2, 25), "30.00"),
        order("o4", "c2", datetime(2024, 2, 1), "5.00"),
        order("o5", "c2", datetime(2024, 2, 2), "5.00", status="refunded"),
        order("o6", "c3", datetime(2024, 1, 31, 23, 59), "7.00"),
    ], "customers": [customer("c1", "US"), customer("c2", "DE")]}
    segments = SegmentReference(raw, grains=("month",), as_of_date=date(2024, 2, 29))
    rows = [r for r in segments.fct_customer_periods() if r["period_start"] == FEBRUARY]
    c1, c2, c3 = (only(rows, customer_id=c) for c in ("c1", "c2", "c3"))
    assert (c1["orders"], c1["revenue"], c1["is_returning_customer"], c1["is_retained_customer"]) == (2, 50, True, True)
    assert (c2["orders"], c2["revenue"], c2["is_returning_customer"], c2["is_new_customer"]) == (1, 5, False, True)
    assert (c3["orders"], c3["is_churned_customer"], c3["is_returning_customer"]) == (0, True, False)
    assert all(r["plan"] is None and r["mrr_at_start"] is None for r in rows)
    us = only(segments.fct_retention_by_segment(), period_start=FEBRUARY, segment_dimension="country",
              segment_value="US")
    assert (us["orders"], us["ordering_customers"], us["repeat_customers"], us["returning_customers"]) == (2, 1, 1, 1)
    assert (us["average_order_value"], us["purchase_frequency"], us["repeat_customer_rate"]) == (25.0, 2.0, 1.0)
    assert us["mrr_at_end"] is None and us["average_revenue_per_account"] is None
    unknown = only(segments.fct_retention_by_segment(), period_start=FEBRUARY, segment_dimension="country",
                   segment_value=UNKNOWN)  # c3: no customers row; at the start, not at the end, no order
    assert (unknown["customers_at_start"], unknown["churned_customers"], unknown["orders"]) == (1, 1, 0)
    assert unknown["average_order_value"] is None and unknown["purchase_frequency"] is None


def test_year_ago_customers_make_the_twelve_month_sum_exact():
    raw = {"orders": [], "subscriptions": [
        subscription("s1", "c1", "A", datetime(2022, 12, 10), datetime(2023, 6, 1), 50),
        subscription("s2", "c2", "A", datetime(2022, 12, 10), None, 20),
    ]}
    literal = SegmentReference(raw, grains=("month",), as_of_date=date(2023, 12, 31), include_year_ago_customers=False)
    widened = SegmentReference(raw, grains=("month",), as_of_date=date(2023, 12, 31))
    company = only(literal.company_marts()["fct_revenue_retention"], period_start=date(2023, 12, 1))
    assert company["mrr_12_months_before_end"] == 70  # c1 and c2 on 1 January 2023 (the end is 1 January 2024)
    december = [r for r in literal.fct_customer_periods() if r["period_start"] == date(2023, 12, 1)]
    assert sum(r["mrr_12_months_before_end"] for r in december) == 20  # c1 has no row: churned in June
    december = [r for r in widened.fct_customer_periods() if r["period_start"] == date(2023, 12, 1)]
    assert sum(r["mrr_12_months_before_end"] for r in december) == 70
    c1 = only(december, customer_id="c1")
    assert not any(c1[f] for f in ("is_customer_at_start", "is_customer_at_end", "is_new_customer"))
    for segments, exact in ((literal, False), (widened, True)):
        marts = {**segments.marts(), **segments.company_marts()}
        assert invariant_failures(marts, segments.dimensions, year_ago_customers_included=exact) == []
    # the published default: the twelve-month sums are exact per segment too
    plan_a = only(widened.fct_retention_by_segment(), period_start=date(2023, 12, 1), segment_dimension="plan",
                  segment_value="A")
    assert plan_a["mrr_12_months_before_end"] == 70


# -- generated histories -------------------------------------------------------------------------------
VARIANTS = {
    "default": {},
    "window_days_and_as_of": {"orders_activity_window_days": 45, "as_of_date": date(2024, 9, 15)},
    "new_york_periods": {"reporting_timezone": "America/New_York"},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
@given(raw=segment_histories(), widen=st.booleans())
def test_generated_histories_keep_the_invariants(variant, raw, widen):
    attributes = list(ATTRIBUTE_VALUES) if raw["customers"] is not None else []
    segments = SegmentReference(raw, exchange_rates=RATES, customer_attributes=attributes,
                                include_year_ago_customers=widen, **VARIANTS[variant])
    marts = {**segments.marts(), **segments.company_marts()}
    failures = invariant_failures(marts, segments.dimensions, year_ago_customers_included=widen)
    assert not failures, "\n".join(failures[:20])
    # every customer row holds exactly one value of each dimension of its basis
    for period_row in marts["fct_customer_periods"]:
        for dimension in segments.dimensions:
            value = period_row[dimension]
            if dimension == "plan" and period_row["basis"] == "orders":
                assert value is None
            else:
                assert isinstance(value, str) and value == value.strip() and value, (dimension, period_row)
