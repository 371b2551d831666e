"""Incremental builds equal a full refresh.

Two replays. The first:

The demo history is replayed as a shop's raw tables would fill: a first load of
everything known before a cut-off, then increments (every two days while the
special rows below arrive, every six days after that) that add new
orders, price periods and product events, reveal subscription ends, and bring late rows (held
back from the increment they belong to), an exact duplicate, a pending order
that completes, an order whose time is corrected by weeks, and conflicting order_ids (one against an order
two years old). After each increment the project runs incrementally; at the
end every table it builds must equal, row for row, a full build of the final
raw tables.

The second corrects rows in place at any age, as real feeds do: a refund set
on a months-old order, an old pending order completing, a cancelled order
reinstated, a subscription end moved back a year, an order and a price period
deleted at the source, and product events renamed, moved to another user,
duplicated, deleted, arriving late and conflicting. Between corrections the project runs as orchestrators
run it: a partial selection and then everything, `+fct_order_metrics` alone,
one model per task in DAG order, and a run killed halfway and resumed. After
each stage every table must equal a full build of the same raw tables."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from retention_lab.compare import table_differences
from tests.dbt_harness import RAW_COLUMNS, ROOT, Warehouse, models_in_dag_order

RAW = "shop_raw"
BOOKKEEPING = {"loaded_at"}
STEP = timedelta(days=2)
SPECIAL_STEPS = 6  # the increments that bring the feed's special rows (raw_state)
PLAIN_STEP = timedelta(days=6)
LAST_CUT = datetime(2025, 1, 2)


def read_seed(name: str) -> list[list[Any]]:
    with (ROOT / "seeds" / "raw" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    return [[value if value != "" else None for value in row] for row in rows]


def ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def known_orders(orders: list[list[Any]], cut: datetime, held_back: set[str]) -> list[list[Any]]:
    """Orders placed before the cut, minus the late ones not yet arrived. An
    order still pending a day after it was placed has completed by then."""
    known = []
    for row in orders:
        placed = ts(row[2])
        if placed is None or placed >= cut or row[0] in held_back:
            continue
        row = list(row)
        if row[3].strip().lower() == "pending" and placed < cut - timedelta(days=1):
            row[3] = "completed"
        known.append(row)
    return known


def known_subscriptions(subscriptions: list[list[Any]], cut: datetime) -> list[list[Any]]:
    """Price periods started before the cut; an end is known once it has passed."""
    known = []
    for row in subscriptions:
        started = ts(row[3])
        if started is not None and started >= cut:
            continue
        row = list(row)
        ended = ts(row[4])
        if ended is not None and ended >= cut:
            row[4] = None  # still running as far as the feed knows
        known.append(row)
    return known


def known_events(cut: datetime, first_cut: datetime, step: int) -> list[list[Any]]:
    """Product events that occurred before the cut (and the unreadable ones), minus a few late ones that
    arrive an increment later; from the second increment an old event_id comes back on a different row
    (a conflict), from the fourth an old event's name is corrected in place."""
    events = read_seed("events")
    timed = sorted((row for row in events if readable(row[3]) is not None), key=lambda row: row[3])
    late = {row[0] for row in timed if cut - timedelta(days=1) <= readable(row[3]) < cut and row[0]}
    held_back = set(sorted(late)[:3]) if cut < LAST_CUT else set()
    known = [list(row) for row in events
             if (readable(row[3]) is None or readable(row[3]) < cut) and row[0] not in held_back]
    if step >= 2:  # an event_id of a year-old event on a new, different row
        old = next(row for row in timed if row[0] and row[3] < "2024-01-01")
        known.append([old[0], old[1], old[2], str(first_cut + 2 * STEP - timedelta(hours=5)), "login"])
    if step >= 4:  # an old event's name corrected in place
        corrected = next(row for row in known if row[0] and row[3] and row[3] < "2024-06-01" and row[4] == "login")
        corrected[4] = "purchase"
    return known


def readable(value: str | None) -> datetime | None:
    """A raw timestamp as the feed wrote it, or None when it is missing or not a timestamp."""
    try:
        return datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def raw_state(first_cut: datetime, cut: datetime, step: int) -> dict[str, list[list[Any]]]:
    """The raw tables as they stand at the cut, `step` increments after the first load at first_cut."""
    orders = read_seed("orders")
    by_time = sorted((row for row in orders if row[2] is not None), key=lambda row: row[2])
    # late rows: orders of the last day before the cut arrive one increment later
    late = sorted(row[0] for row in by_time if cut - timedelta(days=1) <= ts(row[2]) < cut)
    held_back = set(late[:4]) if cut < LAST_CUT else set()
    state = known_orders(orders, cut, held_back)
    if step >= 1:  # an exact duplicate of a recent order
        state.append(list(next(row for row in by_time if ts(row[2]) >= first_cut + STEP - timedelta(days=1))))
    if step >= 2:  # a new row reusing the order_id of the very first completed order
        conflict = list(next(row for row in by_time if row[3].strip().lower() == "completed"))
        conflict[2] = str(first_cut + 2 * STEP - timedelta(hours=19))
        state.append(conflict)
    if step >= 6:  # an October order whose ordered_at is corrected by weeks
        moved = [row for row in by_time if ts(row[2]) < datetime(2024, 11, 1) and row[3] == "completed"][-1]
        state = [row for row in state if row[0] != moved[0]]
        state.append([moved[0], moved[1], str(first_cut + 6 * STEP - timedelta(hours=20)), *moved[3:]])
    if step >= 3:  # a second, different version of a recent order
        version = list([row for row in by_time if ts(row[2]) < first_cut + 3 * STEP - timedelta(days=1)][-1])
        version[4] = str(Decimal(version[4]) + 1)
        state.append(version)
    return {
        "orders": state,
        "events": known_events(cut, first_cut, step),
        "subscriptions": known_subscriptions(read_seed("subscriptions"), cut),
        "customers": read_seed("customers"),
        "acquisition_costs": read_seed("acquisition_costs"),
    }


def load(warehouse: Warehouse, state: dict[str, list[list[Any]]],
         columns: dict[str, list[tuple[str, str]]] | None = None) -> None:
    for table, rows in state.items():
        warehouse.load_raw(RAW, table, rows, (columns or {}).get(table))


LAYERS = ("main", "main_staging", "main_intermediate")


def built_tables(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every table and view the project builds: marts in main, staging and
    intermediate models in main_staging and main_intermediate."""
    tables = warehouse.query(
        "select table_schema, table_name from information_schema.tables where table_schema in (?, ?, ?) order by 2",
        list(LAYERS))
    out = {}
    for schema, table in tables:
        columns = [
            name for (name,) in warehouse.query(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table])
            if name not in BOOKKEEPING
        ]
        listed = ", ".join(f'"{c}"' for c in columns)
        out[table] = [tuple(columns)] + sorted(
            warehouse.query(f'select {listed} from "{schema}"."{table}"'), key=lambda row: tuple(map(str, row)))
    return out


def increments(first_cut: datetime) -> list[tuple[datetime, int]]:
    """The cuts after the first load, with their step numbers: every two days while the feed's
    special rows arrive (steps 1 to 6, raw_state), then every six days to LAST_CUT, across the
    month and year ends. Every increment costs a whole `dbt run`, and the plain ones after
    step 6 only add more of the same rows, so they are spaced out."""
    cuts, cut, step = [], first_cut, 0
    while cut < LAST_CUT:
        cut = min(cut + (STEP if step < SPECIAL_STEPS else PLAIN_STEP), LAST_CUT)
        step += 1
        cuts.append((cut, step))
    return cuts


def differences(incremental: dict[str, list[tuple]], full: dict[str, list[tuple]]) -> list[str]:
    return table_differences(incremental, full, ("the incremental build", "the full build"))


@pytest.mark.parametrize("first_cut, settings", [
    # across a month end, so the as-of date moves into a new period
    (datetime(2024, 11, 25), {}),
    (datetime(2024, 12, 19), {"orders_activity_window_days": 45, "reporting_timezone": "America/New_York"}),
], ids=["default", "window_days_new_york"])
def test_incremental_runs_equal_a_full_refresh(tmp_path: Path, first_cut: datetime, settings: dict[str, Any]):
    variables = {"raw_schema": RAW, "load_demo_data": False, **settings}

    incremental = Warehouse(tmp_path / "incremental")
    incremental.workdir.mkdir()
    load(incremental, raw_state(first_cut, first_cut, 0))
    run = incremental.dbt("run", vars=variables)
    assert run.success, run.text
    for cut, step in increments(first_cut):
        load(incremental, raw_state(first_cut, cut, step))
        run = incremental.dbt("run", vars=variables)
        assert run.success, run.text
    # the data tests hold on the incrementally built tables too
    run = incremental.dbt("test", "--exclude", "resource_type:unit_test", vars=variables)
    assert run.success, run.text

    full = Warehouse(tmp_path / "full")
    full.workdir.mkdir()
    cut, step = increments(first_cut)[-1]
    load(full, raw_state(first_cut, cut, step))
    run = full.dbt("run", vars=variables)
    assert run.success, run.text

    incremental_tables, full_tables = built_tables(incremental), built_tables(full)
    assert "int_customer_periods_from_orders" in full_tables
    assert len(full_tables["base_shop__orders"]) > 1000
    assert len(full_tables["base_product__events"]) > 1000
    assert differences(incremental_tables, full_tables) == []


def test_changed_settings_ask_for_a_full_refresh(tmp_path: Path):
    variables = {"raw_schema": RAW, "load_demo_data": False}
    warehouse = Warehouse(tmp_path)
    load(warehouse, raw_state(datetime(2024, 12, 19), datetime(2024, 12, 19), 0))
    assert warehouse.dbt("run", vars=variables).success
    run = warehouse.dbt("run", vars={**variables, "exchange_rates": {"EUR": 1.1}})
    assert not run.success
    assert "--full-refresh" in run.text and "exchange_rates" in run.text
    run = warehouse.dbt("run", "--full-refresh", vars={**variables, "exchange_rates": {"EUR": 1.1}})
    assert run.success, run.text


# -- corrections at any age, partial selections, an interrupted run -----------------------
CORRECTIONS_CUT = datetime(2024, 12, 19)


def find(rows: list[list[Any]], predicate) -> list[Any]:
    return next(row for row in rows if predicate(row))


def completed_in(month: str):
    return lambda row: row[2] is not None and row[2].startswith(month) and row[3].strip().lower() == "completed" \
        and row[6] is None


class Feed:
    """The raw tables, corrected in place between runs."""

    def __init__(self) -> None:
        state = raw_state(CORRECTIONS_CUT, CORRECTIONS_CUT, 0)
        self.orders, self.subscriptions, self.events = state["orders"], state["subscriptions"], state["events"]
        self.others = {"customers": state["customers"], "acquisition_costs": state["acquisition_costs"]}
        # months-old orders that a later correction completes or reinstates
        self.pending = find(self.orders, completed_in("2024-04"))
        self.pending[3] = "pending"
        self.cancelled = find(self.orders, completed_in("2024-06"))
        self.cancelled[3] = "cancelled"

    def state(self) -> dict[str, list[list[Any]]]:
        return {"orders": self.orders, "subscriptions": self.subscriptions, "events": self.events, **self.others}

    def stage_1(self) -> None:
        refunded = find(self.orders, completed_in("2024-08"))
        refunded[3], refunded[6] = "refunded", refunded[4]  # a refund recorded months later
        self.pending[3] = "completed"  # an old pending order completes
        deleted = find(self.orders, completed_in("2024-02"))
        self.orders.remove(deleted)  # deleted at the source
        self.orders.append(["late-1", "c000001", "2024-11-20 10:00:00", "completed", "40.00", "USD", None])
        self.orders.append(["late-2", "c000002", "2025-01-20 10:00:00", "completed", "60.00", "USD", None])
        renamed = find(self.events, lambda row: row[3] and row[3].startswith("2024-03") and row[4] == "login")
        renamed[4] = "export"  # an event's name corrected months later
        self.events.remove(find(self.events, lambda row: row[3] and row[3].startswith("2024-05")))  # deleted
        self.events.append(["e-late", "u000001", "c000001", "2024-12-20 08:00:00", "login"])  # a late event

    def stage_2(self) -> None:
        self.cancelled[3] = "completed"  # a cancelled order reinstated
        moved = find(self.subscriptions, lambda row: row[4] is not None and row[6] not in ("0.00", None)
                     and ts(row[4]) - ts(row[3]) > timedelta(days=400))
        moved[4] = str(ts(moved[4]) - timedelta(days=365))  # its end moved back a year
        deleted = find(self.subscriptions, lambda row: row[3].startswith("2023-0") and row[6] not in ("0.00", None)
                       and row is not moved)
        self.subscriptions.remove(deleted)  # a price period deleted at the source

    def stage_3(self) -> None:
        partial = find(self.orders, completed_in("2023-05"))
        partial[6] = str((Decimal(partial[4]) / 2).quantize(Decimal("0.01")))  # a partial refund, 19 months on
        self.subscriptions.append(
            ["s-new", "c000003", "pro_monthly", "2024-12-10 09:00:00", None, "month", "49.00", None, "USD"])
        moved = find(self.events, lambda row: row[3] and row[3].startswith("2024-07") and row[0])
        moved[1] = "u-moved"  # an old event's user corrected
        self.events.append(list(find(self.events, lambda row: row[3] and row[3].startswith("2024-09"))))  # duplicate

    def stage_4(self) -> None:
        self.orders.remove(find(self.orders, completed_in("2023-03")))
        refunded = find(self.orders, completed_in("2024-10"))
        refunded[3] = "refunded"
        self.events.remove(find(self.events, lambda row: row[3] and row[3].startswith("2023-1")))  # deleted
        conflict = list(find(self.events, lambda row: row[3] and row[3].startswith("2024-02") and row[0]))
        conflict[4] = "conflicting-name"  # a second, different row with an old event_id
        self.events.append(conflict)


    def retyped(self) -> tuple[dict[str, list[list[Any]]], dict[str, list[tuple[str, str]]]]:
        """The same feed with columns recreated in another type, each value
        kept as the digits it had: amounts as integer cents (a reader sees 100
        times the money) and event times as epoch microseconds (a reader cannot
        read them as times). DuckDB's hash() gives BIGINT 1050 and DECIMAL
        10.50, or BIGINT micros and the TIMESTAMP, the same hash."""
        def cents(value: str | None) -> int | None:
            return None if value is None else int(Decimal(value) * 100)

        def micros(value: str | None) -> int | None:
            return None if value is None else int((ts(value) - datetime(1970, 1, 1)) / timedelta(microseconds=1))

        state = self.state()
        state["orders"] = [row[:4] + [cents(row[4]), row[5], cents(row[6])] for row in self.orders]
        state["subscriptions"] = [row[:6] + [cents(row[6])] + row[7:] for row in self.subscriptions]
        state["events"] = [row[:3] + [micros(row[3])] + row[4:] for row in self.events]
        retyped = {"orders": {"amount", "refunded_amount"}, "subscriptions": {"amount"}, "events": {"occurred_at"}}
        columns = {table: [(name, "bigint" if name in names else data_type) for name, data_type in RAW_COLUMNS[table]]
                   for table, names in retyped.items()}
        return state, columns


def models_run_alone(warehouse: Warehouse) -> tuple[list[str], list[str]]:
    """The models whose result can depend on what else a run selects, in DAG order, and the others.
    The first are the incremental models and every model that reads one of them or a raw table: they
    decide from the tables they already hold what to insert, or read what an incremental model holds
    at that moment. The others are tables and views rebuilt in full from those, the same whatever the
    selection; running each alone tests dbt, not the project, at a whole `dbt run` each."""
    manifest = json.loads((warehouse.workdir / "target" / "manifest.json").read_text())
    incremental = {uid for uid, node in manifest["nodes"].items()
                   if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"}
    assert len(incremental) == 3, incremental

    def alone(node: dict[str, Any]) -> bool:
        parents = node["depends_on"]["nodes"]
        return (node["unique_id"] in incremental or any(p in incremental for p in parents)
                or any(p.startswith("source.") for p in parents))

    ordered = models_in_dag_order(manifest)
    return [n["name"] for n in ordered if alone(n)], [n["name"] for n in ordered if not alone(n)]


def killed_run(warehouse: Warehouse, variables: dict[str, Any], when_started: str) -> None:
    """`dbt run` in its own process, killed (SIGKILL) as soon as `when_started` starts."""
    env = {**os.environ, "RETENTION_DUCKDB_PATH": str(warehouse.path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from dbt.cli.main import cli; cli()", "run", "--project-dir", str(ROOT),
         "--profiles-dir", str(ROOT), "--target-path", str(warehouse.workdir / "target_killed"),
         "--log-path", str(warehouse.workdir / "logs"), "--vars", json.dumps(variables)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    killed = False
    assert process.stdout is not None
    for line in process.stdout:
        if "START" in line and f".{when_started} " in line:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
    process.wait(timeout=300)
    assert killed, f"{when_started} never started"


def assert_equals_full_build(incremental: Warehouse, state: dict[str, list[list[Any]]], variables: dict[str, Any],
                             workdir: Path, stage: str, columns: dict[str, list[tuple[str, str]]] | None = None) -> None:
    full = Warehouse(workdir)
    full.workdir.mkdir()
    load(full, state, columns)
    run = full.dbt("run", vars=variables)
    assert run.success, run.text
    found = differences(built_tables(incremental), built_tables(full))
    assert found == [], f"after {stage}: " + "\n".join(found[:10])


def test_corrections_partial_selections_and_an_interrupted_run_equal_a_full_refresh(tmp_path: Path):
    variables = {"raw_schema": RAW, "load_demo_data": False}
    feed = Feed()
    warehouse = Warehouse(tmp_path / "incremental")
    warehouse.workdir.mkdir()
    load(warehouse, feed.state())
    assert warehouse.dbt("run", vars=variables).success

    # 1. a refund, a pending order completing, a deleted order and new orders; an
    # orchestrator runs two models, then everything
    feed.stage_1()
    load(warehouse, feed.state())
    run = warehouse.dbt("run", "-s", "base_shop__orders", "int_customer_periods_from_orders", vars=variables)
    assert run.success, run.text
    assert warehouse.dbt("run", vars=variables).success
    assert_equals_full_build(warehouse, feed.state(), variables, tmp_path / "full_1", "a partial selection")

    # 2. a cancelled order reinstated, a subscription end moved back a year, a price
    # period deleted; one mart's lineage, then everything
    feed.stage_2()
    load(warehouse, feed.state())
    run = warehouse.dbt("run", "-s", "+fct_order_metrics", vars=variables)
    assert run.success, run.text
    assert warehouse.dbt("run", vars=variables).success
    assert_equals_full_build(warehouse, feed.state(), variables, tmp_path / "full_2", "+fct_order_metrics")

    # 3. a partial refund 19 months on, a new subscription; one model per task, as
    # astronomer-cosmos runs dbt by default (models_run_alone: the ones it can matter for)
    feed.stage_3()
    load(warehouse, feed.state())
    one_by_one, the_rest = models_run_alone(warehouse)
    for model in one_by_one:
        run = warehouse.dbt("run", "-s", model, vars=variables)
        assert run.success, (model, run.text)
    run = warehouse.dbt("run", "-s", *the_rest, vars=variables)
    assert run.success, run.text
    assert_equals_full_build(warehouse, feed.state(), variables, tmp_path / "full_3", "one model per task")

    # 4. an old order deleted and another refunded; the run is killed once the base
    # models are written, as the first model downstream starts, then resumed
    feed.stage_4()
    load(warehouse, feed.state())
    killed_run(warehouse, variables, "int_counted_orders_sequenced")
    run = warehouse.dbt("run", vars=variables)
    assert run.success, run.text
    assert_equals_full_build(warehouse, feed.state(), variables, tmp_path / "full_4", "a killed run")

    # 5. every incremental source recreates columns with another type and the same
    # digits; every event becomes unreadable, so the run may publish a rejected source
    state, columns = feed.retyped()
    load(warehouse, state, columns)
    anything_goes = {**variables, "max_rejected_share": 1}
    run = warehouse.dbt("run", vars=anything_goes)
    assert run.success, run.text
    assert_equals_full_build(warehouse, state, anything_goes, tmp_path / "full_5", "columns recreated in another type",
                             columns)
