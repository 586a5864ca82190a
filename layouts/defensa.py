"""``/defensa``: the page skeleton and its figures, pure functions.

``callbacks/defensa.py`` fills the skeleton from ``data.queries.defense``. Readiness is a
state, not a flow: the time range of the filter bar does not change these numbers.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from core import names, thresholds
from core.config import Settings
from core.filters import parse_filters
from core.numbers import fmt_number
from core.thresholds import colour
from data.queries import defense as q
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.data_table import export_link, table_panel_body
from layouts.components.drill import drill_codes
from layouts.components.figures import base_layout, empty_figure, label_axis
from layouts.components.indicator import indicator_page, map_panel
from layouts.components.kpi import delta, kpi_card, kpi_row, kpi_value
from layouts.components.map_points import point_features, tooltip_table
from layouts.components.margins import fit_margins
from layouts.components.panel import panel
from layouts.components.record_table import record_table, threshold_legend

PAGE = "defensa"
DATASETS = ("defense", "territories")
PHASE_LABELS = names.DEFENSE_PHASE
PHASE_COLORS = {
    "organización": theme.BAD,
    "alistamiento": theme.WARN,
    "despliegue": theme.ACCENT,
    "consolidación": theme.OK,
}


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    parsed = parse_filters(query, q.CATEGORIES)
    filters = parsed.filters
    days = settings.exercise_overdue_days
    body = [
        kpi_row("def-kpis", 4, "defensa"),
        html.Div(
            [
                map_panel("def", settings),
                chart_card(
                    "def-territory",
                    "Alistamiento por territorio",
                    f"medio, con la meta de {fmt_number(q.READINESS_TARGET)} % · clic para entrar",
                    area="defensa",
                ),
                chart_card(
                    "def-phase",
                    "Fase por territorio",
                    "unidades en cada fase",
                    area="defensa",
                ),
            ],
            className="ind-row ind-row-main",
        ),
        html.Div(
            [
                chart_card(
                    "def-plan",
                    "Unidades por plan y fase",
                    "todas las del territorio",
                    area="defensa",
                ),
                panel(
                    "Comités incompletos",
                    html.Div(id="def-incomplete", className="ind-list"),
                    subtitle="unidades con comités por conformar · mayor brecha primero",
                    class_name="ind-list-panel",
                ),
            ],
            className="ind-row ind-row-2",
        ),
        panel(
            "Ejercicios vencidos",
            html.Div(id="def-overdue", className="ind-list"),
            subtitle=f"sin ejercicio en más de {days} días o nunca",
            class_name="ind-list-panel",
        ),
        panel(
            "Unidades",
            table_panel_body(q.UNITS, filters),
            subtitle="estado actual de cada unidad (no depende del período)",
            extra=export_link(q.UNITS, filters),
            class_name="ind-table-panel",
        ),
    ]
    return indicator_page(
        PAGE, "Planes de defensa integral", parsed, q.CATEGORIES, "Tipo de unidad", DATASETS, body
    )


# -- KPI cards ---------------------------------------------------------------------------


def kpi_cards(t: dict[str, Any], overdue_days: int) -> list[Any]:
    units = t["units"]
    return [
        kpi_card(
            "Alistamiento medio",
            "defensa.avg_readiness",
            t["avg_readiness"],
            "percent",
            sub=[kpi_value("defensa.units", units, class_name="kpi-inline"), " unidades"],
            comparison=delta(
                t["avg_readiness"],
                q.READINESS_TARGET,
                "up",
                f"vs. meta {fmt_number(q.READINESS_TARGET)} %",
            ),
            area="defensa",
            tone=_readiness_tone(t["avg_readiness"]),
        ),
        kpi_card(
            "Comités completos",
            "defensa.committees_pct",
            t["committees_pct"],
            "percent",
            sub=[
                kpi_value(
                    "defensa.committees_complete", t["committees_complete"], "number", "kpi-inline"
                ),
                " de ",
                kpi_value(
                    "defensa.committees_total", t["committees_total"], "number", "kpi-inline"
                ),
            ],
            area="defensa",
        ),
        kpi_card(
            "Unidades con comités incompletos",
            "defensa.units_incomplete",
            t["units_incomplete"],
            sub=f"{fmt_number(100 * t['units_incomplete'] / units, 0) if units else '—'} % de las unidades",
            area="defensa",
            tone="warn" if t["units_incomplete"] else "ok",
        ),
        kpi_card(
            "Ejercicios vencidos",
            "defensa.exercises_overdue",
            t["exercises_overdue"],
            sub=f"más de {overdue_days} días sin ejercicio",
            area="defensa",
            tone="bad" if t["exercises_overdue"] else "ok",
        ),
    ]


def _readiness_tone(value: float | None) -> str | None:
    """Judged by ``core.thresholds``: the bars, this KPI, the wall and the map agree."""
    return thresholds.tone("defense_readiness", value)


# -- map ---------------------------------------------------------------------------------


def map_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points coloured by mean readiness, sized by the number of units."""
    drillable = bool(rows) and rows[0]["level"] != "punto"

    def tip(r: dict[str, Any]) -> str:
        readiness = r["avg_readiness"]
        return tooltip_table(
            r["name"],
            [
                ("Unidades", fmt_number(r["units"])),
                (
                    "Alistamiento medio",
                    "—" if readiness is None else f"{fmt_number(readiness, 1)} %",
                ),
                (
                    "Comités completos",
                    f"{fmt_number(r['committees_complete'])} de {fmt_number(r['committees_total'])}",
                ),
                ("Ejercicios vencidos", fmt_number(r["exercises_overdue"])),
            ],
            "clic para entrar" if drillable else None,
        )

    return point_features(
        rows,
        status=lambda r: None if r["avg_readiness"] is None else r["avg_readiness"] / 100,
        size=lambda r: float(r["units"]),
        tooltip=tip,
        drillable=drillable,
        colour=lambda r: colour("defense_readiness", r["avg_readiness"]),
    )


def map_legend() -> list[Any]:
    return threshold_legend("Color: alistamiento medio · tamaño: unidades", "defense_readiness")


# -- figures -----------------------------------------------------------------------------


def _with_units(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["units"]]


def territory_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    rows = _with_units(rows)
    if not rows:
        return empty_figure("Sin unidades de defensa en este territorio", scale)
    rows = sorted(rows, key=lambda r: -(r["avg_readiness"] or 0))[-25:]
    values = [r["avg_readiness"] for r in rows]
    fig = go.Figure(
        go.Bar(
            y=[r["name"] for r in rows],
            x=values,
            orientation="h",
            marker_color=[thresholds.colour("defense_readiness", v) for v in values],
            customdata=drill_codes(rows),
            hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
        )
    )
    layout = base_layout(scale, bargap=0.2)
    layout["xaxis"]["range"] = [0, 100]
    layout["xaxis"]["ticksuffix"] = " %"
    label_axis(layout, len(rows), scale)
    layout["shapes"] = [
        {
            "type": "line",
            "x0": q.READINESS_TARGET,
            "x1": q.READINESS_TARGET,
            "y0": 0,
            "y1": 1,
            "yref": "paper",
            "line": {"color": theme.ACCENT, "dash": "dot", "width": 2 * scale},
        }
    ]
    fig.update_layout(**layout)
    return fit_margins(fig)


def phase_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    rows = _with_units(rows)
    if not rows:
        return empty_figure("Sin unidades de defensa en este territorio", scale)
    rows = sorted(rows, key=lambda r: r["units"])[-25:]
    names = [r["name"] for r in rows]
    traces = [
        go.Bar(
            y=names,
            x=[r["phases"].get(phase, 0) for r in rows],
            name=PHASE_LABELS[phase],
            orientation="h",
            marker_color=PHASE_COLORS[phase],
            customdata=drill_codes(rows),
            hovertemplate="%{y}: %{x:,.0f} en " + PHASE_LABELS[phase].lower() + "<extra></extra>",
        )
        for phase in q.PHASES
    ]
    layout = base_layout(scale, barmode="stack", showlegend=True, bargap=0.2)
    label_axis(layout, len(rows), scale)
    fig = go.Figure(traces)
    fig.update_layout(**layout)
    return fit_margins(fig)


def _short_plan(plan: str) -> str:
    return plan.split(" — ")[0]


def plan_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> go.Figure:
    if not rows:
        return empty_figure("Sin unidades de defensa en este territorio", scale)
    plans = sorted({r["plan"] for r in rows})
    counts = {(r["plan"], r["phase"]): r["units"] for r in rows}
    traces = [
        go.Bar(
            y=[_short_plan(p) for p in plans],
            x=[counts.get((p, phase), 0) for p in plans],
            name=PHASE_LABELS.get(phase, phase),
            orientation="h",
            marker_color=PHASE_COLORS.get(phase, theme.MUTED),
            hovertemplate="%{y}: %{x:,.0f} en " + phase + "<extra></extra>",
        )
        for phase in q.PHASES
    ]
    layout = base_layout(scale, barmode="stack", showlegend=True, bargap=0.25)
    label_axis(layout, len(plans), scale)
    fig = go.Figure(traces)
    fig.update_layout(**layout)
    return fit_margins(fig)


# -- lists -------------------------------------------------------------------------------


def _unit_cells(r: dict[str, Any]) -> list[Any]:
    return [
        r["territory"],
        _short_plan(r["plan"]),
        PHASE_LABELS.get(r["phase"], r["phase"]),
        (f"{fmt_number(r['readiness'], 1)} %", "num"),
    ]


def incomplete_list(rows: list[dict[str, Any]]) -> Any:
    headers = [
        "Territorio",
        "Plan",
        "Fase",
        ("Alistamiento", "num"),
        ("Comités", "num"),
        ("Faltan", "num"),
    ]
    body = [
        [
            *_unit_cells(r),
            (
                f"{fmt_number(r['committees_complete'])} / {fmt_number(r['committees_total'])}",
                "num",
            ),
            (fmt_number(r["committees_total"] - r["committees_complete"]), "num bad"),
        ]
        for r in rows
    ]
    return record_table(headers, body, "Todos los comités están completos", "en este territorio")


def overdue_list(rows: list[dict[str, Any]]) -> Any:
    headers = [
        "Territorio",
        "Plan",
        "Fase",
        ("Alistamiento", "num"),
        "Último ejercicio",
        ("Días", "num"),
    ]
    body = [
        [
            *_unit_cells(r),
            r["last_exercise_on"].strftime("%d/%m/%Y") if r["last_exercise_on"] else "Nunca",
            (
                fmt_number(r["days_since_exercise"])
                if r["days_since_exercise"] is not None
                else "—",
                "num bad",
            ),
        ]
        for r in rows
    ]
    return record_table(headers, body, "Ningún ejercicio vencido", "en este territorio")
