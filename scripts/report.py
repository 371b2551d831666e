#!/usr/bin/env python3
"""Writes the retention report: one self-contained HTML file drawn from the
marts of a DuckDB warehouse, readable offline (plotly.js is inlined once).

    python scripts/report.py [--warehouse PATH] [--output PATH] [--grain month|quarter|year]

The warehouse is opened read-only; it defaults to $RETENTION_DUCKDB_PATH, else
retention.duckdb in the project folder. The report goes beside it
(retention.duckdb gives retention_report.html) unless --output says otherwise.

The page opens with tiles for the last complete period of the grain against
the one before, then one section per subject. Each section is one function
that reads its marts and returns HTML; a mart that is absent, empty or short
of a column gives a note in place of its chart, never a failed report.
Periods with is_complete_period = false are shaded and drawn with open
markers or hatched bars. See docs/report.md.
"""

from __future__ import annotations

import argparse
import html
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
from warehouse_file import WAREHOUSE_HELP, default_warehouse

GRAINS = ("month", "quarter", "year")

# Colours: one per series family, used the same way in every chart.
BLUE, ORANGE, GREEN, RED, PURPLE, GREY, TEAL = ("#2563eb", "#ea580c", "#16a34a", "#dc2626", "#7c3aed",
                                                "#6b7280", "#0d9488")
INCOMPLETE_FILL = "rgba(107, 114, 128, 0.12)"

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


class MissingData(Exception):
    """A mart a section needs is absent, empty or lacks a column: the section
    shows the message as a note instead of a chart."""


# -- reading the warehouse ------------------------------------------------------

class Warehouse:
    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str):
        self.con = con
        self.schema = schema
        rows = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = ?"
            " order by table_name, ordinal_position", [schema]).fetchall()
        self.columns: dict[str, list[str]] = {}
        for table, column in rows:
            self.columns.setdefault(table, []).append(column)

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def table(self, name: str) -> str:
        return f'"{self.schema}"."{name}"'

    def require(self, table: str, columns: list[str], rows: bool = True) -> None:
        """Raises MissingData unless `table` exists with `columns` (and has rows, unless rows=False)."""
        if table not in self.columns:
            raise MissingData(f"<code>{table}</code> is not in the warehouse.")
        missing = [c for c in columns if c not in self.columns[table]]
        if missing:
            raise MissingData(f"<code>{table}</code> has no column {', '.join(f'<code>{c}</code>' for c in missing)}.")
        if rows and not self.con.execute(f"select exists (select 1 from {self.table(table)})").fetchall()[0][0]:
            raise MissingData(f"<code>{table}</code> has no rows.")

    def has_rows(self, table: str) -> bool:
        try:
            self.require(table, [])
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
            raise MissingData(f"<code>{table}</code> has no rows at the {grain} grain.")
        return rows

    def period_columns(self, table: str) -> list[str]:
        return [c for c in ("period_end", "is_complete_period") if c in self.columns.get(table, [])]


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


# -- charts ------------------------------------------------------------------------

@dataclass
class Page:
    grain: str
    charts: dict[str, str] = field(default_factory=dict)  # chart id -> figure JSON

    def chart(self, chart_id: str, fig: go.Figure, height: int = 380) -> str:
        fig.update_layout(template=TEMPLATE, height=height)
        self.charts[chart_id] = fig.to_json()
        return f'<div class="chart" id="{escape(chart_id)}" style="height:{height}px"></div>'


def note(message: str) -> str:
    return f'<p class="note">{message}</p>'


def mark_incomplete(fig: go.Figure, rows: list[dict[str, Any]], grain: str, **subplot: Any) -> None:
    """Puts the periods of `rows` in order on a category axis (one slot per period,
    labelled as in period_label) and shades and labels every incomplete one."""
    periods = sorted({r["period_start"] for r in rows})
    incomplete = {r["period_start"] for r in rows if is_incomplete(r)}
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[period_label(p, grain) for p in periods], **subplot)
    for index, period in enumerate(periods):
        if period in incomplete:
            fig.add_vrect(x0=index - 0.5, x1=index + 0.5,
                          fillcolor=INCOMPLETE_FILL, line_width=0, layer="below",
                          annotation_text="incomplete", annotation_position="top left",
                          annotation_font=dict(size=10, color=GREY), **subplot)


def hover_periods(rows: list[dict[str, Any]]) -> list[str]:
    return [" (incomplete)" if is_incomplete(r) else "" for r in rows]


def line(rows: list[dict[str, Any]], column: str, name: str, color: str, grain: str,
         scale: float = 1.0, **kwargs: Any) -> go.Scatter:
    """A series over the periods; incomplete periods get open markers and say so on hover."""
    values = [None if r[column] is None else float(r[column]) * scale for r in rows]
    return go.Scatter(
        x=[period_label(r["period_start"], grain) for r in rows], y=values, name=name, mode="lines+markers",
        line=dict(color=color, width=2),
        marker=dict(color=color, size=7, symbol=["circle-open" if is_incomplete(r) else "circle" for r in rows]),
        customdata=hover_periods(rows),
        hovertemplate="%{x}%{customdata}: %{y}<extra>" + escape(name) + "</extra>", **kwargs)


def bar(rows: list[dict[str, Any]], column: str, name: str, color: str, grain: str,
        sign: float = 1.0, **kwargs: Any) -> go.Bar:
    """Bars over the periods; incomplete periods are hatched."""
    return go.Bar(
        x=[period_label(r["period_start"], grain) for r in rows],
        y=[None if r[column] is None else float(r[column]) * sign for r in rows],
        name=name, marker=dict(color=color, pattern=dict(shape=["/" if is_incomplete(r) else "" for r in rows])),
        customdata=hover_periods(rows),
        hovertemplate="%{x}%{customdata}: %{y:,.2f}<extra>" + escape(name) + "</extra>", **kwargs)


# -- headline tiles ---------------------------------------------------------------

@dataclass(frozen=True)
class Tile:
    metric: str        # the mart column
    label: str
    mart: str
    kind: str          # rate, money or ratio
    higher_is_better: bool
    basis: str | None = None


TILES = [
    Tile("customer_retention_rate", "Customer retention rate (orders)", "fct_customer_retention", "rate", True,
         "orders"),
    Tile("customer_churn_rate", "Customer churn rate (orders)", "fct_customer_retention", "rate", False, "orders"),
    Tile("customer_retention_rate", "Customer retention rate (subscriptions)", "fct_customer_retention", "rate", True,
         "subscriptions"),
    Tile("customer_churn_rate", "Customer churn rate (subscriptions)", "fct_customer_retention", "rate", False,
         "subscriptions"),
    Tile("net_revenue_retention", "Net revenue retention", "fct_revenue_retention", "rate", True),
    Tile("gross_revenue_retention", "Gross revenue retention", "fct_revenue_retention", "rate", True),
    Tile("mrr_at_end", "MRR at the end of the period", "fct_revenue_retention", "money", True),
    Tile("quick_ratio", "Quick ratio", "fct_revenue_retention", "ratio", True),
    Tile("average_order_value", "Average order value", "fct_order_metrics", "money", True),
    Tile("repeat_customer_rate", "Repeat customer rate", "fct_order_metrics", "rate", True),
]


def last_complete_periods(wh: Warehouse, tile: Tile, grain: str) -> list[dict[str, Any]]:
    """The tile's mart rows for the last complete period and the one before (newest first)."""
    basis = "and basis = ?" if tile.basis else ""
    params = [tile.basis] if tile.basis else []
    wh.require(tile.mart, ["period_grain", "period_start", "is_complete_period", tile.metric,
                           *(["basis"] if tile.basis else [])])
    return wh.query(
        f"select period_start, {tile.metric} as value from {wh.table(tile.mart)}"
        f" where period_grain = ? and is_complete_period {basis} order by period_start desc limit 2",
        [grain, *params])


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "rate":
        return percent(float(value))
    if kind == "money":
        return f"{float(value):,.2f}"
    return f"{float(value):,.2f}"


def format_change(value: Any, previous: Any, kind: str) -> tuple[str, float | None]:
    """The change as text and its sign (None when either side is missing)."""
    if value is None or previous is None:
        return "no comparison", None
    delta = float(value) - float(previous)
    if kind == "rate":
        return f"{delta * 100:+.1f} pp", delta
    if kind == "money" and float(previous) != 0:
        return f"{delta:+,.2f} ({delta / float(previous) * 100:+.1f}%)", delta
    return f"{delta:+,.2f}", delta


def tile_html(tile: Tile, rows: list[dict[str, Any]], grain: str) -> str:
    current = rows[0]
    previous = rows[1] if len(rows) > 1 else None
    previous_value = previous["value"] if previous else None
    change, delta = format_change(current["value"], previous_value, tile.kind)
    tone = "flat" if not delta else ("good" if (delta > 0) == tile.higher_is_better else "bad")
    compared = (f"{escape(period_label(current['period_start'], grain))} vs "
                f"{escape(period_label(previous['period_start'], grain))}" if previous
                else escape(period_label(current["period_start"], grain)))
    attributes = {
        "data-metric": tile.metric, "data-mart": tile.mart, "data-basis": tile.basis or "",
        "data-period-start": current["period_start"].isoformat(), "data-value": data_value(current["value"]),
        "data-previous-period-start": previous["period_start"].isoformat() if previous else "",
        "data-previous-value": data_value(previous_value),
    }
    attrs = " ".join(f'{k}="{escape(v)}"' for k, v in attributes.items())
    return (f'<div class="tile" {attrs}><div class="tile-label">{escape(tile.label)}</div>'
            f'<div class="tile-value">{format_value(current["value"], tile.kind)}</div>'
            f'<div class="tile-change {tone}">{escape(change)}</div>'
            f'<div class="tile-period">{compared}</div></div>')


def tiles_section(wh: Warehouse, page: Page) -> str:
    tiles, notes = [], []
    for tile in TILES:
        try:
            rows = last_complete_periods(wh, tile, page.grain)
        except MissingData as missing:
            notes.append(f"{escape(tile.label)}: {missing}")
            continue
        if not rows:
            notes.append(f"{escape(tile.label)}: no complete {page.grain} in <code>{tile.mart}</code>"
                         + (f" on the {tile.basis} basis." if tile.basis else "."))
            continue
        tiles.append(tile_html(tile, rows, page.grain))
    body = f'<div class="tiles">{"".join(tiles)}</div>' if tiles else ""
    return body + "".join(note(n) for n in notes)


# -- sections ------------------------------------------------------------------------

def mrr_bridge_section(wh: Warehouse, page: Page) -> str:
    movements = ["new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr"]
    rows = wh.periods("fct_revenue_retention", ["mrr_at_start", "mrr_at_end", *movements], page.grain)
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
            text=[f"{float(s[1]):+,.0f}" if s[2] == "relative" else f"{float(s[1]):,.0f}" for s in steps],
            textposition="outside", connector=dict(line=dict(color="#9ca3af")),
            increasing=dict(marker=dict(color=GREEN)), decreasing=dict(marker=dict(color=RED)),
            totals=dict(marker=dict(color=BLUE)), hovertemplate="%{x}: %{y:,.2f}<extra></extra>"))
        levels, level = [], 0.0
        for _, value, measure in steps[:-1]:
            level = float(value) if measure == "absolute" else level + float(value)
            levels.append(level)
        low, high = min(levels), max(levels)
        pad = max((high - low) * 0.3, high * 0.01, 1.0)
        bottom = max(low - pad, 0.0)
        fig.update_layout(
            title=f"MRR bridge, {period_label(last['period_start'], page.grain)} (last complete {page.grain})"
                  + (f"; the axis starts at {bottom:,.0f}" if bottom > 0 else ""),
            yaxis=dict(range=[bottom, high + pad]), showlegend=False, margin=dict(t=50))
        parts.append(page.chart("chart-mrr-bridge", fig))
    else:
        parts.append(note(f"No complete {page.grain} in <code>fct_revenue_retention</code> for a bridge."))
    fig = go.Figure([
        bar(rows, "new_mrr", "New", GREEN, page.grain),
        bar(rows, "expansion_mrr", "Expansion", TEAL, page.grain),
        bar(rows, "reactivation_mrr", "Reactivation", PURPLE, page.grain),
        bar(rows, "contraction_mrr", "Contraction", ORANGE, page.grain, sign=-1),
        bar(rows, "churned_mrr", "Churned", RED, page.grain, sign=-1),
    ])
    fig.update_layout(barmode="relative", title=f"MRR movements by {page.grain}", yaxis_title="MRR")
    mark_incomplete(fig, rows, page.grain)
    parts.append(page.chart("chart-mrr-movements", fig))
    return "".join(parts)


def revenue_retention_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_revenue_retention",
                      ["net_revenue_retention", "gross_revenue_retention", "net_revenue_retention_12m"], page.grain)
    fig = go.Figure([
        line(rows, "net_revenue_retention", "NRR", BLUE, page.grain),
        line(rows, "gross_revenue_retention", "GRR", ORANGE, page.grain),
        line(rows, "net_revenue_retention_12m", "NRR over 12 months", PURPLE, page.grain, connectgaps=False),
    ])
    fig.update_layout(title=f"Net and gross revenue retention by {page.grain}", yaxis_tickformat=".0%")
    mark_incomplete(fig, rows, page.grain)
    return page.chart("chart-revenue-retention", fig)


def customer_churn_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_customer_retention", ["basis", "customer_churn_rate", "customer_retention_rate"],
                      page.grain)
    bases = sorted({r["basis"] for r in rows})
    colours = {"orders": BLUE, "subscriptions": ORANGE}
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=("Customer churn rate", "Customer retention rate"))
    for basis in bases:
        basis_rows = [r for r in rows if r["basis"] == basis]
        colour = colours.get(basis, GREY)
        fig.add_trace(line(basis_rows, "customer_churn_rate", f"{basis} basis", colour, page.grain,
                           legendgroup=basis), row=1, col=1)
        fig.add_trace(line(basis_rows, "customer_retention_rate", f"{basis} basis", colour, page.grain,
                           legendgroup=basis, showlegend=False), row=2, col=1)
    fig.update_yaxes(tickformat=".0%")
    fig.update_layout(legend=dict(y=1.08))
    mark_incomplete(fig, rows, page.grain, row="all", col=1)
    return page.chart("chart-customer-churn", fig, height=520)


def cohort_section(wh: Warehouse, page: Page) -> str:
    wh.require("fct_cohort_retention", ["basis", "period_grain", "cohort_period_start", "periods_since_first",
                                        "cohort_customers", "active_customers", "retention_rate",
                                        "is_complete_period"])
    parts = []
    for basis in ("orders", "subscriptions"):
        rows = wh.query(
            f"select cohort_period_start, periods_since_first, cohort_customers, active_customers, retention_rate,"
            f" is_complete_period from {wh.table('fct_cohort_retention')}"
            f" where basis = ? and period_grain = ? order by cohort_period_start, periods_since_first",
            [basis, page.grain])
        if not rows:
            parts.append(note(f"No {basis}-basis cohorts at the {page.grain} grain."))
            continue
        cohorts = sorted({r["cohort_period_start"] for r in rows})
        width = max(r["periods_since_first"] for r in rows) + 1
        sizes = {r["cohort_period_start"]: r["cohort_customers"] for r in rows}
        labels = [f"{period_label(c, page.grain)} ({sizes[c]})" for c in cohorts]
        index = {c: i for i, c in enumerate(cohorts)}
        z: list[list[float | None]] = [[None] * width for _ in cohorts]
        hover: list[list[str]] = [[""] * width for _ in cohorts]
        incomplete_x, incomplete_y = [], []
        for r in rows:
            i, k = index[r["cohort_period_start"]], r["periods_since_first"]
            z[i][k] = number(r["retention_rate"])
            flag = " (incomplete period)" if r["is_complete_period"] is False else ""
            hover[i][k] = (f"{labels[i]}, +{k} {page.grain}s{flag}: {r['active_customers']} of "
                           f"{r['cohort_customers']} ({percent(number(r['retention_rate']))})")
            if flag:
                incomplete_x.append(k)
                incomplete_y.append(labels[i])
        fig = go.Figure(go.Heatmap(
            x=list(range(width)), y=labels, z=z, zmin=0, zmax=1, colorscale="Blues", text=hover,
            hovertemplate="%{text}<extra></extra>", texttemplate="%{z:.0%}", textfont=dict(size=9),
            colorbar=dict(title=dict(text="retained"), tickformat=".0%"), xgap=1, ygap=1))
        fig.add_trace(go.Scatter(x=incomplete_x, y=incomplete_y, mode="markers", name="incomplete period",
                                 marker=dict(symbol="square-open", size=16, color=ORANGE, line=dict(width=2)),
                                 hoverinfo="skip"))
        fig.update_layout(
            title=f"Cohort retention, {basis} basis: share of each {page.grain}'s new customers still customers",
            xaxis=dict(title=f"{page.grain}s since the first", dtick=1, range=[-0.5, width - 0.5], zeroline=False),
            yaxis=dict(autorange="reversed", type="category", automargin=True, showgrid=False),
            showlegend=bool(incomplete_x))
        height = max(320, 110 + 22 * len(cohorts))
        parts.append(page.chart(f"chart-cohort-{basis}", fig, height=height))
    return "".join(parts)


def order_metrics_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_order_metrics", ["orders", "revenue", "average_order_value", "purchase_frequency",
                                            "repeat_customer_rate"], page.grain)
    volume = make_subplots(specs=[[{"secondary_y": True}]])
    volume.add_trace(bar(rows, "revenue", "Revenue", BLUE, page.grain), secondary_y=False)
    volume.add_trace(line(rows, "orders", "Orders", ORANGE, page.grain), secondary_y=True)
    volume.update_layout(title=f"Revenue and orders by {page.grain}")
    volume.update_yaxes(title_text="revenue", secondary_y=False)
    volume.update_yaxes(title_text="orders", secondary_y=True, showgrid=False, rangemode="tozero", tickmode="auto")
    mark_incomplete(volume, rows, page.grain)
    rates = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                          subplot_titles=("Average order value", "Purchase frequency (orders per ordering customer)",
                                          "Repeat customer rate"))
    rates.add_trace(line(rows, "average_order_value", "AOV", BLUE, page.grain, showlegend=False), row=1, col=1)
    rates.add_trace(line(rows, "purchase_frequency", "Purchase frequency", TEAL, page.grain, showlegend=False),
                    row=2, col=1)
    rates.add_trace(line(rows, "repeat_customer_rate", "Repeat customer rate", PURPLE, page.grain,
                         showlegend=False), row=3, col=1)
    rates.update_yaxes(tickformat=".0%", row=3, col=1)
    rates.update_layout(margin=dict(t=40))
    mark_incomplete(rates, rows, page.grain, row="all", col=1)
    return page.chart("chart-order-volume", volume) + page.chart("chart-order-rates", rates, height=600)


def clv_section(wh: Warehouse, page: Page) -> str:
    wh.require("fct_customer_clv", ["predicted_clv"])
    values = [float(r["predicted_clv"]) for r in wh.query(
        f"select predicted_clv from {wh.table('fct_customer_clv')} where predicted_clv is not null")]
    if not values:
        raise MissingData("<code>fct_customer_clv</code> has no predicted CLV.")
    ordered = sorted(values)
    median = ordered[len(ordered) // 2] if len(ordered) % 2 else (ordered[len(ordered) // 2 - 1]
                                                                    + ordered[len(ordered) // 2]) / 2
    mean = sum(values) / len(values)
    fig = go.Figure(go.Histogram(x=values, nbinsx=40, marker=dict(color=BLUE, line=dict(color="white", width=1)),
                                 hovertemplate="CLV %{x}: %{y} customers<extra></extra>"))
    fig.add_vline(x=median, line=dict(color=ORANGE, dash="dash"), annotation_text=f"median {median:,.2f}",
                  annotation_position="top right")
    fig.add_vline(x=mean, line=dict(color=PURPLE, dash="dot"), annotation_text=f"mean {mean:,.2f}",
                  annotation_position="top right", annotation_y=0.9)
    fig.update_layout(title=f"Predicted customer lifetime value ({len(values):,} customers)",
                      xaxis_title="predicted CLV over the horizon", yaxis_title="customers", showlegend=False,
                      margin=dict(t=50))
    return page.chart("chart-clv-distribution", fig)


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
        bar(rows, "new_users", "New", GREEN, page.grain),
        bar(rows, "returning_users", "Returning", BLUE, page.grain),
        bar(rows, "resurrected_users", "Resurrected", PURPLE, page.grain),
        bar(rows, "dormant_users", "Dormant (lost since the period before)", RED, page.grain, sign=-1),
    ])
    users.update_layout(barmode="relative", title=f"Active users by {page.grain}: where they come from",
                        yaxis_title="users")
    mark_incomplete(users, rows, page.grain)
    traces = [line(rows, "daily_stickiness", "Daily stickiness (average DAU / active users)", BLUE, page.grain)]
    title = f"Stickiness by {page.grain}"
    if page.grain == "month":
        # Average MAU over one month is that month's active users: always 1, so not drawn.
        title += " (monthly stickiness is 1 at this grain; see the quarter or year grain)"
    else:
        traces.append(line(rows, "monthly_stickiness", "Monthly stickiness (average MAU / active users)", ORANGE,
                           page.grain))
    stickiness = go.Figure(traces)
    stickiness.update_layout(title=title, yaxis=dict(tickformat=".0%", rangemode="tozero"), showlegend=True)
    mark_incomplete(stickiness, rows, page.grain)
    return page.chart("chart-engagement-users", users) + page.chart("chart-stickiness", stickiness)


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
        raise MissingData("<code>fct_power_user_curve</code> has no complete month.")
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
    fig = go.Figure([line(rows, column, name, colour, page.grain) for column, name, colour in rates])
    fig.update_layout(title=f"Email engagement by {page.grain} (unique, per delivered send; bounces per send)",
                      yaxis=dict(tickformat=".0%", rangemode="tozero"))
    mark_incomplete(fig, rows, page.grain)
    return page.chart("chart-email", fig)


def nps_section(wh: Warehouse, page: Page) -> str:
    rows = wh.periods("fct_nps", ["responses", "promoters", "passives", "detractors", "net_promoter_score",
                                  "net_promoter_score_margin_of_error"], page.grain)
    # The secondary axis is drawn on top, so the score goes there (on the left) and
    # the response counts behind it (on the right).
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(bar(rows, "responses", "Responses", "#cbd5e1", page.grain), secondary_y=False)
    score = line(rows, "net_promoter_score", "NPS (95% margin)", BLUE, page.grain)
    score.error_y = dict(type="data", array=[number(r["net_promoter_score_margin_of_error"]) for r in rows],
                         visible=True, color=BLUE, thickness=1)
    fig.add_trace(score, secondary_y=True)
    fig.update_yaxes(title_text="NPS", range=[-100, 100], tickmode="array", tickvals=[-100, -50, 0, 50, 100],
                     secondary_y=True, side="left", showgrid=True, gridcolor="#e5e7eb", zerolinecolor="#9ca3af")
    fig.update_yaxes(title_text="responses", secondary_y=False, side="right", showgrid=False, rangemode="tozero")
    fig.update_layout(title=f"Net Promoter Score by {page.grain}")
    mark_incomplete(fig, rows, page.grain)
    return page.chart("chart-nps", fig)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    build: Callable[[Warehouse, Page], str]


SECTIONS = [
    Section("headline", "Last complete period against the one before",
            "Each tile is one mart value of the last complete period; the change is against the period before "
            "(percentage points for rates).", tiles_section),
    Section("mrr", "MRR movements",
            "Subscriptions basis. The bridge walks from MRR at the start of the last complete period to MRR at "
            "its end; the bars show every period's movements (contraction and churn below zero).",
            mrr_bridge_section),
    Section("revenue-retention", "Net and gross revenue retention",
            "NRR and GRR compare each period's end with its start; NRR over 12 months follows the customers who "
            "had MRR twelve months before the period's end.", revenue_retention_section),
    Section("customer-churn", "Customer churn by basis",
            "Orders basis: a customer ordered in the trailing window. Subscriptions basis: a customer holds a "
            "paying subscription.", customer_churn_section),
    Section("cohorts", "Cohort retention",
            "Rows are cohorts (the period of each customer's first activity, with its size); columns count "
            "periods since. A framed cell is a period that is not complete yet.", cohort_section),
    Section("orders", "Order metrics", "Counted (completed) orders; revenue net of refunds.", order_metrics_section),
    Section("clv", "Customer lifetime value",
            "Predicted CLV per customer from the BG/NBD and Gamma-Gamma fit (fct_customer_clv).", clv_section),
    Section("rejected", "Rejected rows", "Raw rows the marts could not use, by reason (rejected_rows).",
            rejected_rows_section),
    Section("active-users", "Active users", "From fct_daily_active_users.", active_users_section),
    Section("engagement", "Engagement and stickiness", "From fct_engagement.", engagement_section),
    Section("power-users", "Power user curve", "From fct_power_user_curve, for the last complete month.",
            power_user_section),
    Section("email", "Email engagement", "From fct_email_engagement.", email_section),
    Section("nps", "Net Promoter Score", "From fct_nps; the error bars give each period's 95% margin of error.",
            nps_section),
]


# -- the page ---------------------------------------------------------------------------

CSS = """
body { margin: 0; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2937;
       background: #f3f4f6; }
header { background: #111827; color: white; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #d1d5db; font-size: 13px; }
nav { padding: 8px 32px; background: white; border-bottom: 1px solid #e5e7eb; font-size: 13px; }
nav a { margin-right: 14px; color: #2563eb; text-decoration: none; white-space: nowrap; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
section { background: white; border-radius: 8px; padding: 16px 20px; margin: 16px 0;
          box-shadow: 0 1px 2px rgba(0,0,0,.06); }
section h2 { margin: 0 0 4px; font-size: 18px; }
section > p.intro { margin: 0 0 12px; color: #4b5563; font-size: 13px; }
.chart { width: 100%; margin: 8px 0 16px; }
.note { background: #f9fafb; border-left: 3px solid #9ca3af; padding: 8px 12px; color: #4b5563; font-size: 13px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; }
.tile { border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 14px; }
.tile-label { font-size: 12px; color: #4b5563; min-height: 30px; }
.tile-value { font-size: 26px; font-weight: 600; margin: 4px 0; }
.tile-change { font-size: 13px; font-weight: 500; }
.tile-change.good { color: #15803d; } .tile-change.bad { color: #b91c1c; } .tile-change.flat { color: #6b7280; }
.tile-period { font-size: 11px; color: #6b7280; margin-top: 2px; }
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


def render(wh: Warehouse, grain: str, warehouse_path: Path) -> tuple[str, list[str]]:
    """The page's HTML and the ids of the sections that show a note instead of content."""
    page = Page(grain)
    blocks, noted = [], []
    for section in SECTIONS:
        try:
            body = section.build(wh, page)
        except MissingData as missing:
            body = note(f"Not shown: {missing}")
            noted.append(section.id)
        blocks.append(f'<section id="{section.id}"><h2>{escape(section.title)}</h2>'
                      f'<p class="intro">{escape(section.intro)}</p>{body}</section>')
    links = "\n".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in SECTIONS)
    as_of_date = as_of(wh)
    subtitle = (f"Warehouse {escape(warehouse_path.name)}"
                + (f" · data as of {as_of_date.isoformat()}" if as_of_date else "")
                + f" · {grain} grain · generated {datetime.now().strftime('%Y-%m-%d %H:%M')}"
                + " · shaded, hatched or open-marker periods are incomplete")
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
<header><h1>Retention report</h1><p>{subtitle}</p></header>
<nav>{links}</nav>
<main>
{"".join(blocks)}
</main>
<script type="application/json" id="report-charts">{charts}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
    return document, noted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=None, help=WAREHOUSE_HELP)
    parser.add_argument("--output", type=Path, default=None,
                        help="HTML file to write (default: <warehouse name>_report.html beside the warehouse)")
    parser.add_argument("--grain", choices=GRAINS, default="month", help="period grain of tiles and charts")
    parser.add_argument("--schema", default="main", help="schema holding the marts (default: main)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    warehouse = (args.warehouse or default_warehouse()).resolve()
    if not warehouse.is_file():
        parser.error(f"no warehouse at {warehouse}: build it with scripts/build.sh or name one with --warehouse")
    output = (args.output or warehouse.with_name(f"{warehouse.stem}_report.html")).resolve()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        wh = Warehouse(con, args.schema)
        if not any(name.startswith(("fct_", "dim_")) for name in wh.columns):
            parser.error(f"{warehouse} has no marts in schema {args.schema}: build them with scripts/build.sh")
        document, noted = render(wh, args.grain, warehouse)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document, encoding="utf-8")
    elapsed = time.perf_counter() - started
    if noted:
        print(f"report: sections without data: {', '.join(noted)}")
    print(f"report: {output} ({output.stat().st_size / 1e6:.1f} MB) written in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
