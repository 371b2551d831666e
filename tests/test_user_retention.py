"""fct_user_retention (spec section 12, "Product retention from events: N-day and
unbounded"): worked examples whose numbers are written here by hand, run through
the project (compiled once by dbt) and through the independent reference
(lab/retention_lab/reference/engagement_reference.py); the edges (weeks from
Monday in the reporting time zone, the as-of cut, active event names, no events);
the demo build against the reference; and generated histories against the
reference, with the mart's cost bounded by the active user-days."""

from __future__ import annotations

import os
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from retention_lab.compare import differences
from retention_lab.reference.retention_reference import Reference
from tests.compiled_project import CompiledProject
from tests.strategies import histories
from tests.test_engagement_reference import event, order, user_retention_identity_failures
from tests.test_reference import VARIANTS, all_reference_marts, demo_raw, reference_marts

MART = "fct_user_retention"
# the reference's kwargs for each compiled variant (dbt vars, reference kwargs)
VARIANT_KWARGS = {name: kwargs for name, (_, kwargs) in VARIANTS.items()}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return {name: CompiledProject(tmp_path_factory.mktemp(f"user_retention_{name}"), dbt_vars)
            for name, (dbt_vars, _) in VARIANTS.items()}


def raw_tables(as_of: datetime, events: list[dict]) -> dict:
    """An order on the as-of date sets the as-of date (section 2); events do not move it."""
    return {"orders": [order("o-as-of", as_of)], "events": events}


def both(compiled, variant: str, raw: dict) -> tuple[list[dict], list[dict]]:
    """fct_user_retention from the project and from the reference, after checking they agree."""
    built = compiled[variant].run(raw)
    try:
        project = built.rows(MART)
    finally:
        built.close()
    expected = Reference({t: rows or [] for t, rows in raw.items()}, **VARIANT_KWARGS[variant]).marts()[MART]
    found = differences(MART, project, expected)
    assert not found, "\n".join(found)
    return project, expected


def by_key(rows: list[dict]) -> dict[tuple, dict]:
    return {(r["period_grain"], r["cohort_period_start"], r["periods_since_first"]): r for r in rows}


COUNTS = ("cohort_users", "returned_users", "returned_or_later_users", "retention_rate", "unbounded_retention_rate")


def counts(row: dict) -> tuple:
    return tuple(row[c] for c in COUNTS)


# The worked example: as-of date Friday 2024-03-15 (UTC).
#   a: Fri Jan 5, Mon Mar 4            (lapses in February, comes back in March)
#   b: Wed Jan 10, Mon Feb 12
#   c: Sat Jan 20                      (never comes back)
#   e: Wed Jan 31, Thu Feb 1, Fri Mar 15 (the as-of date itself counts)
#   d: Tue Feb 20; Sat Mar 16 is after the as-of date and ignored
WORKED_EVENTS = [
    event("a", datetime(2024, 1, 5, 9)), event("a", datetime(2024, 3, 4, 18)),
    event("b", datetime(2024, 1, 10, 12)), event("b", datetime(2024, 1, 10, 13)),  # one active day
    event("b", datetime(2024, 2, 12)),
    event("c", datetime(2024, 1, 20, 23, 59)),
    event("e", datetime(2024, 1, 31, 8)), event("e", datetime(2024, 2, 1, 8)), event("e", datetime(2024, 3, 15, 23)),
    event("d", datetime(2024, 2, 20)), event("d", datetime(2024, 3, 16, 1)),
]


def test_worked_example_by_month(compiled):
    rows, _ = both(compiled, "default", raw_tables(datetime(2024, 3, 15, 10), WORKED_EVENTS))
    month = {k[1:]: r for k, r in by_key(rows).items() if k[0] == "month"}
    assert sorted(month) == [(date(2024, 1, 1), 0), (date(2024, 1, 1), 1), (date(2024, 1, 1), 2),
                             (date(2024, 2, 1), 0), (date(2024, 2, 1), 1)]  # no March cohort: nobody new in it
    assert counts(month[(date(2024, 1, 1), 0)]) == (4, 4, 4, 1.0, 1.0)
    # February: b and e return; a skipped February but comes back in March, so is "or later"
    assert counts(month[(date(2024, 1, 1), 1)]) == (4, 2, 3, 0.5, 0.75)
    assert counts(month[(date(2024, 1, 1), 2)]) == (4, 2, 2, 0.5, 0.5)  # a and e
    assert counts(month[(date(2024, 2, 1), 0)]) == (1, 1, 1, 1.0, 1.0)
    assert counts(month[(date(2024, 2, 1), 1)]) == (1, 0, 0, 0.0, 0.0)  # d's March 16 is after the as-of date
    assert [month[(date(2024, 1, 1), k)]["is_complete_period"] for k in range(3)] == [True, True, False]
    assert (month[(date(2024, 1, 1), 1)]["period_start"], month[(date(2024, 1, 1), 1)]["period_end"]) == (
        date(2024, 2, 1), date(2024, 2, 29))


def test_worked_example_by_day_and_week(compiled):
    rows, _ = both(compiled, "default", raw_tables(datetime(2024, 3, 15, 10), WORKED_EVENTS))
    keyed = by_key(rows)
    day_cohorts = sorted({k[1] for k in keyed if k[0] == "day"})
    assert day_cohorts == [date(2024, 1, 5), date(2024, 1, 10), date(2024, 1, 20), date(2024, 1, 31),
                           date(2024, 2, 20)]
    e = {k[2]: r for k, r in keyed.items() if k[:2] == ("day", date(2024, 1, 31))}
    assert sorted(e) == list(range(45))  # Jan 31 to Mar 15 (2024 is a leap year)
    assert counts(e[1])[1:3] == (1, 1)  # day 1 retention: Feb 1
    assert counts(e[2])[1:3] == (0, 1)  # Feb 2: not active, but comes back later
    assert counts(e[44])[1:3] == (1, 1) and e[44]["period_start"] == date(2024, 3, 15)
    assert not e[44]["is_complete_period"] and e[43]["is_complete_period"]
    c = {k[2]: r for k, r in keyed.items() if k[:2] == ("day", date(2024, 1, 20))}
    assert all(counts(c[k])[1:3] == (0, 0) for k in range(1, len(c)))
    # weeks from Monday: Friday Jan 5 is in the week of Monday Jan 1; a returns in the week of Mar 4 (k = 9)
    week_cohorts = sorted({k[1] for k in keyed if k[0] == "week"})
    assert week_cohorts == [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15), date(2024, 1, 29),
                            date(2024, 2, 19)]
    a = {k[2]: r for k, r in keyed.items() if k[:2] == ("week", date(2024, 1, 1))}
    assert sorted(a) == list(range(11))  # to the week of Monday Mar 11, which holds the as-of date
    assert [counts(a[k])[1:3] for k in range(11)] == [(1, 1)] + [(0, 1)] * 8 + [(1, 1), (0, 0)]
    assert a[9]["period_start"] == date(2024, 3, 4) and a[10]["period_end"] == date(2024, 3, 17)
    # e's Wednesday Jan 31 and Thursday Feb 1 are one week: k = 1 is the week of Feb 5, when e is away
    e_week = {k[2]: r for k, r in keyed.items() if k[:2] == ("week", date(2024, 1, 29))}
    assert counts(e_week[0])[:3] == (1, 1, 1) and counts(e_week[1])[1:3] == (0, 1)


def test_weeks_start_on_monday_in_the_reporting_time_zone(compiled):
    # 03:00 UTC on Monday Jan 8 is Sunday Jan 7 in New York: the week of Monday Jan 1 there
    events = [event("u", datetime(2024, 1, 8, 3)), event("u", datetime(2024, 1, 9, 12)),
              event("v", datetime(2024, 1, 8, 12))]
    raw = raw_tables(datetime(2024, 1, 20, 12), events)
    utc, _ = both(compiled, "default", raw)
    assert sorted({k[1] for k in by_key(utc) if k[0] == "week"}) == [date(2024, 1, 8)]
    new_york, _ = both(compiled, "new_york_periods", raw)
    weeks = {k[1:]: r for k, r in by_key(new_york).items() if k[0] == "week"}
    assert sorted({k[0] for k in weeks}) == [date(2024, 1, 1), date(2024, 1, 8)]
    assert counts(weeks[(date(2024, 1, 1), 1)])[:3] == (1, 1, 1)  # u comes back on Tuesday
    assert counts(weeks[(date(2024, 1, 8), 0)])[:3] == (1, 1, 1)  # v
    assert weeks[(date(2024, 1, 1), 0)]["period_end"] == date(2024, 1, 7)


def test_only_active_event_names_make_a_cohort(compiled):
    # variant window_days_and_as_of: as-of date 2024-09-15, active events login and purchase
    events = [event("u", datetime(2024, 9, 1), "login"), event("u", datetime(2024, 9, 3), "page_view"),
              event("v", datetime(2024, 9, 2), "page_view"),  # never active: no cohort
              event("u", datetime(2024, 9, 10), "purchase"), event("w", datetime(2024, 9, 20), "login")]
    rows, _ = both(compiled, "window_days_and_as_of", {"orders": [order("o1", datetime(2024, 1, 1))],
                                                       "events": events})
    month = [r for r in rows if r["period_grain"] == "month"]
    assert [counts(r)[:3] for r in month] == [(1, 1, 1)]  # u alone; w is after the as-of date
    days = {r["periods_since_first"]: r for r in rows if r["period_grain"] == "day"}
    assert sorted(days) == list(range(15))  # Sep 1 to the as-of date, Sep 15
    assert counts(days[2])[1:3] == (0, 1) and counts(days[9])[1:3] == (1, 1)  # the page view is no return


def test_no_active_user_gives_no_rows(compiled):
    rows, expected = both(compiled, "default", raw_tables(datetime(2024, 3, 1), []))
    assert rows == expected == []


def test_demo_build_matches_the_reference(demo_warehouse):
    expected = all_reference_marts(demo_raw())
    actual = {mart: demo_warehouse.query_dicts(f"select * from main.{mart}")
              for mart in (MART, "fct_engagement", "dim_users")}
    found = differences(MART, actual[MART], expected[MART])
    assert not found, "\n".join(found)
    assert {r["period_grain"] for r in actual[MART]} == {"day", "week", "month"}
    assert not user_retention_identity_failures(actual)


# every history runs through the three variants, and tests/test_reference.py compares this mart with
# the others on as many histories per variant: a third as many examples here
@settings(max_examples=max(1, int(os.environ.get("RETENTION_PROPERTY_EXAMPLES", "150")) // 3), deadline=None,
          derandomize=os.environ.get("CI") == "true", print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(raw=histories())
def test_generated_histories_match_the_reference(compiled, raw):
    for variant in VARIANTS:
        built = compiled[variant].run(raw)
        try:
            project = {mart: built.rows(mart) for mart in (MART, "fct_engagement", "dim_users")}
            user_days = built.con.execute("select count(*) from main_intermediate.int_user_active_days").fetchone()[0]
            retention_periods = built.con.execute(
                "select count(*) from main_intermediate.int_user_retention_periods").fetchone()[0]
        finally:
            built.close()
        found = differences(MART, project[MART], reference_marts(raw, variant)[MART])
        assert not found, f"{variant}:\n" + "\n".join(found)
        failures = user_retention_identity_failures(project)
        assert not failures, f"{variant}:\n" + "\n".join(failures[:20])
        # the cost follows active user-days: at most one user-period row per active user-day and grain
        assert retention_periods <= 3 * user_days
