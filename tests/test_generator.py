"""The demo data generator: deterministic, and as messy as the issue asks."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

from tests.dbt_harness import ROOT

SEEDS = ROOT / "seeds" / "raw"


def generate(out: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "retention_lab.generate_demo_data", "--out", str(out), *args], check=True,
                   capture_output=True)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_gives_identical_files_and_matches_committed_seeds(tmp_path):
    generate(tmp_path / "a", "--seed", "42")
    generate(tmp_path / "b", "--seed", "42")
    for name in ("orders.csv", "subscriptions.csv", "customers.csv", "acquisition_costs.csv", "events.csv",
                 "email_sends.csv", "email_events.csv", "nps_responses.csv"):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes()
        assert first == (SEEDS / name).read_bytes(), f"seeds/raw/{name} is not the generator's output"


def test_other_seed_and_scale_change_the_data(tmp_path):
    generate(tmp_path / "a", "--seed", "1")
    generate(tmp_path / "b", "--seed", "2", "--scale", "2")
    assert (tmp_path / "a" / "orders.csv").read_bytes() != (tmp_path / "b" / "orders.csv").read_bytes()
    assert len(read(tmp_path / "b" / "customers.csv")) == 2 * len(read(tmp_path / "a" / "customers.csv"))


def test_seed_files_use_lf_line_endings_only():
    for path in SEEDS.glob("*.csv"):
        assert b"\r" not in path.read_bytes(), path


def test_demo_data_holds_the_edge_cases():
    orders = read(SEEDS / "orders.csv")
    subscriptions = read(SEEDS / "subscriptions.csv")
    statuses = {row["status"] for row in orders}
    normalised = {status.strip().lower() for status in statuses}
    assert {"completed", "refunded", "cancelled", "pending"} <= normalised
    assert any(status != status.strip().lower() for status in statuses), "statuses in mixed case"
    keys = [tuple(row.values()) for row in orders]
    assert len(keys) > len(set(keys)), "exact duplicate orders"
    assert any(row["refunded_amount"] and row["refunded_amount"] != row["amount"] for row in orders), "partial refunds"
    buyers: dict[str, int] = {}
    for row in orders:
        buyers[row["customer_id"]] = buyers.get(row["customer_id"], 0) + 1
    assert any(n == 1 for n in buyers.values()) and any(n >= 5 for n in buyers.values())
    assert {"week", "month", "quarter", "year"} <= {row["billing_interval"] for row in subscriptions}
    assert any(row["amount"] == "0.00" for row in subscriptions), "zero-price trials"
    assert any(row["quantity"] not in ("", "1") for row in subscriptions), "seats"
    assert any(row["started_at"].endswith("-01 00:00:00") for row in subscriptions), "starts on a boundary"
    by_subscription: dict[str, int] = {}
    for row in subscriptions:
        by_subscription[row["subscription_id"]] = by_subscription.get(row["subscription_id"], 0) + 1
    assert any(n >= 3 for n in by_subscription.values()), "price changes as new price periods"
    assert any(row["ended_at"] == "" for row in subscriptions) and any(row["ended_at"] for row in subscriptions)


def test_engagement_tables_leave_the_other_files_unchanged(tmp_path):
    """The engagement tables draw from random streams of their own: writing them,
    or not, changes no byte of the shop and billing files."""
    generate(tmp_path / "without", "--seed", "42", "--without-engagement")
    assert not (tmp_path / "without" / "events.csv").exists()
    for name in ("orders.csv", "subscriptions.csv", "customers.csv", "acquisition_costs.csv"):
        assert (tmp_path / "without" / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_event_intensity_multiplies_the_events_and_chunks_stream_them(tmp_path):
    generate(tmp_path / "a", "--seed", "3", "--scale", "0.5")
    generate(tmp_path / "b", "--seed", "3", "--scale", "0.5", "--event-intensity", "3", "--chunk-customers", "40")
    def events_per_active_day(path: Path) -> float:
        days = Counter((row["user_id"], row["occurred_at"][:10]) for row in read(path) if row["event_name"] == "login")
        per_day = Counter((row["user_id"], row["occurred_at"][:10]) for row in read(path))
        return sum(per_day[day] for day in days) / len(days)

    single, intense = events_per_active_day(tmp_path / "a" / "events.csv"), events_per_active_day(
        tmp_path / "b" / "events.csv")
    assert 1.4 < intense / single < 1.9, (single, intense)  # 1 + 0.5 x intensity + 0.09 events
    for table, key in (("events", "event_id"), ("email_sends", "send_id"), ("nps_responses", "response_id")):
        rows = {tuple(row.values()): row[key] for row in read(tmp_path / "b" / f"{table}.csv") if row[key]}
        repeated = [key for key, n in Counter(rows.values()).items() if n > 1]
        assert len(repeated) == 1, (table, repeated)  # the planted conflict only: ids run on across chunks


def active_days(events: list[dict[str, str]]) -> dict[str, list[date]]:
    days: dict[str, set[date]] = defaultdict(set)
    for row in events:
        if row["user_id"] and row["occurred_at"] and row["event_name"] != "email_received":
            days[row["user_id"]].add(date.fromisoformat(row["occurred_at"][:10]))
    return {user: sorted(found) for user, found in days.items()}


def test_demo_events_hold_the_edge_cases():
    events = read(SEEDS / "events.csv")
    subscriptions = read(SEEDS / "subscriptions.csv")
    assert 10_000 <= len(events) <= 15_000, "small enough to seed row by row"
    paying = {row["customer_id"] for row in subscriptions if row["amount"] not in ("0.00", "") and
              not row["amount"].startswith("-")}
    assert {row["customer_id"] for row in events if row["customer_id"]} <= paying | {"c000001"}, \
        "users belong to paying SaaS customers (c000001 is on the unusable rows)"
    days = active_days(events)
    weeks = {user: len({d.isocalendar()[:2] for d in found}) for user, found in days.items()}
    daily = [u for u, found in days.items() if len(found) >= 100 and len(found) / weeks[u] >= 3.5]
    weekly = [u for u, found in days.items() if weeks[u] >= 20 and 0.9 <= len(found) / weeks[u] <= 2]
    lapsing = [u for u, found in days.items()
               if any((b - a).days >= 60 and a > found[0] and b < found[-1] and len(found) >= 10
                      for a, b in zip(found, found[1:]))]
    assert len(daily) >= 5 and len(weekly) >= 20 and len(lapsing) >= 10, (len(daily), len(weekly), len(lapsing))
    names = Counter(row["event_name"] for row in events)
    assert {"login", "view_dashboard", "create_report", "export", "invite_user", "email_received"} <= set(names)
    passive_only = {row["user_id"] for row in events if row["event_name"] == "email_received"} - set(days)
    assert passive_only, "users whose only events are passive: var active_event_names changes who is active"
    accounts: dict[str, set[str]] = defaultdict(set)
    for row in events:
        if row["customer_id"]:
            accounts[row["user_id"]].add(row["customer_id"])
    assert any(len(found) > 1 for found in accounts.values()), "a user who moves to another account"
    assert {row["user_id"] for row in events} - set(accounts), "users never linked to an account"
    assert any(not row["event_id"] for row in events) and any(row["event_id"] for row in events)
    keys = [tuple(row.values()) for row in events]
    assert len(keys) > len(set(keys)), "exact duplicate events"
    assert any("2025-01-01" <= row["occurred_at"] < "2026" for row in events), "events after the as-of date"
    assert all(row["occurred_at"] >= "2023-01-01" for row in events if row["occurred_at"])


def email_outcomes() -> dict[str, list[tuple[str, str]]]:
    by_send: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in read(SEEDS / "email_events.csv"):
        by_send[row["send_id"]].append((row["event_type"].strip().lower(), row["is_machine_open"]))
    return by_send


def test_demo_email_holds_the_edge_cases():
    sends = read(SEEDS / "email_sends.csv")
    events = read(SEEDS / "email_events.csv")
    assert 2_000 <= len(sends) <= 3_000
    campaigns = {row["campaign_id"] for row in sends if row["campaign_id"]}
    assert len(campaigns) == 20 and any(not row["campaign_id"] for row in sends)
    by_send = email_outcomes()
    types = [kinds for kinds in by_send.values()]
    hard = [k for k in types if [t for t, _ in k] == ["bounce"]]
    soft = [k for k in types if {"bounce", "open"} <= {t for t, _ in k}]
    machine = [k for k in types if ("open", "true") in k]
    human = [k for k in types if ("open", "false") in k]
    click_without_open = [k for k in types if "click" in {t for t, _ in k} and "open" not in {t for t, _ in k}]
    assert len(hard) >= 3 and len(soft) >= 3, "hard and soft bounces"
    assert len(machine) >= 100 and len(human) >= 100, "machine opens and a person's opens"
    assert len(click_without_open) >= 5
    assert sum("unsubscribe" in {t for t, _ in k} for k in types) >= 3
    assert any("spam_complaint" in {t for t, _ in k} for k in types)
    spellings = {row["event_type"] for row in events}
    assert any(s != s.strip().lower() for s in spellings if s), "event types in mixed case and with spaces"
    assert {row["send_id"] for row in sends} - set(by_send), "sends without any event"
    known_types = {"delivered", "bounce", "open", "click", "unsubscribe", "spam_complaint"}
    distinct_sends = {tuple(row.values()): row for row in sends}.values()
    rows_per_id = Counter(row["send_id"] for row in distinct_sends)
    sent = {row["send_id"]: row["sent_at"] for row in distinct_sends
            if rows_per_id[row["send_id"]] == 1 and row["sent_at"] and row["customer_id"]}
    early = [row for row in events if row["send_id"] in sent and row["occurred_at"] and
             row["event_type"].strip().lower() in known_types and row["occurred_at"] < sent[row["send_id"]]]
    assert len(early) == 1, "events follow their send, apart from the one planted unusable row"
    stopped = {row["send_id"] for row in events if row["event_type"].strip().lower() in ("unsubscribe", "spam_complaint")}
    customer_of = {row["send_id"]: row["customer_id"] for row in sends}
    for send_id in stopped:
        later = [row for row in sends if row["customer_id"] == customer_of[send_id] and row["campaign_id"]
                 and row["sent_at"] > sent[send_id]]
        assert not later, ("campaign mail after an unsubscribe", send_id)


def test_demo_nps_follows_behaviour():
    responses = [row for row in read(SEEDS / "nps_responses.csv")
                 if row["response_id"] and row["score"] and row["responded_at"] and row["responded_at"] < "2026"]
    assert 300 <= len(responses) <= 500
    scores = Counter(int(row["score"]) for row in responses if 0 <= int(row["score"]) <= 10)
    assert all(scores[s] for s in range(2, 11)), scores
    answered = Counter(row["customer_id"] for row in responses if row["customer_id"])
    assert any(n > 1 for n in answered.values()) and any(not row["customer_id"] for row in responses)
    periods: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for row in read(SEEDS / "subscriptions.csv"):
        if row["started_at"] and row["amount"] and float(row["amount"]) > 0:
            periods[row["customer_id"]].append((row["started_at"], row["ended_at"], float(row["amount"])))
    paying_now, churned = [], []
    for row in responses:
        mine = periods.get(row["customer_id"], [])
        started = [p for p in mine if p[0] <= row["responded_at"]]
        if not started:
            continue
        running = [p for p in started if not p[1] or p[1] > row["responded_at"]]
        (paying_now if running else churned).append(int(row["score"]))
    assert len(paying_now) >= 20 and len(churned) >= 10
    assert sum(paying_now) / len(paying_now) > sum(churned) / len(churned) + 2, "churned customers score lower"
    assert any("2025-01-01" <= row["responded_at"] for row in responses), "answers after the as-of date"
