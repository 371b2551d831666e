"""An independent reference implementation of the retention marts.

Written straight from the metrics spec, section by section, in plain Python:
no SQL, no dbt, no data frames. It favours the spec's definitions over speed:
"a customer at instant t" is a function evaluated at each boundary, not a table
shifted by one period. The spec's words are quoted beside each rule; where the
spec is silent the project's documented decision is quoted instead (README,
"Decisions where the spec is silent", and the models' YAML).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from retention_lab.reference.raw_values import (MISSING, UNPARSEABLE, checked_timestamp, read_money, read_timestamp,
                                        read_whole_number)

ORDER_COLUMNS = ("order_id", "customer_id", "ordered_at", "status", "amount", "currency", "refunded_amount")
SUBSCRIPTION_COLUMNS = (
    "subscription_id", "customer_id", "plan_id", "started_at", "ended_at",
    "billing_interval", "amount", "quantity", "currency",
)
CUSTOMER_COLUMNS = ("customer_id", "created_at", "country", "acquisition_channel", "email")
ACQUISITION_COST_COLUMNS = ("month", "channel", "spend")

MONEY_PLACES = Decimal("0.000001")  # project decision: money is stored as decimal(38, 6)
GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}
# §4 "f = 52/12 for a week, 1 for a month, 1/3 for a quarter, 1/12 for a year"
MRR_FACTOR = {"week": Fraction(52, 12), "month": Fraction(1), "quarter": Fraction(1, 3), "year": Fraction(1, 12)}


def money(value: Fraction | Decimal | int) -> Decimal:
    """Project decision: money columns hold six decimals."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def ratio(numerator: Any, denominator: Any) -> float | None:
    """§5 "Every ratio is null, not an error and not zero, when its denominator is zero.\""""
    if denominator is None or numerator is None or denominator == 0:
        return None
    return float(Fraction(numerator) / Fraction(denominator))


def clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# --------------------------------------------------------------------------
# §1 and §4: sources, exact duplicates, rejected rows
# --------------------------------------------------------------------------
@dataclass
class Order:
    order_id: str
    customer_id: str
    ordered_at: datetime  # UTC
    status: str
    revenue: Decimal
    ordered_local: datetime | None = None  # in the reporting time zone


@dataclass
class PricePeriod:
    subscription_id: str
    customer_id: str
    started_at: datetime  # UTC
    ended_at: datetime | None
    mrr: Decimal
    started_local: datetime | None = None  # in the reporting time zone
    ended_local: datetime | None = None


@dataclass
class Customer:
    customer_id: str
    created_at: datetime | None
    country: str | None
    acquisition_channel: str | None
    email_hash: str | None


@dataclass
class Staged:
    orders: list[Order] = field(default_factory=list)
    subscriptions: list[PricePeriod] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    costs: list[tuple[date, str, Decimal]] = field(default_factory=list)  # (month, channel, spend)
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (source_table, source_key, reason)
    duplicates: dict[str, int] = field(default_factory=dict)
    engagement: Any = None  # engagement_reference.EngagementStaged: events, email and NPS


def distinct_rows(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """§4 "Exact duplicate rows count once." (over the spec's columns)"""
    seen: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = tuple(row.get(c) for c in columns)
        seen.setdefault(key, {c: row.get(c) for c in columns})
    return list(seen.values())


def value_reason(column: str, value: Any) -> str | None:
    """§10: a value present but unreadable is 'unparseable <column>'; one readable
    but unusable is '<column> out of range'; None when the value is usable or
    missing (missing values have reasons of their own)."""
    if value is UNPARSEABLE:
        return f"unparseable {column}"
    if isinstance(value, str) and value == "out of range":
        return f"{column} out of range"
    return None


def usable(value: Any) -> Any:
    """The value when usable, else None."""
    if value is MISSING or value is UNPARSEABLE or (isinstance(value, str) and value == "out of range"):
        return None
    return value


def stage(raw: Mapping[str, list[Mapping[str, Any]]], reporting_currency: str,
          exchange_rates: Mapping[str, Decimal]) -> Staged:
    rates = {code.upper(): Decimal(str(rate)) for code, rate in exchange_rates.items()}
    rates[reporting_currency.upper()] = Decimal(1)
    staged = Staged()
    now = datetime.utcnow()

    # orders ---------------------------------------------------------------
    raw_orders = raw.get("orders", [])
    orders = distinct_rows(raw_orders, ORDER_COLUMNS)
    staged.duplicates["orders"] = len(raw_orders) - len(orders)
    id_counts: dict[str, int] = defaultdict(int)
    for row in orders:
        if clean_text(row["order_id"]) is not None:
            id_counts[clean_text(row["order_id"])] += 1
    for row in orders:
        order_id = clean_text(row["order_id"])
        customer_id = clean_text(row["customer_id"])
        status = (clean_text(row["status"]) or "").lower() or None
        ordered_at = checked_timestamp(row["ordered_at"], now)
        amount = read_money(row["amount"])
        refunded = read_money(row["refunded_amount"])
        currency = (clean_text(row["currency"]) or "").upper() or None
        # §4 "Rows that cannot be used (no customer, no timestamp, unknown status, negative amount,
        # a currency other than the reporting currency with no rate to convert it) ... go to a
        # rejected rows model with a reason"; the first failing check names the reason.
        reason = None
        if order_id is None:
            reason = "missing order_id"
        elif id_counts[order_id] > 1:
            reason = "order_id on rows with different values"
        elif customer_id is None:
            reason = "missing customer_id"
        elif value_reason("ordered_at", ordered_at):
            reason = value_reason("ordered_at", ordered_at)
        elif ordered_at is MISSING:
            reason = "missing ordered_at"
        elif status is None:
            reason = "missing status"
        elif status not in ("completed", "refunded", "cancelled", "pending"):
            reason = "unknown status"
        elif value_reason("amount", amount):
            reason = value_reason("amount", amount)
        elif amount is MISSING:
            reason = "missing amount"
        elif amount < 0:
            reason = "negative amount"
        elif value_reason("refunded_amount", refunded):
            reason = value_reason("refunded_amount", refunded)
        elif (refunded := usable(refunded)) is not None and refunded < 0:
            reason = "negative refunded_amount"
        elif refunded is not None and refunded > amount:
            reason = "refunded_amount exceeds amount"
        elif currency is None:
            reason = "missing currency"
        elif currency not in rates:
            reason = "currency without exchange rate"
        if reason:
            staged.rejected.append(("orders", order_id, reason))
            continue
        rate = rates[currency]
        # §4 "An order counts when its normalised status is completed ... Order revenue is
        # amount − coalesce(refunded_amount, 0)."
        revenue = money((amount - (refunded or 0)) * rate) if status == "completed" else money(0)
        staged.orders.append(Order(order_id, customer_id, ordered_at, status, revenue))

    # subscriptions -----------------------------------------------------------
    raw_subscriptions = raw.get("subscriptions", [])
    subscriptions = distinct_rows(raw_subscriptions, SUBSCRIPTION_COLUMNS)
    staged.duplicates["subscriptions"] = len(raw_subscriptions) - len(subscriptions)
    key_counts: dict[tuple, int] = defaultdict(int)
    for row in subscriptions:
        started_at = usable(checked_timestamp(row["started_at"], now))
        if clean_text(row["subscription_id"]) is not None and started_at is not None:
            key_counts[(clean_text(row["subscription_id"]), started_at)] += 1
    for row in subscriptions:
        subscription_id = clean_text(row["subscription_id"])
        customer_id = clean_text(row["customer_id"])
        started_at = checked_timestamp(row["started_at"], now)
        # project decision: an end after the run's start plus one day (a scheduled
        # cancellation, or infinity) cannot change any number yet: still running
        ended_at = read_timestamp(row["ended_at"])
        if isinstance(ended_at, datetime) and ended_at > now + timedelta(days=1):
            ended_at = MISSING
        elif isinstance(ended_at, datetime):
            ended_at = checked_timestamp(ended_at, now)
        interval = (clean_text(row["billing_interval"]) or "").lower() or None
        amount, quantity = read_money(row["amount"]), read_whole_number(row["quantity"])
        currency = (clean_text(row["currency"]) or "").upper() or None
        # §4 "Rows whose ended_at is not after their started_at, unknown billing intervals and
        # negative amounts are rejected rows."
        reason = None
        if subscription_id is None:
            reason = "missing subscription_id"
        elif value_reason("started_at", started_at):
            reason = value_reason("started_at", started_at)
        elif started_at is MISSING:
            reason = "missing started_at"
        elif key_counts[(subscription_id, started_at)] > 1:
            reason = "price period on rows with different values"
        elif customer_id is None:
            reason = "missing customer_id"
        elif value_reason("ended_at", ended_at):
            reason = value_reason("ended_at", ended_at)
        elif (ended_at := usable(ended_at)) is not None and ended_at <= started_at:
            reason = "ended_at not after started_at"
        elif interval is None:
            reason = "missing billing_interval"
        elif interval not in MRR_FACTOR:
            reason = "unknown billing_interval"
        elif value_reason("amount", amount):
            reason = value_reason("amount", amount)
        elif amount is MISSING:
            reason = "missing amount"
        elif amount < 0:
            reason = "negative amount"
        elif value_reason("quantity", quantity):
            reason = value_reason("quantity", quantity)
        elif (quantity := usable(quantity)) is not None and quantity < 0:
            reason = "negative quantity"
        elif currency is None:
            reason = "missing currency"
        elif currency not in rates:
            reason = "currency without exchange rate"
        if reason:
            started = usable(started_at)
            key = None if subscription_id is None else f"{subscription_id}@{'' if started is None else started}"
            staged.rejected.append(("subscriptions", key, reason))
            continue
        converted = money(amount * rates[currency])
        # §4 "MRR of a subscription row = amount × coalesce(quantity, 1) × f"
        mrr = money(Fraction(converted) * (1 if quantity is None else quantity) * MRR_FACTOR[interval])
        staged.subscriptions.append(PricePeriod(subscription_id, customer_id, started_at, ended_at, mrr))

    # customers -----------------------------------------------------------------
    raw_customers = raw.get("customers", [])
    customers = distinct_rows(raw_customers, CUSTOMER_COLUMNS)
    staged.duplicates["customers"] = len(raw_customers) - len(customers)
    customer_counts: dict[str, int] = defaultdict(int)
    for row in customers:
        if clean_text(row["customer_id"]) is not None:
            customer_counts[clean_text(row["customer_id"])] += 1
    for row in customers:
        customer_id = clean_text(row["customer_id"])
        created_at = checked_timestamp(row["created_at"], now)
        if customer_id is None:
            staged.rejected.append(("customers", None, "missing customer_id"))
        elif customer_counts[customer_id] > 1:
            staged.rejected.append(("customers", customer_id, "customer_id on rows with different values"))
        elif value_reason("created_at", created_at):
            staged.rejected.append(("customers", customer_id, value_reason("created_at", created_at)))
        else:
            staged.customers.append(Customer(
                customer_id, usable(created_at),
                (clean_text(row["country"]) or "").upper() or None,
                (clean_text(row["acquisition_channel"]) or "").lower() or None,
                # §5 "No raw email, and no value derived from it unless the user sets a secret key":
                # the tests set none
                None,
            ))
    # acquisition costs (issue: month, channel, spend) -------------------------------
    raw_costs = raw.get("acquisition_costs", [])
    costs = distinct_rows(raw_costs, ACQUISITION_COST_COLUMNS)
    staged.duplicates["acquisition_costs"] = len(raw_costs) - len(costs)
    normalised = []
    for row in costs:
        read_month = checked_timestamp(row["month"], now)
        month = usable(read_month)
        month = None if month is None else date(month.year, month.month, 1)
        channel = (clean_text(row["channel"]) or "").lower() or None
        normalised.append((read_month, month, channel, read_money(row["spend"])))
    key_counts = defaultdict(int)
    for _, month, channel, _ in normalised:
        if month is not None and channel is not None:
            key_counts[(month, channel)] += 1
    for read_month, month, channel, spend in normalised:
        reason = None
        if value_reason("month", read_month):
            reason = value_reason("month", read_month)
        elif month is None:
            reason = "missing month"
        elif channel is None:
            reason = "missing channel"
        elif key_counts[(month, channel)] > 1:
            reason = "month and channel on rows with different values"
        elif value_reason("spend", spend):
            reason = value_reason("spend", spend)
        elif spend is MISSING:
            reason = "missing spend"
        elif spend < 0:
            reason = "negative spend"
        if reason:
            staged.rejected.append(("acquisition_costs", f"{month or ''}@{channel or ''}", reason))
        else:
            staged.costs.append((month, channel, spend))
    # §7-§9 sources: events, email_sends, email_events, nps_responses (lab/retention_lab/reference/engagement_reference.py)
    from retention_lab.reference.engagement_reference import stage_engagement

    staged.engagement = stage_engagement(raw, now)
    staged.rejected += staged.engagement.rejected
    staged.duplicates.update(staged.engagement.duplicates)
    return staged


# --------------------------------------------------------------------------
# §2 Periods
# --------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(grain: str, day: date) -> date:
    months = GRAIN_MONTHS[grain]
    return date(day.year, ((day.month - 1) // months) * months + 1, 1)


@dataclass(frozen=True)
class Period:
    grain: str
    start: date
    next_start: date  # §2 "'at the end of P' is the first instant of the next period"

    @property
    def end(self) -> date:
        return self.next_start - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.next_start, datetime.min.time())


def instant(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


# --------------------------------------------------------------------------
# The reference itself
# --------------------------------------------------------------------------
class Reference:
    def __init__(self, raw: Mapping[str, list[Mapping[str, Any]]], *, grains=("month", "quarter", "year"),
                 as_of_date: date | None = None, orders_activity_window_days: int | None = None,
                 reporting_currency: str = "USD", exchange_rates: Mapping[str, Any] | None = None,
                 reporting_timezone: str = "UTC", active_event_names: list[str] | None = None,
                 mau_window_days: int = 30):
        self.grains = grains
        self.window_days = orders_activity_window_days
        self.staged = stage(raw, reporting_currency, exchange_rates or {})
        # §2 "Periods are calendar periods in the reporting time zone (UTC unless the user sets one)."
        zone = ZoneInfo(reporting_timezone)

        def local(utc: datetime | None) -> datetime | None:
            if utc is None:
                return None
            return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)

        self.local = local

        for order in self.staged.orders:
            order.ordered_local = local(order.ordered_at)
        for row in self.staged.subscriptions:
            row.started_local, row.ended_local = local(row.started_at), local(row.ended_at)
        # §2 "Periods run from the one holding the first activity in the data to the one holding
        # the as-of date, which is the latest order or subscription start in the data unless the
        # user sets as_of_date". Activity: any usable order (any status) or price period start.
        activity = [o.ordered_local for o in self.staged.orders] + [s.started_local for s in self.staged.subscriptions]
        self.first_activity = min(activity).date() if activity else None
        self.as_of_date = as_of_date or (max(activity).date() if activity else None)
        if self.first_activity is None or self.first_activity > self.as_of_date:
            self.as_of_at = None
            self.periods: dict[str, list[Period]] = {grain: [] for grain in grains}
        else:
            # Project decision: the as-of instant is the first instant after the as-of date;
            # orders and price periods starting at or after it are not yet known.
            self.as_of_at = instant(self.as_of_date + timedelta(days=1))
            self.periods = {}
            for grain in grains:
                periods, start = [], period_start(grain, self.first_activity)
                last = period_start(grain, self.as_of_date)
                while start <= last:
                    nxt = add_months(start, GRAIN_MONTHS[grain])
                    periods.append(Period(grain, start, nxt))
                    start = nxt
                self.periods[grain] = periods
        known = self.as_of_at or datetime.min
        # §4 "An order counts when its normalised status is completed"
        self.counted_orders = [o for o in self.staged.orders if o.status == "completed" and o.ordered_local < known]
        # §3 "Free plans and zero-price trials do not make a paying customer."
        self.paying_rows = [s for s in self.staged.subscriptions if s.mrr > 0 and s.started_local < known]
        self.customer_ids = sorted(
            {o.customer_id for o in self.staged.orders}
            | {s.customer_id for s in self.staged.subscriptions}
            | {c.customer_id for c in self.staged.customers}
            | self.staged.engagement.customer_ids()  # events with a customer_id, sends, NPS responses
        )
        self.orders_by_customer: dict[str, list[Order]] = defaultdict(list)
        for order in self.counted_orders:
            self.orders_by_customer[order.customer_id].append(order)
        # Project decision: a customer's purchase sequence and the gaps in it follow elapsed (UTC)
        # time, ties broken by order_id.
        for orders in self.orders_by_customer.values():
            orders.sort(key=lambda o: (o.ordered_at, o.order_id))
        self.rows_by_customer: dict[str, list[PricePeriod]] = defaultdict(list)
        for row in self.paying_rows:
            self.rows_by_customer[row.customer_id].append(row)
        from retention_lab.reference.engagement_reference import Engagement

        self.engagement = Engagement(self.staged.engagement, self, active_event_names=active_event_names,
                                     mau_window_days=mau_window_days)

    # §3 Who is a customer at an instant t ------------------------------------
    def window_start(self, grain: str, t: datetime) -> datetime:
        """§3 "W is one period of the grain by default ... A user can set W in days instead.\""""
        if self.window_days is not None:
            return t - timedelta(days=self.window_days)
        return instant(add_months(t.date(), -GRAIN_MONTHS[grain]))

    def is_order_customer(self, customer_id: str, grain: str, t: datetime) -> bool:
        """§3 "a customer who has at least one counted order in the window [t − W, t)\""""
        low = self.window_start(grain, t)
        return any(low <= o.ordered_local < t for o in self.orders_by_customer.get(customer_id, ()))

    def mrr(self, customer_id: str, t: datetime) -> Decimal:
        """§4 "A customer's MRR at t is the sum over their rows running in the last moment before t"
        — §3 "started_at < t and ended_at null or >= t\""""
        return sum((r.mrr for r in self.rows_by_customer.get(customer_id, ())
                    if r.started_local < t and (r.ended_local is None or r.ended_local >= t)), Decimal(0))

    def is_subscription_customer(self, customer_id: str, t: datetime) -> bool:
        """§3 "a customer with a paying subscription row running in the last moment before t: MRR above zero\""""
        return self.mrr(customer_id, t) > 0

    def first_activity_of(self, basis: str, customer_id: str) -> datetime | None:
        """§3 "their first ever activity on that basis (first counted order, or first paying subscription start)\""""
        if basis == "orders":
            times = [o.ordered_local for o in self.orders_by_customer.get(customer_id, ())]
        else:
            times = [r.started_local for r in self.rows_by_customer.get(customer_id, ())]
        return min(times) if times else None

    def is_new(self, basis: str, customer_id: str, period: Period) -> bool:
        """§3 "A customer is new in P when their first ever activity on that basis ... falls in P.\""""
        first = self.first_activity_of(basis, customer_id)
        return first is not None and period.start_at <= first < period.end_at

    def is_customer(self, basis: str, customer_id: str, grain: str, t: datetime) -> bool:
        if basis == "orders":
            return self.is_order_customer(customer_id, grain, t)
        return self.is_subscription_customer(customer_id, t)

    # §5 marts ------------------------------------------------------------------------
    def fct_customer_retention(self) -> list[dict[str, Any]]:
        rows = []
        # Project decision: a basis whose source has no usable rows has no rows.
        bases = [b for b, present in (("orders", self.staged.orders), ("subscriptions", self.staged.subscriptions))
                 if present]
        for basis in bases:
            for grain in self.grains:
                for period in self.periods[grain]:
                    at_start = {c for c in self.customer_ids if self.is_customer(basis, c, grain, period.start_at)}
                    at_end = {c for c in self.customer_ids if self.is_customer(basis, c, grain, period.end_at)}
                    new = {c for c in self.customer_ids if self.is_new(basis, c, period)}
                    retained = at_start & at_end
                    s, e, n = len(at_start), len(at_end), len(new)
                    churned = s - len(retained)
                    rows.append({
                        "basis": basis, "period_grain": grain, "period_start": period.start,
                        "period_end": period.end, "is_complete_period": not (period.start <= self.as_of_date < period.next_start),
                        "customers_at_start": s, "customers_at_end": e, "new_customers": n,
                        "retained_customers": len(retained),
                        "churned_customers": churned,  # "S − retained"
                        # "customers at the end who were not at the start and are not new in P"
                        "reactivated_customers": len(at_end - at_start - new),
                        "customer_retention_rate": ratio(e - n, s),  # "(E − N) / S"
                        "customer_churn_rate": ratio(churned, s),  # "churned / S"
                        "retained_customer_rate": ratio(len(retained), s),  # "retained / S"
                    })
        return rows

    def fct_revenue_retention(self) -> list[dict[str, Any]]:
        rows = []
        if not self.staged.subscriptions:
            return rows
        for grain in self.grains:
            for period in self.periods[grain]:
                totals = defaultdict(lambda: Decimal(0))
                year_ago = instant(add_months(period.next_start, -12))
                at_start = at_end = churned = 0
                for c in self.customer_ids:
                    m0, m1 = self.mrr(c, period.start_at), self.mrr(c, period.end_at)
                    totals["mrr_at_start"] += m0
                    totals["mrr_at_end"] += m1
                    # §3 a subscriptions customer at t: MRR above zero
                    at_start, at_end, churned = at_start + (m0 > 0), at_end + (m1 > 0), churned + (m0 > 0 and m1 == 0)
                    if self.is_new("subscriptions", c, period):
                        totals["new_mrr"] += m1  # "Σ m1 over customers new in P"
                    if m0 > 0 and m1 > m0:
                        totals["expansion_mrr"] += m1 - m0
                    if m1 > 0 and m1 < m0:
                        totals["contraction_mrr"] += m0 - m1
                    if m0 > 0 and m1 == 0:
                        totals["churned_mrr"] += m0
                    if m0 == 0 and m1 > 0 and not self.is_new("subscriptions", c, period):
                        totals["reactivation_mrr"] += m1
                    # "for customers with MRR > 0 twelve months before the end of P: their MRR at the
                    # end of P over their MRR then"
                    then = self.mrr(c, year_ago)
                    if then > 0:
                        totals["mrr_12_months_before_end"] += then
                        totals["cohort_mrr_now"] += m1
                t = totals
                net_churned = t["churned_mrr"] + t["contraction_mrr"] - t["expansion_mrr"]
                rows.append({
                    "period_grain": grain, "period_start": period.start, "period_end": period.end,
                    "is_complete_period": not (period.start <= self.as_of_date < period.next_start),
                    "mrr_at_start": t["mrr_at_start"], "mrr_at_end": t["mrr_at_end"], "new_mrr": t["new_mrr"],
                    "expansion_mrr": t["expansion_mrr"], "contraction_mrr": t["contraction_mrr"],
                    "churned_mrr": t["churned_mrr"], "reactivation_mrr": t["reactivation_mrr"],
                    "net_churned_mrr": net_churned,
                    "gross_revenue_churn_rate": ratio(t["churned_mrr"] + t["contraction_mrr"], t["mrr_at_start"]),
                    "net_revenue_churn_rate": ratio(net_churned, t["mrr_at_start"]),
                    "net_revenue_retention": ratio(
                        t["mrr_at_start"] + t["expansion_mrr"] - t["contraction_mrr"] - t["churned_mrr"],
                        t["mrr_at_start"]),
                    "gross_revenue_retention": ratio(
                        t["mrr_at_start"] - t["contraction_mrr"] - t["churned_mrr"], t["mrr_at_start"]),
                    "quick_ratio": ratio(t["new_mrr"] + t["expansion_mrr"] + t["reactivation_mrr"],
                                         t["churned_mrr"] + t["contraction_mrr"]),
                    "mrr_12_months_before_end": t["mrr_12_months_before_end"],
                    "net_revenue_retention_12m": ratio(t["cohort_mrr_now"], t["mrr_12_months_before_end"]),
                    # §12 "average_revenue_per_account = mrr_at_end / customers_at_end (subscriptions basis)"
                    "average_revenue_per_account": ratio(t["mrr_at_end"], at_end),
                    "annual_run_rate": 12 * t["mrr_at_end"],  # "12 × mrr_at_end"
                    # "average_revenue_per_account / customer_churn_rate (... month grain only: null at other
                    # grains or when churn is zero)" = (mrr_at_end / E) / (churned / S), exactly
                    "lifetime_value": (float(Fraction(t["mrr_at_end"]) * at_start / (at_end * churned))
                                       if grain == "month" and at_end and churned else None),
                })
        return rows

    def fct_order_metrics(self) -> list[dict[str, Any]]:
        rows = []
        if not self.staged.orders:
            return rows
        for grain in self.grains:
            previous_revenue = None
            for period in self.periods[grain]:
                in_period = [o for o in self.counted_orders if period.start_at <= o.ordered_local < period.end_at]
                per_customer: dict[str, int] = defaultdict(int)
                for order in in_period:
                    per_customer[order.customer_id] += 1
                revenue = sum((o.revenue for o in in_period), Decimal(0))
                orders, customers = len(in_period), len(per_customer)
                repeat = sum(1 for n in per_customer.values() if n >= 2)
                returning = sum(1 for c in per_customer
                                if any(o.ordered_local < period.start_at for o in self.orders_by_customer[c]))
                # project decision: a gap between consecutive counted orders belongs to the later one's period
                gaps = [gap for c in self.orders_by_customer for o, gap in self.gaps(c)
                        if gap is not None and period.start_at <= o.ordered_local < period.end_at]
                rows.append({
                    "period_grain": grain, "period_start": period.start, "period_end": period.end,
                    "is_complete_period": not (period.start <= self.as_of_date < period.next_start),
                    "average_days_between_purchases": statistics.fmean(gaps) if gaps else None,
                    "median_days_between_purchases": statistics.median(gaps) if gaps else None,
                    "orders": orders, "ordering_customers": customers, "revenue": revenue,
                    "average_order_value": ratio(revenue, orders),  # "revenue / orders"
                    "purchase_frequency": ratio(orders, customers),  # "orders / ordering_customers"
                    "repeat_customers": repeat,
                    "repeat_customer_rate": ratio(repeat, customers),
                    "returning_customers": returning,
                    "previous_period_revenue": previous_revenue,
                    # "(revenue − previous period's revenue) / previous period's revenue"
                    "revenue_growth_rate": None if previous_revenue is None
                    else ratio(revenue - previous_revenue, previous_revenue),
                })
                previous_revenue = revenue
        return rows

    def dim_customers(self) -> list[dict[str, Any]]:
        rows = []
        attributes = {c.customer_id: c for c in self.staged.customers}
        for customer_id in self.customer_ids:
            orders = self.orders_by_customer.get(customer_id, [])
            paying = self.rows_by_customer.get(customer_id, [])
            crm = attributes.get(customer_id)
            revenue = sum((o.revenue for o in orders), Decimal(0))
            current = self.mrr(customer_id, self.as_of_at) if self.as_of_at else Decimal(0)
            gaps = [gap for _, gap in self.gaps(customer_id) if gap is not None]
            rows.append({
                "customer_id": customer_id,
                "created_at": crm.created_at if crm else None,
                "country": crm.country if crm else None,
                "acquisition_channel": crm.acquisition_channel if crm else None,
                "email_hash": crm.email_hash if crm else None,
                "first_order_at": min((o.ordered_at for o in orders), default=None),
                "last_order_at": max((o.ordered_at for o in orders), default=None),
                "order_count": len(orders),
                "lifetime_revenue": revenue,
                "average_order_value": ratio(revenue, len(orders)),
                "is_repeat_customer": len(orders) >= 2,  # "two or more counted orders"
                "mean_days_between_orders": statistics.fmean(gaps) if gaps else None,
                "median_days_between_orders": statistics.median(gaps) if gaps else None,
                "first_paying_subscription_at": min((r.started_at for r in paying), default=None),
                "current_mrr": current,  # "(at the as-of instant)"
                "is_active_subscriber": current > 0,
                **self.engagement.latest_nps(customer_id),
            })
        return rows

    # Issue 4: loyalty over a customer's life ------------------------------------------
    def gaps(self, customer_id: str) -> list[tuple[Order, float | None]]:
        """Each counted order with the fractional days since the customer's previous one."""
        orders = self.orders_by_customer.get(customer_id, [])
        return [(o, None if i == 0 else (o.ordered_at - orders[i - 1].ordered_at).total_seconds() / 86400)
                for i, o in enumerate(orders)]

    def fct_purchase_sequence(self) -> list[dict[str, Any]]:
        steps: dict[tuple[str, int], list[Order]] = defaultdict(list)
        for orders in self.orders_by_customer.values():
            first = orders[0].ordered_local
            for number, order in enumerate(orders, start=1):
                months = (order.ordered_local.year - first.year) * 12 + order.ordered_local.month - first.month
                steps[("order_number", number)].append(order)
                steps[("months_since_first_order", months)].append(order)
        everyone = len(self.orders_by_customer)
        rows = []
        for (kind, number), orders in steps.items():
            revenue = sum((o.revenue for o in orders), Decimal(0))
            customers = len({o.customer_id for o in orders})
            rows.append({"sequence_type": kind, "sequence_number": number, "orders": len(orders),
                         "customers": customers, "revenue": revenue,
                         "average_order_value": ratio(revenue, len(orders)),
                         "revenue_per_customer": ratio(revenue, customers),
                         "share_of_customers": ratio(customers, everyone)})
        return rows

    def fct_cohort_retention(self) -> list[dict[str, Any]]:
        rows = []
        for basis in ("orders", "subscriptions"):
            for grain in self.grains:
                periods = self.periods[grain]
                for first_index, cohort_period in enumerate(periods):
                    members = [c for c in self.customer_ids if self.is_new(basis, c, cohort_period)]
                    if not members:
                        continue
                    cumulative, first_mrr = Decimal(0), None
                    for index in range(first_index, len(periods)):
                        period = periods[index]
                        active = sum(1 for c in members if self.is_customer(basis, c, grain, period.end_at))
                        row = {"basis": basis, "period_grain": grain, "cohort_period_start": cohort_period.start,
                               "periods_since_first": index - first_index, "period_start": period.start,
                               "period_end": period.end,
                               "is_complete_period": not (period.start <= self.as_of_date < period.next_start),
                               "cohort_customers": len(members), "active_customers": active,
                               "retention_rate": ratio(active, len(members))}
                        if basis == "orders":
                            revenue = sum((o.revenue for c in members for o in self.orders_by_customer[c]
                                           if period.start_at <= o.ordered_local < period.end_at), Decimal(0))
                            cumulative += revenue
                            row.update(revenue=revenue, cumulative_revenue_per_customer=ratio(cumulative, len(members)),
                                       cohort_mrr=None, cohort_first_period_mrr=None, cohort_net_revenue_retention=None)
                        else:
                            mrr = sum((self.mrr(c, period.end_at) for c in members), Decimal(0))
                            first_mrr = mrr if first_mrr is None else first_mrr
                            row.update(revenue=None, cumulative_revenue_per_customer=None, cohort_mrr=mrr,
                                       cohort_first_period_mrr=first_mrr,
                                       cohort_net_revenue_retention=ratio(mrr, first_mrr))
                        rows.append(row)
        return rows

    def fct_historical_clv(self, order_metrics, customer_retention) -> list[dict[str, Any]]:
        churn = {(r["period_grain"], r["period_start"]): r["customer_churn_rate"]
                 for r in customer_retention if r["basis"] == "orders"}
        rows = []
        for metrics in order_metrics:
            rate = churn[(metrics["period_grain"], metrics["period_start"])]
            aov, frequency = metrics["average_order_value"], metrics["purchase_frequency"]
            rows.append({
                "period_grain": metrics["period_grain"], "period_start": metrics["period_start"],
                "period_end": metrics["period_end"], "is_complete_period": metrics["is_complete_period"],
                "average_order_value": aov, "purchase_frequency": frequency, "customer_churn_rate": rate,
                # issue 4: "AOV x purchase frequency x expected lifespan (1 / churn rate on the orders basis)"
                "expected_lifespan_periods": None if not rate else 1 / rate,
                "historical_clv": None if not rate or aov is None or frequency is None else aov * frequency / rate,
            })
        return rows

    def fct_acquisition_clv(self, customers) -> list[dict[str, Any]]:
        if not self.staged.costs:
            return []
        acquired: dict[tuple[date, str], list[Decimal]] = defaultdict(list)
        members: dict[tuple[date, str], list[str]] = defaultdict(list)
        for customer in customers:
            if customer["first_order_at"] is not None:
                first = self.local(customer["first_order_at"])
                key = (date(first.year, first.month, 1), customer["acquisition_channel"] or "unknown")
                acquired[key].append(customer["lifetime_revenue"])
                members[key].append(customer["customer_id"])
        spend = {(month, channel): amount for month, channel, amount in self.staged.costs}
        rows = []
        for key in set(acquired) | set(spend):
            count, revenue = len(acquired.get(key, [])), sum(acquired.get(key, []), Decimal(0))
            per_customer, cost = ratio(revenue, count), ratio(spend.get(key, Decimal(0)), count)
            rows.append({"acquisition_month": key[0], "acquisition_channel": key[1], "acquired_customers": count,
                         "revenue": revenue, "acquisition_spend": spend.get(key, Decimal(0)),
                         "revenue_per_customer": per_customer, "acquisition_cost_per_customer": cost,
                         # "revenue per customer minus acquisition cost per acquired customer by channel"
                         "cost_based_clv": None if per_customer is None else per_customer - cost,
                         # §12 "customer_acquisition_cost = spend / acquired customers"
                         "customer_acquisition_cost": cost,
                         "months_to_payback": self.months_to_payback(key[0], members.get(key, []),
                                                                     spend.get(key, Decimal(0)))})
        return rows

    def months_to_payback(self, acquisition_month: date, members: list[str], spend: Decimal) -> int | None:
        """§12 "the first k (0 = the acquisition month) at which the cohort's cumulative revenue per
        acquired customer (counted order revenue plus the MRR at the end of each month) reaches the
        acquisition cost; null while it has not." Project decision: months of the month grain only
        (null without it); exact arithmetic."""
        if not members or "month" not in self.grains:
            return None
        cost = Fraction(spend) / len(members)
        cumulative = Fraction(0)
        for period in self.periods["month"]:
            if period.start < acquisition_month:
                continue
            cumulative += sum((Fraction(o.revenue) for c in members for o in self.orders_by_customer.get(c, ())
                               if period.start_at <= o.ordered_local < period.end_at), Fraction(0))
            cumulative += sum((Fraction(self.mrr(c, period.end_at)) for c in members), Fraction(0))
            if cumulative / len(members) >= cost:
                return (period.start.year - acquisition_month.year) * 12 + period.start.month - acquisition_month.month
        return None

    def marts(self) -> dict[str, list[dict[str, Any]]]:
        marts = {
            "fct_customer_retention": self.fct_customer_retention(),
            "fct_revenue_retention": self.fct_revenue_retention(),
            "fct_order_metrics": self.fct_order_metrics(),
            "dim_customers": self.dim_customers(),
            "fct_purchase_sequence": self.fct_purchase_sequence(),
            "fct_cohort_retention": self.fct_cohort_retention(),
        }
        marts["fct_historical_clv"] = self.fct_historical_clv(marts["fct_order_metrics"], marts["fct_customer_retention"])
        marts["fct_acquisition_clv"] = self.fct_acquisition_clv(marts["dim_customers"])
        # imported here: trial_reference imports this module
        from retention_lab.reference.trial_reference import fct_trial_conversion
        marts["fct_trial_conversion"] = fct_trial_conversion(self)
        marts.update(self.engagement.marts())
        return marts
