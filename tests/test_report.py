"""The offline HTML report (app/retention_app/report.py): its tiles carry the marts'
numbers and say what they count (the retained share beside churn, what CRR
counts, the currency of every money figure, the orders window, ARPA, ARR and the
monthly lifetime value); a CLV fit at a boundary, not converged or not fitted is
flagged; rates over small samples are marked; the segments section names each
dimension's largest segments and computes its Other row from sums; CAC and
months to payback, trial conversion (open 90-day windows marked) and product
retention equal their marts; sections without data collapse into one line
at the end; and the page
renders every chart in a real headless browser (Debian's chromium, driven by
playwright) without a console error or a single network request, on the demo,
without the optional engagement, email and NPS marts, and for an orders-only
shop. The browser test saves full-page screenshots under target/ (or
$RETENTION_SCREENSHOTS)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from tests.dbt_harness import ROOT, Warehouse

CHROMIUM = Path(os.environ.get("RETENTION_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("RETENTION_SCREENSHOTS") or ROOT / "target")
SMALL = 30  # report.py's MIN_SAMPLE

# (mart column, basis) of every headline tile, and the mart it comes from.
TILES = {
    ("retained_customer_rate", "orders"): "fct_customer_retention",
    ("customer_churn_rate", "orders"): "fct_customer_retention",
    ("customer_retention_rate", "orders"): "fct_customer_retention",
    ("retained_customer_rate", "subscriptions"): "fct_customer_retention",
    ("customer_churn_rate", "subscriptions"): "fct_customer_retention",
    ("customer_retention_rate", "subscriptions"): "fct_customer_retention",
    ("mrr_at_end", ""): "fct_revenue_retention",
    ("net_revenue_retention", ""): "fct_revenue_retention",
    ("gross_revenue_retention", ""): "fct_revenue_retention",
    ("quick_ratio", ""): "fct_revenue_retention",
    ("average_revenue_per_account", ""): "fct_revenue_retention",
    ("annual_run_rate", ""): "fct_revenue_retention",
    ("lifetime_value", ""): "fct_revenue_retention",
    ("average_order_value", ""): "fct_order_metrics",
    ("repeat_customer_rate", ""): "fct_order_metrics",
}
MONEY_TILES = {("mrr_at_end", ""), ("average_revenue_per_account", ""), ("annual_run_rate", ""),
               ("lifetime_value", ""), ("average_order_value", "")}
# Tiles the mart fills at one grain only, read there whatever --grain says.
TILE_GRAINS = {("lifetime_value", ""): "month"}
# The segment dimensions of the demo build, in the order the segments section shows them.
SEGMENT_DIMENSIONS = ["plan", "acquisition_channel", "country"]
CORE_CHARTS = ["chart-mrr-bridge", "chart-mrr-movements", "chart-revenue-retention", "chart-customer-churn",
               *(f"chart-segments-{d}" for d in SEGMENT_DIMENSIONS), "chart-cohort-orders",
               "chart-cohort-subscriptions", "chart-order-volume", "chart-order-rates",
               "chart-clv-distribution", "chart-acquisition-clv", "chart-acquisition-payback", "chart-rejected-rows",
               "chart-retention-projection", "chart-trial-conversion"]
# Optional marts (built by the engagement, email and NPS models when their
# sources exist) and the section and charts each one gives.
OPTIONAL_CHARTS = {
    "fct_daily_active_users": ("active-users", ["chart-active-users"]),
    "fct_engagement": ("engagement", ["chart-engagement-users", "chart-stickiness"]),
    "fct_power_user_curve": ("power-users", ["chart-power-user-curve"]),
    "fct_user_retention": ("user-retention", ["chart-user-retention-curve", "chart-user-retention-cohorts"]),
    "fct_email_engagement": ("email", ["chart-email"]),
    "fct_nps": ("nps", ["chart-nps"]),
}
# What an orders-only shop has no data for, and the charts it still gets.
ORDERS_ONLY_MISSING = {"tiles-customers-subscriptions", "tiles-subscription-revenue", "mrr", "revenue-retention",
                       "churn-subscriptions", "cohorts-subscriptions", "acquisition-clv", "segments",
                       "retention-projection", "trial-conversion",
                       *(section for section, _ in OPTIONAL_CHARTS.values())}
ORDERS_ONLY_CHARTS = ["chart-customer-churn", "chart-cohort-orders", "chart-order-volume", "chart-order-rates",
                      "chart-clv-distribution", "chart-rejected-rows"]


def write_report(warehouse: Path, output: Path, *args: str) -> str:
    run = subprocess.run([sys.executable, "-m", "retention_app.report", "--warehouse", str(warehouse), "--output", str(output), *args],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert str(output) in run.stdout
    return output.read_text(encoding="utf-8")


def copy_of(warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    return copy


class TileParser(HTMLParser):
    """Collects each tile's data attributes and the text of its parts (label, value,
    change, note), each tile with the id of the group it is in, in page order."""

    PARTS = {"tile-label": "label", "tile-value": "shown", "tile-change": "change", "tile-note": "note"}

    def __init__(self) -> None:
        super().__init__()
        self.tiles: list[dict[str, str]] = []
        self.group_notes: dict[str, str] = {}
        self._group = ""
        self._part: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "tile-group" in classes:
            self._group = attributes.get("data-group") or ""
        if "tile" in classes:
            self.tiles.append({**{k: v or "" for k, v in attributes.items()}, "group": self._group})
        self._part = next((self.PARTS[c] for c in classes if c in self.PARTS), None)
        if "group-note" in classes:
            self._part = "group-note"

    def handle_endtag(self, tag):
        if tag in ("div", "p"):
            self._part = None

    def handle_data(self, data):
        if self._part == "group-note":
            self.group_notes[self._group] = self.group_notes.get(self._group, "") + data
        elif self._part:
            self.tiles[-1][self._part] = self.tiles[-1].get(self._part, "") + data


def parse_tiles(page: str) -> TileParser:
    parser = TileParser()
    parser.feed(page)
    return parser


def mart_value(warehouse: Path, mart: str, metric: str, basis: str, grain: str, before: object = None):
    """(period_start, value) of the last complete period (before `before`, if given), from the mart itself."""
    where = ["period_grain = ?", "is_complete_period"]
    params: list[object] = [grain]
    if basis:
        where.append("basis = ?")
        params.append(basis)
    if before is not None:
        where.append("period_start < ?")
        params.append(before)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        start = con.execute(f"select max(period_start) from main.{mart} where {' and '.join(where)}",
                            params).fetchall()[0][0]
        value = con.execute(f"select {metric} from main.{mart} where {' and '.join(where)} and period_start = ?",
                            [*params, start]).fetchall()[0][0]
    return start, value


def same(attribute: str, value) -> bool:
    """The tile's data attribute holds exactly the mart's value."""
    if value is None:
        return attribute == ""
    if isinstance(value, Decimal):
        return Decimal(attribute) == value
    return float(attribute) == value


def shown_number(shown: str, currency: str = "USD") -> float:
    """A tile's displayed number, without its currency code and thousands separators."""
    return float(shown.removeprefix(f"{currency} ").replace(",", "").removesuffix("%"))


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_tiles_equal_the_marts(demo_warehouse, tmp_path, grain):
    page = write_report(demo_warehouse.path, tmp_path / "report.html", "--grain", grain)
    tiles = {(t["data-metric"], t["data-basis"]): t for t in parse_tiles(page).tiles}
    assert set(tiles) == set(TILES)
    for (metric, basis), mart in TILES.items():
        tile = tiles[(metric, basis)]
        assert tile["data-mart"] == mart
        own = TILE_GRAINS.get((metric, basis), grain)
        assert tile["data-grain"] == own, (metric, tile["data-grain"])
        start, value = mart_value(demo_warehouse.path, mart, metric, basis, own)
        previous_start, previous = mart_value(demo_warehouse.path, mart, metric, basis, own, before=start)
        assert value is not None, f"the demo's last complete {own} has a {metric}"
        assert tile["data-period-start"] == start.isoformat(), (metric, basis)
        assert same(tile["data-value"], value), (metric, basis, tile["data-value"], value)
        assert tile["data-previous-period-start"] == previous_start.isoformat(), (metric, basis)
        assert same(tile["data-previous-value"], previous), (metric, basis, tile["data-previous-value"], previous)
        # What a reader sees is the same number, rounded for display; money with its currency.
        shown = tile["shown"]
        if (metric, basis) in MONEY_TILES:
            assert shown.startswith("USD ") and tile["data-currency"] == "USD", (metric, shown)
            assert tile["change"].startswith("USD "), (metric, tile["change"])
        else:
            assert "USD" not in shown and tile["data-currency"] == ""
        if shown.endswith("%"):
            assert abs(shown_number(shown) / 100 - float(value)) <= 0.0005 + 1e-12, (metric, basis, shown, value)
        else:
            assert abs(shown_number(shown) - float(value)) <= 0.005 + 1e-9, (metric, basis, shown, value)


def test_tiles_say_what_they_count(demo_warehouse, tmp_path):
    """Per basis the retained share sits beside churn (the two make 100%), then CRR with
    one line on what it counts beyond the retained share; the orders window is stated."""
    parsed = parse_tiles(write_report(demo_warehouse.path, tmp_path / "report.html"))
    for basis in ("orders", "subscriptions"):
        group = [t for t in parsed.tiles if t["group"] == f"customers-{basis}"]
        assert [t["data-metric"] for t in group] == ["retained_customer_rate", "customer_churn_rate",
                                                     "customer_retention_rate"]
        retained, churn, crr = group
        assert abs(shown_number(retained["shown"]) + shown_number(churn["shown"]) - 100) <= 0.11
        assert "of the" in retained["note"] and "customers at the start" in retained["note"]
        assert crr["label"].startswith("Customer retention rate, CRR")
        assert crr["note"].startswith("CRR = (customers at end − new) / at start")
        _, reactivated = mart_value(demo_warehouse.path, "fct_customer_retention", "reactivated_customers", basis,
                                    "month")
        if reactivated:
            assert f"counts the {reactivated:,} reactivated" in crr["note"], crr["note"]
    assert "a counted order in the trailing month" in parsed.group_notes["customers-orders"]
    # The unit economics: what ARPA, ARR and lifetime value are, and what lifetime value assumes.
    revenue = [t for t in parsed.tiles if t["group"] == "subscription-revenue"]
    assert [t["data-metric"] for t in revenue][-3:] == ["average_revenue_per_account", "annual_run_rate",
                                                        "lifetime_value"]
    assert "ARR 12 × MRR at the end" in parsed.group_notes["subscription-revenue"]
    assert revenue[-1]["note"].startswith("ARPA / the month's customer churn rate")


def test_currency_window_and_horizon_are_stated(demo_warehouse, tmp_path):
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    assert "Money in <strong>USD</strong> (read from the warehouse" in page
    assert "window W = one month, the default" in page and "the marts confirm it" in page
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        horizon, unit = con.execute("select max(horizon), max(time_unit) from main.fct_customer_clv").fetchall()[0]
        end = con.execute("select max(calibration_end_date) from main.fct_clv_model_parameters").fetchall()[0][0]
    assert f"the next {float(horizon):g} {unit}s after {end.isoformat()}" in page
    assert "median USD " in page and "mean USD " in page

    page = write_report(demo_warehouse.path, tmp_path / "euro.html", "--currency", "eur", "--orders-window-days", "45")
    money = [t for t in parse_tiles(page).tiles if t["data-currency"]]
    assert money and all(t["shown"].startswith("EUR ") and t["data-currency"] == "EUR" for t in money)
    own = page[:page.index("<script>")] + page[page.index("</script>"):]  # without the inlined plotly.js
    assert "as --currency says" in own and "USD" not in own and "median EUR " in own
    assert "a counted order in the last 45 days" in page

    # A build whose orders window is not one month, and a report not told which it is.
    warehouse = copy_of(demo_warehouse.path, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update main.fct_order_metrics set ordering_customers = ordering_customers + 1"
                    " where period_grain = 'month' and period_start = (select min(period_start)"
                    " from main.fct_order_metrics)")
    page = write_report(warehouse, tmp_path / "window.html")
    assert "pass --orders-window-days to state it" in page


def test_clv_fit_flags(demo_warehouse, tmp_path):
    """A fit at a boundary, one that did not converge and one not fitted are each flagged."""
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        messages = dict(con.execute("select model, max(fit_message) from main.fct_clv_model_parameters"
                                    " group by model").fetchall())
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    for model, message in messages.items():
        assert (f'data-flag="clv-boundary" data-model="{model}"' in page) == ("at the boundary" in message), model

    warehouse = copy_of(demo_warehouse.path, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update main.fct_clv_model_parameters set fit_message = 'converged: largest score 1e-08; at the"
                    " boundary: a and b grow together without lowering the likelihood' where model = 'bg_nbd'")
        con.execute("update main.fct_clv_model_parameters set converged = false, fit_message = 'not converged:"
                    " still improving after 20 passes' where model = 'gamma_gamma'")
        con.execute("update main.fct_customer_clv set expected_average_order_value = null, predicted_clv = null")
    page = write_report(warehouse, tmp_path / "flags.html")
    assert 'data-flag="clv-boundary" data-model="bg_nbd"' in page
    assert 'data-flag="clv-not-converged" data-model="gamma_gamma"' in page
    assert "still improving after 20 passes" in page
    assert 'id="clv"' in page and 'id="chart-clv-distribution"' not in page  # flagged, with no predictions

    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from main.fct_clv_model_parameters where model = 'gamma_gamma'")
    page = write_report(warehouse, tmp_path / "unfitted.html")
    assert 'data-flag="clv-not-fitted" data-model="gamma_gamma"' in page


def small_sample_periods(warehouse: Path, mart: str, count: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [row[0].isoformat() for row in con.execute(
            f"select period_start from main.{mart} where period_grain = 'month' and {count} > 0 and {count} < ?"
            " order by period_start", [SMALL]).fetchall()]


def test_small_samples_are_marked(demo_warehouse, tmp_path):
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    for kind, mart, count in (("email", "fct_email_engagement", "deliveries"), ("nps", "fct_nps", "responses")):
        periods = small_sample_periods(demo_warehouse.path, mart, count)
        assert periods, f"the demo has a {kind} month with fewer than {SMALL} {count}"
        assert f'data-small-sample="{kind}" data-periods="{",".join(periods)}"' in page
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        for basis in ("orders", "subscriptions"):
            cohorts = [row[0].isoformat() for row in con.execute(
                "select distinct cohort_period_start from main.fct_cohort_retention where basis = ?"
                " and period_grain = 'month' and cohort_customers < ? order by 1", [basis, SMALL]).fetchall()]
            assert f'data-small-sample="cohorts-{basis}" data-periods="{",".join(cohorts)}"' in page
    # One threshold, as an argument: 1 leaves nothing small.
    page = write_report(demo_warehouse.path, tmp_path / "none.html", "--min-sample", "1")
    assert "data-small-sample=" not in page


def test_month_zero_of_subscription_cohorts_is_explained(demo_warehouse, tmp_path):
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        below = con.execute("select count(*) from main.fct_cohort_retention where basis = 'subscriptions'"
                            " and period_grain = 'month' and periods_since_first = 0 and retention_rate < 1"
                            ).fetchall()[0][0]
    assert f'data-basis="subscriptions" data-below-full="{below}"' in page
    assert "is counted at the end of the cohort's first month" in page
    if below:
        assert "started and cancelled within their first month" in page


def test_acquisition_clv_by_channel(demo_warehouse, tmp_path):
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        channels = {row[0] for row in con.execute(
            "select distinct acquisition_channel from main.fct_acquisition_clv").fetchall()}
    assert channels and 'id="chart-acquisition-clv"' in page
    for channel in channels:
        assert f'<tr data-channel="{channel}"' in page
    assert 'id="acquisition-clv-table" data-currency="USD"' in page


class TablesParser(HTMLParser):
    """Every table of a page, in page order: its attributes and its rows that carry data attributes
    (their attributes and cells' text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._table: dict | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "table":
            self._table = {**attributes, "rows": []}
            self.tables.append(self._table)
        elif tag == "tr" and self._table is not None and any(k.startswith("data-") for k in attributes):
            self._table["rows"].append({**attributes, "cells": []})
        elif tag == "td" and self._table is not None and self._table["rows"]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._table["rows"][-1]["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(page: str) -> list[dict]:
    parser = TablesParser()
    parser.feed(page)
    return parser.tables


@dataclass
class Figures:
    """One table by id: its attributes and its rows."""
    attributes: dict[str, str]
    rows: list[dict]


def figures(page: str, table_id: str) -> Figures:
    found = [table for table in page_tables(page) if table.get("id") == table_id]
    if not found:
        return Figures({}, [])
    attributes = {k: v for k, v in found[0].items() if k != "rows"}
    return Figures(attributes, found[0]["rows"])


def exactly(attribute: str, value) -> bool:
    """A data attribute holds the mart's value: exact for integers and money, to the last bit for ratios."""
    if value is None:
        return attribute == ""
    if isinstance(value, (int, Decimal)):
        return Decimal(attribute) == value
    return float(attribute) == float(value)


def test_acquisition_payback_equals_the_mart(demo_warehouse, tmp_path):
    """CAC and months to payback of every acquisition month and channel of the last 24 months, as the mart holds
    them ('not yet' while a cohort has not paid back), under a heatmap; a mart without the columns keeps the
    channel chart and names the payback in the No data line."""
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        rows = con.execute(
            "select acquisition_month, acquisition_channel, acquired_customers, customer_acquisition_cost,"
            " months_to_payback from main.fct_acquisition_clv where acquisition_month >= (select min(m) from"
            " (select distinct acquisition_month as m from main.fct_acquisition_clv order by 1 desc limit 24))"
            " order by 1, 2").fetchall()
    assert any(r[4] is None and r[2] for r in rows) and any(r[4] is not None for r in rows), "the demo has both"
    assert 'id="chart-acquisition-payback"' in page and 'data-definition="months-to-payback"' in page
    table = figures(page, "acquisition-payback-table")
    assert table.attributes["data-currency"] == "USD"
    shown = {(r["data-acquisition-month"], r["data-channel"]): r for r in table.rows}
    assert len(shown) == len(table.rows) == len(rows)
    for month, channel, customers, cac, payback in rows:
        row = shown[(month.isoformat(), channel)]
        assert exactly(row["data-acquired-customers"], customers), (month, channel)
        assert exactly(row["data-customer-acquisition-cost"], cac), (month, channel, row, cac)
        assert exactly(row["data-months-to-payback"], payback), (month, channel, row, payback)
        assert row["cells"][-1] == ("–" if not customers else "not yet" if payback is None else str(payback))
        assert row["cells"][-2] == ("–" if cac is None else f"USD {cac:,.2f}")
        assert ("small" in row.get("class", "")) == (0 < customers < SMALL)

    warehouse = copy_of(demo_warehouse.path, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table main.fct_acquisition_clv drop column months_to_payback")
    page = write_report(warehouse, tmp_path / "old.html")
    line = page[page.index('<section id="no-data"'):]
    assert 'data-item="acquisition-payback"' in line and "has no column <code>months_to_payback</code>" in line
    assert 'id="chart-acquisition-clv"' in page and 'id="chart-acquisition-payback"' not in page


def trial_rows(warehouse: Path, grain: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select period_start, trials_started, converted_customers, trial_to_paid_rate_30_days,"
            " trial_to_paid_rate_90_days, trial_to_paid_rate, is_conversion_window_complete"
            " from main.fct_trial_conversion where period_grain = ? order by period_start", [grain]).fetchall()


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_trial_conversion_equals_the_mart(demo_warehouse, tmp_path, grain):
    """The last 12 periods' trials and 30-day, 90-day and to-date rates as the mart holds them; every period whose
    90-day window is open named in the note and marked in the table."""
    page = write_report(demo_warehouse.path, tmp_path / "report.html", "--grain", grain)
    rows = trial_rows(demo_warehouse.path, grain)
    open_periods = [r[0].isoformat() for r in rows if not r[6]]
    assert open_periods and len(open_periods) < len(rows), "the demo has open and closed conversion windows"
    assert 'id="chart-trial-conversion"' in page
    assert f'data-conversion-window="open" data-periods="{",".join(open_periods)}"' in page
    table = figures(page, "trial-conversion-table")
    assert table.attributes["data-grain"] == grain
    recent = rows[-12:]
    assert [r["data-period-start"] for r in table.rows] == [r[0].isoformat() for r in recent]
    for row, (start, trials, converted, rate_30, rate_90, rate, complete) in zip(table.rows, recent):
        assert exactly(row["data-trials-started"], trials) and exactly(row["data-converted-customers"], converted)
        assert exactly(row["data-trial-to-paid-rate-30-days"], rate_30), (start, row)
        assert exactly(row["data-trial-to-paid-rate-90-days"], rate_90), (start, row)
        assert exactly(row["data-trial-to-paid-rate"], rate), (start, row)
        assert row["data-window-complete"] == ("true" if complete else "false")
        assert ("open" in row.get("class", "").split()) == (not complete)
        assert row["cells"][-1] == ("complete" if complete else "open")
        assert row["cells"][6] == ("–" if rate_90 is None else f"{rate_90 * 100:.1f}%")
    assert any(r[3] is not None for r in recent), "the demo's recent periods have rates to compare"


def test_projection_per_segment_equals_the_marts(demo_warehouse, tmp_path):
    """The per-segment table under the projected-retention chart: one row per segment of the month grain,
    with the mart's projection_status where it is not projected. The demo's segments are all under 100
    customers, so one is made projected by hand (a fit in fct_clv_model_parameters and S(t) on its rows):
    its fitted churn after the first month is alpha / (alpha + beta) and its S(t) the mart's."""
    warehouse = copy_of(demo_warehouse.path, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update main.fct_retention_projection_by_segment set projection_status = 'projected',"
                    " projected_survival_rate = 1.0 / (1 + periods_since_first)"
                    " where period_grain = 'month' and segment_dimension = 'plan' and segment_value = 'pro_monthly'")
        for name, value in (("alpha", 0.5), ("beta", 1.5)):
            con.execute("insert into main.fct_clv_model_parameters (model, parameter, value, customers,"
                        " excluded_customers, converged, fit_message, time_unit, segment_dimension, segment_value)"
                        " values ('shifted_beta_geometric_month', ?, ?, 21, 0, true, 'converged', 'month', 'plan',"
                        " 'pro_monthly')", [name, value])
        segments = con.execute(
            "select segment_dimension, segment_value, max(segment_fit_customers), max(projection_status),"
            " max(periods_since_first) from main.fct_retention_projection_by_segment where period_grain = 'month'"
            " group by all order by 1, 2").fetchall()
    page = write_report(warehouse, tmp_path / "report.html", "--grain", "month")
    table = figures(page, "projection-segments-table")
    assert table.attributes["data-grain"] == "month"
    assert [(r["data-segment-dimension"], r["data-segment-value"]) for r in table.rows] == [s[:2] for s in segments]
    horizon = next(s[4] for s in segments if s[3] == "projected")
    for row, (dimension, value, customers, status, _) in zip(table.rows, segments):
        assert row["cells"][2] == f"{customers:,}"
        if status == "projected":
            assert row["data-projected"] == "true" and exactly(row["data-first-period-churn"], 0.5 / 2.0)
            assert exactly(row["data-survival-at-horizon"], 1.0 / (1 + horizon)) and row["data-horizon"] == str(horizon)
            assert row["cells"][5] == ""
        else:
            assert row["data-projected"] == "false" and row["data-first-period-churn"] == ""
            assert row["cells"][5] == status and status.startswith("not projected: too little data")
    # the company's fit is not overwritten by a segment's
    assert "alpha = 0.5," not in page


def test_trial_conversion_without_trials(demo_warehouse, tmp_path):
    """No trials (an empty mart), or no mart: the section goes into the No data line."""
    warehouse = copy_of(demo_warehouse.path, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from main.fct_trial_conversion")
    page = write_report(warehouse, tmp_path / "empty.html")
    line = page[page.index('<section id="no-data"'):]
    assert 'data-item="trial-conversion"' in line and "<code>fct_trial_conversion</code> has no rows" in line
    assert 'id="trial-conversion"' not in page and 'id="chart-trial-conversion"' not in page
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table main.fct_trial_conversion")
    page = write_report(warehouse, tmp_path / "absent.html")
    assert "<code>fct_trial_conversion</code> is not in the warehouse" in page and 'id="trial-conversion"' not in page
    for chart in CORE_CHARTS:
        assert f'id="{chart}"' in page or chart == "chart-trial-conversion"


def test_user_retention_equals_the_mart(demo_warehouse, tmp_path):
    """Day 1, 7, 30, week 1, 4 and month 1, 3, 12: the sums of the mart's cohort rows whose k-th period is
    complete, and the rates of those sums (which differ from the mean of the cohorts' rates)."""
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    assert 'id="chart-user-retention-curve"' in page and 'id="chart-user-retention-cohorts"' in page
    table = figures(page, "user-retention-table")
    assert [(r["data-grain"], r["data-k"]) for r in table.rows] == [
        ("day", "1"), ("day", "7"), ("day", "30"), ("week", "1"), ("week", "4"), ("month", "1"), ("month", "3"),
        ("month", "12")]
    means_differ = 0
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        for row in table.rows:
            cohorts, users, returned, later, mean = con.execute(
                "select count(*), sum(cohort_users), sum(returned_users), sum(returned_or_later_users),"
                " avg(retention_rate) from main.fct_user_retention where period_grain = ? and periods_since_first"
                " = ? and is_complete_period", [row["data-grain"], int(row["data-k"])]).fetchall()[0]
            assert cohorts > 0, row
            assert int(row["data-cohorts"]) == cohorts and int(row["data-cohort-users"]) == users
            assert int(row["data-returned-users"]) == returned and int(row["data-returned-or-later-users"]) == later
            assert float(row["data-retention-rate"]) == returned / users
            assert float(row["data-unbounded-retention-rate"]) == later / users
            assert row["cells"][3] == f"{returned / users * 100:.1f}%"
            means_differ += abs(mean - returned / users) > 1e-6
    assert means_differ, "the demo tells a pooled rate from a mean of cohort rates"


# -- retention by segment -------------------------------------------------------------------

def segment_row(value: str, start: int, churned: int, mrr: str, expansion: str = "0", contraction: str = "0",
                churned_mrr: str = "0") -> dict:
    """A row of fct_retention_by_segment as the report reads it, its rates from its own counts."""
    money = {"mrr_at_start": Decimal(mrr), "expansion_mrr": Decimal(expansion),
             "contraction_mrr": Decimal(contraction), "churned_mrr": Decimal(churned_mrr)}
    base = money["mrr_at_start"]
    return {"segment_value": value, "customers_at_start": start, "churned_customers": churned,
            "retained_customers": start - churned, **money,
            "customer_churn_rate": churned / start if start else None,
            "retained_customer_rate": (start - churned) / start if start else None,
            "net_revenue_retention": float(base + money["expansion_mrr"] - money["contraction_mrr"]
                                           - money["churned_mrr"]) / float(base) if base else None}


def test_other_segment_is_computed_from_sums(report):
    """Other's rates come from its summed counts and MRR: X (2 customers, both churned, its
    MRR 100 gone) and Y (98 customers, none churned, 900 MRR growing by 90) average to
    churn 50% and NRR 55%; together they are 2 of 100 churned and (1,000 + 90 - 100) / 1,000."""
    named = [segment_row(value, start, 0, "1000") for value, start in
             (("A", 500), ("B", 400), ("C", 300), ("D", 200), ("E", 150), ("F", 120))]
    x = segment_row("X", 2, 2, "100", churned_mrr="100")
    y = segment_row("Y", 98, 0, "900", expansion="90")
    rows = [x, *named, y]
    assert report.top_segments(rows, 6) == ["A", "B", "C", "D", "E", "F"]
    segments = report.group_segments(rows, report.top_segments(rows, 6), 30)
    assert [s.label for s in segments] == ["A", "B", "C", "D", "E", "F", "Other"]
    other = segments[-1]
    assert other.grouped and sorted(other.members) == ["X", "Y"]
    assert other.sums["customers_at_start"] == 100 and other.sums["churned_customers"] == 2
    averaged = {c: (x[c] + y[c]) / 2 for c in ("customer_churn_rate", "retained_customer_rate",
                                               "net_revenue_retention")}
    assert averaged == pytest.approx({"customer_churn_rate": 0.5, "retained_customer_rate": 0.5,
                                      "net_revenue_retention": 0.55})
    assert other.rates == pytest.approx({"customer_churn_rate": 0.02, "retained_customer_rate": 0.98,
                                         "net_revenue_retention": 0.99})
    # A named segment keeps the mart's own rates; one left over is named rather than an Other of one.
    assert segments[0].rates["net_revenue_retention"] == 1.0 and not segments[0].grouped
    assert report.top_segments(rows[:7], 6) == ["A", "B", "C", "D", "E", "F", "X"]
    # No customers or no MRR at the start: no rate, as the marts' safe_divide.
    empty = report.combine("Other", [segment_row("Z", 0, 0, "0"), segment_row("W", 0, 0, "0")], 30, grouped=True)
    assert empty.rates == {"customer_churn_rate": None, "retained_customer_rate": None,
                           "net_revenue_retention": None}
    # A grouped row of the orders basis has no MRR, so no NRR.
    orders = [{**segment_row(v, 40, 4, "0"), **dict.fromkeys(["mrr_at_start", "expansion_mrr", "contraction_mrr",
                                                              "churned_mrr", "net_revenue_retention"])}
              for v in ("P", "Q")]
    assert report.combine("Other", orders, 30, grouped=True).rates == {
        "customer_churn_rate": 0.1, "retained_customer_rate": 0.9, "net_revenue_retention": None}


def test_small_segments_are_marked(report):
    """Below --min-sample customers at the start (but some) is small; Other's size is its sum (a and b:
    29, small; with tiny: 32, not small, though each member is)."""
    rows = [segment_row("big", 30, 3, "300"), segment_row("tiny", 3, 1, "30"), segment_row("none", 0, 0, "0"),
            segment_row("a", 10, 0, "10"), segment_row("b", 19, 0, "10")]
    segments = {s.label: s for s in report.group_segments(rows, ["big", "tiny", "none"], 30)}
    assert {label: s.small for label, s in segments.items()} == {"big": False, "tiny": True, "none": False,
                                                                 "Other": True}
    assert not report.group_segments(rows, ["big", "tiny", "none"], 3)[1].small  # 3 of at least 3
    assert {s.label: s.small for s in report.group_segments(rows, ["big"], 30)} == {"big": False, "Other": False}
    page = report.Page("month", min_sample=30)
    html = report.segment_row(segments["tiny"], page, nrr=True)
    assert 'class="small"' in html and 'data-small="true"' in html and "<td>3</td>" in html
    assert 'class="small"' not in report.segment_row(segments["big"], page, nrr=True)
    # A named segment called Other leaves the grouped rest another label.
    assert report.group_segments([segment_row("Other", 5, 0, "1"), *rows], ["Other"], 30)[-1].label == "All other"


def segment_tables(page: str) -> dict[str, dict]:
    """The segments section's tables: per dimension, its attributes and its segment rows."""
    return {table["data-dimension"]: {**table, "rows": [row for row in table["rows"] if "data-segment" in row]}
            for table in page_tables(page) if "segments" in table.get("class", "").split()}


def mart_segments(warehouse: Path, basis: str = "subscriptions") -> tuple[object, list[dict]]:
    """The last complete month of fct_retention_by_segment on `basis` and its rows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = con.execute("select max(period_start) from main.fct_retention_by_segment where basis = ? and"
                           " period_grain = 'month' and is_complete_period", [basis]).fetchall()[0][0]
        cursor = con.execute("select * from main.fct_retention_by_segment where basis = ? and period_grain = 'month'"
                             " and period_start = ?", [basis, last])
        names = [d[0] for d in cursor.description]
        return last, [dict(zip(names, row)) for row in cursor.fetchall()]


def test_segments_section_equals_the_mart(demo_warehouse, tmp_path):
    """Per dimension (plan, channel, country, on the subscriptions basis) a table of the last
    complete month: each segment's numbers as the mart holds them, largest first, the small
    ones grey and listed, and an All customers row equal to the company-level marts."""
    last, rows = mart_segments(demo_warehouse.path)
    page = write_report(demo_warehouse.path, tmp_path / "report.html")
    main = page[page.index("<main>"):]
    assert main.index('<section id="customer-churn">') < main.index('<section id="segments">')
    assert 'data-definition="segments-basis" data-basis="subscriptions"' in page
    tables = segment_tables(page)
    assert list(tables) == SEGMENT_DIMENSIONS
    with duckdb.connect(str(demo_warehouse.path), read_only=True) as con:
        company = con.execute("select c.customers_at_start, c.churned_customers, c.customer_churn_rate,"
                              " r.mrr_at_start, r.net_revenue_retention from main.fct_customer_retention c"
                              " join main.fct_revenue_retention r using (period_grain, period_start)"
                              " where c.basis = 'subscriptions' and c.period_grain = 'month'"
                              " and c.period_start = ?", [last]).fetchall()[0]
    for dimension, table in tables.items():
        assert table["data-basis"] == "subscriptions" and table["data-period-start"] == last.isoformat()
        assert table["data-currency"] == "USD"
        mart = {r["segment_value"]: r for r in rows if r["segment_dimension"] == dimension}
        assert len(mart) <= 7, "the demo names every segment"
        shown = [r for r in table["rows"] if "total" not in r.get("class", "")]
        assert {r["data-segment"] for r in shown} == set(mart)
        starts = [int(r["data-customers-at-start"]) for r in shown]
        assert starts == sorted(starts, reverse=True)
        for row in shown:
            expected = mart[row["data-segment"]]
            assert int(row["data-customers-at-start"]) == expected["customers_at_start"]
            assert row["cells"][1] == f"{expected['customers_at_start']:,}"  # the size beside the rates
            for column in ("customer_churn_rate", "retained_customer_rate", "net_revenue_retention"):
                assert same(row[f"data-{column.replace('_', '-')}"], expected[column]), (dimension, row, column)
            assert Decimal(row["data-mrr-at-start"]) == expected["mrr_at_start"]
            small = 0 < expected["customers_at_start"] < SMALL
            assert (row["data-small"] == "true") == small and ("small" in row.get("class", "").split()) == small
            assert row["cells"][-2].startswith("USD ")  # MRR at start, beside NRR
        everyone = table["rows"][-1]
        assert everyone["data-segment"] == "All customers" and "total" in everyone["class"]
        assert (int(everyone["data-customers-at-start"]), int(everyone["data-churned-customers"])) == company[:2]
        assert float(everyone["data-customer-churn-rate"]) == pytest.approx(company[2], rel=1e-12)
        assert Decimal(everyone["data-mrr-at-start"]) == company[3]
        assert float(everyone["data-net-revenue-retention"]) == pytest.approx(company[4], rel=1e-12)
        small = [r["data-segment"] for r in shown if r["data-small"] == "true"]
        if small:
            assert f'data-small-sample="segments-{dimension}" data-segments="{",".join(small)}"' in page
    assert "starter_weekly" in {r["data-segment"] for r in tables["plan"]["rows"] if r["data-small"] == "true"}


def test_segments_group_the_rest_from_sums(demo_warehouse, tmp_path):
    """With --top-segments 2 each dimension names its two largest segments; Other holds the
    rest with rates from the summed counts and MRR, which for the demo's countries is not the
    average of their rates."""
    last, rows = mart_segments(demo_warehouse.path)
    tables = segment_tables(write_report(demo_warehouse.path, tmp_path / "report.html", "--top-segments", "2"))
    for dimension in SEGMENT_DIMENSIONS:
        mart = sorted((r for r in rows if r["segment_dimension"] == dimension),
                      key=lambda r: (-r["customers_at_start"], r["segment_value"]))
        table = tables[dimension]["rows"]
        assert [r["data-segment"] for r in table] == [mart[0]["segment_value"], mart[1]["segment_value"], "Other",
                                                      "All customers"]
        other, rest = table[2], mart[2:]
        assert "other" in other["class"].split() and other["cells"][0].startswith("Other")
        assert sorted(other["data-members"].split(",")) == sorted(r["segment_value"] for r in rest)
        start = sum(r["customers_at_start"] for r in rest)
        churned = sum(r["churned_customers"] for r in rest)
        mrr = sum(r["mrr_at_start"] for r in rest)
        kept = mrr + sum(r["expansion_mrr"] - r["contraction_mrr"] - r["churned_mrr"] for r in rest)
        assert int(other["data-customers-at-start"]) == start
        assert float(other["data-customer-churn-rate"]) == churned / start
        assert float(other["data-retained-customer-rate"]) == sum(r["retained_customers"] for r in rest) / start
        assert float(other["data-net-revenue-retention"]) == pytest.approx(float(kept) / float(mrr), rel=1e-12)
        assert (other["data-small"] == "true") == (start < SMALL)
    country = [r for r in sorted((r for r in rows if r["segment_dimension"] == "country"),
                                 key=lambda r: (-r["customers_at_start"], r["segment_value"]))][2:]
    averaged = sum(r["customer_churn_rate"] for r in country) / len(country)
    other = tables["country"]["rows"][2]
    assert abs(float(other["data-customer-churn-rate"]) - averaged) > 1e-3, "the demo tells sums from averages"


def test_segments_edge_cases(demo_warehouse, tmp_path):
    """Customer attribute dimensions follow the fixed ones (one with only (unknown) says so and
    has no trend); a shop without subscriptions gets churn on the orders basis; an empty or
    absent mart goes into the No data line."""
    warehouse = copy_of(demo_warehouse.path, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into main.fct_retention_by_segment select * replace ('region' as segment_dimension)"
                    " from main.fct_retention_by_segment where segment_dimension = 'country'")
        con.execute("insert into main.fct_retention_by_segment select * replace ('industry' as segment_dimension,"
                    " '(unknown)' as segment_value) from main.fct_retention_by_segment"
                    " where segment_dimension = 'country' and segment_value = 'US'")
    page = write_report(warehouse, tmp_path / "attributes.html")
    tables = segment_tables(page)
    assert list(tables) == [*SEGMENT_DIMENSIONS, "industry", "region"]
    assert [r["data-segment"] for r in tables["industry"]["rows"]] == ["(unknown)", "All customers"]
    industry = page[page.index('<div class="segment-dimension" data-dimension="industry"'):]
    industry = industry[:industry.index('<div class="segment-dimension"', 1)]
    assert 'data-dimension-note="no-values"' in industry and "is (unknown)" in industry
    assert 'id="chart-segments-industry"' not in page and 'id="chart-segments-region"' in page
    assert "By region" in page

    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from main.fct_retention_by_segment where basis = 'subscriptions'")
    page = write_report(warehouse, tmp_path / "orders.html")
    tables = segment_tables(page)
    assert "plan" not in tables and {t["data-basis"] for t in tables.values()} == {"orders"}
    assert all(len(r["cells"]) == 5 and r["data-net-revenue-retention"] == "" for t in tables.values()
               for r in t["rows"])
    assert 'data-definition="segments-basis" data-basis="orders"' in page
    assert 'data-item="segments-subscriptions"' in page and 'id="chart-segments-country"' in page

    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from main.fct_retention_by_segment")
    page = write_report(warehouse, tmp_path / "empty.html")
    line = page[page.index('<section id="no-data"'):]
    assert 'data-item="segments"' in line and "<code>fct_retention_by_segment</code> has no rows" in line
    assert 'id="segments"' not in page
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table main.fct_retention_by_segment")
    page = write_report(warehouse, tmp_path / "absent.html")
    assert "<code>fct_retention_by_segment</code> is not in the warehouse" in page and 'id="segments"' not in page


def test_unusable_optional_marts_collapse_into_one_line(demo_warehouse, tmp_path):
    """An empty optional mart and one short of a column are named, with why, in the
    one line at the end; the report still succeeds and draws every core chart."""
    warehouse = copy_of(demo_warehouse.path, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table if exists main.fct_nps")
        con.execute("create table main.fct_nps (period_grain varchar, period_start date, period_end date,"
                    " is_complete_period boolean, responses bigint, promoters bigint, passives bigint,"
                    " detractors bigint, net_promoter_score double, net_promoter_score_margin_of_error double)")
        con.execute("drop table if exists main.fct_email_engagement")
        con.execute("create table main.fct_email_engagement as select 'month' as period_grain,"
                    " date '2024-01-01' as period_start, 10 as sends")
    page = write_report(warehouse, tmp_path / "report.html")
    line = page[page.index('<section id="no-data"'):page.index("</main>")]
    assert "no NPS responses: <code>fct_nps</code> has no rows" in line
    assert "<code>fct_email_engagement</code> has no column <code>deliveries</code>" in line
    assert 'id="nps"' not in page and 'id="email"' not in page
    assert 'id="chart-nps"' not in page and 'id="chart-email"' not in page
    for chart in CORE_CHARTS:
        assert f'id="{chart}"' in page


@pytest.fixture
def report():
    """app/retention_app/report.py as a module, for its functions."""
    from retention_app import report as module
    return module


def test_target_goes_to_default_warehouse(report, monkeypatch, tmp_path):
    """--target NAME asks warehouse_file.default_warehouse for that target's file; with a
    default_warehouse that takes no target yet, only the default target works."""
    asked = []

    def with_target(target=None):
        asked.append(target)
        return tmp_path / f"{target or 'default'}.duckdb"

    monkeypatch.setattr(report, "default_warehouse", with_target)
    assert report.target_warehouse("ci") == tmp_path / "ci.duckdb"
    assert report.target_warehouse(None) == tmp_path / "default.duckdb"
    assert asked == ["ci", None]
    monkeypatch.setattr(report, "default_warehouse", lambda: tmp_path / "old.duckdb")
    assert report.target_warehouse(None) == tmp_path / "old.duckdb"
    with pytest.raises(SystemExit, match="--target ci needs default_warehouse"):
        report.target_warehouse("ci")


# -- an orders-only shop ------------------------------------------------------------------

@pytest.fixture(scope="module")
def orders_only_warehouse(demo_warehouse, tmp_path_factory) -> Path:
    """The demo's raw orders alone, in a raw schema of their own, built with dbt run."""
    warehouse = Warehouse(tmp_path_factory.mktemp("orders_only"))
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute(f"attach '{demo_warehouse.path}' as demo (read_only)")
        # The demo seeds' schema: the one holding a raw orders table (not a model's).
        schema = con.execute("select table_schema from information_schema.tables where table_catalog = 'demo'"
                             " and table_name = 'orders' and table_schema not like 'main%'").fetchall()[0][0]
        con.execute("create schema shop")
        con.execute(f'create table shop.orders as select * from demo."{schema}".orders')
    run = warehouse.dbt("run", vars={"raw_schema": "shop"})
    assert run.success, run.text
    return warehouse.path


def test_orders_only_shop_starts_with_its_numbers(orders_only_warehouse, tmp_path):
    page = write_report(orders_only_warehouse, tmp_path / "report.html")
    main = page[page.index("<main>"):page.index("</main>")]
    assert main.index('<section id="headline">') < main.index('<section id="customer-churn">')
    assert main.rstrip().endswith("</section>") and main.count('<section id="no-data"') == 1
    assert main.index('<section id="no-data"') > main.index('<section id="rejected">')
    line = main[main.index('<section id="no-data"'):]
    items = {part.split('"')[0] for part in line.split('data-item="')[1:]}
    assert items == ORDERS_ONLY_MISSING
    assert "no subscriptions:" in line and "no email sends:" in line and "no product events:" in line
    before = main[:main.index('<section id="no-data"')]
    assert "has no rows" not in before and "Not shown" not in before
    groups = [t["group"] for t in parse_tiles(page).tiles]
    assert groups[0] == "customers-orders" and set(groups) == {"customers-orders", "orders"}


# -- the browser test -----------------------------------------------------------------

def drop_optional_marts(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for table in OPTIONAL_CHARTS:
            con.execute(f"drop table if exists main.{table}")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"no chromium at {CHROMIUM}: run `bash lab/retention_lab/chromium.sh` (scripts/tasks.sh test does) or set "
                    "RETENTION_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def optional_marts_with_rows(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
        return {t for t in OPTIONAL_CHARTS if t in present
                and con.execute(f"select count(*) from main.{t}").fetchall()[0][0] > 0}


# What the page shows, read in the browser: the tiles' text by group, the CLV flags,
# the small-sample notes, the segment tables and the faint traces of the email, NPS and
# plan-segment charts.
READ_PAGE = """() => {
  const text = el => el ? el.innerText.trim() : '';
  const tiles = Array.from(document.querySelectorAll('.tile')).map(t => ({
    group: t.closest('.tile-group').dataset.group, metric: t.dataset.metric, basis: t.dataset.basis,
    currency: t.dataset.currency, label: text(t.querySelector('.tile-label')),
    value: text(t.querySelector('.tile-value')), change: text(t.querySelector('.tile-change')),
    note: text(t.querySelector('.tile-note')), visible: t.getBoundingClientRect().width > 0}));
  const flags = Array.from(document.querySelectorAll('#clv .flag, #retention-projection .flag')).map(f => ({
    flag: f.dataset.flag, model: f.dataset.model, text: text(f), visible: f.getBoundingClientRect().height > 0}));
  const samples = Object.fromEntries(Array.from(document.querySelectorAll('.sample-note')).map(
    n => [n.dataset.smallSample, {periods: n.dataset.periods, text: text(n)}]));
  const traces = {};
  for (const id of ['chart-email', 'chart-nps', 'chart-segments-plan']) {
    const el = document.getElementById(id);
    if (el && el.data) traces[id] = el.data.map(t => ({name: t.name, x: t.x, y: t.y, opacity: t.opacity}));
  }
  const segments = Array.from(document.querySelectorAll('#segments table.segments')).map(t => ({
    dimension: t.dataset.dimension, basis: t.dataset.basis, visible: t.getBoundingClientRect().width > 0,
    heading: text(t.closest('.segment-dimension').querySelector('h3')),
    headers: Array.from(t.querySelectorAll('th')).map(h => text(h)),
    rows: Array.from(t.querySelectorAll('tbody tr')).map(r => ({
      segment: r.dataset.segment, start: r.dataset.customersAtStart, small: r.dataset.small,
      cells: Array.from(r.cells).map(c => text(c)), colour: getComputedStyle(r.cells[1]).color}))}));
  const sections = Array.from(document.querySelectorAll('main > section')).map(s => s.id);
  const noData = Array.from(document.querySelectorAll('#no-data .no-data-item')).map(i => i.dataset.item);
  const topNotes = Array.from(document.querySelectorAll('main > section')).filter(
    s => s.querySelector(':scope > p.note')).map(s => s.id);
  return {tiles, flags, samples, traces, segments, sections, noData, topNotes,
          reading: text(document.getElementById('reading')),
          windowNote: text(document.querySelector('#trial-conversion .window-note')),
          cohortNote: text(document.querySelector('.cohort-note[data-basis="subscriptions"]'))};
}"""


def label(period: str) -> str:
    """report.py's month label of an ISO date."""
    from datetime import date

    return date.fromisoformat(period).strftime("%b %Y")


@pytest.mark.parametrize("variant", ["demo", "without_optional_marts", "orders_only"])
def test_report_renders_in_chromium(demo_warehouse, tmp_path, browser, variant, request):
    if variant == "orders_only":
        warehouse = copy_of(request.getfixturevalue("orders_only_warehouse"), tmp_path)
    else:
        warehouse = copy_of(demo_warehouse.path, tmp_path)
    if variant == "without_optional_marts":
        drop_optional_marts(warehouse)
    with_rows = optional_marts_with_rows(warehouse)
    if variant == "demo":
        assert with_rows == set(OPTIONAL_CHARTS)  # the demo data feeds every optional mart
    report = tmp_path / "report.html"
    write_report(warehouse, report)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    page.on("request", lambda request: None if request.url.startswith(("file:", "data:", "blob:", "about:"))
            else outside.append(request.url))
    try:
        page.goto(report.as_uri())
        page.wait_for_function("window.reportRendered !== undefined", timeout=60_000)
        assert page.evaluate("window.reportRendered") is True, errors
        charts = page.evaluate("""() => Array.from(document.querySelectorAll('.chart')).map(el => {
            const box = el.getBoundingClientRect();
            const marks = el.querySelectorAll('svg.main-svg g.trace path, svg.main-svg g.hm image').length;
            const canvases = Array.from(el.querySelectorAll('canvas')).filter(c => c.width > 0 && c.height > 0);
            return {id: el.id, width: box.width, height: box.height, marks: marks, canvases: canvases.length,
                    svgs: el.querySelectorAll('svg.main-svg').length};
        })""")
        incomplete_labels = page.locator(".chart .annotation-text", has_text="incomplete").count()
        shown = page.evaluate(READ_PAGE)
        screenshot = SCREENSHOTS / {"demo": "report_screenshot.png",
                                    "without_optional_marts": "report_screenshot_without_optional_marts.png",
                                    "orders_only": "report_screenshot_orders_only.png"}[variant]
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        print(f"screenshot: {screenshot}")
    finally:
        page.close()

    if variant == "orders_only":
        expected, missing = list(ORDERS_ONLY_CHARTS), set(ORDERS_ONLY_MISSING)
    else:
        expected, missing = list(CORE_CHARTS), set()
        for table, (section, chart_ids) in OPTIONAL_CHARTS.items():
            if table in with_rows:
                expected += chart_ids
            else:
                missing.add(section)
    assert sorted(c["id"] for c in charts) == sorted(expected)
    for chart in charts:
        assert chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["svgs"] > 0 and (chart["marks"] > 0 or chart["canvases"] > 0), chart
    assert incomplete_labels > 0  # the demo's last month is incomplete, and charts say so
    assert errors == []
    assert outside == []

    # Sections without data: no notes at the top of sections, one line at the end.
    assert shown["topNotes"] == []
    assert set(shown["noData"]) == missing
    if missing:
        assert shown["sections"][-1] == "no-data"
    else:
        assert "no-data" not in shown["sections"]
    assert shown["sections"][0] == "headline"

    # The tiles' text: the retained share beside churn, CRR's line, currency on money.
    tiles = shown["tiles"]
    assert all(t["visible"] for t in tiles)
    assert "Money in USD" in shown["reading"] and "trailing month" in shown["reading"]
    bases = ["orders"] if variant == "orders_only" else ["orders", "subscriptions"]
    for basis in bases:
        group = [t for t in tiles if t["group"] == f"customers-{basis}"]
        assert [t["metric"] for t in group] == ["retained_customer_rate", "customer_churn_rate",
                                                "customer_retention_rate"]
        retained, churn, crr = group
        assert retained["label"] == f"Retained share of customers ({basis})"
        assert abs(shown_number(retained["value"]) + shown_number(churn["value"]) - 100) <= 0.11
        assert crr["note"].startswith("CRR = (customers at end − new) / at start")
    money = [t for t in tiles if t["currency"]]
    assert {t["metric"] for t in money} == ({"average_order_value"} if variant == "orders_only"
                                            else {"average_order_value", "mrr_at_end", "average_revenue_per_account",
                                                  "annual_run_rate", "lifetime_value"})
    assert all(t["value"].startswith("USD ") and t["change"].startswith("USD ") for t in money)

    # The CLV fit: the demo's BG/NBD fit sits at a boundary (fit_message says so) and is flagged; so is
    # the shifted-beta-geometric retention fit at the quarter grain, in the projected-retention section.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        boundary = {row[0] for row in con.execute("select distinct model from main.fct_clv_model_parameters"
                                                  " where fit_message like '%at the boundary%'").fetchall()}
    assert {f["model"] for f in shown["flags"] if f["flag"] == "clv-boundary"} == boundary
    assert all(f["visible"] and "boundary" in f["text"] for f in shown["flags"] if f["flag"] == "clv-boundary")

    # Retention by segment: a table per dimension, each rate beside its customers at the start,
    # small segments grey (as the acquisition CLV table's small rows), on the subscriptions basis.
    if variant == "orders_only":
        assert shown["segments"] == []  # no customers table and no subscriptions: no segments
    else:
        assert [t["dimension"] for t in shown["segments"]] == SEGMENT_DIMENSIONS
        assert shown["sections"].index("segments") == shown["sections"].index("customer-churn") + 1
        for table in shown["segments"]:
            assert table["visible"] and table["basis"] == "subscriptions"
            assert "subscriptions basis" in table["heading"], table["heading"]
            assert table["headers"][1:5] == ["customers at start", "churned", "churn rate", "retained share"]
            assert table["headers"][-1] == "NRR" and table["rows"][-1]["segment"] == "All customers"
            for row in table["rows"]:
                assert row["cells"][1] == f"{int(row['start']):,}" and row["cells"][3].endswith("%")
                grey = row["colour"] == "rgb(156, 163, 175)"
                assert grey == (row["small"] == "true"), (table["dimension"], row)
            assert any(r["small"] == "true" for r in table["rows"])  # the demo's segments are small
            assert shown["samples"][f"segments-{table['dimension']}"]["text"].startswith("Small samples.")

    if variant != "demo":
        return
    assert boundary == {"bg_nbd", "shifted_beta_geometric_quarter"}
    # The plan trend: a small segment's periods are faint markers, off its line.
    traces = {t["name"]: t for t in shown["traces"]["chart-segments-plan"] if t["name"]}
    starter = next(name for name in traces if name.startswith("starter_weekly (") and "small" not in name)
    faint = [t for t in shown["traces"]["chart-segments-plan"] if t["name"] == f"{starter} (small sample)"]
    assert faint and all(t["opacity"] < 1 for t in faint)
    assert not {x for x, y in zip(traces[starter]["x"], traces[starter]["y"]) if y is not None} & set(faint[0]["x"])
    # Small samples: listed under their charts, and off the lines as faint markers.
    for chart_id, kind, mart, count, series in (("chart-email", "email", "fct_email_engagement", "deliveries",
                                                 "Open rate"),
                                                ("chart-nps", "nps", "fct_nps", "responses", "NPS (95% margin)")):
        periods = small_sample_periods(warehouse, mart, count)
        assert shown["samples"][kind]["periods"] == ",".join(periods)
        assert all(label(p) in shown["samples"][kind]["text"] for p in periods)
        traces = {t["name"]: t for t in shown["traces"][chart_id]}
        main, faint = traces[series], traces[f"{series} (small sample)"]
        on_line = {x for x, y in zip(main["x"], main["y"]) if y is not None}
        assert not on_line & {label(p) for p in periods}
        assert {label(p) for p in periods} >= set(faint["x"]) and faint["x"] and faint["opacity"] < 1
    assert "cohorts-orders" in shown["samples"] and "cohorts-subscriptions" in shown["samples"]
    assert shown["windowNote"].startswith("Conversion window open."), shown["windowNote"]
    assert "counted at the end of the cohort's first month" in shown["cohortNote"]
