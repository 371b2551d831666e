"""Predicted CLV: the BG/NBD and Gamma-Gamma fits on CDNOW (the sample and the
full master file), fits that cannot be trusted, the demo's boundary fit, and the
prediction formulas against their closed forms and against the lifetimes package."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import json

import duckdb
import numpy as np
import pytest

from tests.dbt_harness import ROOT, Warehouse

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


def lifetimes_dataset(name: str) -> Path:
    """A data file shipped in the installed lifetimes wheel (never committed here)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the lifetimes package (requirements.txt) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / name


def cdnow_sample_orders() -> list[tuple]:
    """The CDNOW sample shipped in the lifetimes wheel, read from the installed files
    (not committed): customer, date, CDs bought, dollars. Loaded as completed orders."""
    path = lifetimes_dataset("CDNOW_sample.txt")
    orders = []
    for line_number, line in enumerate(path.read_text().splitlines()):
        fields = line.split()
        if not fields:
            continue
        _, customer, day, _, dollars = fields
        orders.append((f"cdnow-{line_number}", f"cdnow-{customer}", datetime.strptime(day, "%Y%m%d"),
                       "completed", Decimal(dollars), "USD", None))
    return orders


CLV_BUILD = ("build", "--select", "+fct_customer_clv", "--exclude", "resource_type:unit_test",
             "--indirect-selection", "cautious")
CDNOW_VARS = {"clv_calibration_end": "1997-09-30", "clv_time_unit": "week"}


def load_orders(warehouse: Warehouse, schema: str, orders: list[tuple]) -> None:
    """Raw orders inserted from one DataFrame: a row-by-row executemany of thousands of rows
    takes DuckDB far longer than the dbt build that follows."""
    import pandas as pd

    warehouse.load_raw(schema, "orders", [])
    frame = pd.DataFrame(orders, columns=["order_id", "customer_id", "ordered_at", "status", "amount", "currency",
                                          "refunded_amount"])
    frame["amount"] = frame["amount"].astype(str)
    with duckdb.connect(str(warehouse.path)) as con:
        con.register("new_orders", frame)
        con.execute(f"insert into {schema}.orders select order_id, customer_id, ordered_at, status, "
                    "cast(amount as decimal(18, 2)), currency, cast(refunded_amount as decimal(18, 2)) "
                    "from new_orders")


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory):
    warehouse = Warehouse(tmp_path_factory.mktemp("cdnow"))
    load_orders(warehouse, "cdnow", cdnow_sample_orders())
    run = warehouse.dbt(*CLV_BUILD, vars={"raw_schema": "cdnow", **CDNOW_VARS})
    assert run.success, run.text
    return warehouse


def non_finite_values(warehouse: Warehouse) -> list[tuple]:
    """Every published numeric CLV value that is NaN or infinite."""
    return warehouse.query(
        "select 'parameters', value from main.fct_clv_model_parameters "
        "where not isfinite(value) or not isfinite(log_likelihood) "
        "union all select customer_id, predicted_clv from main.fct_customer_clv "
        "where not isfinite(probability_alive) or not isfinite(expected_purchases) "
        "or not isfinite(expected_average_order_value) or not isfinite(predicted_clv)")


def data_test_statuses(warehouse: Warehouse) -> dict[str, str]:
    """Status of each data test in the warehouse's last dbt invocation (pass, warn, fail, error)."""
    results = json.loads((warehouse.workdir / "target" / "run_results.json").read_text())["results"]
    return {row["unique_id"].split(".")[2]: row["status"] for row in results if row["unique_id"].startswith("test.")}


def test_cdnow_fit_reproduces_the_published_estimates_within_one_percent(cdnow):
    fitted = {(m, p): v for m, p, v in cdnow.query("select model, parameter, value from main.fct_clv_model_parameters")}
    assert set(fitted) == set(PUBLISHED)
    for key, published in PUBLISHED.items():
        assert fitted[key] == pytest.approx(published, rel=0.01), key
    fits = cdnow.query("select distinct model, converged, customers, excluded_customers, fit_message "
                       "from main.fct_clv_model_parameters order by 1")
    assert [row[:4] for row in fits] == [("bg_nbd", True, 2357, 0), ("gamma_gamma", True, 946, 0)]
    assert all(row[4].startswith("converged") and "boundary" not in row[4] for row in fits)
    summary = cdnow.query("select count(*), sum(frequency), max(customer_age) from main_intermediate.int_clv_rfm_summary")[0]
    assert summary[0] == 2357 and summary[1] == 2457 and summary[2] == pytest.approx(272 / 7)


def test_cdnow_predictions_are_sane(cdnow):
    rows = cdnow.query_dicts("select * from main.fct_customer_clv")
    assert len(rows) == 2357
    assert all(0 < row["probability_alive"] <= 1 for row in rows)
    assert all(row["expected_purchases"] >= 0 and row["predicted_clv"] >= 0 for row in rows)
    one_off = [row for row in rows if row["frequency"] == 0]
    assert all(row["probability_alive"] == 1 for row in one_off)


# The full CDNOW master file (23,570 customers, 69,659 transactions), calibrated to 1997-09-30 in
# weeks; the lifetimes package's own fitters find the same estimates on the same summary.
MASTER = {
    ("bg_nbd", "r"): 0.2516, ("bg_nbd", "alpha"): 4.789, ("bg_nbd", "a"): 0.7234, ("bg_nbd", "b"): 2.161,
    ("gamma_gamma", "p"): 6.275, ("gamma_gamma", "q"): 3.624, ("gamma_gamma", "v"): 14.98,
}


@pytest.fixture(scope="module")
def cdnow_master(tmp_path_factory):
    """customer id, date (YYYYMMDD), CDs, dollars; a header line."""
    lines = lifetimes_dataset("CDNOW_master.txt").read_text().splitlines()[1:]
    orders = []
    for line_number, line in enumerate(lines):
        customer, day, _, dollars = line.split()
        orders.append((f"cdnow-master-{line_number}", f"cdnow-{customer}", datetime.strptime(day, "%Y%m%d"),
                       "completed", dollars, "USD", None))
    assert len(orders) == 69_659
    warehouse = Warehouse(tmp_path_factory.mktemp("cdnow_master"))
    load_orders(warehouse, "cdnow_master", orders)
    run = warehouse.dbt(*CLV_BUILD, vars={"raw_schema": "cdnow_master", **CDNOW_VARS})
    assert run.success, run.text
    return warehouse


def test_cdnow_master_fits_converge_without_the_zero_spend_customer(cdnow_master):
    """One master customer's only repeat purchase is $0.00: a spend of zero has likelihood zero
    under Gamma-Gamma, which once stopped the fit at its start (p = q = v = 1, reported as
    converged) and published infinite spend for every one-off buyer. The customer is left out of
    the fit, counted, and gets no spend prediction; the rest is finite and matches lifetimes."""
    rows = cdnow_master.query("select model, parameter, value, customers, excluded_customers, log_likelihood, "
                              "converged from main.fct_clv_model_parameters")
    fitted = {(model, parameter): value for model, parameter, value, *_ in rows}
    assert set(fitted) == set(MASTER)
    for key, expected in MASTER.items():
        assert fitted[key] == pytest.approx(expected, rel=0.005), key
    fits = {(model, customers, excluded, converged) for model, _, _, customers, excluded, _, converged in rows}
    assert fits == {("bg_nbd", 23_570, 0, True), ("gamma_gamma", 9_450, 1, True)}
    assert all(np.isfinite(row[5]) and row[5] > -1e299 for row in rows)  # never the objective's 1e300 sentinel
    assert non_finite_values(cdnow_master) == []
    excluded = cdnow_master.query_dicts(
        "select * from main.fct_customer_clv where frequency > 0 and monetary_value <= 0")
    assert len(excluded) == 1
    assert excluded[0]["expected_average_order_value"] is None and excluded[0]["predicted_clv"] is None
    assert 0 < excluded[0]["probability_alive"] <= 1 and excluded[0]["expected_purchases"] > 0
    one_off = cdnow_master.query(
        "select count(*), min(expected_average_order_value), max(expected_average_order_value) "
        "from main.fct_customer_clv where frequency = 0")[0]
    p, q, v = (fitted[("gamma_gamma", name)] for name in "pqv")
    assert one_off[0] == 14_119 and one_off[1] == one_off[2] == pytest.approx(p * v / (q - 1))
    statuses = data_test_statuses(cdnow_master)
    assert statuses["assert_clv_values_are_finite"] == "pass"
    assert {statuses[name] for name in ("clv_fits_converged", "clv_expected_spend_is_predicted",
                                        "clv_probability_alive_is_predicted")} == {"pass"}


@pytest.fixture(scope="module")
def flat_spend(tmp_path_factory):
    """The CDNOW sample with every order worth $10.00: with no variation in spend the Gamma-Gamma
    likelihood has no maximum (it grows without bound as p and q do). BG/NBD is unaffected."""
    warehouse = Warehouse(tmp_path_factory.mktemp("flat_spend"))
    load_orders(warehouse, "flat", [(*order[:4], Decimal("10.00"), *order[5:]) for order in cdnow_sample_orders()])
    run = warehouse.dbt("build", "--select", "+int_clv_rfm_summary", "+int_cohort_survivors_counted",
                        "+int_cohort_survivors_by_segment",
                        "--exclude", "resource_type:unit_test",
                        "--indirect-selection", "cautious", vars={"raw_schema": "flat", **CDNOW_VARS})
    assert run.success, run.text
    return warehouse


def test_a_fit_that_does_not_converge_fails_the_build_by_default(flat_spend):
    run = flat_spend.dbt("build", "--select", "fct_clv_model_parameters+", vars={"raw_schema": "flat", **CDNOW_VARS})
    assert not run.success
    assert "Gamma-Gamma" in run.text and "not converged" in run.text, run.text
    assert "clv_on_fit_failure: warn" in run.text, run.text
    assert "BG/NBD" not in run.text


def test_a_fit_that_does_not_converge_is_published_as_such_on_request(flat_spend):
    run = flat_spend.dbt("build", "--select", "fct_clv_model_parameters+",
                         vars={"raw_schema": "flat", "clv_on_fit_failure": "warn", **CDNOW_VARS})
    assert run.success, run.text
    fits = dict(flat_spend.query("select distinct model, converged from main.fct_clv_model_parameters"))
    assert fits == {"bg_nbd": True, "gamma_gamma": False}
    messages = flat_spend.query("select distinct fit_message from main.fct_clv_model_parameters "
                                "where model = 'gamma_gamma'")
    assert messages[0][0].startswith("not converged")
    predictions = flat_spend.query(
        "select count(*), count(probability_alive), count(expected_average_order_value), count(predicted_clv) "
        "from main.fct_customer_clv")[0]
    assert predictions == (2357, 2357, 0, 0)
    assert non_finite_values(flat_spend) == []
    statuses = data_test_statuses(flat_spend)
    assert statuses["clv_fits_converged"] == "warn" and statuses["clv_expected_spend_is_predicted"] == "warn"
    assert statuses["assert_clv_values_are_finite"] == "pass"


def test_demo_bg_nbd_converges_at_the_boundary_of_homogeneous_dropout(demo_warehouse):
    """On the demo data the BG/NBD likelihood keeps rising, ever more slowly, as a and b grow together
    with a/(a+b) near 0.074: the dropout probability is the same for every customer. That limit is
    the maximum; the fit reports it as such, and the predictions are those of the limit."""
    rows = demo_warehouse.query("select parameter, value, converged, fit_message from main.fct_clv_model_parameters "
                                "where model = 'bg_nbd'")
    values = {parameter: value for parameter, value, _, _ in rows}
    assert all(converged for _, _, converged, _ in rows)
    assert "at the boundary" in rows[0][3] and "a and b grow together" in rows[0][3]
    assert values["a"] > 1e4 and values["a"] / (values["a"] + values["b"]) == pytest.approx(0.074, abs=0.001)
    assert non_finite_values(demo_warehouse) == []


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


def simulate_bg_nbd(rng, n, big_t, r, alpha, dropout):
    """Purchases of n customers over big_t units: Poisson rates from Gamma(r, alpha), and after each
    purchase a drop out with probability dropout(i)."""
    rates = rng.gamma(r, 1 / alpha, n)
    frequency, recency = np.zeros(n), np.zeros(n)
    for i in range(n):
        t, count, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / rates[i])
            if t > big_t:
                break
            count, last = count + 1, t
            if rng.random() < dropout(i):
                break
        frequency[i], recency[i] = count, last
    return frequency, recency


def test_a_dropout_probability_shared_by_everyone_is_a_boundary_fit():
    """Data with one dropout probability for every customer: the Beta distribution of BG/NBD collapses
    to a point, a and b grow together, and the fit says so with the identified ratio. (With the
    dropout shared by everyone, the maximum lies at that boundary in about half of the samples, as
    in this one; in the others sampling noise leaves a and b large but finite.)"""
    rng = np.random.default_rng(1)
    frequency, recency = simulate_bg_nbd(rng, 3000, 52.0, 0.5, 6.0, lambda i: 0.1)
    fit = parameters_model.fit_bg_nbd(frequency, recency, np.full(3000, 52.0))
    r, alpha, a, b = fit.values
    assert fit.converged and "at the boundary" in fit.message, fit.message
    assert a > 1e4 and a / (a + b) == pytest.approx(0.1, rel=0.2)
    assert r == pytest.approx(0.5, rel=0.2)


def test_a_fit_is_the_same_to_the_last_bit_in_any_row_order_and_with_counts_as_weights():
    """The likelihood is summed over distinct rows in the order of their values, each weighted by its
    number of customers: shuffled rows, or the distinct rows with their counts as weights, fit the same."""
    rng = np.random.default_rng(3)
    frequency, recency = simulate_bg_nbd(rng, 2000, 52.0, 0.5, 6.0, lambda i: 0.2)
    age = rng.choice([40.0, 52.0], 2000)
    spend = np.round(rng.gamma(4.0, 6.0, 2000), 1)
    repeat = frequency > 0
    shuffle = rng.permutation(2000)
    rows, counts = np.unique(np.stack([frequency, recency, age], axis=1), axis=0, return_counts=True)
    bg_nbd = [parameters_model.fit_bg_nbd(frequency, recency, age),
              parameters_model.fit_bg_nbd(frequency[shuffle], recency[shuffle], age[shuffle]),
              parameters_model.fit_bg_nbd(*rows.T, weights=counts)]
    pairs, pair_counts = np.unique(np.stack([frequency[repeat], spend[repeat]], axis=1), axis=0, return_counts=True)
    gamma_gamma = [parameters_model.fit_gamma_gamma(frequency[repeat], spend[repeat]),
                   parameters_model.fit_gamma_gamma(frequency[repeat][::-1], spend[repeat][::-1]),
                   parameters_model.fit_gamma_gamma(*pairs.T, weights=pair_counts)]
    for fits in (bg_nbd, gamma_gamma):
        assert fits[0].converged, fits[0].message
        for other in fits[1:]:
            assert np.array_equal(other.values, fits[0].values)
            assert other.log_likelihood == fits[0].log_likelihood and other.message == fits[0].message


def test_logaddexp_agrees_with_numpy():
    values = np.array([-np.inf, -800.0, -30.0, -1.0, -1e-9, 0.0, 2.5, 700.0, np.inf, np.nan])
    x, y = (grid.ravel() for grid in np.meshgrid(values, values))
    with np.errstate(all="ignore"):
        expected = np.logaddexp(x, y)
        ours = parameters_model._logaddexp(x.copy(), y)
    assert np.array_equal(np.isnan(ours), np.isnan(expected))
    finite = np.isfinite(expected)
    assert np.array_equal(ours[~finite & ~np.isnan(expected)], expected[~finite & ~np.isnan(expected)])
    assert np.allclose(ours[finite], expected[finite], rtol=1e-15, atol=1e-300)


def test_the_likelihood_sentinel_is_never_a_converged_fit():
    """A zero spend makes the Gamma-Gamma likelihood zero everywhere (log -inf): the objective returns
    its 1e300 sentinel at the start and the optimiser stops there. That is a failure, not a fit."""
    fit = parameters_model.fit_gamma_gamma(np.array([1.0, 2.0, 3.0, 1.0]), np.array([10.0, 0.0, 25.0, 12.0]))
    assert not fit.converged
    assert "not finite" in fit.message


def test_spend_without_variation_does_not_converge():
    fit = parameters_model.fit_gamma_gamma(np.array([1.0, 2.0, 3.0, 1.0, 4.0] * 20), np.full(100, 10.0))
    assert not fit.converged and fit.message.startswith("not converged")


def test_exact_log_gamma_ratios_match_gammaln():
    from scipy.special import gammaln

    counts = np.array([0.0, 1.0, 2.0, 7.0, 40.0])
    for base in (0.3, 2.5, 1e3):
        assert np.allclose(parameters_model.log_rising_factorial(base, counts),
                           gammaln(base + counts) - gammaln(base), rtol=1e-12, atol=1e-12)
    a, b = 0.8, 2.4
    assert np.allclose(parameters_model.log_beta_ratio(a, b, counts),
                       gammaln(a + b) + gammaln(b + counts) - gammaln(b) - gammaln(a + b + counts), rtol=1e-12)
    # where gammaln differences lose every digit, the sums stay exact: B(a, b + 1) / B(a, b) = b / (a + b)
    a, b = 4e9, 5e10
    assert parameters_model.log_beta_ratio(a, b, np.array([1.0]))[0] == pytest.approx(np.log(b / (a + b)), rel=1e-12)


@pytest.mark.parametrize("horizon", [-5, 0, "52 weeks", float("nan"), float("inf"), True])
def test_the_clv_model_rejects_a_bad_horizon_itself(horizon):
    """The Python model reads clv_horizon from its config; int_clv_rfm_summary validates it at compile
    time, and the model checks again in case it is built without that model being compiled."""
    with pytest.raises(ValueError, match="var clv_horizon must be a number"):
        customer_model.horizon_units(horizon)
    assert customer_model.horizon_units("52") == 52.0
