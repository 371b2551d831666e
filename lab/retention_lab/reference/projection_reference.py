"""An independent reference for spec section 12, "Projected subscription
retention: the shifted-beta-geometric model": the cohorts, their survivors and
the fit, computed in plain Python from the raw subscriptions, without reading
the project's SQL or its Python models.

What it reuses: the raw rows staged, the periods and who is a customer at an
instant on the subscriptions basis, from retention_reference.Reference (spec
sections 1-4, which section 12 points at). Everything of section 12 is here:

    ProjectionReference(raw, **reference_kwargs)
        .cohorts(grain)        {cohort start: Cohort}, each member's survival counted customer by customer
        .observed_rows()       the rows of int_cohort_survivors_counted
        .fit(grain)            Fit by maximum likelihood (Nelder-Mead on log alpha, log beta), or None
        .projection_rows(...)  the rows of fct_retention_projection
        .segment_cohorts(grain, segments)   the cohorts split by each member's segment in the cohort's first period
        .segment_observed_rows(segments, minimum_customers)   the rows of int_cohort_survivors_by_segment
        .segment_fit(grain, dimension, value, segments)       one segment's fit, or None
        .segment_projection_rows(segments, fits, ...)         the rows of fct_retention_projection_by_segment

The likelihood is written with Beta functions (Fader and Hardie 2007, eq. 1 and 3;
note 017 for cohorts of different ages), not with the recurrence the project uses,
evaluated as ratios of rising factorials:
    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)
    S(t)     = B(alpha, beta + t) / B(alpha, beta)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from scipy.optimize import minimize

from retention_lab.reference.retention_reference import Period, Reference


def rising_ratio(top: float, bottom: float, n: int) -> float:
    """(top)_n / (bottom)_n, the ratio of two rising factorials (Pochhammer symbols): Gamma(top + n)
    Gamma(bottom) / (Gamma(top) Gamma(bottom + n)), as a product of n ratios (exact to a few units in
    the last place even where lgamma differences lose digits, for parameters in the millions)."""
    return math.prod((top + j) / (bottom + j) for j in range(n))


def churn_probability(alpha: float, beta: float, t: int) -> float:
    """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta) = alpha / (alpha + beta) (beta)_(t-1) /
    (alpha + beta + 1)_(t-1), t >= 1: the customer leaves at the end of period t (after surviving t - 1)."""
    return alpha / (alpha + beta) * rising_ratio(beta, alpha + beta + 1, t - 1)


def survival(alpha: float, beta: float, t: int) -> float:
    """S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta) = (beta)_t / (alpha + beta)_t."""
    return rising_ratio(beta, alpha + beta, t)


@dataclass
class Cohort:
    start: date
    age: int  # complete periods observed after the first
    members: list[str] = field(default_factory=list)  # customers at the end of the first period
    lost_in_first_period: int = 0
    survived: dict[str, int] = field(default_factory=dict)  # member -> periods survived, up to age
    lost: list[str] = field(default_factory=list)  # the customers lost in the first period
    period: Period | None = None  # the cohort's first period

    def survivors(self, t: int) -> int:
        return sum(1 for periods in self.survived.values() if periods >= t)


@dataclass
class Fit:
    alpha: float
    beta: float
    log_likelihood: float
    customers: int


class ProjectionReference:
    def __init__(self, raw: Mapping[str, list[Mapping[str, Any]]], **reference_kwargs):
        self.reference = Reference(raw, **reference_kwargs)

    def complete_periods(self, grain: str) -> list[Period]:
        """§2 "is_complete_period (false for the period that contains the as-of date)"."""
        as_of = self.reference.as_of_date
        return [p for p in self.reference.periods.get(grain, []) if not (p.start <= as_of < p.next_start)]

    def cohorts(self, grain: str) -> dict[date, Cohort]:
        """§12 "a cohort is the customers whose first paying subscription starts in one period and who are
        still customers at that period's end"; a member "survives t periods ... when they are a customer at
        the end of every period from their first to t periods later; a churn ends the survival for good"."""
        ref = self.reference
        periods = self.complete_periods(grain)
        cohorts: dict[date, Cohort] = {}
        for customer in ref.customer_ids:
            first = ref.first_activity_of("subscriptions", customer)
            if first is None:
                continue
            index = next((i for i, p in enumerate(periods) if p.start_at <= first < p.end_at), None)
            if index is None:  # the first paying start is in the incomplete period: no cohort yet
                continue
            cohort = cohorts.setdefault(periods[index].start, Cohort(periods[index].start, len(periods) - 1 - index,
                                                                     period=periods[index]))
            if not ref.is_subscription_customer(customer, periods[index].end_at):
                cohort.lost_in_first_period += 1
                cohort.lost.append(customer)
                continue
            cohort.members.append(customer)
            survived = 0
            for later in periods[index + 1:]:
                if not ref.is_subscription_customer(customer, later.end_at):
                    break
                survived += 1
            cohort.survived[customer] = survived
        return dict(sorted(cohorts.items()))

    def observed_rows(self) -> list[dict[str, Any]]:
        rows = []
        for grain in self.reference.grains:
            for start, cohort in self.cohorts(grain).items():
                for t in range(cohort.age + 1):
                    rows.append({"period_grain": grain, "cohort_period_start": start, "periods_since_first": t,
                                 "cohort_age": cohort.age, "cohort_customers": len(cohort.members),
                                 "lost_in_first_period": cohort.lost_in_first_period,
                                 "surviving_customers": cohort.survivors(t)})
        return rows

    def fit(self, grain: str) -> Fit | None:
        """§12 "α and β are the maximum-likelihood fit over all cohorts together (each cohort's survivors
        censored at its own age)". None when no churn or no survivor of a period is observed (no maximum)."""
        return fit_cohorts(self.cohorts(grain).values())

    # -- per segment (sections 11 and 12) -------------------------------------------------------------
    def segment_cohorts(self, grain: str, segments) -> dict[tuple[str, str], dict[date, Cohort]]:
        """{(dimension, value): {cohort start: Cohort}}: each cohort's members and first-period losses split
        by the segment each is in during the cohort's first period (plan: the plan of that period; the
        other dimensions: the customer's value). `segments` is a SegmentReference over the same raw rows."""
        split: dict[tuple[str, str], dict[date, Cohort]] = {}
        for start, cohort in self.cohorts(grain).items():
            for dimension in segments.dimensions:
                for customer in cohort.members + cohort.lost:
                    value = (segments.plan_of(customer, cohort.period) if dimension == "plan"
                             else segments.segment_value(customer, dimension))
                    part = split.setdefault((dimension, value), {}).setdefault(
                        start, Cohort(start, cohort.age, period=cohort.period))
                    if customer in cohort.survived:
                        part.members.append(customer)
                        part.survived[customer] = cohort.survived[customer]
                    else:
                        part.lost.append(customer)
                        part.lost_in_first_period += 1
        return {key: dict(sorted(cohorts.items())) for key, cohorts in sorted(split.items())}

    @staticmethod
    def segment_size(cohorts: Mapping[date, Cohort]) -> tuple[int, int]:
        """(customers in cohorts observed a period past their first, the oldest age of a cohort with members)."""
        customers = sum(len(c.members) for c in cohorts.values() if c.age >= 1)
        oldest = max((c.age for c in cohorts.values() if c.members), default=0)
        return customers, oldest

    def segment_observed_rows(self, segments, minimum_customers: int = 100) -> list[dict[str, Any]]:
        rows = []
        for grain in self.reference.grains:
            for (dimension, value), cohorts in self.segment_cohorts(grain, segments).items():
                customers, oldest = self.segment_size(cohorts)
                for start, cohort in cohorts.items():
                    for t in range(cohort.age + 1):
                        rows.append({"period_grain": grain, "segment_dimension": dimension, "segment_value": value,
                                     "cohort_period_start": start, "periods_since_first": t,
                                     "cohort_age": cohort.age, "cohort_customers": len(cohort.members),
                                     "lost_in_first_period": cohort.lost_in_first_period,
                                     "surviving_customers": cohort.survivors(t), "segment_fit_customers": customers,
                                     "segment_oldest_cohort_age": oldest,
                                     "is_enough_to_fit": customers >= minimum_customers and oldest >= 2})
        return rows

    def segment_fit(self, grain: str, dimension: str, value: str, segments) -> Fit | None:
        """One segment's fit over its cohorts, as fit() over the company's (the caller applies the rule of
        what is enough to fit)."""
        return fit_cohorts(self.segment_cohorts(grain, segments).get((dimension, value), {}).values())

    def segment_projection_rows(self, segments, fits: Mapping[tuple[str, str, str], tuple[float, float]],
                                projection_periods: int = 12) -> list[dict[str, Any]]:
        """fct_retention_projection_by_segment without projection_status, with the given (alpha, beta) per
        (grain, dimension, value) (missing: null projections)."""
        rows = []
        for grain in self.reference.grains:
            for (dimension, value), cohorts in self.segment_cohorts(grain, segments).items():
                customers, _ = self.segment_size(cohorts)
                for row in projection_of(cohorts, grain, fits.get((grain, dimension, value)), projection_periods):
                    rows.append({**row, "segment_dimension": dimension, "segment_value": value,
                                 "segment_fit_customers": customers})
        return rows

    def projection_rows(self, fits: Mapping[str, tuple[float, float] | None],
                        projection_periods: int = 12) -> list[dict[str, Any]]:
        """§12 fct_retention_projection, with the given (alpha, beta) per grain (None: null projections)."""
        rows = []
        for grain in self.reference.grains:
            rows += projection_of(self.cohorts(grain), grain, fits.get(grain), projection_periods)
        return rows


def fit_cohorts(cohorts) -> Fit | None:
    """The maximum-likelihood fit over the given cohorts together, or None when no churn or no survivor of
    a period is observed (no maximum)."""
    churned: dict[int, int] = {}  # t -> customers who churned after surviving t - 1 periods
    censored: dict[int, int] = {}  # age -> customers still in at their cohort's age
    for cohort in cohorts:
        if cohort.age < 1:
            continue
        for periods in cohort.survived.values():
            if periods >= cohort.age:
                censored[cohort.age] = censored.get(cohort.age, 0) + 1
            else:
                churned[periods + 1] = churned.get(periods + 1, 0) + 1
    customers = sum(churned.values()) + sum(censored.values())
    if not churned or customers == churned.get(1, 0):
        return None

    def negative(point):
        alpha, beta = math.exp(point[0]), math.exp(point[1])
        total = sum(n * math.log(churn_probability(alpha, beta, t)) for t, n in churned.items())
        total += sum(n * math.log(survival(alpha, beta, t)) for t, n in censored.items())
        return -total

    best = None
    for start in ((0.0, 0.0), (-1.0, 1.0), (1.0, 2.0)):
        try:
            result = minimize(negative, start, method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
        except (OverflowError, ValueError):
            continue
        if best is None or result.fun < best.fun:
            best = result
    if best is None:
        return None
    return Fit(math.exp(best.x[0]), math.exp(best.x[1]), -float(best.fun), customers)


def projection_of(cohorts: Mapping[date, Cohort], grain: str, estimates: tuple[float, float] | None,
                  projection_periods: int) -> list[dict[str, Any]]:
    """The projection rows of some cohorts of one grain with the given (alpha, beta) (None: null projections)."""
    rows = []
    for start, cohort in cohorts.items():
        size = len(cohort.members)
        at_age = cohort.survivors(cohort.age)
        for t in range(cohort.age + projection_periods + 1):
            observed = cohort.survivors(t) if t <= cohort.age else None
            projected = survival(*estimates, t) if estimates else None
            expected = None
            if estimates and t > cohort.age:
                expected = at_age * projected / survival(*estimates, cohort.age)
            rows.append({"period_grain": grain, "cohort_period_start": start, "periods_since_first": t,
                         "cohort_age": cohort.age, "cohort_customers": size,
                         "lost_in_first_period": cohort.lost_in_first_period,
                         "surviving_customers": observed,
                         "survival_rate": observed / size if observed is not None and size else None,
                         "projected_survival_rate": projected, "expected_surviving_customers": expected,
                         "is_projected": t > cohort.age})
    return rows
