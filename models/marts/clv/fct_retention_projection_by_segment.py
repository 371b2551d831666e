"""Projected subscription retention per segment (spec sections 11 and 12): fct_retention_projection
for each segment of each dimension of var segment_dimensions, from the cohorts of
int_cohort_survivors_by_segment and the segment's own shifted-beta-geometric fit in
fct_clv_model_parameters (model shifted_beta_geometric_<grain> with segment_dimension and
segment_value set).

A segment is fitted only with enough data (int_cohort_survivors_by_segment.is_enough_to_fit): var
projection_min_segment_customers customers (default 100) in cohorts observed at least one period past
their first, and one cohort observed two periods past its first. Every other segment keeps its
observed rows and null projections, and projection_status says why, as it does for a fit that did not
converge or that has no estimate (no churn, or no survivor). The observed columns are computed as in
fct_retention_projection, so a segment's counts sum over the dimension's values to the company's."""

import numpy as np
import pandas as pd

COLUMNS = ["period_grain", "segment_dimension", "segment_value", "cohort_period_start", "periods_since_first",
           "cohort_age", "cohort_customers", "lost_in_first_period", "surviving_customers", "survival_rate",
           "projected_survival_rate", "expected_surviving_customers", "is_projected", "segment_fit_customers",
           "projection_status"]
SEGMENT = ["period_grain", "segment_dimension", "segment_value"]
PROJECTED = "projected"


def survival(alpha, beta, last):
    """S(0) .. S(last) of the shifted-beta-geometric model, as fct_retention_projection computes it."""
    t = np.arange(1, last + 1, dtype=float)
    return np.exp(np.concatenate(([0.0], np.cumsum(-np.log1p(alpha / (beta + (t - 1)))))))


def status(segment_rows, fit_rows, minimum_customers):
    """(alpha, beta) of the segment's converged fit or None, and the segment's projection_status."""
    first = segment_rows.iloc[0]
    if len(fit_rows):
        values = {row.parameter: row.value for row in fit_rows.itertuples()}
        alpha, beta = values.get("alpha"), values.get("beta")
        usable = (bool(fit_rows["converged"].all()) and alpha is not None and beta is not None
                  and np.isfinite(alpha) and np.isfinite(beta) and alpha > 0 and beta > 0)
        if usable:
            return (float(alpha), float(beta)), PROJECTED
        return None, ("not projected: the fit did not converge (published with var clv_on_fit_failure: warn): "
                      + str(fit_rows["fit_message"].iloc[0]))
    if not bool(first["is_enough_to_fit"]):
        reasons = []
        if int(first["segment_fit_customers"]) < minimum_customers:
            reasons.append(f"{int(first['segment_fit_customers'])} customers in cohorts observed a period past "
                           f"their first, fewer than var projection_min_segment_customers ({minimum_customers})")
        if int(first["segment_oldest_cohort_age"]) < 2:
            reasons.append("no cohort observed two periods past its first, so alpha and beta cannot be told apart "
                           "(one period shows only the share who leave)")
        return None, "not projected: too little data: " + "; ".join(reasons)
    return None, ("not projected: the cohorts show no churn, or no customer surviving a period, so the likelihood "
                  "has no maximum to publish")


def project(cohorts, parameters, periods_ahead, minimum_customers):
    """The mart's rows from int_cohort_survivors_by_segment and fct_clv_model_parameters."""
    rows = []
    fits = parameters[parameters["segment_dimension"].notna()]
    ordered = cohorts.sort_values(SEGMENT + ["cohort_period_start", "periods_since_first"], kind="mergesort")
    for (grain, dimension, value), segment_rows in ordered.groupby(SEGMENT, sort=True):
        fit_rows = fits[(fits["model"] == f"shifted_beta_geometric_{grain}") & (fits["segment_dimension"] == dimension)
                        & (fits["segment_value"] == value)]
        estimates, note = status(segment_rows, fit_rows, minimum_customers)
        fit_customers = int(segment_rows["segment_fit_customers"].iloc[0])
        for start, cohort in segment_rows.groupby("cohort_period_start", sort=True):
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
                rows.append((grain, dimension, value, pd.Timestamp(start).date(), t, age, size, lost, survivors,
                             survivors / size if survivors is not None and size > 0 else None, projected, expected,
                             t > age, fit_customers, note))
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    # both vars were validated at compile time, by int_cohort_survivors_counted and int_cohort_survivors_by_segment
    periods_ahead = int(float(dbt.config.get("projection_periods")))
    minimum_customers = int(float(dbt.config.get("projection_min_segment_customers")))
    cohorts = dbt.ref("int_cohort_survivors_by_segment").df()
    parameters = dbt.ref("fct_clv_model_parameters").df()
    frame = pd.DataFrame(project(cohorts, parameters, periods_ahead, minimum_customers), columns=COLUMNS)
    return frame.astype({"period_grain": "string", "segment_dimension": "string", "segment_value": "string",
                         "periods_since_first": "int64", "cohort_age": "int64", "cohort_customers": "int64",
                         "lost_in_first_period": "int64", "surviving_customers": "Int64", "survival_rate": "float64",
                         "projected_survival_rate": "float64", "expected_surviving_customers": "float64",
                         "is_projected": "bool", "segment_fit_customers": "int64", "projection_status": "string"})
