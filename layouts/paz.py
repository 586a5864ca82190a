"""``/paz`` (cuadrantes de paz): the page skeleton and its figures, pure functions.

``callbacks/paz.py`` fills the skeleton from ``data.queries.incidents``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import plotly.graph_objects as go
from dash import html

from core.config import Settings
from core.filters import Filters, parse_filters
from core.numbers import fmt_number
from core.timeutil import CARACAS, WEEKDAYS_ES
from data.queries import incidents as q
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.data_table import export_link, table_panel_body
from layouts.components.drill import drill_codes
from layouts.components.figures import base_layout, empty_figure, heat_colorbar, label_axis
from layouts.components.indicator import indicator_page, map_panel
from layouts.components.kpi import delta, kpi_card, kpi_row, kpi_value
from layouts.components.map_points import point_features, tooltip_table
from layouts.components.margins import fit_margins
from layouts.components.panel import panel
from layouts.components.record_table import map_legend as legend
from layouts.components.record_table import record_table

PAGE = "paz"
DATASETS = ("incidents", "cuadrantes", "territories")
SEVERITY_COLORS = ("#6b7a8c", theme.ACCENT, theme.WARN, "#e5734d", theme.BAD)


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    parsed = parse_filters(query, q.CATEGORIES)
    filters = parsed.filters
    period = filters.range_label().lower()
    body = [
        kpi_row("paz-kpis", 4, "paz"),
        html.Div(
            [
                map_panel("paz", settings),
                chart_card(
                    "paz-heatmap",
                    "Hora del día × día de la semana",
                    f"incidentes en {period}, hora de Caracas",
                    area="paz",
                ),
                chart_card(
                    "paz-day",
                    "Últimas 24 h vs. mismo día de la semana pasada",
                    "incidentes por hora",
                    area="paz",
                ),
            ],
            className="ind-row ind-row-main",
        ),
        html.Div(
            [
                chart_card(
                    "paz-territory",
                    "Incidentes por territorio",
                    f"{period} · clic para entrar",
                    area="paz",
                ),
                chart_card("paz-type", "Por tipo", period, area="paz"),
                chart_card("paz-severity", "Por severidad", f"1 leve … 5 muy grave · {period}"),
                panel(
                    "Cuadrantes por encima de lo habitual",
                    html.Div(id="paz-above", className="ind-list"),
                    subtitle=f"últimos 7 días vs. media semanal de las {q.BASELINE_WEEKS} "
                    "semanas previas + 2 desviaciones",
                    class_name="ind-list-panel",
                ),
            ],
            className="ind-row ind-row-4",
        ),
        panel(
            "Cuadrantes con más incidentes",
            html.Div(id="paz-cuadrantes", className="ind-list"),
            subtitle=period,
            class_name="ind-list-panel",
        ),
        panel(
            "Incidentes",
            table_panel_body(q.INCIDENTS, filters),
            subtitle=f"incidentes en {period}",
            extra=export_link(q.INCIDENTS, filters),
            class_name="ind-table-panel",
        ),
    ]
    return indicator_page(
        PAGE, "Cuadrantes de paz", parsed, q.CATEGORIES, "Tipo de incidente", DATASETS, body
    )


# -- KPI cards ---------------------------------------------------------------------------


def kpi_cards(
    totals: dict[str, int],
    previous: dict[str, int],
    day: dict[str, Any],
    above: list[dict[str, Any]],
    filters: Filters,
) -> list[Any]:
    label = filters.range_label().lower()
    versus = "vs. anterior"
    return [
        kpi_card(
            f"Incidentes · {label}",
            "paz.incidents",
            totals["incidents"],
            comparison=delta(totals["incidents"], previous["incidents"], "down", versus),
            area="paz",
        ),
        kpi_card(
            "Últimas 24 h",
            "paz.last_24h",
            day["current_total"],
            sub=f"{fmt_number(day['previous_total'])} el mismo día de la semana pasada",
            comparison=delta(
                day["current_total"], day["previous_total"], "down", "vs. hace 7 días"
            ),
            area="paz",
        ),
        kpi_card(
            "Graves (severidad ≥ 4)",
            "paz.severe",
            totals["severe"],
            sub=[
                kpi_value("paz.homicides", totals["homicides"], class_name="kpi-inline"),
                " homicidios",
            ],
            comparison=delta(totals["severe"], previous["severe"], "down", versus),
            area="paz",
            tone="bad" if totals["homicides"] else None,
        ),
        kpi_card(
            "Cuadrantes sobre lo habitual",
            "paz.above_usual",
            len(above),
            sub="últimos 7 días",
            area="paz",
            tone="warn" if above else "ok",
        ),
    ]


# -- map ---------------------------------------------------------------------------------


def map_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points coloured by incidents relative to the busiest place on the map, sized by count."""
    drillable = bool(rows) and rows[0]["level"] != "cuadrante"
    peak = max((r["incidents"] for r in rows), default=0)

    def tip(r: dict[str, Any]) -> str:
        return tooltip_table(
            r["name"],
            [
                ("Incidentes", fmt_number(r["incidents"])),
                ("Graves (≥ 4)", fmt_number(r["severe"])),
            ],
            "clic para entrar" if drillable else None,
        )

    return point_features(
        rows,
        status=lambda r: 1 - r["incidents"] / peak if peak else 1.0,
        size=lambda r: float(r["incidents"]),
        tooltip=tip,
        drillable=drillable,
    )


def map_legend() -> list[Any]:
    return legend(
        "Color y tamaño: incidentes, respecto del lugar con más",
        ("< 10 %", "10–25 %", "25–40 %", "40–60 %", "> 60 %"),
        no_data=False,
    )


# -- figures -----------------------------------------------------------------------------


def heatmap_figure(grid: list[list[int]], scale: float = 1.0) -> go.Figure:
    if not any(any(row) for row in grid):
        return empty_figure("Sin incidentes en el período", scale)
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{h:02d}" for h in range(24)],
            y=[d.capitalize()[:3] for d in WEEKDAYS_ES],
            colorscale=[[0, theme.PANEL], [0.5, "#8a3a3e"], [1, theme.BAD]],
            showscale=True,
            colorbar=heat_colorbar("Incidentes", scale),
            xgap=1,
            ygap=1,
            hovertemplate="%{y} %{x}:00 h: %{z:,.0f} incidentes<extra></extra>",
        )
    )
    layout = base_layout(scale)
    layout["yaxis"]["autorange"] = "reversed"
    layout["yaxis"]["tickfont"]["color"] = theme.TEXT
    layout["xaxis"]["tickvals"] = [f"{h:02d}" for h in range(0, 24, 3)]
    fig.update_layout(**layout)
    return fit_margins(fig)


def _hour_label(start: datetime) -> str:
    return start.astimezone(CARACAS).strftime("%H:00")


def day_figure(day: dict[str, Any], scale: float = 1.0) -> go.Figure:
    if not day["current_total"] and not day["previous_total"]:
        return empty_figure("Sin incidentes en estas 24 h ni hace una semana", scale)
    hours = [_hour_label(h) for h in day["hours"]]
    fig = go.Figure(
        [
            go.Bar(
                x=hours,
                y=day["previous"],
                name="Hace 7 días",
                marker_color=theme.LINE,
                hovertemplate="%{x}: %{y:,.0f} hace 7 días<extra></extra>",
            ),
            go.Scatter(
                x=hours,
                y=day["current"],
                name="Últimas 24 h",
                mode="lines+markers",
                line={"color": theme.BAD, "width": 2.5 * scale},
                marker={"size": 5 * scale},
                hovertemplate="%{x}: %{y:,.0f} últimas 24 h<extra></extra>",
            ),
        ]
    )
    layout = base_layout(scale, showlegend=True, bargap=0.15)
    layout["xaxis"]["nticks"] = 8
    fig.update_layout(**layout)
    return fit_margins(fig)


def territory_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    rows = [r for r in rows if r["incidents"]]
    if not rows:
        return empty_figure("Sin incidentes en este territorio", scale)
    rows = sorted(rows, key=lambda r: r["incidents"])[-25:]
    names, codes = [r["name"] for r in rows], drill_codes(rows)
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=[r["incidents"] - r["severe"] for r in rows],
                name="Otros",
                orientation="h",
                marker_color="#8a3a3e",
                customdata=codes,
                hovertemplate="%{y}: %{x:,.0f} de severidad < 4<extra></extra>",
            ),
            go.Bar(
                y=names,
                x=[r["severe"] for r in rows],
                name="Graves",
                orientation="h",
                marker_color=theme.BAD,
                customdata=codes,
                hovertemplate="%{y}: %{x:,.0f} graves<extra></extra>",
            ),
        ]
    )
    layout = base_layout(scale, barmode="stack", showlegend=True, bargap=0.2)
    label_axis(layout, len(rows), scale)
    fig.update_layout(**layout)
    return fit_margins(fig)


def type_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    if not rows:
        return empty_figure("Sin incidentes en el período", scale)
    rows = list(reversed(rows[:12]))
    fig = go.Figure(
        go.Bar(
            y=[q.CATEGORIES.get(r["type"], r["type"]) for r in rows],
            x=[r["incidents"] for r in rows],
            orientation="h",
            marker_color=theme.BAD,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    layout = base_layout(scale, bargap=0.2)
    label_axis(layout, len(rows), scale)
    fig.update_layout(**layout)
    return fit_margins(fig)


def severity_figure(by_severity: dict[int, int], scale: float = 1.0) -> go.Figure:
    if not any(by_severity.values()):
        return empty_figure("Sin incidentes en el período", scale)
    levels = sorted(by_severity)
    fig = go.Figure(
        go.Bar(
            x=[str(level) for level in levels],
            y=[by_severity[level] for level in levels],
            marker_color=list(SEVERITY_COLORS[: len(levels)]),
            text=[fmt_number(by_severity[level]) for level in levels],
            textposition="auto",
            textangle=0,
            textfont={"size": round(14 * scale), "color": theme.TEXT},
            hovertemplate="Severidad %{x}: %{y:,.0f}<extra></extra>",
        )
    )
    fig.update_layout(**base_layout(scale, bargap=0.25))
    return fit_margins(fig)


# -- lists -------------------------------------------------------------------------------


def above_list(rows: list[dict[str, Any]]) -> Any:
    headers = [
        "Cuadrante",
        ("7 días", "num"),
        ("Media semanal", "num"),
        ("Desv.", "num"),
        ("Veces", "num"),
    ]
    body = [
        [
            r["name"],
            (fmt_number(r["last_7d"]), "num bad"),
            (fmt_number(r["weekly_mean"], 1), "num"),
            (fmt_number(r["weekly_sd"], 1), "num"),
            ("—" if r["ratio"] is None else f"× {fmt_number(r['ratio'], 1)}", "num"),
        ]
        for r in rows
    ]
    return record_table(headers, body, "Ningún cuadrante por encima de lo habitual")


def cuadrantes_list(rows: list[dict[str, Any]]) -> Any:
    headers = [
        "Cuadrante",
        "Código",
        ("Incidentes", "num"),
        ("Graves", "num"),
        ("Severidad media", "num"),
    ]
    body = [
        [
            r["name"],
            r["code"],
            (fmt_number(r["incidents"]), "num"),
            (fmt_number(r["severe"]), "num bad" if r["severe"] else "num"),
            (fmt_number(r["avg_severity"], 1), "num"),
        ]
        for r in rows
    ]
    return record_table(headers, body, "Sin incidentes en el período", "en este territorio y tipo")
