"""Projected subscription retention (spec section 12): the cohorts of
int_cohort_survivors_counted, observed to their last complete period, and the
shifted-beta-geometric fit of fct_clv_model_parameters (model
shifted_beta_geometric_<grain>) carried var projection_periods periods further.

One row per (period_grain, cohort_period_start, periods_since_first) from 0 to
the cohort's age plus projection_periods. Observed rows (t <= age) carry the
cohort's counts and survival rate; projected rows (t > age) carry
expected_surviving_customers = survivors at the age x S(t) / S(age).
projected_survival_rate is S(t) of the fit on every row, so the fitted curve can
be drawn over the observed one. Without a converged fit for the grain (too little
data: no rows in fct_clv_model_parameters; or published with var
clv_on_fit_failure: warn and converged = false) both projections are null, never
a number."""

import numpy as np
import pandas as pd

COLUMNS = ["period_grain", "cohort_period_start", "periods_since_first", "cohort_age", "cohort_customers",
           "lost_in_first_period", "surviving_customers", "survival_rate", "projected_survival_rate",
           "expected_surviving_customers", "is_projected"]
MAX_PROJECTION_PERIODS = 120


def projection_periods(value):
    """var projection_periods, validated (also at compile time, by int_cohort_survivors_counted)."""
    try:
        periods = float(value)
    except (TypeError, ValueError):
        periods = float("nan")
    if isinstance(value, bool) or not (np.isfinite(periods) and periods == int(periods)
                                       and 0 <= periods <= MAX_PROJECTION_PERIODS):
        raise ValueError("var projection_periods must be a whole number of periods from 0 to 120 (how many periods "
                         "past each cohort's last complete period fct_retention_projection projects; default 12), "
                         f"e.g. 12; got '{value}'.")
    return int(periods)


def survival(alpha, beta, last):
    """S(0) .. S(last): S(0) = 1, S(t) = S(t - 1) (beta + t - 1) / (alpha + beta + t - 1)
    (Fader and Hardie 2007), as a product of 1 / (1 + alpha / (beta + t - 1)), t - 1 added to beta as a
    whole number (so a tiny beta keeps its digits)."""
    t = np.arange(1, last + 1, dtype=float)
    return np.exp(np.concatenate(([0.0], np.cumsum(-np.log1p(alpha / (beta + (t - 1)))))))


def fitted(parameters, grain):
    """(alpha, beta) of the grain's converged fit, or None."""
    rows = parameters[(parameters["model"] == f"shifted_beta_geometric_{grain}")
                      & parameters["segment_dimension"].isna()]  # the company-wide fit
    values = {row.parameter: row.value for row in rows.itertuples()}
    if len(rows) == 0 or not bool(rows["converged"].all()) or {"alpha", "beta"} - set(values):
        return None
    alpha, beta = float(values["alpha"]), float(values["beta"])
    return (alpha, beta) if np.isfinite(alpha) and np.isfinite(beta) and alpha > 0 and beta > 0 else None


def project(cohorts, parameters, periods_ahead):
    """The mart's rows from int_cohort_survivors_counted and fct_clv_model_parameters."""
    rows = []
    ordered = cohorts.sort_values(["period_grain", "cohort_period_start", "periods_since_first"], kind="mergesort")
    for (grain, start), cohort in ordered.groupby(["period_grain", "cohort_period_start"], sort=True):
        estimates = fitted(parameters, grain)
        age = int(cohort["cohort_age"].iloc[0])
        size, lost = int(cohort["cohort_customers"].iloc[0]), int(cohort["lost_in_first_period"].iloc[0])
        observed = dict(zip(cohort["periods_since_first"].astype(int), cohort["surviving_customers"].astype(int)))
        curve = survival(*estimates, age + periods_ahead) if estimates else None
        for t in range(age + periods_ahead + 1):
            survivors = observed.get(t) if t <= age else None
            projected = float(curve[t]) if curve is not None else None
            expected = None
            if t > age and curve is not None:
                expected = observed[age] * float(curve[t] / curve[age]) if curve[age] > 0 else None
            rows.append((grain, pd.Timestamp(start).date(), t, age, size, lost, survivors,
                         survivors / size if survivors is not None and size > 0 else None, projected, expected,
                         t > age))
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    periods_ahead = projection_periods(dbt.config.get("projection_periods"))
    cohorts = dbt.ref("int_cohort_survivors_counted").df()
    parameters = dbt.ref("fct_clv_model_parameters").df()
    frame = pd.DataFrame(project(cohorts, parameters, periods_ahead), columns=COLUMNS)
    return frame.astype({"period_grain": "string", "periods_since_first": "int64", "cohort_age": "int64",
                         "cohort_customers": "int64", "lost_in_first_period": "int64",
                         "surviving_customers": "Int64", "survival_rate": "float64",
                         "projected_survival_rate": "float64", "expected_surviving_customers": "float64",
                         "is_projected": "bool"})
