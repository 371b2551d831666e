"""The offline HTML report (scripts/report.py): its tiles carry the marts'
numbers and say what they count (the retained share beside churn, what CRR
counts, the currency of every money figure, the orders window); a CLV fit at a
boundary, not converged or not fitted is flagged; rates over small samples are
marked; sections without data collapse into one line at the end; and the page
renders every chart in a real headless browser (Debian's chromium, driven by
playwright) without a console error or a single network request, on the demo,
without the optional engagement, email and NPS marts, and for an orders-only
shop. The browser test saves full-page screenshots under target/ (or
$RETENTION_SCREENSHOTS)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from tests.dbt_harness import ROOT, Warehouse

REPORT = ROOT / "scripts" / "report.py"
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
    ("average_order_value", ""): "fct_order_metrics",
    ("repeat_customer_rate", ""): "fct_order_metrics",
}
MONEY_TILES = {("mrr_at_end", ""), ("average_order_value", "")}
CORE_CHARTS = ["chart-mrr-bridge", "chart-mrr-movements", "chart-revenue-retention", "chart-customer-churn",
               "chart-cohort-orders", "chart-cohort-subscriptions", "chart-order-volume", "chart-order-rates",
               "chart-clv-distribution", "chart-acquisition-clv", "chart-rejected-rows"]
# Optional marts (built by the engagement, email and NPS models when their
# sources exist) and the section and charts each one gives.
OPTIONAL_CHARTS = {
    "fct_daily_active_users": ("active-users", ["chart-active-users"]),
    "fct_engagement": ("engagement", ["chart-engagement-users", "chart-stickiness"]),
    "fct_power_user_curve": ("power-users", ["chart-power-user-curve"]),
    "fct_email_engagement": ("email", ["chart-email"]),
    "fct_nps": ("nps", ["chart-nps"]),
}
# What an orders-only shop has no data for, and the charts it still gets.
ORDERS_ONLY_MISSING = {"tiles-customers-subscriptions", "tiles-subscription-revenue", "mrr", "revenue-retention",
                       "churn-subscriptions", "cohorts-subscriptions", "acquisition-clv",
                       *(section for section, _ in OPTIONAL_CHARTS.values())}
ORDERS_ONLY_CHARTS = ["chart-customer-churn", "chart-cohort-orders", "chart-order-volume", "chart-order-rates",
                      "chart-clv-distribution", "chart-rejected-rows"]


def write_report(warehouse: Path, output: Path, *args: str) -> str:
    run = subprocess.run([sys.executable, str(REPORT), "--warehouse", str(warehouse), "--output", str(output), *args],
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
        start, value = mart_value(demo_warehouse.path, mart, metric, basis, grain)
        previous_start, previous = mart_value(demo_warehouse.path, mart, metric, basis, grain, before=start)
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


def test_target_goes_to_default_warehouse(monkeypatch, tmp_path):
    """--target NAME asks warehouse_file.default_warehouse for that target's file; with a
    default_warehouse that takes no target yet, only the default target works."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location("retention_report", REPORT)
        report = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, "retention_report", report)  # dataclasses look their module up
        spec.loader.exec_module(report)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
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


# What the page shows, read in the browser: the tiles' text by group, the CLV flags,
# the small-sample notes and the faint traces of the email and NPS charts.
READ_PAGE = """() => {
  const text = el => el ? el.innerText.trim() : '';
  const tiles = Array.from(document.querySelectorAll('.tile')).map(t => ({
    group: t.closest('.tile-group').dataset.group, metric: t.dataset.metric, basis: t.dataset.basis,
    currency: t.dataset.currency, label: text(t.querySelector('.tile-label')),
    value: text(t.querySelector('.tile-value')), change: text(t.querySelector('.tile-change')),
    note: text(t.querySelector('.tile-note')), visible: t.getBoundingClientRect().width > 0}));
  const flags = Array.from(document.querySelectorAll('#clv .flag')).map(f => ({
    flag: f.dataset.flag, model: f.dataset.model, text: text(f), visible: f.getBoundingClientRect().height > 0}));
  const samples = Object.fromEntries(Array.from(document.querySelectorAll('.sample-note')).map(
    n => [n.dataset.smallSample, {periods: n.dataset.periods, text: text(n)}]));
  const traces = {};
  for (const id of ['chart-email', 'chart-nps']) {
    const el = document.getElementById(id);
    if (el && el.data) traces[id] = el.data.map(t => ({name: t.name, x: t.x, y: t.y, opacity: t.opacity}));
  }
  const sections = Array.from(document.querySelectorAll('main > section')).map(s => s.id);
  const noData = Array.from(document.querySelectorAll('#no-data .no-data-item')).map(i => i.dataset.item);
  const topNotes = Array.from(document.querySelectorAll('main > section')).filter(
    s => s.querySelector(':scope > p.note')).map(s => s.id);
  return {tiles, flags, samples, traces, sections, noData, topNotes,
          reading: text(document.getElementById('reading')),
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
                                            else {"average_order_value", "mrr_at_end"})
    assert all(t["value"].startswith("USD ") and t["change"].startswith("USD ") for t in money)

    # The CLV fit: the demo's BG/NBD fit sits at a boundary (fit_message says so) and is flagged.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        boundary = {row[0] for row in con.execute("select distinct model from main.fct_clv_model_parameters"
                                                  " where fit_message like '%at the boundary%'").fetchall()}
    assert {f["model"] for f in shown["flags"] if f["flag"] == "clv-boundary"} == boundary
    assert all(f["visible"] and "boundary" in f["text"] for f in shown["flags"] if f["flag"] == "clv-boundary")

    if variant != "demo":
        return
    assert boundary == {"bg_nbd"}
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
    assert "counted at the end of the cohort's first month" in shown["cohortNote"]
