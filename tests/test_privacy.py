"""Personal data: no email-derived value reaches the marts unless the user sets
a secret key (RETENTION_EMAIL_HASH_KEY); with one, email_hash is HMAC-SHA256
of the trimmed, lower-cased address, as Python's hmac computes it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from decimal import Decimal

import pytest

KEY_VAR = "RETENTION_EMAIL_HASH_KEY"
FIRST_KEY = "0123456789abcdef0123456789abcdef"
SECOND_KEY = "a different secret, also long enough"

CUSTOMERS = [
    ("c1", datetime(2024, 1, 1), "de", "organic", " A@X.com "),
    ("c2", datetime(2024, 1, 2), "de", "organic", "a@x.com"),
    ("c3", datetime(2024, 1, 3), "fr", "social", "Jörg.Müller@Example.DE"),
    ("c4", datetime(2024, 1, 4), "us", "referral", "bob+tag@example.org"),
    ("c5", datetime(2024, 1, 5), "us", "referral", None),
    ("c6", datetime(2024, 1, 6), "us", "referral", "   "),
]
ORDERS = [
    ("o1", "c1", datetime(2024, 1, 5, 10), "completed", Decimal("100.00"), "USD", None),
    ("o2", "c4", datetime(2024, 2, 1, 9), "completed", Decimal("20.00"), "USD", None),
]
UPSTREAM = ("run", "--select", "+dim_customers")
EMAIL_MODELS = ("run", "--select", "base_crm__customers", "stg_crm__customers", "dim_customers")


def expected_hash(key: str, email: str | None) -> str | None:
    address = None if email is None else email.strip(" ").lower()
    if not address:
        return None
    return hmac.new(key.encode("utf-8"), address.encode("utf-8"), hashlib.sha256).hexdigest()


def email_hashes(warehouse) -> dict[str, str | None]:
    hashes = dict(warehouse.query("select customer_id, email_hash from main.dim_customers"))
    staged = dict(warehouse.query("select customer_id, email_hash from main.stg_crm__customers"))
    assert staged == {c: h for c, h in hashes.items() if c in staged}, "the mart publishes the staged hash"
    return hashes


def build(warehouse, monkeypatch, key: str | None, select=EMAIL_MODELS):
    if key is None:
        monkeypatch.delenv(KEY_VAR, raising=False)
    else:
        monkeypatch.setenv(KEY_VAR, key)
    try:
        return warehouse.dbt(*select, vars={"raw_schema": "privacy_raw"})
    finally:
        monkeypatch.delenv(KEY_VAR, raising=False)


@pytest.fixture
def privacy_warehouse(warehouse):
    warehouse.load_raw("privacy_raw", "orders", ORDERS)
    warehouse.load_raw("privacy_raw", "customers", CUSTOMERS)
    return warehouse


def test_email_hash_is_null_without_a_key_and_keyed_sha256_with_one(privacy_warehouse, monkeypatch):
    run = build(privacy_warehouse, monkeypatch, None, UPSTREAM)
    assert run.success, run.text
    without_key = email_hashes(privacy_warehouse)
    assert set(without_key) == {c for c, *_ in CUSTOMERS}
    assert all(value is None for value in without_key.values()), without_key

    run = build(privacy_warehouse, monkeypatch, FIRST_KEY)
    assert run.success, run.text
    first = email_hashes(privacy_warehouse)
    assert first == {c: expected_hash(FIRST_KEY, email) for c, *_, email in CUSTOMERS}
    assert first["c1"] == first["c2"] is not None, "' A@X.com ' and 'a@x.com' are one address"
    assert first["c5"] is None and first["c6"] is None, "no address, no hash"

    run = build(privacy_warehouse, monkeypatch, SECOND_KEY)
    assert run.success, run.text
    second = email_hashes(privacy_warehouse)
    assert second == {c: expected_hash(SECOND_KEY, email) for c, *_, email in CUSTOMERS}
    for customer in ("c1", "c2", "c3", "c4"):
        assert second[customer] != first[customer], customer

    run = build(privacy_warehouse, monkeypatch, None)
    assert run.success, run.text
    assert all(value is None for value in email_hashes(privacy_warehouse).values())


@pytest.mark.parametrize("key", ["too short", "x" * 65])
def test_a_key_of_the_wrong_length_fails_naming_the_variable(warehouse, monkeypatch, key):
    warehouse.load_raw("privacy_raw", "customers", CUSTOMERS)
    run = build(warehouse, monkeypatch, key, ("compile", "--select", "base_crm__customers"))
    assert not run.success
    assert KEY_VAR in run.text and "16 to 64 bytes" in run.text
