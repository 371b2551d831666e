"""Predicted CLV: the BG/NBD and Gamma-Gamma fits on CDNOW, and the prediction
formulas against their closed forms and against the lifetimes package."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.dbt_harness import ROOT

CLV = ROOT / "models" / "marts" / "clv"


def load_model_module(name: str):
    spec = importlib.util.spec_from_file_location(name, CLV / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


parameters_model = load_model_module("fct_clv_model_parameters")
customer_model = load_model_module("fct_customer_clv")

# Fader, Hardie and Lee (2005) on the CDNOW sample, calibration to 1997-09-30, in weeks;
# Gamma-Gamma as published with the lifetimes package's documentation.
PUBLISHED = {
    ("bg_nbd", "r"): 0.243, ("bg_nbd", "alpha"): 4.414, ("bg_nbd", "a"): 0.793, ("bg_nbd", "b"): 2.426,
    ("gamma_gamma", "p"): 6.25, ("gamma_gamma", "q"): 3.74, ("gamma_gamma", "v"): 15.44,
}


def cdnow_sample_orders() -> list[tuple]:
    """The CDNOW sample shipped in the lifetimes wheel, read from the installed files
    (not committed): customer, date, CDs bought, dollars. Loaded as completed orders."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the lifetimes package (requirements.txt) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"
    orders = []
    for line_number, line in enumerate(path.read_text().splitlines()):
        fields = line.split()
        if not fields:
            continue
        _, customer, day, _, dollars = fields
        orders.append((f"cdnow-{line_number}", f"cdnow-{customer}", datetime.strptime(day, "%Y%m%d"),
                       "completed", Decimal(dollars), "USD", None))
    return orders


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory):
    from tests.dbt_harness import Warehouse

    warehouse = Warehouse(tmp_path_factory.mktemp("cdnow"))
    warehouse.load_raw("cdnow", "orders", cdnow_sample_orders())
    run = warehouse.dbt(
        "build", "--select", "+fct_customer_clv", "--exclude", "resource_type:unit_test",
        "--indirect-selection", "cautious",
        vars={"raw_schema": "cdnow", "clv_calibration_end": "1997-09-30", "clv_time_unit": "week"},
    )
    assert run.success, run.text
    return warehouse


def test_cdnow_fit_reproduces_the_published_estimates_within_one_percent(cdnow):
    fitted = {(m, p): v for m, p, v in cdnow.query("select model, parameter, value from main.fct_clv_model_parameters")}
    assert set(fitted) == set(PUBLISHED)
    for key, published in PUBLISHED.items():
        assert fitted[key] == pytest.approx(published, rel=0.01), key
    summary = cdnow.query("select count(*), sum(frequency), max(customer_age) from main.int_clv_rfm_summary")[0]
    assert summary[0] == 2357 and summary[1] == 2457 and summary[2] == pytest.approx(272 / 7)


def test_cdnow_predictions_are_sane(cdnow):
    rows = cdnow.query_dicts("select * from main.fct_customer_clv")
    assert len(rows) == 2357
    assert all(0 < row["probability_alive"] <= 1 for row in rows)
    assert all(row["expected_purchases"] >= 0 and row["predicted_clv"] >= 0 for row in rows)
    one_off = [row for row in rows if row["frequency"] == 0]
    assert all(row["probability_alive"] == 1 for row in one_off)


R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426
P, Q, V = 6.25, 3.74, 15.44


def test_probability_alive_is_one_without_repeat_purchases_and_falls_with_silence():
    x, t_x = np.array([0.0, 2.0, 2.0]), np.array([0.0, 30.0, 5.0])
    alive = customer_model.probability_alive(R, ALPHA, A, B, x, t_x, np.array([38.0, 38.0, 38.0]))
    assert alive[0] == 1.0
    assert 0 < alive[2] < alive[1] < 1  # the same two repeats, long ago: less likely alive


def test_expected_purchases_of_a_brand_new_customer_is_the_unconditional_mean():
    """With x = t_x = T = 0 the conditional expectation reduces to FHL 2005 eq. 9:
    E[X(t)] = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * 2F1(r, b; a + b - 1; t / (alpha + t)))."""
    from scipy.special import hyp2f1

    t = 39.0
    unconditional = (A + B - 1) / (A - 1) * (1 - (ALPHA / (ALPHA + t)) ** R * hyp2f1(R, B, A + B - 1, t / (ALPHA + t)))
    conditional = customer_model.expected_purchases(t, R, ALPHA, A, B, np.array([0.0]), np.array([0.0]),
                                                    np.array([0.0]))
    assert conditional[0] == pytest.approx(unconditional, rel=1e-12)


def test_expected_average_value_shrinks_towards_the_population_mean():
    population = P * V / (Q - 1)
    assert customer_model.expected_average_value(P, Q, V, 0.0, 0.0) == pytest.approx(population)
    one = customer_model.expected_average_value(P, Q, V, 1.0, 100.0)
    many = customer_model.expected_average_value(P, Q, V, 20.0, 100.0)
    assert population < one < many < 100.0


def test_predictions_agree_with_the_lifetimes_package():
    """An independent implementation: lifetimes' own fitters with the same parameters."""
    try:
        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except Exception as error:  # the package's import can break with newer pandas or numpy
        pytest.skip(f"lifetimes does not import here: {error}")
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series({"r": R, "alpha": ALPHA, "a": A, "b": B})
    x, t_x, big_t = np.array([0.0, 1.0, 5.0, 12.0]), np.array([0.0, 10.0, 20.0, 35.0]), np.array([30.0, 38.0, 38.0, 38.0])
    theirs = bgf.conditional_expected_number_of_purchases_up_to_time(52, x, t_x, big_t)
    ours = customer_model.expected_purchases(52.0, R, ALPHA, A, B, x, t_x, big_t)
    assert np.allclose(ours, theirs, rtol=1e-9)
    assert np.allclose(customer_model.probability_alive(R, ALPHA, A, B, x, t_x, big_t),
                       bgf.conditional_probability_alive(x, t_x, big_t), rtol=1e-9)
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series({"p": P, "q": Q, "v": V})
    m = np.array([10.0, 25.0, 40.0])
    assert np.allclose(customer_model.expected_average_value(P, Q, V, x[1:], m),
                       ggf.conditional_expected_average_profit(pd.Series(x[1:]), pd.Series(m)), rtol=1e-9)


def test_fit_recovers_parameters_from_its_own_likelihood():
    """Maximum likelihood on data simulated from known BG/NBD parameters lands near them."""
    rng = np.random.default_rng(7)
    r, alpha, a, b, n, big_t = 0.5, 6.0, 1.2, 3.0, 4000, 52.0
    rates = rng.gamma(r, 1 / alpha, n)
    dropouts = rng.beta(a, b, n)
    frequency, recency = np.zeros(n), np.zeros(n)
    for i in range(n):
        t, count, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / rates[i])
            if t > big_t:
                break
            count, last = count + 1, t
            if rng.random() < dropouts[i]:
                break
        frequency[i], recency[i] = count, last
    values, _, converged = parameters_model.fit_bg_nbd(frequency, recency, np.full(n, big_t))
    assert converged
    assert values[0] == pytest.approx(r, rel=0.15) and values[1] == pytest.approx(alpha, rel=0.25)
