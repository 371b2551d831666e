"""BG/NBD (purchase counts) and Gamma-Gamma (spend per purchase) fitted by
maximum likelihood on int_clv_rfm_summary.

BG/NBD: Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way".
Gamma-Gamma: Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis". Parameters are fitted on the log scale (so they
stay positive) with L-BFGS-B from 1, within e^-30 .. e^30. Customers with the
same summary share one likelihood term weighted by their count, so the cost of
a fit grows with distinct summaries, not with customers.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln

COLUMNS = ["model", "parameter", "value", "customers", "log_likelihood", "converged", "calibration_end_date",
           "time_unit"]


def bg_nbd_log_likelihood(r, alpha, a, b, frequency, recency, age):
    """Per-customer log-likelihood of the BG/NBD model (FHL 2005, eq. 6)."""
    x, t_x, big_t = frequency, recency, age
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
                      -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def gamma_gamma_log_likelihood(p, q, v, frequency, monetary_value):
    """Per-customer log-likelihood of the Gamma-Gamma spend model, for customers
    with at least one repeat purchase (x > 0), up to a constant."""
    x, m = frequency, monetary_value
    return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m)
            + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))


def distinct_rows(*columns):
    """The distinct rows of the columns and how many times each occurs."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def fit(log_likelihood, parameter_count, *data):
    columns, weights = distinct_rows(*data)

    def objective(log_params):
        total = (weights * log_likelihood(*np.exp(log_params), *columns)).sum()
        return -total if np.isfinite(total) else 1e300

    result = minimize(objective, np.zeros(parameter_count), method="L-BFGS-B",
                      bounds=[(-30.0, 30.0)] * parameter_count,
                      options={"maxiter": 10000, "ftol": 1e-15, "gtol": 1e-9})
    return np.exp(result.x), -result.fun, bool(result.success)


def fit_bg_nbd(frequency, recency, age):
    return fit(bg_nbd_log_likelihood, 4, frequency, recency, age)


def fit_gamma_gamma(frequency, monetary_value):
    return fit(gamma_gamma_log_likelihood, 3, frequency, monetary_value)


def model(dbt, session):
    dbt.config(materialized="table")
    summary = dbt.ref("int_clv_rfm_summary").df()
    time_unit = dbt.config.get("clv_time_unit")
    rows = []
    if len(summary):
        calibration_end = pd.Timestamp(summary["calibration_end_date"].iloc[0]).date()
        frequency = summary["frequency"].to_numpy(dtype=float)
        recency = summary["recency"].to_numpy(dtype=float)
        age = summary["customer_age"].to_numpy(dtype=float)
        # every customer's first purchase on the calibration end leaves age 0: nothing to fit
        if (age > 0).any():
            values, log_likelihood, converged = fit_bg_nbd(frequency, recency, age)
            for name, value in zip(("r", "alpha", "a", "b"), values):
                rows.append(("bg_nbd", name, float(value), len(summary), log_likelihood, converged,
                             calibration_end, time_unit))
        repeat = summary[summary["frequency"] > 0]
        if len(repeat) >= 2:
            values, log_likelihood, converged = fit_gamma_gamma(
                repeat["frequency"].to_numpy(dtype=float), repeat["monetary_value"].to_numpy(dtype=float))
            for name, value in zip(("p", "q", "v"), values):
                rows.append(("gamma_gamma", name, float(value), len(repeat), log_likelihood, converged,
                             calibration_end, time_unit))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"model": "string", "parameter": "string", "value": "float64", "customers": "int64",
                         "log_likelihood": "float64", "converged": "bool", "time_unit": "string"})
