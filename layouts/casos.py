"""``/casos`` (1x10 del Buen Gobierno): the page skeleton and its figures, pure functions.

``callbacks/casos.py`` fills the skeleton from ``data.queries.cases``.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from core import thresholds
from core.config import Settings
from core.filters import Filters, parse_filters
from core.numbers import fmt_number, fmt_percent
from core.thresholds import colour
from core.timeutil import format_caracas
from data.queries import cases as q
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.data_table import export_link, table_panel_body
from layouts.components.drill import drill_codes
from layouts.components.figures import base_layout, empty_figure, hbar, label_axis
from layouts.components.indicator import indicator_page, map_panel
from layouts.components.kpi import delta, kpi_card, kpi_row, kpi_value
from layouts.components.map_points import point_features, tooltip_table
from layouts.components.margins import fit_margins
from layouts.components.panel import panel
from layouts.components.record_table import record_table, threshold_legend

PAGE = "casos"
DATASETS = ("cases", "territories")
AGE_COLORS = (theme.OK, "#9ccc3c", theme.ACCENT, theme.WARN, theme.BAD)


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    parsed = parse_filters(query, q.CATEGORIES)
    filters = parsed.filters
    period = filters.range_label().lower()
    body = [
        kpi_row("cas-kpis", 8, "casos"),
        html.Div(
            [
                map_panel("cas", settings),
                chart_card(
                    "cas-funnel",
                    "Embudo de atención",
                    f"casos recibidos en {period} según la etapa alcanzada",
                    area="casos",
                ),
                chart_card(
                    "cas-territory",
                    "Casos abiertos por territorio",
                    "dentro y fuera de meta · clic para entrar",
                    area="casos",
                ),
            ],
            className="ind-row ind-row-main",
        ),
        html.Div(
            [
                chart_card("cas-age", "Casos abiertos por antigüedad", "ahora", area="casos"),
                chart_card(
                    "cas-sla",
                    "Abiertos fuera de meta por categoría",
                    "cada categoría con su meta de resolución en horas",
                    area="casos",
                ),
                chart_card(
                    "cas-category",
                    "Por categoría",
                    f"recibidos y resueltos en {period}",
                    area="casos",
                ),
                chart_card(
                    "cas-resolved-late",
                    "Resueltos fuera de meta",
                    f"% de los resueltos en {period}, por categoría",
                    area="casos",
                ),
            ],
            className="ind-row ind-row-4",
        ),
        html.Div(
            [
                panel(
                    "Tiempos por institución",
                    html.Div(id="cas-pct-institution", className="ind-list"),
                    subtitle="horas · respuesta: hasta la primera asignación · "
                    "resolución: resueltos en el período",
                    class_name="ind-list-panel",
                ),
                panel(
                    "Tiempos por categoría",
                    html.Div(id="cas-pct-category", className="ind-list"),
                    subtitle="horas · percentiles 50 y 90",
                    class_name="ind-list-panel",
                ),
            ],
            className="ind-row ind-row-2",
        ),
        panel(
            "Casos abiertos más antiguos",
            html.Div(id="cas-oldest", className="ind-list"),
            subtitle="los 20 que más esperan",
            class_name="ind-list-panel",
        ),
        panel(
            "Casos",
            table_panel_body(q.CASES, filters),
            subtitle=f"casos recibidos en {period}",
            extra=export_link(q.CASES, filters),
            class_name="ind-table-panel",
        ),
    ]
    return indicator_page(
        PAGE, "Casos 1x10 del Buen Gobierno", parsed, q.CATEGORIES, "Categoría", DATASETS, body
    )


# -- KPI cards ---------------------------------------------------------------------------


def kpi_cards(
    totals: dict[str, Any],
    previous: dict[str, Any],
    funnel: dict[str, int],
    sla: list[dict[str, Any]],
    age: list[dict[str, Any]],
    filters: Filters,
) -> list[Any]:
    label = filters.range_label().lower()
    open_late = sum(r["open_late"] for r in sla)
    resolved = sum(r["resolved"] for r in sla)
    resolved_late = sum(r["resolved_late"] for r in sla)
    is_open = totals["open"]
    rate = funnel["resuelto"] / funnel["recibido"] if funnel["recibido"] else None
    return [
        kpi_card(
            f"Recibidos · {label}",
            "casos.reported",
            totals["reported"],
            comparison=delta(totals["reported"], previous["reported"], "down", "vs. anterior"),
            area="casos",
        ),
        kpi_card(
            f"Resueltos · {label}",
            "casos.resolved",
            totals["resolved"],
            comparison=delta(totals["resolved"], previous["resolved"], "up", "vs. anterior"),
            area="casos",
        ),
        kpi_card(
            "Abiertos ahora",
            "casos.open",
            is_open,
            sub=[
                kpi_value("casos.open_late", open_late, class_name="kpi-inline"),
                " fuera de meta",
            ],
            area="casos",
        ),
        kpi_card(
            "Abiertos > 7 días",
            "casos.open_over_7d",
            sum(b["cases"] for b in age[3:]),
            sub=[
                kpi_value("casos.open_over_30d", age[4]["cases"], class_name="kpi-inline"),
                " de más de 30 días",
            ],
            area="casos",
        ),
        kpi_card(
            "Fuera de meta",
            "casos.open_late_share",
            open_late / is_open if is_open else None,
            "ratio",
            sub="de los abiertos",
            area="casos",
            tone=_late_tone(open_late / is_open if is_open else None),
        ),
        kpi_card(
            "Mediana resolución",
            "casos.resolution_p50",
            totals["resolution_p50"],
            "hours",
            comparison=delta(
                totals["resolution_p50"], previous["resolution_p50"], "down", "vs. anterior"
            ),
            area="casos",
        ),
        kpi_card(
            "Resueltos tarde",
            "casos.resolved_late",
            resolved_late,
            sub=f"{fmt_percent(resolved_late / resolved) if resolved else '—'} de los resueltos",
            area="casos",
            tone=_late_tone(resolved_late / resolved if resolved else None),
        ),
        kpi_card(
            "Resueltos / recibidos",
            "casos.resolution_rate",
            rate,
            "ratio",
            sub=f"de los recibidos en {label}",
            area="casos",
        ),
    ]


def _late_tone(share: float | None) -> str | None:
    """Judged by ``core.thresholds`` like the wall and the map legend."""
    return thresholds.tone("cases_late_share", share)


# -- map ---------------------------------------------------------------------------------


def map_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points coloured by the share of open cases within target, sized by open cases."""
    drillable = bool(rows) and rows[0]["level"] != "punto"

    def tip(r: dict[str, Any]) -> str:
        return tooltip_table(
            r["name"],
            [
                ("Recibidos en el período", fmt_number(r["reported"])),
                ("Abiertos", fmt_number(r["open"])),
                ("Fuera de meta", fmt_number(r["open_late"])),
            ],
            "clic para entrar" if drillable else None,
        )

    return point_features(
        rows,
        status=lambda r: 1 - r["open_late"] / r["open"] if r["open"] else None,
        size=lambda r: float(r["open"]),
        tooltip=tip,
        drillable=drillable,
        colour=lambda r: colour(
            "cases_late_share", r["open_late"] / r["open"] if r["open"] else None
        ),
    )


def map_legend() -> list[Any]:
    return threshold_legend(
        "Color: abiertos fuera de meta · tamaño: casos abiertos", "cases_late_share"
    )


# -- figures -----------------------------------------------------------------------------


def funnel_figure(funnel: dict[str, int], scale: float = 1.0) -> go.Figure:
    """The stages as bars centred on one axis, each with its share of the received cases.

    Drawn as bars, not ``go.Funnel``: the page ships Plotly's cartesian bundle, which has no
    funnel trace (see ``assets/vendor``)."""
    if not funnel["recibido"]:
        return empty_figure("Sin casos recibidos en el período", scale)
    values = [funnel[s] for s in q.STAGES]
    fig = go.Figure(
        go.Bar(
            y=[q.STAGE_LABELS[s] for s in q.STAGES],
            x=values,
            base=[-v / 2 for v in values],
            orientation="h",
            customdata=[v / values[0] for v in values],
            texttemplate="%{x:,.0f} · %{customdata:.0%}",
            textposition="inside",
            insidetextanchor="middle",
            textfont={"size": round(16 * scale), "color": theme.BG},  # dark on bright bars
            marker={"color": [theme.MUTED, theme.BLUE, theme.ACCENT, theme.OK]},
            hovertemplate="%{y}: %{x:,.0f} (%{customdata:.0%} de los recibidos)<extra></extra>",
        )
    )
    layout = base_layout(scale, bargap=0.18, showlegend=False)
    layout["yaxis"]["tickfont"]["color"] = theme.TEXT
    layout["yaxis"]["autorange"] = "reversed"
    layout["xaxis"] = {"visible": False, "range": [-values[0] / 2 * 1.02, values[0] / 2 * 1.02]}
    layout["margin"]["l"] = round(100 * scale)
    fig.update_layout(**layout)
    return fit_margins(fig)


def territory_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    """Open cases per child territory, within and past target (click a bar to drill down)."""
    rows = [r for r in rows if r["open"]]
    if not rows:
        return empty_figure("Sin casos abiertos en este territorio", scale)
    rows = sorted(rows, key=lambda r: r["open"])[-25:]
    names, codes = [r["name"] for r in rows], drill_codes(rows)
    traces = [
        go.Bar(
            y=names,
            x=[r["open"] - r["open_late"] for r in rows],
            name="Dentro de meta",
            orientation="h",
            marker_color=theme.OK,
            customdata=codes,
            hovertemplate="%{y}: %{x:,.0f} dentro de meta<extra></extra>",
        ),
        go.Bar(
            y=names,
            x=[r["open_late"] for r in rows],
            name="Fuera de meta",
            orientation="h",
            marker_color=theme.BAD,
            customdata=codes,
            hovertemplate="%{y}: %{x:,.0f} fuera de meta<extra></extra>",
        ),
    ]
    layout = base_layout(scale, barmode="stack", showlegend=True, bargap=0.2)
    label_axis(layout, len(rows), scale)
    fig = go.Figure(traces)
    fig.update_layout(**layout)
    return fit_margins(fig)


def age_figure(buckets: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    if not any(b["cases"] for b in buckets):
        return empty_figure("Sin casos abiertos", scale)
    fig = go.Figure(
        go.Bar(
            x=[b["bucket"] for b in buckets],
            y=[b["cases"] for b in buckets],
            marker_color=list(AGE_COLORS),
            text=[fmt_number(b["cases"]) for b in buckets],
            textposition="auto",
            textangle=0,
            textfont={"size": round(14 * scale), "color": theme.TEXT},
            hovertemplate="%{x}: %{y:,.0f} casos<extra></extra>",
        )
    )
    fig.update_layout(**base_layout(scale, bargap=0.2))
    return fit_margins(fig)


def _category_label(name: str) -> str:
    return q.CATEGORIES.get(name, name)


def sla_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    rows = [r for r in rows if r["open"]]
    if not rows:
        return empty_figure("Sin casos abiertos", scale)
    rows = sorted(rows, key=lambda r: (r["open_late"], r["open"]))[-12:]
    names = [f"{_category_label(r['category'])} ({fmt_number(r['target_hours'])} h)" for r in rows]
    fig = go.Figure(
        [
            hbar(
                names,
                [r["open"] - r["open_late"] for r in rows],
                "Dentro de meta",
                theme.OK,
                "dentro de meta",
            ),
            hbar(
                names, [r["open_late"] for r in rows], "Fuera de meta", theme.BAD, "fuera de meta"
            ),
        ]
    )
    layout = base_layout(scale, barmode="stack", showlegend=True, bargap=0.2)
    label_axis(layout, len(rows), scale)
    fig.update_layout(**layout)
    return fit_margins(fig)


def category_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    rows = [r for r in rows if r["reported"] or r["resolved"]]
    if not rows:
        return empty_figure("Sin casos en el período", scale)
    rows = sorted(rows, key=lambda r: r["reported"])[-12:]
    names = [_category_label(r["category"]) for r in rows]
    fig = go.Figure(
        [
            hbar(names, [r["reported"] for r in rows], "Recibidos", theme.ACCENT, "recibidos"),
            hbar(names, [r["resolved"] for r in rows], "Resueltos", theme.OK, "resueltos"),
        ]
    )
    layout = base_layout(scale, barmode="group", showlegend=True, bargap=0.2)
    label_axis(layout, len(rows), scale)
    fig.update_layout(**layout)
    return fit_margins(fig)


def resolved_late_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    rows = [r for r in rows if r["resolved"]]
    if not rows:
        return empty_figure("Sin casos resueltos en el período", scale)
    rows = sorted(rows, key=lambda r: r["resolved_late_pct"] or 0)[-12:]
    pct = [r["resolved_late_pct"] or 0 for r in rows]
    fig = go.Figure(
        go.Bar(
            y=[_category_label(r["category"]) for r in rows],
            x=pct,
            orientation="h",
            marker_color=[thresholds.colour("cases_late_share", p / 100) for p in pct],
            customdata=[[r["resolved_late"], r["resolved"], r["target_hours"]] for r in rows],
            hovertemplate="%{y}: %{x:.1f} % (%{customdata[0]:,.0f} de %{customdata[1]:,.0f}; "
            "meta %{customdata[2]} h)<extra></extra>",
        )
    )
    layout = base_layout(scale, bargap=0.25)
    layout["xaxis"]["ticksuffix"] = " %"
    layout["xaxis"]["range"] = [0, max(100, *pct)]
    label_axis(layout, len(rows), scale)
    fig.update_layout(**layout)
    return fit_margins(fig)


# -- lists -------------------------------------------------------------------------------


def _hours(value: float | None) -> tuple[str, str]:
    return ("—" if value is None else fmt_number(value, 1), "num")


def percentile_table(rows: list[dict[str, Any]], by: str) -> Any:
    headers = [
        "Institución" if by == "institution" else "Categoría",
        ("Asignados", "num"),
        ("Respuesta p50", "num"),
        ("p90", "num"),
        ("Resueltos", "num"),
        ("Resolución p50", "num"),
        ("p90", "num"),
    ]
    body = [
        [
            _category_label(r["name"]) if by == "category" else r["name"],
            (fmt_number(r["response_n"]), "num"),
            _hours(r["response_p50"]),
            _hours(r["response_p90"]),
            (fmt_number(r["resolution_n"]), "num"),
            _hours(r["resolution_p50"]),
            _hours(r["resolution_p90"]),
        ]
        for r in rows[:20]
    ]
    return record_table(headers, body, "Sin casos asignados ni resueltos en el período")


def _age(hours: float) -> str:
    return f"{fmt_number(hours / 24, 1)} d" if hours >= 48 else f"{fmt_number(hours, 1)} h"


def oldest_list(rows: list[dict[str, Any]]) -> Any:
    headers = [
        "Caso",
        "Categoría",
        "Estatus",
        "Institución",
        "Consejo comunal",
        "Reportado",
        ("Espera", "num"),
    ]
    body = [
        [
            r["id"],
            _category_label(r["category"]),
            q.STATUS_LABELS.get(r["status"], r["status"]),
            r["institution"],
            r["territory"],
            format_caracas(r["reported_at"]),
            (_age(r["age_hours"]), "num bad"),
        ]
        for r in rows
    ]
    return record_table(headers, body, "No hay casos abiertos", "en este territorio y categoría")
