"""The segment metrics (models/semantic/sem_customer_periods.yml) against fct_retention_by_segment, and
every semantic file against its generator (retention_lab.semantic).

The semantic model `customer_period` reads fct_customer_periods, one row per customer and period,
so its metrics can be grouped by a segment dimension (`customer_period__country`,
`__acquisition_channel`, `__plan`). Each of its metrics names in its meta the column of
fct_retention_by_segment it reproduces per segment (`segments`), besides the company-level mart
column that tests/test_semantic_layer.py compares it with (`mart`, `column`, `basis`).

On the demo warehouse, for each dimension at month and at quarter, one `mf query` runs every
metric of that grain (the plan dimension: those of the subscriptions basis) grouped by the period
and the dimension; every row must equal the segment mart's row of the same basis, period and
value: counts and money sums exactly, rates to 1e-9 relative. A monthly rate queried at
metric_time__quarter must be null in every segment.

A rate must be the ratio of the summed measures, never a mean of segment rates: without a segment
group-by, `mf query` must return the ratio of the segment rows' sums for every dimension, the
segment counts must sum to it, and the demo data must hold periods where the mean of the segment
rates differs (otherwise the check could not catch an average).
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.dbt_harness import ROOT
from tests.test_semantic_layer import MF, bucket, number, same, semantic_layer  # noqa: F401 (fixture)

DIMENSIONS = ("country", "acquisition_channel", "plan")
GRAINS = ("month", "quarter")
BASIS_OF_MART = {"fct_revenue_retention": "subscriptions", "fct_order_metrics": "orders"}
# The rates each grain must offer (the segment mart's column), per basis.
RATES = {
    "orders": {"customer_churn_rate", "retained_customer_rate", "customer_retention_rate", "average_order_value",
               "purchase_frequency", "repeat_customer_rate"},
    "subscriptions": {"customer_churn_rate", "retained_customer_rate", "customer_retention_rate",
                      "net_revenue_retention", "gross_revenue_retention", "average_revenue_per_account",
                      "annual_run_rate"},
}
# Rates the segment mart fills on some grains only (null on the others), and those grains.
RATES_ON = {"lifetime_value": ("subscriptions", {"month"})}


def ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    return None if denominator == 0 else float(numerator) / float(denominator)


# Each rate from the sums of a group of segment rows: the company's rate from its segments.
FORMULAS: dict[str, Callable[[dict[str, Decimal]], float | None]] = {
    "customer_churn_rate": lambda s: ratio(s["churned_customers"], s["customers_at_start"]),
    "retained_customer_rate": lambda s: ratio(s["retained_customers"], s["customers_at_start"]),
    "customer_retention_rate": lambda s: ratio(s["customers_at_end"] - s["new_customers"], s["customers_at_start"]),
    "net_revenue_retention": lambda s: ratio(
        s["mrr_at_start"] + s["expansion_mrr"] - s["contraction_mrr"] - s["churned_mrr"], s["mrr_at_start"]),
    "gross_revenue_retention": lambda s: ratio(
        s["mrr_at_start"] - s["contraction_mrr"] - s["churned_mrr"], s["mrr_at_start"]),
    "average_revenue_per_account": lambda s: ratio(s["mrr_at_end"], s["customers_at_end"]),
    "annual_run_rate": lambda s: float(12 * s["mrr_at_end"]),
    # ARPA / customer churn rate, null without either (spec section 12)
    "lifetime_value": lambda s: (None if not s["customers_at_end"] or not s["churned_customers"]
                                 else ratio(s["mrr_at_end"], s["customers_at_end"])
                                 / ratio(s["churned_customers"], s["customers_at_start"])),
    "average_order_value": lambda s: ratio(s["revenue"], s["orders"]),
    "purchase_frequency": lambda s: ratio(s["orders"], s["ordering_customers"]),
    "repeat_customer_rate": lambda s: ratio(s["repeat_customers"], s["ordering_customers"]),
}
SUMMED = ("customers_at_start", "customers_at_end", "new_customers", "retained_customers", "churned_customers",
          "mrr_at_start", "mrr_at_end", "expansion_mrr", "contraction_mrr", "churned_mrr", "orders", "revenue",
          "ordering_customers", "repeat_customers")


def exact(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@pytest.fixture(scope="module")
def segment_metrics(semantic_layer):  # noqa: F811 (the imported fixture)
    """{metric: {grain, basis, column, kind}} for every metric with `segments` meta."""
    folder, _ = semantic_layer
    manifest = json.loads((folder / "target" / "manifest.json").read_text())
    found = {}
    for node in manifest["metrics"].values():
        meta = node["config"]["meta"]
        if "segments" not in meta:
            continue
        mart, _, column = meta["segments"].partition(".")
        assert mart == "fct_retention_by_segment" and column, f"{node['name']}: segments names a column of it"
        found[node["name"]] = {
            "grain": meta["grains"][0], "basis": meta.get("basis") or BASIS_OF_MART[meta["mart"]],
            "column": column, "kind": node["type"],
        }
    return found


def run_mf(semantic_layer, warehouse_path: Path, metrics: list[str], group_by: list[str], out: Path):
    folder, _ = semantic_layer
    env = {**os.environ, "DBT_PROJECT_DIR": str(folder), "DBT_PROFILES_DIR": str(folder),
           "RETENTION_DUCKDB_PATH": str(warehouse_path), "RETENTION_TARGET": "dev"}
    run = subprocess.run(
        [str(MF), "query", "--quiet", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
         "--csv", str(out)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0 and out.exists(), f"mf query failed:\n{run.stdout}\n{run.stderr}"
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def segment_rows(warehouse, grain: str, dimension: str) -> dict[tuple[str, Any, str], dict[str, Any]]:
    """{(basis, period_start, segment_value): row} of fct_retention_by_segment."""
    rows = warehouse.query_dicts(
        f"select * from main.fct_retention_by_segment "
        f"where period_grain = '{grain}' and segment_dimension = '{dimension}'")
    return {(row["basis"], bucket(row["period_start"]), row["segment_value"]): row for row in rows}


def test_every_grain_offers_the_rates(segment_metrics):
    for grain in GRAINS + ("year",):
        for basis, columns in RATES.items():
            offered = {meta["column"] for meta in segment_metrics.values()
                       if meta["grain"] == grain and meta["basis"] == basis and meta["kind"] == "derived"}
            wanted = columns | {c for c, (b, grains) in RATES_ON.items() if b == basis and grain in grains}
            assert wanted <= offered, f"{grain}, {basis} basis: missing {sorted(wanted - offered)}"
            # none where the segment mart has no value (lifetime value of a quarter)
            unfilled = {c for c, (b, grains) in RATES_ON.items() if b == basis and grain not in grains}
            assert not unfilled & offered, f"{grain}, {basis} basis: {sorted(unfilled & offered)} has no mart value"


@pytest.mark.parametrize("grain", GRAINS)
def test_mf_query_by_segment_equals_fct_retention_by_segment(semantic_layer, segment_metrics, demo_warehouse,
                                                             tmp_path, grain):
    names = sorted(name for name, meta in segment_metrics.items() if meta["grain"] == grain)
    # monthly rates over a quarter bucket: null in every segment (the guard does not depend on the group)
    coarser = {"segment_customer_churn_rate_subscriptions_month": "subscriptions",
               "segment_average_order_value_month": "orders"} if grain == "quarter" else {}
    differences, compared = [], 0
    for dimension in DIMENSIONS:
        # plan is a segment of the subscriptions basis only (null on the orders rows)
        queried = [n for n in names if dimension != "plan" or segment_metrics[n]["basis"] == "subscriptions"]
        longer = [n for n, basis in coarser.items() if dimension != "plan" or basis == "subscriptions"]
        time, group = f"metric_time__{grain}", f"customer_period__{dimension}"
        rows = run_mf(semantic_layer, demo_warehouse.path, queried + longer, [time, group],
                      tmp_path / f"{dimension}.csv")
        expected = segment_rows(demo_warehouse, grain, dimension)
        actual: dict[tuple[Any, str], dict[str, str]] = {}
        for row in rows:
            key = (bucket(row[time]), row[group])
            assert key not in actual, f"{dimension} {grain}: two rows for {key}"
            assert row[group] != "", f"{dimension} {grain}: a row without a segment value: {row}"
            actual[key] = row
        for name in longer:
            assert all(row[name] in (None, "") for row in rows), f"{name} at {grain} by {dimension}: not null"
        for name in queried:
            meta = segment_metrics[name]
            keys = {key for key in expected if key[0] == meta["basis"]}
            assert keys, f"{name} by {dimension}: no segment rows to compare with"
            keys |= {(meta["basis"], *key) for key, row in actual.items() if row[name] not in (None, "")}
            for key in sorted(keys, key=str):
                mart_value = expected.get(key, {}).get(meta["column"])
                mf_value = actual.get(key[1:], {}).get(name)
                if meta["kind"] == "simple":
                    ok = exact(mf_value) == exact(mart_value)
                else:
                    ok = same(number(mf_value), number(mart_value))
                if not ok:
                    differences.append(f"{name} by {dimension} {key}: mf {mf_value} mart {mart_value}")
                compared += 1
    assert compared > 1000
    assert differences == [], f"{len(differences)} differences:\n" + "\n".join(differences[:50])


@pytest.mark.parametrize("grain", GRAINS)
def test_company_rate_is_the_ratio_of_the_segment_sums(semantic_layer, segment_metrics, demo_warehouse, tmp_path,
                                                        grain):
    """Without a segment group-by a rate is the ratio of the sums over every dimension's segments, which
    the demo data tells apart from the mean of the segment rates."""
    names = sorted(name for name, meta in segment_metrics.items() if meta["grain"] == grain)
    time = f"metric_time__{grain}"
    company = {bucket(row[time]): row for row in
               run_mf(semantic_layer, demo_warehouse.path, names, [time], tmp_path / "company.csv")}
    differences, averages_differ, compared = [], set(), 0
    for dimension in DIMENSIONS:
        groups: dict[tuple[str, Any], list[dict[str, Any]]] = {}
        for (basis, period, _), row in segment_rows(demo_warehouse, grain, dimension).items():
            groups.setdefault((basis, period), []).append(row)
        for name, meta in segment_metrics.items():
            if meta["grain"] != grain or (dimension == "plan" and meta["basis"] != "subscriptions"):
                continue
            for (basis, period), rows in groups.items():
                if basis != meta["basis"]:
                    continue
                sums = {column: sum((exact(row[column]) or Decimal(0)) for row in rows) for column in SUMMED}
                mf_value = company.get(period, {}).get(name)
                if meta["kind"] == "simple":
                    if exact(mf_value) != sums[meta["column"]]:
                        differences.append(f"{name} {period}: mf {mf_value}, "
                                           f"sum over {dimension} {sums[meta['column']]}")
                    continue
                of_sums = FORMULAS[meta["column"]](sums)
                if not same(number(mf_value), of_sums):
                    differences.append(f"{name} {period}: mf {mf_value}, ratio of the {dimension} sums {of_sums}")
                rates = [number(row[meta["column"]]) for row in rows if row[meta["column"]] is not None]
                if of_sums is not None and rates and not math.isclose(sum(rates) / len(rates), of_sums,
                                                                      rel_tol=1e-6):
                    averages_differ.add(meta["column"])
                compared += 1
    assert compared > 100
    assert differences == [], f"{len(differences)} differences:\n" + "\n".join(differences[:50])
    # the data can tell a ratio of sums from a mean of rates for the headline rates
    assert {"customer_churn_rate", "customer_retention_rate", "net_revenue_retention",
            "average_order_value"} <= averages_differ


def test_every_semantic_file_is_what_its_generator_writes():
    """Every models/semantic/sem_*.yml file is generated by retention_lab.semantic from one short description
    per mart: a committed file must be its output, so an edit by hand cannot drift from it (and no stale
    sem_*.yml can stay beside them)."""
    import retention_lab.semantic as semantic

    assert semantic.differences(ROOT / "models" / "semantic") == [], (
        "models/semantic differs from retention_lab.semantic's output: edit lab/retention_lab/semantic.py and run "
        "`python -m retention_lab.semantic`")
