"""Writes the text-feed fixture: the demo data as a feed that delivers every
column as text, written the many ways real exports write the same value, plus
rows holding values no warehouse can use.

    python scripts/generate_text_feed.py [--out seeds/text_feed]

The usable rows are the demo's rows, each value rewritten in an equivalent
form (ISO 8601 with `T`, `Z` or a UTC offset, amounts with spaces, a sign or an
exponent, `infinity` for a subscription that has not ended). So a build of the
text feed must publish exactly the marts of the demo build, and reject the
demo's unusable rows plus every row of BAD_ROWS with the reason given there.
The output is deterministic: a test checks the committed files equal it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "seeds" / "raw"
OUT = ROOT / "seeds" / "text_feed"
TABLES = ("orders", "subscriptions", "customers", "acquisition_costs")

# Rows no build can use, each with the reason rejected_rows must give. Values
# are the raw text (None = empty). Customer ids are the demo's, so a row that
# were wrongly accepted would change the marts.
BAD_ROWS: dict[str, list[tuple[dict[str, str | None], str]]] = {
    "orders": [
        ({"ordered_at": "2024-02-30 10:00:00"}, "unparseable ordered_at"),
        ({"ordered_at": "garbage"}, "unparseable ordered_at"),
        ({"ordered_at": "03/05/2024 10:00"}, "unparseable ordered_at"),
        ({"ordered_at": "2023-13-01 00:00:00"}, "unparseable ordered_at"),
        ({"ordered_at": "2024-01-31T25:00:00"}, "unparseable ordered_at"),
        ({"ordered_at": "2024-01-31 10:00:00 +99:00"}, "unparseable ordered_at"),
        ({"ordered_at": "2024-01-31t20:00:00z"}, "unparseable ordered_at"),
        ({"ordered_at": "0000-01-01 00:00:00"}, "ordered_at out of range"),
        ({"ordered_at": "infinity"}, "ordered_at out of range"),
        ({"ordered_at": "-infinity"}, "ordered_at out of range"),
        ({"ordered_at": "2031-06-01 09:00:00", "status": "pending"}, "ordered_at out of range"),
        ({"ordered_at": "1899-12-31 23:59:59"}, "ordered_at out of range"),
        ({"ordered_at": None}, "missing ordered_at"),
        ({"amount": "NaN"}, "amount out of range"),
        ({"amount": "inf"}, "amount out of range"),
        ({"amount": "-Infinity"}, "amount out of range"),
        ({"amount": "1e40"}, "amount out of range"),
        ({"amount": "1e26"}, "amount out of range"),
        ({"amount": "1000000000000000"}, "amount out of range"),
        ({"amount": "12,50"}, "unparseable amount"),
        ({"amount": "$12.50"}, "unparseable amount"),
        ({"amount": "garbage"}, "unparseable amount"),
        ({"amount": "1e400"}, "unparseable amount"),
        ({"amount": "100000000000000000000000000000000e-20"}, "unparseable amount"),
        ({"refunded_amount": "abc"}, "unparseable refunded_amount"),
        ({"refunded_amount": "nan"}, "refunded_amount out of range"),
        ({"status": "shipped"}, "unknown status"),
        ({"currency": "XYZ"}, "currency without exchange rate"),
    ],
    "subscriptions": [
        ({"started_at": "2024-02-30 00:00:00"}, "unparseable started_at"),
        ({"started_at": "yesterday"}, "unparseable started_at"),
        ({"started_at": "2031-01-01 00:00:00"}, "started_at out of range"),
        ({"started_at": "infinity"}, "started_at out of range"),
        ({"ended_at": "garbage"}, "unparseable ended_at"),
        ({"ended_at": "1800-01-01 00:00:00"}, "ended_at out of range"),
        ({"amount": "NaN"}, "amount out of range"),
        ({"amount": "1e26"}, "amount out of range"),
        ({"amount": "ten"}, "unparseable amount"),
        ({"quantity": "2.5"}, "unparseable quantity"),
        ({"quantity": "two"}, "unparseable quantity"),
        ({"quantity": "1e20"}, "quantity out of range"),
    ],
    "customers": [
        ({"created_at": "not a date"}, "unparseable created_at"),
        ({"created_at": "2099-01-01 00:00:00"}, "created_at out of range"),
    ],
    "acquisition_costs": [
        ({"month": "2024-13-01"}, "unparseable month"),
        ({"month": "not a month"}, "unparseable month"),
        ({"month": "1850-01-01"}, "month out of range"),
        ({"spend": "NaN"}, "spend out of range"),
        ({"spend": "1e40"}, "spend out of range"),
        ({"spend": "a lot"}, "unparseable spend"),
    ],
}

# The usable row each bad row starts from: a bad row is this row with the bad
# value set and its key made unique (so it conflicts with nothing).
TEMPLATES: dict[str, dict[str, str | None]] = {
    "orders": {"order_id": None, "customer_id": "c000001", "ordered_at": "2024-03-05 10:00:00",
               "status": "completed", "amount": "25.00", "currency": "USD", "refunded_amount": None},
    "subscriptions": {"subscription_id": None, "customer_id": "c000001", "plan_id": "pro_monthly",
                      "started_at": "2024-03-05 10:00:00", "ended_at": None, "billing_interval": "month",
                      "amount": "49.00", "quantity": "1", "currency": "USD"},
    "customers": {"customer_id": None, "created_at": "2024-03-05 10:00:00", "country": "US",
                  "acquisition_channel": "email", "email": None},
    "acquisition_costs": {"month": "2022-01-01", "channel": None, "spend": "100.00"},
}
KEYS = {"orders": "order_id", "subscriptions": "subscription_id", "customers": "customer_id",
        "acquisition_costs": "channel"}


def variant(row: list[str], count: int) -> int:
    """A deterministic choice per row content, so exact duplicate rows stay exact duplicates."""
    return int(hashlib.sha256("|".join(row).encode()).hexdigest(), 16) % count


def timestamp_text(value: str, choice: int) -> str:
    """The same UTC instant written another way."""
    if not value:
        return value
    instant = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    if choice == 0:
        return value
    if choice == 1:
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    if choice == 2:
        return (instant - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
    if choice == 3:
        return (instant + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S+05:30")
    if choice == 4:
        return f"  {instant.strftime('%Y-%m-%d %H:%M:%S')}.000  "
    return (instant + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+01")


def number_text(value: str, choice: int) -> str:
    """The same number written another way."""
    if not value:
        return value
    if choice == 0:
        return value
    if choice == 1:
        return f" {value} "
    if choice == 2:
        return f"+{value}" if not value.startswith("-") else value
    if choice == 3 and "." in value:
        whole, fraction = value.lstrip("-").split(".")
        digits = (whole + fraction).lstrip("0") or "0"
        exponent = len(whole) - (len(whole + fraction) - len(digits)) - 1 if digits != "0" else 0
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return ("-" if value.startswith("-") else "") + f"{mantissa}e{exponent}"
    return value


TIMESTAMP_COLUMNS = {"ordered_at", "started_at", "ended_at", "created_at"}
NUMBER_COLUMNS = {"amount", "refunded_amount", "spend", "quantity"}


def rewrite(table: str, header: list[str], row: list[str]) -> list[str]:
    choice = variant(row, 6)
    out = []
    for name, value in zip(header, row):
        if name in TIMESTAMP_COLUMNS:
            value = timestamp_text(value, choice)
        elif name in NUMBER_COLUMNS:
            value = number_text(value, choice % 4)
        elif name == "month" and value and choice % 2:
            value = value + "T00:00:00Z"
        out.append(value)
    if table == "subscriptions":
        ended = header.index("ended_at")
        if not out[ended] and choice % 3 == 0:
            out[ended] = "infinity"  # how some billing systems write "no end"
    return out


def bad_rows(table: str, header: list[str]) -> list[list[str]]:
    rows = []
    for number, (values, _) in enumerate(BAD_ROWS[table], start=1):
        row = dict(TEMPLATES[table])
        row[KEYS[table]] = f"bad-{table}-{number:02d}"
        row.update(values)
        rows.append(["" if row[name] is None else row[name] for name in header])
    return rows


def render(table: str) -> str:
    with open(DEMO / f"{table}.csv", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [rewrite(table, header, row) for row in reader]
    rows += bad_rows(table, header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def expected_new_rejections() -> list[tuple[str, str]]:
    """(source_table, reason) of every bad row, beyond the demo's own rejects."""
    return sorted((table, reason) for table in TABLES for _, reason in BAD_ROWS[table])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        (args.out / f"text_feed__{table}.csv").write_text(render(table), newline="")
        print(f"wrote {args.out / f'text_feed__{table}.csv'}")


if __name__ == "__main__":
    main()
