"""BG/NBD (purchase counts) and Gamma-Gamma (spend per purchase) fitted by
maximum likelihood on int_clv_rfm_summary.

BG/NBD: Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way".
Gamma-Gamma: Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis". Parameters are fitted on the log scale (so they
stay positive) with L-BFGS-B from 1, within e^-30 .. e^30. The special
functions are evaluated once per distinct value of a column (frequency,
recency and age take a few hundred values however many customers there are),
so a fit of a million customers takes seconds.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln

COLUMNS = ["model", "parameter", "value", "customers", "log_likelihood", "converged", "calibration_end_date",
           "time_unit"]


class Distinct:
    """A column as its distinct values and, per row, the index of its value."""

    def __init__(self, column):
        self.values, self.index = np.unique(np.asarray(column, dtype=float), return_inverse=True)

    def map(self, function):
        return function(self.values)[self.index]


def bg_nbd_log_likelihood(r, alpha, a, b, frequency, recency, age):
    """Per-customer log-likelihood of the BG/NBD model (FHL 2005, eq. 6).
    The data may be arrays or Distinct columns."""
    x_d, t_x_d, big_t_d = (c if isinstance(c, Distinct) else Distinct(c) for c in (frequency, recency, age))
    x = x_d.values[x_d.index]
    a1 = x_d.map(lambda v: gammaln(r + v) - gammaln(r) + r * np.log(alpha))
    a2 = x_d.map(lambda v: gammaln(a + b) + gammaln(b + v) - gammaln(b) - gammaln(a + b + v))
    a3 = -(r + x) * big_t_d.map(lambda v: np.log(alpha + v))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b_x = x_d.map(lambda v: np.log(np.where(v > 0, b + v - 1, 1.0)))
        a4 = np.where(x > 0, np.log(a) - log_b_x - (r + x) * t_x_d.map(lambda v: np.log(alpha + v)), -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def gamma_gamma_log_likelihood(p, q, v, frequency, monetary_value):
    """Per-customer log-likelihood of the Gamma-Gamma spend model, for customers
    with at least one repeat purchase (x > 0), up to a constant. The data may be
    arrays or Distinct columns."""
    x_d, m_d = (c if isinstance(c, Distinct) else Distinct(c) for c in (frequency, monetary_value))
    x, m = x_d.values[x_d.index], m_d.values[m_d.index]
    return (x_d.map(lambda u: gammaln(p * u + q) - gammaln(p * u) + p * u * np.log(u))
            - gammaln(q) + q * np.log(v) + (p * x - 1) * m_d.map(np.log) - (p * x + q) * np.log(x * m + v))


def fit(log_likelihood, parameter_count, *data):
    def objective(log_params):
        total = log_likelihood(*np.exp(log_params), *data).sum()
        return -total if np.isfinite(total) else 1e300

    result = minimize(objective, np.zeros(parameter_count), method="L-BFGS-B",
                      bounds=[(-30.0, 30.0)] * parameter_count,
                      options={"maxiter": 10000, "ftol": 1e-13, "gtol": 1e-7})
    return np.exp(result.x), -result.fun, bool(result.success)


def fit_bg_nbd(frequency, recency, age):
    return fit(bg_nbd_log_likelihood, 4, Distinct(frequency), Distinct(recency), Distinct(age))


def fit_gamma_gamma(frequency, monetary_value):
    return fit(gamma_gamma_log_likelihood, 3, Distinct(frequency), Distinct(monetary_value))


def model(dbt, session):
    dbt.config(materialized="table")
    # in a fixed order, so the same data always gives the same fit to the last bit
    summary = dbt.ref("int_clv_rfm_summary").df().sort_values("customer_id", kind="mergesort")
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
