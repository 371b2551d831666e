"""Spec section 11's worked example (February, five customers, a plan switch, a churn, an expansion
and a new customer) as raw rows, the section's numbers as checks on any set of marts (the reference's
or the project's), and small row builders for segment tests."""

from __future__ import annotations

from datetime import datetime, date
from decimal import Decimal

FEBRUARY = date(2024, 2, 1)


def subscription(subscription_id, customer_id, plan_id, started_at, ended_at, amount, interval="month",
                 quantity=None, currency="USD") -> dict:
    return {"subscription_id": subscription_id, "customer_id": customer_id, "plan_id": plan_id,
            "started_at": started_at, "ended_at": ended_at, "billing_interval": interval,
            "amount": Decimal(str(amount)), "quantity": quantity, "currency": currency}


def customer(customer_id, country=None, acquisition_channel=None, **attributes) -> dict:
    return {"customer_id": customer_id, "created_at": None, "country": country,
            "acquisition_channel": acquisition_channel, "email": None, **attributes}


def order(order_id, customer_id, at, amount="10.00", status="completed") -> dict:
    return {"order_id": order_id, "customer_id": customer_id, "ordered_at": at, "status": status,
            "amount": Decimal(amount), "currency": "USD", "refunded_amount": None}


def only(rows: list[dict], **key) -> dict:
    matches = [r for r in rows if all(r[k] == v for k, v in key.items())]
    assert len(matches) == 1, (key, matches)
    return matches[0]


def worked_example_raw() -> dict:
    """At 1 February: c1 (US, plan A, 50) moves to plan B at 30; c2 (US, plan A, 50) churns; c3 (US,
    plan B, 100) grows to 120; c4 (DE, plan A, 50) stays. c5 (DE) starts plan B at 30 during February.
    Monthly plans; every change happens within February, every start before it (but c5's)."""
    return {
        "orders": [],
        "subscriptions": [
            subscription("s1", "c1", "A", datetime(2024, 1, 10), datetime(2024, 2, 15), 50),
            subscription("s1", "c1", "B", datetime(2024, 2, 15), None, 30),
            subscription("s2", "c2", "A", datetime(2024, 1, 5), datetime(2024, 2, 20), 50),
            subscription("s3", "c3", "B", datetime(2024, 1, 3), datetime(2024, 2, 10), 100),
            subscription("s3", "c3", "B", datetime(2024, 2, 10), None, 120),
            subscription("s4", "c4", "A", datetime(2024, 1, 7), None, 50),
            subscription("s5", "c5", "B", datetime(2024, 2, 12), None, 30),
        ],
        "customers": [customer("c1", "US"), customer("c2", "US"), customer("c3", "US"), customer("c4", "DE"),
                      customer("c5", "DE")],
    }


def mismatches(row: dict, **expected) -> list[str]:
    found = []
    for column, value in expected.items():
        actual = row[column]
        if isinstance(value, float) and actual is not None:
            ok = round(actual, 3) == value
        else:
            ok = actual == value
        if not ok:
            found.append(f"{row.get('segment_value', 'company')} {column}: {actual!r}, expected {value!r}")
    return found


def segment(marts: dict, dimension: str, value: str) -> dict:
    return only(marts["fct_retention_by_segment"], basis="subscriptions", period_grain="month",
                period_start=FEBRUARY, segment_dimension=dimension, segment_value=value)


def company_mismatches(marts: dict) -> list[str]:
    retention = only(marts["fct_customer_retention"], basis="subscriptions", period_grain="month",
                     period_start=FEBRUARY)
    revenue = only(marts["fct_revenue_retention"], period_grain="month", period_start=FEBRUARY)
    return (mismatches(retention, customers_at_start=4, customers_at_end=4, new_customers=1, retained_customers=3,
                       churned_customers=1, customer_retention_rate=0.75)
            + mismatches(revenue, mrr_at_start=Decimal(250), mrr_at_end=Decimal(230), new_mrr=Decimal(30),
                         expansion_mrr=Decimal(20), contraction_mrr=Decimal(20), churned_mrr=Decimal(50)))


def country_mismatches(marts: dict) -> list[str]:
    return (mismatches(segment(marts, "country", "US"), customers_at_start=3, customers_at_end=2, new_customers=0,
                       retained_customers=2, customer_retention_rate=0.667, mrr_at_start=Decimal(200),
                       mrr_at_end=Decimal(150))
            + mismatches(segment(marts, "country", "DE"), customers_at_start=1, customers_at_end=2, new_customers=1,
                         retained_customers=1, customer_retention_rate=1.0, mrr_at_start=Decimal(50),
                         mrr_at_end=Decimal(80)))


def plan_mismatches(marts: dict) -> list[str]:
    values = {r["segment_value"] for r in marts["fct_retention_by_segment"]
              if r["segment_dimension"] == "plan" and r["period_start"] == FEBRUARY}
    found = [] if values == {"A", "B"} else [f"plan values {sorted(values)}"]
    if "A" in values:
        found += mismatches(segment(marts, "plan", "A"), customers_at_start=3, customers_at_end=2, new_customers=0,
                            retained_customers=2, mrr_at_start=Decimal(150), mrr_at_end=Decimal(80),
                            contraction_mrr=Decimal(20), churned_mrr=Decimal(50), expansion_mrr=Decimal(0),
                            new_mrr=Decimal(0))
    if "B" in values:
        found += mismatches(segment(marts, "plan", "B"), customers_at_start=1, customers_at_end=2, new_customers=1,
                            retained_customers=1, mrr_at_start=Decimal(100), mrr_at_end=Decimal(150),
                            expansion_mrr=Decimal(20), new_mrr=Decimal(30), contraction_mrr=Decimal(0),
                            churned_mrr=Decimal(0))
    return found
