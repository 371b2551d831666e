"""The engagement data tests fire on rows that break their identities.

The marts compute DAU, WAU and MAU from events, so DAU/MAU cannot exceed 1;
one source text nevertheless reports DAU 4,000 and MAU 2,000, a "stickiness"
of 2. Such a row is an error to report: here it is written into
fct_daily_active_users by hand and assert_daily_active_users_are_consistent
must fail on it (and pass on the consistent row beside it). The same is shown
for the fct_engagement identities."""

from __future__ import annotations

import duckdb
import pytest

VARS = {"raw_schema": "raw_fixture", "load_demo_data": False}

DAILY_COLUMNS = ("activity_date date, daily_active_users bigint, weekly_active_users bigint, "
                 "monthly_active_users bigint, new_users bigint, dau_mau_ratio double")
ENGAGEMENT_COLUMNS = ("period_grain varchar, period_start date, period_end date, is_complete_period boolean, "
                      "active_users bigint, new_users bigint, returning_users bigint, resurrected_users bigint, "
                      "dormant_users bigint, average_daily_active_users double, average_monthly_active_users double, "
                      "daily_stickiness double, monthly_stickiness double")


def write_table(warehouse, name: str, columns: str, rows: list[tuple]) -> None:
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute(f"create or replace table main.{name} ({columns})")
        if rows:
            marks = ", ".join("?" for _ in rows[0])
            con.executemany(f"insert into main.{name} values ({marks})", rows)


def run_test(warehouse, test_name: str):
    return warehouse.dbt("test", "--select", test_name, vars=VARS)


CONSISTENT_DAY = ("2024-01-02", 500, 900, 2000, 20, 0.25)


@pytest.mark.parametrize("bad_day", [
    # the source text's numbers: DAU 4,000 over MAU 2,000, published as a stickiness of 2
    ("2024-01-01", 4000, 4000, 2000, 0, 2.0),
    # the same impossible day with the ratio left out
    ("2024-01-01", 4000, 4000, 2000, 0, None),
    # WAU above MAU with the default 30-day window
    ("2024-01-01", 10, 300, 200, 0, 0.05),
], ids=["dau-4000-mau-2000-ratio-2", "dau-above-mau", "wau-above-mau"])
def test_the_daily_active_users_test_fails_on_an_impossible_day(warehouse, bad_day):
    write_table(warehouse, "fct_daily_active_users", DAILY_COLUMNS, [CONSISTENT_DAY, bad_day])
    run = run_test(warehouse, "assert_daily_active_users_are_consistent")
    assert not run.success, "an impossible day passed the test"

    write_table(warehouse, "fct_daily_active_users", DAILY_COLUMNS, [CONSISTENT_DAY])
    run = run_test(warehouse, "assert_daily_active_users_are_consistent")
    assert run.success, run.text


def engagement_row(period_start, active, new, returning, resurrected, dormant, daily, monthly):
    return ("month", period_start, period_start, True, active, new, returning, resurrected, dormant,
            daily * active if daily is not None else None, monthly * active if monthly is not None else None,
            daily, monthly)


GOOD_MONTHS = [
    engagement_row("2024-01-01", 10, 10, 0, 0, 0, 0.3, 1.0),
    engagement_row("2024-02-01", 12, 4, 8, 0, 2, 0.25, 1.0),
    engagement_row("2024-03-01", 9, 1, 6, 2, 6, 0.4, 1.0),
]


@pytest.mark.parametrize(("month", "broken"), [
    # active != new + returning + resurrected
    (1, engagement_row("2024-02-01", 12, 4, 7, 0, 2, 0.25, 1.0)),
    # January's 10 active != February's returning 8 + dormant 1
    (1, engagement_row("2024-02-01", 12, 4, 8, 0, 1, 0.25, 1.0)),
    # stickiness above 1
    (2, engagement_row("2024-03-01", 9, 1, 6, 2, 6, 1.5, 1.0)),
], ids=["movements-do-not-add-up", "dormant-short", "stickiness-above-one"])
def test_the_engagement_identities_test_fails_on_a_broken_period(warehouse, month, broken):
    write_table(warehouse, "fct_engagement", ENGAGEMENT_COLUMNS, GOOD_MONTHS)
    run = run_test(warehouse, "assert_engagement_identities")
    assert run.success, run.text

    rows = list(GOOD_MONTHS)
    rows[month] = broken
    write_table(warehouse, "fct_engagement", ENGAGEMENT_COLUMNS, rows)
    run = run_test(warehouse, "assert_engagement_identities")
    assert not run.success, "a broken period passed the identities test"
