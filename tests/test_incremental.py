"""Incremental builds equal a full refresh.

The demo history is replayed as a shop's raw tables would fill: a first load of
everything known before a cut-off, then increments every two days that add new
orders and price periods, reveal subscription ends, and bring late rows (held
back from the increment they belong to), an exact duplicate, a pending order
that completes, an order whose time is corrected by weeks, and conflicting order_ids (one against an order far outside the
lookback window). After each increment the project runs incrementally; at the
end every table it builds must equal, row for row, a full build of the final
raw tables."""

from __future__ import annotations

import csv
import math
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.dbt_harness import ROOT, Warehouse

RAW = "shop_raw"
BOOKKEEPING = {"loaded_at", "affects_from", "source_loaded_at"}
STEP = timedelta(days=2)
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


def raw_state(first_cut: datetime, cut: datetime, step: int) -> dict[str, list[list[Any]]]:
    """The raw tables as they stand at the cut, `step` increments after the first load at first_cut."""
    orders = read_seed("orders")
    by_time = sorted((row for row in orders if row[2] is not None), key=lambda row: row[2])
    # late rows: orders of the last day before the cut arrive one increment later,
    # within the lookback (3 days) of the newest order by then
    late = sorted(row[0] for row in by_time if cut - timedelta(days=1) <= ts(row[2]) < cut)
    held_back = set(late[:4]) if cut < LAST_CUT else set()
    state = known_orders(orders, cut, held_back)
    if step >= 1:  # an exact duplicate of an order in the window
        state.append(list(next(row for row in by_time if ts(row[2]) >= first_cut + STEP - timedelta(days=1))))
    if step >= 2:  # a new row reusing the order_id of the very first completed order
        conflict = list(next(row for row in by_time if row[3].strip().lower() == "completed"))
        conflict[2] = str(first_cut + 2 * STEP - timedelta(hours=19))
        state.append(conflict)
    if step >= 6:  # an October order whose ordered_at is corrected into the window (after the
        # conflict above has left the window, so its rebuild from 2023 does not cover this one)
        moved = [row for row in by_time if ts(row[2]) < datetime(2024, 11, 1) and row[3] == "completed"][-1]
        state = [row for row in state if row[0] != moved[0]]
        state.append([moved[0], moved[1], str(first_cut + 6 * STEP - timedelta(hours=20)), *moved[3:]])
    if step >= 3:  # a second, different version of a recent order
        version = list([row for row in by_time if ts(row[2]) < first_cut + 3 * STEP - timedelta(days=1)][-1])
        version[4] = str(Decimal(version[4]) + 1)
        state.append(version)
    return {
        "orders": state,
        "subscriptions": known_subscriptions(read_seed("subscriptions"), cut),
        "customers": read_seed("customers"),
        "acquisition_costs": read_seed("acquisition_costs"),
    }


def load(warehouse: Warehouse, state: dict[str, list[list[Any]]]) -> None:
    for table, rows in state.items():
        warehouse.load_raw(RAW, table, rows)


def built_tables(warehouse: Warehouse) -> dict[str, list[tuple]]:
    tables = warehouse.query(
        "select table_name from information_schema.tables where table_schema = 'main' order by 1")
    out = {}
    for (table,) in tables:
        columns = [
            name for (name,) in warehouse.query(
                "select column_name from information_schema.columns "
                "where table_schema = 'main' and table_name = ? order by ordinal_position", [table])
            if name not in BOOKKEEPING
        ]
        listed = ", ".join(f'"{c}"' for c in columns)
        out[table] = [tuple(columns)] + sorted(
            warehouse.query(f'select {listed} from main."{table}"'), key=lambda row: tuple(map(str, row)))
    return out


def same_cell(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def differences(incremental: dict[str, list[tuple]], full: dict[str, list[tuple]]) -> list[str]:
    found = []
    for table in sorted(set(incremental) | set(full)):
        if table not in incremental or table not in full:
            found.append(f"{table}: only in one build")
            continue
        a, b = incremental[table], full[table]
        if len(a) != len(b):
            found.append(f"{table}: {len(a) - 1} rows incrementally, {len(b) - 1} in a full build")
            continue
        for row_a, row_b in zip(a, b):
            if len(row_a) != len(row_b) or not all(same_cell(x, y) for x, y in zip(row_a, row_b)):
                found.append(f"{table}: {row_a} != {row_b}")
                break
    return found


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
    cut, step = first_cut, 0
    while cut < LAST_CUT:
        cut, step = min(cut + STEP, LAST_CUT), step + 1
        load(incremental, raw_state(first_cut, cut, step))
        run = incremental.dbt("run", vars=variables)
        assert run.success, run.text
    # the data tests hold on the incrementally built tables too
    run = incremental.dbt("test", "--exclude", "resource_type:unit_test", vars=variables)
    assert run.success, run.text

    full = Warehouse(tmp_path / "full")
    full.workdir.mkdir()
    load(full, raw_state(first_cut, cut, step))
    run = full.dbt("run", vars=variables)
    assert run.success, run.text

    incremental_tables, full_tables = built_tables(incremental), built_tables(full)
    assert "int_customer_periods_from_orders" in full_tables
    assert len(full_tables["base_shop__orders"]) > 1000
    assert differences(incremental_tables, full_tables) == []


def test_changed_settings_ask_for_a_full_refresh(tmp_path: Path):
    variables = {"raw_schema": RAW, "load_demo_data": False}
    warehouse = Warehouse(tmp_path)
    load(warehouse, raw_state(datetime(2024, 12, 19), datetime(2024, 12, 19), 0))
    assert warehouse.dbt("run", vars=variables).success
    run = warehouse.dbt("run", vars={**variables, "period_grains": ["month"]})
    assert not run.success
    assert "--full-refresh" in run.text and "period_grains" in run.text
    run = warehouse.dbt("run", "--full-refresh", vars={**variables, "period_grains": ["month"]})
    assert run.success, run.text


def test_lookback_must_be_a_whole_number_of_days(tmp_path: Path):
    warehouse = Warehouse(tmp_path)
    load(warehouse, raw_state(datetime(2024, 12, 19), datetime(2024, 12, 19), 0))
    run = warehouse.dbt("run", vars={"raw_schema": RAW, "load_demo_data": False, "incremental_lookback_days": -1})
    assert not run.success
    assert "incremental_lookback_days" in run.text
