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

    python scripts/generate_demo_data.py --seed 42 --scale 1 --out seeds/raw

--scale 1 is the committed demo (about 400 customers); larger scales multiply
the customer count, and --order-intensity multiplies how often repeat buyers
order (and divides how soon they lapse). Output is CSV with LF line endings,
written in chunks of customers so any scale fits in memory; progress goes to
stderr. The benchmark's default data set (about 10 million orders, 1 million
customers) is

    python scripts/generate_demo_data.py --scale 2500 --order-intensity 4 --out /tmp/bench
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
    parser.add_argument("--out", type=Path, default=Path("seeds/raw"), help="output folder")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be above zero")
    if args.order_intensity <= 0:
        parser.error("--order-intensity must be above zero")
    if args.chunk_customers < 1:
        parser.error("--chunk-customers must be at least 1")
    generator = Generator(args.seed, args.scale, args.order_intensity)
    args.out.mkdir(parents=True, exist_ok=True)
    totals = [0, 0, 0]
    for index, done in enumerate(generator.chunks(args.chunk_customers)):
        append = index > 0
        write_csv(args.out / "orders.csv", ORDER_COLUMNS, generator.orders, append)
        write_csv(args.out / "subscriptions.csv", SUBSCRIPTION_COLUMNS, generator.subscriptions, append)
        write_csv(args.out / "customers.csv", CUSTOMER_COLUMNS, generator.customers, append)
        for position, rows in enumerate((generator.orders, generator.subscriptions, generator.customers)):
            totals[position] += len(rows)
        if generator.n_customers > args.chunk_customers:
            print(f"  {done}/{generator.n_customers} customers, {totals[0]} orders so far", file=sys.stderr)
    write_csv(args.out / "acquisition_costs.csv", ACQUISITION_COST_COLUMNS, acquisition_costs(args.seed, args.scale))
    print(
        f"wrote {totals[0]} orders, {totals[1]} subscription rows, {totals[2]} customers to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
