"""An independent reference implementation of the engagement, email and NPS marts.

Written from the metrics spec (sections 1, 7, 8, 9 and 10, and section 12's
product retention from events) and the project's decisions where the spec is
silent, in plain Python like retention_reference.py:
no SQL, no dbt, no data frames, each definition evaluated as the spec words it
("users active on any of the 7 days ending that day" is a set of users, not a
window function). The spec's words are quoted beside each rule.

Staging (stage_engagement) reads the four raw tables into usable rows and
rejected rows; Engagement computes the marts from them, given the reporting
window of the retention reference (its as-of date, as-of instant, time zone and
grains), which events, sends and responses never move.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from retention_lab.reference.raw_values import MISSING, UNPARSEABLE, checked_timestamp, is_blank, read_number
from retention_lab.reference.retention_reference import (GRAIN_MONTHS, Period, add_months, clean_text, distinct_rows,
                                                 period_start, ratio, usable, value_reason)

if TYPE_CHECKING:
    from retention_lab.reference.retention_reference import Reference

EVENT_COLUMNS = ("event_id", "user_id", "customer_id", "occurred_at", "event_name")
SEND_COLUMNS = ("send_id", "customer_id", "campaign_id", "sent_at")
EMAIL_EVENT_COLUMNS = ("send_id", "event_type", "occurred_at", "is_machine_open")
RESPONSE_COLUMNS = ("response_id", "customer_id", "responded_at", "score")

# §1 "delivered, bounce, open, click, unsubscribe, spam_complaint (case and spaces vary)"
EMAIL_EVENT_TYPES = ("delivered", "bounce", "open", "click", "unsubscribe", "spam_complaint")
# project decision: text booleans, any case, trimmed
TRUE_TEXTS = ("true", "t", "yes", "y", "1")
FALSE_TEXTS = ("false", "f", "no", "n", "0")


# --------------------------------------------------------------------------
# §1 and §10: sources, exact duplicates, rejected rows
# --------------------------------------------------------------------------
@dataclass
class Event:
    event_id: str | None
    user_id: str
    customer_id: str | None
    occurred_at: datetime  # UTC
    event_name: str


@dataclass
class Send:
    send_id: str
    customer_id: str
    campaign_id: str | None
    sent_at: datetime  # UTC


@dataclass
class EmailEvent:
    send_id: str
    event_type: str
    occurred_at: datetime  # UTC
    is_machine_open: bool | None


@dataclass
class Response:
    response_id: str
    customer_id: str | None
    responded_at: datetime  # UTC
    score: int


@dataclass
class EngagementStaged:
    events: list[Event] = field(default_factory=list)
    sends: list[Send] = field(default_factory=list)
    email_events: list[EmailEvent] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    rejected: list[tuple[str, str | None, str]] = field(default_factory=list)  # (source_table, source_key, reason)
    duplicates: dict[str, int] = field(default_factory=dict)

    def customer_ids(self) -> set[str]:
        """The customers these sources name on usable rows (dim_customers has a row for each)."""
        return ({e.customer_id for e in self.events if e.customer_id is not None}
                | {s.customer_id for s in self.sends}
                | {r.customer_id for r in self.responses if r.customer_id is not None})


def read_boolean(value: Any) -> Any:
    """True, False, MISSING or UNPARSEABLE. Text true/t/yes/y/1 and false/f/no/n/0, any case, trimmed."""
    if is_blank(value):
        return MISSING
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_TEXTS:
        return True
    if text in FALSE_TEXTS:
        return False
    return UNPARSEABLE


def read_score(value: Any) -> Any:
    """§9 "A score that is not a whole number from 0 to 10 is a rejected row, never clipped."
    An int from 0 to 10; MISSING; UNPARSEABLE (not a number); or 'not a score'."""
    number = read_number(value)
    if number is MISSING or number is UNPARSEABLE:
        return number
    if not math.isfinite(number) or number != math.floor(number) or not 0 <= number <= 10:
        return "not a score"
    return int(number)


def id_counts(rows: Iterable[Mapping[str, Any]], column: str) -> dict[str, int]:
    """How many distinct raw rows carry each (trimmed) id."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if clean_text(row[column]) is not None:
            counts[clean_text(row[column])] += 1
    return counts


def timestamp_reason(column: str, value: Any) -> str | None:
    """§10 'unparseable X', then 'X out of range', then 'missing X'."""
    if value_reason(column, value):
        return value_reason(column, value)
    if value is MISSING:
        return f"missing {column}"
    return None


def stage_engagement(raw: Mapping[str, list[Mapping[str, Any]]], now: datetime) -> EngagementStaged:
    staged = EngagementStaged()

    def distinct(table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
        rows = raw.get(table) or []
        kept = distinct_rows(rows, columns)  # "Exact duplicate rows count once."
        staged.duplicates[table] = len(rows) - len(kept)
        return kept

    # events ---------------------------------------------------------------------
    events = distinct("events", EVENT_COLUMNS)
    counts = id_counts(events, "event_id")
    for row in events:
        event_id, user_id = clean_text(row["event_id"]), clean_text(row["user_id"])
        occurred_at = checked_timestamp(row["occurred_at"], now)
        event_name = clean_text(row["event_name"])
        # event_id is nullable; a non-null one on two distinct rows rejects both
        if event_id is not None and counts[event_id] > 1:
            reason = "event_id on rows with different values"
        elif user_id is None:
            reason = "missing user_id"
        elif timestamp_reason("occurred_at", occurred_at):
            reason = timestamp_reason("occurred_at", occurred_at)
        elif event_name is None:
            reason = "missing event_name"
        else:
            staged.events.append(Event(event_id, user_id, clean_text(row["customer_id"]), occurred_at, event_name))
            continue
        staged.rejected.append(("events", event_id, reason))

    # email_sends ------------------------------------------------------------------
    sends = distinct("email_sends", SEND_COLUMNS)
    counts = id_counts(sends, "send_id")
    for row in sends:
        send_id, customer_id = clean_text(row["send_id"]), clean_text(row["customer_id"])
        sent_at = checked_timestamp(row["sent_at"], now)
        if send_id is None:
            reason = "missing send_id"
        elif counts[send_id] > 1:
            reason = "send_id on rows with different values"
        elif customer_id is None:
            reason = "missing customer_id"
        elif timestamp_reason("sent_at", sent_at):
            reason = timestamp_reason("sent_at", sent_at)
        else:
            staged.sends.append(Send(send_id, customer_id, clean_text(row["campaign_id"]), sent_at))
            continue
        staged.rejected.append(("email_sends", send_id, reason))

    # email_events -------------------------------------------------------------------
    sent_at_by_id = {s.send_id: s.sent_at for s in staged.sends}
    for row in distinct("email_events", EMAIL_EVENT_COLUMNS):
        send_id = clean_text(row["send_id"])
        occurred_at = checked_timestamp(row["occurred_at"], now)
        event_type = (clean_text(row["event_type"]) or "").lower() or None
        machine = read_boolean(row["is_machine_open"])
        # §8 "Events whose send_id has no send, events before their send, and unknown event types
        # are rejected rows."
        if send_id is None:
            reason = "missing send_id"
        elif timestamp_reason("occurred_at", occurred_at):
            reason = timestamp_reason("occurred_at", occurred_at)
        elif event_type is None:
            reason = "missing event_type"
        elif event_type not in EMAIL_EVENT_TYPES:
            reason = "unknown event_type"
        elif machine is UNPARSEABLE:
            reason = "unparseable is_machine_open"
        elif send_id not in sent_at_by_id:
            reason = "send_id without a send"
        elif occurred_at < sent_at_by_id[send_id]:
            reason = "event before its send"
        else:
            staged.email_events.append(EmailEvent(send_id, event_type, occurred_at, usable(machine)))
            continue
        staged.rejected.append(("email_events", send_id, reason))

    # nps_responses ----------------------------------------------------------------------
    responses = distinct("nps_responses", RESPONSE_COLUMNS)
    counts = id_counts(responses, "response_id")
    for row in responses:
        response_id = clean_text(row["response_id"])
        responded_at = checked_timestamp(row["responded_at"], now)
        score = read_score(row["score"])
        if response_id is None:
            reason = "missing response_id"
        elif counts[response_id] > 1:
            reason = "response_id on rows with different values"
        elif timestamp_reason("responded_at", responded_at):
            reason = timestamp_reason("responded_at", responded_at)
        elif score is MISSING:
            reason = "missing score"
        elif score is UNPARSEABLE:
            reason = "unparseable score"
        elif score == "not a score":
            reason = "score not a whole number from 0 to 10"
        else:
            staged.responses.append(Response(response_id, clean_text(row["customer_id"]), responded_at, score))
            continue
        staged.rejected.append(("nps_responses", response_id, reason))
    return staged


# --------------------------------------------------------------------------
# Periods of the new marts
# --------------------------------------------------------------------------
def periods_between(grain: str, first: date, last: date) -> list[Period]:
    """§7 "The period marts of sections 7–9 run from the period of their own source's first
    activity to the as-of period.\""""
    periods, start = [], period_start(grain, first)
    while start <= period_start(grain, last):
        following = add_months(start, GRAIN_MONTHS[grain])
        periods.append(Period(grain, start, following))
        start = following
    return periods


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# §12 "period_grain in day, week, month", whatever var period_grains says
RETENTION_GRAINS = ("day", "week", "month")


def retention_period(grain: str, day: date) -> Period:
    """The day, week or calendar month holding `day`. §12 "weeks start on Monday"."""
    if grain == "day":
        return Period(grain, day, day + timedelta(days=1))
    if grain == "week":
        monday = day - timedelta(days=day.weekday())  # Monday is weekday 0
        return Period(grain, monday, monday + timedelta(days=7))
    first = date(day.year, day.month, 1)
    return Period(grain, first, add_months(first, 1))


def nps_category(score: int) -> str:
    """§9 "Promoters score 9 or 10, passives 7 or 8, detractors 0 to 6.\""""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


# --------------------------------------------------------------------------
# The marts
# --------------------------------------------------------------------------
class Engagement:
    def __init__(self, staged: EngagementStaged, reference: "Reference", *,
                 active_event_names: Iterable[str] | None = None, mau_window_days: int = 30):
        self.staged = staged
        self.grains = reference.grains
        self.as_of_date: date | None = reference.as_of_date
        self.as_of_at: datetime | None = reference.as_of_at  # local: the first instant after the as-of date
        self.local = reference.local
        self.mau_window_days = mau_window_days
        names = None if active_event_names is None else {n.strip() for n in active_event_names}
        known = self.as_of_at

        def counted(utc: datetime) -> bool:
            """Events, sends and responses count before the first instant after the as-of date; with no
            as-of date (no reporting window) nothing counts and every mart is empty."""
            return known is not None and self.local(utc) < known

        # §7 events up to the as-of date, whatever their name (dim_users), and the active ones
        self.events = [e for e in staged.events if counted(e.occurred_at)]
        # §7 "at least one event that day whose event_name is in var active_event_names (null, the
        # default: every event counts)"; compared trimmed and case-sensitive
        self.active_days: dict[str, set[date]] = defaultdict(set)
        for event in self.events:
            if names is None or event.event_name in names:
                self.active_days[event.user_id].add(self.local(event.occurred_at).date())
        self.first_day = {user: min(days) for user, days in self.active_days.items()}
        self.users_on: dict[date, set[str]] = defaultdict(set)  # the same facts by day
        for user, days in self.active_days.items():
            for day in days:
                self.users_on[day].add(user)
        # §8 "Sends and events after the as-of date are ignored."
        self.sends = [s for s in staged.sends if counted(s.sent_at)]
        self.email_events: dict[str, list[EmailEvent]] = defaultdict(list)
        for event in staged.email_events:
            if counted(event.occurred_at):
                self.email_events[event.send_id].append(event)
        # §9 "Every valid response up to the as-of date counts ...; later ones are ignored."
        self.responses = [r for r in staged.responses if counted(r.responded_at)]

    def is_complete(self, period: Period) -> bool:
        return not (period.start <= self.as_of_date < period.next_start)

    def period_columns(self, period: Period) -> dict[str, Any]:
        return {"period_grain": period.grain, "period_start": period.start, "period_end": period.end,
                "is_complete_period": self.is_complete(period)}

    # §7 engagement ----------------------------------------------------------------------
    def days(self) -> list[date]:
        """§7 "Days run from the first active day in the data to the as-of date"."""
        if not self.first_day:
            return []
        return days_between(min(self.first_day.values()), self.as_of_date)

    def active_on(self, first: date, last: date) -> set[str]:
        """Users active on at least one day from first to last, both included."""
        users: set[str] = set()
        for day in days_between(first, last):
            users |= self.users_on.get(day, set())
        return users

    def fct_daily_active_users(self) -> list[dict[str, Any]]:
        rows = []
        for day in self.days():
            daily = self.active_on(day, day)
            weekly = self.active_on(day - timedelta(days=6), day)  # "the 7 days ending that day"
            monthly = self.active_on(day - timedelta(days=self.mau_window_days - 1), day)  # "the M days"
            rows.append({
                "activity_date": day,
                "daily_active_users": len(daily),
                "weekly_active_users": len(weekly),
                "monthly_active_users": len(monthly),
                "new_users": sum(1 for first in self.first_day.values() if first == day),
                "dau_mau_ratio": ratio(len(daily), len(monthly)),
            })
        return rows

    def fct_engagement(self) -> list[dict[str, Any]]:
        rows = []
        days = self.days()
        if not days:
            return rows
        dau = {row["activity_date"]: row["daily_active_users"] for row in self.fct_daily_active_users()}
        for grain in self.grains:
            for period in periods_between(grain, days[0], self.as_of_date):
                last_day = period.end
                before = Period(grain, add_months(period.start, -GRAIN_MONTHS[grain]), period.start)
                active = self.active_on(period.start, last_day)
                previous = self.active_on(before.start, before.end)
                new = {u for u, first in self.first_day.items() if period.start <= first <= last_day}
                # "Σ DAU over the days of P that have a row in fct_daily_active_users / the number of those days"
                own_days = [d for d in days if period.start <= d <= last_day]
                average_daily = Fraction(sum(dau[d] for d in own_days), len(own_days))
                # "mean, over the calendar months of P that hold such days, of the users active in that month"
                months = sorted({date(d.year, d.month, 1) for d in own_days})
                monthly = [len(self.active_on(m, add_months(m, 1) - timedelta(days=1))) for m in months]
                average_monthly = Fraction(sum(monthly), len(monthly))
                rows.append({
                    **self.period_columns(period),
                    "active_users": len(active),
                    "new_users": len(new),
                    "returning_users": len(active & previous),  # "active in P and in the period before"
                    # "active in P, not in the period before, and not new in P"
                    "resurrected_users": len(active - previous - new),
                    "dormant_users": len(previous - active),  # "active in the period before, not in P"
                    "average_daily_active_users": float(average_daily),
                    "average_monthly_active_users": float(average_monthly),
                    "daily_stickiness": ratio(average_daily, len(active)),
                    "monthly_stickiness": ratio(average_monthly, len(active)),
                })
        return rows

    def fct_power_user_curve(self) -> list[dict[str, Any]]:
        rows = []
        days = self.days()
        if not days:
            return rows
        for month in periods_between("month", days[0], self.as_of_date):
            # "users active on exactly k days of it"
            per_user = [sum(1 for d in user_days if month.start <= d <= month.end)
                        for user_days in self.active_days.values()]
            active = sum(1 for n in per_user if n > 0)
            for k in range(1, (month.end - month.start).days + 2):  # "k from 1 to the number of days in that month"
                users = sum(1 for n in per_user if n == k)
                rows.append({
                    "period_start": month.start, "period_end": month.end,
                    "is_complete_period": self.is_complete(month),
                    "days_active": k,
                    "users": users,
                    "share_of_active_users": ratio(users, active),
                    "users_active_at_least": sum(1 for n in per_user if n >= k),  # "k days or more"
                    "active_users": active,
                })
        return rows

    def dim_users(self) -> list[dict[str, Any]]:
        rows = []
        by_user: dict[str, list[Event]] = defaultdict(list)
        for event in self.events:
            by_user[event.user_id].append(event)
        for user_id in sorted(by_user):
            # "the latest non-null one up to the as-of date"; ties at the same instant: the greatest
            with_customer = [(e.occurred_at, e.customer_id) for e in by_user[user_id] if e.customer_id is not None]
            days = self.active_days.get(user_id, set())
            rows.append({
                "user_id": user_id,
                "customer_id": max(with_customer)[1] if with_customer else None,
                "first_active_date": min(days, default=None),
                "last_active_date": max(days, default=None),
                "active_days": len(days),
                # "L7 and L28: days active in the 7 and 28 days ending on the as-of date"
                "active_days_last_7": sum(1 for d in days if (self.as_of_date - d).days < 7),
                "active_days_last_28": sum(1 for d in days if (self.as_of_date - d).days < 28),
            })
        return rows

    # §12 product retention from events ---------------------------------------------------
    def fct_user_retention(self) -> list[dict[str, Any]]:
        """§12 "one row per (period_grain in day, week, month; cohort_period_start, for every period in
        which at least one user's first active day falls; periods_since_first k from 0 to the as-of
        period)". Active days as in §7 (self.active_days)."""
        rows: list[dict[str, Any]] = []
        if not self.first_day:
            return rows
        days_of = {user: sorted(days) for user, days in self.active_days.items()}

        def active_from(user: str, first: date, before: date | None) -> bool:
            """Has the user an active day on or after `first` (and before `before`, when given)?"""
            days = days_of[user]
            at = bisect_left(days, first)
            return at < len(days) and (before is None or days[at] < before)

        for grain in RETENTION_GRAINS:
            as_of_period = retention_period(grain, self.as_of_date)
            # "cohort_users (users whose first active day falls in the cohort period)"
            cohorts: dict[date, list[str]] = defaultdict(list)
            for user, first in self.first_day.items():
                cohorts[retention_period(grain, first).start].append(user)
            for cohort_start, users in sorted(cohorts.items()):
                period, k = retention_period(grain, cohort_start), 0
                while period.start <= as_of_period.start:  # "k from 0 to the as-of period"
                    # "active in exactly the k-th period: N-day retention"
                    returned = sum(1 for u in users if active_from(u, period.start, period.next_start))
                    # "active in the k-th period or any later one up to the as-of date: unbounded"
                    # (no active day lies after the as-of date: §7 ignores later events)
                    returned_or_later = sum(1 for u in users if active_from(u, period.start, None))
                    rows.append({
                        "period_grain": grain, "cohort_period_start": cohort_start, "periods_since_first": k,
                        "period_start": period.start, "period_end": period.end,
                        "is_complete_period": self.is_complete(period),
                        "cohort_users": len(users),
                        "returned_users": returned,
                        "returned_or_later_users": returned_or_later,
                        # "retention_rate and unbounded_retention_rate (each over cohort_users)"
                        "retention_rate": ratio(returned, len(users)),
                        "unbounded_retention_rate": ratio(returned_or_later, len(users)),
                    })
                    period, k = retention_period(grain, period.next_start), k + 1
        return rows

    # §8 email --------------------------------------------------------------------------
    def outcome(self, send: Send) -> dict[str, bool]:
        events = self.email_events.get(send.send_id, [])
        types = {e.event_type for e in events}
        # "bounced when it has a bounce event and no open, click, unsubscribe or spam complaint"
        bounced = "bounce" in types and not types & {"open", "click", "unsubscribe", "spam_complaint"}
        return {
            "bounced": bounced,
            "delivered": not bounced,  # "delivered when it is not bounced"
            "opened": bool(types & {"open", "click"}),  # "a click implies the open the pixel missed"
            # "a click or an open whose is_machine_open is not true"
            "human": "click" in types or any(e.event_type == "open" and e.is_machine_open is not True
                                             for e in events),
            "clicked": "click" in types,
            "unsubscribed": "unsubscribe" in types,
            "complained": "spam_complaint" in types,
        }

    def email_counts(self, sends: list[Send]) -> dict[str, Any]:
        """Counts of sends, not events; rates pooled (sums over sums)."""
        outcomes = [self.outcome(s) for s in sends]

        def count(name: str) -> int:
            return sum(1 for o in outcomes if o[name])

        deliveries, opens, clicks = count("delivered"), count("opened"), count("clicked")
        return {
            "sends": len(sends), "deliveries": deliveries, "bounces": count("bounced"),
            "unique_opens": opens, "unique_human_opens": count("human"), "unique_clicks": clicks,
            "unsubscribes": count("unsubscribed"), "spam_complaints": count("complained"),
            "open_rate": ratio(opens, deliveries),
            "human_open_rate": ratio(count("human"), deliveries),
            "click_rate": ratio(clicks, deliveries),
            "click_to_open_rate": ratio(clicks, opens),
            "bounce_rate": ratio(count("bounced"), len(sends)),
            "unsubscribe_rate": ratio(count("unsubscribed"), deliveries),
        }

    def fct_email_engagement(self) -> list[dict[str, Any]]:
        rows = []
        if not self.sends:
            return rows
        first = min(self.local(s.sent_at) for s in self.sends).date()
        for grain in self.grains:
            for period in periods_between(grain, first, self.as_of_date):
                # "A send belongs to the period of its sent_at, whenever its events happen."
                sends = [s for s in self.sends if period.start_at <= self.local(s.sent_at) < period.end_at]
                rows.append({**self.period_columns(period), **self.email_counts(sends)})
        return rows

    def fct_email_campaigns(self) -> list[dict[str, Any]]:
        by_campaign: dict[str, list[Send]] = defaultdict(list)
        for send in self.sends:
            # "Sends without a campaign count in fct_email_engagement but get no row in fct_email_campaigns."
            if send.campaign_id is not None:
                by_campaign[send.campaign_id].append(send)
        return [{"campaign_id": campaign_id,
                 "first_sent_at": min(s.sent_at for s in sends), "last_sent_at": max(s.sent_at for s in sends),
                 **self.email_counts(sends)}
                for campaign_id, sends in sorted(by_campaign.items())]

    # §9 NPS --------------------------------------------------------------------------
    def fct_nps(self) -> list[dict[str, Any]]:
        rows = []
        if not self.responses:
            return rows
        first = min(self.local(r.responded_at) for r in self.responses).date()
        for grain in self.grains:
            for period in periods_between(grain, first, self.as_of_date):
                scores = [r.score for r in self.responses
                          if period.start_at <= self.local(r.responded_at) < period.end_at]
                categories = [nps_category(s) for s in scores]
                n = len(scores)
                promoters, detractors = categories.count("promoter"), categories.count("detractor")
                margin = None
                if n:
                    p, d = Fraction(promoters, n), Fraction(detractors, n)
                    # "1.96 × 100 × sqrt((p + d − (p − d)²) / responses)"
                    margin = 1.96 * 100 * math.sqrt((p + d - (p - d) ** 2) / n)
                rows.append({
                    **self.period_columns(period),
                    "responses": n, "promoters": promoters, "passives": categories.count("passive"),
                    "detractors": detractors,
                    "promoter_share": ratio(promoters, n), "detractor_share": ratio(detractors, n),
                    # "100 × (promoters − detractors) / responses, from −100 to 100, not rounded"
                    "net_promoter_score": ratio(100 * (promoters - detractors), n),
                    "net_promoter_score_margin_of_error": margin,
                })
        return rows

    def latest_nps(self, customer_id: str) -> dict[str, Any]:
        """§9 "from the customer's most recent valid response up to the as-of date"; ties: greatest response_id."""
        answers = [r for r in self.responses if r.customer_id == customer_id]
        if not answers:
            return {"latest_nps_score": None, "latest_nps_category": None, "latest_nps_responded_at": None}
        latest = max(answers, key=lambda r: (r.responded_at, r.response_id))
        return {"latest_nps_score": latest.score, "latest_nps_category": nps_category(latest.score),
                "latest_nps_responded_at": latest.responded_at}

    def marts(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "fct_daily_active_users": self.fct_daily_active_users(),
            "fct_engagement": self.fct_engagement(),
            "fct_power_user_curve": self.fct_power_user_curve(),
            "dim_users": self.dim_users(),
            "fct_user_retention": self.fct_user_retention(),
            "fct_email_engagement": self.fct_email_engagement(),
            "fct_email_campaigns": self.fct_email_campaigns(),
            "fct_nps": self.fct_nps(),
        }
