"""The one rule by which two builds' cells are the same, and the one list of
marts and their keys. Every comparison uses it: the reference against the
project, the engines against DuckDB, incremental and orchestrated runs against a
full build, the text feed against the demo, the benchmark's floor against the
marts.

A cell is the same when both are null; booleans, text, integers and dates are
equal; decimals (money) differ by less than half a cent; floats (ratios) are
equal to 1e-9 relative (1e-12 absolute), and a NaN matches only a NaN.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

# Every published mart (models/marts) and the columns that key one of its rows.
KEYS = {
    "fct_customer_retention": ("basis", "period_grain", "period_start"),
    "fct_revenue_retention": ("period_grain", "period_start"),
    "fct_order_metrics": ("period_grain", "period_start"),
    "dim_customers": ("customer_id",),
    "fct_purchase_sequence": ("sequence_type", "sequence_number"),
    "fct_cohort_retention": ("basis", "period_grain", "cohort_period_start", "periods_since_first"),
    "fct_historical_clv": ("period_grain", "period_start"),
    "fct_acquisition_clv": ("acquisition_month", "acquisition_channel"),
    "fct_trial_conversion": ("period_grain", "period_start"),
    "fct_daily_active_users": ("activity_date",),
    "fct_engagement": ("period_grain", "period_start"),
    "fct_power_user_curve": ("period_start", "days_active"),
    "dim_users": ("user_id",),
    "fct_user_retention": ("period_grain", "cohort_period_start", "periods_since_first"),
    "fct_email_engagement": ("period_grain", "period_start"),
    "fct_email_campaigns": ("campaign_id",),
    "fct_nps": ("period_grain", "period_start"),
    "fct_customer_periods": ("basis", "period_grain", "period_start", "customer_id"),
    "fct_retention_by_segment": ("basis", "period_grain", "period_start", "segment_dimension", "segment_value"),
}
MARTS = tuple(KEYS)
# The marts built by dbt Python models (scipy fits), only where the adapter runs Python models
# (DuckDB), and their keys: not in KEYS, which the engine comparison and the reference compare on
# every engine (they are absent on PostgreSQL and Spark); tests/test_clv.py and
# tests/test_retention_projection.py compare them with `differences` on DuckDB.
PYTHON_MART_KEYS = {
    "fct_clv_model_parameters": ("model", "parameter", "segment_dimension", "segment_value"),
    "fct_customer_clv": ("customer_id",),
    "fct_retention_projection": ("period_grain", "cohort_period_start", "periods_since_first"),
    "fct_retention_projection_by_segment": ("period_grain", "segment_dimension", "segment_value", "cohort_period_start",
                                            "periods_since_first"),
}
# The four contract marts of the spec's first sections (the benchmark's floor
# writes these by hand).
CONTRACT_MARTS = ("fct_customer_retention", "fct_revenue_retention", "fct_order_metrics", "dim_customers")
ENGAGEMENT_MARTS = ("fct_daily_active_users", "fct_engagement", "fct_power_user_curve", "dim_users",
                    "fct_user_retention", "fct_email_engagement", "fct_email_campaigns", "fct_nps")


def same(actual: Any, expected: Any) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual == expected
    if isinstance(actual, Decimal) or isinstance(expected, Decimal):
        return abs(Decimal(str(actual)) - Decimal(str(expected))) < Decimal("0.005")
    if isinstance(actual, float) or isinstance(expected, float):
        if math.isnan(float(actual)) or math.isnan(float(expected)):
            return math.isnan(float(actual)) and math.isnan(float(expected))
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-12)
    return actual == expected


def differences(mart: str, actual_rows: list[dict], expected_rows: list[dict], limit: int = 20,
                keys: tuple[str, ...] | None = None) -> list[str]:
    """What differs between the project's rows and the reference's, as readable lines (keys: for a model
    that is not a mart)."""
    keys = keys or (KEYS[mart] if mart in KEYS else PYTHON_MART_KEYS[mart])
    actual = {tuple(r[k] for k in keys): r for r in actual_rows}
    expected = {tuple(r[k] for k in keys): r for r in expected_rows}
    found: list[str] = []
    if len(actual) != len(actual_rows):
        found.append(f"{mart}: duplicate keys in the project's rows")
    for key in sorted(set(actual) | set(expected), key=str):
        if key not in actual:
            found.append(f"{mart} {key}: missing (reference has it)")
        elif key not in expected:
            found.append(f"{mart} {key}: extra row (reference has none)")
        else:
            for column, value in expected[key].items():
                if column not in actual[key]:
                    found.append(f"{mart} {key}: no column {column}")
                elif not same(actual[key][column], value):
                    found.append(f"{mart} {key} {column}: project {actual[key][column]!r}, reference {value!r}")
    return found[:limit]


def table_differences(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]],
                      names: tuple[str, str] = ("one build", "the other")) -> list[str]:
    """What differs between two dumps of whole tables, {table: [column names,
    *rows sorted]} (tables without a key: staging and intermediate models too),
    row by row with the same cell rule."""
    found = []
    for table in sorted(set(actual) | set(expected)):
        if table not in actual or table not in expected:
            found.append(f"{table}: only in {names[0] if table in actual else names[1]}")
            continue
        a, b = actual[table], expected[table]
        if a[0] != b[0]:
            found.append(f"{table}: columns {a[0]} != {b[0]}")
        elif len(a) != len(b):
            found.append(f"{table}: {len(a) - 1} rows in {names[0]}, {len(b) - 1} in {names[1]}")
        else:
            for row_a, row_b in zip(a[1:], b[1:]):
                if not all(same(x, y) for x, y in zip(row_a, row_b)):
                    found.append(f"{table}: {row_a} != {row_b}")
                    break
    return found


def cells(rows_by_mart: dict[str, list[dict]]) -> int:
    return sum(len(row) for rows in rows_by_mart.values() for row in rows)
