"""``/consulta``: advice for the next Consulta Popular, the page skeleton and its figures.

Pure functions; ``callbacks/consulta.py`` fills them from ``data.queries.consulta``. The
needs window (``DEMAND_DAYS``) and the rounds compared (``ROUNDS``) are fixed, as in
``GET /api/v1/consulta/prioridades``, so the page and the API always agree: the period of
the filter bar does not change these numbers, so the bar states that period instead of
offering its buttons.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from core.config import Settings
from core.filters import parse_filters
from core.numbers import fmt_number, fmt_usd
from data.queries import consulta as q
from data.transformations import LABELS as T_LABELS
from layouts.components import theme
from layouts.components.chart import chart_card
from layouts.components.data_table import export_link
from layouts.components.empty import empty_state
from layouts.components.figures import Figure, build_figure, empty_figure, label_axis, wrap_label
from layouts.components.indicator import indicator_page, map_panel
from layouts.components.kpi import kpi_card, kpi_row, kpi_value
from layouts.components.map_points import point_features, tooltip_table
from layouts.components.page_figures import legend_layout
from layouts.components.panel import panel
from layouts.components.record_table import click_store, record_table
from layouts.components.record_table import map_legend as legend
from layouts.components.trend_figures import PROJECT_STATUS_LABELS

PAGE = "consulta"
DATASETS = ("cases", "projects", "transfers", "territories")
EXPORT = "prioridades"
# Clickable lists: a click on a circuito's name narrows the page to it.
TERRITORIES_TABLE = "con-territories-table"
WITHOUT_TABLE = "con-without-table"
RANKING_ROWS = 12  # categories in the ranking chart
# Territories in the table, highest score first: an estado has ~700 circuitos, and drawing
# every row (long reasons, an auto-sized table) took the browser ~0.5 s more on each visit.
# All of them, with every category, are in the CSV export.
TERRITORY_ROWS = 100


def layout(query: dict[str, str], settings: Settings) -> html.Div:
    parsed = parse_filters(query, q.CATEGORIES)
    filters = parsed.filters
    days, rounds = q.DEMAND_DAYS, q.ROUNDS
    body = [
        kpi_row("con-kpis", 6, "proyectos"),
        html.Div(
            [
                map_panel("con", settings),
                chart_card(
                    "con-ranking",
                    "Prioridades",
                    "puntaje por categoría · pase el cursor para ver por qué",
                    area="proyectos",
                ),
                chart_card(
                    "con-seven-t",
                    "Por transformación (7T)",
                    "% de las necesidades y de los proyectos",
                    area="proyectos",
                ),
            ],
            className="ind-row ind-row-main",
        ),
        panel(
            "Por qué: necesidades frente a lo financiado",
            html.Div(id="con-reasons", className="ind-list"),
            subtitle=f"casos 1x10 de {days} días y proyectos de las últimas {rounds} consultas",
            extra=export_link(EXPORT, filters),
            class_name="ind-list-panel con-reasons-panel",
        ),
        panel(
            "Circuitos y su primera prioridad",
            html.Div(id="con-territories", className="ind-list"),
            subtitle="mayor puntaje primero · clic en un nombre para entrar",
            class_name="ind-list-panel",
        ),
        html.Div(
            [
                panel(
                    "Continuidades paralizadas o sin avance",
                    html.Div(id="con-stalled", className="ind-list"),
                    subtitle="proyectos que continúan otro y están detenidos",
                    class_name="ind-list-panel",
                ),
                panel(
                    f"Sin proyecto en las últimas {rounds} consultas",
                    html.Div(id="con-without", className="ind-list"),
                    subtitle="circuitos comunales",
                    class_name="ind-list-panel",
                ),
            ],
            className="ind-row ind-row-2-1",
        ),
        panel(
            "Historia del circuito",
            html.Div(id="con-history", className="ind-list"),
            subtitle="proyectos ganadores de cada consulta y qué fue de ellos",
            class_name="ind-list-panel",
        ),
        # row clicks of the two lists land here, outside the panels they redraw with
        click_store(TERRITORIES_TABLE),
        click_store(WITHOUT_TABLE),
    ]
    return indicator_page(
        PAGE,
        "Asesoría para la próxima Consulta",
        parsed,
        q.CATEGORIES,
        "Categoría",
        DATASETS,
        body,
        fixed_period=f"casos 1x10 de los últimos {days} días · proyectos de las últimas "
        f"{rounds} consultas",
    )


def subtitle() -> str:
    return f"casos de {q.DEMAND_DAYS} días · proyectos de las últimas {q.ROUNDS} consultas"


# -- KPI cards ---------------------------------------------------------------------------


def kpi_cards(t: dict[str, Any], without: dict[str, Any]) -> list[Any]:
    top = t["top"]
    rounds = len(t["rounds"])
    return [
        kpi_card(
            "Primera prioridad",
            "consulta.top",
            top["label"] if top else None,
            sub=[
                "puntaje ",
                kpi_value("consulta.top_score", top["score"], "decimal", "kpi-inline"),
            ]
            if top
            else "sin necesidades registradas",
            area="proyectos",
        ),
        kpi_card(
            f"Casos 1x10 en {q.DEMAND_DAYS} días",
            "consulta.demand",
            t["demand"],
            sub="de las categorías que un proyecto puede atender",
            area="casos",
        ),
        kpi_card(
            "Casos abiertos",
            "consulta.open",
            t["open"],
            sub=[kpi_value("consulta.late", t["late"], class_name="kpi-inline"), " fuera de plazo"],
            area="casos",
            tone="warn" if t["open"] else None,
        ),
        kpi_card(
            f"Proyectos en {rounds} consultas" if rounds != 1 else "Proyectos en 1 consulta",
            "consulta.projects",
            t["projects"],
            sub=[
                kpi_value("consulta.funded_usd", t["funded_usd"], "usd", "kpi-inline"),
                " aprobados",
            ],
            area="proyectos",
        ),
        kpi_card(
            "Culminados",
            "consulta.completed_pct",
            t["completed_pct"],
            "percent",
            sub=[
                kpi_value("consulta.completed", t["completed"], class_name="kpi-inline"),
                " proyectos culminados",
            ],
            area="proyectos",
        ),
        kpi_card(
            "Circuitos sin proyecto",
            "consulta.without_projects",
            without["total"],
            sub=f"en las últimas {rounds} consultas",
            area="proyectos",
            tone="warn" if without["total"] else None,
        ),
    ]


# -- map ---------------------------------------------------------------------------------


def map_features(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Points coloured by the top score (red: most urgent of the map), sized by demand."""
    drillable = bool(rows) and rows[0]["level"] != "punto"
    peak = max((r["score"] or 0 for r in rows), default=0) or 1

    def tip(r: dict[str, Any]) -> str:
        top = r["top"]
        lines = [
            ("Primera prioridad", top["label"] if top else "—"),
            ("Puntaje", fmt_number(top["score"], 1) if top else "—"),
            (f"Casos 1x10 ({q.DEMAND_DAYS} días)", fmt_number(r["demand"])),
            (f"Proyectos ({q.ROUNDS} consultas)", fmt_number(r["projects"])),
        ]
        hint = "clic para entrar" if drillable and r["level"] != "circuito" else None
        if drillable and r["level"] == "circuito":
            hint = "clic para ver su historia"
        return tooltip_table(r["name"], lines, hint)

    return point_features(
        rows,
        status=lambda r: None if r["score"] is None else 1 - min(1.0, r["score"] / peak),
        size=lambda r: float(r["demand"]),
        tooltip=tip,
        drillable=drillable,
    )


def map_legend() -> list[Any]:
    return legend(
        "Color: prioridad",
        ("muy baja", "baja", "media", "alta", "muy alta"),
    )


# -- figures -----------------------------------------------------------------------------

# Why a category's bar has its colour: whether the last rounds gave it any project.
SUPPLY_COLORS = {"none": theme.BAD, "some": theme.BLUE}
SUPPLY_LABELS = {
    "none": f"Sin proyectos en {q.ROUNDS} consultas",
    "some": f"Con proyectos en {q.ROUNDS} consultas",
}


def _supply_kind(r: dict[str, Any]) -> str:
    return "some" if r["funded_projects"] else "none"


def ranking_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    """The score of each category, highest on top, coloured by what was funded; the hover
    reads the reason."""
    rows = [r for r in rows if r["score"] > 0 or r["funded_projects"]][:RANKING_ROWS]
    if not rows:
        return empty_figure("Sin casos ni proyectos en este territorio", scale)
    rows = list(reversed(rows))
    traces = []
    for kind, color in SUPPLY_COLORS.items():
        part = [r for r in rows if _supply_kind(r) == kind]
        if not part:
            continue
        traces.append(
            go.Bar(
                y=[r["label"] for r in part],
                x=[r["score"] for r in part],
                name=SUPPLY_LABELS[kind],
                orientation="h",
                marker_color=color,
                customdata=[wrap_label(r["reason"], 60) for r in part],
                hovertemplate="<b>%{y}</b>: %{x:.1f}<br>%{customdata}<extra></extra>",
            )
        )
    layout = legend_layout(scale, bargap=0.25, barmode="overlay")
    label_axis(layout, len(rows), scale)
    layout["legend"].update(traceorder="normal", font={"size": round(12 * scale)})
    layout["yaxis"].update(
        categoryorder="array",
        categoryarray=[r["label"] for r in rows],
        dtick=1,  # every category named, none skipped on a short chart
        tickfont={"size": round(12 * scale), "color": theme.TEXT},
    )
    layout["xaxis"]["title"] = {"text": "puntaje", "font": {"size": round(12 * scale)}}
    return build_figure(traces, layout=layout)


def seven_t_figure(rows: list[dict[str, Any]], scale: float = 1.0) -> Figure:
    """Share of needs vs share of funded projects per transformation (grouped bars)."""
    if not any(r["projects"] or r["needs"] for r in rows):
        return empty_figure("Sin casos ni proyectos en este territorio", scale)
    rows = list(reversed(rows))
    names = [wrap_label(r["label"], 24) for r in rows]
    traces = [
        go.Bar(
            y=names,
            x=[r["needs_pct"] or 0 for r in rows],
            name=f"Necesidades (casos 1x10, {q.DEMAND_DAYS} días)",
            orientation="h",
            marker_color=theme.ACCENT,
            customdata=[r["needs"] for r in rows],
            hovertemplate="%{y}<br>%{x:.1f} % de los casos (%{customdata:,.0f})<extra></extra>",
        ),
        go.Bar(
            y=names,
            x=[r["projects_pct"] or 0 for r in rows],
            name=f"Proyectos ({q.ROUNDS} consultas)",
            orientation="h",
            marker_color=theme.BLUE,
            customdata=[r["projects"] for r in rows],
            hovertemplate="%{y}<br>%{x:.1f} % de los proyectos (%{customdata:,.0f})<extra></extra>",
        ),
    ]
    layout = legend_layout(scale, barmode="group", bargap=0.2, bargroupgap=0.05)
    label_axis(layout, len(rows), scale)
    layout["legend"].update(traceorder="normal", font={"size": round(12 * scale)})
    layout["yaxis"]["tickfont"]["size"] = round(11 * scale)
    layout["xaxis"]["ticksuffix"] = " %"
    return build_figure(traces, layout=layout)


# -- lists -------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{fmt_number(value, 0)} %"


def reasons_list(rows: list[dict[str, Any]]) -> Any:
    """The ranking with every number of the score and its reason."""
    headers = [
        ("#", "num"),
        "Categoría",
        ("Casos", "num"),
        ("Abiertos", "num"),
        ("Fuera de plazo", "num"),
        ("Proyectos", "num"),
        ("USD aprobados", "num"),
        ("Culminados", "num"),
        ("Puntaje", "num"),
        "Por qué",
    ]
    body = [
        [
            (str(i), "num"),
            r["label"],
            (fmt_number(r["demand"]), "num"),
            (fmt_number(r["open"]), "num"),
            (fmt_number(r["late"]), "num bad" if r["late"] else "num"),
            (fmt_number(r["funded_projects"]), "num"),
            (fmt_usd(r["funded_usd"]) if r["funded_usd"] else "—", "num"),
            (_pct(r["completed_pct"]), "num"),
            (fmt_number(r["score"], 1), "num"),
            (r["reason"], "reason"),
        ]
        for i, r in enumerate(rows, start=1)
    ]
    return record_table(
        headers,
        body,
        "Sin casos ni proyectos en este territorio",
        "No hay casos del 1x10 ni proyectos de las últimas consultas que comparar.",
    )


def territories_list(rows: list[dict[str, Any]], level: str) -> Any:
    """Each circuito (the estados, for the country) with its first priority."""
    ranked_rows = [r for r in rows if r["top"]]
    rows, more = ranked_rows[:TERRITORY_ROWS], len(ranked_rows) - TERRITORY_ROWS
    place = "Estado" if level == "estado" else "Circuito comunal"
    headers = [
        place,
        *(["Parroquia"] if level == "circuito" else []),
        "Primera prioridad",
        ("Puntaje", "num"),
        ("Casos", "num"),
        ("Proyectos", "num"),
        "Por qué",
    ]
    body = [
        [
            r["name"],
            *([r["parroquia"]] if level == "circuito" else []),
            r["top"]["label"],
            (fmt_number(r["top"]["score"], 1), "num"),
            (fmt_number(r["demand"]), "num"),
            (fmt_number(r["projects"]), "num"),
            (r["top"]["reason"], "reason"),
        ]
        for r in rows
    ]
    return record_table(
        headers,
        body,
        "Sin prioridades que mostrar",
        "Ningún territorio tiene casos ni proyectos que comparar.",
        id=TERRITORIES_TABLE,
        row_ids=[r["code"] for r in rows],
        footer=(
            f"… y {fmt_number(more)} más, con menor puntaje: todos, con cada categoría, en "
            "«Exportar CSV»"
            if more > 0
            else None
        ),
    )


def without_list(data: dict[str, Any]) -> Any:
    rows = data["rows"]
    headers = ["Circuito comunal", "Parroquia", "Último proyecto"]
    body = [
        [r["name"], r["parroquia"], f"consulta {r['last_round']}" if r["last_round"] else "Nunca"]
        for r in rows
    ]
    more = data["total"] - len(rows)
    return record_table(
        headers,
        body,
        f"Todos los circuitos tuvieron proyecto en las últimas {q.ROUNDS} consultas",
        "en este territorio",
        id=WITHOUT_TABLE,
        row_ids=[r["code"] for r in rows],
        footer=f"… y {fmt_number(more)} más" if more > 0 else None,
    )


def stalled_list(rows: list[dict[str, Any]]) -> Any:
    headers = [
        "Proyecto",
        "Circuito",
        "Consulta",
        "Estatus",
        ("Avance", "num"),
        ("Días sin avance", "num"),
        "Continúa",
    ]
    body = [
        [
            r["title"],
            r["circuito"],
            r["consulta"],
            PROJECT_STATUS_LABELS.get(r["status"], r["status"]),
            (f"{fmt_number(r['progress'], 1)} %", "num"),
            (fmt_number(r["days"]) if r["days"] is not None else "—", "num bad"),
            _previous(r),
        ]
        for r in rows
    ]
    return record_table(
        headers,
        body,
        "Ninguna continuidad detenida",
        "en este territorio y categoría",
    )


def _previous(r: dict[str, Any]) -> str:
    if not r["previous_id"]:
        return "—"
    status = PROJECT_STATUS_LABELS.get(r["previous_status"], r["previous_status"] or "")
    return f"consulta {r['previous_consulta']} ({status.lower()})"


def history_view(rounds: list[dict[str, Any]] | None) -> Any:
    """Per round (newest first) the circuito's winning projects, their state and the
    continuity chain; above a circuito, how to get there."""
    if rounds is None:
        return empty_state(
            "Elija un circuito comunal",
            "La historia de cada consulta se ve por circuito: elíjalo en los filtros, "
            "en el mapa o en la lista de circuitos.",
        )
    if not rounds:
        return empty_state("Este circuito aún no tiene proyectos", "de ninguna consulta")
    body: list[list[Any]] = []
    for r in rounds:
        for p in r["projects"]:
            chain = []
            if p["continues"]:
                chain.append(f"continúa el proyecto de la consulta {p['continues']['consulta']}")
            elif p["continuidad_of"]:
                chain.append("continúa un proyecto de otro territorio")
            if p["continued_in"]:
                chain.append("continuado en la consulta " + ", ".join(p["continued_in"]))
            body.append(
                [
                    r["consulta"],
                    p["title"],
                    q.CATEGORIES.get(p["category"], p["category"]),
                    T_LABELS.get(p["transformation"], f"T{p['transformation']}"),
                    p["status_label"],
                    (f"{fmt_number(p['progress'], 0)} %", "num"),
                    (f"{fmt_usd(p['transferred_usd'])} de {fmt_usd(p['approved_usd'])}", "num"),
                    "; ".join(chain) or "—",
                ]
            )
    headers = [
        "Consulta",
        "Proyecto",
        "Categoría",
        "Transformación",
        "Estatus",
        ("Avance", "num"),
        ("Transferido", "num"),
        "Continuidad",
    ]
    return record_table(headers, body, "Este circuito aún no tiene proyectos")
