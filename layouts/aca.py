"""``/aca``: the Agendas Concretas de Acción, the page skeleton and its figures (pure).

``callbacks/aca.py`` fills the skeleton from ``data.queries.aca``. Actions are a state: the
period of the filter bar does not change these numbers; the category filter is one of the
seven transformations (7T), always named in full ("T4 · Social").
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from core.config import Settings
from core.filters import parse_filters
from core.numbers import fmt_number
from data.queries import aca as q
from data.transformations import LABELS as T_LABELS
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.data_table import export_link, table_panel_body
from layouts.components.drill import drill_codes
from layouts.components.figures import Figure, build_figure, empty_figure, label_axis, wrap_label
from layouts.components.indicator import indicator_page, map_panel
from layouts.components.kpi import kpi_card, kpi_row, kpi_value
from layouts.components.map_points import point_features, tooltip_table
from layouts.components.page_figures import legend_layout
from layouts.components.panel import panel
from layouts.components.record_table import map_legend as legend
from layouts.components.record_table import record_table

PAGE = "aca"
DATASETS = ("actions", "projects", "territories")
STATUS_COLORS = {
    "en_curso": theme.BLUE,
    "pendiente": theme.MUTED,
    "cumplida": theme.OK,
    "cancelada": "#4a5a70",
}
TERRITORY_BARS = 15
OVERDUE_COLOR = theme.BAD


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    parsed = parse_filters(query, q.CATEGORIES)
    filters = parsed.filters
    body = [
        kpi_row("aca-kpis", 6, "aca"),
        html.Div(
            [
                map_panel("aca", settings),
                chart_card(
                    "aca-transformation",
                    "Acciones por transformación (7T)",
                    "por estado · vencidas aparte",
                    area="aca",
                ),
                chart_card(
                    "aca-territory",
                    "Acciones por territorio",
                    "las más vencidas · clic para entrar",
                    area="aca",
                ),
            ],
            className="ind-row ind-row-main",
        ),
        panel(
            "Acciones vencidas",
            html.Div(id="aca-overdue", className="ind-list"),
            subtitle="pendientes o en curso con la fecha límite pasada · las más atrasadas primero",
            class_name="ind-list-panel",
        ),
        panel(
            "Acciones",
            table_panel_body(q.ACTIONS, filters),
            subtitle="todas las de la agenda del territorio (no dependen del período)",
            extra=export_link(q.ACTIONS, filters),
            class_name="ind-table-panel",
        ),
    ]
    return indicator_page(
        PAGE,
        "Agendas Concretas de Acción (ACA)",
        parsed,
        q.CATEGORIES,
        "Transformación (7T)",
        DATASETS,
        body,
        fixed_period="estado actual de cada acción",
    )


# -- KPI cards ---------------------------------------------------------------------------


def kpi_cards(t: dict[str, Any]) -> list[Any]:
    by_status = t["by_status"]
    return [
        kpi_card(
            "Acciones",
            "aca.total",
            t["total"],
            sub=[kpi_value("aca.open", t["open"], class_name="kpi-inline"), " abiertas"],
            area="aca",
        ),
        kpi_card(
            "Vencidas",
            "aca.overdue",
            t["overdue"],
            sub="pendientes o en curso con la fecha pasada",
            area="aca",
            tone="bad" if t["overdue"] else "ok",
        ),
        kpi_card(
            f"Vencen en {q.DUE_SOON_DAYS} días",
            "aca.due_soon",
            t["due_soon"],
            sub="abiertas con fecha límite esta semana",
            area="aca",
            tone="warn" if t["due_soon"] else None,
        ),
        kpi_card(
            "Cumplidas",
            "aca.done_pct",
            t["done_pct"],
            "percent",
            sub=[
                kpi_value("aca.cumplida", by_status["cumplida"], class_name="kpi-inline"),
                " de las no canceladas",
            ],
            area="aca",
        ),
        kpi_card(
            "En curso",
            "aca.en_curso",
            by_status["en_curso"],
            sub=[
                kpi_value("aca.pendiente", by_status["pendiente"], class_name="kpi-inline"),
                " pendientes",
            ],
            area="aca",
        ),
        kpi_card(
            "Canceladas",
            "aca.cancelada",
            by_status["cancelada"],
            area="aca",
        ),
    ]


# -- map ---------------------------------------------------------------------------------


def _overdue_share(r: dict[str, Any]) -> float | None:
    return r["overdue"] / r["open"] if r["open"] else None


def map_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points coloured by the share of open actions that are overdue, sized by actions."""
    drillable = bool(rows) and rows[0]["level"] != "punto"

    def tip(r: dict[str, Any]) -> str:
        return tooltip_table(
            r["name"],
            [
                ("Acciones", fmt_number(r["total"])),
                ("Abiertas", fmt_number(r["open"])),
                ("Vencidas", fmt_number(r["overdue"])),
                ("Cumplidas", fmt_number(r["done"])),
            ],
            "clic para entrar" if drillable else None,
        )

    return point_features(
        rows,
        status=lambda r: None if _overdue_share(r) is None else 1 - _overdue_share(r),
        size=lambda r: float(r["total"]),
        tooltip=tip,
        drillable=drillable,
    )


def map_legend() -> list[Any]:
    return legend(
        "Color: % vencidas",
        ("< 10 %", "10–25 %", "25–40 %", "40–60 %", "≥ 60 %"),
    )


# -- figures -----------------------------------------------------------------------------


def transformation_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    """Per 7T (named in full): overdue actions, then the rest by status, stacked."""
    if not any(r["total"] for r in rows):
        return empty_figure("Sin acciones en la agenda de este territorio", scale)
    rows = list(reversed(rows))
    names = [wrap_label(r["label"], 24) for r in rows]
    traces = [
        go.Bar(
            y=names,
            x=[r["overdue"] for r in rows],
            name="Vencidas",
            orientation="h",
            marker_color=OVERDUE_COLOR,
            hovertemplate="%{y}: %{x:,.0f} vencidas<extra></extra>",
        )
    ]
    for status, color in STATUS_COLORS.items():
        label = q.STATUS_LABELS[status]
        values = [
            r["by_status"].get(status, 0) - (r["overdue_by_status"].get(status, 0)) for r in rows
        ]
        traces.append(
            go.Bar(
                y=names,
                x=values,
                name=label,
                orientation="h",
                marker_color=color,
                hovertemplate="%{y}: %{x:,.0f} "
                + label.lower()
                + (" en plazo" if status in q.OPEN_STATUSES else "")
                + "<extra></extra>",
            )
        )
    layout = legend_layout(scale, barmode="stack", bargap=0.25)
    label_axis(layout, len(rows), scale)
    layout["legend"].update(traceorder="normal", font={"size": round(12 * scale)})
    layout["yaxis"]["tickfont"]["size"] = round(11 * scale)
    _whole_actions(layout, max(r["total"] for r in rows))
    return build_figure(traces, layout=layout)


def territory_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    """Per child territory: overdue, open in time and done actions (click to drill down)."""
    rows = [r for r in rows if r["total"]]
    if not rows:
        return empty_figure("Sin acciones en la agenda de este territorio", scale)
    rows = sorted(rows, key=lambda r: (r["overdue"], r["total"]))[-TERRITORY_BARS:]
    names = [r["name"] for r in rows]
    codes = drill_codes(rows)
    parts = (
        ("Vencidas", [r["overdue"] for r in rows], OVERDUE_COLOR),
        ("Abiertas en plazo", [r["open"] - r["overdue"] for r in rows], theme.BLUE),
        ("Cumplidas", [r["done"] for r in rows], theme.OK),
    )
    traces = [
        go.Bar(
            y=names,
            x=values,
            name=name,
            orientation="h",
            marker_color=color,
            customdata=codes,
            hovertemplate="%{y}: %{x:,.0f} " + name.lower() + "<extra></extra>",
        )
        for name, values, color in parts
    ]
    layout = legend_layout(scale, barmode="stack", bargap=0.2)
    label_axis(layout, len(rows), scale)
    layout["legend"].update(traceorder="normal", font={"size": round(12 * scale)})
    layout["yaxis"].update(dtick=1, tickfont={"size": round(12 * scale), "color": theme.TEXT})
    _whole_actions(layout, max(r["total"] for r in rows))
    return build_figure(traces, layout=layout)


def _whole_actions(layout: dict[str, Any], peak: int) -> None:
    """Small counts: ticks on whole actions, never "0,5"."""
    if peak < 10:
        layout["xaxis"]["dtick"] = 1


# -- lists -------------------------------------------------------------------------------


def overdue_list(rows: list[dict[str, Any]]) -> Any:
    headers = [
        "Acción",
        "Transformación",
        "Responsable",
        "Territorio",
        "Estatus",
        "Vencía",
        ("Días de atraso", "num"),
    ]
    body = [
        [
            r["title"],
            T_LABELS.get(r["transformation"], f"T{r['transformation']}"),
            r["owner"],
            r["territory"],
            q.STATUS_LABELS.get(r["status"], r["status"]),
            r["due_on"].strftime("%d/%m/%Y"),
            (fmt_number(r["days_late"]), "num bad"),
        ]
        for r in rows
    ]
    return record_table(headers, body, "Ninguna acción vencida", "en la agenda de este territorio")
