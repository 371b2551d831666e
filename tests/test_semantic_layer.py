"""The MetricFlow semantic layer (models/semantic) against the marts it reads.

Every metric declared in the semantic YAML states in its meta which mart column
it reproduces (`mart`, `column`, optionally `basis`) and at which grains
(`grains`). On the demo warehouse, `mf query` runs every metric at day, month,
quarter and year, and each value is compared with the mart rows:

* at a grain in `grains`, with that grain's rows (rows of one period_grain, one
  basis; the days of fct_daily_active_users);
* at a grain finer than the metric's own, MetricFlow must refuse the query
  (checked with MetricFlow's query parser, no warehouse needed);
* at a coarser grain, with the aggregation `coarser_grains` names over the
  metric's own rows: `sum`, `avg`, `first` or `last` (semi-additive), or
  `null` (a rate pinned to one grain has no value for a longer period); with
  `coarser_equals` (`mart.column`), also with that column of the rows of that
  grain (a daily metric that equals a period mart's column).

dim_customers metrics group customers by the period of their first order; the
calendar metrics count the time spine's periods. The metrics of the cohort marts
(fct_acquisition_clv, one row per acquisition month and channel; fct_user_retention,
pinned to one cohort grain and one k by `cohort_grain` and `periods_since_first`)
are compared at each grain with `column`, an aggregate of the mart's rows in the
bucket, and, on one cohort row at a time (metric_time__`row_grain`, grouped by
`row_by`), with the mart's own `row_column`. Any difference fails the test, and
so does a metric without the meta this test needs.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from retention_lab.compare import same
from tests.dbt_harness import ROOT

GRAINS = ("day", "month", "quarter", "year")
# marts of one row per (period_grain, period_start), and of one row per day (their day column)
PERIOD_MARTS = ("fct_customer_retention", "fct_revenue_retention", "fct_order_metrics", "fct_engagement",
                "fct_email_engagement", "fct_nps", "fct_trial_conversion")
DAY_MARTS = {"fct_daily_active_users": "activity_date"}
# marts of one row per cohort: their cohort's time column, and the entity of their semantic model
COHORT_MARTS = {"fct_acquisition_clv": ("acquisition_month", "acquisition_cohort"),
                "fct_user_retention": ("cohort_period_start", "user_cohort")}
# first / last: the value of the bucket's first or last period, null when that period's is (arg_max would skip
# to the latest non-null one: lifetime_value_month_last over a quarter whose last month had no churn)
COARSER_RULES = {"sum": "sum({column})", "avg": "avg({column})", "first": "arg_min_null({column}, {time})",
                 "last": "arg_max_null({column}, {time})"}
MF = Path(sys.executable).parent / "mf"


def finest(grains: list[str]) -> str:
    return min(grains, key=GRAINS.index)


@pytest.fixture(scope="module")
def semantic_layer(demo_warehouse, tmp_path_factory):
    """A folder `mf` runs in: the project's dbt_project.yml and profiles.yml, and
    the demo build's target (mf reads target/semantic_manifest.json of its
    project folder, and the demo build wrote its artifacts elsewhere)."""
    folder = tmp_path_factory.mktemp("mf_project")
    for name in ("dbt_project.yml", "profiles.yml", "duckdb_plugins"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "target").symlink_to(demo_warehouse.workdir / "target")
    manifest = json.loads((folder / "target" / "manifest.json").read_text())
    metrics = {node["name"]: node["config"]["meta"] for node in manifest["metrics"].values()}
    return folder, metrics


def mf_query(folder: Path, warehouse_path: Path, metrics: list[str], grain: str, out: Path) -> list[dict[str, str]]:
    env = {**os.environ, "DBT_PROJECT_DIR": str(folder), "DBT_PROFILES_DIR": str(folder),
           "RETENTION_DUCKDB_PATH": str(warehouse_path), "RETENTION_TARGET": "dev"}
    run = subprocess.run(
        [str(MF), "query", "--quiet", "--metrics", ",".join(metrics), "--group-by", f"metric_time__{grain}",
         "--csv", str(out)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0 and out.exists(), f"mf query failed:\n{run.stdout}\n{run.stderr}"
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def bucket(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value)[:10])


def number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(Decimal(str(value)))


def expected_values(warehouse, meta: dict[str, Any], grain: str) -> dict[date | None, float | None]:
    """{metric_time bucket: value} the metric must return at `grain`, from the mart rows."""
    mart, column = meta["mart"], meta["column"]
    if mart in PERIOD_MARTS or mart in DAY_MARTS:
        time = DAY_MARTS.get(mart, "period_start")
        own = finest(meta["grains"])
        where = "true" if mart in DAY_MARTS else f"period_grain = '{grain if grain in meta['grains'] else own}'"
        if meta.get("basis"):
            where += f" and basis = '{meta['basis']}'"
        if grain in meta["grains"]:
            sql = f"select {time}, {column} from main.{mart} where {where}"
        elif meta.get("coarser_grains") == "null":
            sql = f"select distinct date_trunc('{grain}', {time}), null from main.{mart} where {where}"
        else:
            aggregate = COARSER_RULES[meta["coarser_grains"]].format(column=column, time=time)
            sql = f"select date_trunc('{grain}', {time}), {aggregate} from main.{mart} where {where} group by 1"
    elif mart in COHORT_MARTS:
        sql = (f"select date_trunc('{grain}', {COHORT_MARTS[mart][0]}), {column} from main.{mart} "
               f"where {cohort_rows(meta)} group by 1")
    elif mart == "dim_customers":
        sql = f"select date_trunc('{grain}', first_order_at), {column} from main.dim_customers group by 1"
    elif mart == "metricflow_time_spine":
        sql = f"select date_trunc('{grain}', date_day), {column} from main.metricflow_time_spine group by 1"
    else:
        raise AssertionError(f"no comparison for mart {mart}")
    return {bucket(key): number(value) for key, value in warehouse.query(sql)}


def cohort_rows(meta: dict[str, Any]) -> str:
    """The rows of a cohort mart a metric reads: those of its cohort grain and k (fct_user_retention)."""
    if "cohort_grain" not in meta:
        return "true"
    return f"period_grain = '{meta['cohort_grain']}' and periods_since_first = {int(meta['periods_since_first'])}"


def coarser_equals(warehouse, meta: dict[str, Any], grain: str) -> dict[date | None, float | None] | None:
    """{bucket: value} of the `coarser_equals` column at a coarser grain, or None."""
    if "coarser_equals" not in meta or grain in meta["grains"]:
        return None
    mart, column = meta["coarser_equals"].split(".")
    rows = warehouse.query(f"select period_start, {column} from main.{mart} where period_grain = '{grain}'")
    return {bucket(key): number(value) for key, value in rows}


def test_every_metric_declares_what_it_reproduces(semantic_layer):
    _, metrics = semantic_layer
    assert len(metrics) > 0
    for name, meta in metrics.items():
        assert {"mart", "column"} <= meta.keys(), f"{name}: meta needs mart and column"
        if meta["mart"] in PERIOD_MARTS or meta["mart"] in DAY_MARTS:
            allowed = {"day"} if meta["mart"] in DAY_MARTS else set(GRAINS) - {"day"}
            assert meta.get("grains") and set(meta["grains"]) <= allowed, f"{name}: grains"
            coarser = [g for g in GRAINS if GRAINS.index(g) > GRAINS.index(finest(meta["grains"]))]
            if set(coarser) - set(meta["grains"]):
                assert meta.get("coarser_grains") in (*COARSER_RULES, "null"), f"{name}: coarser_grains"
        if "coarser_equals" in meta:
            mart, _, column = meta["coarser_equals"].partition(".")
            assert mart in PERIOD_MARTS and column, f"{name}: coarser_equals names a period mart's column"
        if meta["mart"] in COHORT_MARTS:
            # regrains (a sum or ratio of sums) from its row grain up: every grain of the test from there
            assert meta.get("row_column") and meta.get("row_grain"), f"{name}: row_column and row_grain"
            own = [g for g in GRAINS if GRAINS.index(g) >= GRAINS.index(finest(meta["grains"]))]
            assert meta.get("grains") and meta["grains"] == own, f"{name}: grains"
            assert (meta["mart"] == "fct_user_retention") == ("cohort_grain" in meta), f"{name}: cohort_grain"


def test_metrics_refuse_grains_finer_than_their_rows(semantic_layer):
    from metricflow_semantics.errors.error_classes import InvalidQueryException
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
    from metricflow_semantics.query.query_parser import MetricFlowQueryParser

    folder, metrics = semantic_layer
    manifest = parse_manifest_from_dbt_generated_manifest((folder / "target" / "semantic_manifest.json").read_text())
    parser = MetricFlowQueryParser(SemanticManifestLookup(manifest))
    accepted, checked = [], 0
    for name, meta in metrics.items():
        if meta["mart"] not in PERIOD_MARTS and meta["mart"] not in DAY_MARTS and meta["mart"] not in COHORT_MARTS:
            continue
        for grain in GRAINS[:GRAINS.index(finest(meta["grains"]))]:
            checked += 1
            try:
                parser.parse_and_validate_query(metric_names=[name], group_by_names=[f"metric_time__{grain}"])
            except InvalidQueryException:
                continue
            accepted.append(f"{name} at {grain}")
    assert checked > 0
    assert accepted == [], "metrics that MetricFlow breaks down below the grain of their rows"


@pytest.mark.parametrize("grain", GRAINS)
def test_mf_query_equals_the_marts(semantic_layer, demo_warehouse, tmp_path, grain):
    folder, metrics = semantic_layer
    queryable = sorted(name for name, meta in metrics.items()
                       if "grains" not in meta or GRAINS.index(finest(meta["grains"])) <= GRAINS.index(grain))
    # dim_customers buckets by first order (one of them null): queried on its own so its rows never meet the others
    calls = {
        "periods": [name for name in queryable if metrics[name]["mart"] != "dim_customers"],
        "customers": [name for name in queryable if metrics[name]["mart"] == "dim_customers"],
    }
    differences, compared = [], set()
    for label, names in calls.items():
        rows = mf_query(folder, demo_warehouse.path, names, grain, tmp_path / f"{label}.csv")
        actual: dict[str, dict[date | None, float | None]] = {name: {} for name in names}
        for row in rows:
            key = bucket(row[f"metric_time__{grain}"])
            for name in names:
                assert key not in actual[name], f"{name}: two rows for {key}"
                actual[name][key] = number(row[name])
        for name in names:
            expected = expected_values(demo_warehouse, metrics[name], grain)
            assert any(value is not None for value in expected.values()) or metrics[name].get("coarser_grains") == "null", \
                f"{name} at {grain}: the mart rows hold no value to compare with"
            for key in sorted(set(actual[name]) | set(expected), key=lambda k: (k is None, k)):
                if not same(actual[name].get(key), expected.get(key)):
                    differences.append(f"{name} {grain} {key}: mf {actual[name].get(key)} mart {expected.get(key)}")
            also = coarser_equals(demo_warehouse, metrics[name], grain)
            if also is not None:
                assert any(value is not None for value in also.values()), f"{name} at {grain}: no rows to compare"
                for key in sorted(set(actual[name]) | set(also), key=lambda k: (k is None, k)):
                    if not same(actual[name].get(key), also.get(key)):
                        differences.append(f"{name} {grain} {key}: mf {actual[name].get(key)} "
                                           f"{metrics[name]['coarser_equals']} {also.get(key)}")
            compared.add(name)
    assert compared == set(queryable)
    assert differences == [], f"{len(differences)} differences:\n" + "\n".join(differences[:50])


def test_cohort_metrics_equal_the_mart_rows(semantic_layer, demo_warehouse, tmp_path):
    """At its row grain (a week cohort at metric_time__week) and grouped by its row_by dimension, each metric of
    a cohort mart is the mart's own row_column of every cohort row: CAC is customer_acquisition_cost of each
    month and channel, a user retention rate the retention_rate of each cohort at its k. With the coarser
    grains of test_mf_query_equals_the_marts it shows a rate pools the cohorts' sums."""
    folder, metrics = semantic_layer
    calls: dict[tuple[str, str, str | None], list[str]] = {}
    for name, meta in metrics.items():
        if meta["mart"] in COHORT_MARTS:
            calls.setdefault((meta["mart"], meta["row_grain"], meta.get("row_by")), []).append(name)
    assert {mart for mart, _, _ in calls} == set(COHORT_MARTS)
    assert {grain for mart, grain, _ in calls if mart == "fct_user_retention"} == {"day", "week", "month"}
    differences, compared = [], 0
    for (mart, grain, by), names in sorted(calls.items(), key=str):
        time, entity = COHORT_MARTS[mart]
        group_by = [f"metric_time__{grain}", *([f"{entity}__{by}"] if by else [])]
        env = {**os.environ, "DBT_PROJECT_DIR": str(folder), "DBT_PROFILES_DIR": str(folder),
               "RETENTION_DUCKDB_PATH": str(demo_warehouse.path), "RETENTION_TARGET": "dev"}
        out = tmp_path / f"{mart}_{grain}.csv"
        run = subprocess.run([str(MF), "query", "--quiet", "--metrics", ",".join(sorted(names)), "--group-by",
                              ",".join(group_by), "--csv", str(out)],
                             cwd=folder, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0 and out.exists(), f"mf query failed:\n{run.stdout}\n{run.stderr}"
        with out.open(newline="") as handle:
            actual = {(bucket(row[group_by[0]]), row[group_by[1]] if by else None): row
                      for row in csv.DictReader(handle)}
        for name in sorted(names):
            meta = metrics[name]
            rows = demo_warehouse.query(f"select {time}, {by or 'null'}, {meta['row_column']} from main.{mart} "
                                        f"where {cohort_rows(meta)}")
            expected = {(bucket(day), key): number(value) for day, key, value in rows}
            assert any(value is not None for value in expected.values()), f"{name}: no mart rows to compare with"
            shown = {key for key, row in actual.items() if row[name] not in (None, "")}
            for key in sorted(set(expected) | shown, key=str):
                mf_value = number(actual.get(key, {}).get(name))
                if not same(mf_value, expected.get(key)):
                    differences.append(f"{name} {key}: mf {mf_value} {mart}.{meta['row_column']} {expected.get(key)}")
                compared += 1
    assert compared > 1000
    assert differences == [], f"{len(differences)} differences:\n" + "\n".join(differences[:50])
