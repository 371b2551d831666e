"""An independent reference for spec section 11, "Segments": `fct_customer_periods` and
`fct_retention_by_segment`, computed from raw rows in plain Python (no SQL, no dbt, no data
frames), straight from the spec's text. The project's SQL is not read.

What is reused, and why it is the same definition
-------------------------------------------------
`SegmentReference` composes `tests.reference.retention_reference.Reference`, and takes from it
only what section 11 defines by pointing at sections 2 to 5:
- staging (section 4 and 10): used rows, exact duplicates counted once, rejected rows, exchange
  rates, the MRR of a price period; the reporting time zone;
- periods (section 2): which periods exist, `period_end`, the as-of date and instant;
- section 3, "who is a customer at an instant t" (`Reference.is_customer`, with the orders
  activity window W), "new in P" (`Reference.is_new`) and section 4's "a customer's MRR at t"
  (`Reference.mrr`);
- the counted orders of each customer (`Reference.orders_by_customer`) and the paying price
  periods (`Reference.rows_by_customer`, rows with MRR > 0 starting before the as-of instant).
Everything else (the per-customer flags and terms, each segment's value, the plan rule, the
segment rows and their rates) is derived here from section 11's words.

Decisions where section 11 relies on other sections
---------------------------------------------------
- **Running at an instant t** is section 3's "running in the last moment before t":
  `started_at < t` and (`ended_at` null or `ended_at >= t`), on the reporting time zone's clock,
  exactly the rows that make up the customer's MRR at t (section 4). So a row that starts on a
  period's first instant is not running at that period's start, and a row that ends on it is.
- **Paying** is section 3's "MRR above zero": the price period's own MRR (amount × coalesce(
  quantity, 1) × f, converted) is above zero. Free plans and zero-price trials never give a plan.
  Price periods starting after the as-of instant are not known yet (as in every mart).
- **The plan rule** (`choose_plan`): among the paying rows running at the start of P, the one
  with the largest MRR *of that row* (not summed per plan); without one, the same among those
  running at the end of P; without one, the paying row with the latest `started_at` before the
  end of P. Ties (equal MRR, or equal `started_at`) go to the smallest `plan_id`, compared as the
  published text (trimmed, code-point order, as `min()` in DuckDB or `COLLATE "C"`); a null
  `plan_id` loses a tie to any non-null one (SQL's ascending order puts nulls last), and is
  published as `(none)`.
  Consequence of "running in the last moment before t": a move from A to B exactly on a period's
  first instant (A ends and B starts at 1 March 00:00) is a move *within March*: the customer is in
  A for February and for March (A is running in the last moment before 1 March), the move shows
  as expansion or contraction in March, and the customer is in B from April. This is what section 3
  says of a row that "ends exactly on a period's first instant".
  Every subscriptions-basis row of `fct_customer_periods` finds a plan: a customer there is at the
  start, at the end, or new in P, and a customer new in P has a paying row starting in P.
- **Segment values**: `(unknown)` when the customer has no usable `customers` row (no row, or only
  rows section 4/10 staging rejects: no `customer_id`, conflicting rows for one id, an unusable
  `created_at`), or when the value is null or empty after trimming. Otherwise the value read as
  text (a boolean as `true`/`false`, anything else as Python's `str`, which is DuckDB's cast of a
  date, timestamp, integer or decimal), trimmed, case kept. Case is kept as section 11 says,
  although `dim_customers` publishes `country` upper-cased and `acquisition_channel` lower-cased:
  a raw `us` is the segment `us`, not `US`.
  A customer attribute the staging cannot see: the spec's "exact duplicate rows" are judged on
  the spec's columns, so two raw rows of one customer may be staged as one usable row while a
  column named in `customer_attributes` differs between them. That attribute is then `(unknown)`
  for the customer unless every such row gives the same trimmed value.
- **customer_attributes**: a name that is not a column of the raw `customers` rows (when there are
  any; with no `customers` table at all every name fails), that repeats, or that collides
  (case-insensitively) with `country`, `acquisition_channel`, `plan`, a column of
  `fct_customer_periods`, or `email` (section 5: no raw email is published) raises `ValueError`
  naming `customer_attributes` and the fix.
- **Default dimensions** ("every one that the data has"): `country` and `acquisition_channel`
  when a `customers` table is given (an empty list is an empty table: present; `None` or no key:
  absent), `plan` when a `subscriptions` table is, then the customer attributes. `plan` is null
  on the orders basis, so it has segment rows on the subscriptions basis only.
- **Which customers have a row**: section 11's list (at the start of P, at the end, new in P, or
  (orders basis) with a counted order in P) and, on the subscriptions basis, a customer whose only
  count in P is MRR twelve months before its end: section 11 says the rows sum to "the MRR columns"
  of the company mart exactly, and `mrr_12_months_before_end` is one of them, whose "customers with
  MRR > 0 twelve months before" include customers gone since. Such a row has every flag false and
  every other term 0. `include_year_ago_customers=False` gives the literal list instead (the sum of
  `mrr_12_months_before_end` can then be below the company's); the project publishes the default.
  `fct_retention_by_segment` sums `mrr_12_months_before_end` per segment too (it is one of "the MRR
  columns of fct_revenue_retention"); `net_revenue_retention_12m` is not published per segment.
- **Bases**: as in `fct_customer_retention`, a basis has rows only when its source has usable rows.
- **Unit economics** (section 12 says "on fct_revenue_retention (and per segment)"): section 11
  lists only `average_revenue_per_account`; section 12 adds `annual_run_rate` and `lifetime_value`
  per segment (the default; `unit_economics=False` leaves them out).

API
---
    SegmentReference(raw, *, customer_attributes=(), segment_dimensions=None,
                     include_year_ago_customers=True, unit_economics=True, **reference_kwargs)
        .fct_customer_periods() / .fct_retention_by_segment() / .marts()
        .plan_of(customer_id, period) / .segment_value(customer_id, dimension)
        .dimensions / .reference (the composed Reference) / .company_marts()
    choose_plan(rows, start_at, end_at)           the plan rule (module level: monkeypatchable)
    customer_period_failures(...), segment_failures(...), whole_company_failures(...),
    invariant_failures(marts, dimensions, ...)    the invariants, on plain rows (reference or dbt):
                                                  each returns readable failure lines, [] when all hold
    KEYS                                          each new mart's key columns
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

from retention_lab.compare import KEYS as COMPARISON_KEYS, same
from retention_lab.reference.raw_values import checked_timestamp
from retention_lab.reference.retention_reference import (SUBSCRIPTION_COLUMNS, Period, Reference, add_months, clean_text,
                                                 distinct_rows, instant, ratio, usable)

UNKNOWN = "(unknown)"
NO_PLAN = "(none)"
CUSTOMER_DIMENSIONS = ("country", "acquisition_channel")
PLAN = "plan"

# each new mart's key columns, as the comparison keys them
KEYS = {mart: COMPARISON_KEYS[mart] for mart in ("fct_customer_periods", "fct_retention_by_segment")}

FLAG_COLUMNS = ("is_customer_at_start", "is_customer_at_end", "is_new_customer", "is_retained_customer",
                "is_churned_customer", "is_reactivated_customer")
ORDER_COLUMNS = ("orders", "revenue", "is_returning_customer")
MRR_COLUMNS = ("mrr_at_start", "mrr_at_end", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
               "reactivation_mrr", "mrr_12_months_before_end")
CUSTOMER_PERIOD_COLUMNS = (KEYS["fct_customer_periods"] + ("period_end", "is_complete_period") + FLAG_COLUMNS
                           + ORDER_COLUMNS + MRR_COLUMNS + CUSTOMER_DIMENSIONS + (PLAN,))

# fct_retention_by_segment: which counts come from which flag of fct_customer_periods
COUNT_OF_FLAG = {
    "customers_at_start": "is_customer_at_start", "customers_at_end": "is_customer_at_end",
    "new_customers": "is_new_customer", "retained_customers": "is_retained_customer",
    "churned_customers": "is_churned_customer", "reactivated_customers": "is_reactivated_customer",
}
RETENTION_RATES = ("customer_retention_rate", "customer_churn_rate", "retained_customer_rate")
SEGMENT_MRR_SUMS = ("mrr_at_start", "mrr_at_end", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
                    "reactivation_mrr", "mrr_12_months_before_end")
SEGMENT_MRR_COLUMNS = SEGMENT_MRR_SUMS + ("net_churned_mrr", "gross_revenue_churn_rate", "net_revenue_churn_rate",
                                          "net_revenue_retention", "gross_revenue_retention", "quick_ratio",
                                          "average_revenue_per_account")
UNIT_ECONOMICS_COLUMNS = ("annual_run_rate", "lifetime_value")
SEGMENT_ORDER_COLUMNS = ("orders", "ordering_customers", "revenue", "average_order_value", "purchase_frequency",
                         "repeat_customers", "repeat_customer_rate", "returning_customers")


# --------------------------------------------------------------------------
# §11 the plan rule
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanRow:
    """A paying price period as the plan rule sees it (times on the reporting time zone's clock)."""
    plan_id: str | None  # trimmed; None when null or blank
    mrr: Decimal
    started_at: datetime
    ended_at: datetime | None


def is_running(row: PlanRow, t: datetime) -> bool:
    """§3 "running in the last moment before t: ... started_at < t and ended_at null or >= t\""""
    return row.started_at < t and (row.ended_at is None or row.ended_at >= t)


def smallest_plan(rows: Iterable[PlanRow]) -> str:
    """"Ties: the smallest plan_id": code-point order, a null plan_id last; published as text."""
    plans = [r.plan_id for r in rows]
    named = [p for p in plans if p is not None]
    return min(named) if named else NO_PLAN


def choose_plan(rows: Sequence[PlanRow], start_at: datetime, end_at: datetime) -> str:
    """§11 "the plan_id of the customer's paying row with the largest MRR among those running at the
    start of P; without one, among those running at the end of P; without one, the paying row that
    started last before the end of P. Ties: the smallest plan_id." `rows` are the customer's paying
    rows (MRR > 0)."""
    for t in (start_at, end_at):
        running = [r for r in rows if is_running(r, t)]
        if running:
            largest = max(r.mrr for r in running)
            return smallest_plan(r for r in running if r.mrr == largest)
    before_end = [r for r in rows if r.started_at < end_at]
    if not before_end:
        return NO_PLAN  # not reached for a row of fct_customer_periods (see the module docstring)
    latest = max(r.started_at for r in before_end)
    return smallest_plan(r for r in before_end if r.started_at == latest)


# --------------------------------------------------------------------------
# §11 segment values
# --------------------------------------------------------------------------
def segment_text(value: Any) -> str | None:
    """"Values are trimmed text, case kept"; None when null or empty after trimming."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = str(value).strip()
    return text or None


class SegmentReference:
    def __init__(self, raw: Mapping[str, list[Mapping[str, Any]] | None], *,
                 customer_attributes: Sequence[str] = (), segment_dimensions: Sequence[str] | None = None,
                 include_year_ago_customers: bool = True, unit_economics: bool = True, **reference_kwargs):
        self.raw = raw
        self.reference = Reference({t: list(rows or []) for t, rows in raw.items()}, **reference_kwargs)
        self.customer_attributes = tuple(customer_attributes)
        self.include_year_ago_customers = include_year_ago_customers
        self.unit_economics = unit_economics
        self._check_customer_attributes()
        available = (CUSTOMER_DIMENSIONS if raw.get("customers") is not None else ()) \
            + ((PLAN,) if raw.get("subscriptions") is not None else ()) + self.customer_attributes
        if segment_dimensions is None:
            self.dimensions = available
        else:
            known = CUSTOMER_DIMENSIONS + (PLAN,) + self.customer_attributes
            unknown = [d for d in segment_dimensions if d not in known]
            if unknown or len(set(segment_dimensions)) != len(segment_dimensions):
                raise ValueError(f"segment_dimensions: {list(segment_dimensions)} names an unknown or repeated "
                                 f"dimension; use some of {list(known)}")
            self.dimensions = tuple(segment_dimensions)
        self._values = self._customer_values()
        self._plan_rows = self._paying_plan_rows()

    # -- inputs ---------------------------------------------------------------------
    def _check_customer_attributes(self) -> None:
        rows = self.raw.get("customers")
        columns = None if rows is None else {column for row in rows for column in row}
        reserved = {c.lower() for c in CUSTOMER_PERIOD_COLUMNS} | {"email"}
        for name in self.customer_attributes:
            fix = ("remove it from var customer_attributes, or name a column of your customers table "
                   "that is not a dimension or a column of fct_customer_periods")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"customer_attributes: {name!r} is not a column name; {fix}")
            if name.lower() in reserved:
                raise ValueError(f"customer_attributes: {name!r} collides with a dimension or column; {fix}")
            if self.customer_attributes.count(name) > 1:
                raise ValueError(f"customer_attributes: {name!r} is named twice; {fix}")
            if columns is None or (rows and name not in columns):
                raise ValueError(f"customer_attributes: {name!r} is not a column of customers; {fix}")

    def _customer_values(self) -> dict[str, dict[str, str]]:
        """Each customer with a usable customers row: {dimension: value}."""
        usable_ids = {c.customer_id for c in self.reference.staged.customers}
        names = CUSTOMER_DIMENSIONS + self.customer_attributes
        seen: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        # all the table's columns, so rows differing only in an attribute are both seen
        rows = self.raw.get("customers") or []
        columns = tuple(sorted({column for row in rows for column in row}))
        for row in distinct_rows(rows, columns):
            customer_id = clean_text(row.get("customer_id"))
            if customer_id in usable_ids:
                for name in names:
                    seen[customer_id][name].add(segment_text(row.get(name)))
        values = {}
        for customer_id, by_name in seen.items():
            values[customer_id] = {}
            for name in names:
                found = by_name[name]
                only = next(iter(found)) if len(found) == 1 else None
                values[customer_id][name] = only if only is not None else UNKNOWN
        return values

    def _paying_plan_rows(self) -> dict[str, list[PlanRow]]:
        """The reference's paying rows (MRR > 0, known by the as-of instant) with their plan_id, read
        from the raw row of the same price period: (subscription_id, started_at) names one used row."""
        now = datetime.utcnow()
        plans = {}
        for row in distinct_rows(self.raw.get("subscriptions") or [], SUBSCRIPTION_COLUMNS):
            key = (clean_text(row["subscription_id"]), usable(checked_timestamp(row["started_at"], now)))
            plans[key] = segment_text(row["plan_id"])
        by_customer: dict[str, list[PlanRow]] = {}
        for customer_id, rows in self.reference.rows_by_customer.items():
            by_customer[customer_id] = [PlanRow(plans[(r.subscription_id, r.started_at)], r.mrr, r.started_local,
                                                r.ended_local) for r in rows]
        return by_customer

    # -- per customer ---------------------------------------------------------------
    def segment_value(self, customer_id: str, dimension: str) -> str:
        return self._values.get(customer_id, {}).get(dimension, UNKNOWN)

    def plan_of(self, customer_id: str, period: Period) -> str:
        return choose_plan(self._plan_rows.get(customer_id, []), period.start_at, period.end_at)

    def bases(self) -> list[str]:
        """As fct_customer_retention: a basis whose source has no usable rows has no rows."""
        staged = self.reference.staged
        return [b for b, present in (("orders", staged.orders), ("subscriptions", staged.subscriptions)) if present]

    def _complete(self, period: Period) -> bool:
        return not (period.start <= self.reference.as_of_date < period.next_start)

    def customer_period(self, basis: str, period: Period, customer_id: str) -> dict[str, Any] | None:
        """The customer's row of fct_customer_periods for P, or None when they have nothing to count."""
        ref, grain = self.reference, period.grain
        at_start = ref.is_customer(basis, customer_id, grain, period.start_at)
        at_end = ref.is_customer(basis, customer_id, grain, period.end_at)
        new = ref.is_new(basis, customer_id, period)
        row: dict[str, Any] = {
            "basis": basis, "period_grain": grain, "period_start": period.start, "customer_id": customer_id,
            "period_end": period.end, "is_complete_period": self._complete(period),
            # §3
            "is_customer_at_start": at_start, "is_customer_at_end": at_end, "is_new_customer": new,
            # §5 per customer: "at the start who are also customers at the end"; "S − retained";
            # "at the end who were not at the start and are not new in P"
            "is_retained_customer": at_start and at_end,
            "is_churned_customer": at_start and not at_end,
            "is_reactivated_customer": at_end and not at_start and not new,
        }
        if basis == "orders":
            orders = ref.orders_by_customer.get(customer_id, [])
            in_period = [o for o in orders if period.start_at <= o.ordered_local < period.end_at]
            before = any(o.ordered_local < period.start_at for o in orders)
            if not (at_start or at_end or new or in_period):
                return None
            row.update({
                "orders": len(in_period),  # "counted orders in P (0 when none)"
                "revenue": sum((o.revenue for o in in_period), Decimal(0)),
                "is_returning_customer": bool(in_period) and before,  # "a counted order in P and one before P"
                **{c: None for c in MRR_COLUMNS},
            })
        else:
            m0, m1 = ref.mrr(customer_id, period.start_at), ref.mrr(customer_id, period.end_at)
            then = ref.mrr(customer_id, instant(add_months(period.next_start, -12)))
            if not (at_start or at_end or new or (self.include_year_ago_customers and then > 0)):
                return None
            zero = Decimal(0)
            row.update({
                "orders": None, "revenue": None, "is_returning_customer": None,
                # §5 "the customer's own term of each sum ... 0 where its condition does not hold"
                "mrr_at_start": m0, "mrr_at_end": m1,
                "new_mrr": m1 if new else zero,
                "expansion_mrr": m1 - m0 if m0 > 0 and m1 > m0 else zero,
                "contraction_mrr": m0 - m1 if m1 > 0 and m1 < m0 else zero,
                "churned_mrr": m0 if m0 > 0 and m1 == 0 else zero,
                "reactivation_mrr": m1 if m0 == 0 and m1 > 0 and not new else zero,
                "mrr_12_months_before_end": then,  # "0 ... when the customer had none"
            })
        for name in CUSTOMER_DIMENSIONS + self.customer_attributes:
            row[name] = self.segment_value(customer_id, name)
        row[PLAN] = self.plan_of(customer_id, period) if basis == "subscriptions" else None
        return row

    # -- marts ------------------------------------------------------------------------
    def fct_customer_periods(self) -> list[dict[str, Any]]:
        ref, rows = self.reference, []
        for basis in self.bases():
            candidates = sorted(ref.orders_by_customer if basis == "orders" else ref.rows_by_customer)
            for grain in ref.grains:
                for period in ref.periods[grain]:
                    for customer_id in candidates:
                        row = self.customer_period(basis, period, customer_id)
                        if row is not None:
                            rows.append(row)
        return rows

    def fct_retention_by_segment(self, customer_periods: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        if customer_periods is None:
            customer_periods = self.fct_customer_periods()
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for row in customer_periods:
            for dimension in self.dimensions:
                value = row[dimension]
                if value is not None:  # plan on the orders basis
                    groups[(row["basis"], row["period_grain"], row["period_start"], dimension, value)].append(row)
        return [segment_row(key, members, self.unit_economics) for key, members in sorted(groups.items(), key=str)]

    def marts(self) -> dict[str, list[dict[str, Any]]]:
        periods = self.fct_customer_periods()
        return {"fct_customer_periods": periods, "fct_retention_by_segment": self.fct_retention_by_segment(periods)}

    def company_marts(self) -> dict[str, list[dict[str, Any]]]:
        """The company-level marts the invariants compare with."""
        ref = self.reference
        return {"fct_customer_retention": ref.fct_customer_retention(),
                "fct_revenue_retention": ref.fct_revenue_retention(),
                "fct_order_metrics": ref.fct_order_metrics()}


def segment_row(key: tuple, members: list[dict[str, Any]], unit_economics: bool = False) -> dict[str, Any]:
    """One row of fct_retention_by_segment from the fct_customer_periods rows holding its value: sums,
    then every rate from the row's own sums with the company-level formula."""
    basis, grain, start, dimension, value = key
    row: dict[str, Any] = {"basis": basis, "period_grain": grain, "period_start": start,
                           "segment_dimension": dimension, "segment_value": value,
                           "period_end": members[0]["period_end"],
                           "is_complete_period": members[0]["is_complete_period"]}
    for count, flag in COUNT_OF_FLAG.items():
        row[count] = sum(1 for m in members if m[flag])
    s, e, n = row["customers_at_start"], row["customers_at_end"], row["new_customers"]
    row["customer_retention_rate"] = ratio(e - n, s)  # "(E − N) / S"
    row["customer_churn_rate"] = ratio(row["churned_customers"], s)  # "churned / S"
    row["retained_customer_rate"] = ratio(row["retained_customers"], s)  # "retained / S"
    if basis == "subscriptions":
        t = {c: sum((m[c] for m in members), Decimal(0)) for c in SEGMENT_MRR_SUMS}
        net_churned = t["churned_mrr"] + t["contraction_mrr"] - t["expansion_mrr"]
        row.update(t)
        row.update({
            "net_churned_mrr": net_churned,  # "churned + contraction − expansion"
            "gross_revenue_churn_rate": ratio(t["churned_mrr"] + t["contraction_mrr"], t["mrr_at_start"]),
            "net_revenue_churn_rate": ratio(net_churned, t["mrr_at_start"]),
            "net_revenue_retention": ratio(
                t["mrr_at_start"] + t["expansion_mrr"] - t["contraction_mrr"] - t["churned_mrr"], t["mrr_at_start"]),
            "gross_revenue_retention": ratio(t["mrr_at_start"] - t["contraction_mrr"] - t["churned_mrr"],
                                             t["mrr_at_start"]),
            "quick_ratio": ratio(t["new_mrr"] + t["expansion_mrr"] + t["reactivation_mrr"],
                                 t["churned_mrr"] + t["contraction_mrr"]),
            "average_revenue_per_account": ratio(t["mrr_at_end"], e),  # "mrr_at_end / customers_at_end"
        })
        row.update({c: None for c in SEGMENT_ORDER_COLUMNS})
        if unit_economics:
            churned = row["churned_customers"]
            row["annual_run_rate"] = 12 * t["mrr_at_end"]
            # §12 "average_revenue_per_account / customer_churn_rate (... month grain only: null at other
            # grains or when churn is zero)" = (mrr_at_end / E) / (churned / S)
            row["lifetime_value"] = (float(Fraction(t["mrr_at_end"]) * s / (e * churned))
                                     if grain == "month" and e and churned else None)
    else:
        orders = sum(m["orders"] for m in members)
        ordering = sum(1 for m in members if m["orders"] > 0)
        revenue = sum((m["revenue"] for m in members), Decimal(0))
        repeat = sum(1 for m in members if m["orders"] >= 2)
        row.update({c: None for c in SEGMENT_MRR_COLUMNS})
        row.update({
            "orders": orders, "ordering_customers": ordering, "revenue": revenue,
            "average_order_value": ratio(revenue, orders),  # "revenue / orders"
            "purchase_frequency": ratio(orders, ordering),  # "orders / ordering_customers"
            "repeat_customers": repeat,
            "repeat_customer_rate": ratio(repeat, ordering),
            "returning_customers": sum(1 for m in members if m["is_returning_customer"]),
        })
        if unit_economics:
            row.update({c: None for c in UNIT_ECONOMICS_COLUMNS})
    return row


# --------------------------------------------------------------------------
# Invariants, on plain rows: the reference's or the warehouse's
# --------------------------------------------------------------------------
def _period_key(row: Mapping[str, Any]) -> tuple:
    return (row["basis"], row["period_grain"], row["period_start"])


def company_values(customer_retention, revenue_retention, order_metrics) -> dict[tuple, dict[str, Any]]:
    """Per (basis, grain, period_start): the company-level values the segment sums must give."""
    revenue = {(r["period_grain"], r["period_start"]): r for r in revenue_retention}
    order = {(r["period_grain"], r["period_start"]): r for r in order_metrics}
    values = {}
    for row in customer_retention:
        key = _period_key(row)
        value = {count: row[count] for count in COUNT_OF_FLAG}
        other = (revenue if row["basis"] == "subscriptions" else order).get(key[1:])
        if row["basis"] == "subscriptions":
            value.update({c: other[c] if other else None for c in SEGMENT_MRR_SUMS})
        else:
            value.update({c: other[c] if other else None for c in
                          ("orders", "revenue", "ordering_customers", "repeat_customers", "returning_customers")})
        values[key] = value
    return values


COMPANY_RATES = {
    "fct_customer_retention": RETENTION_RATES,
    "fct_revenue_retention": ("gross_revenue_churn_rate", "net_revenue_churn_rate", "net_revenue_retention",
                              "gross_revenue_retention", "quick_ratio", "net_churned_mrr"),
    "fct_order_metrics": ("average_order_value", "purchase_frequency", "repeat_customer_rate"),
}


def company_rates(customer_retention, revenue_retention, order_metrics) -> dict[tuple, dict[str, Any]]:
    """Per (basis, grain, period_start): the company-level rates a segment holding every customer of the
    period must have (the same formula over the same sums)."""
    revenue = {(r["period_grain"], r["period_start"]): r for r in revenue_retention}
    order = {(r["period_grain"], r["period_start"]): r for r in order_metrics}
    rates = {}
    for row in customer_retention:
        key = _period_key(row)
        value = {c: row[c] for c in COMPANY_RATES["fct_customer_retention"]}
        mart = "fct_revenue_retention" if row["basis"] == "subscriptions" else "fct_order_metrics"
        other = (revenue if row["basis"] == "subscriptions" else order).get(key[1:])
        if other:
            value.update({c: other[c] for c in COMPANY_RATES[mart]})
        rates[key] = value
    return rates


def whole_company_failures(customer_periods, customer_retention, revenue_retention, order_metrics) -> list[str]:
    """One segment holding every fct_customer_periods row of a period has the company's rates: the segment
    formulas are the company formulas."""
    by_period: dict[tuple, list] = defaultdict(list)
    for row in customer_periods:
        by_period[_period_key(row)].append(row)
    failures = []
    for key, expected in company_rates(customer_retention, revenue_retention, order_metrics).items():
        if not by_period.get(key):
            continue
        row = segment_row(key + ("everyone", "everyone"), by_period[key])
        failures += [f"{key} {column}: segment formula {row[column]!r}, company {value!r}"
                     for column, value in expected.items() if not same(row[column], value)]
    return failures


def sums_of(rows: list[Mapping[str, Any]], basis: str) -> dict[str, Any]:
    """What a set of fct_customer_periods rows adds up to, in the company marts' column names."""
    sums: dict[str, Any] = {count: sum(1 for r in rows if r[flag]) for count, flag in COUNT_OF_FLAG.items()}
    if basis == "subscriptions":
        for column in SEGMENT_MRR_SUMS:
            sums[column] = sum((Decimal(str(r[column])) for r in rows), Decimal(0))
    else:
        sums["orders"] = sum(r["orders"] for r in rows)
        sums["revenue"] = sum((Decimal(str(r["revenue"])) for r in rows), Decimal(0))
        sums["ordering_customers"] = sum(1 for r in rows if r["orders"] > 0)
        sums["repeat_customers"] = sum(1 for r in rows if r["orders"] >= 2)
        sums["returning_customers"] = sum(1 for r in rows if r["is_returning_customer"])
    return sums


def customer_period_failures(customer_periods, customer_retention, revenue_retention, order_metrics, *,
                             year_ago_customers_included: bool = True) -> list[str]:
    """§11 "Summed over one (basis, period_grain, period_start) it gives the company-level marts exactly":
    S, E, N, retained, churned, reactivated; the MRR columns; orders, revenue, ordering customers
    (orders > 0), repeat customers (orders >= 2), returning customers. mrr_12_months_before_end is
    exact only when the customers with MRR twelve months before have rows (see the module docstring);
    otherwise its sum is at most the company's. Also: one row per key, the per-customer flags agree
    with section 5, and the other basis's columns are null."""
    failures = []
    company = company_values(customer_retention, revenue_retention, order_metrics)
    by_period: dict[tuple, list] = defaultdict(list)
    seen = set()
    for row in customer_periods:
        key = tuple(row[k] for k in KEYS["fct_customer_periods"])
        if key in seen:
            failures.append(f"fct_customer_periods {key}: duplicate row")
        seen.add(key)
        by_period[_period_key(row)].append(row)
        s, e, n = row["is_customer_at_start"], row["is_customer_at_end"], row["is_new_customer"]
        if (row["is_retained_customer"], row["is_churned_customer"], row["is_reactivated_customer"]) != (
                s and e, s and not e, e and not s and not n):
            failures.append(f"fct_customer_periods {key}: flags disagree with section 5")
        other = MRR_COLUMNS + (PLAN,) if row["basis"] == "orders" else ORDER_COLUMNS
        if any(row[c] is not None for c in other):
            failures.append(f"fct_customer_periods {key}: a column of the other basis is not null")
    for key in set(by_period) - set(company):
        failures.append(f"fct_customer_periods {key}: rows for a period the company marts do not have")
    for key, expected in company.items():
        actual = sums_of(by_period.get(key, []), key[0])
        for column, value in expected.items():
            if value is None:
                failures.append(f"company marts {key}: no {column}")
            elif column == "mrr_12_months_before_end" and not year_ago_customers_included:
                if Decimal(str(actual[column])) > Decimal(str(value)) + Decimal("0.005"):
                    failures.append(f"fct_customer_periods {key} {column}: sum {actual[column]} above the company's "
                                    f"{value}")
            elif not same(actual[column], value):
                failures.append(f"fct_customer_periods {key} {column}: sum {actual[column]}, company {value}")
    return failures


def segment_failures(by_segment, customer_periods, customer_retention, revenue_retention, order_metrics,
                     dimensions: Sequence[str], year_ago_customers_included: bool = True) -> list[str]:
    """§11: for each dimension, the segments partition each period's fct_customer_periods rows (one row
    per value some row holds, none for a value no row holds); each segment row's counts and sums are
    its rows' sums and its rates come from its own sums with the company formulas; and summed over a
    dimension's values the counts and money columns give the company-level values."""
    failures = []
    company = company_values(customer_retention, revenue_retention, order_metrics)
    rates = company_rates(customer_retention, revenue_retention, order_metrics)
    rows_by_period: dict[tuple, list] = defaultdict(list)
    for row in customer_periods:
        rows_by_period[_period_key(row)].append(row)
    segments: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for row in by_segment:
        key = _period_key(row) + (row["segment_dimension"],)
        if row["segment_value"] in segments[key]:
            failures.append(f"fct_retention_by_segment {key} {row['segment_value']!r}: duplicate row")
        segments[key][row["segment_value"]] = row
        if row["segment_dimension"] not in dimensions:
            failures.append(f"fct_retention_by_segment {key}: a dimension not asked for")
    for period_key, expected in company.items():
        basis = period_key[0]
        members = rows_by_period.get(period_key, [])
        for dimension in dimensions:
            if dimension == PLAN and basis == "orders":
                if segments.get(period_key + (dimension,)):
                    failures.append(f"fct_retention_by_segment {period_key}: plan rows on the orders basis")
                continue
            rows = segments.get(period_key + (dimension,), {})
            held: dict[str, list] = defaultdict(list)
            for member in members:
                value = member[dimension]
                if value is None or value != value.strip() or value == "":
                    failures.append(f"fct_customer_periods {period_key} {member['customer_id']}: {dimension} "
                                    f"{value!r} is not a segment value")
                held[value].append(member)
            if set(held) != set(rows):
                failures.append(f"fct_retention_by_segment {period_key} {dimension}: values {sorted(rows, key=str)}, "
                                f"fct_customer_periods holds {sorted(held, key=str)}")
            for value, row in rows.items():
                failures += [f"fct_retention_by_segment {period_key} {dimension} {value!r}: {f}"
                             for f in segment_row_failures(row, held.get(value, []))]
            totals: dict[str, Any] = {}
            for row in rows.values():
                for column in expected:
                    if column == "mrr_12_months_before_end" and not year_ago_customers_included:
                        continue
                    totals[column] = totals.get(column, 0) + (Decimal(str(row[column])) if column in (
                        "revenue",) + SEGMENT_MRR_SUMS else row[column])
            if len(rows) == 1:  # one value holds every customer: the company's rates
                (only,) = rows.values()
                failures += [f"fct_retention_by_segment {period_key} {dimension}: the only value's {column} "
                             f"{only[column]!r}, company {value!r}"
                             for column, value in rates.get(period_key, {}).items() if not same(only[column], value)]
            for column, value in expected.items():
                if column == "mrr_12_months_before_end" and not year_ago_customers_included:
                    continue
                if not same(totals.get(column, 0), value):
                    failures.append(f"fct_retention_by_segment {period_key} {dimension} {column}: sum over values "
                                    f"{totals.get(column, 0)}, company {value}")
    return failures


def segment_row_failures(row: Mapping[str, Any], members: list[Mapping[str, Any]]) -> list[str]:
    """A segment row against the fct_customer_periods rows holding its value: same sums, its rates from its
    own sums, the other basis's columns null."""
    if not members:
        return ["a segment that no fct_customer_periods row holds"]
    expected = segment_row((row["basis"], row["period_grain"], row["period_start"], row["segment_dimension"],
                            row["segment_value"]), list(members))
    found = []
    for column, value in expected.items():
        if column not in row:
            found.append(f"no column {column}")
        elif not same(row[column], value):
            found.append(f"{column} {row[column]!r}, expected {value!r} from its customers")
    return found


def invariant_failures(marts: Mapping[str, list[dict[str, Any]]], dimensions: Sequence[str], *,
                       year_ago_customers_included: bool = True) -> list[str]:
    """Every invariant of section 11 on one set of marts: the two new ones and the company-level
    fct_customer_retention, fct_revenue_retention and fct_order_metrics."""
    company = (marts["fct_customer_retention"], marts["fct_revenue_retention"], marts["fct_order_metrics"])
    return (customer_period_failures(marts["fct_customer_periods"], *company,
                                     year_ago_customers_included=year_ago_customers_included)
            + segment_failures(marts["fct_retention_by_segment"], marts["fct_customer_periods"], *company,
                               dimensions=dimensions, year_ago_customers_included=year_ago_customers_included)
            + whole_company_failures(marts["fct_customer_periods"], *company))
