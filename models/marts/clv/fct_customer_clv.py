"""Per-customer predictions from the fitted BG/NBD and Gamma-Gamma models:
the probability the customer is still alive, the purchases expected over the
horizon (var clv_horizon, in var clv_time_unit units), the expected spend per
purchase and the predicted CLV = expected purchases x expected spend
(undiscounted revenue over the horizon)."""

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


def model(dbt, session):
    dbt.config(materialized="table")
    summary = dbt.ref("int_clv_rfm_summary").df()
    parameters = dbt.ref("fct_clv_model_parameters").df()
    horizon = float(dbt.config.get("clv_horizon"))
    time_unit = dbt.config.get("clv_time_unit")
    fitted = {(row.model, row.parameter): row.value for row in parameters.itertuples()}
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
    if all(("bg_nbd", name) in fitted for name in ("r", "alpha", "a", "b")):
        r, alpha, a, b = (fitted[("bg_nbd", name)] for name in ("r", "alpha", "a", "b"))
        frame["probability_alive"] = probability_alive(r, alpha, a, b, x, t_x, big_t)
        frame["expected_purchases"] = expected_purchases(horizon, r, alpha, a, b, x, t_x, big_t)
    else:
        frame["probability_alive"] = np.nan
        frame["expected_purchases"] = np.nan
    if all(("gamma_gamma", name) in fitted for name in ("p", "q", "v")):
        p, q, v = (fitted[("gamma_gamma", name)] for name in ("p", "q", "v"))
        frame["expected_average_order_value"] = expected_average_value(p, q, v, x, m)
    else:
        frame["expected_average_order_value"] = np.nan
    frame["predicted_clv"] = frame["expected_purchases"] * frame["expected_average_order_value"]
    frame["horizon"] = horizon
    frame["time_unit"] = time_unit
    return frame[COLUMNS]
