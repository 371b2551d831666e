"""Writes the text-feed fixture: the demo data as a feed that delivers every
column as text, written the many ways real exports write the same value, plus
rows holding values no warehouse can use.

    python -m retention_lab.generate_text_feed [--out seeds/text_feed]

The usable rows are the demo's rows, each value rewritten in an equivalent
form (ISO 8601 with `T`, `Z` or a UTC offset, amounts and scores with spaces, a
sign or an exponent, `infinity` for a subscription that has not ended, booleans
as t/f, yes/no or 1/0, email event types upper-cased between spaces). So a build of the
text feed must publish exactly the marts of the demo build, and reject the
demo's unusable rows plus every row of BAD_ROWS with the reason given there.
The output is deterministic: a test checks the committed files equal it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "seeds" / "raw"
OUT = ROOT / "seeds" / "text_feed"
TABLES = ("orders", "subscriptions", "customers", "acquisition_costs", "events", "email_sends", "email_events",
          "nps_responses")


def before_send(row: dict[str, str | None]) -> str:
    """An hour before the send the template event belongs to."""
    sent_at = datetime.strptime(row["occurred_at"], "%Y-%m-%d %H:%M:%S") - EVENT_AFTER_SEND
    return (sent_at - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")


def before_send_in_utc_only(row: dict[str, str | None]) -> str:
    """An hour after the send on the clock of UTC+05:00, which is four hours before it in UTC."""
    sent_at = datetime.strptime(row["occurred_at"], "%Y-%m-%d %H:%M:%S") - EVENT_AFTER_SEND
    return (sent_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+05:00")


EVENT_AFTER_SEND = timedelta(hours=1)

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
        # amounts are judged on their exact values, before they are rounded to 6 decimals
        ({"amount": "1000000000000000.000001"}, "amount out of range"),
        ({"amount": "0.0000000000000000001"}, "unparseable amount"),  # a digit beyond the 18th decimal
        ({"amount": "-0.0000001"}, "negative amount"),
        ({"refunded_amount": "-1e-7"}, "negative refunded_amount"),
        ({"refunded_amount": "25.0000001"}, "refunded_amount exceeds amount"),
        ({"amount": "999999999999999.99", "refunded_amount": "9.99999999999999999e14"},
         "refunded_amount exceeds amount"),
        # usable amounts (read exactly, below 10^15) on rows rejected for their currency
        ({"amount": "999999999999999.99", "currency": "XYZ"}, "currency without exchange rate"),
        ({"amount": "99999999999999999999e-5", "currency": "XYZ"}, "currency without exchange rate"),
        ({"amount": "0e40", "currency": "XYZ"}, "currency without exchange rate"),
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
        ({"quantity": "999999999999999.99"}, "unparseable quantity"),
        ({"amount": "-0.0000001"}, "negative amount"),
        # an MRR of 10^15 or more: its sums could overflow the money type
        ({"amount": "999999999999999", "quantity": "999999999999999"}, "mrr out of range"),
        ({"billing_interval": "week", "amount": "230769230769230.77"}, "mrr out of range"),
        ({"amount": "999999999999999.99", "currency": "XYZ"}, "currency without exchange rate"),
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
    "events": [
        ({"event_id": "bad-events-conflict", "event_name": "login"}, "event_id on rows with different values"),
        ({"event_id": "bad-events-conflict", "event_name": "export"}, "event_id on rows with different values"),
        ({"user_id": None}, "missing user_id"),
        ({"user_id": "   "}, "missing user_id"),
        ({"user_id": None, "occurred_at": "garbage"}, "missing user_id"),
        ({"occurred_at": "2024-02-30 10:00:00"}, "unparseable occurred_at"),
        ({"occurred_at": "garbage"}, "unparseable occurred_at"),
        ({"occurred_at": "05/03/2024 10:00"}, "unparseable occurred_at"),
        ({"occurred_at": "2031-06-01 09:00:00"}, "occurred_at out of range"),
        ({"occurred_at": "infinity"}, "occurred_at out of range"),
        ({"occurred_at": "1899-12-31 23:59:59"}, "occurred_at out of range"),
        ({"occurred_at": None}, "missing occurred_at"),
        ({"occurred_at": None, "event_name": None}, "missing occurred_at"),
        ({"event_name": None}, "missing event_name"),
        ({"event_name": "  "}, "missing event_name"),
    ],
    "email_sends": [
        ({"send_id": None}, "missing send_id"),
        ({"send_id": "bad-email_sends-conflict"}, "send_id on rows with different values"),
        ({"send_id": "bad-email_sends-conflict", "sent_at": "2024-03-08 10:00:00"},
         "send_id on rows with different values"),
        ({"customer_id": None}, "missing customer_id"),
        ({"customer_id": None, "sent_at": "garbage"}, "missing customer_id"),
        ({"send_id": "bad-email_sends-unparseable", "sent_at": "2024-02-30 10:00:00"}, "unparseable sent_at"),
        ({"sent_at": "not a date"}, "unparseable sent_at"),
        ({"sent_at": "2031-01-01 00:00:00"}, "sent_at out of range"),
        ({"sent_at": "-infinity"}, "sent_at out of range"),
        ({"sent_at": None}, "missing sent_at"),
    ],
    "email_events": [
        ({"send_id": None}, "missing send_id"),
        ({"send_id": None, "event_type": "opened"}, "missing send_id"),
        ({"occurred_at": "2024-02-30 10:00:00"}, "unparseable occurred_at"),
        ({"occurred_at": "garbage"}, "unparseable occurred_at"),
        ({"occurred_at": "2031-06-01 09:00:00"}, "occurred_at out of range"),
        ({"occurred_at": "infinity"}, "occurred_at out of range"),
        ({"occurred_at": None}, "missing occurred_at"),
        ({"event_type": None}, "missing event_type"),
        # is_machine_open tells it apart from the row above where a seed loader reads blanks as empty
        ({"event_type": "  ", "is_machine_open": "true"}, "missing event_type"),
        ({"event_type": "opened"}, "unknown event_type"),
        ({"event_type": "deferred"}, "unknown event_type"),
        ({"event_type": "opened", "send_id": "no-such-send"}, "unknown event_type"),
        ({"event_type": "deferred", "occurred_at": before_send}, "unknown event_type"),
        ({"is_machine_open": "maybe"}, "unparseable is_machine_open"),
        ({"is_machine_open": "2"}, "unparseable is_machine_open"),
        ({"is_machine_open": "maybe", "send_id": "no-such-send"}, "unparseable is_machine_open"),
        ({"send_id": "no-such-send"}, "send_id without a send"),
        ({"send_id": "bad-email_sends-unparseable"}, "send_id without a send"),
        ({"send_id": "bad-email_sends-conflict", "occurred_at": "2024-03-08 11:00:00"}, "send_id without a send"),
        ({"occurred_at": before_send}, "event before its send"),
        ({"occurred_at": before_send_in_utc_only}, "event before its send"),
    ],
    "nps_responses": [
        ({"response_id": None}, "missing response_id"),
        ({"response_id": "bad-nps_responses-conflict", "score": "9"}, "response_id on rows with different values"),
        ({"response_id": "bad-nps_responses-conflict", "score": "3"}, "response_id on rows with different values"),
        ({"responded_at": "2024-02-30 10:00:00"}, "unparseable responded_at"),
        ({"responded_at": "yesterday"}, "unparseable responded_at"),
        ({"responded_at": "garbage", "score": "seven"}, "unparseable responded_at"),
        ({"responded_at": "2031-01-01 00:00:00"}, "responded_at out of range"),
        ({"responded_at": "infinity"}, "responded_at out of range"),
        ({"responded_at": None}, "missing responded_at"),
        ({"score": None}, "missing score"),
        ({"score": " "}, "missing score"),
        ({"score": "seven"}, "unparseable score"),
        ({"score": "9/10"}, "unparseable score"),
        ({"score": "7.5"}, "score not a whole number from 0 to 10"),
        ({"score": "11"}, "score not a whole number from 0 to 10"),
        ({"score": "-1"}, "score not a whole number from 0 to 10"),
        ({"score": "100"}, "score not a whole number from 0 to 10"),
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
    # u000001 is a demo user who is not active on this day: an event wrongly accepted would change the marts.
    # The new tables' templates differ from the demo's own unusable rows (2024-03-05 10:00), so no bad row
    # here is an exact duplicate of one there.
    "events": {"event_id": None, "user_id": "u000001", "customer_id": "c000001", "occurred_at": "2024-03-07 11:00:00",
               "event_name": "login"},
    "email_sends": {"send_id": None, "customer_id": "c000001", "campaign_id": "cmp001",
                    "sent_at": "2024-03-07 11:00:00"},
    "nps_responses": {"response_id": None, "customer_id": "c000001", "responded_at": "2024-03-07 11:00:00",
                      "score": "9"},
}
KEYS = {"orders": "order_id", "subscriptions": "subscription_id", "customers": "customer_id",
        "acquisition_costs": "channel", "events": "event_id", "email_sends": "send_id",
        "email_events": None, "nps_responses": "response_id"}


def read_demo(table: str) -> list[dict[str, str]]:
    with open(DEMO / f"{table}.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def quiet_send() -> dict[str, str]:
    """A usable demo send of 2024 whose only event is its delivery: the template of
    the bad email events, so an event wrongly accepted would open, click or bounce it."""
    sends = {tuple(row.values()): row for row in read_demo("email_sends")}.values()
    rows_per_id = Counter(row["send_id"] for row in sends)
    events: dict[str, list[str]] = {}
    for row in read_demo("email_events"):
        events.setdefault(row["send_id"], []).append(row["event_type"].strip().lower())
    return min(
        (row for row in sends
         if rows_per_id[row["send_id"]] == 1 and row["customer_id"] and row["campaign_id"]
         and row["sent_at"].startswith("2024-0") and events.get(row["send_id"]) == ["delivered"]),
        key=lambda row: row["send_id"])


def template(table: str) -> dict[str, str | None]:
    if table != "email_events":
        return dict(TEMPLATES[table])
    send = quiet_send()
    occurred_at = datetime.strptime(send["sent_at"], "%Y-%m-%d %H:%M:%S") + EVENT_AFTER_SEND
    return {"send_id": send["send_id"], "event_type": "open", "occurred_at": occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            "is_machine_open": "false"}


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


TIMESTAMP_COLUMNS = {"ordered_at", "started_at", "ended_at", "created_at", "occurred_at", "sent_at", "responded_at"}
NUMBER_COLUMNS = {"amount", "refunded_amount", "spend", "quantity", "score"}
BOOLEAN_TEXTS = {"true": ["true", "t", "yes", "1"], "false": ["false", "f", "no", "0"]}


def boolean_text(value: str, choice: int) -> str:
    """The same boolean written another way."""
    return BOOLEAN_TEXTS[value][choice % 4] if value else value


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
        elif name == "is_machine_open":
            value = boolean_text(value, choice)
        elif name == "event_type" and value.strip() and choice == 5:
            value = f" {value.strip().upper()} "
        out.append(value)
    if table == "subscriptions":
        ended = header.index("ended_at")
        if not out[ended] and choice % 3 == 0:
            out[ended] = "infinity"  # how some billing systems write "no end"
    return out


def bad_row(table: str, number: int) -> dict[str, str | None]:
    """The template with the bad values of BAD_ROWS[table][number - 1] and, unless
    they set it, a key of its own (email events have none)."""
    values, _ = BAD_ROWS[table][number - 1]
    row = template(table)
    if KEYS[table] is not None:
        row[KEYS[table]] = f"bad-{table}-{number:02d}"
    base = dict(row)
    row.update({name: value(base) if callable(value) else value for name, value in values.items()})
    return row


def bad_rows(table: str, header: list[str]) -> list[list[str]]:
    rows = []
    for number in range(1, len(BAD_ROWS[table]) + 1):
        row = bad_row(table, number)
        rows.append(["" if row[name] is None else row[name] for name in header])
    return rows


def keyed_bad_rows(table: str) -> list[tuple[str, str]]:
    """(key, reason) of the table's bad rows that have a key (source_key is that key)."""
    found = []
    for number, (_, reason) in enumerate(BAD_ROWS[table], start=1):
        key = bad_row(table, number)[KEYS[table]] if KEYS[table] else None
        if key is not None and key.strip():
            found.append((key, reason))
    return found


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
