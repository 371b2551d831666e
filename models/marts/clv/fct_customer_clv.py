"""Per-customer predictions from the fitted BG/NBD and Gamma-Gamma models:
the probability the customer is still alive, the purchases expected over the
horizon (var clv_horizon, in var clv_time_unit units), the expected spend per
purchase and the predicted CLV = expected purchases x expected spend
(undiscounted revenue over the horizon).

Predictions of a model are null when it has no rows in fct_clv_model_parameters
(too little data) or did not converge (published only with var
clv_on_fit_failure: warn). Customers left out of the Gamma-Gamma fit (a repeat
purchase, but a mean repeat spend of zero or less) get no spend prediction:
expected_average_order_value and predicted_clv are null for them. A prediction
that comes out non-finite (or a probability outside [0, 1], a negative
expectation) fails the model, or with clv_on_fit_failure: warn is published as
null; infinities are never published."""

import numpy as np
import pandas as pd
from scipy.special import hyp2f1

COLUMNS = ["customer_id", "frequency", "recency", "customer_age", "monetary_value", "probability_alive",
           "expected_purchases", "expected_average_order_value", "predicted_clv", "horizon", "time_unit"]


def _odds_dead(r, alpha, a, b, x, t_x, big_t):
    """a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) for x > 0, else 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_odds = np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0)) + (r + x) * (
            np.log(alpha + big_t) - np.log(alpha + t_x))
        return np.where(x > 0, np.exp(np.minimum(log_odds, 700)), 0.0)


def probability_alive(r, alpha, a, b, x, t_x, big_t):
    """P(alive | x, t_x, T) = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)) (FHL 2005)."""
    return 1.0 / (1.0 + _odds_dead(r, alpha, a, b, x, t_x, big_t))


def expected_purchases(t, r, alpha, a, b, x, t_x, big_t):
    """E[Y(t) | x, t_x, T], purchases expected in the next t units (FHL 2005, eq. 10)."""
    z = t / (alpha + big_t + t)
    bracket = 1.0 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket / (1.0 + _odds_dead(r, alpha, a, b, x, t_x, big_t))


def expected_average_value(p, q, v, x, m):
    """E[M | x, m] = p (v + x m) / (p x + q - 1): the Gamma-Gamma conditional mean spend
    per purchase; with no repeat purchase (x = 0) the population mean p v / (q - 1)."""
    return p * (v + x * m) / (p * x + q - 1)


def horizon_units(value):
    """var clv_horizon, validated (also at compile time, by int_clv_rfm_summary)."""
    try:
        horizon = float(value)
    except (TypeError, ValueError):
        horizon = float("nan")
    if isinstance(value, bool) or not (np.isfinite(horizon) and horizon > 0):
        raise ValueError(f"var clv_horizon must be a number of clv_time_unit units above zero, e.g. 52; got '{value}'.")
    return horizon


def fitted_parameters(parameters, model_name, names):
    """The converged estimates of one model, or None."""
    rows = parameters[parameters["model"] == model_name]
    values = {row.parameter: row.value for row in rows.itertuples()}
    if set(names) - set(values) or not bool(rows["converged"].all()):
        return None
    return tuple(float(values[name]) for name in names)


def model(dbt, session):
    dbt.config(materialized="table")
    summary = dbt.ref("int_clv_rfm_summary").df()
    parameters = dbt.ref("fct_clv_model_parameters").df()
    horizon = horizon_units(dbt.config.get("clv_horizon"))
    time_unit = dbt.config.get("clv_time_unit")
    on_failure = str(dbt.config.get("clv_on_fit_failure") or "error").strip().lower()
    if on_failure not in ("error", "warn"):
        raise ValueError(f"var clv_on_fit_failure must be error or warn; got '{on_failure}'.")
    frame = pd.DataFrame({
        "customer_id": summary["customer_id"],
        "frequency": summary["frequency"].astype("int64"),
        "recency": summary["recency"].astype("float64"),
        "customer_age": summary["customer_age"].astype("float64"),
        "monetary_value": summary["monetary_value"].astype("float64"),
    })
    x = frame["frequency"].to_numpy(dtype=float)
    t_x = frame["recency"].to_numpy(dtype=float)
    big_t = frame["customer_age"].to_numpy(dtype=float)
    m = frame["monetary_value"].to_numpy(dtype=float)
    nothing = np.full(len(frame), np.nan)
    bg_nbd = fitted_parameters(parameters, "bg_nbd", ("r", "alpha", "a", "b"))
    gamma_gamma = fitted_parameters(parameters, "gamma_gamma", ("p", "q", "v"))
    with np.errstate(all="ignore"):
        alive = probability_alive(*bg_nbd, x, t_x, big_t) if bg_nbd else nothing
        purchases = expected_purchases(horizon, *bg_nbd, x, t_x, big_t) if bg_nbd else nothing
        # left out of the Gamma-Gamma fit: a repeat purchase whose mean spend is not above zero
        excluded = (x > 0) & ~(m > 0)
        spend = np.where(excluded, np.nan, expected_average_value(*gamma_gamma, x, m)) if gamma_gamma else nothing
        predicted = purchases * spend
    everyone, spenders = np.ones(len(frame), dtype=bool), ~excluded
    checks = [("probability_alive", alive, bg_nbd, everyone, lambda v: (v >= 0) & (v <= 1)),
              ("expected_purchases", purchases, bg_nbd, everyone, lambda v: v >= 0),
              ("expected_average_order_value", spend, gamma_gamma, spenders, lambda v: v >= 0),
              ("predicted_clv", predicted, bg_nbd and gamma_gamma, spenders, lambda v: v >= 0)]
    problems = []
    for column, values, estimates, published, valid in checks:
        if not estimates:
            continue
        with np.errstate(invalid="ignore"):
            bad = published & ~(np.isfinite(values) & valid(values))
        if bad.any():
            problems.append(f"{int(bad.sum())} customers get a non-finite or out-of-range {column} "
                            f"(e.g. {values[bad][0]}) from the estimates {estimates}")
            values[bad] = np.nan
    if problems and on_failure == "error":
        raise RuntimeError(
            "fct_customer_clv: " + "; ".join(problems) + ". These predictions cannot be published. Check the fit in "
            "fct_clv_model_parameters, or set var clv_on_fit_failure: warn to publish them as nulls (the not_null "
            "data tests on fct_customer_clv then warn).")
    frame["probability_alive"] = alive
    frame["expected_purchases"] = purchases
    frame["expected_average_order_value"] = spend
    frame["predicted_clv"] = np.where(np.isnan(purchases) | np.isnan(spend), np.nan, predicted)
    frame["horizon"] = horizon
    frame["time_unit"] = time_unit
    return frame[COLUMNS]
