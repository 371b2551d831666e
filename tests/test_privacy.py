"""Personal data: no email-derived value reaches the marts unless the user sets
a secret key (RETENTION_EMAIL_HASH_KEY); with one, email_hash is HMAC-SHA256
of the normalised address exactly as the Python recipe in docs/metrics.md
(section 8) computes it: that recipe is read from the docs and run here."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

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


def documented_recipe():
    """The `email_hash(key, email)` of the Python block in docs/metrics.md's
    section 8: what other systems are told to compute to join on email_hash."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text(encoding="utf-8")
    section = docs[docs.index("## 8. Personal data"):]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block, "docs/metrics.md section 8 gives the recipe as a ```python block"
    namespace: dict = {}
    exec("\n".join(line.removeprefix("  ") for line in block.group(1).splitlines()), namespace)
    return namespace["email_hash"]


expected_hash = documented_recipe()


def email_hashes(warehouse) -> dict[str, str | None]:
    hashes = dict(warehouse.query("select customer_id, email_hash from main.dim_customers"))
    staged = dict(warehouse.query("select customer_id, email_hash from main_staging.stg_crm__customers"))
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


# Every character Python's str.strip() removes (str.isspace()): 29 of them.
PYTHON_WHITESPACE = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())
# Addresses as exports deliver them: (customer_id, email, the same address written plainly, or
# None when it must have no hash). Ids starting with "n" have no hash.
ADDRESSES = [
    ("cr", "a@x.com\r", "a@x.com"),  # the last column of a CRLF export
    ("crlf", "A@X.com\r\n", "a@x.com"),
    ("lf", "a@x.com\n", "a@x.com"),
    ("tab", "a@x.com\t", "a@x.com"),
    ("tabs", "\ta@x.com\t", "a@x.com"),
    ("mixed", " \t\r\n\x0b\x0cA@x.COM\x0c\x0b\n\r\t ", "a@x.com"),
    ("nbsp", "\xa0a@x.com\u3000", "a@x.com"),
    ("all_ws", PYTHON_WHITESPACE + "A@X.COM" + PYTHON_WHITESPACE[::-1], "a@x.com"),
    ("plain", "a@x.com", "a@x.com"),
    ("dotted_i", "İlkay@Example.com", "İlkay@example.com"),
    ("dotted_i_ws", "\tİLKAY@EXAMPLE.COM\r", "İlkay@example.com"),
    ("final_sigma", "ΟΔΥΣΣΕΥΣ@example.gr", "ΟΔΥΣΣΕΥΣ@example.gr"),
    ("sigma_ws", "ΟΔΥΣΣΕΥΣ@EXAMPLE.GR\r\n", "ΟΔΥΣΣΕΥΣ@example.gr"),
    ("greek_lower", "οδυσσευς@example.gr", "οδυσσευς@example.gr"),
    ("umlaut", "JÖRG.Müller@Example.DE", "jÖrg.müller@example.de"),
    ("kelvin", "\u212a@x.com", "\u212a@x.com"),
    ("eszett", "Straße@X.com", "straße@x.com"),
    ("inner_ws", "a\t@x.com", "a\t@x.com"),
    ("zero_width", "\u200ba@x.com\ufeff", "\u200ba@x.com\ufeff"),
    ("mongolian_vs", "a@x.com\u180e", "a@x.com\u180e"),
    ("n_only_ws", "\t\r\n ", None),
    ("n_cr", "\r", None),
    ("n_all_ws", PYTHON_WHITESPACE, None),
    ("n_empty", "", None),
    ("n_null", None, None),
]


@pytest.fixture
def address_warehouse(warehouse):
    warehouse.load_raw("privacy_raw", "orders", [
        ("o1", "plain", datetime(2024, 1, 5, 10), "completed", Decimal("100.00"), "USD", None),
    ])
    warehouse.load_raw("privacy_raw", "customers", [
        (customer, datetime(2024, 1, 1), "de", "organic", email) for customer, email, _ in ADDRESSES
    ])
    return warehouse


def test_the_macro_strips_exactly_the_29_characters_pythons_strip_removes():
    # the list docs/metrics.md and the macro's comment give, by code point
    assert [ord(c) for c in PYTHON_WHITESPACE] == [
        *range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ]
    # the macro's Jinja string, its escapes read as Jinja reads them
    macro = (Path(__file__).resolve().parents[1] / "macros" / "cross_db" / "personal_data.sql").read_text()
    assignment = re.search(r"set whitespace = (.*?)-%}", macro, re.DOTALL)
    assert assignment, "normalise_personal_data sets `whitespace`"
    literals = re.findall(r'"([^"]*)"', assignment.group(1))
    assert "".join(literal.encode("ascii").decode("unicode-escape") for literal in literals) == PYTHON_WHITESPACE


def test_email_hash_is_the_documented_recipe_for_whitespace_and_non_ascii_letters(address_warehouse, monkeypatch):
    run = build(address_warehouse, monkeypatch, FIRST_KEY, UPSTREAM)
    assert run.success, run.text
    hashes = email_hashes(address_warehouse)
    assert set(hashes) == {customer for customer, *_ in ADDRESSES}
    wrong = {
        customer: (email, hashes[customer], expected_hash(FIRST_KEY, email))
        for customer, email, _ in ADDRESSES
        if hashes[customer] != expected_hash(FIRST_KEY, email)
    }
    assert not wrong, f"email_hash is not the recipe of docs/metrics.md for {sorted(wrong)}: {wrong}"
    for customer, email, plain in ADDRESSES:
        if plain is None:
            assert hashes[customer] is None, (customer, email)
        else:
            assert hashes[customer] == expected_hash(FIRST_KEY, plain) is not None, (customer, email, plain)
    assert hashes["cr"] == hashes["tabs"] == hashes["all_ws"] == hashes["plain"]
    assert hashes["dotted_i"] == hashes["dotted_i_ws"] and hashes["final_sigma"] == hashes["sigma_ws"]
