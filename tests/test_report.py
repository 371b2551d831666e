"""The offline HTML report (scripts/report.py): its tiles carry the marts'
numbers, a missing or unusable optional mart gives a note rather than a
failure, and the page renders every chart in a real headless browser
(Debian's chromium, driven by playwright) without a console error or a single
network request, with the optional engagement, email and NPS marts and
without them. The browser test saves full-page screenshots under target/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from tests.dbt_harness import ROOT

REPORT = ROOT / "scripts" / "report.py"
CHROMIUM = Path(os.environ.get("RETENTION_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "target"

# (mart column, basis) of every headline tile, and the mart it comes from.
TILES = {
    ("customer_retention_rate", "orders"): "fct_customer_retention",
    ("customer_churn_rate", "orders"): "fct_customer_retention",
    ("customer_retention_rate", "subscriptions"): "fct_customer_retention",
    ("customer_churn_rate", "subscriptions"): "fct_customer_retention",
    ("net_revenue_retention", ""): "fct_revenue_retention",
    ("gross_revenue_retention", ""): "fct_revenue_retention",
    ("mrr_at_end", ""): "fct_revenue_retention",
    ("quick_ratio", ""): "fct_revenue_retention",
    ("average_order_value", ""): "fct_order_metrics",
    ("repeat_customer_rate", ""): "fct_order_metrics",
}
CORE_CHARTS = ["chart-mrr-bridge", "chart-mrr-movements", "chart-revenue-retention", "chart-customer-churn",
               "chart-cohort-orders", "chart-cohort-subscriptions", "chart-order-volume", "chart-order-rates",
               "chart-clv-distribution", "chart-rejected-rows"]
# Optional marts (built by the engagement, email and NPS models when their
# sources exist) and the charts each one gives.
OPTIONAL_CHARTS = {
    "fct_daily_active_users": ("active-users", ["chart-active-users"]),
    "fct_engagement": ("engagement", ["chart-engagement-users", "chart-stickiness"]),
    "fct_power_user_curve": ("power-users", ["chart-power-user-curve"]),
    "fct_email_engagement": ("email", ["chart-email"]),
    "fct_nps": ("nps", ["chart-nps"]),
}


def write_report(warehouse: Path, output: Path, *args: str) -> str:
    run = subprocess.run([sys.executable, str(REPORT), "--warehouse", str(warehouse), "--output", str(output), *args],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert str(output) in run.stdout
    return output.read_text(encoding="utf-8")


class TileParser(HTMLParser):
    """Collects each tile's data attributes and its displayed value."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: list[dict[str, str]] = []
        self._in_value = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "tile" in classes:
            self.tiles.append({k: v or "" for k, v in attributes.items()})
        self._in_value = "tile-value" in classes

    def handle_data(self, data):
        if self._in_value:
            self.tiles[-1]["shown"] = data
            self._in_value = False


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


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_tiles_equal_the_marts(demo_warehouse, tmp_path, grain):
    page = write_report(demo_warehouse.path, tmp_path / "report.html", "--grain", grain)
    parser = TileParser()
    parser.feed(page)
    tiles = {(t["data-metric"], t["data-basis"]): t for t in parser.tiles}
    assert set(tiles) == set(TILES)
    for (metric, basis), mart in TILES.items():
        tile = tiles[(metric, basis)]
        assert tile["data-mart"] == mart
        start, value = mart_value(demo_warehouse.path, mart, metric, basis, grain)
        previous_start, previous = mart_value(demo_warehouse.path, mart, metric, basis, grain, before=start)
        assert tile["data-period-start"] == start.isoformat(), (metric, basis)
        assert same(tile["data-value"], value), (metric, basis, tile["data-value"], value)
        assert tile["data-previous-period-start"] == previous_start.isoformat(), (metric, basis)
        assert same(tile["data-previous-value"], previous), (metric, basis, tile["data-previous-value"], previous)
        # What a reader sees is the same number, rounded for display.
        shown = tile["shown"].replace(",", "")
        if shown.endswith("%"):
            assert abs(float(shown[:-1]) / 100 - float(value)) <= 0.0005 + 1e-12, (metric, basis, shown, value)
        else:
            assert abs(float(shown) - float(value)) <= 0.005 + 1e-9, (metric, basis, shown, value)


def test_unusable_optional_marts_give_notes(demo_warehouse, tmp_path):
    """An empty optional mart and one short of a column each give a note; the report still succeeds."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse.path, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table if exists main.fct_nps")
        con.execute("create table main.fct_nps (period_grain varchar, period_start date, period_end date,"
                    " is_complete_period boolean, responses bigint, promoters bigint, passives bigint,"
                    " detractors bigint, net_promoter_score double, net_promoter_score_margin_of_error double)")
        con.execute("drop table if exists main.fct_email_engagement")
        con.execute("create table main.fct_email_engagement as select 'month' as period_grain,"
                    " date '2024-01-01' as period_start, 10 as sends")
    page = write_report(warehouse, tmp_path / "report.html")
    assert "<code>fct_nps</code> has no rows." in page
    assert "<code>fct_email_engagement</code> has no column <code>deliveries</code>" in page
    assert 'id="chart-nps"' not in page and 'id="chart-email"' not in page
    for chart in CORE_CHARTS:
        assert f'id="{chart}"' in page


# -- the browser test -----------------------------------------------------------------

def drop_optional_marts(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for table in OPTIONAL_CHARTS:
            con.execute(f"drop table if exists main.{table}")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"no chromium at {CHROMIUM}: run `bash scripts/chromium.sh` (scripts/test.sh does) or set "
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


@pytest.mark.parametrize("variant", ["demo", "without_optional_marts"])
def test_report_renders_in_chromium(demo_warehouse, tmp_path, browser, variant):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse.path, warehouse)
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
        notes = page.evaluate("() => Array.from(document.querySelectorAll('section')).filter("
                              "s => s.querySelector(':scope > p.note')).map(s => s.id)")
        screenshot = SCREENSHOTS / ("report_screenshot.png" if variant == "demo"
                                    else "report_screenshot_without_optional_marts.png")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        print(f"screenshot: {screenshot}")
    finally:
        page.close()

    expected = list(CORE_CHARTS)
    for table, (_, chart_ids) in OPTIONAL_CHARTS.items():
        if table in with_rows:
            expected += chart_ids
    assert sorted(c["id"] for c in charts) == sorted(expected)
    for chart in charts:
        assert chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["svgs"] > 0 and (chart["marks"] > 0 or chart["canvases"] > 0), chart
    assert incomplete_labels > 0  # the demo's last month is incomplete, and charts say so
    assert errors == []
    assert outside == []
    assert sorted(notes) == sorted(section for table, (section, _) in OPTIONAL_CHARTS.items()
                                   if table not in with_rows)
