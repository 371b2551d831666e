"""The segment marts as dbt builds them (spec section 11): fct_customer_periods and
fct_retention_by_segment against the independent reference (lab/retention_lab/reference/segment_reference.py)
cell for cell on generated histories with customer attributes, plan moves and ties; the worked
example; the company-level sums; and the vars' mistakes failing with the var named."""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from retention_lab.compare import CONTRACT_MARTS, differences
from tests.compiled_project import CompiledProject
from tests.dbt_harness import RAW_COLUMNS, Warehouse
from retention_lab.reference.segment_reference import KEYS, SegmentReference, invariant_failures
from tests.segment_examples import (FEBRUARY, company_mismatches, country_mismatches, customer, order,
                                    plan_mismatches, segment, subscription, worked_example_raw)
from tests.strategies import ATTRIBUTE_VALUES, segment_histories

EXAMPLES = int(os.environ.get("RETENTION_SEGMENT_EXAMPLES", "40"))
RATES = {"EUR": Decimal("1.25")}
ATTRIBUTES = list(ATTRIBUTE_VALUES)  # industry, company_size
SEGMENT_MARTS = tuple(KEYS)
COMPANY_MARTS = CONTRACT_MARTS[:3]  # the period marts

# the raw customers table with the user's own attribute columns beside the spec's
RAW_COLUMNS_WITH_ATTRIBUTES = {**RAW_COLUMNS,
                               "customers": RAW_COLUMNS["customers"] + [(name, "varchar") for name in ATTRIBUTES]}


@pytest.fixture(scope="module")
def compiled_with_attributes(tmp_path_factory):
    return CompiledProject(tmp_path_factory.mktemp("compiled_segments"),
                           {"exchange_rates": {"EUR": 1.25}, "customer_attributes": ATTRIBUTES},
                           RAW_COLUMNS_WITH_ATTRIBUTES)


@pytest.fixture(scope="module")
def compiled_worked_example(tmp_path_factory):
    return CompiledProject(tmp_path_factory.mktemp("compiled_worked_example"),
                           {"as_of_date": "2024-02-29", "period_grains": ["month"]})


def built_marts(project, raw):
    built = project.run(raw)
    try:
        return {mart: built.rows(mart) for mart in SEGMENT_MARTS + COMPANY_MARTS}
    finally:
        built.close()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture], print_blob=True)
@given(raw=segment_histories())
def test_generated_histories_match_the_segment_reference(compiled_with_attributes, raw):
    """Customer attributes with blanks and case variants, customers without a customers row, rows
    that differ in an attribute only, plan moves within periods and on boundaries, several
    subscriptions at once, ties in MRR: both marts equal the reference cell for cell, and the
    project's own rows keep every invariant of section 11 (sums to the company-level marts)."""
    marts = built_marts(compiled_with_attributes, raw)
    reference = SegmentReference({t: rows or [] for t, rows in raw.items()}, exchange_rates=RATES,
                                 customer_attributes=ATTRIBUTES)
    expected = reference.marts()
    found = []
    for mart in SEGMENT_MARTS:
        found += differences(mart, marts[mart], expected[mart])
    assert not found, "the segment marts disagree with the reference:\n" + "\n".join(found)
    failures = invariant_failures(marts, reference.dimensions)
    assert not failures, "\n".join(failures[:20])


def test_the_worked_example_as_built(compiled_worked_example):
    """Section 11's February example through the project's SQL: the company numbers, by country
    (the mean of the two CRRs, 0.833, is not the company's 0.75) and by plan (c1's move from A to
    B within February keeps c1 in A)."""
    marts = built_marts(compiled_worked_example, worked_example_raw())
    assert company_mismatches(marts) == []
    assert country_mismatches(marts) == []
    assert plan_mismatches(marts) == []
    us, de = segment(marts, "country", "US"), segment(marts, "country", "DE")
    assert round((us["customer_retention_rate"] + de["customer_retention_rate"]) / 2, 3) == 0.833
    company = [r for r in marts["fct_customer_retention"]
               if r["basis"] == "subscriptions" and r["period_start"] == FEBRUARY]
    assert [r["customer_retention_rate"] for r in company] == [0.75]
    assert invariant_failures(marts, ["country", "acquisition_channel", "plan"]) == []


# -- dbt itself: vars, an enforced contract, a user's raw schema --------------------------------------
@pytest.fixture(scope="module")
def users_warehouse(tmp_path_factory):
    """A user's raw schema with their own customer attribute columns (named in another case)."""
    warehouse = Warehouse(tmp_path_factory.mktemp("segments_dbt"))
    rows = worked_example_raw()
    rows["orders"] = [order("o1", "c1", datetime(2024, 1, 20)), order("o2", "c6", datetime(2024, 2, 3))]
    rows["customers"] = [customer("c1", " US ", "Ads", Industry=" Retail "), customer("c2", "US", None, Industry=""),
                         customer("c3", "us", "ads", Industry="SaaS"), customer("c4", "DE", "seo", Industry=None),
                         customer("c5", "DE", "seo", Industry="Retail")]
    columns = {table: RAW_COLUMNS[table] for table in ("orders", "subscriptions")}
    columns["customers"] = RAW_COLUMNS["customers"] + [("Industry", "varchar")]
    for table, table_columns in columns.items():
        warehouse.load_raw("raw", table, [[row.get(name) for name, _ in table_columns] for row in rows[table]],
                           columns=table_columns)
    return warehouse


SEGMENT_LINEAGE = ("build", "--select", "+fct_retention_by_segment", "--exclude", "resource_type:unit_test",
                   "--indirect-selection", "cautious")


def test_a_users_attribute_becomes_a_dimension_with_no_model_edited(users_warehouse):
    run = users_warehouse.dbt(*SEGMENT_LINEAGE, vars={"raw_schema": "raw", "customer_attributes": ["industry"],
                                                      "as_of_date": "2024-02-29"})
    assert run.success, run.text
    periods = users_warehouse.query_dicts(
        "select customer_id, country, acquisition_channel, industry, plan from main.fct_customer_periods "
        "where basis = 'subscriptions' and period_grain = 'month' and period_start = '2024-02-01' order by 1")
    assert [(r["customer_id"], r["country"], r["acquisition_channel"], r["industry"], r["plan"]) for r in periods] == [
        ("c1", "US", "Ads", "Retail", "A"), ("c2", "US", "(unknown)", "(unknown)", "A"),
        ("c3", "us", "ads", "SaaS", "B"), ("c4", "DE", "seo", "(unknown)", "A"), ("c5", "DE", "seo", "Retail", "B")]
    by_industry = users_warehouse.query(
        "select segment_value, customers_at_start, customers_at_end, mrr_at_start, mrr_at_end "
        "from main.fct_retention_by_segment where basis = 'subscriptions' and period_grain = 'month' "
        "and period_start = '2024-02-01' and segment_dimension = 'industry' order by 1")
    assert by_industry == [("(unknown)", 2, 1, Decimal(100), Decimal(50)), ("Retail", 1, 2, Decimal(50), Decimal(60)),
                           ("SaaS", 1, 1, Decimal(100), Decimal(120))]
    # c6 ordered but has no customers row: (unknown) on the orders basis
    (orders_row,) = users_warehouse.query_dicts(
        "select country, industry, plan, orders from main.fct_customer_periods where basis = 'orders' "
        "and period_grain = 'month' and period_start = '2024-02-01' and customer_id = 'c6'")
    assert orders_row == {"country": "(unknown)", "industry": "(unknown)", "plan": None, "orders": 1}
    # only the chosen dimensions, in the order given
    run = users_warehouse.dbt(*SEGMENT_LINEAGE, vars={
        "raw_schema": "raw", "customer_attributes": ["industry"], "segment_dimensions": ["industry", "plan"]})
    assert run.success, run.text
    dimensions = users_warehouse.query("select distinct segment_dimension from main.fct_retention_by_segment order by 1")
    assert dimensions == [("industry",), ("plan",)]


@pytest.mark.parametrize("dbt_vars, named, fix", [
    ({"customer_attributes": ["industri"]}, "customer_attributes", "not a column of"),
    ({"customer_attributes": ["country"]}, "customer_attributes", "collides"),
    ({"customer_attributes": ["Industry", "industry"]}, "customer_attributes", "twice"),
    ({"customer_attributes": ["industry; drop table raw.orders"]}, "customer_attributes", "not a plain column name"),
    ({"customer_attributes": "industry"}, "customer_attributes", "must be a list"),
    ({"segment_dimensions": ["plan", "industry"]}, "segment_dimensions", "not a segment dimension"),
    ({"segment_dimensions": ["plan", "plan"]}, "segment_dimensions", "twice"),
])
def test_a_segment_var_mistake_fails_naming_the_var(users_warehouse, dbt_vars, named, fix):
    run = users_warehouse.dbt("compile", "--select", "int_customer_segments", "fct_retention_by_segment",
                              vars={"raw_schema": "raw", **dbt_vars})
    assert not run.success
    assert f"var {named}" in run.text and fix in run.text, run.text
    assert users_warehouse.query("select count(*) from raw.orders") == [(2,)]
