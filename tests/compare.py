"""Cell-by-cell comparison of mart rows: counts exactly, ratios to 1e-9
relative, money to the cent."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

KEYS = {
    "fct_customer_retention": ("basis", "period_grain", "period_start"),
    "fct_revenue_retention": ("period_grain", "period_start"),
    "fct_order_metrics": ("period_grain", "period_start"),
    "dim_customers": ("customer_id",),
    "fct_purchase_sequence": ("sequence_type", "sequence_number"),
    "fct_cohort_retention": ("basis", "period_grain", "cohort_period_start", "periods_since_first"),
    "fct_historical_clv": ("period_grain", "period_start"),
    "fct_acquisition_clv": ("acquisition_month", "acquisition_channel"),
    "fct_daily_active_users": ("activity_date",),
    "fct_engagement": ("period_grain", "period_start"),
    "fct_power_user_curve": ("period_start", "days_active"),
    "dim_users": ("user_id",),
    "fct_email_engagement": ("period_grain", "period_start"),
    "fct_email_campaigns": ("campaign_id",),
    "fct_nps": ("period_grain", "period_start"),
    "fct_customer_periods": ("basis", "period_grain", "period_start", "customer_id"),
    "fct_retention_by_segment": ("basis", "period_grain", "period_start", "segment_dimension", "segment_value"),
}


def same(actual: Any, expected: Any) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual == expected
    if isinstance(actual, Decimal) or isinstance(expected, Decimal):
        return abs(Decimal(str(actual)) - Decimal(str(expected))) < Decimal("0.005")
    if isinstance(actual, float) or isinstance(expected, float):
        return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-12)
    return actual == expected


def differences(mart: str, actual_rows: list[dict], expected_rows: list[dict], limit: int = 20) -> list[str]:
    """What differs between the project's rows and the reference's, as readable lines."""
    keys = KEYS[mart]
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


def cells(rows_by_mart: dict[str, list[dict]]) -> int:
    return sum(len(row) for rows in rows_by_mart.values() for row in rows)
