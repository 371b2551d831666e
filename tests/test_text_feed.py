"""Real feeds: every raw column delivered as text, values written the many ways
exports write them, and values no warehouse can use. A bad value is a rejected
row with a reason, never a failed build and never a changed number."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from retention_lab.compare import ENGAGEMENT_MARTS, differences
from retention_lab import generate_text_feed as generator
from tests.compiled_project import MARTS
from tests.dbt_harness import ROOT, TEXT_RAW_COLUMNS

FEED = ROOT / "seeds" / "text_feed"
BUILD = ("build", "--exclude", "resource_type:unit_test")




def feed_rows(table: str) -> list[list[str | None]]:
    with open(FEED / f"text_feed__{table}.csv", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [[value if value != "" else None for value in row] for row in reader]


def test_committed_text_feed_is_the_generators_output():
    for table in generator.TABLES:
        path = FEED / f"text_feed__{table}.csv"
        assert path.read_bytes() == generator.render(table).encode(), f"{path}: rerun lab/retention_lab/generate_text_feed.py"
        assert b"\r" not in path.read_bytes()


def equivalent(name: str, value: str | None):
    """A raw text value read as the project reads it (enough for the forms the feed uses)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if name in generator.TIMESTAMP_COLUMNS:
        if value == "infinity":
            return "no end"
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is not None:
            instant = instant.astimezone(timezone.utc).replace(tzinfo=None)
        return instant
    if name in generator.NUMBER_COLUMNS:
        return Decimal(value)
    if name == "month":
        return value[:10]
    if name == "is_machine_open":
        return value.lower() in ("true", "t", "yes", "1")
    if name == "event_type":
        return value.lower()
    return value


def test_text_feed_rows_are_the_demo_rows_written_another_way():
    """Row for row, the feed holds the demo's values (a timestamp with an offset is the same
    instant in UTC), then the bad rows; so its usable rows can only give the demo's marts."""
    for table in generator.TABLES:
        with open(ROOT / "seeds" / "raw" / f"{table}.csv", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            demo = [[value or None for value in row] for row in reader]
        feed = feed_rows(table)
        assert len(feed) == len(demo) + len(generator.BAD_ROWS[table]), table
        for demo_row, feed_row in zip(demo, feed):
            read_demo = [equivalent(name, value) for name, value in zip(header, demo_row)]
            read_feed = [equivalent(name, value) for name, value in zip(header, feed_row)]
            if table == "subscriptions" and read_feed[header.index("ended_at")] == "no end":
                read_feed[header.index("ended_at")] = None
            assert read_demo == read_feed, (table, demo_row, feed_row)
        changed = sum(demo_row != feed_row for demo_row, feed_row in zip(demo, feed))
        assert changed > len(demo) / 3, (table, "most rows are written another way")


@pytest.fixture(scope="module")
def text_feed(tmp_path_factory):
    """The text feed loaded as varchar tables (not through seeds: a user's own
    raw tables) and built with every model and data test."""
    from tests.dbt_harness import Warehouse

    warehouse = Warehouse(tmp_path_factory.mktemp("text_feed"))
    for table in generator.TABLES:
        warehouse.load_raw("feed", table, feed_rows(table), columns=TEXT_RAW_COLUMNS[table])
    run = warehouse.dbt(*BUILD, vars={"raw_schema": "feed"})
    assert run.success, run.text
    return warehouse


def mart_rows(warehouse, mart: str) -> list[dict]:
    return warehouse.query_dicts(f"select * from main.{mart}")


def test_text_feed_publishes_exactly_the_marts_of_the_clean_rows(text_feed, demo_warehouse):
    # every usable row of the feed is a demo row written another way, so the
    # marts must equal the demo build's, cell for cell
    for mart in MARTS + ENGAGEMENT_MARTS:
        found = differences(mart, mart_rows(text_feed, mart), mart_rows(demo_warehouse, mart))
        assert not found, "\n".join(found)
        assert mart_rows(demo_warehouse, mart), (mart, "the demo gives it rows")
    for model in ("fct_clv_model_parameters", "fct_customer_clv"):
        assert text_feed.query(f"select count(*) from main.{model}") == demo_warehouse.query(
            f"select count(*) from main.{model}")


def test_text_feed_rejects_each_bad_value_with_its_reason(text_feed, demo_warehouse):
    demo = Counter(demo_warehouse.query("select source_table, reason from main.rejected_rows"))
    feed = Counter(text_feed.query("select source_table, reason from main.rejected_rows"))
    assert feed - demo == Counter(generator.expected_new_rejections())
    assert demo - feed == Counter()
    keyed = {(table, key): reason for table, key, reason in text_feed.query(
        "select source_table, source_key, reason from main.rejected_rows where source_key like 'bad-%'")}
    for table in ("orders", "customers", "events", "email_sends", "nps_responses"):  # source_key is the id
        for key, reason in generator.keyed_bad_rows(table):
            assert keyed.get((table, key)) == reason, (table, key, keyed.get((table, key)), reason)


def test_text_feed_keeps_every_raw_row_accounted_for(text_feed):
    (failures,) = text_feed.query("select count(*) from main.rejected_rows where raw_row is null")[0]
    assert failures == 0, "every rejected row keeps its raw text"
    for table in generator.TABLES:
        (raw,) = text_feed.query(f"select count(*) from feed.{table}")[0]
        (distinct,) = text_feed.query(f"select count(*) from (select distinct * from feed.{table})")[0]
        (rejected,) = text_feed.query("select count(*) from main.rejected_rows where source_table = ?", [table])[0]
        staged_model = {"orders": "stg_shop__orders", "subscriptions": "stg_billing__subscriptions",
                        "customers": "stg_crm__customers",
                        "acquisition_costs": "stg_marketing__acquisition_costs",
                        "events": "stg_product__events", "email_sends": "stg_email__sends",
                        "email_events": "stg_email__events",
                        "nps_responses": "stg_survey__nps_responses"}[table]
        (staged,) = text_feed.query(f"select count(*) from main_staging.{staged_model}")[0]
        assert raw == staged + (raw - distinct) + rejected, table


def test_text_timestamp_with_offset_is_that_instant_in_utc(warehouse):
    rows = [
        ("o1", "c1", "2024-01-31T20:00:00-05:00", "completed", "10", "USD", None),
        ("o2", "c1", "2024-01-31 23:30:00+05:30", "completed", "10", "USD", None),
        ("o3", "c1", "2024-01-31T22:00:00Z", "completed", "10", "USD", None),
        ("o4", "c1", "2024-01-31", "completed", "10", "USD", None),
        ("o5", "c1", "2024-02-29 12:00:00.5", "completed", "10", "USD", None),
    ]
    warehouse.load_raw("feed", "orders", rows, columns=TEXT_RAW_COLUMNS["orders"])
    run = warehouse.dbt("run", "--select", "stg_shop__orders", "+stg_shop__orders",
                        vars={"raw_schema": "feed"})
    assert run.success, run.text
    found = dict(warehouse.query("select order_id, ordered_at from main_staging.stg_shop__orders"))
    assert found == {
        "o1": datetime(2024, 2, 1, 1, 0), "o2": datetime(2024, 1, 31, 18, 0),
        "o3": datetime(2024, 1, 31, 22, 0), "o4": datetime(2024, 1, 31, 0, 0),
        "o5": datetime(2024, 2, 29, 12, 0, 0, 500000),
    }


def test_typed_columns_with_impossible_values_are_rejected_not_fatal(warehouse):
    """Double amounts holding NaN, infinity or 1e40, and timestamps at infinity,
    in typed (not text) columns."""
    columns = [("order_id", "varchar"), ("customer_id", "varchar"), ("ordered_at", "timestamp"),
               ("status", "varchar"), ("amount", "double"), ("currency", "varchar"), ("refunded_amount", "double")]
    ok = datetime(2024, 1, 5, 10)
    rows = [
        ("good", "c1", ok, "completed", 10.0, "USD", None),
        ("nan", "c1", ok, "completed", float("nan"), "USD", None),
        ("inf", "c1", ok, "completed", float("inf"), "USD", None),
        ("huge", "c1", ok, "completed", 1e40, "USD", None),
        ("big", "c1", ok, "completed", 1e26, "USD", None),
        ("later", "c1", datetime(2031, 6, 1), "pending", 10.0, "USD", None),
        ("refund", "c1", ok, "completed", 10.0, "USD", float("nan")),
    ]
    warehouse.load_raw("feed", "orders", rows, columns=columns)
    with __import__("duckdb").connect(str(warehouse.path)) as con:
        con.execute("insert into feed.orders values ('forever', 'c1', 'infinity', 'completed', 10, 'USD', null)")
    # seven of the eight rows are unusable on purpose: max_rejected_share 1 publishes the one that is
    run = warehouse.dbt(*BUILD, "--exclude", "path:models/marts/clv",
                        vars={"raw_schema": "feed", "max_rejected_share": 1})
    assert run.success, run.text
    assert dict(warehouse.query("select source_key, reason from main.rejected_rows")) == {
        "nan": "amount out of range", "inf": "amount out of range", "huge": "amount out of range",
        "big": "amount out of range", "later": "ordered_at out of range", "refund": "refunded_amount out of range",
        "forever": "ordered_at out of range",
    }
    assert warehouse.query(
        "select period_start, orders, revenue from main.fct_order_metrics where period_grain = 'month'"
    ) == [(datetime(2024, 1, 1).date(), 1, Decimal("10.000000"))]


def test_upper_case_raw_table_names_are_read_as_stored(warehouse):
    rows = [("o1", "c1", datetime(2024, 1, 5, 10), "completed", Decimal("10.00"), "USD", None)]
    with __import__("duckdb").connect(str(warehouse.path)) as con:
        con.execute("create schema feed")
        con.execute('create table feed."ORDERS" ("ORDER_ID" varchar, "CUSTOMER_ID" varchar, "ORDERED_AT" timestamp, '
                    '"STATUS" varchar, "AMOUNT" decimal(18,2), "CURRENCY" varchar, "REFUNDED_AMOUNT" decimal(18,2))')
        con.executemany('insert into feed."ORDERS" values (?, ?, ?, ?, ?, ?, ?)', rows)
    run = warehouse.dbt(*BUILD, "--exclude", "path:models/marts/clv", vars={"raw_schema": "feed"})
    assert run.success, run.text
    assert warehouse.query("select order_id from main_staging.stg_shop__orders") == [("o1",)]


def test_a_raw_table_without_a_declared_column_fails_naming_it(warehouse):
    columns = [c for c in TEXT_RAW_COLUMNS["orders"] if c[0] != "amount"]
    warehouse.load_raw("feed", "orders", [], columns=columns)
    run = warehouse.dbt("run", "--select", "base_shop__orders", vars={"raw_schema": "feed"})
    assert not run.success
    assert "has no column 'amount', which every row needs" in run.text


def test_a_raw_table_without_an_optional_column_reads_it_as_declared(warehouse):
    """refunded_amount may be absent (read as null); so may currency (read as
    the reporting currency, the case of most single-currency shops)."""
    columns = [c for c in TEXT_RAW_COLUMNS["orders"] if c[0] not in ("refunded_amount", "currency")]
    warehouse.load_raw("feed", "orders", [("o1", "c1", "2024-01-05 10:00:00", "completed", "12.50")], columns=columns)
    run = warehouse.dbt("run", "--select", "+stg_shop__orders", vars={"raw_schema": "feed", "reporting_currency": "EUR"})
    assert run.success, run.text
    assert warehouse.query("select order_id, currency, amount, refunded_amount from main_staging.stg_shop__orders") == [
        ("o1", "EUR", Decimal("12.5"), Decimal("0"))]


def test_seed_columns_are_the_declared_raw_columns():
    """The source YAMLs hold the one list of raw columns; the demo and text-feed seeds
    (files and their column_types) must follow it."""
    import yaml

    from tests.dbt_harness import declared_raw_columns

    declared = {table: [name for name, _ in columns] for table, columns in declared_raw_columns().items()}
    assert set(declared) == set(generator.TABLES)
    for folder, prefix in (("raw", ""), ("text_feed", "text_feed__")):
        config = yaml.safe_load(next((ROOT / "seeds" / folder).glob("_*.yml")).read_text())
        seeds = {seed["name"]: seed for seed in config["seeds"]}
        for table, columns in declared.items():
            with open(ROOT / "seeds" / folder / f"{prefix}{table}.csv", newline="") as handle:
                assert next(csv.reader(handle)) == columns, (folder, table)
            assert list(seeds[f"{prefix}{table}"]["config"]["column_types"]) == columns, (folder, table)
            assert [c["name"] for c in seeds[f"{prefix}{table}"]["columns"]] == columns, (folder, table)
