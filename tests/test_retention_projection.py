"""Projected subscription retention (spec section 12): the shifted-beta-geometric fit
on Fader and Hardie's two published data sets rebuilt as raw subscriptions, the
projection and its null rules, var projection_periods, and generated multi-cohort
histories against the independent reference
(lab/retention_lab/reference/projection_reference.py)."""

from __future__ import annotations

import importlib.util
import math
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from retention_lab.compare import PYTHON_MART_KEYS, differences
from retention_lab.reference.projection_reference import ProjectionReference
from retention_lab.reference.segment_reference import SegmentReference
from tests.compiled_project import CompiledProject
from tests.dbt_harness import ROOT, Warehouse
from tests.strategies import histories, subscription_row

CLV = ROOT / "models" / "marts" / "clv"


def load_model_module(name: str):
    spec = importlib.util.spec_from_file_location(f"projection_{name}", CLV / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


parameters_model = load_model_module("fct_clv_model_parameters")
projection_model = load_model_module("fct_retention_projection")
segment_projection_model = load_model_module("fct_retention_projection_by_segment")

# Fader and Hardie (2007), percent of 1,000 customers surviving at years 0 to 7, and their estimates.
PAPER = {
    "regular": ([100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1], 0.704, 1.182, None),
    "high_end": ([100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1], 0.668, 3.806, -1611.16),
}
HIGH_END_PROJECTION = [46.0, 43.6, 41.4, 39.5, 37.8]  # percent surviving at years 8 to 12
FIRST_YEAR = 2015
PROJECTION_BUILD = ("build", "--select", "+fct_retention_projection", "--exclude", "resource_type:unit_test",
                    "--indirect-selection", "cautious")


def survivors(percents: list[float]) -> list[int]:
    return [round(p * 10) for p in percents]


def paper_subscriptions(percents: list[float], plan: str = "annual", prefix: str = "") -> list[tuple]:
    """1,000 yearly subscribers who all start in 2015; survivors(t) of them are still paying at the end of
    2015 + t. A customer who survives t years ends during year 2015 + t + 1 (on 1 June)."""
    counts = survivors(percents)
    rows, number = [], 0
    for t in range(len(counts)):
        leaving = counts[t] - (counts[t + 1] if t + 1 < len(counts) else 0)
        for _ in range(leaving):
            ended = datetime(FIRST_YEAR + t + 1, 6, 1) if t + 1 < len(counts) else None
            rows.append((f"{prefix}s{number}", f"{prefix}c{number}", plan, datetime(FIRST_YEAR, 3, 1, 9), ended, "year",
                         Decimal("120.00"), None, "USD"))
            number += 1
    assert number == 1000
    return rows


def paper_cohort_frame(percents: list[float]) -> pd.DataFrame:
    counts = survivors(percents)
    return pd.DataFrame({"cohort_period_start": [date(FIRST_YEAR, 1, 1)] * len(counts),
                         "periods_since_first": range(len(counts)), "surviving_customers": counts})


# -- the paper, straight through the model's functions (fast; the mutation check) ------------------

@pytest.mark.parametrize("name", sorted(PAPER))
def test_the_fit_functions_reproduce_the_paper(name):
    percents, alpha, beta, log_likelihood = PAPER[name]
    fit = parameters_model.fit_shifted_beta_geometric(*parameters_model.sbg_data(paper_cohort_frame(percents)))
    assert fit.converged and "boundary" not in fit.message, fit.message
    assert fit.values[0] == pytest.approx(alpha, rel=0.01)
    assert fit.values[1] == pytest.approx(beta, rel=0.01)
    if log_likelihood is not None:
        assert fit.log_likelihood == pytest.approx(log_likelihood, abs=0.01)


def test_the_survival_recurrence_against_its_closed_form():
    """S(t) = B(alpha, beta + t) / B(alpha, beta) and P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)."""
    alpha, beta, t = 0.668, 3.806, np.arange(0, 13)
    closed = [math.exp(math.lgamma(beta + k) + math.lgamma(alpha + beta) - math.lgamma(beta)
                       - math.lgamma(alpha + beta + k)) for k in t]
    assert np.exp(parameters_model.sbg_log_survival(alpha, beta, t)) == pytest.approx(closed, rel=1e-12)
    assert projection_model.survival(alpha, beta, 12) == pytest.approx(closed, rel=1e-12)
    churn = np.exp(parameters_model.sbg_log_churn(alpha, beta, t[1:]))
    assert churn == pytest.approx(np.array(closed[:-1]) - np.array(closed[1:]), rel=1e-9)


# -- the paper, rebuilt as raw subscriptions and built by dbt ---------------------------------------

@pytest.fixture(scope="module", params=sorted(PAPER))
def paper(request, tmp_path_factory):
    name = request.param
    warehouse = Warehouse(tmp_path_factory.mktemp(f"paper_{name}"))
    warehouse.load_raw("paper", "orders", [])
    warehouse.load_raw("paper", "subscriptions", paper_subscriptions(PAPER[name][0]))
    run = warehouse.dbt(*PROJECTION_BUILD, vars={"raw_schema": "paper", "period_grains": ["year"],
                                                 "as_of_date": f"{FIRST_YEAR + 8}-06-30"})
    assert run.success, run.text
    return name, warehouse


def test_paper_data_sets_give_the_published_fit_and_projection(paper):
    name, warehouse = paper
    percents, alpha, beta, log_likelihood = PAPER[name]
    fits = warehouse.query_dicts("select parameter, value, customers, excluded_customers, log_likelihood, converged,"
                                 " fit_message, time_unit, calibration_end_date from main.fct_clv_model_parameters"
                                 " where model = 'shifted_beta_geometric_year' and segment_dimension is null"
                                 " order by parameter")
    assert [f["parameter"] for f in fits] == ["alpha", "beta"]
    assert all(f["converged"] and "boundary" not in f["fit_message"] for f in fits), fits
    assert fits[0]["value"] == pytest.approx(alpha, rel=0.01) and fits[1]["value"] == pytest.approx(beta, rel=0.01)
    assert fits[0]["customers"] == 1000 and fits[0]["excluded_customers"] == 0 and fits[0]["time_unit"] == "year"
    assert fits[0]["calibration_end_date"] == date(FIRST_YEAR + 7, 12, 31)
    if log_likelihood is not None:
        assert fits[0]["log_likelihood"] == pytest.approx(log_likelihood, abs=0.01)

    rows = warehouse.query_dicts("select * from main.fct_retention_projection order by periods_since_first")
    assert [r["periods_since_first"] for r in rows] == list(range(8 + 12))
    assert all(r["cohort_period_start"] == date(FIRST_YEAR, 1, 1) and r["cohort_customers"] == 1000
               and r["lost_in_first_period"] == 0 and r["cohort_age"] == 7 for r in rows)
    observed, projected = rows[:8], rows[8:]
    assert [r["surviving_customers"] for r in observed] == survivors(percents)
    assert [r["survival_rate"] for r in observed] == pytest.approx([p / 100 for p in percents])
    assert not any(r["is_projected"] for r in observed) and all(r["is_projected"] for r in projected)
    assert all(r["surviving_customers"] is None and r["survival_rate"] is None for r in projected)
    assert all(r["expected_surviving_customers"] is None for r in observed)
    at_seven = rows[7]["projected_survival_rate"]
    for r in projected:
        assert r["expected_surviving_customers"] == pytest.approx(
            survivors(percents)[7] * r["projected_survival_rate"] / at_seven, rel=1e-12)
    if name == "high_end":
        shown = [100 * r["projected_survival_rate"] for r in projected[:5]]
        assert shown == pytest.approx(HIGH_END_PROJECTION, rel=0.01)
        expected = [r["expected_surviving_customers"] / 10 for r in projected[:5]]
        assert expected == pytest.approx(HIGH_END_PROJECTION, rel=0.01)


# -- per segment: both data sets in one history, one plan each ---------------------------------------

def test_each_plan_of_a_mixed_history_gets_the_papers_fit(tmp_path):
    """Regular on plan regular and High End on plan high_end, in one history: each plan's own fit is the
    paper's, whatever the company-wide fit of the 2,000 together. Every 40th customer is in country NZ
    (50 customers, under var projection_min_segment_customers' 100): observed rows, no fit, and a status
    that says so; the other 1,950 in US are fitted."""
    subscriptions = (paper_subscriptions(PAPER["regular"][0], "regular", "r")
                     + paper_subscriptions(PAPER["high_end"][0], "high_end", "h"))
    customers = [(row[1], None, "NZ" if number % 40 == 0 else "US", None, None)
                 for number, row in enumerate(subscriptions)]
    warehouse = Warehouse(tmp_path)
    warehouse.load_raw("paper_segments", "orders", [])
    warehouse.load_raw("paper_segments", "subscriptions", subscriptions)
    warehouse.load_raw("paper_segments", "customers", customers)
    run = warehouse.dbt("build", "--select", "+fct_retention_projection_by_segment", "--exclude",
                        "resource_type:unit_test", "--indirect-selection", "cautious",
                        vars={"raw_schema": "paper_segments", "period_grains": ["year"],
                              "segment_dimensions": ["plan", "country"], "as_of_date": f"{FIRST_YEAR + 8}-06-30"})
    assert run.success, run.text
    fits = warehouse.query_dicts(
        "select segment_dimension, segment_value, parameter, value, customers, log_likelihood, converged, fit_message"
        " from main.fct_clv_model_parameters where model = 'shifted_beta_geometric_year' order by all")
    by_segment = {(f["segment_dimension"], f["segment_value"], f["parameter"]): f for f in fits}
    for name in PAPER:
        percents, alpha, beta, log_likelihood = PAPER[name]
        fit_alpha, fit_beta = by_segment[("plan", name, "alpha")], by_segment[("plan", name, "beta")]
        assert fit_alpha["converged"] and "boundary" not in fit_alpha["fit_message"], fit_alpha
        assert fit_alpha["value"] == pytest.approx(alpha, rel=0.01) and fit_beta["value"] == pytest.approx(beta, rel=0.01)
        assert fit_alpha["customers"] == 1000
        if log_likelihood is not None:
            assert fit_alpha["log_likelihood"] == pytest.approx(log_likelihood, abs=0.01)
    company = by_segment[(None, None, "alpha")]
    assert company["customers"] == 2000 and company["value"] != pytest.approx(PAPER["regular"][1], rel=0.05)
    assert ("country", "US", "alpha") in by_segment and ("country", "NZ", "alpha") not in by_segment

    rows = warehouse.query_dicts("select * from main.fct_retention_projection_by_segment order by all")
    status = {(r["segment_dimension"], r["segment_value"]): r["projection_status"] for r in rows}
    assert status[("plan", "regular")] == status[("plan", "high_end")] == status[("country", "US")] == "projected"
    assert status[("country", "NZ")].startswith("not projected: too little data: 50 customers")
    assert "projection_min_segment_customers (100)" in status[("country", "NZ")]
    nz = [r for r in rows if r["segment_value"] == "NZ"]
    assert len(nz) == 8 + 12 and all(r["projected_survival_rate"] is None and r["expected_surviving_customers"] is None
                                     for r in nz)
    high_end = [r for r in rows if r["segment_value"] == "high_end"]
    assert [r["surviving_customers"] for r in high_end[:8]] == survivors(PAPER["high_end"][0])
    shown = [100 * r["projected_survival_rate"] for r in high_end[8:13]]
    assert shown == pytest.approx(HIGH_END_PROJECTION, rel=0.01)
    # the segments of each dimension sum to the company's cohort
    company_rows = warehouse.query_dicts(
        "select * from main_intermediate.int_cohort_survivors_counted order by periods_since_first")
    for dimension in ("plan", "country"):
        for t in range(8):
            assert sum(r["surviving_customers"] for r in rows if r["segment_dimension"] == dimension
                       and r["periods_since_first"] == t) == company_rows[t]["surviving_customers"]


def test_a_segment_fit_that_did_not_converge_is_flagged_not_projected():
    cohorts = pd.DataFrame([{**row, "segment_dimension": "plan", "segment_value": "pro", "segment_fit_customers": 10,
                             "segment_oldest_cohort_age": 2, "is_enough_to_fit": True}
                            for row in cohort_rows("month", date(2024, 1, 1), [10, 8, 7])])
    parameters = pd.DataFrame([
        {"model": "shifted_beta_geometric_month", "parameter": name, "value": 1.0, "converged": False,
         "fit_message": "the score stayed above the tolerance", "segment_dimension": "plan", "segment_value": "pro"}
        for name in ("alpha", "beta")])
    rows = segment_projection_model.project(cohorts, parameters, 2, 5)
    assert len(rows) == 3 + 2 and all(r[10] is None and r[11] is None for r in rows)
    assert rows[0][-1].startswith("not projected: the fit did not converge") and "score" in rows[0][-1]
    converged = parameters.assign(converged=True)
    rows = segment_projection_model.project(cohorts, converged, 2, 5)
    assert rows[0][-1] == "projected" and rows[3][11] == pytest.approx(7 * (2 / 3 * 3 / 4) / (2 / 3))
    rows = segment_projection_model.project(cohorts, parameters.iloc[0:0], 2, 5)  # enough data, no estimate
    assert "no churn, or no customer surviving a period" in rows[0][-1] and rows[4][10] is None


@pytest.mark.parametrize("value", [0, 2.5, -3, "many"])
def test_a_bad_projection_min_segment_customers_fails_compilation_naming_the_var(tmp_path, value):
    warehouse = Warehouse(tmp_path)
    warehouse.load_raw("raw_projection_vars", "orders", [])
    run = warehouse.dbt("compile", "--select", "int_cohort_survivors_by_segment",
                        vars={"raw_schema": "raw_projection_vars", "projection_min_segment_customers": value})
    assert not run.success
    assert "var projection_min_segment_customers must be a whole number of customers, 1 or more" in run.text, run.text


# -- nulls, never numbers, without a trustworthy fit ------------------------------------------------

def cohort_rows(grain: str, start: date, counts: list[int], lost: int = 0) -> list[dict]:
    return [{"period_grain": grain, "cohort_period_start": start, "periods_since_first": t, "cohort_age": len(counts) - 1,
             "cohort_customers": counts[0], "lost_in_first_period": lost, "surviving_customers": n,
             "period_start": start} for t, n in enumerate(counts)]


def test_projections_are_null_without_a_converged_fit():
    cohorts = pd.DataFrame(cohort_rows("month", date(2024, 1, 1), [10, 8, 7])
                           + cohort_rows("quarter", date(2024, 1, 1), [10, 7]))
    parameters = pd.DataFrame([
        {"model": "shifted_beta_geometric_month", "parameter": "alpha", "value": 1.0, "converged": False},
        {"model": "shifted_beta_geometric_month", "parameter": "beta", "value": 2.0, "converged": False},
        {"model": "shifted_beta_geometric_quarter", "parameter": "alpha", "value": 1.0, "converged": True},
        {"model": "shifted_beta_geometric_quarter", "parameter": "beta", "value": 2.0, "converged": True},
        # a segment's fit of the month grain is not the company's
        {"model": "shifted_beta_geometric_month", "parameter": "alpha", "value": 1.0, "converged": True,
         "segment_dimension": "plan", "segment_value": "pro"},
        {"model": "shifted_beta_geometric_month", "parameter": "beta", "value": 2.0, "converged": True,
         "segment_dimension": "plan", "segment_value": "pro"},
    ]).astype({"segment_dimension": "string", "segment_value": "string"})
    rows = projection_model.project(cohorts, parameters, 3)
    month = [r for r in rows if r[0] == "month"]
    quarter = [r for r in rows if r[0] == "quarter"]
    assert len(month) == 3 + 3 and len(quarter) == 2 + 3
    assert all(r[8] is None and r[9] is None for r in month)  # not converged: flagged, null projections
    assert quarter[1][8] == pytest.approx(2 / 3) and quarter[2][9] == pytest.approx(7 * (2 / 3 * 3 / 4) / (2 / 3))
    assert projection_model.project(cohorts, parameters.iloc[0:0], 0)[-1][8] is None  # no fit at all


def test_no_churn_or_no_survivor_publishes_no_fit():
    for counts in ([10, 10, 10], [10, 0, 0]):
        periods, censored, weights = parameters_model.sbg_data(pd.DataFrame(cohort_rows("month", date(2024, 1, 1),
                                                                                        counts)))
        churned = weights[censored == 0].sum()
        survived = weights.sum() - weights[(periods == 1) & (censored == 0)].sum()
        assert churned == 0 or survived == 0


def test_the_two_limits_of_the_fit_are_named():
    """alpha and beta growing together: one churn probability for everyone; shrinking together: a share
    leaves after the first period and the rest never do (all churn at t = 1, none later)."""
    homogeneous = [1000, 900, 810, 729, 656, 590]  # 10 % churn every period, exactly geometric
    fit = parameters_model.fit_shifted_beta_geometric(*parameters_model.sbg_data(
        pd.DataFrame(cohort_rows("month", date(2024, 1, 1), homogeneous))))
    assert fit.converged and "alpha and beta grow together" in fit.message, fit.message
    assert fit.values[0] / fit.values.sum() == pytest.approx(0.1, rel=1e-2)
    split = cohort_rows("quarter", date(2023, 1, 1), [15, 14, 14, 14, 14]) + cohort_rows("quarter", date(2023, 4, 1),
                                                                                         [10, 9, 9, 9])
    fit = parameters_model.fit_shifted_beta_geometric(*parameters_model.sbg_data(pd.DataFrame(split)))
    assert fit.converged and "alpha and beta shrink together" in fit.message, fit.message
    assert "the rest never leave" in fit.message and "grow" not in fit.message
    assert fit.values[0] / fit.values.sum() == pytest.approx(2 / 25, rel=1e-3)


@pytest.mark.parametrize("value", [12.0, "12", 0])
def test_projection_periods_python_side(value):
    assert projection_model.projection_periods(value) == int(float(value))


@pytest.mark.parametrize("value", [-1, 2.5, True, 121, "twelve", None])
def test_projection_periods_python_side_rejects(value):
    with pytest.raises(ValueError, match="var projection_periods must be a whole number"):
        projection_model.projection_periods(value)


@pytest.mark.parametrize("value", [-1, 2.5])
def test_a_bad_projection_periods_fails_compilation_naming_the_var(tmp_path, value):
    warehouse = Warehouse(tmp_path)
    warehouse.load_raw("raw_projection_vars", "orders", [])
    run = warehouse.dbt("compile", "--select", "int_cohort_survivors_counted",
                        vars={"raw_schema": "raw_projection_vars", "projection_periods": value})
    assert not run.success
    assert "var projection_periods must be a whole number of periods from 0 to 120" in run.text, run.text


# -- generated histories against the independent reference -----------------------------------------

class Ref:
    """A dbt `ref(...)` result for a Python model's function: .df()."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def df(self) -> pd.DataFrame:
        return self.frame


class Config(dict):
    """dbt.config: called to set the materialization, .get to read a config value."""

    def __call__(self, **_: str) -> None:
        return None


class FakeDbt:
    """What the two Python models read from dbt: their refs and their config."""

    def __init__(self, refs: dict[str, pd.DataFrame], config: dict[str, str]):
        self.refs, self.config = refs, Config(config)

    def ref(self, name: str) -> Ref:
        return Ref(self.refs[name])


def python_models(built) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """The intermediate from the compiled SQL, then the two Python models run on it as dbt would."""
    cohorts = built.con.execute("select * from main_intermediate.int_cohort_survivors_counted").df()
    summary = pd.DataFrame(columns=["customer_id", "calibration_end_date", "frequency", "recency", "customer_age",
                                    "monetary_value"])
    config = {"clv_on_fit_failure": "warn", "clv_time_unit": "week", "projection_periods": "4",
              "projection_min_segment_customers": str(SEGMENT_MINIMUM)}
    by_segment = built.con.execute("select * from main_intermediate.int_cohort_survivors_by_segment").df()
    parameters = parameters_model.model(FakeDbt({"int_clv_rfm_summary": summary, "int_cohort_survivors_counted": cohorts,
                                                 "int_cohort_survivors_by_segment": by_segment}, config), None)
    projection = projection_model.model(FakeDbt({"int_cohort_survivors_counted": cohorts,
                                                 "fct_clv_model_parameters": parameters}, config), None)
    by_segment_projection = segment_projection_model.model(FakeDbt({"int_cohort_survivors_by_segment": by_segment,
                                                                    "fct_clv_model_parameters": parameters}, config),
                                                           None)
    return cohorts, by_segment, parameters, records(projection), records(by_segment_projection)


def records(frame: pd.DataFrame) -> list[dict]:
    """A mart's rows as the reference writes them: None for missing values, dates, whole numbers as int."""
    rows = [{k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]
    for row in rows:
        row["cohort_period_start"] = pd.Timestamp(row["cohort_period_start"]).date()
        for column in ("periods_since_first", "cohort_age", "cohort_customers", "lost_in_first_period",
                       "surviving_customers", "segment_fit_customers", "segment_oldest_cohort_age"):
            if column in row:
                row[column] = None if row[column] is None else int(row[column])
        if "is_enough_to_fit" in row:
            row["is_enough_to_fit"] = bool(row["is_enough_to_fit"])
    return rows


# segments with this many customers are fitted in the generated histories (var projection_min_segment_customers)
SEGMENT_MINIMUM = 4


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return CompiledProject(tmp_path_factory.mktemp("compiled_projection"),
                           vars={"projection_min_segment_customers": SEGMENT_MINIMUM})



def month_start(index: int) -> datetime:
    return datetime(2023 + index // 12, index % 12 + 1, 1)


@st.composite
def cohort_histories(draw):
    """Many monthly subscribers over 14 months: starts on and off the first instant of a month, stays of
    0 to 12 months ending on and off boundaries, some still running, zero-price trials first, comebacks
    after a churn, upgrades (a new price period starting where the last ended)."""
    rows = []
    for number in range(draw(st.integers(8, 60))):
        customer = f"c{number}"
        start_month = draw(st.integers(0, 10))
        start = month_start(start_month) + draw(st.sampled_from([timedelta(0), timedelta(days=3, hours=5),
                                                                 timedelta(days=27)]))
        if draw(st.integers(0, 5)) == 0:  # a free trial before paying
            rows.append(subscription_row(f"t{number}", customer, "trial", start - timedelta(days=14), start, 0))
        stay = draw(st.one_of(st.none(), st.integers(0, 12)))
        ended = None
        if stay is not None:
            ended = month_start(start_month + stay) + draw(st.sampled_from([timedelta(0), timedelta(days=12),
                                                                            timedelta(seconds=-1)]))
            ended = max(ended, start + timedelta(days=1))
        if ended is not None and draw(st.booleans()):  # an upgrade half way
            middle = start + (ended - start) / 2
            rows.append(subscription_row(f"s{number}", customer, "basic", start, middle, 30))
            rows.append(subscription_row(f"s{number}", customer, "pro", middle, ended, 50))
        else:
            rows.append(subscription_row(f"s{number}", customer, "basic", start, ended, 30))
        if ended is not None and draw(st.integers(0, 4)) == 0:  # a comeback after the churn
            back = ended + timedelta(days=draw(st.integers(20, 90)))
            rows.append(subscription_row(f"r{number}", customer, "basic", back, None, 30))
    # the as-of date: the latest start, pushed into the fourteenth month by one late starter
    rows.append(subscription_row("late", "late_customer", "basic", datetime(2024, 2, 10), None, 30))
    return {"orders": [], "subscriptions": rows}


def check_against_reference(compiled, raw):
    built = compiled.run(raw)
    try:
        cohorts, by_segment, parameters, projection, by_segment_projection = python_models(built)
    finally:
        built.close()
    reference = ProjectionReference({t: rows or [] for t, rows in raw.items()})
    # the compiled project has every raw table (empty where the history has none), so every dimension
    segments = SegmentReference({"customers": [], **{t: rows or [] for t, rows in raw.items()}})

    # observed counts: exactly
    observed = {(r["period_grain"], pd.Timestamp(r["cohort_period_start"]).date(), int(r["periods_since_first"])):
                {k: int(r[k]) for k in ("cohort_age", "cohort_customers", "lost_in_first_period",
                                        "surviving_customers")} for r in cohorts.to_dict("records")}
    expected = {(r["period_grain"], r["cohort_period_start"], r["periods_since_first"]):
                {k: r[k] for k in ("cohort_age", "cohort_customers", "lost_in_first_period", "surviving_customers")}
                for r in reference.observed_rows()}
    assert observed == expected

    # per segment: the counts exactly, and which segments have enough to fit
    found = differences("int_cohort_survivors_by_segment", records(by_segment),
                        reference.segment_observed_rows(segments, SEGMENT_MINIMUM),
                        keys=PYTHON_MART_KEYS["fct_retention_projection_by_segment"])
    assert not found, "\n".join(found[:5])

    # the fits, the company's and each segment's with enough data: published exactly when the reference finds
    # a maximum, with the same log-likelihood
    fits = {}
    company = parameters[parameters["segment_dimension"].isna()]
    for grain in ("month", "quarter", "year"):
        ours = company[company["model"] == f"shifted_beta_geometric_{grain}"]
        fits.update(compare_fit(grain, ours, reference.fit(grain)))
    segment_fits = {}
    enough = {(r["period_grain"], r["segment_dimension"], r["segment_value"])
              for r in reference.segment_observed_rows(segments, SEGMENT_MINIMUM) if r["is_enough_to_fit"]}
    for grain, dimension, value in sorted(enough):
        ours = parameters[(parameters["model"] == f"shifted_beta_geometric_{grain}")
                          & (parameters["segment_dimension"] == dimension) & (parameters["segment_value"] == value)]
        segment_fits.update({(grain, dimension, value): estimates for estimates in
                             compare_fit(grain, ours, reference.segment_fit(grain, dimension, value, segments)).values()})
    fitted_segments = parameters[parameters["segment_dimension"].notna()]
    assert {tuple(key) for key in fitted_segments[["time_unit", "segment_dimension", "segment_value"]].values} <= enough

    # the marts: every cell, with the published parameters (ratios to 1e-9)
    found = differences("fct_retention_projection", projection, reference.projection_rows(fits, projection_periods=4))
    assert not found, "\n".join(found[:5] + [repr(parameters.to_dict("records"))])
    found = differences("fct_retention_projection_by_segment", by_segment_projection,
                        reference.segment_projection_rows(segments, segment_fits, projection_periods=4))
    assert not found, "\n".join(found[:5] + [repr(parameters.to_dict("records"))])
    assert all((r["projection_status"] == "projected")
               == ((r["period_grain"], r["segment_dimension"], r["segment_value"]) in segment_fits)
               for r in by_segment_projection)
    return len(fits) + len(segment_fits)


def compare_fit(grain, ours, theirs) -> dict:
    """Our fit of one grain (of the company or a segment) against the reference's: {grain: (alpha, beta)} when
    ours converged, else {}."""
    assert (len(ours) > 0) == (theirs is not None), (grain, ours, theirs)
    if theirs is None:
        return {}
    values = dict(zip(ours["parameter"], ours["value"]))
    assert int(ours["customers"].iloc[0]) == theirs.customers
    if not bool(ours["converged"].all()):  # flagged (clv_on_fit_failure: warn): never better than the reference
        assert not ours["log_likelihood"].iloc[0] > theirs.log_likelihood + 1e-6 * theirs.customers
        return {}
    assert ours["log_likelihood"].iloc[0] == pytest.approx(theirs.log_likelihood, abs=1e-5 * theirs.customers), (
        grain, values, ours["log_likelihood"].iloc[0], ours["fit_message"].iloc[0], theirs)
    if "boundary" not in str(ours["fit_message"].iloc[0]) and max(values.values()) < 1e3:
        assert values["alpha"] == pytest.approx(theirs.alpha, rel=2e-3)
        assert values["beta"] == pytest.approx(theirs.beta, rel=2e-3)
    return {grain: (values["alpha"], values["beta"])}


# no shrinking: a failing history is printed as drawn (shrinking one through a dbt-compiled project takes minutes)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(raw=cohort_histories())
def test_generated_cohorts_match_the_reference(compiled, raw):
    check_against_reference(compiled, raw)


# no shrinking: a failing history is printed as drawn (shrinking one through a dbt-compiled project takes minutes)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(raw=histories())
def test_generated_histories_match_the_reference(compiled, raw):
    """The project's general histories: boundaries, duplicates, trials, unusable rows, every interval."""
    check_against_reference(compiled, raw)
