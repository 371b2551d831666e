"""BG/NBD (purchase counts) and Gamma-Gamma (spend per purchase) fitted by
maximum likelihood on int_clv_rfm_summary.

BG/NBD: Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way".
Gamma-Gamma: Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis". Parameters are fitted on the log scale (so they
stay positive) with L-BFGS-B from 1, within e^-30 .. e^30. The log-likelihood
is evaluated once per distinct data row ((frequency, recency, age), or
(frequency, mean spend)) and weighted by the number of customers with that row;
the sum runs over the distinct rows in ascending order of their values, so the
same data gives the same fit to the last bit whatever the order of its rows.
Within an evaluation, the special functions and every term of one column are
computed once per distinct value of that column (frequency, recency and age
take a few hundred values however many customers there are), and terms of the
data alone once per fit, so a fit of a million customers takes seconds. Ratios
of gamma functions at whole-number frequencies are summed as logs of their
factors, which stay exact when parameters grow large, and the optimiser gets
central-difference gradients. (With gammaln differences and scipy's forward
differences the gradient was noise once a and b passed a few hundred, and on
the demo data L-BFGS-B stopped with ABNORMAL_TERMINATION_IN_LNSRCH at a = 318,
b = 3974, short of the maximum.)

Which customers: Gamma-Gamma is fitted on the customers with a repeat purchase
whose mean repeat spend is above zero; a mean of zero (a $0.00 repeat purchase)
has likelihood zero under the model, so those customers are left out and
counted in `excluded_customers`. A model is fitted only with at least as many
such repeat buyers as it has parameters (4 and 3); otherwise it has no rows.

When a fit counts as converged (`converged`, with `fit_message` saying why):
- the estimates and the log-likelihood there are finite (the 1e300 the
  objective returns where the likelihood is not finite is never a result);
- a fresh L-BFGS-B pass from the estimates no longer improves the
  log-likelihood (passes are repeated, at most MAX_PASSES, until one does not);
- every score (derivative of the log-likelihood by a log-parameter, by central
  differences), divided by the customers fitted, is below SCORE_TOLERANCE;
- no estimate sits at the search bound e^+-30, unless the boundary rule
  below explains it.
Boundary rule: each model's mixing distributions collapse to a single point
when two of their parameters grow together (BG/NBD: r and alpha, a purchase
rate shared by everyone; a and b, one dropout probability; Gamma-Gamma: q and v,
one expected spend; shifted-beta-geometric: alpha and beta, one churn probability, or, as they shrink
together, a share who leave after the first period and the rest who never do). When the likelihood
does not fall along such a direction (it still rises, by a negligible amount), its maximum is that
limit: the fit is
converged "at the boundary", the pair's ratio is the estimate that matters and
the predictions are those of the limit model; fit_message says so.

Shifted-beta-geometric (spec section 12; Fader and Hardie 2007, "How to
Project Customer Retention", and their note 017 for cohorts of different ages):
one fit per period grain on int_cohort_survivors_counted, model
shifted_beta_geometric_<grain>, parameters alpha and beta, time_unit the grain.
Each cohort member who churned after t periods (1 <= t <= the cohort's age)
contributes log P(T = t), each survivor at the cohort's age log S(age)
(right-censored), all cohorts of the grain in one likelihood. A grain is fitted
only when its cohorts show at least one churn and at least one customer
surviving a period: without a churn the likelihood rises for ever as alpha
falls to 0 (nobody leaves), without a survivor as beta falls to 0 (everyone
leaves after one period), so there is no estimate to publish; then it has no
rows and fct_retention_projection's projections are null.

Per segment (fct_retention_projection_by_segment): the same fit on each segment's cohorts in
int_cohort_survivors_by_segment, published with segment_dimension and segment_value (null on every
company-wide row), for the segments that int_cohort_survivors_by_segment marks is_enough_to_fit
(var projection_min_segment_customers customers, one cohort observed two periods past its first)
and that show a churn and a survivor, as above.

A fit that fails these checks raises an error naming what failed, unless var
clv_on_fit_failure is `warn`: then the estimates are published with
converged = false (non-finite values as nulls) and fct_customer_clv publishes
null predictions for that model.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln

COLUMNS = ["model", "parameter", "value", "customers", "excluded_customers", "log_likelihood", "converged",
           "fit_message", "calibration_end_date", "time_unit", "segment_dimension", "segment_value"]
PARAMETERS = {"bg_nbd": ("r", "alpha", "a", "b"), "gamma_gamma": ("p", "q", "v"),
              "shifted_beta_geometric": ("alpha", "beta")}
MODEL_NAMES = {"bg_nbd": "BG/NBD", "gamma_gamma": "Gamma-Gamma"}
SBG = "shifted_beta_geometric"  # published as shifted_beta_geometric_<grain>
# pairs whose joint growth collapses a mixing distribution, and what the limit means
COLLAPSES = {
    "bg_nbd": [(("r", "alpha"), "every customer buys at the same rate r/alpha = {ratio:.6g} per time unit"),
               (("a", "b"), "every customer drops out after a purchase with the same probability "
                            "a/(a+b) = {share:.6g}")],
    "gamma_gamma": [(("q", "v"), "every customer has the same expected spend per purchase p*v/q = {spend:.6g}")],
    SBG: [(("alpha", "beta"), "every customer churns at the end of each period with the same probability "
                              "alpha/(alpha+beta) = {churn:.6g}", "grow"),
          (("alpha", "beta"), "a share alpha/(alpha+beta) = {churn:.6g} of each cohort leaves after its first "
                              "period and the rest never leave", "shrink")],
}
FAILURE_MODES = ("error", "warn")

LOG_BOUND = 30.0
SENTINEL = 1e300
MAX_PASSES = 4
PASS_TOLERANCE = 1e-9  # a pass improving the log-likelihood by less than this x customers is no progress
SCORE_TOLERANCE = 1e-5  # largest |score| per customer, by log-parameter, of a converged fit
SCORE_STEP = 1e-4  # central-difference step on the log scale
COLLAPSE_STEP = 5.0  # the pair is multiplied by e^5 to see whether the likelihood falls
COLLAPSE_TOLERANCE = 1e-3  # a fall of less than this (log-likelihood units) is no fall
MAX_WHOLE_FREQUENCY = 1_000_000


class Distinct:
    """A column as its distinct values and, per row, the index of its value."""

    def __init__(self, column):
        values, index = np.unique(np.asarray(column, dtype=float), return_inverse=True)
        self._set(values, index.reshape(-1))

    @classmethod
    def of(cls, values, index):
        """The column whose row i is values[index[i]], for sorted distinct values."""
        column = object.__new__(cls)
        column._set(np.asarray(values, dtype=float), np.asarray(index, dtype=np.int64))
        return column

    def _set(self, values, index):
        self.values, self.index, self._constants = values, index, {}
        # an index in ascending order (the first column of distinct_rows) is looked up by repeating
        self._runs = (np.bincount(index, minlength=len(values)) if len(index) and np.all(index[1:] >= index[:-1])
                      else None)

    def lookup(self, per_value):
        """Per row, the entry of per_value (an array over the distinct values) for its value."""
        return np.repeat(per_value, self._runs) if self._runs is not None else np.take(per_value, self.index)

    def map(self, function):
        return self.lookup(function(self.values))

    def constant(self, key, function):
        """function(), computed on first use and kept (read-only): for terms of the data alone, which are
        the same at every evaluation of a likelihood."""
        if key not in self._constants:
            value = function()
            value.flags.writeable = False
            self._constants[key] = value
        return self._constants[key]

    def rows(self):
        return self.constant("rows", lambda: self.lookup(self.values))


def distinct_rows(columns, weights=None):
    """The distinct rows of the columns, as Distinct columns, and the weight of each: how many rows it
    stands for, or with weights the sum of theirs (rows of weight zero are left out). The rows are in
    ascending order of their values, so a sum over them has one fixed order for the same data,
    whatever the order of its rows."""
    columns = [c if isinstance(c, Distinct) else Distinct(c) for c in columns]
    length = len(columns[0].index)
    if any(len(c.index) != length for c in columns):
        raise ValueError("the data columns have different lengths")
    keep = slice(None)
    if weights is not None:
        weights = np.asarray(weights, dtype=float).reshape(-1)
        if len(weights) != length:
            raise ValueError(f"{len(weights)} weights for {length} rows")
        if not np.all(np.isfinite(weights) & (weights >= 0)):
            raise ValueError("weights must be finite and not negative")
        keep = weights > 0
    sizes = [max(1, len(c.values)) for c in columns]
    if np.prod(np.array(sizes, dtype=float)) < 2.0 ** 62:  # one integer per row, in the order of the rows' values
        key = np.zeros(length, dtype=np.int64)[keep]
        for c, size in zip(columns, sizes):
            key *= size
            key += c.index[keep]
        unique, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        indexes = []
        for size in reversed(sizes):
            unique, index = np.divmod(unique, size)
            indexes.insert(0, index)
    else:
        unique, inverse, counts = np.unique(np.stack([c.index[keep] for c in columns], axis=1), axis=0,
                                            return_inverse=True, return_counts=True)
        indexes = [np.ascontiguousarray(unique[:, i]) for i in range(len(columns))]
    if weights is None:
        row_weights = counts.astype(float)
    else:
        row_weights = np.bincount(inverse.reshape(-1), weights=weights[keep], minlength=len(counts))
    return [Distinct.of(c.values, index) for c, index in zip(columns, indexes)], row_weights


def _whole(counts):
    counts = np.asarray(counts, dtype=float)
    return (len(counts) > 0 and bool(np.all(counts == np.round(counts))) and counts.min() >= 0
            and counts.max() <= MAX_WHOLE_FREQUENCY)


def log_rising_factorial(base, counts):
    """log(base (base + 1) ... (base + n - 1)) = gammaln(base + n) - gammaln(base), for each n."""
    counts = np.asarray(counts, dtype=float)
    if _whole(counts):
        steps = np.concatenate(([0.0], np.cumsum(np.log(base + np.arange(int(counts.max()))))))
        return steps[counts.astype(np.int64)]
    return gammaln(base + counts) - gammaln(base)


def log_beta_ratio(a, b, counts):
    """log B(a, b + n) - log B(a, b) = sum over j < n of log((b + j) / (a + b + j)), for each n."""
    counts = np.asarray(counts, dtype=float)
    if _whole(counts):
        steps = np.concatenate(([0.0], np.cumsum(-np.log1p(a / (b + np.arange(int(counts.max())))))))
        return steps[counts.astype(np.int64)]
    return gammaln(a + b) + gammaln(b + counts) - gammaln(b) - gammaln(a + b + counts)


def _logaddexp(x, y):
    """np.logaddexp(x, y), computed as it does, the larger plus log1p(exp(smaller - larger)), but with
    numpy's vectorised exp and log1p, several times faster than its calls of the C library's, one value
    at a time (the two differ by a unit in the last place in a few results in a thousand). Overwrites x."""
    equal = x == y
    larger = np.maximum(x, y)
    np.minimum(x, y, out=x)
    x -= larger
    np.exp(x, out=x)
    np.log1p(x, out=x)
    x += larger
    if equal.any():  # as np.logaddexp: x + log 2, also for equal infinities
        x[equal] = y[equal] + np.log(2.0)
    return x


def bg_nbd_log_likelihood(r, alpha, a, b, frequency, recency, age):
    """Per-customer log-likelihood of the BG/NBD model (FHL 2005, eq. 6), written
    as log rising factorials and log1p so it stays exact for large parameters.
    The data may be arrays or Distinct columns."""
    x_d, t_x_d, big_t_d = (c if isinstance(c, Distinct) else Distinct(c) for c in (frequency, recency, age))
    x = x_d.rows()
    # r log(alpha) - (r + x) log(alpha + T) = -r log(1 + T / alpha) - x log(alpha + T)
    a3 = big_t_d.map(lambda v: -r * np.log1p(v / alpha))
    a3 -= big_t_d.map(lambda v: np.log(alpha + v)) * x
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = x_d.map(lambda v: np.log(a) - np.log(np.where(v > 0, b + v - 1, 1.0)))
        a4 -= t_x_d.map(lambda v: r * np.log1p(v / alpha))
        a4 -= t_x_d.map(lambda v: np.log(alpha + v)) * x
    a4[x_d.constant("no repeat", lambda: ~(x > 0))] = -np.inf
    log_likelihood = _logaddexp(a3, a4)
    log_likelihood += x_d.map(lambda v: log_rising_factorial(r, v) + log_beta_ratio(a, b, v))
    return log_likelihood


def gamma_gamma_log_likelihood(p, q, v, frequency, monetary_value):
    """Per-customer log-likelihood of the Gamma-Gamma spend model, for customers
    with at least one repeat purchase (x > 0), up to a constant. The data may be
    arrays or Distinct columns. A mean spend of zero has likelihood zero (-inf)."""
    x_d, m_d = (c if isinstance(c, Distinct) else Distinct(c) for c in (frequency, monetary_value))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_likelihood = x_d.map(lambda u: gammaln(p * u + q) - gammaln(p * u) + p * u * np.log(u)
                                 - gammaln(q) + q * np.log(v))
        log_likelihood += x_d.map(lambda u: p * u - 1) * m_d.constant("log rows", lambda: m_d.map(np.log))
        spent = x_d.constant(("times", m_d), lambda: x_d.rows() * m_d.rows()) + v
        np.log(spent, out=spent)
        spent *= x_d.map(lambda u: p * u + q)
        log_likelihood -= spent
    return log_likelihood


class Fit:
    """The estimates of one model and whether they can be trusted."""

    def __init__(self, names, values, log_likelihood, converged, message):
        self.names, self.values, self.log_likelihood = names, values, log_likelihood
        self.converged, self.message = converged, message

    def __iter__(self):  # values, log_likelihood, converged = fit
        return iter((self.values, self.log_likelihood, self.converged))


def fit(log_likelihood, names, *data, collapses=(), weights=None):
    """Maximum likelihood on the log scale, then the convergence checks of the module docstring.
    The data (arrays or Distinct columns) has a row per customer, or with weights, row i stands for
    weights[i] customers. The log-likelihood is evaluated once per distinct row (distinct_rows)."""
    count = len(names)
    data, row_weights = distinct_rows(data, weights)
    customers = max(1.0, float(np.sum(row_weights)))  # the score tolerance is per customer, not per distinct row

    def total(log_params):
        with np.errstate(all="ignore"):
            values = log_likelihood(*np.exp(log_params), *data) * row_weights
            return float(np.sum(values))

    def objective(log_params):
        value = total(log_params)
        return -value if np.isfinite(value) else SENTINEL

    def scores(log_params):
        """The gradient of the log-likelihood by the log-parameters, by central differences."""
        gradient = np.empty(count)
        for i in range(count):
            step = np.zeros(count)
            step[i] = SCORE_STEP
            gradient[i] = (total(log_params + step) - total(log_params - step)) / (2 * SCORE_STEP)
        return gradient

    def objective_gradient(log_params):
        gradient = -scores(log_params)
        return np.where(np.isfinite(gradient), gradient, 0.0)

    point, best, passes, still_improving, optimiser = np.zeros(count), None, 0, True, ""
    while passes < MAX_PASSES and still_improving:
        result = minimize(objective, point, jac=objective_gradient, method="L-BFGS-B",
                          bounds=[(-LOG_BOUND, LOG_BOUND)] * count,
                          options={"maxiter": 10000, "ftol": 1e-15, "gtol": SCORE_TOLERANCE / 100 * customers})
        passes += 1
        optimiser = f"L-BFGS-B pass {passes}: {result.message}"
        if best is not None and result.fun >= best - PASS_TOLERANCE * customers:
            still_improving = False
        if best is None or result.fun < best:
            point, best = np.asarray(result.x, dtype=float), float(result.fun)
    with np.errstate(over="ignore"):
        values = np.exp(point)
    maximum = total(point)

    def failed(reason):
        return Fit(names, values, maximum, False, f"not converged: {reason} ({optimiser})")

    estimates = ", ".join(f"{name} = {value:.6g}" for name, value in zip(names, values))
    if best >= SENTINEL or not np.isfinite(maximum):
        return failed(f"the log-likelihood is not finite at {estimates}; the optimiser never found a point "
                      "where it is")
    if not np.all(np.isfinite(values)):
        return failed(f"non-finite estimates {estimates}")
    if still_improving:
        return failed(f"still improving after {MAX_PASSES} passes")
    per_customer = scores(point) / customers
    worst = float(np.max(np.abs(per_customer))) if np.all(np.isfinite(per_customer)) else np.inf
    if not worst <= SCORE_TOLERANCE:
        return failed(f"largest score per customer {worst:.3g} is above {SCORE_TOLERANCE:g} at {estimates}")
    boundary = []
    for pair, meaning, *way in collapses:
        # a collapse given a way ("grow" or "shrink") is looked for only on its side: the pair's
        # log-estimates above zero to grow, below zero to shrink (at 1e-8 both ways look flat)
        shrink = way == ["shrink"]
        if way and (np.mean([p for n, p in zip(names, point) if n in pair]) < 0) != shrink:
            continue
        step = -COLLAPSE_STEP if shrink else COLLAPSE_STEP
        direction = np.array([step if name in pair else 0.0 for name in names])
        further = total(point + direction)
        if np.isfinite(further) and further >= maximum - COLLAPSE_TOLERANCE:
            boundary.append((pair, meaning, "shrink" if shrink else "grow"))
    on_boundary = {name for pair, *_ in boundary for name in pair}
    at_bound = [name for name, value in zip(names, point) if abs(value) >= LOG_BOUND - 1e-6 and name not in on_boundary]
    if at_bound:
        return failed(f"{', '.join(at_bound)} reached the search bound e^+-{LOG_BOUND:g} at {estimates}: "
                      "the likelihood has no maximum inside it")
    message = f"converged: largest score per customer {worst:.2g}, {passes} L-BFGS-B passes"
    if boundary:
        named = dict(zip(names, values))
        ratios = {"ratio": named.get("r", 0) / named.get("alpha", 1),
                  "share": named.get("a", 0) / (named.get("a", 0) + named.get("b", 1)),
                  "spend": named.get("p", 0) * named.get("v", 0) / named.get("q", 1),
                  "churn": named.get("alpha", 0) / (named.get("alpha", 0) + named.get("beta", 1))}
        limits = "; ".join(
            f"{' and '.join(pair)} {way} together without lowering the likelihood, so its maximum is the limit "
            f"where {meaning.format(**ratios)}" for pair, meaning, way in boundary)
        message += (f"; at the boundary: {limits}. These parameters are identified only through that ratio; "
                    "the predictions are those of the limit")
    return Fit(names, values, maximum, True, message)


def fit_bg_nbd(frequency, recency, age, weights=None):
    return fit(bg_nbd_log_likelihood, PARAMETERS["bg_nbd"], frequency, recency, age,
               collapses=COLLAPSES["bg_nbd"], weights=weights)


def fit_gamma_gamma(frequency, monetary_value, weights=None):
    return fit(gamma_gamma_log_likelihood, PARAMETERS["gamma_gamma"], frequency, monetary_value,
               collapses=COLLAPSES["gamma_gamma"], weights=weights)


def sbg_log_survival(alpha, beta, periods):
    """log S(t) for each t of periods (whole numbers): S(0) = 1 and S(t) = S(t - 1) (beta + t - 1) /
    (alpha + beta + t - 1) (Fader and Hardie 2007), summed as logs; each factor is written
    1 / (1 + alpha / (beta + t - 1)), which stays exact when alpha and beta grow large; t - 1 is added
    to beta as a whole number (beta + t, then - 1, would lose beta's digits when it is tiny)."""
    periods = np.asarray(periods, dtype=np.int64)
    t = np.arange(1, int(periods.max(initial=0)) + 1, dtype=float)
    steps = -np.log1p(alpha / (beta + (t - 1)))
    return np.concatenate(([0.0], np.cumsum(steps)))[periods]


def sbg_log_churn(alpha, beta, periods):
    """log P(T = t) = log S(t - 1) + log(alpha / (alpha + beta + t - 1)), for t >= 1: a customer in the
    cohort at the end of period t - 1 leaves in the next with probability alpha / (alpha + beta + t - 1)."""
    periods = np.asarray(periods, dtype=np.int64)
    return sbg_log_survival(alpha, beta, np.maximum(periods - 1, 0)) - np.log1p((beta + (periods - 1)) / alpha)


def sbg_log_likelihood(alpha, beta, periods, censored):
    """Per data row: log P(T = t) for a customer who churned after t periods, log S(t) for one still in
    the cohort at its age t (right-censored). The data may be arrays or Distinct columns."""
    t_d, c_d = (c if isinstance(c, Distinct) else Distinct(c) for c in (periods, censored))
    survival = t_d.map(lambda v: sbg_log_survival(alpha, beta, v))
    churn = t_d.map(lambda v: sbg_log_churn(alpha, beta, np.maximum(v, 1)))
    return np.where(c_d.rows() > 0, survival, churn)


def sbg_data(cohorts):
    """From one grain's rows of int_cohort_survivors_counted: the data rows (t, censored) and their
    weights (customers), and the customers the fit stands on. A cohort churns s(t - 1) - s(t) members
    after t periods and keeps s(age) at its age; a cohort of age 0 says nothing yet."""
    periods, censored, weights = [], [], []
    for _, cohort in cohorts.groupby("cohort_period_start", sort=True):
        cohort = cohort.sort_values("periods_since_first")
        survivors = cohort["surviving_customers"].to_numpy(dtype=float)
        age = len(survivors) - 1
        if age < 1 or survivors[0] <= 0:
            continue
        for t in range(1, age + 1):
            periods.append(t), censored.append(0), weights.append(survivors[t - 1] - survivors[t])
        periods.append(age), censored.append(1), weights.append(survivors[age])
    return np.array(periods, dtype=float), np.array(censored, dtype=float), np.array(weights, dtype=float)


def fit_shifted_beta_geometric(periods, censored, weights):
    return fit(sbg_log_likelihood, PARAMETERS[SBG], periods, censored, collapses=COLLAPSES[SBG], weights=weights)


def fit_sbg(grain, grain_rows, publish, segment=(None, None)):
    """Fits the shifted-beta-geometric model to one grain's cohorts (of one segment) and publishes it, when
    they show a churn and a customer surviving a period (otherwise there is no estimate)."""
    periods, censored, weights = sbg_data(grain_rows)
    churned = weights[censored == 0].sum()
    survived_a_period = weights.sum() - weights[(periods == 1) & (censored == 0)].sum()
    if churned <= 0 or survived_a_period <= 0:
        return
    first = grain_rows[grain_rows["periods_since_first"] == 0]
    informative = set(first.loc[first["cohort_age"] >= 1, "cohort_period_start"])
    in_fit = first["cohort_period_start"].isin(informative)
    customers = int(first.loc[in_fit, "cohort_customers"].sum())
    excluded = int(first["lost_in_first_period"].sum() + first.loc[~in_fit, "cohort_customers"].sum())
    last_observed = pd.Timestamp(grain_rows["period_start"].max()).date()
    publish(f"{SBG}_{grain}", fit_shifted_beta_geometric(periods, censored, weights), customers, excluded,
            period_end(str(grain), last_observed), str(grain), segment)


def failure_mode(value):
    """var clv_on_fit_failure, validated (also at compile time, by int_clv_rfm_summary)."""
    mode = str(value).strip().lower() if value is not None else "error"
    if mode not in FAILURE_MODES:
        raise ValueError(f"var clv_on_fit_failure must be error (the default: a CLV fit that cannot be trusted "
                         f"fails the build) or warn (publish it with converged = false and null predictions); "
                         f"got '{value}'.")
    return mode


def period_end(grain, start):
    """The last day of the period of the grain that starts on start."""
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    return (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()


def model(dbt, session):
    dbt.config(materialized="table")
    on_failure = failure_mode(dbt.config.get("clv_on_fit_failure"))
    # in a fixed order (the fits do not depend on it: they sum over distinct rows in the order of their values)
    summary = dbt.ref("int_clv_rfm_summary").df().sort_values("customer_id", kind="mergesort")
    time_unit = dbt.config.get("clv_time_unit")
    rows, failures = [], []

    def publish(model_name, result, customers, excluded, calibration_end, time_unit=time_unit,
                segment=(None, None)):
        log_likelihood = result.log_likelihood if np.isfinite(result.log_likelihood) else None
        for name, value in zip(result.names, result.values):
            rows.append((model_name, name, float(value) if np.isfinite(value) else None, customers, excluded,
                         log_likelihood, result.converged, result.message, calibration_end, time_unit, *segment))
        if not result.converged:
            where = f" in segment {segment[0]} = {segment[1]}" if segment[0] is not None else ""
            failures.append(f"{MODEL_NAMES.get(model_name, model_name)}{where} on {customers} customers: "
                            f"{result.message}")

    if len(summary):
        calibration_end = pd.Timestamp(summary["calibration_end_date"].iloc[0]).date()
        frequency = summary["frequency"].to_numpy(dtype=float)
        recency = summary["recency"].to_numpy(dtype=float)
        age = summary["customer_age"].to_numpy(dtype=float)
        monetary_value = summary["monetary_value"].to_numpy(dtype=float)
        if (frequency > 0).sum() >= len(PARAMETERS["bg_nbd"]):
            publish("bg_nbd", fit_bg_nbd(frequency, recency, age), len(summary), 0, calibration_end)
        repeat = frequency > 0
        usable = repeat & np.isfinite(monetary_value) & (monetary_value > 0)
        if usable.sum() >= len(PARAMETERS["gamma_gamma"]):
            publish("gamma_gamma", fit_gamma_gamma(frequency[usable], monetary_value[usable]), int(usable.sum()),
                    int((repeat & ~usable).sum()), calibration_end)
    # the shifted-beta-geometric retention fit, one per grain, on the cohorts of int_cohort_survivors_counted,
    # then one per grain and segment that has enough customers, on int_cohort_survivors_by_segment
    cohorts = dbt.ref("int_cohort_survivors_counted").df()
    for grain, grain_rows in sorted(cohorts.groupby("period_grain"), key=lambda item: str(item[0])):
        fit_sbg(grain, grain_rows, publish)
    segments = dbt.ref("int_cohort_survivors_by_segment").df()
    segments = segments[segments["is_enough_to_fit"].astype(bool)]
    keys = ["period_grain", "segment_dimension", "segment_value"]
    for (grain, dimension, value), segment_rows in sorted(segments.groupby(keys),
                                                          key=lambda item: tuple(map(str, item[0]))):
        fit_sbg(grain, segment_rows, publish, segment=(str(dimension), str(value)))
    if failures and on_failure == "error":
        raise RuntimeError(
            "fct_clv_model_parameters: a CLV fit cannot be trusted, so nothing is published. "
            + " | ".join(failures)
            + ". Check int_clv_rfm_summary (too few customers, or every repeat spend the same, make the likelihood "
              "flat or unbounded), or set var clv_on_fit_failure: warn to publish the estimates with converged = "
              "false and null predictions (the data test clv_fits_converged then warns).")
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"model": "string", "parameter": "string", "value": "float64", "customers": "int64",
                         "excluded_customers": "int64", "log_likelihood": "float64", "converged": "bool",
                         "fit_message": "string", "time_unit": "string", "segment_dimension": "string",
                         "segment_value": "string"})
