"""``/proyectos`` (Consulta Popular): the page skeleton and its figures, pure functions.

``callbacks/proyectos.py`` fills the skeleton from ``data.queries.projects``.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from core.config import Settings
from core.filters import Filters, parse_filters
from core.numbers import fmt_number, fmt_percent, fmt_usd
from core.timeutil import format_caracas
from data.queries import projects as q
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.data_table import export_link, table_panel_body
from layouts.components.empty import empty_state
from layouts.components.figures import (
    Figure,
    base_layout,
    build_figure,
    empty_figure,
    hbar,
    heat_colorbar,
    label_axis,
    wrap_label,
)
from layouts.components.indicator import indicator_page, map_panel
from layouts.components.kpi import delta, kpi_card, kpi_row, kpi_value
from layouts.components.map_points import point_features, tooltip_table
from layouts.components.page_figures import legend_layout
from layouts.components.panel import panel
from layouts.components.record_table import record_table
from layouts.components.trend_figures import PROJECT_STATUS_COLORS, PROJECT_STATUS_LABELS

PAGE = "proyectos"
DATASETS = ("projects", "transfers", "territories")


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    parsed = parse_filters(query, q.CATEGORIES)
    filters = parsed.filters
    body = [
        kpi_row("prj-kpis", 8, "proyectos"),
        html.Div(
            [
                map_panel("prj", settings),
                chart_card(
                    "prj-territory",
                    "Proyectos por territorio",
                    "por estado del proyecto · clic para entrar",
                    area="proyectos",
                ),
                chart_card(
                    "prj-money",
                    "Avance físico vs. dinero transferido",
                    "número de proyectos por tramo",
                    area="proyectos",
                ),
            ],
            className="ind-row ind-row-main",
        ),
        html.Div(
            [
                chart_card("prj-rounds", "Por consulta y estado", area="proyectos"),
                chart_card(
                    "prj-category", "Por categoría", "proyectos y paralizados", area="proyectos"
                ),
                chart_card("prj-transformation", "Por transformación (7T)", area="proyectos"),
                chart_card(
                    "prj-banks",
                    "Transferencias por banco comunal",
                    f"USD, {filters.range_label().lower()}",
                    area="proyectos",
                ),
            ],
            className="ind-row ind-row-4",
        ),
        html.Div(
            [
                panel(
                    f"Sin avance en {q.STALLED_DAYS} días",
                    html.Div(id="prj-stalled", className="ind-list"),
                    subtitle="los más antiguos primero · clic para ver el detalle",
                    class_name="ind-list-panel",
                ),
                panel(
                    "Detalle del proyecto",
                    html.Div(
                        empty_state("Elija un proyecto", "Haga clic en una fila de la tabla."),
                        id="prj-detail",
                    ),
                    class_name="ind-detail-panel",
                ),
            ],
            className="ind-row ind-row-2",
        ),
        dcc.Store(id="prj-selected"),
        panel(
            "Proyectos",
            table_panel_body(q.PROJECTS, filters),
            subtitle="todos los proyectos del territorio y la categoría",
            extra=export_link(q.PROJECTS, filters),
            class_name="ind-table-panel",
        ),
        panel(
            "Transferencias",
            table_panel_body(q.TRANSFERS, filters, height="20rem"),
            subtitle=f"dinero enviado a los bancos comunales, {filters.range_label().lower()}",
            extra=export_link(q.TRANSFERS, filters),
            class_name="ind-table-panel",
        ),
    ]
    return indicator_page(
        PAGE,
        "Proyectos · Consulta Popular",
        parsed,
        q.CATEGORIES,
        "Categoría",
        DATASETS,
        body,
    )


# -- KPI cards ---------------------------------------------------------------------------


def kpi_cards(k: dict[str, Any], quadrants: dict[str, Any], filters: Filters) -> list[Any]:
    total = k["total"]
    by_status = k["by_status"]
    share = k["transferred_usd"] / k["approved_usd"] if k["approved_usd"] else None
    label = filters.range_label().lower()
    return [
        kpi_card(
            "Proyectos",
            "proyectos.total",
            total,
            sub=[
                kpi_value(
                    "proyectos.en_ejecucion", by_status["en_ejecucion"], class_name="kpi-inline"
                ),
                " en ejecución · ",
                kpi_value("proyectos.culminado", by_status["culminado"], class_name="kpi-inline"),
                " culminados",
            ],
            area="proyectos",
        ),
        kpi_card(
            "Avance físico medio",
            "proyectos.avg_progress",
            k["avg_progress"],
            "percent",
            area="proyectos",
        ),
        kpi_card(
            "Paralizados",
            "proyectos.paralizado",
            by_status["paralizado"],
            sub=f"{fmt_percent(by_status['paralizado'] / total) if total else '—'} del total",
            area="proyectos",
            tone="bad" if by_status["paralizado"] else None,
        ),
        kpi_card(
            f"Sin avance en {q.STALLED_DAYS} días",
            "proyectos.stalled",
            k["stalled"],
            sub="financiados, en ejecución o paralizados",
            area="proyectos",
            tone="warn" if k["stalled"] else None,
        ),
        kpi_card(
            "USD transferidos",
            "proyectos.transferred_usd",
            k["transferred_usd"],
            "usd",
            sub=[
                "de ",
                kpi_value("proyectos.approved_usd", k["approved_usd"], "usd", "kpi-inline"),
                f" aprobados ({fmt_percent(share)})",
            ],
            area="proyectos",
        ),
        kpi_card(
            f"Transferido · {label}",
            "proyectos.transferred_period_usd",
            k["transferred_period_usd"],
            "usd",
            sub=f"{fmt_number(k['transfers_period'])} transferencias",
            comparison=delta(
                k["transferred_period_usd"],
                k["transferred_previous_usd"],
                "up",
                "vs. período anterior",
            ),
            area="proyectos",
        ),
        kpi_card(
            "Dinero sin avance",
            "proyectos.money_no_progress",
            quadrants["money_no_progress"],
            sub=f"≥ {int(q.MONEY_HIGH * 100)} % transferido y < {int(q.PROGRESS_LOW)} % de obra",
            area="proyectos",
            tone="bad" if quadrants["money_no_progress"] else None,
        ),
        kpi_card(
            "Avance sin dinero",
            "proyectos.progress_no_money",
            quadrants["progress_no_money"],
            sub=f"≥ {int(q.PROGRESS_HIGH)} % de obra y < {int(q.MONEY_LOW * 100)} % transferido",
            area="proyectos",
            tone="warn" if quadrants["progress_no_money"] else None,
        ),
    ]


# -- map ---------------------------------------------------------------------------------


def map_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points coloured by mean physical progress, sized by the number of projects."""
    drillable = bool(rows) and rows[0]["level"] != "comuna"

    def tip(r: dict[str, Any]) -> str:
        return tooltip_table(
            r["name"],
            [
                ("Proyectos", fmt_number(r["total"])),
                ("En ejecución", fmt_number(r["en_ejecucion"])),
                ("Paralizados", fmt_number(r["paralizado"])),
                (f"Sin avance {q.STALLED_DAYS} d", fmt_number(r["stalled"])),
                (
                    "Avance medio",
                    "—" if r["avg_progress"] is None else f"{fmt_number(r['avg_progress'], 1)} %",
                ),
                ("Transferido", f"{fmt_usd(r['transferred_usd'])} de {fmt_usd(r['approved_usd'])}"),
            ],
            "clic para entrar" if drillable else None,
        )

    return point_features(
        rows,
        status=lambda r: None if r["avg_progress"] is None else r["avg_progress"] / 100,
        size=lambda r: float(r["total"]),
        tooltip=tip,
        drillable=drillable,
    )


def map_legend() -> list[Any]:
    items = [
        ("#e5484d", "< 40 %"),
        ("#f0a030", "40–60 %"),
        ("#f5c542", "60–75 %"),
        ("#9ccc3c", "75–90 %"),
        ("#2fbf71", "≥ 90 %"),
        ("#6b7a8c", "sin datos"),
    ]
    return [
        html.Span("Color: avance físico · tamaño: proyectos", className="legend-text"),
        *[
            html.Span(
                [html.Span(className="swatch", style={"background": c}), t], className="legend-item"
            )
            for c, t in items
        ],
    ]


# -- figures -----------------------------------------------------------------------------


def territory_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    """Stacked status counts per child territory (click a bar to drill down)."""
    rows = [r for r in rows if r["total"]]
    if not rows:
        return empty_figure("Sin proyectos en este territorio", scale)
    rows = sorted(rows, key=lambda r: r["total"])[-25:]
    names = [r["name"] for r in rows]
    codes = [r["code"] for r in rows]
    traces = []
    for status in ("culminado", "en_ejecucion", "paralizado"):
        traces.append(
            go.Bar(
                y=names,
                x=[r[status] for r in rows],
                name=PROJECT_STATUS_LABELS[status],
                orientation="h",
                marker_color=PROJECT_STATUS_COLORS[status],
                customdata=codes,
                hovertemplate="%{y}: %{x:,.0f} "
                + PROJECT_STATUS_LABELS[status].lower()
                + "<extra></extra>",
            )
        )
    others = [r["total"] - r["culminado"] - r["en_ejecucion"] - r["paralizado"] for r in rows]
    traces.append(
        go.Bar(
            y=names,
            x=others,
            name="Aprobado / financiado",
            orientation="h",
            marker_color=theme.MUTED,
            customdata=codes,
            hovertemplate="%{y}: %{x:,.0f} por iniciar<extra></extra>",
        )
    )
    layout = legend_layout(scale, barmode="stack", bargap=0.2)
    label_axis(layout, len(rows), scale)
    return build_figure(traces, layout=layout)


def money_figure(data: dict[str, Any], scale: float = 1.0) -> Figure:
    """Heat map: physical progress (rows) × share of money transferred (columns)."""
    grid = data["grid"]
    if not any(map(any, grid)):
        return empty_figure("Sin proyectos en este territorio", scale)
    labels = [f"{10 * i}–{10 * (i + 1)}" for i in range(10)]
    traces = go.Heatmap(
        z=grid,
        x=labels,
        y=labels,
        colorscale=[[0, theme.PANEL], [0.001, "#1d3557"], [0.5, theme.BLUE], [1, theme.ACCENT]],
        showscale=True,
        colorbar=heat_colorbar("Proyectos", scale),
        text=[[fmt_number(v) if v else "" for v in row] for row in grid],
        texttemplate="%{text}",
        hovertemplate="avance %{y} %<br>transferido %{x} %<br>%{z:,.0f} proyectos<extra></extra>",
        xgap=1,
        ygap=1,
    )
    layout = base_layout(scale)
    layout["xaxis"].update(
        title={"text": "% del dinero transferido", "font": {"size": round(13 * scale)}},
        type="category",
    )
    layout["yaxis"].update(
        title={"text": "% de avance físico", "font": {"size": round(13 * scale)}}, type="category"
    )
    layout["margin"].update(l=round(70 * scale), b=round(50 * scale))
    return build_figure(traces, layout=layout)


def rounds_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    if not rows:
        return empty_figure("Sin proyectos en este territorio", scale)
    rounds = sorted({r["consulta"] for r in rows})
    counts = {(r["consulta"], r["status"]): r["count"] for r in rows}
    traces = [
        go.Bar(
            x=rounds,
            y=[counts.get((c, status), 0) for c in rounds],
            name=PROJECT_STATUS_LABELS[status],
            marker_color=PROJECT_STATUS_COLORS[status],
            hovertemplate="Consulta %{x}: %{y:,.0f} "
            + PROJECT_STATUS_LABELS[status].lower()
            + "<extra></extra>",
        )
        for status in PROJECT_STATUS_LABELS
    ]
    layout = legend_layout(scale, barmode="stack", bargap=0.3)
    layout["xaxis"]["type"] = "category"
    if max(sum(r["count"] for r in rows if r["consulta"] == c) for c in rounds) < 10:
        layout["yaxis"]["dtick"] = 1  # small counts: whole projects, no "1,5"
    return build_figure(traces, layout=layout)


def category_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    if not rows:
        return empty_figure("Sin proyectos en este territorio", scale)
    rows = sorted(rows, key=lambda r: r["count"])
    names = [q.CATEGORIES.get(r["category"], r["category"]) for r in rows]
    traces = [
        go.Bar(
            y=names,
            x=[r["count"] - r["paralizado"] for r in rows],
            name="Otros estados",
            orientation="h",
            marker_color=theme.BLUE,
            customdata=[[fmt_usd(r["approved_usd"]), r["avg_progress"] or 0] for r in rows],
            hovertemplate="%{y}: %{x:,.0f} · %{customdata[0]} · avance %{customdata[1]:.1f} %<extra></extra>",
        ),
        hbar(names, [r["paralizado"] for r in rows], "Paralizados", theme.BAD, "paralizados"),
    ]
    layout = legend_layout(scale, barmode="stack", bargap=0.15)
    label_axis(layout, len(rows), scale)
    return build_figure(traces, layout=layout)


def transformation_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    if not any(r["count"] for r in rows):
        return empty_figure("Sin proyectos en este territorio", scale)
    rows = list(reversed(rows))  # T1 on top
    traces = go.Bar(
        y=[wrap_label(r["label"], 24) for r in rows],  # the 7T named in full
        x=[r["count"] for r in rows],
        orientation="h",
        marker_color=theme.VIOLET,
        customdata=[fmt_usd(r["approved_usd"]) for r in rows],
        hovertemplate="%{y}<br>%{x:,.0f} proyectos · %{customdata}<extra></extra>",
    )
    layout = base_layout(scale, bargap=0.3)
    label_axis(layout, len(rows), scale)
    layout["yaxis"]["tickfont"]["size"] = round(11 * scale)
    if max(r["count"] for r in rows) < 10:
        layout["xaxis"]["dtick"] = 1  # small counts: whole projects, no "1,5"
    return build_figure(traces, layout=layout)


def banks_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    if not rows:
        return empty_figure("Sin transferencias en el período", scale)
    rows = list(reversed(rows))
    traces = go.Bar(
        y=[r["bank"] for r in rows],
        x=[r["usd"] for r in rows],
        orientation="h",
        marker_color=theme.CYAN,
        customdata=[r["transfers"] for r in rows],
        hovertemplate="%{y}<br>USD %{x:,.0f} en %{customdata:,.0f} transferencias<extra></extra>",
    )
    layout = base_layout(scale, bargap=0.2)
    label_axis(layout, len(rows), scale)
    # The unit is in the card's subtitle ("USD, 30 días"): bare numbers stay level and
    # legible beside long bank names (margins.fit_margins).
    layout["xaxis"].update(tickformat=",.0f", rangemode="tozero")
    return build_figure(traces, layout=layout)


# -- lists and detail ----------------------------------------------------------------------


# The stalled projects' table: a click on a title opens that project's detail.
STALLED_TABLE = "prj-stalled-table"


def stalled_list(rows: list[dict[str, Any]]) -> Any:
    headers = ["Proyecto", "Circuito", "Estatus", ("Avance", "num"), ("Días sin avance", "num")]
    body = [
        [
            r["title"],
            r["circuito"],
            PROJECT_STATUS_LABELS.get(r["status"], r["status"]),
            (f"{fmt_number(r['progress'], 1)} %", "num"),
            (fmt_number(r["days"]), "num bad"),
        ]
        for r in rows
    ]
    return record_table(
        headers,
        body,
        f"Ningún proyecto lleva {q.STALLED_DAYS} días sin avance",
        "en este territorio y categoría",
        id=STALLED_TABLE,
        row_ids=[r["id"] for r in rows],
    )


def detail_view(d: dict[str, Any] | None, scale: float = 1.0) -> Any:
    if d is None:
        return empty_state(
            "Proyecto no encontrado", "Puede haber sido eliminado o estar fuera de su ámbito."
        )
    facts = [
        ("Código", d["id"]),
        ("Consulta", d["consulta"]),
        ("Categoría", q.CATEGORIES.get(d["category"], d["category"])),
        ("Transformación", q.TRANSFORMATIONS.get(d["transformation"], str(d["transformation"]))),
        ("Estatus", PROJECT_STATUS_LABELS.get(d["status"], d["status"])),
        ("Avance físico", f"{fmt_number(d['physical_progress'], 1)} %"),
        ("Aprobado", fmt_usd(d["approved_usd"])),
        ("Transferido", fmt_usd(d["transferred_usd"])),
        ("Circuito", d["circuito"] or "—"),
        ("Último avance", format_caracas(d["progress_changed_at"])),
    ]
    if d["continuidad_of"]:
        facts.append(("Continuidad de", d["continuidad_of"]))
    history = d["history"]
    if history:
        progress = go.Scatter(
            x=[format_caracas(h["at"]) for h in history],
            y=[h["progress"] for h in history],
            mode="lines+markers",
            line={"color": theme.BLUE, "width": 2 * scale, "shape": "hv"},
            hovertemplate="%{x}: %{y:.1f} %<extra></extra>",
        )
        layout = base_layout(scale)
        layout["yaxis"].update(range=[0, 105], ticksuffix=" %")
        layout["xaxis"]["type"] = "category"
        layout["xaxis"]["nticks"] = 6
        figure = build_figure(progress, layout=layout)
        chart = dcc.Graph(figure=figure, config={"displayModeBar": False}, className="detail-graph")
    else:
        chart = empty_state("Sin avances registrados")
    transfers = record_table(
        ["Fecha", "Banco", ("USD", "num")],
        [
            [format_caracas(t["at"]), t["bank"], (fmt_number(t["usd"], 2), "num")]
            for t in d["transfers"]
        ],
        "Sin transferencias",
    )
    return html.Div(
        [
            html.H3(d["title"], className="detail-title"),
            html.Dl(
                [item for k, v in facts for item in (html.Dt(k), html.Dd(v))],
                className="detail-facts",
            ),
            html.Div([html.H4("Avance físico"), chart], className="detail-block"),
            html.Div([html.H4("Transferencias"), transfers], className="detail-block"),
        ],
        className="detail",
        **{"data-project": d["id"]},
    )
