"""The engagement, email and NPS reference (lab/retention_lab/reference/engagement_reference.py)
on hand-made histories whose numbers are worked out by hand: the spec's worked
examples (NPS 25, an L-ness of 22, a click that implies an open) and the edges
the project's decisions settle (local days, the as-of cut, conflicting ids)."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from retention_lab.reference.retention_reference import GRAIN_MONTHS, Reference, add_months
from tests.strategies import histories


def order(order_id: str, at: datetime, customer_id: str = "c1") -> dict:
    return {"order_id": order_id, "customer_id": customer_id, "ordered_at": at, "status": "completed",
            "amount": Decimal("10.00"), "currency": "USD", "refunded_amount": None}


def event(user_id: str, at: datetime, name: str = "login", customer_id: str | None = None,
          event_id: str | None = None) -> dict:
    return {"event_id": event_id, "user_id": user_id, "customer_id": customer_id, "occurred_at": at,
            "event_name": name}


def send(send_id: str, at: datetime, campaign_id: str | None = "spring", customer_id: str = "c1") -> dict:
    return {"send_id": send_id, "customer_id": customer_id, "campaign_id": campaign_id, "sent_at": at}


def email_event(send_id: str, event_type: str, at: datetime, machine=None) -> dict:
    return {"send_id": send_id, "event_type": event_type, "occurred_at": at, "is_machine_open": machine}


def response(response_id: str, score, at: datetime, customer_id: str | None = "c1") -> dict:
    return {"response_id": response_id, "customer_id": customer_id, "responded_at": at, "score": score}


def marts(as_of: datetime, **tables) -> dict[str, list[dict]]:
    """The reference's marts for the given tables; one order sets the as-of date."""
    return reference(as_of, **tables).marts()


def reference(as_of: datetime, reporting_timezone: str = "UTC", active_event_names=None, mau_window_days=30,
              **tables) -> Reference:
    raw = {"orders": [order("o-as-of", as_of)], **tables}
    return Reference(raw, reporting_timezone=reporting_timezone, active_event_names=active_event_names,
                     mau_window_days=mau_window_days)


def only(rows: list[dict], **key) -> dict:
    matches = [r for r in rows if all(r[k] == v for k, v in key.items())]
    assert len(matches) == 1, (key, matches)
    return matches[0]


# -- NPS ------------------------------------------------------------------------------
def test_ten_promoters_five_passives_five_detractors_give_an_nps_of_25():
    scores = [9, 10] * 5 + [7, 8, 7, 8, 7] + [0, 3, 6, 6, 5]
    responses = [response(f"r{i}", s, datetime(2024, 3, 2 + i, 12), f"c{i}") for i, s in enumerate(scores)]
    row = only(marts(datetime(2024, 3, 31), nps_responses=responses)["fct_nps"],
               period_grain="month", period_start=date(2024, 3, 1))
    assert (row["responses"], row["promoters"], row["passives"], row["detractors"]) == (20, 10, 5, 5)
    assert row["net_promoter_score"] == 25.0
    assert (row["promoter_share"], row["detractor_share"]) == (0.5, 0.25)
    # 1.96 × 100 × sqrt((p + d − (p − d)²) / n) with p = 0.5, d = 0.25, n = 20
    assert row["net_promoter_score_margin_of_error"] == pytest.approx(196 * math.sqrt((0.75 - 0.0625) / 20))


def test_scores_on_the_category_edges_and_rejected_scores():
    scores = {"r0": 0, "r6": 6, "r7": 7, "r8": 8, "r9": 9, "r10": 10, "bad-high": 11, "bad-low": -1,
              "bad-half": "7.5", "bad-text": "seven", "bad-none": None, "text-ok": " 10 "}
    responses = [response(rid, s, datetime(2024, 5, 10)) for rid, s in scores.items()]
    ref = reference(datetime(2024, 5, 31), nps_responses=responses)
    row = only(ref.marts()["fct_nps"], period_grain="year", period_start=date(2024, 1, 1))
    assert (row["responses"], row["promoters"], row["passives"], row["detractors"]) == (7, 3, 2, 2)
    assert row["net_promoter_score"] == pytest.approx(100 * (3 - 2) / 7)
    assert sorted(r for r in ref.staged.rejected if r[0] == "nps_responses") == [
        ("nps_responses", "bad-half", "score not a whole number from 0 to 10"),
        ("nps_responses", "bad-high", "score not a whole number from 0 to 10"),
        ("nps_responses", "bad-low", "score not a whole number from 0 to 10"),
        ("nps_responses", "bad-none", "missing score"),
        ("nps_responses", "bad-text", "unparseable score"),
    ]


def test_nps_periods_run_from_the_first_response_with_null_ratios_when_quiet():
    responses = [response("a", 10, datetime(2024, 1, 5)), response("b", 2, datetime(2024, 3, 5)),
                 response("late", 9, datetime(2024, 4, 2))]  # after the as-of date: ignored
    rows = marts(datetime(2024, 3, 20), nps_responses=responses)["fct_nps"]
    monthly = [r for r in rows if r["period_grain"] == "month"]
    assert [r["period_start"] for r in monthly] == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    february = monthly[1]
    assert february["responses"] == 0 and february["net_promoter_score"] is None
    assert february["net_promoter_score_margin_of_error"] is None and february["is_complete_period"]
    assert monthly[2]["net_promoter_score"] == -100.0 and not monthly[2]["is_complete_period"]
    assert monthly[2]["net_promoter_score_margin_of_error"] == 0.0


def test_latest_nps_in_dim_customers_ties_break_on_the_greatest_response_id():
    at = datetime(2024, 2, 1, 9)
    responses = [response("r1", 10, at - timedelta(days=3), "c1"), response("r2", 4, at, "c1"),
                 response("r3", 8, at, "c1"),  # same instant as r2: r3 is the greater id
                 response("r4", 0, datetime(2024, 2, 20), "c1"),  # after the as-of date
                 response("r5", 9, at, None),
                 response("r6", 12, at + timedelta(days=1), "c1"),  # rejected: never counts
                 response("r7", 6, at, "survey-only")]
    customers = {r["customer_id"]: r for r in marts(datetime(2024, 2, 10), nps_responses=responses)["dim_customers"]}
    assert (customers["c1"]["latest_nps_score"], customers["c1"]["latest_nps_category"]) == (8, "passive")
    assert customers["c1"]["latest_nps_responded_at"] == at
    # a customer seen only in the survey still gets a row
    assert customers["survey-only"]["latest_nps_category"] == "detractor"
    assert customers["survey-only"]["order_count"] == 0


# -- engagement -------------------------------------------------------------------------
def test_a_user_active_22_days_of_a_28_day_month_has_days_active_22():
    events = [event("u1", datetime(2023, 2, day, 8)) for day in range(1, 23)]
    events += [event("u1", datetime(2023, 2, 3, 20)), event("u2", datetime(2023, 2, 28, 23, 59))]
    rows = [r for r in marts(datetime(2023, 3, 2), events=events)["fct_power_user_curve"]
            if r["period_start"] == date(2023, 2, 1)]
    assert [r["days_active"] for r in rows] == list(range(1, 29))
    assert only(rows, days_active=22)["users"] == 1 and only(rows, days_active=1)["users"] == 1
    assert sum(r["users"] for r in rows) == 2 == rows[0]["active_users"]
    assert only(rows, days_active=22)["share_of_active_users"] == 0.5
    assert [r["users_active_at_least"] for r in rows[:3]] == [2, 1, 1]
    assert only(rows, days_active=23)["users_active_at_least"] == 0
    assert rows[0]["period_end"] == date(2023, 2, 28) and rows[0]["is_complete_period"]


def test_power_user_curve_keeps_quiet_months_and_the_whole_as_of_month():
    events = [event("u1", datetime(2024, 1, 31)), event("u1", datetime(2024, 3, 1))]
    rows = marts(datetime(2024, 3, 10), events=events)["fct_power_user_curve"]
    assert len(rows) == 31 + 29 + 31
    february = [r for r in rows if r["period_start"] == date(2024, 2, 1)]
    assert all(r["users"] == 0 and r["share_of_active_users"] is None and r["active_users"] == 0
               for r in february)
    assert not only(rows, period_start=date(2024, 3, 1), days_active=31)["is_complete_period"]


def test_daily_weekly_and_monthly_active_users():
    events = [event("u1", datetime(2024, 1, 1, 10)), event("u1", datetime(2024, 1, 1, 11)),
              event("u2", datetime(2024, 1, 3)), event("u1", datetime(2024, 1, 8)),
              event("u3", datetime(2024, 1, 31)),
              event("u4", datetime(2024, 2, 5))]  # after the as-of date: ignored
    rows = {r["activity_date"]: r for r in marts(datetime(2024, 2, 1), events=events)["fct_daily_active_users"]}
    assert sorted(rows) == [date(2024, 1, 1) + timedelta(days=n) for n in range(32)]
    assert (rows[date(2024, 1, 1)]["daily_active_users"], rows[date(2024, 1, 1)]["new_users"]) == (1, 1)
    assert rows[date(2024, 1, 2)]["daily_active_users"] == 0 and rows[date(2024, 1, 2)]["dau_mau_ratio"] == 0.0
    assert rows[date(2024, 1, 7)]["weekly_active_users"] == 2  # u1 on the 1st, u2 on the 3rd
    assert rows[date(2024, 1, 8)]["weekly_active_users"] == 2  # u2 on the 3rd, u1 on the 8th
    assert rows[date(2024, 1, 8)]["new_users"] == 0
    assert rows[date(2024, 1, 10)]["weekly_active_users"] == 1
    assert rows[date(2024, 1, 30)]["monthly_active_users"] == 2  # u1 (1st) and u2 (3rd) and u1 (8th)
    assert rows[date(2024, 1, 31)]["monthly_active_users"] == 3  # the 2nd to the 31st: u2, u1, u3
    assert rows[date(2024, 1, 31)]["dau_mau_ratio"] == pytest.approx(1 / 3)
    assert rows[date(2024, 2, 1)]["monthly_active_users"] == 3  # the 3rd to the 1st: u2, u1, u3
    assert rows[date(2024, 2, 1)]["weekly_active_users"] == 1  # u3 on the 31st
    shorter = {r["activity_date"]: r for r in marts(datetime(2024, 2, 1), events=events, mau_window_days=28)
               ["fct_daily_active_users"]}
    assert shorter[date(2024, 1, 31)]["monthly_active_users"] == 2  # the 4th to the 31st: u1, u3


def test_days_are_local_days_in_the_reporting_time_zone():
    # 05:00 UTC on 1 February is midnight in New York: a February day there; 04:59 is still 31 January
    events = [event("u1", datetime(2024, 2, 1, 4, 59)), event("u2", datetime(2024, 2, 1, 5))]
    ref = reference(datetime(2024, 2, 20), reporting_timezone="America/New_York", events=events)
    rows = {r["activity_date"]: r for r in ref.marts()["fct_daily_active_users"]}
    assert rows[date(2024, 1, 31)]["daily_active_users"] == 1
    assert rows[date(2024, 2, 1)]["daily_active_users"] == 1
    engagement = ref.marts()["fct_engagement"]
    assert only(engagement, period_grain="month", period_start=date(2024, 1, 1))["active_users"] == 1
    february = only(engagement, period_grain="month", period_start=date(2024, 2, 1))
    assert (february["active_users"], february["new_users"], february["dormant_users"]) == (1, 1, 1)
    # the as-of date is 2024-02-19 in New York (the order at 00:00 UTC on the 20th): an event at
    # 04:00 UTC on the 20th is still the 19th there and counts; one at 05:00 UTC does not
    late = [event("u3", datetime(2024, 2, 20, 4)), event("u4", datetime(2024, 2, 20, 5))]
    users = reference(datetime(2024, 2, 20), reporting_timezone="America/New_York", events=late).marts()["dim_users"]
    assert [u["user_id"] for u in users] == ["u3"] and users[0]["last_active_date"] == date(2024, 2, 19)


def test_new_returning_resurrected_and_dormant_users():
    events = [event("a", datetime(2024, 1, 3)), event("b", datetime(2024, 1, 9)),
              event("a", datetime(2024, 2, 4)), event("c", datetime(2024, 2, 5)),
              event("b", datetime(2024, 4, 1)), event("c", datetime(2024, 4, 2)), event("d", datetime(2024, 4, 3))]
    rows = marts(datetime(2024, 4, 10), events=events)["fct_engagement"]
    month = {r["period_start"]: r for r in rows if r["period_grain"] == "month"}
    counts = ("active_users", "new_users", "returning_users", "resurrected_users", "dormant_users")
    assert [tuple(month[date(2024, m, 1)][c] for c in counts) for m in (1, 2, 3, 4)] == [
        (2, 2, 0, 0, 0), (2, 1, 1, 0, 1), (0, 0, 0, 0, 2), (3, 1, 0, 2, 0)]
    march = month[date(2024, 3, 1)]
    assert march["average_daily_active_users"] == 0.0 and march["daily_stickiness"] is None
    # January: 2 user-days over 29 days with rows (from the first active day, the 3rd)
    assert month[date(2024, 1, 1)]["average_daily_active_users"] == pytest.approx(2 / 29)
    assert month[date(2024, 1, 1)]["daily_stickiness"] == pytest.approx(1 / 29)
    assert month[date(2024, 1, 1)]["monthly_stickiness"] == 1.0
    # April runs to the as-of date: 3 user-days over 10 days
    assert month[date(2024, 4, 1)]["average_daily_active_users"] == pytest.approx(0.3)
    quarter = {r["period_start"]: r for r in rows if r["period_grain"] == "quarter"}
    q1, q2 = quarter[date(2024, 1, 1)], quarter[date(2024, 4, 1)]
    assert (q1["active_users"], q1["new_users"], q1["dormant_users"]) == (3, 3, 0)
    # the months of Q1: 2, 2 and 0 users active: MAU averages 4/3 over 3 users
    assert q1["average_monthly_active_users"] == pytest.approx(4 / 3)
    assert q1["monthly_stickiness"] == pytest.approx(4 / 9)
    assert (q2["returning_users"], q2["resurrected_users"], q2["dormant_users"]) == (2, 0, 1)
    assert q2["average_monthly_active_users"] == 3.0 and not q2["is_complete_period"]


def test_active_event_names_pick_the_events_that_make_a_user_active():
    events = [event("u1", datetime(2024, 1, 5), " login "), event("u2", datetime(2024, 1, 6), "page_view"),
              event("u3", datetime(2024, 1, 7), "Login"), event("u2", datetime(2024, 1, 8), "login", "c9")]
    ref = reference(datetime(2024, 1, 10), active_event_names=["login"], events=events)
    users = {u["user_id"]: u for u in ref.marts()["dim_users"]}
    assert sorted(users) == ["u1", "u2", "u3"]  # every user with a usable event, whatever its name
    assert users["u3"]["first_active_date"] is None and users["u3"]["active_days"] == 0  # case-sensitive
    assert users["u2"]["first_active_date"] == date(2024, 1, 8) and users["u2"]["customer_id"] == "c9"
    dau = ref.marts()["fct_daily_active_users"]
    assert dau[0]["activity_date"] == date(2024, 1, 5) and sum(r["daily_active_users"] for r in dau) == 2


def test_dim_users_takes_the_latest_customer_id_and_counts_l7_and_l28():
    as_of = datetime(2024, 3, 2, 12)  # on the as-of date
    at = as_of - timedelta(days=1)
    events = [event("u1", as_of - timedelta(days=40), customer_id="old"),
              event("u1", at, customer_id="c1"), event("u1", at, customer_id="c2"),  # a tie: the greatest
              event("u1", as_of),  # no customer_id: the latest one that has one counts
              event("u1", as_of - timedelta(days=6)), event("u1", as_of - timedelta(days=7)),
              event("u1", as_of - timedelta(days=27)), event("u1", as_of - timedelta(days=28)),
              event("u1", as_of + timedelta(days=30), customer_id="future")]  # after the as-of date
    ref = reference(datetime(2024, 3, 2), events=events)
    (user,) = ref.marts()["dim_users"]
    assert user["customer_id"] == "c2"
    assert (user["first_active_date"], user["last_active_date"]) == (date(2024, 1, 22), date(2024, 3, 2))
    # active on Jan 22, Feb 3, Feb 4, Feb 24, Feb 25, Mar 1 and Mar 2; L7 is Feb 25 to Mar 2, L28 Feb 4 to Mar 2
    assert (user["active_days"], user["active_days_last_7"], user["active_days_last_28"]) == (7, 3, 5)
    customers = {c["customer_id"] for c in ref.marts()["dim_customers"]}
    assert {"old", "c1", "c2", "future"} <= customers  # seen on usable events, like orders after the as-of date


def test_rejected_events_and_exact_duplicates():
    duplicate = event("u1", datetime(2024, 1, 2), event_id="e1")
    events = [duplicate, dict(duplicate),
              event("u1", datetime(2024, 1, 3), event_id="e2"), event("u2", datetime(2024, 1, 3), event_id=" e2"),
              event(" ", datetime(2024, 1, 3)), event("u3", "2024-02-30 10:00:00"), event("u3", "2999-01-01"),
              event("u3", None), event("u3", datetime(2024, 1, 4), name=" "),
              event("u4", datetime(2024, 1, 4)), event("u4", datetime(2024, 1, 4))]  # no id: a duplicate
    ref = reference(datetime(2024, 1, 10), events=events)
    assert sorted((r[1] or "", r[2]) for r in ref.staged.rejected) == [
        ("", "missing event_name"), ("", "missing occurred_at"), ("", "missing user_id"),
        ("", "occurred_at out of range"), ("", "unparseable occurred_at"),
        ("e2", "event_id on rows with different values"), ("e2", "event_id on rows with different values")]
    assert ref.staged.duplicates["events"] == 2
    assert [u["user_id"] for u in ref.marts()["dim_users"]] == ["u1", "u4"]


# -- email ----------------------------------------------------------------------------------
def test_send_outcomes():
    at = datetime(2024, 6, 3, 9)
    later = at + timedelta(hours=1)
    sends = [send(f"s{n}", at) for n in range(1, 9)]
    events = [
        email_event("s1", "click", later),  # a click without an open counts as an open, by a person
        email_event("s2", "Open ", later, True),  # a machine open: opened, not by a person
        email_event("s3", "bounce", later), email_event("s3", "open", later + timedelta(hours=1), "false"),
        email_event("s4", " BOUNCE", later),  # bounced
        email_event("s5", "delivered", later), email_event("s5", "open", later, True),
        email_event("s5", "open", later, None),  # a person too
        email_event("s6", "unsubscribe", later), email_event("s6", "spam_complaint", later),
        email_event("s7", "open", at + timedelta(days=40)),  # after the as-of date: ignored
        # s8 has no events: delivered
    ]
    ref = reference(datetime(2024, 6, 30), email_sends=sends, email_events=events)
    row = only(ref.marts()["fct_email_engagement"], period_grain="month", period_start=date(2024, 6, 1))
    assert (row["sends"], row["deliveries"], row["bounces"]) == (8, 7, 1)
    assert (row["unique_opens"], row["unique_human_opens"], row["unique_clicks"]) == (4, 3, 1)
    assert (row["unsubscribes"], row["spam_complaints"]) == (1, 1)
    assert row["open_rate"] == pytest.approx(4 / 7) and row["human_open_rate"] == pytest.approx(3 / 7)
    assert row["click_rate"] == pytest.approx(1 / 7) and row["click_to_open_rate"] == 0.25
    assert row["bounce_rate"] == 0.125 and row["unsubscribe_rate"] == pytest.approx(1 / 7)
    (campaign,) = ref.marts()["fct_email_campaigns"]
    assert campaign["campaign_id"] == "spring" and campaign["sends"] == 8
    assert campaign["first_sent_at"] == campaign["last_sent_at"] == at


def test_click_without_open_counts_as_an_open():
    at = datetime(2024, 6, 3, 9)
    ref = reference(datetime(2024, 6, 30), email_sends=[send("s1", at)],
                    email_events=[email_event("s1", "click", at + timedelta(minutes=5))])
    row = ref.marts()["fct_email_campaigns"][0]
    assert (row["unique_opens"], row["unique_human_opens"], row["unique_clicks"]) == (1, 1, 1)
    assert row["open_rate"] == 1.0 and row["click_to_open_rate"] == 1.0


def test_rejected_sends_and_email_events():
    at = datetime(2024, 6, 3, 9)
    sends = [send("s1", at), send("s2", at), send("s2", at, "other"), send(None, at), send("s3", at, customer_id=""),
             send("s4", "garbage"), send("s5", None), send("s6", at - timedelta(days=1), None)]
    events = [email_event("s1", "open", at - timedelta(seconds=1)),  # before its send
              email_event("s1", "open", at, "1"),  # at the send's instant: fine
              email_event("s2", "open", at),  # its send is rejected: no usable send
              email_event("nope", "open", at), email_event(" ", "open", at),
              email_event("s1", "forward", at), email_event("s1", None, at), email_event("s1", "open", None),
              email_event("s1", "open", at, "maybe"), email_event("s1", "open", at, " YES "),
              email_event("s1", "open", "2024-13-01")]
    ref = reference(datetime(2024, 6, 30), email_sends=sends, email_events=events)
    assert sorted((r[0], r[1] or "", r[2]) for r in ref.staged.rejected) == [
        ("email_events", "", "missing send_id"),
        ("email_events", "nope", "send_id without a send"),
        ("email_events", "s1", "event before its send"),
        ("email_events", "s1", "missing event_type"),
        ("email_events", "s1", "missing occurred_at"),
        ("email_events", "s1", "unknown event_type"),
        ("email_events", "s1", "unparseable is_machine_open"),
        ("email_events", "s1", "unparseable occurred_at"),
        ("email_events", "s2", "send_id without a send"),
        ("email_sends", "", "missing send_id"),
        ("email_sends", "s2", "send_id on rows with different values"),
        ("email_sends", "s2", "send_id on rows with different values"),
        ("email_sends", "s3", "missing customer_id"),
        ("email_sends", "s4", "unparseable sent_at"),
        ("email_sends", "s5", "missing sent_at"),
    ]
    marts_ = ref.marts()
    # s6 (no campaign, the day before) counts in the periods but has no campaign row
    assert only(marts_["fct_email_engagement"], period_grain="month", period_start=date(2024, 6, 1))["sends"] == 2
    assert [c["campaign_id"] for c in marts_["fct_email_campaigns"]] == ["spring"]
    assert marts_["fct_email_campaigns"][0]["unique_human_opens"] == 0  # its opens: "1" and " YES " are machines


def test_a_send_belongs_to_the_period_of_its_sent_at():
    sends = [send("s1", datetime(2024, 1, 31, 23)), send("s2", datetime(2024, 3, 2))]
    events = [email_event("s1", "click", datetime(2024, 2, 2))]
    rows = marts(datetime(2024, 3, 5), email_sends=sends, email_events=events)["fct_email_engagement"]
    month = {r["period_start"]: r for r in rows if r["period_grain"] == "month"}
    assert sorted(month) == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    assert month[date(2024, 1, 1)]["unique_clicks"] == 1 and month[date(2024, 2, 1)]["sends"] == 0
    assert month[date(2024, 2, 1)]["open_rate"] is None and month[date(2024, 2, 1)]["bounce_rate"] is None


# -- the reporting window -----------------------------------------------------------------------
def test_without_an_as_of_date_every_new_mart_is_empty():
    tables = {"events": [event("u1", datetime(2024, 1, 1))], "email_sends": [send("s1", datetime(2024, 1, 1))],
              "nps_responses": [response("r1", 9, datetime(2024, 1, 1))]}
    built = Reference({"orders": [], **tables}).marts()
    for mart in ("fct_daily_active_users", "fct_engagement", "fct_power_user_curve", "dim_users",
                 "fct_email_engagement", "fct_email_campaigns", "fct_nps"):
        assert built[mart] == [], mart
    # the customers are still seen
    assert [c["customer_id"] for c in built["dim_customers"]] == ["c1"]
    assert built["dim_customers"][0]["latest_nps_score"] is None


def test_retained_customer_rate_is_retained_over_customers_at_start():
    orders = [order("a1", datetime(2024, 1, 5), "a"), order("a2", datetime(2024, 2, 5), "a"),
              order("b1", datetime(2024, 1, 6), "b"), order("c1", datetime(2024, 2, 7), "c")]
    rows = Reference({"orders": orders}).marts()["fct_customer_retention"]
    february = only(rows, basis="orders", period_grain="month", period_start=date(2024, 2, 1))
    assert (february["customers_at_start"], february["retained_customers"]) == (2, 1)
    assert february["retained_customer_rate"] == 0.5
    assert only(rows, basis="orders", period_grain="month", period_start=date(2024, 1, 1))[
        "retained_customer_rate"] is None


# -- identities, on the reference and (tests/test_reference.py) on the marts ----------------------
def engagement_identity_failures(marts: dict[str, list[dict]]) -> list[str]:
    """What breaks the identities the spec states for the new marts (sections 7-9) and the
    sums that follow from the definitions; an empty list when they all hold. (wau <= mau
    assumes an MAU window of 7 days or more, as in every variant the tests build.)"""
    failures = []

    def check(condition: bool, what: str, row) -> None:
        if not condition:
            failures.append(f"{what}: {row}")

    for row in marts["fct_daily_active_users"]:
        check(row["daily_active_users"] <= row["weekly_active_users"] <= row["monthly_active_users"],
              "dau <= wau <= mau", row)
        check(row["new_users"] <= row["daily_active_users"], "new users are active", row)
        check(row["dau_mau_ratio"] is None or 0 <= row["dau_mau_ratio"] <= 1, "dau/mau in [0, 1]", row)
    engagement = {(r["period_grain"], r["period_start"]): r for r in marts["fct_engagement"]}
    for (grain, start), row in engagement.items():
        check(row["active_users"] == row["new_users"] + row["returning_users"] + row["resurrected_users"],
              "active = new + returning + resurrected", row)
        before = engagement.get((grain, add_months(start, -GRAIN_MONTHS[grain])))
        previous_active = before["active_users"] if before else 0  # the first period follows a quiet one
        check(previous_active == row["returning_users"] + row["dormant_users"],
              "the period before's active = returning + dormant", row)
        for column in ("daily_stickiness", "monthly_stickiness"):
            check((row[column] is None) == (row["active_users"] == 0), f"{column} null only when nobody is active",
                  row)
            check(row[column] is None or 0 < row[column] <= 1 + 1e-12, f"{column} in (0, 1]", row)
    curve: dict[date, int] = {}
    for row in marts["fct_power_user_curve"]:
        curve[row["period_start"]] = curve.get(row["period_start"], 0) + row["users"]
        check(row["users"] <= row["users_active_at_least"] <= row["active_users"], "users <= at least <= active",
              row)
    for start, users in curve.items():
        month = engagement.get(("month", start))
        if month is not None:
            check(users == month["active_users"], "Σ users of the curve = the month's active users",
                  (start, users, month))
    failures += user_retention_identity_failures(marts)
    for mart in ("fct_email_engagement", "fct_email_campaigns"):
        for row in marts[mart]:
            check(row["deliveries"] + row["bounces"] == row["sends"], "deliveries + bounces = sends", row)
            check(row["unique_clicks"] <= row["unique_opens"] and row["unique_human_opens"] <= row["unique_opens"],
                  "clicks and human opens <= opens", row)
            check(row["click_to_open_rate"] is None or 0 <= row["click_to_open_rate"] <= 1,
                  "click_to_open_rate <= 1", row)
    for row in marts["fct_nps"]:
        check(row["promoters"] + row["passives"] + row["detractors"] == row["responses"], "categories add up", row)
        check(row["net_promoter_score"] is None or -100 <= row["net_promoter_score"] <= 100, "NPS in [-100, 100]",
              row)
    return failures


def user_retention_identity_failures(marts: dict[str, list[dict]]) -> list[str]:
    """What breaks the sums that follow from the definitions of fct_user_retention (spec section 12)
    and tie it to fct_engagement and dim_users; an empty list when they all hold."""
    failures = []

    def check(condition: bool, what: str, row) -> None:
        if not condition:
            failures.append(f"fct_user_retention: {what}: {row}")

    cohorts: dict[tuple, list[dict]] = defaultdict(list)
    for row in marts["fct_user_retention"]:
        cohorts[(row["period_grain"], row["cohort_period_start"])].append(row)
        check(row["returned_users"] <= row["returned_or_later_users"] <= row["cohort_users"],
              "returned <= returned or later <= cohort", row)
        for rate, count in (("retention_rate", "returned_users"),
                            ("unbounded_retention_rate", "returned_or_later_users")):
            check(math.isclose(row[rate], row[count] / row["cohort_users"], rel_tol=1e-12), f"{rate} over cohort", row)
    for (grain, _), rows in cohorts.items():
        rows.sort(key=lambda r: r["periods_since_first"])
        check([r["periods_since_first"] for r in rows] == list(range(len(rows))), "k runs 0, 1, 2, ...", rows[0])
        check(rows[0]["returned_users"] == rows[0]["returned_or_later_users"] == rows[0]["cohort_users"] > 0,
              "every cohort user is active in the cohort's period", rows[0])
        check(rows[0]["period_start"] == rows[0]["cohort_period_start"], "k = 0 is the cohort's period", rows[0])
        # nothing lies after the as-of period: there, returned or later = returned
        check(rows[-1]["returned_or_later_users"] == rows[-1]["returned_users"], "the last period", rows[-1])
        check(not rows[-1]["is_complete_period"] and all(r["is_complete_period"] for r in rows[:-1]),
              "only the as-of period is incomplete", rows[-1])
        for before, after in zip(rows, rows[1:]):
            check(after["returned_or_later_users"] <= before["returned_or_later_users"],
                  "returned or later never rises with k", after)
            # active in k or later = active in k, or active in k + 1 or later
            check(before["returned_or_later_users"] <= before["returned_users"] + after["returned_or_later_users"],
                  "returned or later(k) <= returned(k) + returned or later(k + 1)", before)
            check(after["period_start"] == before["period_end"] + timedelta(days=1), "periods follow", after)
        if grain == "week":
            check(all(r["period_start"].weekday() == 0 for r in rows), "weeks start on Monday", rows[0])
    users = sum(1 for u in marts["dim_users"] if u["first_active_date"] is not None)
    for grain in ("day", "week", "month"):
        check(sum(r["cohort_users"] for r in marts["fct_user_retention"]
                  if r["period_grain"] == grain and r["periods_since_first"] == 0) == users,
              "the cohorts of a grain hold every active user once", (grain, users))
    # the month grain against fct_engagement: the cohort users starting in a month are its new users, and
    # the users returning in a month, summed over the cohorts, are its active users
    new_in: dict[date, int] = defaultdict(int)
    active_in: dict[date, int] = defaultdict(int)
    for row in marts["fct_user_retention"]:
        if row["period_grain"] == "month":
            active_in[row["period_start"]] += row["returned_users"]
            if row["periods_since_first"] == 0:
                new_in[row["period_start"]] += row["cohort_users"]
    for row in marts["fct_engagement"]:
        if row["period_grain"] == "month":
            check((new_in.get(row["period_start"], 0), active_in.get(row["period_start"], 0))
                  == (row["new_users"], row["active_users"]), "new and active users of fct_engagement", row)
    return failures


@settings(max_examples=int(os.environ.get("RETENTION_PROPERTY_EXAMPLES", "150")), deadline=None,
          derandomize=os.environ.get("CI") == "true", suppress_health_check=[HealthCheck.too_slow], print_blob=True)
@given(raw=histories())
def test_the_reference_keeps_the_identities_on_generated_histories(raw):
    for timezone in ("UTC", "America/New_York"):
        built = Reference({t: rows or [] for t, rows in raw.items()}, reporting_timezone=timezone).marts()
        failures = engagement_identity_failures(built)
        assert not failures, "\n".join(failures[:20])
