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
calendar metrics count the time spine's periods. Any difference fails the test,
and so does a metric without the meta this test needs.
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
                "fct_email_engagement", "fct_nps")
DAY_MARTS = {"fct_daily_active_users": "activity_date"}
COARSER_RULES = {"sum": "sum({column})", "avg": "avg({column})", "first": "arg_min({column}, {time})",
                 "last": "arg_max({column}, {time})"}
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
    elif mart == "dim_customers":
        sql = f"select date_trunc('{grain}', first_order_at), {column} from main.dim_customers group by 1"
    elif mart == "metricflow_time_spine":
        sql = f"select date_trunc('{grain}', date_day), {column} from main.metricflow_time_spine group by 1"
    else:
        raise AssertionError(f"no comparison for mart {mart}")
    return {bucket(key): number(value) for key, value in warehouse.query(sql)}


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
        if meta["mart"] not in PERIOD_MARTS and meta["mart"] not in DAY_MARTS:
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
