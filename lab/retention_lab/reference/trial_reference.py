"""fct_trial_conversion, straight from the metrics spec (section 12, "Unit
economics"), in plain Python: no SQL, no dbt, no data frames.

The spec's words are quoted beside each rule; where the spec is silent, the
project's decision (models/marts/fct_trial_conversion.yml) is quoted instead.
It reads the staged subscriptions, the periods and the as-of date of a
`Reference` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from retention_lab.reference.retention_reference import ratio

if TYPE_CHECKING:
    from retention_lab.reference.retention_reference import Period, Reference

THIRTY_DAYS = timedelta(hours=30 * 24)
NINETY_DAYS = timedelta(hours=90 * 24)


@dataclass(frozen=True)
class Trial:
    customer_id: str
    started_at: datetime  # UTC
    started_local: datetime  # in the reporting time zone
    converted_at: datetime | None  # UTC: the first paying row starting after the trial's start


def trials(reference: "Reference") -> list[Trial]:
    """"a trial is a customer whose first subscription row (earliest started_at) has zero MRR; its
    start is that row's started_at"."""
    if reference.as_of_at is None:
        return []
    rows_of: dict[str, list] = {}
    for row in reference.staged.subscriptions:
        # decision (1): rows starting at or after the first instant after the as-of date (reporting
        # time zone) are not known yet; a customer's first row is the earliest of their known rows
        if row.started_local < reference.as_of_at:
            rows_of.setdefault(row.customer_id, []).append(row)
    found = []
    for customer_id, rows in rows_of.items():
        start = min(row.started_at for row in rows)
        first_rows = [row for row in rows if row.started_at == start]
        # decision (2): with several rows at the earliest instant, a trial only if none of them pays
        if any(row.mrr != 0 for row in first_rows):
            continue
        # "a paying row of the customer starts after the trial's start, up to the as-of date";
        # decision (3): strictly after; decision (4): the customer counts once, at the first such row
        paid = [row.started_at for row in rows if row.mrr > 0 and row.started_at > start]
        found.append(Trial(customer_id, start, first_rows[0].started_local, min(paid) if paid else None))
    return found


def holds(period: "Period", local: datetime) -> bool:
    return period.start_at <= local < period.end_at


def fct_trial_conversion(reference: "Reference") -> list[dict[str, Any]]:
    """One row per (period_grain, period_start) "from the period of the first trial start to the as-of
    period (zeros where none started)"."""
    started = trials(reference)
    rows: list[dict[str, Any]] = []
    if not started:
        return rows
    as_of: date = reference.as_of_date
    for grain in reference.grains:
        periods = reference.periods[grain]
        first = next(index for index, period in enumerate(periods)
                     if any(holds(period, trial.started_local) for trial in started))
        for period in periods[first:]:
            cohort = [trial for trial in started if holds(period, trial.started_local)]
            converted = [trial for trial in cohort if trial.converted_at is not None]
            # "that paying row starts less than 30 × 24 h, or 90 × 24 h, after the trial's start" (UTC)
            within_30 = [t for t in converted if t.converted_at - t.started_at < THIRTY_DAYS]
            within_90 = [t for t in converted if t.converted_at - t.started_at < NINETY_DAYS]
            rows.append({
                "period_grain": grain,
                "period_start": period.start,
                "period_end": period.end,
                "is_complete_period": not (period.start <= as_of < period.next_start),
                # "period_end plus 90 days is on or before the as-of date"
                "is_conversion_window_complete": period.end + timedelta(days=90) <= as_of,
                "trials_started": len(cohort),
                "converted_customers": len(converted),
                "trial_to_paid_rate": ratio(len(converted), len(cohort)),
                "converted_within_30_days": len(within_30),
                "trial_to_paid_rate_30_days": ratio(len(within_30), len(cohort)),
                "converted_within_90_days": len(within_90),
                "trial_to_paid_rate_90_days": ratio(len(within_90), len(cohort)),
            })
    return rows
