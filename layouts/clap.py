"""``/clap``: the page skeleton and its figures, pure functions.

``callbacks/clap.py`` fills the skeleton from ``data.queries.clap``.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

import plotly.graph_objects as go
from dash import html

from core import thresholds
from core.config import Settings
from core.filters import Filters, parse_filters
from core.numbers import fmt_number, fmt_percent
from core.thresholds import colour
from core.timeutil import MONTHS_ES
from data.queries import clap as q
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.data_table import export_link, table_panel_body
from layouts.components.figures import (
    Figure,
    build_figure,
    coverage_traces,
    empty_figure,
    label_axis,
    right_axis,
)
from layouts.components.indicator import indicator_page, map_panel
from layouts.components.kpi import delta, delta_points, kpi_card, kpi_row, kpi_value
from layouts.components.map_points import point_features, tooltip_table
from layouts.components.page_figures import legend_layout
from layouts.components.panel import panel
from layouts.components.record_table import record_table, threshold_legend

PAGE = "clap"
DATASETS = ("clap_deliveries", "territories")


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    parsed = parse_filters(query, q.CATEGORIES)
    filters = parsed.filters
    period = filters.range_label().lower()
    body = [
        kpi_row("clap-kpis", 7, "clap"),
        html.Div(
            [
                map_panel("clap", settings),
                chart_card(
                    "clap-trend",
                    "Familias atendidas por día",
                    f"vs. planificadas, {period} · el ciclo cierra a fin de mes",
                    area="clap",
                ),
                chart_card(
                    "clap-territory",
                    "Cobertura por territorio",
                    "hoy y en el mes · clic para entrar",
                    area="clap",
                ),
            ],
            className="ind-row ind-row-main",
        ),
        html.Div(
            [
                chart_card("clap-kg", "Kilogramos y bolsas por día", period, area="clap"),
                panel(
                    "Comités con entregas atrasadas",
                    html.Div(id="clap-late", className="ind-list"),
                    subtitle=f"sin entrega en {q.LATE_DAYS} días o nunca · los más atrasados primero",
                    class_name="ind-list-panel",
                ),
            ],
            className="ind-row ind-row-2",
        ),
        panel(
            "Entregas",
            table_panel_body(q.DELIVERIES, filters),
            subtitle=f"lotes de entrega, {period}",
            extra=export_link(q.DELIVERIES, filters),
            class_name="ind-table-panel",
        ),
    ]
    return indicator_page(
        PAGE, "CLAP · Distribución de alimentos", parsed, q.CATEGORIES, "Entregas", DATASETS, body
    )


def _tone(ratio: float | None) -> str | None:
    """Judged by ``core.thresholds`` like the wall and the map legend."""
    return thresholds.tone("clap_coverage", ratio)


def _served_sub(part: dict[str, Any], field: str) -> list[Any]:
    return [
        "de ",
        kpi_value(f"{field}.planned", part["planned"], class_name="kpi-inline"),
        " planificadas · ",
        kpi_value(f"{field}.coverage", part["coverage"], "ratio", "kpi-inline"),
    ]


def kpi_cards(k: dict[str, Any], filters: Filters) -> list[Any]:
    today, month, period = k["today"], k["month"], k["period"]
    committees = k["committees"]
    label = filters.range_label().lower()
    return [
        kpi_card(
            "Familias atendidas hoy",
            "clap.today.served",
            today["served"],
            sub=_served_sub(today, "clap.today")
            if today["planned"]
            else "sin entregas planificadas hoy",
            # the day is still being reported: its coverage compares with a whole day's,
            # its count of families would not (0 right after midnight read as ▼ 100 %)
            comparison=delta_points(
                today["coverage"],
                k["same_day_last_week"]["coverage"],
                "up",
                "de cobertura vs. hace 7 días",
            ),
            area="clap",
            tone=_tone(today["coverage"]),
        ),
        kpi_card(
            "Familias atendidas este mes",
            "clap.month.served",
            month["served"],
            sub=_served_sub(month, "clap.month") if month["planned"] else "sin entregas este mes",
            comparison=delta(
                month["served"], k["previous_month"]["served"], "up", "vs. mes anterior"
            ),
            area="clap",
            tone=_tone(month["coverage"]),
        ),
        kpi_card(
            f"Atendidas · {label}",
            "clap.period.served",
            period["served"],
            sub=_served_sub(period, "clap.period")
            if period["planned"]
            else "sin entregas en el período",
            comparison=delta(
                period["served"], k["previous_period"]["served"], "up", "vs. período anterior"
            ),
            area="clap",
            tone=_tone(period["coverage"]),
        ),
        kpi_card(
            f"Bolsas · {label}",
            "clap.period.bags",
            period["bags"],
            sub=[kpi_value("clap.period.kg", period["kg"], class_name="kpi-inline"), " kg"],
            comparison=delta(
                period["bags"], k["previous_period"]["bags"], "up", "vs. período anterior"
            ),
            area="clap",
        ),
        kpi_card(
            "Lotes entregados",
            "clap.period.batches",
            period["batches"],
            sub=[
                kpi_value("clap.period.committees", period["committees"], class_name="kpi-inline"),
                " comités con entrega",
            ],
            area="clap",
        ),
        kpi_card(
            "Comités sin entrega en el período",
            "clap.committees.missing",
            committees["missing"],
            sub=[
                "de ",
                kpi_value("clap.committees.total", committees["total"], class_name="kpi-inline"),
                " comités",
            ],
            area="clap",
            tone="warn" if committees["missing"] else None,
        ),
        kpi_card(
            f"Comités atrasados (> {q.LATE_DAYS} días)",
            "clap.committees.late",
            committees["late"],
            sub=f"{fmt_percent(committees['late'] / committees['total']) if committees['total'] else '—'} de los comités",
            area="clap",
            tone="bad" if committees["late"] else None,
        ),
    ]


def map_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points coloured by coverage in the period, sized by families planned."""
    drillable = bool(rows) and rows[0]["level"] != "clap"

    def tip(r: dict[str, Any]) -> str:
        return tooltip_table(
            r["name"],
            [
                ("Hoy", f"{fmt_number(r['today_served'])} de {fmt_number(r['today_planned'])}"),
                (
                    "Este mes",
                    f"{fmt_number(r['month_served'])} de {fmt_number(r['month_planned'])} ({fmt_percent(r['month_coverage'])})",
                ),
                (
                    "Período",
                    f"{fmt_number(r['period_served'])} de {fmt_number(r['period_planned'])} ({fmt_percent(r['period_coverage'])})",
                ),
                ("Bolsas", fmt_number(r["bags"])),
                ("Kg", fmt_number(r["kg"], 0)),
            ],
            "clic para entrar" if drillable else None,
        )

    return point_features(
        rows,
        status=lambda r: r["period_coverage"],
        size=lambda r: float(r["period_planned"]),
        tooltip=tip,
        drillable=drillable,
        colour=lambda r: colour("clap_coverage", r["period_coverage"]),
    )


def map_legend() -> list[Any]:
    return threshold_legend(
        "Color: cobertura del período · tamaño: familias planificadas", "clap_coverage"
    )


def _short(day: date) -> str:
    return f"{day.day} {MONTHS_ES[day.month - 1][:3]}"


def _month_ends(days: list[date]) -> list[date]:
    return [d for d in days if d.day == calendar.monthrange(d.year, d.month)[1]]


def trend_figure(series: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    """Planned vs served per day with coverage, month ends marked (the cycle closes there)."""
    if not any(p["planned"] for p in series):
        return empty_figure("Sin entregas CLAP en el período", scale)
    days = [datetime(p["day"].year, p["day"].month, p["day"].day) for p in series]
    coverage = [p["served"] / p["planned"] * 100 if p["planned"] else None for p in series]
    planned, served = [p["planned"] for p in series], [p["served"] for p in series]
    traces = coverage_traces(days, planned, served, coverage, scale, "%{x|%d/%m}")
    layout = legend_layout(scale, barmode="overlay", bargap=0.15)
    layout["yaxis2"] = right_axis(scale, range=[0, 105], ticksuffix=" %")
    layout["margin"]["r"] = round(56 * scale)
    layout["xaxis"].update(type="date", tickformat="%d/%m", nticks=10)
    layout["shapes"] = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": d.isoformat() + "T12:00:00",
            "x1": d.isoformat() + "T12:00:00",
            "y0": 0,
            "y1": 1,
            "line": {"color": theme.ACCENT, "width": 1, "dash": "dot"},
        }
        for d in _month_ends([p["day"] for p in series])
    ]
    return build_figure(traces, layout=layout)


def kg_figure(series: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    if not any(p["bags"] for p in series):
        return empty_figure("Sin entregas CLAP en el período", scale)
    days = [datetime(p["day"].year, p["day"].month, p["day"].day) for p in series]
    traces = [
        go.Bar(
            x=days,
            y=[p["kg"] for p in series],
            name="Kg",
            marker_color=theme.CYAN,
            hovertemplate="%{x|%d/%m}: %{y:,.0f} kg<extra></extra>",
        ),
        go.Scatter(
            x=days,
            y=[p["bags"] for p in series],
            name="Bolsas",
            yaxis="y2",
            mode="lines",
            line={"color": theme.ACCENT, "width": 2 * scale},
            hovertemplate="%{x|%d/%m}: %{y:,.0f} bolsas<extra></extra>",
        ),
    ]
    layout = legend_layout(scale, bargap=0.15)
    layout["yaxis2"] = right_axis(scale, tickformat=",.0f")
    layout["margin"]["r"] = round(64 * scale)
    layout["xaxis"].update(type="date", tickformat="%d/%m", nticks=10)
    return build_figure(traces, layout=layout)


def territory_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    """Coverage today and this month per child territory (click a bar to drill down)."""
    rows = [r for r in rows if r["month_planned"] or r["today_planned"]]
    if not rows:
        return empty_figure("Sin entregas este mes en este territorio", scale)
    rows = sorted(rows, key=lambda r: r["month_coverage"] or 0, reverse=True)[:25][::-1]
    names = [r["name"] for r in rows]
    codes = [r["code"] for r in rows]

    def pct(served: int, planned: int) -> float | None:
        return served / planned * 100 if planned else None

    traces = [
        go.Bar(
            y=names,
            x=[pct(r["month_served"], r["month_planned"]) for r in rows],
            name="Este mes",
            orientation="h",
            marker_color=theme.OK,
            customdata=codes,
            hovertemplate="%{y}: %{x:.1f} % en el mes<extra></extra>",
        ),
        go.Bar(
            y=names,
            x=[pct(r["today_served"], r["today_planned"]) for r in rows],
            name="Hoy",
            orientation="h",
            marker_color=theme.ACCENT,
            customdata=codes,
            hovertemplate="%{y}: %{x:.1f} % hoy<extra></extra>",
        ),
    ]
    layout = legend_layout(scale, barmode="group", bargap=0.25)
    layout["xaxis"].update(range=[0, 105], ticksuffix=" %")
    label_axis(layout, len(rows), scale)
    return build_figure(traces, layout=layout)


def late_list(rows: list[dict[str, Any]]) -> Any:
    headers = ["Comité", "Consejo comunal", ("Familias", "num"), "Última entrega", ("Días", "num")]
    body = [
        [
            r["name"],
            r["territory"],
            (fmt_number(r["families"]), "num"),
            r["last_delivery"].strftime("%d/%m/%Y") if r["last_delivery"] else "Nunca",
            (fmt_number(r["days"]) if r["days"] is not None else "—", "num bad"),
        ]
        for r in rows
    ]
    return record_table(
        headers,
        body,
        f"Ningún comité lleva {q.LATE_DAYS} días sin entrega",
        "en este territorio",
        row_titles=[r["code"] for r in rows],
    )
