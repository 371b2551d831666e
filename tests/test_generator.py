"""The demo data generator: deterministic, and as messy as the issue asks."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from tests.dbt_harness import ROOT

GENERATOR = ROOT / "scripts" / "generate_demo_data.py"
SEEDS = ROOT / "seeds" / "raw"


def generate(out: Path, *args: str) -> None:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out), *args], check=True,
                   capture_output=True)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_gives_identical_files_and_matches_committed_seeds(tmp_path):
    generate(tmp_path / "a", "--seed", "42")
    generate(tmp_path / "b", "--seed", "42")
    for name in ("orders.csv", "subscriptions.csv", "customers.csv", "acquisition_costs.csv"):
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
