#!/usr/bin/env python3
"""Deterministic generator of a shop + SaaS history for the retention project.

The same --seed and --scale always give byte-identical files. The output has the
shape of the raw sources in the metrics spec (orders, subscriptions, customers,
and the optional acquisition_costs: month, channel, spend)
and the mess real feeds have: repeat and one-off buyers, lapses and comebacks,
weekly/monthly/quarterly/annual plans, seats, zero-price trials, upgrades and
downgrades as new price periods, cancellations, partial and full refunds,
cancelled and pending orders, exact duplicate rows, statuses in mixed case and a
handful of unusable rows.

From those it derives the optional engagement sources, each from a random stream
of its own (so they leave the other files unchanged): product events of the
paying SaaS customers' users (events), email sends and their events
(email_sends, email_events) and NPS answers that follow how each customer
behaves (nps_responses), again with exact duplicates and unusable rows.

    python -m retention_lab.generate_demo_data --seed 42 --scale 1 --out seeds/raw

--scale 1 is the committed demo (about 400 customers); larger scales multiply
the customer count, and --order-intensity multiplies how often repeat buyers
order (and divides how soon they lapse). Output is CSV with LF line endings,
written in chunks of customers so any scale fits in memory; progress goes to
stderr. The benchmark's default data set (about 10 million orders, 1 million
customers) is

    python -m retention_lab.generate_demo_data --scale 2500 --order-intensity 4 --out /tmp/bench

which also writes about 34 million product events; --event-intensity 2.2 makes
users do more on the days they are active, about 50 million events (2.8 GB of
CSV, some 11 minutes of one core; memory stays at about 0.5 GB, as it depends on
--chunk-customers, not on the scale). --without-engagement writes only the four
shop and billing files.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

CUSTOMERS_PER_SCALE = 400
HISTORY_START = datetime(2023, 1, 1)
HISTORY_END = datetime(2025, 1, 1)  # exclusive; the demo as-of date falls just before

ORDER_COLUMNS = ["order_id", "customer_id", "ordered_at", "status", "amount", "currency", "refunded_amount"]
SUBSCRIPTION_COLUMNS = [
    "subscription_id", "customer_id", "plan_id", "started_at", "ended_at",
    "billing_interval", "amount", "quantity", "currency",
]
CUSTOMER_COLUMNS = ["customer_id", "created_at", "country", "acquisition_channel", "email"]
ACQUISITION_COST_COLUMNS = ["month", "channel", "spend"]
PAID_CHANNELS = {"paid_search": 900.0, "social": 600.0, "referral": 250.0, "email": 120.0}

COUNTRIES = ["US", "US", "US", "CA", "GB", "DE", "FR", "AU"]
CHANNELS = ["organic", "paid_search", "social", "referral", "email"]
STATUS_SPELLINGS = {
    "completed": ["completed", "Completed", "COMPLETED", " completed", "completed "],
    "refunded": ["refunded", "Refunded", "REFUNDED "],
    "cancelled": ["cancelled", "Cancelled", " CANCELLED"],
    "pending": ["pending", "Pending"],
}


@dataclass(frozen=True)
class Plan:
    plan_id: str
    billing_interval: str
    price: float
    seats: bool = False


PLANS = [
    Plan("basic_monthly", "month", 29.0),
    Plan("pro_monthly", "month", 99.0),
    Plan("pro_quarterly", "quarter", 270.0),
    Plan("team_annual", "year", 1200.0, seats=True),
    Plan("starter_weekly", "week", 9.0),
]
UPGRADES = {
    "basic_monthly": "pro_monthly",
    "starter_weekly": "basic_monthly",
    "pro_monthly": "pro_quarterly",
}


def fmt_ts(ts: datetime | None) -> str:
    return "" if ts is None else ts.strftime("%Y-%m-%d %H:%M:%S")


def fmt_money(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def random_instant(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(max(span, 1)))


def month_start_after(ts: datetime) -> datetime:
    """The first instant of the month after ts (a period boundary)."""
    year, month = (ts.year + 1, 1) if ts.month == 12 else (ts.year, ts.month + 1)
    return datetime(year, month, 1)


def interval_length(plan: Plan) -> timedelta:
    return {
        "week": timedelta(days=7),
        "month": timedelta(days=30),
        "quarter": timedelta(days=91),
        "year": timedelta(days=365),
    }[plan.billing_interval]


class Generator:
    def __init__(self, seed: int, scale: float, order_intensity: float = 1.0):
        self.rng = random.Random(seed)
        self.n_customers = max(1, int(round(CUSTOMERS_PER_SCALE * scale)))
        self.order_intensity = order_intensity
        self.orders: list[list[str]] = []
        self.subscriptions: list[list[str]] = []
        self.customers: list[list[str]] = []
        self.order_seq = 0
        self.subscription_seq = 0
        self.histories: list[CustomerHistory] = []

    # -- shop ---------------------------------------------------------------
    def next_order_id(self) -> str:
        self.order_seq += 1
        return f"o{self.order_seq:08d}"

    def add_order(self, customer_id: str, ordered_at: datetime) -> None:
        rng = self.rng
        amount = round(min(max(rng.lognormvariate(math.log(55), 0.6), 5.0), 900.0), 2)
        roll = rng.random()
        refunded: float | None = None
        if ordered_at > HISTORY_END - timedelta(days=5) and roll < 0.3:
            status = "pending"
        elif roll < 0.04:
            status = "refunded"
            refunded = amount
        elif roll < 0.08:
            status = "cancelled"
        else:
            status = "completed"
            if rng.random() < 0.06:
                refunded = round(amount * rng.choice([0.1, 0.25, 0.5]), 2)
        self.orders.append([
            self.next_order_id(), customer_id, fmt_ts(ordered_at),
            rng.choice(STATUS_SPELLINGS[status]), fmt_money(amount), "USD", fmt_money(refunded),
        ])

    def shopper(self, customer_id: str, first_at: datetime) -> None:
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:  # one-off buyer
            self.add_order(customer_id, first_at)
            return
        mean_gap_days = rng.choice([12, 25, 45, 80])
        at = first_at
        while at < HISTORY_END:
            self.add_order(customer_id, at)
            if rng.random() < 0.08 / self.order_intensity:  # lapse for good
                return
            gap = rng.expovariate(self.order_intensity / mean_gap_days)
            if rng.random() < 0.07 / self.order_intensity:  # a long lapse, then a comeback
                gap += rng.uniform(120, 300)
            at = at + timedelta(days=gap, seconds=rng.randrange(3600))

    # -- billing ------------------------------------------------------------
    def add_price_period(
        self, subscription_id: str, customer_id: str, plan: Plan | None, started_at: datetime,
        ended_at: datetime | None, amount: float, quantity: int | None, interval: str,
    ) -> None:
        self.subscriptions.append([
            subscription_id, customer_id, "" if plan is None else plan.plan_id, fmt_ts(started_at),
            fmt_ts(ended_at), interval, fmt_money(amount), "" if quantity is None else str(quantity), "USD",
        ])

    def subscriber(self, customer_id: str, first_at: datetime) -> None:
        rng = self.rng
        start = first_at
        for _ in range(3):  # at most two comebacks with a new subscription
            if start >= HISTORY_END:
                return
            end = self.subscription(customer_id, start)
            if end is None or rng.random() > 0.3:
                return
            start = end + timedelta(days=rng.uniform(30, 200))

    def subscription(self, customer_id: str, start: datetime) -> datetime | None:
        """Writes one subscription's price periods; returns when it ended (None: running)."""
        rng = self.rng
        self.subscription_seq += 1
        subscription_id = f"s{self.subscription_seq:07d}"
        plan = rng.choice(PLANS)
        if rng.random() < 0.15:  # annual and monthly plans often start on a boundary
            start = month_start_after(start)
        if rng.random() < 0.25:  # a zero-price trial first
            trial_end = start + timedelta(days=14)
            self.add_price_period(subscription_id, customer_id, plan, start, trial_end, 0.0, None,
                                  plan.billing_interval)
            start = trial_end
            if rng.random() < 0.3:  # never converted
                return trial_end
        quantity = rng.randint(2, 12) if plan.seats else rng.choice([None, None, 1])
        price = plan.price
        at = start
        while True:
            periods = rng.randint(1, 8)
            change_at = at + interval_length(plan) * periods
            if change_at >= HISTORY_END:
                self.add_price_period(subscription_id, customer_id, plan, at, None, price, quantity,
                                      plan.billing_interval)
                return None
            event = rng.random()
            if event < 0.35:  # cancel
                self.add_price_period(subscription_id, customer_id, plan, at, change_at, price, quantity,
                                      plan.billing_interval)
                return change_at
            self.add_price_period(subscription_id, customer_id, plan, at, change_at, price, quantity,
                                  plan.billing_interval)
            if event < 0.6 and plan.plan_id in UPGRADES:  # upgrade to another plan
                plan = next(p for p in PLANS if p.plan_id == UPGRADES[plan.plan_id])
                price = plan.price
            elif event < 0.75 and plan.seats:  # seats change
                quantity = max(1, (quantity or 1) + rng.choice([-3, -1, 2, 4]))
            elif event < 0.85:  # discount (a downgrade in price)
                price = round(price * 0.8, 2)
            else:  # price rise
                price = round(price * 1.1, 2)
            at = change_at

    # -- customers ------------------------------------------------------------
    def run(self) -> None:
        """The whole history in memory (the committed demo)."""
        for _ in self.chunks(self.n_customers):
            pass

    def chunks(self, customers_per_chunk: int):
        """Generates customers in chunks; after each, self.orders,
        self.subscriptions and self.customers hold that chunk's rows (shuffled
        within it). The unusable rows come with the last chunk."""
        rng = self.rng
        for first in range(1, self.n_customers + 1, customers_per_chunk):
            last = min(first + customers_per_chunk - 1, self.n_customers)
            self.orders, self.subscriptions, self.customers = [], [], []
            for n in range(first, last + 1):
                self.customer(n)
            self.orders = [row for row in self.orders if row[2] < fmt_ts(HISTORY_END)]
            self.subscriptions = [row for row in self.subscriptions if row[3] < fmt_ts(HISTORY_END)]
            self.histories = customer_histories(self.customers, self.orders, self.subscriptions)
            if last == self.n_customers:
                self.add_unusable_rows()
            self.add_exact_duplicates()
            rng.shuffle(self.orders)
            rng.shuffle(self.subscriptions)
            yield last

    def customer(self, n: int) -> None:
        rng = self.rng
        customer_id = f"c{n:06d}"
        created_at = random_instant(rng, HISTORY_START - timedelta(days=60), HISTORY_END - timedelta(days=10))
        self.customers.append([
            customer_id, fmt_ts(created_at), rng.choice(COUNTRIES), rng.choice(CHANNELS),
            f"customer{n}@example.com",
        ])
        first_at = max(created_at, HISTORY_START) + timedelta(days=rng.uniform(0, 20))
        kind = rng.random()
        if kind < 0.6:
            self.shopper(customer_id, first_at)
        elif kind < 0.85:
            self.subscriber(customer_id, first_at)
        elif kind < 0.95:
            self.shopper(customer_id, first_at)
            self.subscriber(customer_id, first_at + timedelta(days=rng.uniform(0, 90)))
        # else: a registered customer who never bought

    def add_unusable_rows(self) -> None:
        """A handful of rows that the staging layer must reject with a reason."""
        some = "2024-03-05 10:00:00"
        self.orders += [
            [self.next_order_id(), "", some, "completed", "20.00", "USD", ""],          # no customer
            [self.next_order_id(), "c000001", "", "completed", "20.00", "USD", ""],     # no timestamp
            [self.next_order_id(), "c000002", some, "shipped", "20.00", "USD", ""],     # unknown status
            [self.next_order_id(), "c000003", some, "completed", "-15.00", "USD", ""],  # negative amount
            [self.next_order_id(), "c000004", some, "completed", "40.00", "GBP", ""],   # no rate for GBP
            [self.next_order_id(), "c000005", some, "completed", "40.00", "USD", "55.00"],  # refund > amount
        ]
        self.subscription_seq += 1
        bad = f"s{self.subscription_seq:07d}"
        self.subscriptions += [
            [bad + "a", "c000006", "pro_monthly", "2024-02-01 00:00:00", "2024-01-01 00:00:00", "month",
             "99.00", "", "USD"],  # ends before it starts
            [bad + "b", "c000007", "pro_monthly", "2024-02-01 00:00:00", "", "fortnight", "99.00", "", "USD"],
            [bad + "c", "c000008", "pro_monthly", "2024-02-01 00:00:00", "", "month", "-99.00", "", "USD"],
            [bad + "d", "", "pro_monthly", "2024-02-01 00:00:00", "", "month", "99.00", "", "USD"],
        ]

    def add_exact_duplicates(self) -> None:
        rng = self.rng
        self.orders += [list(row) for row in self.orders if rng.random() < 0.01]
        self.subscriptions += [list(row) for row in self.subscriptions if rng.random() < 0.01]


# -- engagement: product events, email, NPS ------------------------------------
# Derived from the customers, orders and subscriptions above, each table from a
# random stream of its own, so adding them changed none of the files above.

EVENT_COLUMNS = ["event_id", "user_id", "customer_id", "occurred_at", "event_name"]
EMAIL_SEND_COLUMNS = ["send_id", "customer_id", "campaign_id", "sent_at"]
EMAIL_EVENT_COLUMNS = ["send_id", "event_type", "occurred_at", "is_machine_open"]
NPS_COLUMNS = ["response_id", "customer_id", "responded_at", "score"]
ENGAGEMENT_TABLES = ("events", "email_sends", "email_events", "nps_responses")

ACTIVE_EVENTS = ["view_dashboard", "view_dashboard", "create_report", "export", "view_dashboard", "create_report"]
PASSIVE_EVENT = "email_received"  # the product logs it, the user did nothing
# (share of users, chance of being active on a given day): the activity patterns
USER_PATTERNS = [("daily", 0.1, 0.8), ("weekly", 0.35, 0.17), ("occasional", 0.2, 0.05),
                 ("lapsing", 0.17, 0.2), ("fading", 0.1, 0.15), ("notified_only", 0.08, 0.0)]
EVENTS_AFTER_HISTORY = timedelta(days=2)  # a few events after the demo's as-of date, which marts ignore
EMAIL_SPELLINGS = {
    "delivered": ["delivered"] * 8 + ["Delivered", " delivered "],
    "bounce": ["bounce"] * 3 + ["Bounce", "BOUNCE"],
    "open": ["open"] * 8 + ["Open", " open"],
    "click": ["click"] * 8 + ["CLICK", "Click "],
    "unsubscribe": ["unsubscribe", "Unsubscribe"],
    "spam_complaint": ["spam_complaint", "Spam_Complaint"],
}
CAMPAIGNS = 20
SURVEY_WAVES = [datetime(year, month, 20) for year in (2023, 2024) for month in (3, 6, 9, 12)]


@dataclass
class CustomerHistory:
    """What one customer did, as the engagement tables need it."""
    customer_id: str
    created_at: datetime
    order_times: list[datetime]
    periods: list[tuple[datetime, datetime | None, float]]  # (started_at, ended_at, mrr), price periods

    def windows(self) -> list[tuple[datetime, datetime]]:
        """The spans the account had a subscription (trials included), merged;
        an open end is the end of the history."""
        spans = sorted((start, end or HISTORY_END) for start, end, _ in self.periods)
        merged: list[tuple[datetime, datetime]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    @property
    def pays(self) -> bool:
        return any(mrr > 0 for _, _, mrr in self.periods)

    def mrr_at(self, at: datetime) -> float:
        return sum(mrr for start, end, mrr in self.periods if start <= at and (end is None or end > at))


def customer_histories(customers: list[list[str]], orders: list[list[str]],
                       subscriptions: list[list[str]]) -> list[CustomerHistory]:
    """The chunk's customers with their orders and price periods (read from the
    rows, so no random number is drawn)."""
    histories = {row[0]: CustomerHistory(row[0], datetime.fromisoformat(row[1]), [], []) for row in customers}
    for row in orders:
        histories[row[1]].order_times.append(datetime.fromisoformat(row[2]))
    factor = {"week": 52 / 12, "month": 1.0, "quarter": 1 / 3, "year": 1 / 12}
    for row in subscriptions:
        mrr = float(row[6]) * int(row[7] or 1) * factor[row[5]]
        histories[row[1]].periods.append(
            (datetime.fromisoformat(row[3]), datetime.fromisoformat(row[4]) if row[4] else None, mrr))
    for history in histories.values():
        history.order_times.sort()
        history.periods.sort(key=lambda period: period[0])
    return list(histories.values())


def day_time(day: datetime, seconds: int) -> str:
    return fmt_ts(day + timedelta(seconds=seconds))


class Engagement:
    """Product events of the SaaS customers' users, email sends and their
    events, and NPS answers, for the customers one chunk at a time. Each table
    has its own random stream; ids run on across chunks."""

    def __init__(self, seed: int, scale: float, event_intensity: float = 1.0):
        self.events_rng = random.Random(f"{seed}-events")
        self.email_rng = random.Random(f"{seed}-email")
        self.nps_rng = random.Random(f"{seed}-nps")
        self.more_events_per_day = 0.5 * event_intensity  # beyond the login
        self.day_prefixes: dict[datetime, str] = {}
        self.user_seq = self.event_seq = self.send_seq = self.response_seq = 0
        self.unsubscribed: set[str] = set()
        campaign_rng = random.Random(f"{seed}-campaigns")
        span = (HISTORY_END - HISTORY_START).days
        self.campaigns = sorted(
            HISTORY_START + timedelta(days=span * (k + campaign_rng.uniform(0.1, 0.9)) / CAMPAIGNS,
                                      hours=campaign_rng.choice([8, 9, 14, 16]))
            for k in range(CAMPAIGNS))
        self.audience_share = [campaign_rng.uniform(0.3, 0.6) for _ in range(CAMPAIGNS)]
        self.sends: list[list[str]] = []
        self.email_events: list[list[str]] = []
        self.nps: list[list[str]] = []
        self.last_send: tuple[str, datetime] | None = None
        self.recent_accounts: list[tuple[str, list[tuple[datetime, datetime]]]] = []

    # -- product events ------------------------------------------------------
    def events(self, histories: list[CustomerHistory]):
        """Yields, user by user, the event rows of the chunk's paying SaaS customers' users."""
        rng = self.events_rng
        for history in histories:
            if not history.pays:
                continue
            windows = history.windows()
            for number in range(rng.choice([1, 1, 2, 2, 3])):
                self.user_seq += 1
                user_id = f"u{self.user_seq:06d}"
                customer_id = "" if rng.random() < 0.03 else history.customer_id  # never linked to an account
                user_windows = windows
                if number > 0:  # invited later
                    joined = windows[0][0] + timedelta(days=rng.uniform(0, 120))
                    user_windows = [(max(start, joined), end) for start, end in windows if end > joined]
                if not user_windows:  # would have joined after the account left
                    continue
                moves = None
                if customer_id and rng.random() < 0.02 and self.recent_accounts:
                    moves = rng.choice(self.recent_accounts)  # the user later works for another account
                yield self.user_events(user_id, customer_id, user_windows, moves)
            self.recent_accounts = (self.recent_accounts + [(history.customer_id, windows)])[-20:]

    def user_events(self, user_id: str, customer_id: str, windows: list[tuple[datetime, datetime]],
                    moves: tuple[str, list[tuple[datetime, datetime]]] | None) -> list[list[str]]:
        rng = self.events_rng
        roll = rng.random()
        for pattern, share, chance in USER_PATTERNS:
            if roll < share:
                break
            roll -= share
        spans = [(start, end + EVENTS_AFTER_HISTORY if end >= HISTORY_END else end) for start, end in windows]
        if moves is not None:  # activity for the first account ends at the move; the other account's begins
            other_id, other_windows = moves
            moved_at = spans[0][0] + timedelta(days=rng.uniform(60, 300))
            spans = [(start, min(end, moved_at)) for start, end in spans if start < moved_at]
            spans += [(max(start, moved_at), end) for start, end in other_windows if end > moved_at]
        if pattern == "fading" and spans:  # the user leaves before the account does
            first, last = spans[0][0], spans[-1][1]
            stop = first + (last - first) * rng.uniform(0.2, 0.7)
            spans = [(start, min(end, stop)) for start, end in spans if start < stop]
        gaps: list[tuple[datetime, datetime]] = []
        if pattern == "lapsing":
            for start, end in spans:
                if (end - start).days > 150:
                    gap_start = start + timedelta(days=rng.uniform(20, (end - start).days - 120))
                    gaps.append((gap_start, gap_start + timedelta(days=rng.uniform(60, 180))))
        passive_only = chance == 0  # receives the product's emails, never acts
        rate = -math.log(1 - (1 / 14 if passive_only else chance))
        rows: list[list[str]] = []
        for start, end in spans:
            owner = customer_id
            if moves is not None and customer_id and start >= moved_at:
                owner = moves[0]
            day = datetime(start.year, start.month, start.day)
            while True:
                day += timedelta(days=1 + int(rng.expovariate(rate)))  # the next day, each day with that chance
                if day >= end:
                    break
                if not passive_only and day.weekday() >= 5 and rng.random() < 0.7:
                    continue  # fewer sessions at weekends
                if gaps and any(gap_start <= day < gap_end for gap_start, gap_end in gaps):
                    continue
                self.day_events(rows, user_id, owner, day, start, end, passive_only)
        return rows

    def day_events(self, rows: list[list[str]], user_id: str, customer_id: str, day: datetime, start: datetime,
                   end: datetime, passive_only: bool) -> None:
        """Appends one session's events (from a random time of day, never past midnight)."""
        rng = self.events_rng
        draw = rng.random
        if passive_only:
            names = [PASSIVE_EVENT]
        else:
            more = int(rng.expovariate(1 / self.more_events_per_day) + draw())  # floor of x + U: mean x
            names = ["login"] + [ACTIVE_EVENTS[int(draw() * len(ACTIVE_EVENTS))] for _ in range(more)]
            if draw() < 0.01:
                names.append("invite_user")
            if draw() < 0.08:
                names.append(PASSIVE_EVENT)
        owner = "" if customer_id and draw() < 0.02 else customer_id  # the tracker sent it without the account
        first = max(0, (start - day).total_seconds())
        last = min(86_400, (end - day).total_seconds())
        prefix = self.day_prefixes.get(day)
        if prefix is None:
            prefix = self.day_prefixes[day] = day.strftime("%Y-%m-%d ")
        at = 6 * 3600 + int(draw() * 15 * 3600)
        for name in names:
            if at >= last:
                break
            if at >= first:
                self.event_seq += 1
                event_id = "" if draw() < 0.05 else f"e{self.event_seq:09d}"  # an older tracker sends no id
                clock = f"{at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}"
                rows.append([event_id, user_id, owner, prefix + clock, name])
            at += 5 + int(draw() * 895)

    # -- email ----------------------------------------------------------------
    def email(self, histories: list[CustomerHistory]) -> None:
        """Sends (campaigns and one-off welcome emails) and their events for the chunk's customers."""
        rng = self.email_rng
        self.sends, self.email_events = [], []
        for history in histories:
            customer_id = history.customer_id
            apple_mail = rng.random() < 0.35  # its mail client opens every message by itself
            open_chance = rng.choice([0.05, 0.2, 0.35, 0.6])
            hard_bounces = rng.random() < 0.02  # an address that no longer exists
            suppressed = False
            plan: list[tuple[datetime, str]] = []
            if history.created_at >= HISTORY_START and rng.random() < 0.5:
                plan.append((history.created_at + timedelta(seconds=rng.randrange(30, 600)), ""))
            for k, campaign_at in enumerate(self.campaigns):
                if history.created_at < campaign_at and rng.random() < self.audience_share[k]:
                    plan.append((campaign_at + timedelta(seconds=rng.randrange(0, 5400)), f"cmp{k + 1:03d}"))
            for sent_at, campaign_id in sorted(plan):
                if suppressed:
                    break
                self.send_seq += 1
                send_id = f"m{self.send_seq:08d}"
                self.sends.append([send_id, customer_id, campaign_id, fmt_ts(sent_at)])
                self.last_send = (send_id, sent_at)
                suppressed = self.send_events(send_id, sent_at, apple_mail, open_chance, hard_bounces)

    def add_email_event(self, send_id: str, event_type: str, at: datetime, machine: bool | None = None) -> None:
        spelling = self.email_rng.choice(EMAIL_SPELLINGS[event_type])
        self.email_events.append([send_id, spelling, fmt_ts(at), "" if machine is None else str(machine).lower()])

    def send_events(self, send_id: str, sent_at: datetime, apple_mail: bool, open_chance: float,
                    hard_bounces: bool) -> bool:
        """Writes one send's events; returns whether the address takes no more mail."""
        rng = self.email_rng
        at = sent_at + timedelta(seconds=rng.randrange(1, 90))
        if hard_bounces:
            self.add_email_event(send_id, "bounce", at)
            return True
        if rng.random() < 0.015:  # a soft bounce: the retry arrived and was opened
            self.add_email_event(send_id, "bounce", at)
            self.add_email_event(send_id, "open", at + timedelta(hours=rng.uniform(2, 30)), False)
            return False
        if rng.random() > 0.01:  # a few sends the provider reported nothing about
            self.add_email_event(send_id, "delivered", at)
        if apple_mail:
            self.add_email_event(send_id, "open", at + timedelta(seconds=rng.randrange(20, 1800)), True)
        if rng.random() < open_chance:
            opened_at = at + timedelta(hours=rng.expovariate(1 / 10))
            click = rng.random() < 0.2
            if not click or rng.random() < 0.7:  # a click without an open: images were blocked
                self.add_email_event(send_id, "open", opened_at, None if rng.random() < 0.1 else False)
                if rng.random() < 0.2:
                    self.add_email_event(send_id, "open", opened_at + timedelta(hours=rng.uniform(1, 48)), False)
            if click:
                self.add_email_event(send_id, "click", opened_at + timedelta(seconds=rng.randrange(5, 300)))
            if rng.random() < 0.015:
                self.add_email_event(send_id, "unsubscribe", opened_at + timedelta(seconds=rng.randrange(30, 600)))
                return True
            if rng.random() < 0.006:
                self.add_email_event(send_id, "spam_complaint", opened_at + timedelta(seconds=rng.randrange(30, 600)))
                return True
        return False

    # -- NPS ------------------------------------------------------------------
    def nps_responses(self, histories: list[CustomerHistory]) -> None:
        """Quarterly survey waves; the score follows how the customer behaves."""
        rng = self.nps_rng
        self.nps = []
        for history in histories:
            for wave in SURVEY_WAVES:
                if history.created_at > wave or rng.random() > 0.22:
                    continue
                responded_at = wave + timedelta(hours=rng.expovariate(1 / 120))
                mean = self.expected_score(history, responded_at)
                if mean is None:
                    continue
                score = min(10, max(0, round(rng.gauss(mean, 1.8))))
                self.response_seq += 1
                anonymous = rng.random() < 0.02  # answered through a link that names nobody
                self.nps.append([f"r{self.response_seq:07d}", "" if anonymous else history.customer_id,
                                 fmt_ts(responded_at), str(score)])

    @staticmethod
    def expected_score(history: CustomerHistory, at: datetime) -> float | None:
        """Long-tenured and high-MRR subscribers promote, churned ones detract;
        shoppers score by how much and how lately they buy. None: no relationship yet."""
        paying = [(start, mrr) for start, _, mrr in history.periods if mrr > 0 and start <= at]
        if paying:
            mrr = history.mrr_at(at)
            if mrr == 0:
                return 3.5
            tenure_years = (at - paying[0][0]).days / 365
            return 7.2 + min(tenure_years, 2) * 0.9 + (0.7 if mrr >= 90 else 0)
        bought = [t for t in history.order_times if t <= at]
        if not bought:
            return None
        lapsed = (at - bought[-1]).days > 180
        return 6.6 + min(len(bought), 6) * 0.35 - (1.8 if lapsed else 0)

    # -- the rest ---------------------------------------------------------------
    @staticmethod
    def with_duplicates(rng: random.Random, rows: list[list[str]], share: float) -> list[list[str]]:
        rows = rows + [list(row) for row in rows if rng.random() < share]
        rng.shuffle(rows)
        return rows

    def unusable_rows(self) -> dict[str, list[list[str]]]:
        """A handful of rows per table that the staging layer must reject with a reason
        (typed seeds: only reasons a typed column can hold)."""
        later = "2031-06-01 09:00:00"  # a year typed by mistake: out of range
        some = "2024-03-05 10:00:00"
        ids = [f"e{self.event_seq + n:09d}" for n in (1, 2, 3, 4, 5)]
        self.event_seq += 5
        events = [
            [ids[0], "u000001", "c000001", some, "login"],             # event_id on rows with different values
            [ids[0], "u000001", "c000001", some, "export"],            # (both rejected)
            [ids[1], "", "c000001", some, "login"],                    # missing user_id
            [ids[2], "u000001", "c000001", later, "login"],            # occurred_at out of range
            [ids[3], "u000001", "c000001", "", "login"],               # missing occurred_at
            [ids[4], "u000001", "c000001", some, ""],                  # missing event_name
        ]
        sends = [f"m{self.send_seq + n:08d}" for n in (1, 2, 3, 4)]
        self.send_seq += 4
        email_sends = [
            ["", "c000001", "cmp001", some],                          # missing send_id
            [sends[0], "c000001", "cmp001", some],                    # send_id on rows with different values
            [sends[0], "c000001", "cmp001", "2024-03-06 10:00:00"],   # (both rejected)
            [sends[1], "", "cmp001", some],                           # missing customer_id
            [sends[2], "c000001", "cmp001", later],                   # sent_at out of range
            [sends[3], "c000001", "cmp001", ""],                      # missing sent_at
        ]
        if self.last_send is None:  # a tiny scale without any send: one usable send to refer to
            self.send_seq += 1
            self.last_send = (f"m{self.send_seq:08d}", datetime(2024, 3, 1, 9))
            email_sends.append([self.last_send[0], "c000001", "", fmt_ts(self.last_send[1])])
        real_id, real_at = self.last_send
        after = fmt_ts(real_at + timedelta(hours=1))
        email_events = [
            ["", "open", after, "false"],                             # missing send_id
            [real_id, "open", later, "false"],                        # occurred_at out of range
            [real_id, "open", "", "false"],                           # missing occurred_at
            [real_id, "", after, ""],                                 # missing event_type
            [real_id, "deferred", after, ""],                         # unknown event_type
            [f"m{self.send_seq + 1:08d}", "delivered", after, ""],    # send_id without a send
            [sends[0], "delivered", "2024-03-05 10:00:30", ""],       # send_id without a send (its send is rejected)
            [real_id, "delivered", fmt_ts(real_at - timedelta(hours=2)), ""],  # event before its send
        ]
        responses = [f"r{self.response_seq + n:07d}" for n in (1, 2, 3, 4, 5, 6)]
        self.response_seq += 6
        nps = [
            ["", "c000001", some, "9"],                               # missing response_id
            [responses[0], "c000001", some, "9"],                     # response_id on rows with different values
            [responses[0], "c000001", some, "3"],                     # (both rejected)
            [responses[1], "c000001", later, "9"],                    # responded_at out of range
            [responses[2], "c000001", "", "9"],                       # missing responded_at
            [responses[3], "c000001", some, ""],                      # missing score
            [responses[4], "c000001", some, "11"],                    # score not a whole number from 0 to 10
            [responses[5], "c000001", some, "-1"],                    # score not a whole number from 0 to 10
        ]
        return {"events": events, "email_sends": email_sends, "email_events": email_events,
                "nps_responses": nps}


class EngagementWriter:
    """Writes the four engagement tables chunk by chunk; product events go out
    in shuffled batches so memory stays flat at any scale."""

    EVENT_BATCH = 200_000

    def __init__(self, out: Path, engagement: Engagement):
        self.out = out
        self.engagement = engagement
        self.totals = dict.fromkeys(ENGAGEMENT_TABLES, 0)
        self.opened: set[str] = set()

    def write(self, table: str, header: list[str], rows: list[list[str]]) -> None:
        write_csv(self.out / f"{table}.csv", header, rows, append=table in self.opened)
        self.opened.add(table)
        self.totals[table] += len(rows)

    def chunk(self, histories: list[CustomerHistory], last: bool) -> None:
        engagement = self.engagement
        rng = engagement.events_rng
        batch: list[list[str]] = []
        for rows in engagement.events(histories):
            batch += rows
            if len(batch) >= self.EVENT_BATCH:
                self.write("events", EVENT_COLUMNS, engagement.with_duplicates(rng, batch, 0.003))
                batch = []
        engagement.email(histories)
        engagement.nps_responses(histories)
        unusable = engagement.unusable_rows() if last else dict.fromkeys(ENGAGEMENT_TABLES, [])
        tables = [
            ("events", EVENT_COLUMNS, batch, 0.003, rng),
            ("email_sends", EMAIL_SEND_COLUMNS, engagement.sends, 0.003, engagement.email_rng),
            ("email_events", EMAIL_EVENT_COLUMNS, engagement.email_events, 0.002, engagement.email_rng),
            ("nps_responses", NPS_COLUMNS, engagement.nps, 0.01, engagement.nps_rng),
        ]
        for table, header, rows, share, table_rng in tables:
            rows = engagement.with_duplicates(table_rng, rows + unusable[table], share)
            self.write(table, header, rows)


def acquisition_costs(seed: int, scale: float) -> list[list[str]]:
    """Monthly marketing spend per paid channel (organic has none), from a
    random stream of its own so the other files do not change with it."""
    rng = random.Random(seed + 1)
    rows = []
    year, month = HISTORY_START.year, HISTORY_START.month
    while datetime(year, month, 1) < HISTORY_END:
        for channel, base in PAID_CHANNELS.items():
            spend = base * scale * rng.uniform(0.6, 1.4)
            rows.append([f"{year:04d}-{month:02d}-01", channel, f"{spend:.2f}"])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    rows.append(["2024-05-01", "tv", "-50.00"])  # unusable: negative spend
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], append: bool = False) -> None:
    with path.open("a" if append else "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if not append:
            writer.writerow(header)
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help=f"customer count in units of {CUSTOMERS_PER_SCALE} (default 1)")
    parser.add_argument("--order-intensity", type=float, default=1.0,
                        help="how many times more often repeat buyers order, and less often lapse (default 1)")
    parser.add_argument("--chunk-customers", type=int, default=50_000,
                        help="customers generated and written per chunk (default 50000)")
    parser.add_argument("--event-intensity", type=float, default=1.0,
                        help="how many times more product events users make on a day they are active (default 1)")
    parser.add_argument("--without-engagement", action="store_true",
                        help="write only orders, subscriptions, customers and acquisition_costs, "
                             "not events, email_sends, email_events and nps_responses")
    parser.add_argument("--out", type=Path, default=Path("seeds/raw"), help="output folder")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be above zero")
    if args.order_intensity <= 0:
        parser.error("--order-intensity must be above zero")
    if args.chunk_customers < 1:
        parser.error("--chunk-customers must be at least 1")
    if args.event_intensity <= 0:
        parser.error("--event-intensity must be above zero")
    generator = Generator(args.seed, args.scale, args.order_intensity)
    args.out.mkdir(parents=True, exist_ok=True)
    engagement = None
    if not args.without_engagement:
        engagement = EngagementWriter(args.out, Engagement(args.seed, args.scale, args.event_intensity))
    totals = [0, 0, 0]
    for index, done in enumerate(generator.chunks(args.chunk_customers)):
        append = index > 0
        write_csv(args.out / "orders.csv", ORDER_COLUMNS, generator.orders, append)
        write_csv(args.out / "subscriptions.csv", SUBSCRIPTION_COLUMNS, generator.subscriptions, append)
        write_csv(args.out / "customers.csv", CUSTOMER_COLUMNS, generator.customers, append)
        for position, rows in enumerate((generator.orders, generator.subscriptions, generator.customers)):
            totals[position] += len(rows)
        if engagement is not None:
            engagement.chunk(generator.histories, last=done == generator.n_customers)
        if generator.n_customers > args.chunk_customers:
            events = "" if engagement is None else f", {engagement.totals['events']} events"
            print(f"  {done}/{generator.n_customers} customers, {totals[0]} orders{events} so far", file=sys.stderr)
    write_csv(args.out / "acquisition_costs.csv", ACQUISITION_COST_COLUMNS, acquisition_costs(args.seed, args.scale))
    print(
        f"wrote {totals[0]} orders, {totals[1]} subscription rows, {totals[2]} customers to {args.out}",
        file=sys.stderr,
    )
    if engagement is not None:
        counts = ", ".join(f"{count} {table}" for table, count in engagement.totals.items())
        print(f"wrote {counts} to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
