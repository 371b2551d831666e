#!/usr/bin/env python3
"""Writes the retention report: one self-contained HTML file drawn from the
marts of a DuckDB warehouse, readable offline (plotly.js is inlined once).

    python -m retention_app.report [--warehouse PATH | --target NAME] [--output PATH] [--grain month|quarter|year]
                             [--schema NAME] [--currency CODE] [--orders-window-days N] [--min-sample N]
                             [--top-segments N]

The warehouse is opened read-only; it defaults to the DuckDB file of the dbt
target named by --target (app/retention_app/warehouse_file.py's default_warehouse), else
$RETENTION_DUCKDB_PATH, else retention.duckdb in the project folder. The report
goes beside it (retention.duckdb gives retention_report.html) unless --output
says otherwise. Every mart is read from the one schema --schema names.

The page opens with tiles for the last complete period of the grain against
the one before, grouped by subject and stating what each number counts (the
retained share beside churn, what CRR counts, the orders window, the currency
of every money figure), then one section per subject. Each section is one
function that reads its marts and returns HTML; a mart that is absent, empty or
short of a column gives no section but one entry in the "No data for" line at
the end, never a failed report. Periods with is_complete_period = false are
shaded and drawn with open markers or hatched bars; rates over fewer than
--min-sample sends, responses, cohort customers or a segment's customers at the
start are drawn faint or grey and listed under their chart. The segments section
names each dimension's --top-segments largest segments and groups the rest as
Other, its rates computed from its summed counts and MRR. A CLV fit at a boundary, not converged or not fitted
is flagged on the CLV section. See docs/report.md.
"""

from __future__ import annotations

import argparse
import html
import inspect
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import duckdb
import plotly.graph_objects as go
import plotly.offline
from plotly.subplots import make_subplots
from retention_app import warehouse_file
from retention_app.warehouse_file import WAREHOUSE_HELP, default_warehouse

GRAINS = ("month", "quarter", "year")

# A rate over fewer sends (delivered), NPS responses, cohort customers, acquired customers
# or a segment's customers at the start than this is a small sample: drawn faint or grey, not like the rest.
MIN_SAMPLE = 30
# The segments section names each dimension's largest segments by customers at the start
# of the last complete period (--top-segments); the rest are one "Other" row whose rates
# come from its summed counts and MRR, never from averaging the segments' rates.
TOP_SEGMENTS = 6
# Its trend covers this many complete periods, the last one included.
TREND_PERIODS = 12
# The project's default reporting currency (var reporting_currency), used only when
# neither --currency nor the warehouse says which one the marts are in.
DEFAULT_CURRENCY = "USD"
# var clv_horizon and var clv_time_unit's defaults, for a fct_customer_clv without the columns.
DEFAULT_CLV_HORIZON = (52.0, "week")

# Colours: one per series family, used the same way in every chart.
BLUE, ORANGE, GREEN, RED, PURPLE, GREY, TEAL = ("#2563eb", "#ea580c", "#16a34a", "#dc2626", "#7c3aed",
                                                "#6b7280", "#0d9488")
INCOMPLETE_FILL = "rgba(107, 114, 128, 0.12)"
SMALL_OPACITY = 0.45
# Cells of cohorts below MIN_SAMPLE: a grey scale instead of the blue one.
SMALL_COHORT_SCALE = [[0.0, "#f9fafb"], [1.0, "#9ca3af"]]

# One small template instead of plotly's default, which every figure would repeat.
TEMPLATE = go.layout.Template(layout=go.Layout(
    font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size=12, color="#1f2937"),
    paper_bgcolor="white", plot_bgcolor="white",
    margin=dict(l=60, r=20, t=90, b=50),
    title=dict(x=0, xref="paper", xanchor="left", y=0.985, yref="container", yanchor="top", font=dict(size=15)),
    xaxis=dict(showgrid=False, linecolor="#9ca3af", ticks="outside"),
    yaxis=dict(gridcolor="#e5e7eb", zerolinecolor="#9ca3af"),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
    hoverlabel=dict(namelength=-1),
))

# The optional source behind a mart, named when the mart has no rows.
MART_SOURCES = {
    "fct_revenue_retention": "subscriptions",
    "fct_daily_active_users": "product events",
    "fct_engagement": "product events",
    "fct_power_user_curve": "product events",
    "fct_email_engagement": "email sends",
    "fct_nps": "NPS responses",
    "fct_acquisition_clv": "acquisition costs",
    "fct_retention_projection": "subscriptions",
    "fct_user_retention": "product events",
}


class MissingData(Exception):
    """A mart a section needs is absent, empty or lacks a column: the section is
    left out and the message (HTML) goes into the "No data for" line at the end,
    beside what else has the same cause (say, "no subscriptions")."""

    def __init__(self, message: str, cause: str | None = None):
        super().__init__(message)
        self.cause = cause


# -- reading the warehouse ------------------------------------------------------

class Warehouse:
    """The marts in `schema` (the dbt target's schema), and the staging and
    intermediate models the report also reads, in <schema>_staging and
    <schema>_intermediate."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str):
        self.con = con
        self.schema = schema
        layers = [schema, f"{schema}_staging", f"{schema}_intermediate"]
        rows = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_schema in (?, ?, ?) order by table_name, ordinal_position", layers).fetchall()
        self.columns: dict[str, list[str]] = {}
        self.schemas: dict[str, str] = {}
        for layer, table, column in sorted(rows, key=lambda row: layers.index(row[0])):
            if self.schemas.setdefault(table, layer) == layer:
                self.columns.setdefault(table, []).append(column)

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def table(self, name: str) -> str:
        return f'"{self.schemas.get(name, self.schema)}"."{name}"'

    def require(self, table: str, columns: list[str], rows: bool = True) -> None:
        """Raises MissingData unless `table` exists with `columns` (and has rows, unless rows=False)."""
        if table not in self.columns:
            raise MissingData(f"<code>{table}</code> is not in the warehouse")
        missing = [c for c in columns if c not in self.columns[table]]
        if missing:
            raise MissingData(f"<code>{table}</code> has no column {', '.join(f'<code>{c}</code>' for c in missing)}")
        if rows and not self.con.execute(f"select exists (select 1 from {self.table(table)})").fetchall()[0][0]:
            source = MART_SOURCES.get(table)
            raise MissingData(f"<code>{table}</code> has no rows", f"no {source}" if source else None)

    def has_rows(self, table: str, columns: list[str] | None = None) -> bool:
        try:
            self.require(table, columns or [])
        except MissingData:
            return False
        return True

    def periods(self, table: str, columns: list[str], grain: str, where: str = "",
                params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a period mart at `grain`, oldest first; raises MissingData when there are none."""
        self.require(table, ["period_grain", "period_start", *columns])
        wanted = ", ".join(dict.fromkeys(["period_start", *self.period_columns(table), *columns]))
        rows = self.query(
            f"select {wanted} from {self.table(table)} where period_grain = ? {where} order by period_start",
            [grain, *(params or [])])
        if not rows:
            raise MissingData(f"<code>{table}</code> has no rows at the {grain} grain")
        return rows

    def period_columns(self, table: str) -> list[str]:
        return [c for c in ("period_end", "is_complete_period") if c in self.columns.get(table, [])]


# -- what the numbers are in: currency, orders window, CLV horizon --------------------

@dataclass(frozen=True)
class Currency:
    """The reporting currency: an ISO 4217 code ("USD 1,234.00") or a symbol ("$1,234.00")."""
    code: str
    source: str  # how the report knows it

    @property
    def is_code(self) -> bool:
        return self.code[-1:].isalpha()

    @property
    def prefix(self) -> str:
        return f"{self.code} " if self.is_code else self.code

    def amount(self, value: Any, digits: int = 2) -> str:
        return "–" if value is None else f"{self.prefix}{float(value):,.{digits}f}"

    def signed(self, value: float, digits: int = 2) -> str:
        if self.is_code:
            return f"{self.code} {value:+,.{digits}f}"
        return f"{'+' if value >= 0 else '-'}{self.code}{abs(value):,.{digits}f}"

    def hover(self, axis: str = "y", digits: int = 2) -> str:
        """A plotly hovertemplate fragment for a money value."""
        return f"{self.prefix}%{{{axis}:,.{digits}f}}"


def reporting_currency(wh: Warehouse, given: str | None) -> Currency:
    """--currency, else the one currency the staged orders and subscriptions carry at
    exchange rate 1 (the models convert every other one into it), else the default."""
    if given:
        code = given.strip()
        return Currency(code.upper() if code.isalpha() else code, "as --currency says")
    found: set[str] = set()
    for table in ("stg_shop__orders", "stg_billing__subscriptions"):
        if not wh.has_rows(table, ["currency", "exchange_rate"]):
            continue
        try:
            rows = wh.query(f"select distinct upper(trim(currency)) as code from {wh.table(table)}"
                            " where exchange_rate = 1 and currency is not null")
        except duckdb.Error:  # a staging view whose raw tables this file does not hold
            continue
        found |= {r["code"] for r in rows}
    if len(found) == 1:
        return Currency(found.pop(), "read from the warehouse: the currency its staged orders carry at exchange "
                        "rate 1")
    return Currency(DEFAULT_CURRENCY, "assumed: the warehouse does not say; pass --currency if var "
                    f"reporting_currency is not {DEFAULT_CURRENCY}")


@dataclass(frozen=True)
class OrdersWindow:
    """W of the orders basis (a customer at t has a counted order in [t - W, t)):
    var orders_activity_window_days, which no mart carries."""
    days: int | None            # --orders-window-days; None: not given
    one_period: bool | None     # the marts show W is one period of the grain (None: cannot tell)

    def short(self, grain: str) -> str:
        if self.days:
            return f"a counted order in the last {self.days} days"
        if self.one_period is False:
            return "a counted order in the window W set in days by var orders_activity_window_days (not stated)"
        return f"a counted order in the trailing {grain}"

    def describe(self, grain: str) -> str:
        if self.days:
            return (f"Orders basis: a customer at an instant is someone with a counted order in the {self.days} days "
                    f"before it (window W = {self.days} days: var orders_activity_window_days, as "
                    f"--orders-window-days states). Churn is the share of the customers at a {grain}'s start with no "
                    f"counted order in the {self.days} days before its end.")
        if self.one_period is False:
            return ("Orders basis: a customer at an instant is someone with a counted order in the window W before "
                    "it. This build set W in days with var orders_activity_window_days (its customers at a "
                    f"{grain}'s end are not that {grain}'s ordering customers) and the report was not told how "
                    "many: pass --orders-window-days to state it.")
        confirmed = (f"; the marts confirm it: the customers at each {grain}'s end are that {grain}'s ordering "
                     "customers" if self.one_period else "")
        return (f"Orders basis: a customer at an instant is someone with a counted order in the {grain} before it "
                f"(window W = one {grain}, the default: var orders_activity_window_days is null{confirmed}). So "
                f"churn is the share of the customers at a {grain}'s start (who ordered in the {grain} before) "
                f"with no counted order in it.")


def orders_window(wh: Warehouse, days: int | None, grain: str) -> OrdersWindow:
    """With W one period of the grain, the orders-basis customers at a period's end
    are exactly that period's ordering customers; any other W breaks that in some period."""
    if not (wh.has_rows("fct_customer_retention", ["basis", "period_grain", "period_start", "customers_at_end"])
            and wh.has_rows("fct_order_metrics", ["period_grain", "period_start", "ordering_customers"])):
        return OrdersWindow(days, None)
    row = wh.query(
        f"select count(*) as periods, count(*) filter (where c.customers_at_end = o.ordering_customers) as equal"
        f" from {wh.table('fct_customer_retention')} c join {wh.table('fct_order_metrics')} o"
        f" on c.period_grain = o.period_grain and c.period_start = o.period_start"
        f" where c.basis = 'orders' and c.period_grain = ?", [grain])[0]
    if not row["periods"]:
        return OrdersWindow(days, None)
    return OrdersWindow(days, row["equal"] == row["periods"])


@dataclass(frozen=True)
class ClvHorizon:
    horizon: float
    unit: str
    calibration_end: date | None
    stated: bool  # read from fct_customer_clv (False: var clv_horizon's default assumed)

    def text(self) -> str:
        count = f"{self.horizon:g}"
        after = f" after {self.calibration_end.isoformat()}" if self.calibration_end else ""
        return f"the next {count} {self.unit}{'' if self.horizon == 1 else 's'}{after}"


def clv_horizon(wh: Warehouse) -> ClvHorizon:
    horizon, unit, stated = *DEFAULT_CLV_HORIZON, False
    if wh.has_rows("fct_customer_clv", ["horizon", "time_unit"]):
        row = wh.query(f"select max(horizon) as horizon, max(time_unit) as unit from {wh.table('fct_customer_clv')}")[0]
        if row["horizon"] is not None and row["unit"]:
            horizon, unit, stated = float(row["horizon"]), str(row["unit"]), True
    end = None
    if wh.has_rows("fct_clv_model_parameters", ["calibration_end_date"]):
        end = wh.query(f"select max(calibration_end_date) as d from {wh.table('fct_clv_model_parameters')}"
                       " where model in ('bg_nbd', 'gamma_gamma')")[0]["d"]
    return ClvHorizon(horizon, unit, end, stated)


# -- formatting -------------------------------------------------------------------

def number(value: Any) -> float | None:
    return None if value is None else float(value)


def period_label(start: date, grain: str) -> str:
    if grain == "month":
        return start.strftime("%b %Y")
    if grain == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def is_incomplete(row: dict[str, Any]) -> bool:
    return row.get("is_complete_period") is False


def percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def data_value(value: Any) -> str:
    """A value as the tiles' data attributes carry it: exact, machine-readable."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# -- charts ------------------------------------------------------------------------

@dataclass
class Page:
    grain: str
    currency: Currency = field(default_factory=lambda: Currency(DEFAULT_CURRENCY, "assumed"))
    window: OrdersWindow = field(default_factory=lambda: OrdersWindow(None, None))
    min_sample: int = MIN_SAMPLE
    charts: dict[str, str] = field(default_factory=dict)  # chart id -> figure JSON
    # What has no data: (id, what, why, cause), shown as one line at the end of the page.
    missing: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    has_subscriptions: bool = True
    top_segments: int = TOP_SEGMENTS

    def chart(self, chart_id: str, fig: go.Figure, height: int = 380) -> str:
        fig.update_layout(template=TEMPLATE, height=height)
        self.charts[chart_id] = fig.to_json()
        return f'<div class="chart" id="{escape(chart_id)}" style="height:{height}px"></div>'

    def skip(self, item_id: str, what: str, why: str, cause: str | None = None) -> None:
        self.missing.append((item_id, what, why, cause))

    def basis_cause(self, basis: str) -> str | None:
        """Why a basis has no rows, when it is because its source is empty."""
        return "no subscriptions" if basis == "subscriptions" and not self.has_subscriptions else None


def note(message: str, css: str = "note", **data: str) -> str:
    attrs = "".join(f' data-{k.replace("_", "-")}="{escape(v)}"' for k, v in data.items())
    return f'<p class="{css}"{attrs}>{message}</p>'


def mark_incomplete(fig: go.Figure, rows: list[dict[str, Any]], grain: str, **subplot: Any) -> None:
    """Puts the periods of `rows` in order on a category axis (one slot per period,
    labelled as in period_label) and shades and labels every incomplete one."""
    periods = sorted({r["period_start"] for r in rows})
    incomplete = {r["period_start"] for r in rows if is_incomplete(r)}
    # update_xaxes takes row=None for every row (row="all", which add_vrect takes, would match no axis: a year
    # grain's labels, 2023 and 2024, then made a numeric axis)
    axes = {key: None if value == "all" else value for key, value in subplot.items()}
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[period_label(p, grain) for p in periods], **axes)
    for index, period in enumerate(periods):
        if period in incomplete:
            fig.add_vrect(x0=index - 0.5, x1=index + 0.5,
                          fillcolor=INCOMPLETE_FILL, line_width=0, layer="below",
                          annotation_text="incomplete", annotation_position="top left",
                          annotation_font=dict(size=10, color=GREY), **subplot)


def hover_periods(rows: list[dict[str, Any]]) -> list[str]:
    return [" (incomplete)" if is_incomplete(r) else "" for r in rows]


def line(rows: list[dict[str, Any]], column: str, name: str, color: str, grain: str,
         scale: float = 1.0, value_format: str = "%{y}", leave_out: set[date] | None = None,
         dash: str | None = None, **kwargs: Any) -> go.Scatter:
    """A series over the periods; incomplete periods get open markers and say so on hover.
    Periods in `leave_out` (small samples) are left off: the line joins the periods either side."""
    leave_out = leave_out or set()
    values = [None if r[column] is None or r["period_start"] in leave_out else float(r[column]) * scale
              for r in rows]
    return go.Scatter(
        x=[period_label(r["period_start"], grain) for r in rows], y=values, name=name, mode="lines+markers",
        line=dict(color=color, width=2, dash=dash),
        marker=dict(color=color, size=7, symbol=["circle-open" if is_incomplete(r) else "circle" for r in rows]),
        customdata=hover_periods(rows), connectgaps=bool(leave_out),
        hovertemplate="%{x}%{customdata}: " + value_format + "<extra>" + escape(name) + "</extra>", **kwargs)


def bar(rows: list[dict[str, Any]], column: str, name: str, color: str, grain: str,
        sign: float = 1.0, value_format: str = "%{y:,.2f}", **kwargs: Any) -> go.Bar:
    """Bars over the periods; incomplete periods are hatched."""
    return go.Bar(
        x=[period_label(r["period_start"], grain) for r in rows],
        y=[None if r[column] is None else float(r[column]) * sign for r in rows],
        name=name, marker=dict(color=color, pattern=dict(shape=["/" if is_incomplete(r) else "" for r in rows])),
        customdata=hover_periods(rows),
        hovertemplate="%{x}%{customdata}: " + value_format + "<extra>" + escape(name) + "</extra>", **kwargs)


# -- small samples ---------------------------------------------------------------------

def small_periods(rows: list[dict[str, Any]], count_column: str, threshold: int) -> set[date]:
    """Periods whose rate rests on fewer than `threshold` (but some) sends, responses, ..."""
    return {r["period_start"] for r in rows if r[count_column] is not None and 0 < r[count_column] < threshold}


def small_sample_points(rows: list[dict[str, Any]], column: str, name: str, color: str, grain: str,
                        small: set[date], count_column: str, count_word: str, scale: float = 1.0,
                        value_format: str = "%{y}", **kwargs: Any) -> go.Scatter:
    """The small-sample periods of a series: faint open markers, off the line."""
    picked = [r for r in rows if r["period_start"] in small and r[column] is not None]
    return go.Scatter(
        x=[period_label(r["period_start"], grain) for r in picked], y=[float(r[column]) * scale for r in picked],
        name=f"{name} (small sample)", mode="markers", showlegend=False, opacity=SMALL_OPACITY,
        marker=dict(color=color, size=9, symbol="circle-open", line=dict(width=2)),
        customdata=[f"{r[count_column]:,} {count_word}" for r in picked],
        hovertemplate="%{x}: " + value_format + " from only %{customdata} (small sample)<extra>"
                      + escape(name) + "</extra>", **kwargs)


def small_sample_key(page: Page, count_word: str) -> go.Scatter:
    """One legend entry saying what the faint open markers are."""
    return go.Scatter(x=[None], y=[None], mode="markers", opacity=SMALL_OPACITY,
                      name=f"fewer than {page.min_sample} {count_word}: faint, off the line",
                      marker=dict(color=GREY, size=9, symbol="circle-open", line=dict(width=2)), hoverinfo="skip")


def small_sample_note(kind: str, rows: list[dict[str, Any]], small: set[date], count_column: str,
                      count_word: str, page: Page, drawn_as: str, unit: str | None = None) -> str:
    """The note under a chart naming its small-sample periods ('' when there are none);
    when most of `rows` are small, it names the others instead."""
    if not small:
        return ""
    picked = [r for r in rows if r["period_start"] in small]
    others = [r for r in rows if r["period_start"] not in small]

    def listing(chosen: list[dict[str, Any]]) -> str:
        return escape(", ".join(f"{period_label(r['period_start'], page.grain)} ({r[count_column]:,})"
                                for r in chosen))

    unit = unit or page.grain
    if len(picked) > 8 and len(others) < len(picked):
        where = (f"{len(picked):,} of the {plural(len(rows), unit)}: all but {listing(others)}" if others
                 else f"all {plural(len(rows), unit)}")
    else:
        where = f"{plural(len(picked), unit)}: {listing(picked)}"
    return note(f"<strong>Small samples.</strong> Fewer than {page.min_sample} {count_word} in {where}. {drawn_as}",
                "sample-note", small_sample=kind, periods=",".join(r["period_start"].isoformat() for r in picked))


# -- headline tiles ---------------------------------------------------------------

@dataclass(frozen=True)
class Tile:
    metric: str        # the mart column
    label: str
    mart: str
    kind: str          # rate, money or ratio
    higher_is_better: bool
    basis: str | None = None
    grain: str | None = None  # the one grain the mart fills it on (lifetime_value: month), whatever the page's


@dataclass(frozen=True)
class TileGroup:
    id: str
    title: str
    tiles: tuple[Tile, ...]
    missing_label: str  # its name in the "No data for" line


def customer_tiles(basis: str) -> tuple[Tile, ...]:
    mart = "fct_customer_retention"
    return (Tile("retained_customer_rate", f"Retained share of customers ({basis})", mart, "rate", True, basis),
            Tile("customer_churn_rate", f"Customer churn rate ({basis})", mart, "rate", False, basis),
            Tile("customer_retention_rate", f"Customer retention rate, CRR ({basis})", mart, "rate", True, basis))


TILE_GROUPS = [
    TileGroup("customers-orders", "Customers, orders basis", customer_tiles("orders"), "orders-basis customer tiles"),
    TileGroup("customers-subscriptions", "Customers, subscriptions basis", customer_tiles("subscriptions"),
              "subscriptions-basis customer tiles"),
    TileGroup("subscription-revenue", "Subscription revenue", (
        Tile("mrr_at_end", "MRR at the end of the period", "fct_revenue_retention", "money", True),
        Tile("net_revenue_retention", "Net revenue retention", "fct_revenue_retention", "rate", True),
        Tile("gross_revenue_retention", "Gross revenue retention", "fct_revenue_retention", "rate", True),
        Tile("quick_ratio", "Quick ratio", "fct_revenue_retention", "ratio", True),
        Tile("average_revenue_per_account", "Average revenue per account (ARPA)", "fct_revenue_retention", "money",
             True),
        Tile("annual_run_rate", "Annual run rate (ARR)", "fct_revenue_retention", "money", True),
        Tile("lifetime_value", "Lifetime value (ARPA / monthly churn)", "fct_revenue_retention", "money", True,
             grain="month")), "subscription revenue tiles"),
    TileGroup("orders", "Orders", (
        Tile("average_order_value", "Average order value", "fct_order_metrics", "money", True),
        Tile("repeat_customer_rate", "Repeat customer rate", "fct_order_metrics", "rate", True)), "order tiles"),
]
TILES = [tile for group in TILE_GROUPS for tile in group.tiles]
# Counts the customer tiles explain themselves with, when the mart has them.
CUSTOMER_COUNTS = ["customers_at_start", "customers_at_end", "new_customers", "retained_customers",
                   "churned_customers", "reactivated_customers"]


def last_complete_periods(wh: Warehouse, tile: Tile, grain: str) -> list[dict[str, Any]]:
    """The tile's mart rows for the last complete period and the one before (newest first)."""
    basis = "and basis = ?" if tile.basis else ""
    params = [tile.basis] if tile.basis else []
    wh.require(tile.mart, ["period_grain", "period_start", "is_complete_period", tile.metric,
                           *(["basis"] if tile.basis else [])])
    counts = [c for c in CUSTOMER_COUNTS if tile.basis and c in wh.columns[tile.mart]]
    rows = wh.query(
        f"select period_start, {', '.join([f'{tile.metric} as value', *counts])} from {wh.table(tile.mart)}"
        f" where period_grain = ? and is_complete_period {basis} order by period_start desc limit 2",
        [grain, *params])
    if not rows:
        if not wh.query(f"select exists (select 1 from {wh.table(tile.mart)} where period_grain = ? {basis}) as e",
                        [grain, *params])[0]["e"]:
            raise MissingData(f"<code>{tile.mart}</code> has no {f'{tile.basis}-basis ' if tile.basis else ''}"
                              f"rows at the {grain} grain")
        raise MissingData(f"no complete {grain} in <code>{tile.mart}</code>"
                          + (f" on the {tile.basis} basis" if tile.basis else ""))
    return rows


def tile_rows(wh: Warehouse, tile: Tile, page: Page) -> list[dict[str, Any]]:
    try:
        return last_complete_periods(wh, tile, tile.grain or page.grain)
    except MissingData as missing:
        if missing.cause is None and tile.basis:
            missing.cause = page.basis_cause(tile.basis)
        raise


def format_value(value: Any, kind: str, currency: Currency) -> str:
    if value is None:
        return "–"
    if kind == "rate":
        return percent(float(value))
    if kind == "money":
        return currency.amount(value)
    return f"{float(value):,.2f}"


def format_change(value: Any, previous: Any, kind: str, currency: Currency) -> tuple[str, float | None]:
    """The change as text and its sign (None when either side is missing)."""
    if value is None or previous is None:
        return "no comparison", None
    delta = float(value) - float(previous)
    if kind == "rate":
        return f"{delta * 100:+.1f} pp", delta
    if kind == "money":
        relative = f" ({delta / float(previous) * 100:+.1f}%)" if float(previous) != 0 else ""
        return currency.signed(delta) + relative, delta
    return f"{delta:+,.2f}", delta


def tile_note(tile: Tile, row: dict[str, Any]) -> str:
    """One line under a customer tile saying what it counts ('' without the counts), and under the
    lifetime value tile what it assumes."""
    if tile.metric == "lifetime_value":
        text = ("ARPA / the month's customer churn rate: a customer's worth if this month's ARPA and churn held; no "
                "discounting, no margin" + ("" if row["value"] is not None else
                                            ". No value: no subscriber churned this month (or none was there at its "
                                            "start)"))
        return f'<div class="tile-note" data-note="{escape(tile.metric)}">{escape(text)}</div>'
    start = row.get("customers_at_start")
    if not start:  # no customers at the start: the rates are null, and there is nothing to count
        return ""
    if tile.metric == "retained_customer_rate" and row.get("retained_customers") is not None:
        text = (f"{row['retained_customers']:,} of the {start:,} customers at the start still customers at the end; "
                "with churn it makes 100%")
    elif tile.metric == "customer_churn_rate" and row.get("churned_customers") is not None:
        text = f"{row['churned_customers']:,} of the {start:,} customers at the start no longer customers at the end"
    elif tile.metric == "customer_retention_rate" and row.get("reactivated_customers") is not None:
        text = "CRR = (customers at end − new) / at start: " + crr_counts(row)
    else:
        return ""
    return f'<div class="tile-note" data-note="{escape(tile.metric)}">{escape(text)}</div>'


def crr_counts(row: dict[str, Any]) -> str:
    """What CRR counts beyond the retained share in one period: the reactivated
    customers, less the new customers who left within the period."""
    reactivated = row["reactivated_customers"]
    new_lost = None
    if None not in (row.get("new_customers"), row.get("customers_at_end"), row.get("retained_customers")):
        new_lost = row["new_customers"] - (row["customers_at_end"] - row["retained_customers"] - reactivated)
    parts = []
    if reactivated:
        parts.append(f"it also counts the {reactivated:,} reactivated (lapsed, then back) as kept")
    if new_lost:
        parts.append(f"it subtracts the {new_lost:,} new customers who left within the period")
    if not parts:
        return "no customer came back or left within the period, so it equals the retained share"
    return " and ".join(parts) + ", so it is not 100% − churn"


def tile_html(tile: Tile, rows: list[dict[str, Any]], page: Page) -> str:
    grain, currency = tile.grain or page.grain, page.currency
    current = rows[0]
    previous = rows[1] if len(rows) > 1 else None
    previous_value = previous["value"] if previous else None
    change, delta = format_change(current["value"], previous_value, tile.kind, currency)
    tone = "flat" if not delta else ("good" if (delta > 0) == tile.higher_is_better else "bad")
    compared = (f"{escape(period_label(current['period_start'], grain))} vs "
                f"{escape(period_label(previous['period_start'], grain))}" if previous
                else escape(period_label(current["period_start"], grain)))
    attributes = {
        "data-metric": tile.metric, "data-mart": tile.mart, "data-basis": tile.basis or "", "data-grain": grain,
        "data-period-start": current["period_start"].isoformat(), "data-value": data_value(current["value"]),
        "data-previous-period-start": previous["period_start"].isoformat() if previous else "",
        "data-previous-value": data_value(previous_value),
        "data-currency": currency.code if tile.kind == "money" else "",
    }
    attrs = " ".join(f'{k}="{escape(v)}"' for k, v in attributes.items())
    return (f'<div class="tile" {attrs}><div class="tile-label">{escape(tile.label)}</div>'
            f'<div class="tile-value">{escape(format_value(current["value"], tile.kind, currency))}</div>'
            f'<div class="tile-change {tone}">{escape(change)}</div>'
            f'<div class="tile-period">{compared}</div>{tile_note(tile, current)}</div>')


def group_note(group: TileGroup, page: Page) -> str:
    code = escape(page.currency.code)
    if group.id == "customers-orders":
        return (f"A customer is someone with {escape(page.window.short(page.grain))}. Retained share + churn = 100% "
                "of the customers at the start; CRR also counts customers who come back.")
    if group.id == "customers-subscriptions":
        return ("A customer holds a paying subscription (MRR above zero). Retained share + churn = 100% of the "
                "customers at the start; CRR also counts customers who come back.")
    if group.id == "subscription-revenue":
        return (f"Money in {code}. NRR and GRR compare the MRR of the customers at the start with their MRR at the "
                "end. ARPA is MRR at the end per customer at the end, ARR 12 × MRR at the end; lifetime value is ARPA / "
                "the customer churn rate of a month, so its tile is always the last complete month.")
    return f"Counted (completed) orders; revenue net of refunds, in {code}."


def tiles_section(wh: Warehouse, page: Page) -> str:
    groups = []
    for group in TILE_GROUPS:
        tiles, missing = [], []
        for tile in group.tiles:
            try:
                tiles.append(tile_html(tile, tile_rows(wh, tile, page), page))
            except MissingData as why:
                missing.append((tile, why))
        if not tiles:
            causes = {m[1].cause for m in missing}
            page.skip(f"tiles-{group.id}", group.missing_label,
                      "; ".join(dict.fromkeys(str(m[1]) for m in missing)), causes.pop() if len(causes) == 1 else None)
            continue
        for tile, why in missing:
            page.skip(f"tile-{tile.metric}-{tile.basis or ''}", f"the {tile.label[0].lower()}{tile.label[1:]} tile",
                      str(why), why.cause)
        groups.append(f'<div class="tile-group" data-group="{group.id}"><h3>{escape(group.title)}</h3>'
                      f'<p class="group-note">{group_note(group, page)}</p>'
                      f'<div class="tiles">{"".join(tiles)}</div></div>')
    if not groups:
        raise MissingData("no tile has a complete period")
    return "".join(groups)


# -- sections ------------------------------------------------------------------------

def mrr_bridge_section(wh: Warehouse, page: Page) -> str:
    movements = ["new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr"]
    rows = wh.periods("fct_revenue_retention", ["mrr_at_start", "mrr_at_end", *movements], page.grain)
    money = page.currency
    complete = [r for r in rows if r.get("is_complete_period", True)]
    parts = []
    if complete:
        last = complete[-1]
        steps = [("MRR at start", last["mrr_at_start"], "absolute"), ("New", last["new_mrr"], "relative"),
                 ("Expansion", last["expansion_mrr"], "relative"),
                 ("Reactivation", last["reactivation_mrr"], "relative"),
                 ("Contraction", -last["contraction_mrr"], "relative"), ("Churned", -last["churned_mrr"], "relative"),
                 ("MRR at end", last["mrr_at_end"], "total")]
        fig = go.Figure(go.Waterfall(
            x=[s[0] for s in steps], y=[float(s[1]) for s in steps], measure=[s[2] for s in steps],
            text=[money.signed(float(s[1]), 0) if s[2] == "relative" else money.amount(s[1], 0) for s in steps],
            textposition="outside", connector=dict(line=dict(color="#9ca3af")),
            increasing=dict(marker=dict(color=GREEN)), decreasing=dict(marker=dict(color=RED)),
            totals=dict(marker=dict(color=BLUE)), hovertemplate="%{x}: " + money.hover() + "<extra></extra>"))
        levels, level = [], 0.0
        for _, value, measure in steps[:-1]:
            level = float(value) if measure == "absolute" else level + float(value)
            levels.append(level)
        low, high = min(levels), max(levels)
        pad = max((high - low) * 0.3, high * 0.01, 1.0)
        bottom = max(low - pad, 0.0)
        fig.update_layout(
            title=f"MRR bridge, {period_label(last['period_start'], page.grain)} (last complete {page.grain}),"
                  f" in {money.code}" + (f"; the axis starts at {money.amount(bottom, 0)}" if bottom > 0 else ""),
            yaxis=dict(range=[bottom, high + pad], title=f"MRR ({money.code})"), showlegend=False, margin=dict(t=50))
        parts.append(page.chart("chart-mrr-bridge", fig))
    else:
        parts.append(note(f"No complete {page.grain} in <code>fct_revenue_retention</code> for a bridge."))
    money_format = money.hover()
    fig = go.Figure([
        bar(rows, "new_mrr", "New", GREEN, page.grain, value_format=money_format),
        bar(rows, "expansion_mrr", "Expansion", TEAL, page.grain, value_format=money_format),
        bar(rows, "reactivation_mrr", "Reactivation", PURPLE, page.grain, value_format=money_format),
        bar(rows, "contraction_mrr", "Contraction", ORANGE, page.grain, sign=-1, value_format=money_format),
        bar(rows, "churned_mrr", "Churned", RED, page.grain, sign=-1, value_format=money_format),
    ])
    fig.update_layout(barmode="relative", title=f"MRR movements by {page.grain}, in {money.code}",
                      yaxis_title=f"MRR ({money.code})")
    mark_incomplete(fig, rows, page.grain)
    parts.append(page.chart("chart-mrr-movements", fig))
    return "".join(parts)


def revenue_retention_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_revenue_retention",
                      ["net_revenue_retention", "gross_revenue_retention", "net_revenue_retention_12m"], page.grain)
    fig = go.Figure([
        line(rows, "net_revenue_retention", "NRR", BLUE, page.grain, value_format="%{y:.1%}"),
        line(rows, "gross_revenue_retention", "GRR", ORANGE, page.grain, value_format="%{y:.1%}"),
        line(rows, "net_revenue_retention_12m", "NRR over 12 months", PURPLE, page.grain, value_format="%{y:.1%}"),
    ])
    fig.update_layout(title=f"Net and gross revenue retention by {page.grain}", yaxis_tickformat=".0%")
    mark_incomplete(fig, rows, page.grain)
    return page.chart("chart-revenue-retention", fig)


def customer_churn_section(wh: Warehouse, page: Page) -> str:
    shares = [c for c in ("retained_customer_rate",) if c in wh.columns.get("fct_customer_retention", [])]
    rows = wh.periods("fct_customer_retention", ["basis", "customer_churn_rate", "customer_retention_rate", *shares],
                      page.grain)
    bases = sorted({r["basis"] for r in rows})
    for basis in ("orders", "subscriptions"):
        if basis not in bases:
            page.skip(f"churn-{basis}", f"{basis}-basis churn",
                      f"<code>fct_customer_retention</code> has no {basis}-basis rows at the {page.grain} grain",
                      page.basis_cause(basis))
    colours = {"orders": BLUE, "subscriptions": ORANGE}
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12, subplot_titles=(
        "Customer churn rate: share of the customers at the start who are not customers at the end",
        "Retained share (solid; 100% − churn) and CRR (dotted; also counts customers who came back)"
        if shares else "Customer retention rate (CRR)"))
    for basis in bases:
        basis_rows = [r for r in rows if r["basis"] == basis]
        colour = colours.get(basis, GREY)
        fig.add_trace(line(basis_rows, "customer_churn_rate", f"{basis} basis", colour, page.grain,
                           value_format="%{y:.1%}", legendgroup=basis), row=1, col=1)
        if shares:
            fig.add_trace(line(basis_rows, "retained_customer_rate", f"{basis} basis, retained share", colour,
                               page.grain, value_format="%{y:.1%}", legendgroup=basis, showlegend=False),
                          row=2, col=1)
        fig.add_trace(line(basis_rows, "customer_retention_rate", f"{basis} basis, CRR", colour, page.grain,
                           value_format="%{y:.1%}", legendgroup=basis, showlegend=False,
                           dash="dot" if shares else None), row=2, col=1)
    fig.update_yaxes(tickformat=".0%")
    fig.update_layout(legend=dict(y=1.08))
    mark_incomplete(fig, rows, page.grain, row="all", col=1)
    return (note(escape(page.window.describe(page.grain)), "definition", definition="orders-window")
            + page.chart("chart-customer-churn", fig, height=520))


MONTH_ZERO_LOSS = {
    "subscriptions": "started and cancelled within their first {grain}",
    "orders": "ordered in their first {grain} but not within the window W before its end",
}


def cohort_section(wh: Warehouse, page: Page) -> str:
    wh.require("fct_cohort_retention", ["basis", "period_grain", "cohort_period_start", "periods_since_first",
                                        "cohort_customers", "active_customers", "retention_rate",
                                        "is_complete_period"])
    grain, threshold = page.grain, page.min_sample
    parts = []
    for basis in ("orders", "subscriptions"):
        rows = wh.query(
            f"select cohort_period_start, periods_since_first, cohort_customers, active_customers, retention_rate,"
            f" is_complete_period from {wh.table('fct_cohort_retention')}"
            f" where basis = ? and period_grain = ? order by cohort_period_start, periods_since_first",
            [basis, grain])
        if not rows:
            page.skip(f"cohorts-{basis}", f"{basis}-basis cohorts",
                      f"<code>fct_cohort_retention</code> has no {basis}-basis cohorts at the {grain} grain",
                      page.basis_cause(basis))
            continue
        cohorts = sorted({r["cohort_period_start"] for r in rows})
        sizes = {r["cohort_period_start"]: r["cohort_customers"] for r in rows}
        small = {c for c in cohorts if sizes[c] < threshold}
        labels = [f"{period_label(c, grain)} ({sizes[c]:,})" for c in cohorts]

        def hover_of(r: dict[str, Any], label: str, k: int) -> str:
            flag = " (incomplete period)" if r["is_complete_period"] is False else ""
            size_flag = f" (small cohort: fewer than {threshold})" if r["cohort_period_start"] in small else ""
            return (f"{label}, +{k} {grain}s{flag}: {r['active_customers']} of "
                    f"{r['cohort_customers']} ({percent(number(r['retention_rate']))}){size_flag}")

        fig = cohort_heatmap(
            rows, cohorts, labels, small, hover_of, threshold=threshold, noun="customers", scale_title="retained",
            incomplete="incomplete period",
            title=f"Cohort retention, {basis} basis: share of each {grain}'s new customers who are customers "
                  f"at the end of each {grain} since",
            x_title=f"{grain}s since the first (0 = the end of the cohort's first {grain})")
        height = max(320, 110 + 22 * len(cohorts))
        parts.append(page.chart(f"chart-cohort-{basis}", fig, height=height))
        parts.append(month_zero_note(basis, rows, page))
        if small:
            cohort_rows = [{"period_start": c, "cohort_customers": sizes[c]} for c in cohorts]
            smallest, largest = min(sizes[c] for c in small), max(sizes[c] for c in small)
            low, high = f"{100 / largest:.0f}", f"{100 / max(smallest, 1):.0f}"
            moves = f"{low} to {high} points" if low != high else f"{high} points"
            bigger = "" if grain == "year" else " A coarser --grain pools them into larger cohorts."
            parts.append(small_sample_note(
                f"cohorts-{basis}", cohort_rows, small, "cohort_customers", "customers", page,
                f"Their cells are grey rather than blue: one customer moves such a cohort's share by {moves}."
                f"{bigger}", unit="cohort"))
    if not parts:
        raise MissingData(f"<code>fct_cohort_retention</code> has no cohorts at the {grain} grain")
    return "".join(parts)


def cohort_heatmap(rows: list[dict[str, Any]], cohorts: list[Any], labels: list[str], small: set[Any],
                   hover_of: Callable[[dict[str, Any], str, int], str], *, threshold: int, noun: str,
                   scale_title: str, incomplete: str, title: str, x_title: str) -> go.Figure:
    """A cohort triangle as a heatmap: a row per cohort (`labels`, in `cohorts` order), a column per
    period since the first, each cell the row's retention_rate; cohorts in `small` on the grey
    scale, cells of incomplete periods framed in orange."""
    index = {c: i for i, c in enumerate(cohorts)}
    width = max(r["periods_since_first"] for r in rows) + 1
    z: list[list[float | None]] = [[None] * width for _ in cohorts]
    z_small: list[list[float | None]] = [[None] * width for _ in cohorts]
    hover: list[list[str]] = [[""] * width for _ in cohorts]
    framed_x, framed_y = [], []
    for r in rows:
        i, k = index[r["cohort_period_start"]], r["periods_since_first"]
        (z_small if r["cohort_period_start"] in small else z)[i][k] = number(r["retention_rate"])
        hover[i][k] = hover_of(r, labels[i], k)
        if r["is_complete_period"] is False:
            framed_x.append(k)
            framed_y.append(labels[i])
    common = dict(x=list(range(width)), y=labels, zmin=0, zmax=1, text=hover, xgap=1, ygap=1,
                  hovertemplate="%{text}<extra></extra>", texttemplate="%{z:.0%}", textfont=dict(size=9))
    fig = go.Figure(go.Heatmap(z=z, colorscale="Blues", name=f"{threshold}+ {noun}",
                               colorbar=dict(title=dict(text=scale_title), tickformat=".0%"), **common))
    if small:
        fig.add_trace(go.Heatmap(z=z_small, colorscale=SMALL_COHORT_SCALE, showscale=False,
                                 name=f"fewer than {threshold} {noun}", **common))
    fig.add_trace(go.Scatter(x=framed_x, y=framed_y, mode="markers", name=incomplete,
                             marker=dict(symbol="square-open", size=16, color=ORANGE, line=dict(width=2)),
                             hoverinfo="skip"))
    fig.update_layout(
        title=title,
        xaxis=dict(title=x_title, dtick=1, range=[-0.5, width - 0.5], zeroline=False),
        yaxis=dict(autorange="reversed", type="category", categoryorder="array", categoryarray=labels,
                   automargin=True, showgrid=False),
        showlegend=bool(framed_x))
    return fig


def month_zero_note(basis: str, rows: list[dict[str, Any]], page: Page) -> str:
    """What a cohort's column 0 counts, and which cohorts it puts below 100%."""
    grain = page.grain
    below = [r for r in rows if r["periods_since_first"] == 0 and r["retention_rate"] is not None
             and r["retention_rate"] < 1]
    text = (f"<strong>{grain.capitalize()} 0</strong> is counted at the end of the cohort's first {grain}: the share "
            f"of its new customers who are still customers then.")
    if below:
        listed = ", ".join(f"{period_label(r['cohort_period_start'], grain)} ({r['active_customers']} of "
                           f"{r['cohort_customers']})" for r in below)
        text += (f" Customers who {MONTH_ZERO_LOSS.get(basis, 'left within their first {grain}').format(grain=grain)}"
                 f" count in the cohort's size but not at {grain} 0, so it is below 100% for {escape(listed)}.")
    elif basis == "orders" and page.window.days is None:
        text += f" With W one {grain}, everyone who ordered in it is, so it is always 100%."
    return note(text, "cohort-note", basis=basis, below_full=str(len(below)))


# -- segments -------------------------------------------------------------------------

SEGMENT_MART = "fct_retention_by_segment"
# Dimensions in this order; any other segment_dimension of the mart (var customer_attributes) follows.
FIXED_DIMENSIONS = ("plan", "acquisition_channel", "country")
SEGMENT_COUNTS = ["customers_at_start", "retained_customers", "churned_customers"]
SEGMENT_MONEY = ["mrr_at_start", "expansion_mrr", "contraction_mrr", "churned_mrr"]
SEGMENT_RATES = ["customer_churn_rate", "retained_customer_rate", "net_revenue_retention"]
# Values that say the dimension is not known for a customer (spec section 11).
NO_VALUE = ("(unknown)", "(none)")
SEGMENT_COLOURS = [BLUE, ORANGE, GREEN, PURPLE, TEAL, RED, "#ca8a04", "#db2777", "#4f46e5", "#65a30d"]


@dataclass
class Segment:
    label: str                     # the segment value, "Other" or "All customers"
    members: list[str]             # the mart's segment values it sums
    sums: dict[str, Any]           # SEGMENT_COUNTS and SEGMENT_MONEY summed over the members
    rates: dict[str, float | None]  # SEGMENT_RATES
    small: bool                    # fewer than --min-sample (but some) customers at the start
    grouped: bool = False          # Other (or the total): rates from sums of several rows


def total(values: list[Any]) -> Any:
    """The sum of `values`, or None when any is null (a column of the other basis)."""
    return None if any(v is None for v in values) else sum(values)


def ratio(numerator: Any, denominator: Any) -> float | None:
    """As the marts' safe_divide: null over a zero or null denominator."""
    if numerator is None or denominator is None or float(denominator) == 0:
        return None
    return float(numerator) / float(denominator)


def segment_rates(sums: dict[str, Any]) -> dict[str, float | None]:
    """Churn, the retained share and NRR from one group's own summed counts and MRR,
    with the mart's formulas (churned / S, retained / S, (MRR at start + expansion
    - contraction - churned MRR) / MRR at start)."""
    start = sums["customers_at_start"]
    money = [sums.get(c) for c in SEGMENT_MONEY]
    nrr = None
    if None not in money:
        mrr, expansion, contraction, churned = money
        nrr = ratio(mrr + expansion - contraction - churned, mrr)
    return {"customer_churn_rate": ratio(sums["churned_customers"], start),
            "retained_customer_rate": ratio(sums["retained_customers"], start),
            "net_revenue_retention": nrr}


def combine(label: str, rows: list[dict[str, Any]], threshold: int, grouped: bool = False) -> Segment:
    """One segment from its mart rows. A single row keeps the mart's own rates; a
    group of rows (Other, or every segment) gets rates from its sums, never an
    average of the rows' rates."""
    sums = {c: total([r.get(c) for r in rows]) for c in SEGMENT_COUNTS + SEGMENT_MONEY}
    if len(rows) == 1 and all(c in rows[0] for c in SEGMENT_RATES):
        rates = {c: number(rows[0][c]) for c in SEGMENT_RATES}
    else:
        rates = segment_rates(sums)
    start = sums["customers_at_start"] or 0
    return Segment(label, [r["segment_value"] for r in rows], sums, rates, 0 < start < threshold, grouped)


def top_segments(rows: list[dict[str, Any]], top: int) -> list[str]:
    """The segment values shown by name, largest first: the `top` largest by customers
    at the start (ties by value). When only one would be left over it is named too,
    rather than an Other of one."""
    ranked = sorted(rows, key=lambda r: (-(r["customers_at_start"] or 0), str(r["segment_value"])))
    values = [r["segment_value"] for r in ranked]
    return values if len(values) <= top + 1 else values[:top]


def group_segments(rows: list[dict[str, Any]], named: list[str], threshold: int) -> list[Segment]:
    """One period's rows of one dimension as segments: each of `named` that has a row,
    in that order, then Other for every other value (rates from its sums)."""
    by_value = {r["segment_value"]: r for r in rows}
    segments = [combine(value, [by_value[value]], threshold) for value in named if value in by_value]
    rest = [r for r in rows if r["segment_value"] not in named]
    if rest:
        segments.append(combine(other_label(named), rest, threshold, grouped=True))
    return segments


def other_label(named: list[str]) -> str:
    """The label of the grouped rest: "Other", unless a named segment is called that."""
    return "All other" if "Other" in named else "Other"


def dimension_order(dimensions: set[str]) -> list[str]:
    """plan, acquisition_channel, country, then the mart's other dimensions (customer attributes) by name."""
    return [d for d in FIXED_DIMENSIONS if d in dimensions] + sorted(d for d in dimensions
                                                                     if d not in FIXED_DIMENSIONS)


def dimension_name(dimension: str) -> str:
    return dimension.replace("_", " ")


def html_id(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def segment_row(segment: Segment, page: Page, nrr: bool, css: str = "") -> str:
    """A table row: the segment, its customers at the start beside every rate, and the
    exact numbers as data attributes."""
    classes = " ".join(c for c in (css, "other" if segment.grouped and not css else "",
                                   "small" if segment.small else "") if c)
    sums, rates = segment.sums, segment.rates
    start = sums["customers_at_start"]
    attributes = {
        "data-segment": segment.label, "data-members": ",".join(map(str, segment.members)),
        "data-customers-at-start": data_value(start), "data-churned-customers": data_value(sums["churned_customers"]),
        "data-retained-customers": data_value(sums["retained_customers"]),
        **{f"data-{c.replace('_', '-')}": data_value(rates[c]) for c in SEGMENT_RATES},
        "data-mrr-at-start": data_value(sums["mrr_at_start"]), "data-small": "true" if segment.small else "false",
    }
    attrs = " ".join(f'{k}="{escape(v)}"' for k, v in attributes.items())
    label = escape(segment.label)
    if segment.grouped and css != "total":
        label += f' <span class="members">({plural(len(segment.members), "segment")})</span>'
    cells = [label, f"{start:,}" if start is not None else "–",
             f"{sums['churned_customers']:,}" if sums["churned_customers"] is not None else "–",
             percent(rates["customer_churn_rate"]), percent(rates["retained_customer_rate"])]
    if nrr:
        cells += [page.currency.amount(sums["mrr_at_start"]), percent(rates["net_revenue_retention"])]
    if classes:
        attrs += f' class="{classes}"'
    if segment.small:
        attrs += f' title="fewer than {page.min_sample} customers at the start: a small sample"'
    return f"<tr {attrs}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def segment_table(dimension: str, basis: str, period: date, segments: list[Segment], everyone: Segment,
                  page: Page, nrr: bool) -> str:
    headers = [dimension_name(dimension), "customers at start", "churned", "churn rate", "retained share"]
    if nrr:
        headers += [f"MRR at start ({page.currency.code})", "NRR"]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(segment_row(s, page, nrr) for s in segments) + segment_row(everyone, page, nrr, "total")
    return (f'<table class="figures segments" id="segments-table-{html_id(dimension)}" '
            f'data-dimension="{escape(dimension)}" data-basis="{escape(basis)}" '
            f'data-period-start="{period.isoformat()}" data-currency="{escape(page.currency.code) if nrr else ""}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def segment_trend(dimension: str, basis: str, rows: list[dict[str, Any]], named: list[str],
                  sizes: dict[str, int], page: Page, nrr: bool) -> str:
    """Churn (and NRR) per segment over the trend's periods, Other regrouped in every
    period from its own sums; a segment's periods under --min-sample are faint open
    markers, off its line, as in the email and NPS charts."""
    periods = sorted({r["period_start"] for r in rows})
    series: dict[str, list[dict[str, Any]]] = {}
    for period in periods:
        for segment in group_segments([r for r in rows if r["period_start"] == period], named, page.min_sample):
            series.setdefault(segment.label, []).append({
                "period_start": period, "is_complete_period": True,
                "customers_at_start": segment.sums["customers_at_start"], **segment.rates})
    metrics = [("customer_churn_rate", f"Customer churn rate ({basis} basis)")]
    if nrr:
        metrics.append(("net_revenue_retention", f"Net revenue retention, NRR ({basis} basis)"))
    fig = make_subplots(rows=len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.14,
                        subplot_titles=[title for _, title in metrics])
    word = "customers at the start"
    any_small = False
    other = other_label(named)
    labels = [label for label in named if label in series] + ([other] if other in series else [])
    for index, label in enumerate(labels):
        colour = GREY if label == other else SEGMENT_COLOURS[index % len(SEGMENT_COLOURS)]
        points = series[label]
        small = small_periods(points, "customers_at_start", page.min_sample)
        any_small = any_small or bool(small)
        size = f" ({sizes[label]:,})" if label in sizes else ""
        for row, (column, _) in enumerate(metrics, start=1):
            trace = line(points, column, f"{label}{size}", colour, page.grain, value_format="%{y:.1%}",
                         leave_out=small, legendgroup=label, showlegend=row == 1,
                         dash="dot" if label == other else None)
            trace.customdata = [f" ({p['customers_at_start']:,} at start)" for p in points]
            fig.add_trace(trace, row=row, col=1)
            if small:
                fig.add_trace(small_sample_points(points, column, f"{label}{size}", colour, page.grain, small,
                                                  "customers_at_start", word, value_format="%{y:.1%}",
                                                  legendgroup=label), row=row, col=1)
    if any_small:
        fig.add_trace(small_sample_key(page, word), row=1, col=1)
    fig.update_yaxes(tickformat=".0%")
    fig.update_layout(title=f"By {dimension_name(dimension)}, last {plural(len(periods), 'complete ' + page.grain)}"
                            f" (legend: customers at the start of {period_label(periods[-1], page.grain)})",
                      legend=dict(y=1.06), margin=dict(t=110))
    mark_incomplete(fig, [{"period_start": p} for p in periods], page.grain, row="all", col=1)
    return page.chart(f"chart-segments-{html_id(dimension)}", fig, height=560 if nrr else 380)


def segment_small_note(dimension: str, segments: list[Segment], period: date, page: Page) -> str:
    small = [s for s in segments if s.small]
    if not small:
        return ""
    listed = ", ".join(f"{s.label} ({s.sums['customers_at_start']:,})" for s in small)
    sizes = [s.sums["customers_at_start"] for s in small]
    low, high = f"{100 / max(sizes):.0f}", f"{100 / min(sizes):.0f}"
    moves = f"{low} to {high} points" if low != high else f"{high} points"
    return note(f"<strong>Small samples.</strong> Fewer than {page.min_sample} customers at the start of "
                f"{escape(period_label(period, page.grain))} in {len(small)} of the {len(segments)} "
                f"{escape(dimension_name(dimension))} rows: {escape(listed)}. Their rows are grey, and in the trend a "
                f"segment's periods under {page.min_sample} are faint open markers, off its line: one customer "
                f"moves such a segment's churn by {moves}.", "sample-note",
                small_sample=f"segments-{dimension}", segments=",".join(s.label for s in small))


def segments_section(wh: Warehouse, page: Page) -> str:
    mart, grain = SEGMENT_MART, page.grain
    wh.require(mart, ["basis", "period_grain", "period_start", "is_complete_period", "segment_dimension",
                      "segment_value", *SEGMENT_COUNTS, "customer_churn_rate", "retained_customer_rate"])
    bases = {r["basis"] for r in wh.query(f"select distinct basis from {wh.table(mart)} where period_grain = ?",
                                          [grain])}
    if not bases:
        raise MissingData(f"<code>{mart}</code> has no rows at the {grain} grain")
    # The subscriptions basis, as the report's churn and NRR: it holds plan and NRR. A shop
    # without subscriptions gets churn by its customer dimensions on the orders basis.
    basis = "subscriptions" if "subscriptions" in bases else "orders"
    nrr = basis == "subscriptions" and all(c in wh.columns[mart] for c in [*SEGMENT_MONEY, "net_revenue_retention"])
    if basis != "subscriptions":
        page.skip("segments-subscriptions", "plan and NRR by segment",
                  f"<code>{mart}</code> has no subscriptions-basis rows at the {grain} grain",
                  page.basis_cause("subscriptions"))
    periods = [r["period_start"] for r in wh.query(
        f"select distinct period_start from {wh.table(mart)} where period_grain = ? and basis = ?"
        " and is_complete_period order by period_start desc limit ?", [grain, basis, TREND_PERIODS])]
    if not periods:
        raise MissingData(f"no complete {grain} in <code>{mart}</code> on the {basis} basis")
    last = periods[0]
    columns = ["segment_dimension", "segment_value", "period_start", *SEGMENT_COUNTS,
               "customer_churn_rate", "retained_customer_rate",
               *([*SEGMENT_MONEY, "net_revenue_retention"] if nrr else [])]
    rows = wh.query(
        f"select {', '.join(columns)} from {wh.table(mart)} where period_grain = ? and basis = ?"
        f" and period_start in ({', '.join('?' for _ in periods)}) order by period_start", [grain, basis, *periods])
    dimensions = dimension_order({r["segment_dimension"] for r in rows if r["period_start"] == last})
    definition = (
        "<strong>Subscriptions basis</strong> throughout: a customer holds a paying subscription (MRR above zero), "
        "as in the subscription tiles; churn rate and retained share count those customers, and NRR is the MRR "
        "the customers at the start hold at the period's end over their MRR at its start."
        if basis == "subscriptions" else
        "<strong>Orders basis</strong> throughout (the warehouse has no subscriptions): a customer has "
        f"{escape(page.window.short(grain))}. Churn rate and retained share only: plan and NRR need subscriptions.")
    parts = [note(f"{definition} Tables: {escape(period_label(last, grain))}, the last complete {grain}; lines: "
                  f"{plural(len(periods), 'complete ' + grain)} up to it.", "definition",
                  definition="segments-basis", basis=basis)]
    for dimension in dimensions:
        current = [r for r in rows if r["segment_dimension"] == dimension and r["period_start"] == last]
        named = top_segments(current, page.top_segments)
        segments = group_segments(current, named, page.min_sample)
        everyone = combine("All customers", current, page.min_sample, grouped=True)
        block = [f'<h3>By {escape(dimension_name(dimension))} <span class="basis">({escape(basis)} basis, '
                 f'{escape(period_label(last, grain))})</span></h3>']
        known = [r for r in current if r["segment_value"] not in NO_VALUE]
        if not known:
            values = " and ".join(sorted({r["segment_value"] for r in current}))
            block.append(note(
                f"Every customer's {escape(dimension_name(dimension))} is {escape(values)}: the customers table "
                "gives no usable value for it (no table, an empty column, or a plan without an id), so it does not "
                "split the customers yet and has no trend.", "note", dimension_note="no-values"))
        block.append(segment_table(dimension, basis, last, segments, everyone, page, nrr))
        block.append(segment_small_note(dimension, segments, last, page))
        if known:
            sizes = {s.label: s.sums["customers_at_start"] for s in segments}
            block.append(segment_trend(dimension, basis, [r for r in rows if r["segment_dimension"] == dimension],
                                       named, sizes, page, nrr))
        parts.append(f'<div class="segment-dimension" data-dimension="{escape(dimension)}" '
                     f'data-basis="{escape(basis)}">{"".join(block)}</div>')
    if not dimensions:
        raise MissingData(f"<code>{mart}</code> has no rows for {period_label(last, grain)}")
    return "".join(parts)


TRIAL_RATES = [("trial_to_paid_rate_30_days", "within 30 days", TEAL),
               ("trial_to_paid_rate_90_days", "within 90 days", BLUE), ("trial_to_paid_rate", "to date", PURPLE)]
TRIAL_TABLE_PERIODS = 12  # the most recent periods of the trial conversion table


def trial_conversion_section(wh: Warehouse, page: Page) -> str:
    """The 30-day, 90-day and to-date trial-to-paid rates by period of the trial's start (fct_trial_conversion),
    the trials started below; periods whose 90-day window is still open (is_conversion_window_complete false)
    are off the lines as open diamonds and named, as are periods of fewer than --min-sample trials."""
    counts = ["trials_started", "converted_customers", "converted_within_30_days", "converted_within_90_days"]
    try:
        rows = wh.periods("fct_trial_conversion", [*counts, *(c for c, _, _ in TRIAL_RATES),
                                                   "is_conversion_window_complete"], page.grain)
    except MissingData as missing:
        if missing.cause is None and "has no rows" in str(missing):
            missing.cause = page.basis_cause("subscriptions")
        raise
    grain, word = page.grain, "trials"
    open_window = {r["period_start"] for r in rows if not r["is_conversion_window_complete"]}
    small = small_periods(rows, "trials_started", page.min_sample)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.65, 0.35],
                        subplot_titles=("Trial-to-paid rate by the period the trial started",
                                        "Trials started"))
    for column, name, colour in TRIAL_RATES:
        label = f"Converted {name}"
        fig.add_trace(line(rows, column, label, colour, grain, value_format="%{y:.1%}",
                           leave_out=open_window | small, legendgroup=column), row=1, col=1)
        faint = small - open_window
        if faint:
            fig.add_trace(small_sample_points(rows, column, label, colour, grain, faint, "trials_started", word,
                                              value_format="%{y:.1%}", legendgroup=column), row=1, col=1)
        pending = [r for r in rows if r["period_start"] in open_window and r[column] is not None]
        if pending:
            fig.add_trace(go.Scatter(
                x=[period_label(r["period_start"], grain) for r in pending], y=[float(r[column]) for r in pending],
                name=f"{label} (window open)", mode="markers", showlegend=False, legendgroup=column,
                marker=dict(color=colour, size=10, symbol="diamond-open", line=dict(width=2)),
                customdata=[f"{r['trials_started']:,} trials" for r in pending],
                hovertemplate="%{x}: %{y:.1%} of %{customdata} so far (90-day window still open)<extra>"
                              + escape(label) + "</extra>"), row=1, col=1)
    if small - open_window:
        fig.add_trace(small_sample_key(page, word), row=1, col=1)
    if open_window:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="90-day window still open: can still rise",
                                 marker=dict(color=GREY, size=10, symbol="diamond-open", line=dict(width=2)),
                                 hoverinfo="skip"), row=1, col=1)
    fig.add_trace(bar(rows, "trials_started", "Trials started", "#cbd5e1", grain, value_format="%{y:,}",
                      showlegend=False), row=2, col=1)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="trials", rangemode="tozero", row=2, col=1)
    fig.update_layout(legend=dict(y=1.08))
    mark_incomplete(fig, rows, grain, row="all", col=1)
    window = ""
    if open_window:
        pending_rows = [r for r in rows if r["period_start"] in open_window]
        listed = escape(", ".join(period_label(r["period_start"], grain) for r in pending_rows))
        window = note(
            f"<strong>Conversion window open.</strong> The trials of {plural(len(pending_rows), grain)} ({listed}) "
            "have not all had 90 days by the as-of date (the period's end plus 90 days is after it), so their rates "
            "can still rise: open diamonds, off the lines.",
            "window-note", conversion_window="open",
            periods=",".join(r["period_start"].isoformat() for r in pending_rows))
    recent = rows[-TRIAL_TABLE_PERIODS:]
    body = "".join(
        f'<tr data-period-start="{r["period_start"].isoformat()}"'
        f' data-trials-started="{data_value(r["trials_started"])}"'
        f' data-converted-customers="{data_value(r["converted_customers"])}"'
        + "".join(f' data-{c.replace("_", "-")}="{data_value(r[c])}"' for c, _, _ in TRIAL_RATES)
        + f' data-window-complete="{"true" if r["is_conversion_window_complete"] else "false"}"'
        + (' class="open"' if r["period_start"] in open_window else "") + ">"
        f'<td>{escape(period_label(r["period_start"], grain))}{" (incomplete)" if is_incomplete(r) else ""}</td>'
        f'<td>{r["trials_started"]:,}</td><td>{r["converted_within_30_days"]:,}</td>'
        f'<td>{r["converted_within_90_days"]:,}</td><td>{r["converted_customers"]:,}</td>'
        + "".join(f"<td>{percent(number(r[c]))}</td>" for c, _, _ in TRIAL_RATES)
        + f'<td>{"open" if r["period_start"] in open_window else "complete"}</td></tr>' for r in recent)
    table = (f'<table class="figures" id="trial-conversion-table" data-grain="{grain}"><thead><tr>'
             f"<th>{grain} the trial started</th><th>trials</th><th>converted within 30 days</th>"
             "<th>within 90 days</th><th>to date</th><th>rate, 30 days</th><th>rate, 90 days</th>"
             "<th>rate to date</th><th>90-day window</th></tr></thead>"
             f"<tbody>{body}</tbody></table>")
    return (page.chart("chart-trial-conversion", fig, height=520) + window
            + small_sample_note("trial-conversion", [r for r in rows if r["period_start"] not in open_window],
                                small - open_window, "trials_started", word, page,
                                "Their rates are faint open markers, left off the lines: one trial is 0% or 100%.")
            + table)


def order_metrics_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_order_metrics", ["orders", "revenue", "average_order_value", "purchase_frequency",
                                            "repeat_customer_rate"], page.grain)
    code = page.currency.code
    volume = make_subplots(specs=[[{"secondary_y": True}]])
    volume.add_trace(bar(rows, "revenue", f"Revenue ({code})", BLUE, page.grain,
                         value_format=page.currency.hover()), secondary_y=False)
    volume.add_trace(line(rows, "orders", "Orders", ORANGE, page.grain), secondary_y=True)
    volume.update_layout(title=f"Revenue ({code}, net of refunds) and orders by {page.grain}")
    volume.update_yaxes(title_text=f"revenue ({code})", secondary_y=False)
    volume.update_yaxes(title_text="orders", secondary_y=True, showgrid=False, rangemode="tozero", tickmode="auto")
    mark_incomplete(volume, rows, page.grain)
    rates = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                          subplot_titles=(f"Average order value ({code})",
                                          "Purchase frequency (orders per ordering customer)",
                                          "Repeat customer rate"))
    rates.add_trace(line(rows, "average_order_value", f"AOV ({code})", BLUE, page.grain, showlegend=False,
                         value_format=page.currency.hover()), row=1, col=1)
    rates.add_trace(line(rows, "purchase_frequency", "Purchase frequency", TEAL, page.grain, showlegend=False,
                         value_format="%{y:.2f}"), row=2, col=1)
    rates.add_trace(line(rows, "repeat_customer_rate", "Repeat customer rate", PURPLE, page.grain,
                         showlegend=False, value_format="%{y:.1%}"), row=3, col=1)
    rates.update_yaxes(title_text=code, row=1, col=1)
    rates.update_yaxes(tickformat=".0%", row=3, col=1)
    rates.update_layout(margin=dict(t=40))
    mark_incomplete(rates, rows, page.grain, row="all", col=1)
    return page.chart("chart-order-volume", volume) + page.chart("chart-order-rates", rates, height=600)


CLV_MODELS = {"bg_nbd": ("BG/NBD purchase model", 4), "gamma_gamma": ("Gamma-Gamma spend model", 3)}


def clv_fit_flags(wh: Warehouse) -> str:
    """A flag per CLV model whose fit sits at a boundary, did not converge or was not fitted."""
    try:
        wh.require("fct_clv_model_parameters", ["model", "converged", "fit_message"], rows=False)
    except MissingData:
        return ""
    fits = {r["model"]: r for r in wh.query(
        f"select model, bool_and(coalesce(converged, false)) as converged, max(fit_message) as fit_message"
        f" from {wh.table('fct_clv_model_parameters')} group by model")}
    flags = []
    for model, (name, parameters) in CLV_MODELS.items():
        fit = fits.get(model)
        message = str((fit or {}).get("fit_message") or "")
        if fit is None:
            kind, text = ("not-fitted", f"<strong>{name} not fitted.</strong> It needs at least {parameters} "
                          "customers with a repeat purchase; its predictions are null, so predicted CLV is too.")
        elif not fit["converged"]:
            kind, text = ("not-converged", f"<strong>{name} did not converge</strong>, and its predictions are null "
                          f"(published only with var clv_on_fit_failure: warn): {escape(message)}")
        elif "at the boundary" in message:
            detail = message.split("at the boundary:", 1)[1].strip()
            kind, text = ("boundary", f"<strong>{name}: the fit sits at a boundary, so the predictions below "
                          f"are those of a limit model.</strong> {escape(detail.rstrip('.'))}.")
        else:
            continue
        css = "flag bad" if kind == "not-converged" else "flag"
        flags.append(f'<div class="{css}" data-flag="clv-{kind}" data-model="{model}">{text}</div>')
    return "".join(flags)


def clv_section(wh: Warehouse, page: Page) -> str:
    wh.require("fct_customer_clv", ["predicted_clv"], rows=False)
    flags = clv_fit_flags(wh)
    if not wh.has_rows("fct_customer_clv"):
        if not flags:
            raise MissingData("<code>fct_customer_clv</code> has no rows")
    horizon = clv_horizon(wh)
    money = page.currency
    values = [float(r["predicted_clv"]) for r in wh.query(
        f"select predicted_clv from {wh.table('fct_customer_clv')} where predicted_clv is not null")]
    stated = note(
        f"Predicted revenue per customer over <strong>{escape(horizon.text())}</strong>"
        + ("" if horizon.stated else f" (var clv_horizon's default: <code>fct_customer_clv</code> does not say)")
        + f", undiscounted, in {escape(money.code)}: expected purchases (BG/NBD) × expected spend per purchase "
          "(Gamma-Gamma).", "definition", definition="clv-horizon")
    if not values:
        if not flags:
            raise MissingData("<code>fct_customer_clv</code> has no predicted CLV")
        return flags + stated + note("No customer has a predicted CLV: see the flags above.")
    ordered = sorted(values)
    median = ordered[len(ordered) // 2] if len(ordered) % 2 else (ordered[len(ordered) // 2 - 1]
                                                                    + ordered[len(ordered) // 2]) / 2
    mean = sum(values) / len(values)
    fig = go.Figure(go.Histogram(x=values, nbinsx=40, marker=dict(color=BLUE, line=dict(color="white", width=1)),
                                 hovertemplate="CLV " + money.prefix + "%{x}: %{y} customers<extra></extra>"))
    fig.add_vline(x=median, line=dict(color=ORANGE, dash="dash"), annotation_text=f"median {money.amount(median)}",
                  annotation_position="top right")
    fig.add_vline(x=mean, line=dict(color=PURPLE, dash="dot"), annotation_text=f"mean {money.amount(mean)}",
                  annotation_position="top right", annotation_y=0.9)
    fig.update_layout(title=f"Predicted CLV over {horizon.text()} ({len(values):,} customers)",
                      xaxis_title=f"predicted CLV over {horizon.text()} ({money.code})", yaxis_title="customers",
                      showlegend=False, margin=dict(t=50))
    return flags + stated + page.chart("chart-clv-distribution", fig)


PROJECTION_COHORTS = 12  # the most recent cohorts drawn in the projected-retention chart


def retention_fits(wh: Warehouse) -> dict[str, dict[str, Any]]:
    """The company-wide shifted-beta-geometric fits in fct_clv_model_parameters, by grain (the segments'
    fits, with segment_dimension set, are fct_retention_projection_by_segment's)."""
    if not wh.has_rows("fct_clv_model_parameters", ["model", "parameter", "value", "converged", "fit_message",
                                                    "segment_dimension"]):
        return {}
    fits: dict[str, dict[str, Any]] = {}
    for r in wh.query(f"select model, parameter, value, converged, fit_message, log_likelihood, customers"
                      f" from {wh.table('fct_clv_model_parameters')}"
                      " where model like 'shifted_beta_geometric_%' and segment_dimension is null"
                      " order by model, parameter"):
        fit = fits.setdefault(r["model"].removeprefix("shifted_beta_geometric_"), {"model": r["model"]})
        fit[r["parameter"]] = number(r["value"])
        fit.update(converged=bool(r["converged"]), message=str(r["fit_message"] or ""),
                   log_likelihood=number(r["log_likelihood"]), customers=r["customers"])
    return fits


def retention_projection_section(wh: Warehouse, page: Page) -> str:
    """Observed survival per cohort (solid), its projection by the shifted-beta-geometric fit (dashed,
    faint) and the fitted S(t), at the page's grain or, without rows there, a grain that has them."""
    wh.require("fct_retention_projection", ["period_grain", "cohort_period_start", "periods_since_first",
                                            "cohort_age", "cohort_customers", "survival_rate",
                                            "projected_survival_rate", "expected_surviving_customers",
                                            "is_projected"])
    fits = retention_fits(wh)
    grains = [r["period_grain"] for r in wh.query(
        f"select distinct period_grain from {wh.table('fct_retention_projection')}")]
    with_fit = [g for g in grains if fits.get(g, {}).get("converged")]
    grain = page.grain if page.grain in grains else (with_fit or sorted(grains))[0]
    rows = wh.query(
        f"select cohort_period_start, periods_since_first, cohort_age, cohort_customers, survival_rate,"
        f" projected_survival_rate, expected_surviving_customers, is_projected"
        f" from {wh.table('fct_retention_projection')} where period_grain = ?"
        " order by cohort_period_start, periods_since_first", [grain])
    flags = []
    for flag_grain, fit in sorted(fits.items()):
        name = f"Shifted-beta-geometric retention fit ({flag_grain})"
        if not fit["converged"]:
            flags.append(f'<div class="flag bad" data-flag="projection-not-converged" data-model="{fit["model"]}">'
                         f"<strong>{name} did not converge</strong>, and its projections are null (published only "
                         f"with var clv_on_fit_failure: warn): {escape(fit['message'])}</div>")
        elif "at the boundary" in fit["message"]:
            detail = fit["message"].split("at the boundary:", 1)[1].strip()
            flags.append(f'<div class="flag" data-flag="clv-boundary" data-model="{fit["model"]}"><strong>{name}: '
                         "the fit sits at a boundary, so its projections are those of a limit model.</strong> "
                         f"{escape(detail.rstrip('.'))}.</div>")
    fit = fits.get(grain)
    if fit and fit["converged"]:
        stated = note(
            f"Fitted at the {grain} grain over every cohort at once (each censored at its own age): "
            f"<strong>alpha = {fit['alpha']:.4g}, beta = {fit['beta']:.4g}</strong> (log-likelihood "
            f"{fit['log_likelihood']:,.2f}, {fit['customers']:,} customers). S(t) = S(t − 1) (beta + t − 1) / "
            "(alpha + beta + t − 1).", "definition", definition="retention-fit")
    else:
        stated = note(f"No converged shifted-beta-geometric fit at the {grain} grain (it needs at least one churn "
                      "and one customer who survived a period), so the projections are null; observed survival "
                      "only.", "definition", definition="retention-fit")
    cohorts = sorted({r["cohort_period_start"] for r in rows})
    shown = cohorts[-PROJECTION_COHORTS:]
    palette = [BLUE, ORANGE, GREEN, RED, PURPLE, TEAL]
    fig = go.Figure()
    for index, cohort in enumerate(shown):
        own = [r for r in rows if r["cohort_period_start"] == cohort]
        size = own[0]["cohort_customers"]
        label, colour = f"{period_label(cohort, grain)} ({size:,})", palette[index % len(palette)]
        observed = [r for r in own if not r["is_projected"]]
        fig.add_trace(go.Scatter(
            x=[r["periods_since_first"] for r in observed], y=[number(r["survival_rate"]) for r in observed],
            mode="lines+markers", name=label, legendgroup=label, line=dict(color=colour),
            opacity=1.0 if size >= page.min_sample else SMALL_OPACITY,
            hovertemplate=f"{label}, +%{{x}} {grain}s: %{{y:.1%}} still customers (observed)<extra></extra>"))
        projected = [r for r in own if r["is_projected"] and r["expected_surviving_customers"] is not None]
        if projected and size > 0:
            last = observed[-1]
            fig.add_trace(go.Scatter(
                x=[last["periods_since_first"]] + [r["periods_since_first"] for r in projected],
                y=[number(last["survival_rate"])] + [number(r["expected_surviving_customers"]) / size
                                                      for r in projected],
                mode="lines", name=f"{label} projected", legendgroup=label, showlegend=False, opacity=SMALL_OPACITY,
                line=dict(color=colour, dash="dash"),
                hovertemplate=f"{label}, +%{{x}} {grain}s: %{{y:.1%}} projected<extra></extra>"))
    curve = {r["periods_since_first"]: number(r["projected_survival_rate"]) for r in rows
             if r["projected_survival_rate"] is not None}
    if curve:
        fig.add_trace(go.Scatter(x=sorted(curve), y=[curve[t] for t in sorted(curve)], mode="lines",
                                 name="fitted S(t)", line=dict(color=GREY, dash="dot", width=3),
                                 hovertemplate=f"S(%{{x}}) = %{{y:.1%}}<extra></extra>"))
    fig.update_layout(
        title=f"Subscription survival by {grain} cohort: observed (solid) and projected (dashed)",
        xaxis=dict(title=f"{grain}s since the first (0 = the end of the cohort's first {grain})", dtick=1
                   if len(curve) <= 30 else None),
        yaxis=dict(title="share of the cohort still a customer", tickformat=".0%", range=[0, 1.05]))
    left_out = (note(f"The {len(shown)} most recent of {len(cohorts)} cohorts are drawn.", "cohort-note",
                     projection="cohorts-drawn") if len(shown) < len(cohorts) else "")
    return ("".join(flags) + stated + page.chart("chart-retention-projection", fig, height=460) + left_out
            + projection_segments_table(wh, grain))


def projection_segments_table(wh: Warehouse, grain: str) -> str:
    """Per segment at the grain: the customers its fit stands on, the fitted churn after the first period
    alpha / (alpha + beta) and S(t) at the largest t every projected segment reaches, or why it is not
    projected."""
    columns = ["period_grain", "segment_dimension", "segment_value", "periods_since_first", "segment_fit_customers",
               "projected_survival_rate", "projection_status"]
    if not wh.has_rows("fct_retention_projection_by_segment", columns):
        return ""
    rows = wh.query(
        f"select segment_dimension, segment_value, max(segment_fit_customers) as customers,"
        f" max(projection_status) as status, max(periods_since_first) as horizon"
        f" from {wh.table('fct_retention_projection_by_segment')} where period_grain = ?"
        " group by segment_dimension, segment_value order by segment_dimension, segment_value", [grain])
    if not rows:
        return ""
    # S(t) is the same for every cohort of a segment: read it at the largest t every projected segment reaches
    projected_rows = [r for r in rows if r["status"] == "projected"]
    horizon = min((r["horizon"] for r in projected_rows), default=0)
    curve = {(r["segment_dimension"], r["segment_value"]): number(r["rate"]) for r in wh.query(
        f"select segment_dimension, segment_value, max(projected_survival_rate) as rate"
        f" from {wh.table('fct_retention_projection_by_segment')} where period_grain = ? and periods_since_first = ?"
        " group by segment_dimension, segment_value", [grain, horizon])}
    fits: dict[tuple[str, str], dict[str, float]] = {}
    for r in wh.query(f"select segment_dimension, segment_value, parameter, value"
                      f" from {wh.table('fct_clv_model_parameters')} where model = ? and segment_dimension is not null",
                      [f"shifted_beta_geometric_{grain}"]):
        fits.setdefault((r["segment_dimension"], r["segment_value"]), {})[r["parameter"]] = number(r["value"])
    body = []
    for r in rows:
        key = (r["segment_dimension"], r["segment_value"])
        fit = fits.get(key, {})
        projected = r["status"] == "projected" and {"alpha", "beta"} <= set(fit)
        churn = fit["alpha"] / (fit["alpha"] + fit["beta"]) if projected else None
        body.append(
            f'<tr data-segment-dimension="{escape(key[0])}" data-segment-value="{escape(key[1])}"'
            f' data-projected="{"true" if projected else "false"}" data-first-period-churn="{data_value(churn)}"'
            f' data-survival-at-horizon="{data_value(curve.get(key) if projected else None)}" data-horizon="{horizon}">'
            f"<td>{escape(key[0])}</td><td>{escape(key[1])}</td><td>{r['customers']:,}</td>"
            f"<td>{percent(churn) if projected else ''}</td>"
            f"<td>{percent(curve.get(key)) if projected else ''}</td>"
            f"<td>{'' if projected else escape(str(r['status']))}</td></tr>")
    return (f'<details class="segments-projection"><summary>Per segment ({plural(len(rows), "segment")}, '
            f'from fct_retention_projection_by_segment)</summary>'
            f'<table class="figures" id="projection-segments-table" data-grain="{grain}"><thead><tr>'
            "<th>dimension</th><th>segment</th><th>customers fitted on</th>"
            f"<th>fitted churn after the first {grain}</th><th>fitted S(t) at t = {horizon}</th>"
            "<th>not projected because</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></details>")


def acquisition_clv_section(wh: Warehouse, page: Page) -> str:
    wh.require("fct_acquisition_clv", ["acquisition_month", "acquisition_channel", "acquired_customers", "revenue",
                                       "acquisition_spend"])
    rows = wh.query(
        f"select acquisition_channel as channel, sum(acquired_customers) as customers, sum(revenue) as revenue,"
        f" sum(acquisition_spend) as spend, min(acquisition_month) as first_month,"
        f" max(acquisition_month) as last_month from {wh.table('fct_acquisition_clv')}"
        f" group by acquisition_channel order by sum(acquired_customers) desc, acquisition_channel")
    money, threshold = page.currency, page.min_sample
    for r in rows:
        customers = int(r["customers"] or 0)
        r["revenue_per_customer"] = float(r["revenue"]) / customers if customers else None
        r["cac"] = float(r["spend"]) / customers if customers else None
        r["clv"] = r["revenue_per_customer"] - r["cac"] if customers else None
        r["small"] = 0 < customers < threshold
    first = min(r["first_month"] for r in rows)
    last = max(r["last_month"] for r in rows)
    labels = [f"{r['channel']} ({int(r['customers']):,})" for r in rows]
    series = [("revenue_per_customer", "Revenue per customer to date", BLUE),
              ("cac", "Acquisition cost per customer (CAC)", ORANGE), ("clv", "Cost-based CLV", GREEN)]
    fig = go.Figure([go.Bar(
        x=labels, y=[r[column] for r in rows], name=name,
        marker=dict(color=colour, opacity=[SMALL_OPACITY if r["small"] else 1.0 for r in rows],
                    pattern=dict(shape=["." if r["small"] else "" for r in rows])),
        customdata=[" (small sample)" if r["small"] else "" for r in rows],
        hovertemplate="%{x}%{customdata}: " + money.hover() + "<extra>" + escape(name) + "</extra>")
        for column, name, colour in series])
    fig.update_layout(barmode="group", yaxis_title=f"per customer acquired ({money.code})",
                      xaxis=dict(title="acquisition channel (customers acquired)", type="category"),
                      title=f"Acquisition CLV by channel, customers acquired {period_label(first, 'month')} to "
                            f"{period_label(last, 'month')} (pooled), in {money.code}")
    cells = "".join(
        f'<tr data-channel="{escape(r["channel"])}"{" class=small" if r["small"] else ""}>'
        f'<td>{escape(r["channel"])}</td><td>{int(r["customers"]):,}</td><td>{money.amount(r["spend"])}</td>'
        f'<td>{money.amount(r["revenue"])}</td><td>{money.amount(r["revenue_per_customer"])}</td>'
        f'<td>{money.amount(r["cac"])}</td><td>{money.amount(r["clv"])}</td></tr>' for r in rows)
    table = (f'<table class="figures" id="acquisition-clv-table" data-currency="{escape(money.code)}"><thead><tr>'
             "<th>channel</th><th>customers acquired</th><th>acquisition spend</th><th>revenue to date</th>"
             "<th>revenue per customer</th><th>CAC</th><th>cost-based CLV</th></tr></thead>"
             f"<tbody>{cells}</tbody></table>")
    small = [r for r in rows if r["small"]]
    sample = ""
    if small:
        listed = ", ".join(f"{r['channel']} ({int(r['customers']):,})" for r in small)
        sample = note(f"<strong>Small samples.</strong> Fewer than {threshold} customers acquired through "
                      f"{escape(listed)}: their bars are faint and dotted, their rows grey.", "sample-note",
                      small_sample="acquisition-clv", channels=",".join(r["channel"] for r in small))
    return page.chart("chart-acquisition-clv", fig) + sample + table + acquisition_payback(wh, page,
                                                                                          [r["channel"] for r in rows])


PAYBACK_MONTHS = 24  # the most recent acquisition months of the payback heatmap and table


def acquisition_payback(wh: Warehouse, page: Page, channels: list[str]) -> str:
    """CAC and months to payback of each acquisition month and channel (fct_acquisition_clv's own columns) for
    the most recent PAYBACK_MONTHS months: a heatmap of the months to payback, 'not yet' where the cohort has not
    paid its CAC back, and the same cells as a table. A mart without the columns: a line in "No data for"."""
    try:
        wh.require("fct_acquisition_clv", ["customer_acquisition_cost", "months_to_payback"])
    except MissingData as why:
        page.skip("acquisition-payback", "months to payback", str(why), why.cause)
        return ""
    mart, money = wh.table("fct_acquisition_clv"), page.currency
    months = [r["m"] for r in wh.query(f"select distinct acquisition_month as m from {mart} order by 1")]
    shown = months[-PAYBACK_MONTHS:]
    rows = wh.query(
        f"select acquisition_month, acquisition_channel as channel, acquired_customers, acquisition_spend,"
        f" customer_acquisition_cost, months_to_payback from {mart} where acquisition_month >= ?"
        " order by acquisition_month, acquisition_channel", [shown[0]])
    cells = {(r["acquisition_month"], r["channel"]): r for r in rows}
    channels = [c for c in channels if any(key[1] == c for key in cells)]
    labels = [period_label(m, "month") for m in shown]
    paid: list[list[float | None]] = [[None] * len(channels) for _ in shown]
    waiting: list[list[float | None]] = [[None] * len(channels) for _ in shown]
    text = [[""] * len(channels) for _ in shown]
    hover = [[""] * len(channels) for _ in shown]
    for i, month in enumerate(shown):
        for j, channel in enumerate(channels):
            r = cells.get((month, channel))
            if r is None:
                hover[i][j] = f"{labels[i]}, {channel}: no row"
                continue
            customers = int(r["acquired_customers"] or 0)
            head = f"{labels[i]}, {channel} ({plural(customers, 'customer')} acquired)"
            if not customers:
                hover[i][j] = f"{head}: spend {money.amount(r['acquisition_spend'])}, no customer to pay back"
            elif r["months_to_payback"] is None:
                waiting[i][j], text[i][j] = 1.0, "not yet"
                hover[i][j] = f"{head}: CAC {money.amount(r['customer_acquisition_cost'])}, not paid back yet"
            else:
                k = int(r["months_to_payback"])
                paid[i][j], text[i][j] = float(k), str(k)
                hover[i][j] = (f"{head}: CAC {money.amount(r['customer_acquisition_cost'])}, paid back "
                               + ("in the acquisition month" if k == 0 else f"{plural(k, 'month')} after it"))
    common = dict(x=channels, y=labels, text=text, customdata=hover, texttemplate="%{text}",
                  textfont=dict(size=10, color="#1f2937"), hovertemplate="%{customdata}<extra></extra>", xgap=1, ygap=1)
    most = max([v for line_ in paid for v in line_ if v is not None] or [1.0])
    fig = go.Figure([
        go.Heatmap(z=paid, colorscale=[[0.0, "#4ade80"], [1.0, "#f0fdf4"]], zmin=0, zmax=max(most, 1.0),
                   name="paid back", colorbar=dict(title=dict(text="months")), **common),
        go.Heatmap(z=waiting, colorscale=[[0.0, "#fee2e2"], [1.0, "#fee2e2"]], showscale=False, name="not yet",
                   **common)])
    fig.update_layout(
        title="Months to payback by acquisition month and channel (0 = the acquisition month)",
        xaxis=dict(title="acquisition channel", type="category", side="top"),
        yaxis=dict(autorange="reversed", type="category", categoryorder="array", categoryarray=labels,
                   automargin=True, showgrid=False))
    def payback(r: dict[str, Any]) -> str:
        if not r["acquired_customers"]:
            return "–"
        return "not yet" if r["months_to_payback"] is None else str(r["months_to_payback"])

    body = "".join(
        f'<tr data-acquisition-month="{r["acquisition_month"].isoformat()}" data-channel="{escape(r["channel"])}"'
        f' data-acquired-customers="{data_value(r["acquired_customers"])}"'
        f' data-customer-acquisition-cost="{data_value(r["customer_acquisition_cost"])}"'
        f' data-months-to-payback="{data_value(r["months_to_payback"])}"'
        + (" class=small" if 0 < int(r["acquired_customers"] or 0) < page.min_sample else "") + ">"
        f'<td>{escape(period_label(r["acquisition_month"], "month"))}</td><td>{escape(r["channel"])}</td>'
        f'<td>{int(r["acquired_customers"] or 0):,}</td><td>{money.amount(r["acquisition_spend"])}</td>'
        f'<td>{money.amount(r["customer_acquisition_cost"])}</td>'
        f"<td>{payback(r)}</td></tr>" for r in rows)
    table = (f'<details><summary>CAC and months to payback of every acquisition month and channel shown '
             f'({plural(len(rows), "row")})</summary><table class="figures" id="acquisition-payback-table" '
             f'data-currency="{escape(money.code)}"><thead><tr><th>acquisition month</th><th>channel</th>'
             "<th>customers acquired</th><th>acquisition spend</th><th>CAC</th><th>months to payback</th></tr>"
             f"</thead><tbody>{body}</tbody></table></details>")
    stated = note("<strong>Months to payback</strong> of a month's cohort of a channel: the first month (0 = the "
                  "acquisition month) in which its cumulative revenue per customer acquired (counted orders plus "
                  "each month-end's MRR) reaches its CAC, spend / customers acquired; <em>not yet</em> while it has "
                  "not. A cohort of a few customers pays back or not on one customer: the table gives each one's "
                  f"size (grey under {page.min_sample}).", "definition", definition="months-to-payback")
    left_out = (note(f"The {len(shown)} most recent of {len(months)} acquisition months are shown.", "cohort-note",
                     payback="months-shown") if len(shown) < len(months) else "")
    return stated + page.chart("chart-acquisition-payback", fig, height=max(320, 120 + 22 * len(shown))) + left_out \
        + table


def rejected_rows_section(wh: Warehouse, page: Page) -> str:
    wh.require("rejected_rows", ["source_table", "reason"], rows=False)
    rows = wh.query(f"select source_table, reason, count(*) as rejected from {wh.table('rejected_rows')}"
                    " group by source_table, reason order by source_table, rejected, reason")
    if not rows:
        return note("No raw row was rejected: every row of every source was used or was an exact duplicate.")
    tables = sorted({r["source_table"] for r in rows})
    colours = dict(zip(tables, [BLUE, ORANGE, GREEN, PURPLE, TEAL, RED, GREY]))
    fig = go.Figure([go.Bar(
        y=[f"{r['reason']} ({table})" for r in rows if r["source_table"] == table],
        x=[r["rejected"] for r in rows if r["source_table"] == table], orientation="h", name=table,
        marker=dict(color=colours.get(table, GREY)), hovertemplate="%{y}: %{x}<extra></extra>") for table in tables])
    total = sum(r["rejected"] for r in rows)
    most = max(r["rejected"] for r in rows)
    fig.update_layout(title=f"Rejected raw rows by reason ({total:,} in all)",
                      xaxis=dict(title="rows", dtick=1 if most <= 10 else None, tickformat=",d"),
                      yaxis=dict(automargin=True, type="category"), margin=dict(l=20))
    return page.chart("chart-rejected-rows", fig, height=max(300, 120 + 26 * len(rows)))


# -- optional marts: engagement, email, NPS -------------------------------------------

def active_users_section(wh: Warehouse, page: Page) -> str:
    wh.require("fct_daily_active_users", ["activity_date", "daily_active_users", "weekly_active_users",
                                          "monthly_active_users"])
    rows = wh.query(f"select activity_date, daily_active_users, weekly_active_users, monthly_active_users"
                    f" from {wh.table('fct_daily_active_users')} order by activity_date")
    fig = go.Figure([
        go.Scatter(x=[r["activity_date"] for r in rows], y=[r[c] for r in rows], name=name, mode="lines",
                   line=dict(color=colour, width=1.5))
        for c, name, colour in (("monthly_active_users", "MAU", PURPLE), ("weekly_active_users", "WAU", ORANGE),
                                ("daily_active_users", "DAU", BLUE))])
    fig.update_layout(title="Daily, weekly and monthly active users", yaxis_title="users", hovermode="x unified")
    return page.chart("chart-active-users", fig)


def engagement_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_engagement", ["active_users", "new_users", "returning_users", "resurrected_users",
                                         "dormant_users", "daily_stickiness", "monthly_stickiness"], page.grain)
    users = go.Figure([
        bar(rows, "new_users", "New", GREEN, page.grain, value_format="%{y:,}"),
        bar(rows, "returning_users", "Returning", BLUE, page.grain, value_format="%{y:,}"),
        bar(rows, "resurrected_users", "Resurrected", PURPLE, page.grain, value_format="%{y:,}"),
        bar(rows, "dormant_users", "Dormant (lost since the period before)", RED, page.grain, sign=-1,
            value_format="%{y:,}"),
    ])
    users.update_layout(barmode="relative", title=f"Active users by {page.grain}: where they come from",
                        yaxis_title="users")
    mark_incomplete(users, rows, page.grain)
    traces = [line(rows, "daily_stickiness", "Daily stickiness (average DAU / active users)", BLUE, page.grain,
                   value_format="%{y:.1%}")]
    title = f"Stickiness by {page.grain}"
    if page.grain == "month":
        # Average MAU over one month is that month's active users: always 1, so not drawn.
        title += " (monthly stickiness is 1 at this grain; see the quarter or year grain)"
    else:
        traces.append(line(rows, "monthly_stickiness", "Monthly stickiness (average MAU / active users)", ORANGE,
                           page.grain, value_format="%{y:.1%}"))
    stickiness = go.Figure(traces)
    stickiness.update_layout(title=title, yaxis=dict(tickformat=".0%", rangemode="tozero"), showlegend=True)
    mark_incomplete(stickiness, rows, page.grain)
    return page.chart("chart-engagement-users", users) + page.chart("chart-stickiness", stickiness)


# The N-day, N-week and N-month points of the product retention table (the semantic layer's, too).
USER_RETENTION_POINTS = {"day": (1, 7, 30), "week": (1, 4), "month": (1, 3, 12)}
USER_RETENTION_DAYS = 30  # the pooled N-day curve runs from day 0 to this day
USER_RETENTION_COHORTS = 24  # the most recent monthly cohorts of the heatmap


def user_retention_section(wh: Warehouse, page: Page) -> str:
    """Product retention from events (fct_user_retention): the N-day and unbounded curves pooled over every daily
    cohort (sums of the cohorts' counts, never means of their rates; k-th days that are complete only), a heatmap
    of the monthly cohorts, and a table of day 1, 7, 30, week 1, 4 and month 1, 3, 12 pooled the same way."""
    wh.require("fct_user_retention", ["period_grain", "cohort_period_start", "periods_since_first",
                                      "is_complete_period", "cohort_users", "returned_users",
                                      "returned_or_later_users", "retention_rate"])
    mart, threshold = wh.table("fct_user_retention"), page.min_sample
    pooled = {(r["period_grain"], r["k"]): r for r in wh.query(
        f"select period_grain, periods_since_first as k, count(*) as cohorts, sum(cohort_users) as cohort_users,"
        f" sum(returned_users) as returned_users, sum(returned_or_later_users) as returned_or_later_users"
        f" from {mart} where is_complete_period group by 1, 2")}
    for r in pooled.values():
        r["retention_rate"] = ratio(r["returned_users"], r["cohort_users"])
        r["unbounded_retention_rate"] = ratio(r["returned_or_later_users"], r["cohort_users"])
    parts = []
    days = [pooled[("day", k)] for k in range(USER_RETENTION_DAYS + 1) if ("day", k) in pooled]
    if days:
        fig = go.Figure([
            go.Scatter(x=[r["k"] for r in days], y=[r[column] for r in days], name=name, mode="lines+markers",
                       line=dict(color=colour, width=2), marker=dict(color=colour, size=6),
                       customdata=[[r["returned_users" if column == "retention_rate" else "returned_or_later_users"],
                                    r["cohort_users"], r["cohorts"]] for r in days],
                       hovertemplate="day %{x}: %{y:.1%} (%{customdata[0]:,} of %{customdata[1]:,} users of "
                                     "%{customdata[2]:,} daily cohorts)<extra>" + escape(name) + "</extra>")
            for column, name, colour in (("retention_rate", "N-day: active on day N", BLUE),
                                         ("unbounded_retention_rate", "Unbounded: active on day N or later",
                                          ORANGE))])
        fig.update_layout(title=f"Product retention, days 0 to {USER_RETENTION_DAYS} after the first active day, "
                                "pooled over every daily cohort",
                          xaxis=dict(title="days since the first active day", dtick=5 if len(days) > 12 else 1),
                          yaxis=dict(title="share of the cohorts' users", tickformat=".0%", range=[0, 1.05]))
        parts.append(page.chart("chart-user-retention-curve", fig))
    rows = wh.query(
        f"select cohort_period_start, periods_since_first, cohort_users, returned_users, retention_rate,"
        f" is_complete_period from {mart} where period_grain = 'month' order by cohort_period_start,"
        " periods_since_first")
    if rows:
        cohorts = sorted({r["cohort_period_start"] for r in rows})[-USER_RETENTION_COHORTS:]
        rows = [r for r in rows if r["cohort_period_start"] >= cohorts[0]]
        sizes = {r["cohort_period_start"]: r["cohort_users"] for r in rows}
        small = {c for c in cohorts if sizes[c] < threshold}
        labels = [f"{period_label(c, 'month')} ({sizes[c]:,})" for c in cohorts]

        def hover_of(r: dict[str, Any], label: str, k: int) -> str:
            flag = " (incomplete month)" if r["is_complete_period"] is False else ""
            return (f"{label}, month {k}{flag}: {r['returned_users']:,} of {r['cohort_users']:,} active "
                    f"({percent(number(r['retention_rate']))})")

        fig = cohort_heatmap(
            rows, cohorts, labels, small, hover_of, threshold=threshold, noun="users", scale_title="active",
            incomplete="incomplete month",
            title="Monthly cohorts of users: share active in each month since their first active month (N-month)",
            x_title="months since the first active month (0 = that month)")
        parts.append(page.chart("chart-user-retention-cohorts", fig, height=max(320, 110 + 22 * len(cohorts))))
        if small:
            parts.append(small_sample_note(
                "user-retention", [{"period_start": c, "cohort_users": sizes[c]} for c in cohorts], small,
                "cohort_users", "users", page, "Their cells are grey rather than blue.", unit="cohort"))
    if not parts:
        raise MissingData("<code>fct_user_retention</code> has no day or month cohorts")
    points = []
    for grain, ks in USER_RETENTION_POINTS.items():
        for k in ks:
            r = pooled.get((grain, k))
            attrs = {"data-grain": grain, "data-k": str(k), "data-cohorts": data_value(r and r["cohorts"]),
                     "data-cohort-users": data_value(r and r["cohort_users"]),
                     "data-returned-users": data_value(r and r["returned_users"]),
                     "data-returned-or-later-users": data_value(r and r["returned_or_later_users"]),
                     "data-retention-rate": data_value(r and r["retention_rate"]),
                     "data-unbounded-retention-rate": data_value(r and r["unbounded_retention_rate"])}
            cells = [f"{grain} {k}", f"{r['cohorts']:,}" if r else "–", f"{r['cohort_users']:,}" if r else "–",
                     percent(r and r["retention_rate"]), percent(r and r["unbounded_retention_rate"])]
            points.append("<tr " + " ".join(f'{a}="{escape(v)}"' for a, v in attrs.items()) + ">"
                          + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = ('<table class="figures" id="user-retention-table"><thead><tr><th>period since the first</th>'
             "<th>cohorts</th><th>their users</th><th>N-period retention</th><th>unbounded retention</th></tr>"
             f"</thead><tbody>{''.join(points)}</tbody></table>")
    return "".join(parts) + table


def power_user_section(wh: Warehouse, page: Page) -> str:
    wh.require("fct_power_user_curve", ["period_start", "days_active", "users", "share_of_active_users",
                                        "users_active_at_least"])
    if "is_complete_period" in wh.columns["fct_power_user_curve"]:
        candidates = [r["period_start"] for r in wh.query(
            f"select distinct period_start from {wh.table('fct_power_user_curve')} where is_complete_period"
            " order by period_start")]
    else:
        months = [r["period_start"] for r in wh.query(
            f"select distinct period_start from {wh.table('fct_power_user_curve')} order by period_start")]
        complete = complete_months(wh)
        candidates = [m for m in months if m in complete] if complete is not None else months[:-1]
    if not candidates:
        raise MissingData("<code>fct_power_user_curve</code> has no complete month")
    month = candidates[-1]
    rows = wh.query(f"select days_active, users, share_of_active_users, users_active_at_least"
                    f" from {wh.table('fct_power_user_curve')} where period_start = ? order by days_active", [month])
    fig = go.Figure(go.Bar(
        x=[r["days_active"] for r in rows], y=[number(r["share_of_active_users"]) for r in rows],
        marker=dict(color=BLUE), customdata=[[r["users"], r["users_active_at_least"]] for r in rows],
        hovertemplate="%{x} days: %{customdata[0]} users (%{y:.1%}); %{customdata[1]} active at least"
                      " %{x} days<extra></extra>"))
    fig.update_layout(title=f"Power user curve (L-ness), {period_label(month, 'month')}: users by days active",
                      xaxis=dict(title="days active in the month", dtick=1),
                      yaxis=dict(title="share of the month's active users", tickformat=".0%"))
    return page.chart("chart-power-user-curve", fig)


def complete_months(wh: Warehouse) -> set[date] | None:
    """Complete months, from another mart that flags them (for a power user curve
    without is_complete_period); None when no mart says."""
    for table in ("fct_engagement", "fct_order_metrics", "fct_customer_retention"):
        if wh.has_rows(table) and "is_complete_period" in wh.columns[table]:
            rows = wh.query(f"select distinct period_start from {wh.table(table)}"
                            " where period_grain = 'month' and is_complete_period")
            return {r["period_start"] for r in rows}
    return None


def email_section(wh: Warehouse, page: Page) -> str:
    rates = [("open_rate", "Open rate", BLUE), ("human_open_rate", "Human open rate", TEAL),
             ("click_rate", "Click rate", GREEN), ("click_to_open_rate", "Click-to-open rate", PURPLE),
             ("bounce_rate", "Bounce rate", ORANGE), ("unsubscribe_rate", "Unsubscribe rate", RED)]
    rows = wh.periods("fct_email_engagement", ["sends", "deliveries", *[r[0] for r in rates]], page.grain)
    small = small_periods(rows, "deliveries", page.min_sample)
    word = "sends delivered"
    traces: list[go.Scatter] = []
    for column, name, colour in rates:
        traces.append(line(rows, column, name, colour, page.grain, value_format="%{y:.1%}", leave_out=small,
                           legendgroup=column))
        if small:
            traces.append(small_sample_points(rows, column, name, colour, page.grain, small, "deliveries", word,
                                              value_format="%{y:.1%}", legendgroup=column))
    if small:
        traces.append(small_sample_key(page, word))
    fig = go.Figure(traces)
    fig.update_layout(title=f"Email engagement by {page.grain} (unique, per delivered send; bounces per send)",
                      yaxis=dict(tickformat=".0%", rangemode="tozero"))
    mark_incomplete(fig, rows, page.grain)
    return page.chart("chart-email", fig) + small_sample_note(
        "email", rows, small, "deliveries", word, page,
        "Their rates are faint open markers, left off the lines: one open of one send is a 100% open rate.")


def nps_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_nps", ["responses", "promoters", "passives", "detractors", "net_promoter_score",
                                  "net_promoter_score_margin_of_error"], page.grain)
    small = small_periods(rows, "responses", page.min_sample)
    # The secondary axis is drawn on top, so the score goes there (on the left) and
    # the response counts behind it (on the right).
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(bar(rows, "responses", "Responses", "#cbd5e1", page.grain, value_format="%{y:,}"),
                  secondary_y=False)
    score = line(rows, "net_promoter_score", "NPS (95% margin)", BLUE, page.grain, value_format="%{y:.1f}",
                 leave_out=small)
    score.error_y = dict(type="data", visible=True, color=BLUE, thickness=1, array=[
        None if r["period_start"] in small else number(r["net_promoter_score_margin_of_error"]) for r in rows])
    fig.add_trace(score, secondary_y=True)
    if small:
        faint = small_sample_points(rows, "net_promoter_score", "NPS (95% margin)", BLUE, page.grain, small,
                                    "responses", "responses", value_format="%{y:.1f}")
        faint.error_y = dict(type="data", visible=True, color=BLUE, thickness=1, array=[
            number(r["net_promoter_score_margin_of_error"]) for r in rows
            if r["period_start"] in small and r["net_promoter_score"] is not None])
        fig.add_trace(faint, secondary_y=True)
        fig.add_trace(small_sample_key(page, "responses"), secondary_y=True)
    fig.update_yaxes(title_text="NPS", range=[-100, 100], tickmode="array", tickvals=[-100, -50, 0, 50, 100],
                     secondary_y=True, side="left", showgrid=True, gridcolor="#e5e7eb", zerolinecolor="#9ca3af")
    fig.update_yaxes(title_text="responses", secondary_y=False, side="right", showgrid=False, rangemode="tozero")
    fig.update_layout(title=f"Net Promoter Score by {page.grain}")
    mark_incomplete(fig, rows, page.grain)
    return page.chart("chart-nps", fig) + small_sample_note(
        "nps", rows, small, "responses", "responses", page,
        "Their scores are faint open markers, left off the line; the error bars give their (wide) margins.")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str | Callable[[Page], str]  # HTML
    build: Callable[[Warehouse, Page], str]
    short: str  # its name in the "No data for" line


SECTIONS = [
    Section("headline", "Last complete period against the one before",
            lambda p: "Each tile is one mart value of the last complete period; the change is against the period "
                      f"before (percentage points for rates). Money in {escape(p.currency.code)}.",
            tiles_section, "the headline tiles"),
    Section("mrr", "MRR movements",
            lambda p: f"Subscriptions basis, in {escape(p.currency.code)}. The bridge walks from MRR at the start of "
                      "the last complete period to MRR at its end; the bars show every period's movements "
                      "(contraction and churn below zero).",
            mrr_bridge_section, "MRR movements"),
    Section("revenue-retention", "Net and gross revenue retention",
            "NRR and GRR compare each period's end with its start; NRR over 12 months follows the customers who "
            "had MRR twelve months before the period's end.", revenue_retention_section, "revenue retention"),
    Section("customer-churn", "Customer churn by basis",
            "Churn and the retained share are shares of the customers at the start, and add up to 100%. CRR, "
            "(customers at end − new) / customers at start, also counts reactivated customers (lapsed, then back) "
            "as kept, so it sits above the retained share. Subscriptions basis: a customer holds a paying "
            "subscription.", customer_churn_section, "customer churn"),
    Section("segments", "Retention by segment",
            lambda p: "Churn rate, retained share and NRR by plan, acquisition channel, country and each customer "
                      "attribute the warehouse segments by (fct_retention_by_segment): a table for the last complete "
                      f"{p.grain} and lines over the last {TREND_PERIODS} complete {p.grain}s. Each dimension names "
                      f"its {p.top_segments} largest segments by customers at the start of the last complete "
                      f"{p.grain}; the rest are one Other row whose rates come from its summed counts and MRR, never "
                      "from averaging rates. Every rate stands beside its customers at the start; segments with "
                      f"fewer than {p.min_sample} are grey in the tables and faint in the charts.",
            segments_section, "retention by segment"),
    Section("cohorts", "Cohort retention",
            lambda p: "Rows are cohorts (the customers whose first activity on the basis falls in the period, with "
                      "their number); columns count periods since, each counted at the period's end. A framed cell "
                      f"is a period that is not complete yet; grey rows are cohorts of fewer than {p.min_sample} "
                      "customers.", cohort_section, "cohorts"),
    Section("retention-projection", "Projected subscription retention",
            "From fct_retention_projection: of each cohort (new paying customers who are still customers at the end "
            "of their first period), the share who have stayed every period since, observed while the periods are "
            "complete and then projected by the shifted-beta-geometric fit (dashed, faint). A churn ends the "
            "survival; a later comeback does not revive it.", retention_projection_section,
            "projected retention"),
    Section("trial-conversion", "Trial conversion",
            lambda p: "From fct_trial_conversion: of the trials (customers whose first subscription row has zero MRR) "
                      f"started in each {p.grain}, the share whose first paying row started within 30 days, within "
                      "90 days, and to the as-of date. Rates are by the period the trial started; a period whose "
                      "90-day window has not closed by the as-of date is marked, since its rates can still rise. "
                      f"Periods of fewer than {p.min_sample} trials are faint and listed below the chart.",
            trial_conversion_section, "trial conversion"),
    Section("orders", "Order metrics",
            lambda p: f"Counted (completed) orders; revenue net of refunds, in {escape(p.currency.code)}.",
            order_metrics_section, "order metrics"),
    Section("clv", "Customer lifetime value",
            "Predicted CLV per customer from the BG/NBD and Gamma-Gamma fit (fct_customer_clv, "
            "fct_clv_model_parameters).", clv_section, "predicted CLV"),
    Section("acquisition-clv", "Acquisition CLV by channel",
            lambda p: "From fct_acquisition_clv: per customer acquired (first counted order), lifetime revenue to "
                      "the as-of date minus acquisition spend, pooled over acquisition months (sums over sums, never "
                      f"averages of months), in {escape(p.currency.code)}. Retention costs are not subtracted, and "
                      "recent months have had less time to earn.", acquisition_clv_section, "acquisition CLV"),
    Section("rejected", "Rejected rows", "Raw rows the marts could not use, by reason (rejected_rows).",
            rejected_rows_section, "rejected rows"),
    Section("active-users", "Active users", "From fct_daily_active_users.", active_users_section, "active users"),
    Section("engagement", "Engagement and stickiness", "From fct_engagement.", engagement_section, "engagement"),
    Section("user-retention", "Product retention",
            "From fct_user_retention: of the users whose first active day falls in a day, week or month (a cohort), "
            "the share active in exactly the N-th period since (N-day retention) and in the N-th or any later one "
            "(unbounded). Curves and the table pool every cohort with that period complete: the sums of their users, "
            "never a mean of the cohorts' rates. The heatmap is of monthly cohorts, whatever --grain.",
            user_retention_section, "product retention"),
    Section("power-users", "Power user curve", "From fct_power_user_curve, for the last complete month.",
            power_user_section, "power users"),
    Section("email", "Email engagement",
            lambda p: f"From fct_email_engagement. Months with fewer than {p.min_sample} sends delivered are faint "
                      "and listed below the chart.", email_section, "email"),
    Section("nps", "Net Promoter Score",
            lambda p: "From fct_nps; the error bars give each period's 95% margin of error. Periods with fewer than "
                      f"{p.min_sample} responses are faint and listed below the chart.", nps_section, "NPS"),
]


def no_data_line(page: Page) -> str:
    """Everything without data as one line: the items sharing a cause (or a reason) together."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for item_id, what, why, cause in page.missing:
        groups.setdefault(cause or why, []).append((item_id, what, why))
    parts = []
    for key, items in groups.items():
        names = ", ".join(f'<span class="no-data-item" data-item="{escape(i)}">{escape(w)}</span>'
                          for i, w, _ in items)
        whys = list(dict.fromkeys(why for _, _, why in items))
        empty = [w for w in whys if w.endswith(" has no rows")]
        details = [w for w in whys if w not in empty]
        if empty:
            marts = [w[:-len(" has no rows")] for w in empty]
            details.insert(0, marts[0] + " has no rows" if len(marts) == 1
                           else f"{', '.join(marts[:-1])} and {marts[-1]} have no rows")
        reason = "; ".join(details)
        parts.append(f"{names} ({reason})" if key in whys else f"{names} ({escape(key)}: {reason})")
    return ('<section id="no-data" class="no-data"><p class="no-data-line"><strong>No data for:</strong> '
            + "; ".join(parts) + ".</p></section>")


# -- the page ---------------------------------------------------------------------------

CSS = """
body { margin: 0; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2937;
       background: #f3f4f6; }
header { background: #111827; color: white; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #d1d5db; font-size: 13px; }
header p.reading { margin-top: 4px; color: #9ca3af; font-size: 12px; }
nav { padding: 8px 32px; background: white; border-bottom: 1px solid #e5e7eb; font-size: 13px; }
nav a { margin-right: 14px; color: #2563eb; text-decoration: none; white-space: nowrap; }
nav a.no-data-link { color: #6b7280; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
section { background: white; border-radius: 8px; padding: 16px 20px; margin: 16px 0;
          box-shadow: 0 1px 2px rgba(0,0,0,.06); }
section h2 { margin: 0 0 4px; font-size: 18px; }
section > p.intro { margin: 0 0 12px; color: #4b5563; font-size: 13px; }
.chart { width: 100%; margin: 8px 0 16px; }
.note, .definition, .sample-note, .cohort-note, .window-note { background: #f9fafb; border-left: 3px solid #9ca3af;
  padding: 8px 12px; color: #4b5563; font-size: 13px; margin: 8px 0; }
.definition { border-left-color: #2563eb; }
.sample-note { border-left-color: #d97706; background: #fffbeb; }
.window-note { border-left-color: #dc2626; background: #fef2f2; }
.flag { background: #fffbeb; border: 1px solid #f59e0b; border-left-width: 4px; border-radius: 4px;
        padding: 8px 12px; margin: 8px 0; font-size: 13px; color: #78350f; }
.flag.bad { background: #fef2f2; border-color: #dc2626; color: #7f1d1d; }
.tile-group { margin: 4px 0 14px; }
.tile-group h3 { margin: 8px 0 2px; font-size: 14px; }
.tile-group p.group-note { margin: 0 0 8px; color: #6b7280; font-size: 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.tile { border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 14px; }
.tile-label { font-size: 12px; color: #4b5563; min-height: 30px; }
.tile-value { font-size: 26px; font-weight: 600; margin: 4px 0; }
.tile-change { font-size: 13px; font-weight: 500; }
.tile-change.good { color: #15803d; } .tile-change.bad { color: #b91c1c; } .tile-change.flat { color: #6b7280; }
.tile-period { font-size: 11px; color: #6b7280; margin-top: 2px; }
.tile-note { font-size: 11px; color: #4b5563; margin-top: 6px; border-top: 1px solid #f3f4f6; padding-top: 6px; }
table.figures { border-collapse: collapse; font-size: 13px; margin: 4px 0 8px; }
table.figures th, table.figures td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; text-align: right;
  white-space: nowrap; }
table.figures th:first-child, table.figures td:first-child { text-align: left; }
table.figures tr.small td { color: #9ca3af; }
table.figures tr.open td { font-style: italic; color: #991b1b; }
details > summary { cursor: pointer; font-size: 13px; color: #4b5563; margin: 4px 0; }
table.figures tr.total td { border-top: 2px solid #d1d5db; font-weight: 600; }
table.figures tr.other td:first-child { font-style: italic; }
table.figures span.members { color: #6b7280; font-style: normal; font-size: 12px; }
.segment-dimension h3 { margin: 18px 0 4px; font-size: 15px; }
.segment-dimension h3 span.basis { font-weight: normal; color: #6b7280; font-size: 13px; }
section.no-data { background: #f9fafb; box-shadow: none; border: 1px dashed #d1d5db; }
.no-data-line { margin: 0; font-size: 13px; color: #4b5563; }
code { font-size: 12px; background: #f3f4f6; padding: 0 3px; border-radius: 3px; }
"""

SCRIPT = """
(function () {
  var config = {displaylogo: false, responsive: true};
  var charts = JSON.parse(document.getElementById('report-charts').textContent);
  var drawn = Object.keys(charts).map(function (id) {
    var spec = JSON.parse(charts[id]);
    return Plotly.newPlot(id, spec.data, spec.layout, config);
  });
  Promise.all(drawn).then(function () { window.reportRendered = true; },
                          function (error) { window.reportRendered = 'failed'; console.error(error); });
})();
"""


def as_of(wh: Warehouse) -> date | None:
    """The as-of date: the last day of data the marts were built to."""
    if wh.has_rows("int_reporting_window") and "as_of_date" in wh.columns["int_reporting_window"]:
        return wh.query(f"select max(as_of_date) as d from {wh.table('int_reporting_window')}")[0]["d"]
    return None


def render(wh: Warehouse, grain: str, warehouse_path: Path, currency: str | None = None,
           orders_window_days: int | None = None, min_sample: int = MIN_SAMPLE,
           top_segments: int = TOP_SEGMENTS) -> tuple[str, list[str]]:
    """The page's HTML and the ids of what has no data (sections and parts of them)."""
    page = Page(grain, reporting_currency(wh, currency), orders_window(wh, orders_window_days, grain), min_sample,
                has_subscriptions=wh.has_rows("fct_revenue_retention"), top_segments=top_segments)
    blocks, shown = [], []
    for section in SECTIONS:
        try:
            body = section.build(wh, page)
        except MissingData as missing:
            page.skip(section.id, section.short, str(missing), missing.cause)
            continue
        intro = section.intro(page) if callable(section.intro) else escape(section.intro)
        blocks.append(f'<section id="{section.id}"><h2>{escape(section.title)}</h2>'
                      f'<p class="intro">{intro}</p>{body}</section>')
        shown.append(section)
    links = [f'<a href="#{s.id}">{escape(s.title)}</a>' for s in shown]
    if page.missing:
        blocks.append(no_data_line(page))
        links.append('<a class="no-data-link" href="#no-data">No data</a>')
    as_of_date = as_of(wh)
    subtitle = (f"Warehouse {escape(warehouse_path.name)}, schema {escape(wh.schema)}"
                + (f" · data as of {as_of_date.isoformat()}" if as_of_date else "")
                + f" · {grain} grain · generated {datetime.now().strftime('%Y-%m-%d %H:%M')}")
    reading = (f"Money in <strong>{escape(page.currency.code)}</strong> ({escape(page.currency.source)}) · "
               f"orders basis: a customer has {escape(page.window.short(grain))} · shaded, hatched or open-marker "
               f"periods are incomplete · faint markers and grey cells: fewer than {min_sample} sends, responses or "
               "customers")
    charts = json.dumps(page.charts).replace("</", "<\\/")
    document = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Retention report</title>
<style>{CSS}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head>
<body>
<header><h1>Retention report</h1><p>{subtitle}</p><p class="reading" id="reading">{reading}</p></header>
<nav>{" ".join(links)}</nav>
<main>
{"".join(blocks)}
</main>
<script type="application/json" id="report-charts">{charts}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
    return document, [item_id for item_id, *_ in page.missing]


def target_warehouse(target: str | None) -> Path:
    """The DuckDB file of the dbt target `target` (None: the default target), from
    app/retention_app/warehouse_file.py. A warehouse_file.py whose default_warehouse takes no
    target resolves only the default one."""
    try:
        takes_target = bool(inspect.signature(default_warehouse).parameters)
    except (TypeError, ValueError):
        takes_target = True
    if takes_target:
        return default_warehouse(target)
    if target is not None:
        raise SystemExit(f"report: --target {target} needs default_warehouse(target) in app/retention_app/warehouse_file.py, "
                         "which this checkout does not have yet: name the DuckDB file with --warehouse")
    return default_warehouse()


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number above zero, not {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--warehouse", type=Path, default=None, help=WAREHOUSE_HELP)
    source.add_argument("--target", default=None, metavar="NAME", help=getattr(
        warehouse_file, "TARGET_HELP", "dbt target of profiles.yml whose DuckDB file to read (default: "
                                       "$RETENTION_TARGET, else the profile's default target)"))
    parser.add_argument("--output", type=Path, default=None,
                        help="HTML file to write (default: <warehouse name>_report.html beside the warehouse)")
    parser.add_argument("--grain", choices=GRAINS, default="month", help="period grain of tiles and charts")
    parser.add_argument("--schema", default="main", help="schema holding the marts (default: main)")
    parser.add_argument("--currency", default=None, metavar="CODE",
                        help="the reporting currency (var reporting_currency) shown on every money figure: an ISO "
                             "4217 code such as EUR, or a symbol such as $ (default: the currency the warehouse's "
                             f"staged orders carry at exchange rate 1, else {DEFAULT_CURRENCY})")
    parser.add_argument("--orders-window-days", type=positive_int, default=None, metavar="N",
                        help="var orders_activity_window_days of the build, to state the orders basis' window "
                             "(default: null, one period of the grain, checked against the marts)")
    parser.add_argument("--min-sample", type=positive_int, default=MIN_SAMPLE, metavar="N",
                        help="rates over fewer sends delivered, NPS responses, cohort customers, acquired "
                             "customers or a segment's customers at the start than this are marked as small samples"
                             f" (default: {MIN_SAMPLE})")
    parser.add_argument("--top-segments", type=positive_int, default=TOP_SEGMENTS, metavar="N",
                        help="segments named per dimension in the segments section, the largest by customers at the"
                             f" start; the rest are grouped as Other (default: {TOP_SEGMENTS})")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    warehouse = (args.warehouse or target_warehouse(args.target)).resolve()
    if not warehouse.is_file():
        parser.error(f"no warehouse at {warehouse}: build it with scripts/tasks.sh build or name one with --warehouse")
    output = (args.output or warehouse.with_name(f"{warehouse.stem}_report.html")).resolve()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        wh = Warehouse(con, args.schema)
        if not any(name.startswith(("fct_", "dim_")) for name in wh.columns):
            parser.error(f"{warehouse} has no marts in schema {args.schema}: build them with scripts/tasks.sh build")
        document, missing = render(wh, args.grain, warehouse, args.currency, args.orders_window_days,
                                   args.min_sample, args.top_segments)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document, encoding="utf-8")
    elapsed = time.perf_counter() - started
    if missing:
        print(f"report: no data for: {', '.join(missing)}")
    print(f"report: {output} ({output.stat().st_size / 1e6:.1f} MB) written in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
