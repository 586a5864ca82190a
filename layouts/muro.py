"""Wall mode (``/muro``): a grid of big panels for the room's video wall, no controls needed.

URL parameters (all optional):

- ``paneles``: panels in order, comma-separated; ``|`` or ``;`` separates panel *sets* the
  wall rotates through (``paneles=mapa,clap,casos|paz,proyectos,defensa``);
- ``territorios``: territory codes the wall rotates through (``VE-A,VE-M``; none = the
  caller's whole scope);
- ``rotar``: seconds per step of the playlist (territories × panel sets); 0 = no rotation;
- ``sin_datos``: seconds without any new event before the wall warns (0 = never).

Beside the panels, the alert column (``layouts.components.alerts``) lists the unresolved
alerts of the screen's scope, and above them the level-5 banner appears while any is
unacknowledged; ``callbacks/alertas.py`` fills both.

Everything here is a pure function of the parsed parameters and of data handed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from core.numbers import fmt_number, fmt_percent, fmt_usd
from core.thresholds import STATE_COLOUR, STATE_LABEL, THRESHOLDS, State, colour
from layouts.components.alerts import wall_panel_shell
from layouts.components.base_map import base_layers
from layouts.components.map_points import map_geometry
from layouts.live import freshness

PANELS: dict[str, str] = {  # short: a title shares its line with the state chip
    "mapa": "Mapa del territorio",
    "clap": "CLAP hoy",
    "casos": "Casos 1x10",
    "paz": "Cuadrantes de paz",
    "proyectos": "Proyectos",
    "defensa": "Defensa",
}
DEFAULT_PANELS = ("mapa", "clap", "casos", "paz", "proyectos", "defensa")
MAX_PANELS = 9
MAX_STEPS = 200
DEFAULT_STALE_S = 600
MIN_ROTATE_S = 5
MAP_EVERY_MS = 5_000  # the map follows the data on this slower tick
VENEZUELA_BOUNDS = [[0.65, -73.4], [12.25, -59.8]]


@dataclass(frozen=True)
class WallConfig:
    steps: list[dict[str, Any]]  # [{"territory": code | None, "panels": [...]}]
    rotate_s: int
    stale_after_s: int

    def step(self, n: int | None) -> dict[str, Any]:
        return self.steps[(n or 0) % len(self.steps)]


def _int(raw: str | None, default: int, low: int = 0, high: int = 86_400) -> int:
    try:
        return max(low, min(high, int(str(raw).strip())))
    except (TypeError, ValueError):
        return default


def parse(query: dict[str, str]) -> WallConfig:
    """Read the URL parameters; bad values fall back to defaults instead of failing."""
    raw_sets = (query.get("paneles") or "").replace(";", "|")
    sets = [  # each panel once per set: its KPI ids must be unique on the page
        list(dict.fromkeys(p.strip().lower() for p in chunk.split(",") if p.strip()))[:MAX_PANELS]
        for chunk in raw_sets.split("|")
    ]
    sets = [s for s in sets if s] or [list(DEFAULT_PANELS)]
    territories = [t.strip() for t in (query.get("territorios") or "").split(",") if t.strip()]
    steps = [{"territory": t, "panels": s} for t in (territories or [None]) for s in sets][
        :MAX_STEPS
    ]
    rotate = _int(query.get("rotar"), 0)
    if rotate:
        rotate = max(MIN_ROTATE_S, rotate)
    stale = _int(query.get("sin_datos"), DEFAULT_STALE_S)
    return WallConfig(steps=steps, rotate_s=rotate, stale_after_s=stale)


def layout(query: dict[str, str]) -> html.Div:
    config = parse(query)
    rotating = config.rotate_s > 0 and len(config.steps) > 1
    return html.Div(
        [
            dcc.Store(id="muro-config", data={"steps": config.steps}),
            dcc.Store(id="muro-view"),  # the view on screen, asked by the push (callbacks/muro)
            # a step's grid is in place: the refreshes listen here, not to the grid itself
            # (its children as an input sent the whole wall, map included, in every request)
            dcc.Store(id="muro-built"),
            dcc.Store(id="muro-pushed"),  # the wall's refresh pushed per window
            dcc.Store(id="muro-feed"),  # the feeds it refreshes for over HTTP (reconnection)
            dcc.Interval(id="muro-map-tick", interval=MAP_EVERY_MS),
            dcc.Interval(
                id="muro-rotate", interval=max(config.rotate_s, 1) * 1000, disabled=not rotating
            ),
            html.Div(id="muro-alert-banner", className="muro-alert-banner"),
            html.Div(
                [
                    html.H1(id="muro-title", className="muro-title"),
                    html.Div(id="muro-step", className="muro-step"),
                    html.Div(id="muro-updated", className="muro-updated"),
                ],
                className="muro-head",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Div(id="muro-grid", className="muro-grid"),
                            html.Div(id="muro-notice", className="muro-notice", role="status"),
                        ],
                        className="muro-stage",
                    ),
                    wall_panel_shell(),
                ],
                className="muro-body",
            ),
            html.Div(
                [
                    html.Div("Últimos eventos", className="muro-ticker-label"),
                    # The server fills the hidden list; assets/muro.js copies it into the
                    # scrolling track between two passes, so the text never jumps mid-read.
                    html.Ul(id="muro-ticker", className="muro-ticker-source"),
                    html.Div(
                        html.Div(id="muro-ticker-run", className="muro-ticker-run"),
                        className="muro-ticker-window",
                        **{"aria-hidden": "true"},
                    ),
                ],
                className="muro-ticker-wrap",
                role="marquee",
                **{"aria-label": "Últimos eventos del territorio"},
            ),
        ],
        id="muro",
        className="muro",
        **{"data-stale-after": str(config.stale_after_s)},
    )


#: The judged figure that colours the wall map's estados and markers (``core/thresholds.py``).
MAP_THRESHOLD = "clap_coverage"
EVENT_COLOUR = "#ffe14d"  # recent events (``salaWall.point`` in assets/muro.js)


def map_legend() -> html.Div:
    """The wall map's key, a column beside the map: the bands of :data:`MAP_THRESHOLD` (the
    same as the pages') and the recent events. Short lines: it is read from 5 metres."""
    bands = THRESHOLDS[MAP_THRESHOLD].bands()
    swatches = [
        *zip((STATE_COLOUR[s] for s in ("bien", "regular", "mal")), bands, strict=True),
        (STATE_COLOUR["sin-datos"], STATE_LABEL["sin-datos"]),
        (EVENT_COLOUR, "evento"),
    ]
    return html.Div(
        [
            html.Span("Cobertura CLAP hoy", className="legend-text"),
            *[
                html.Span(
                    [html.Span(className="swatch", style={"background": c}), label],
                    className="legend-item",
                )
                for c, label in swatches
            ],
        ],
        className="muro-map-legend",
    )


def panel_shell(
    name: str, index: int, tile_url: str = "none", tile_attribution: str = ""
) -> html.Section:
    """An empty panel; its body is filled (and refreshed) by the wall's refresh callback.
    The map panel lies on the shared geography (``base_map``: tiles if configured, and the
    offline base map always)."""
    title = PANELS.get(name, name)
    if name == "mapa":
        view_id = {"type": "muro-map-view", "index": index}
        body: Any = dl.Map(
            [
                *base_layers(view_id, tile_url, tile_attribution),
                dl.GeoJSON(
                    id={"type": "muro-map", "index": index},
                    data={"type": "FeatureCollection", "features": []},
                    pointToLayer={"variable": "salaWall.point"},
                    style={"variable": "salaWall.shape"},
                ),
            ],
            center=[7.6, -66.2],
            zoom=6,
            zoomSnap=0.25,  # fit the scope snugly: whole zoom steps left half the panel empty
            bounds=VENEZUELA_BOUNDS,
            zoomControl=False,
            attributionControl=False,
            dragging=False,
            scrollWheelZoom=False,
            doubleClickZoom=False,
            className="muro-map",
            id=view_id,
        )
        body = html.Div([body, map_legend()], className="muro-map-body")
    elif name in KPIS:
        body = html.Div(
            panel_body(name, None),
            id={"type": "muro-body", "index": index},
            className="muro-kpis",
            **{"data-panel-body": name},
        )
    else:
        body = unknown_panel(name)
    return html.Section(
        [
            html.Div(
                [
                    html.H2(title, className="muro-panel-title"),
                    html.Div(
                        freshness(None),
                        id={
                            "type": "muro-map-fresh" if name == "mapa" else "muro-fresh",
                            "index": index,
                        },
                        className="muro-fresh",
                    ),
                ],
                className="muro-panel-head",
            ),
            body,
        ],
        className=f"muro-panel panel-{name}",
        **{"data-panel": name},
    )


def grid(
    panels: list[str], tile_url: str = "none", tile_attribution: str = ""
) -> list[html.Section]:
    return [panel_shell(name, i, tile_url, tile_attribution) for i, name in enumerate(panels)]


def grid_class(count: int) -> str:
    return f"muro-grid muro-n{min(max(count, 1), MAX_PANELS)}"


# Each KPI panel: (label, summary field, format, headline). The headline is the panel's big
# number, judged by its threshold (``data-state``); the other rows are facts beside it. Values
# carry the field path (``data-kpi``/``data-fact``) and the raw value (``data-value``).
KPIS: dict[str, list[tuple[str, str, str, bool]]] = {
    "clap": [
        ("Familias atendidas", "clap.families_served", "number", True),
        ("Planificadas", "clap.families_planned", "number", False),
    ],
    "casos": [
        ("Casos abiertos", "cases.open", "number", True),
        ("Resueltos 24 h", "cases.resolved_24h", "number", False),
        ("Mediana", "cases.median_hours_to_resolve_30d", "hours", False),
    ],
    "paz": [
        ("Incidentes 24 h", "incidents.last_24h", "number", True),
        ("Últimos 7 días", "incidents.last_7d", "number", False),
    ],
    "proyectos": [
        ("En ejecución", "projects.by_status.en_ejecucion", "number", True),
        ("Total", "projects.total", "number", False),
        ("Transferido", "projects.transferred_usd", "usd", False),
    ],
    "defensa": [
        ("Alistamiento medio", "defense.avg_readiness", "percent", True),
        ("Unidades", "defense.units", "number", False),
    ],
}
FIELD_KIND = {field: kind for rows in KPIS.values() for _, field, kind, _ in rows}
#: The threshold (``core.thresholds``) that judges each panel's headline.
JUDGED_BY = {
    "clap": "clap_coverage",
    "casos": "cases_late_share",
    "paz": "incidents_vs_usual",
    "proyectos": "projects_stalled_share",
    "defensa": "defense_readiness",
}
#: What the sparkline of each panel shows (caption under it).
TREND_CAPTION: dict[str, str | None] = {
    "clap": "Cobertura diaria · 14 días",
    "casos": "Casos recibidos por día · 14 días",
    "paz": "Incidentes por hora · 24 h",
    "proyectos": "USD transferidos por día · 30 días",
    # defense's stacked bar is captioned by its own counts ("696 bien · 882 regular …"): a
    # third line did not fit the panel beside the facts ("Unidades 1.950") and the worst list
    "defensa": None,
}
#: How the "worst now" list names its measure.
WORST_TITLE = {
    "clap": "Menor cobertura hoy",
    "casos": "Más casos abiertos",
    "paz": "Más incidentes 24 h",
    "proyectos": "Más proyectos paralizados",
    "defensa": "Menor alistamiento",
}
ARROW = {"bien": "●", "regular": "▲", "mal": "■", "sin-datos": "○"}


def field_value(summary: dict[str, Any], field: str) -> Any:
    """The value at a dotted path of a ``summary()`` dict (``projects.by_status.paralizado``)."""
    value: Any = summary
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "ratio":
        return fmt_percent(value)
    if kind == "percent":
        return f"{fmt_number(value, 1)} %"
    if kind == "hours":
        return f"{fmt_number(value, 1)} h"
    if kind == "usd":
        return fmt_usd(value)
    return fmt_number(value, 0)


def kpi(label: str, field: str, big: bool = False, state: State = "sin-datos") -> html.Div:
    """A wall KPI: its label and its value, which carries its state (``data-state``)."""
    return html.Div(
        [
            html.Div(label, className="muro-kpi-label"),
            html.Div(
                "…",
                id={"type": "muro-kpi", "field": field},
                className="muro-kpi-value" + (" big" if big else ""),
                **{"data-kpi": field, "data-value": "", "data-state": state},
            ),
        ],
        className="muro-kpi",
    )


def kpi_rows(name: str) -> list[html.Div]:
    return [kpi(label, field, big) for label, field, _kind, big in KPIS[name]]


def kpi_values(fields: list[str], summary: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Texts and raw ``data-value`` strings for the given fields (one summary, no I/O)."""
    values = [field_value(summary, f) for f in fields]
    texts = [
        format_value(v, FIELD_KIND.get(f, "number")) for f, v in zip(fields, values, strict=True)
    ]
    return texts, ["" if v is None else str(v) for v in values]


# ---- judging a panel: its headline's state and the comparison that matters


@dataclass(frozen=True)
class Judgement:
    state: State
    compare: str  # the comparison that matters, in words (vs plan, vs usual, vs yesterday)
    detail: str = ""  # what the threshold asks for ("meta ≥ 90 %")


def _usual_per_day(s: dict[str, Any]) -> float | None:
    """Incidents per day over the 6 days before the last 24 h (the territory's usual)."""
    day, week = field_value(s, "incidents.last_24h"), field_value(s, "incidents.last_7d")
    if day is None or week is None:
        return None
    return max(week - day, 0) / 6


def judge(name: str, s: dict[str, Any] | None, t: dict[str, Any] | None) -> Judgement:
    """The state of panel ``name``'s headline and its comparison, from the summary ``s`` and
    the wall's trends ``t`` (``data.queries.wall.wall_trends``); pure."""
    if s is None:
        return Judgement("sin-datos", "sin datos")
    t = t or {}
    threshold = THRESHOLDS[JUDGED_BY[name]]
    bands = threshold.bands()
    if name == "clap":
        coverage = field_value(s, "clap.coverage")
        days = t.get("clap_coverage") or []
        before = days[-2] if len(days) >= 2 else None
        yesterday = f" · ayer {fmt_percent(before)}" if before is not None else ""
        if coverage is None:  # right after midnight: say how yesterday ended
            return Judgement("sin-datos", f"aún sin entregas hoy{yesterday}", f"meta {bands[0]}")
        return Judgement(
            threshold.state(coverage),
            f"{fmt_percent(coverage)} del plan{yesterday}",
            f"meta {bands[0]}",
        )
    if name == "casos":
        late = t.get("cases_late") or {}
        share = late.get("share")
        if share is None:
            return Judgement(
                "sin-datos" if not field_value(s, "cases.open") else "bien",
                "ningún caso abierto" if not field_value(s, "cases.open") else "",
                f"meta {bands[0]} fuera de plazo",
            )
        return Judgement(
            threshold.state(share),
            f"{_n(late.get('late'))} fuera de plazo",
            f"{fmt_percent(share)} · meta {bands[0]}",
        )
    if name == "paz":
        today, usual = field_value(s, "incidents.last_24h"), _usual_per_day(s)
        if today is None or usual is None:
            return Judgement("sin-datos", "sin datos")
        ratio = today / max(usual, 1.0)  # below one a day, compare counts, not percents
        if abs(today - usual) <= max(0.05 * usual, 0.5):
            words = "como lo habitual"
        elif usual < 1:
            words = f"▲ {fmt_number(today - usual, 1)} más que lo habitual"
        elif today > usual:
            words = f"▲ {fmt_number((today - usual) / usual * 100, 0)} % sobre lo habitual"
        else:
            words = f"▼ {fmt_number((usual - today) / usual * 100, 0)} % bajo lo habitual"
        # The goal in the same words as the comparison: "▲ 6 %" is green because it is within it.
        goal = f"meta ≤ +{fmt_number((threshold.good - 1) * 100, 0)} %"
        return Judgement(
            threshold.state(ratio), words, f"habitual {fmt_number(usual, 1)} al día · {goal}"
        )
    if name == "proyectos":
        health = t.get("projects") or {}
        share = health.get("share")
        if share is None:
            return Judgement("sin-datos", "sin proyectos activos", f"meta {bands[0]} detenidos")
        return Judgement(
            threshold.state(share),
            f"{_n(health.get('stopped'))} "
            f"{'detenido' if health.get('stopped') == 1 else 'detenidos'} "
            f"de {_n(health.get('active'))} activos",
            f"{fmt_percent(share)} · meta {bands[0]}",
        )
    # defensa
    readiness = field_value(s, "defense.avg_readiness")
    if readiness is None:
        return Judgement("sin-datos", "sin unidades registradas", f"meta {bands[0]}")
    gap = readiness - threshold.good
    if abs(gap) < 0.05:
        words = "en la meta"
    elif gap > 0:
        words = f"{fmt_number(gap, 1)} puntos sobre la meta"
    else:
        words = f"{fmt_number(-gap, 1)} puntos bajo la meta"
    return Judgement(threshold.state(readiness), words, f"meta {bands[0]}")


# ---- the small trend: bars of plain elements (the wall loads no Plotly)


def spark(
    values: list[float | None], states: list[State] | None = None, peak: float | None = None
) -> html.Div:
    """A bar sparkline: one bar per value, height relative to ``peak`` (default: the
    largest value), last one marked."""
    peak = peak or max((v for v in values if v is not None), default=0) or 1
    bars = []
    for i, v in enumerate(values):
        state = states[i] if states else None
        cls = "spark-bar" + (f" s-{state}" if state else "")
        if i == len(values) - 1:
            cls += " last"
        height = 0 if v is None else max(3.0, 100 * v / peak)
        bars.append(html.Div(className=cls, style={"height": f"{height:.1f}%"}))
    return html.Div(bars, className="spark", **{"aria-hidden": "true"})


def band_bar(bands: dict[str, int]) -> html.Div:
    """Defense units per readiness state as one stacked bar with its counts in words."""
    total = sum(bands.values()) or 1
    parts = [
        html.Div(
            className=f"band s-{state}",
            style={"flexGrow": str(n), "flexBasis": "0"} if n else {"display": "none"},
            title=f"{_n(n)} {STATE_LABEL[state]}",
        )
        for state, n in bands.items()
    ]
    words = " · ".join(f"{_n(n)} {STATE_LABEL[state]}" for state, n in bands.items())
    return html.Div(
        [
            html.Div(parts, className="band-bar", **{"aria-hidden": "true"}),
            html.Div(words, className="band-words"),
        ],
        className="bands",
        title="Unidades por nivel de alistamiento",
        **{"data-total": str(total)},
    )


def trend(name: str, t: dict[str, Any] | None) -> Any:
    if not t:
        return html.Div(className="spark")
    if name == "clap":
        values = t.get("clap_coverage") or []
        states = [THRESHOLDS["clap_coverage"].state(v) for v in values]
        return spark(values, states, peak=1.0)  # coverage reads against 100 %
    if name == "casos":
        return spark(t.get("cases_opened") or [])
    if name == "paz":
        return spark(t.get("incidents_hourly") or [])
    if name == "proyectos":
        return spark(t.get("transfers_daily") or [])
    return band_bar(t.get("defense_bands") or {})


def worst_value(name: str, value: Any) -> tuple[str, State | None]:
    if name == "clap":
        return fmt_percent(value), THRESHOLDS["clap_coverage"].state(value)
    if name == "defensa":
        return f"{fmt_number(value, 1)} %", THRESHOLDS["defense_readiness"].state(value)
    return _n(value), None


def worst_list(name: str, worst: list[dict[str, Any]] | None) -> html.Div | None:
    """The territories doing worst in this area right now (None: not shown at this level)."""
    if worst is None:
        return None
    if not worst:
        return html.Div(
            [
                html.Div(WORST_TITLE[name], className="muro-worst-title"),
                html.Div("Ningún territorio en alerta", className="muro-worst-none"),
            ],
            className="muro-worst",
        )
    rows = []
    for w in worst:
        text, state = worst_value(name, w["value"])
        rows.append(
            html.Li(
                [
                    html.Span(str(w["name"]), className="muro-worst-name"),
                    html.Span(
                        text,
                        className="muro-worst-value" + (f" s-{state}" if state else ""),
                    ),
                ],
                **{"data-territory": str(w["code"])},
            )
        )
    return html.Div(
        [html.Div(WORST_TITLE[name], className="muro-worst-title"), html.Ol(rows)],
        className="muro-worst",
    )


def panel_body(
    name: str,
    s: dict[str, Any] | None,
    t: dict[str, Any] | None = None,
    worst: list[dict[str, Any]] | None = None,
) -> list[Any]:
    """A KPI panel's content: the judged headline, its comparison, the facts, the trend and
    the worst territories. ``s`` None: the placeholder before the first load."""
    rows = KPIS[name]
    label, field, kind, _ = next(r for r in rows if r[3])
    verdict = judge(name, s, t)
    value = field_value(s, field) if s is not None else None
    headline = html.Div(
        [
            html.Div(
                "…" if s is None else format_value(value, kind),
                id={"type": "muro-kpi", "field": field},
                className="muro-kpi-value big",
                **{
                    "data-kpi": field,
                    "data-value": "" if value is None else str(value),
                    "data-state": verdict.state,
                },
            ),
            html.Div(label, className="muro-kpi-label"),
            html.Span(  # pinned to the panel's top right corner (assets/muro.css)
                [
                    html.Span(ARROW[verdict.state], className="state-mark"),
                    STATE_LABEL[verdict.state],
                ],
                className="muro-state",
            ),
        ],
        className="muro-headline",
    )
    facts = [
        html.Span(
            [
                f"{flabel} ",
                html.B(
                    format_value(field_value(s, ffield), fkind) if s is not None else "…",
                    **{
                        "data-fact": ffield,
                        "data-value": ""
                        if s is None or field_value(s, ffield) is None
                        else str(field_value(s, ffield)),
                    },
                ),
            ],
            className="muro-fact",
        )
        for flabel, ffield, fkind, big in rows
        if not big
    ]
    out: list[Any] = [
        headline,
        html.Div(verdict.compare, className="muro-compare"),
        html.Div(
            [html.Span(verdict.detail, className="muro-fact") if verdict.detail else None, *facts],
            className="muro-facts",
        ),
        html.Div(
            [
                trend(name, t),
                html.Div(TREND_CAPTION[name], className="spark-caption")
                if TREND_CAPTION[name]
                else None,
            ],
            className="muro-trend",
        ),
    ]
    listing = worst_list(name, worst)
    if listing is not None:
        out.append(listing)
    return out


def ticker_in(items: list[dict[str, Any]], level: str | None, code: str | None) -> list[dict]:
    """The events of ``items`` that happened inside territory ``code`` (of ``level``); all of
    them for the national wall: the ticker follows the territory the wall is showing."""
    if not code or not level:
        return items
    return [i for i in items if i.get(f"{level}_code") == code]


def territory_notice(code: str | None) -> html.Div:
    """One notice over the whole grid for a step whose territory cannot be shown."""
    return html.Div(
        [
            html.Div("⚠", className="muro-notice-icon"),
            html.Div(f"Territorio «{code}» no disponible", className="muro-notice-title"),
            html.Div(
                "No existe o está fuera del ámbito de esta pantalla. "
                "El muro sigue con el siguiente paso de la rotación.",
                className="muro-notice-text",
            ),
        ],
        className="muro-notice-box",
        **{"data-notice": str(code)},
    )


def failed_body(name: str) -> list[Any]:
    """A panel that could not load: its headline says so (``sin-datos``), in Spanish."""
    label, field, _kind, _ = next(r for r in KPIS[name] if r[3])
    return [
        html.Div(
            [
                html.Div(label, className="muro-kpi-label"),
                html.Div(
                    "—",
                    className="muro-kpi-value big",
                    **{"data-kpi": field, "data-value": "", "data-state": "sin-datos"},
                ),
            ],
            className="muro-headline",
        ),
        html.Div(
            f"No se pudo cargar «{PANELS.get(name, name)}». Se reintentará automáticamente.",
            className="muro-error-text",
        ),
    ]


def ticker_quiet(where: str | None) -> html.Li:
    """The ticker's line while the territory shown has no recent event."""
    text = f"Sin eventos recientes en {where}" if where else "Territorio no disponible"
    return html.Li(text, className="ticker-empty")


def stale_mark() -> html.Span:
    return html.Span("sin actualizar", className="freshness freshness-old")


def unknown_panel(name: str) -> html.Div:
    return html.Div(
        f"Panel desconocido «{name}». Paneles válidos: {', '.join(PANELS)}.",
        className="muro-error",
        **{"data-error": name},
    )


def _n(value: Any) -> str:
    return fmt_number(value, 0)


def map_features(
    rows: list[dict[str, Any]], recent: list[dict[str, Any]], max_points: int = 400
) -> dict[str, Any]:
    """GeoJSON of the territories and the recent events.

    A territory with a ``geometry`` (the estados) is its filled shape, the others a small
    marker of one size (nothing on the map is left for the legend to explain); both are
    coloured by :data:`MAP_THRESHOLD` (``color``), so the map judges the same way as the
    legend and the pages."""
    features = []
    for r in rows:
        geometry = map_geometry(r)
        if geometry is None:
            continue
        coverage = r.get("clap_coverage")
        # Leaflet reads a tooltip string as markup: escape the texts
        tip = (
            f"{escape(str(r['name']))}: {_n(r.get('cases_open'))} casos abiertos, "
            f"{_n(r.get('incidents_24h'))} incidentes 24 h"
        )
        if coverage is not None:
            tip += f", CLAP {fmt_percent(coverage)}"
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "kind": "territory",
                    "color": colour(MAP_THRESHOLD, coverage),
                    "tooltip": tip,
                },
            }
        )
    features = features[:max_points]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
            "properties": {"kind": "event", "tooltip": escape(str(p.get("label", "")))},
        }
        for p in recent
    ][: max(0, max_points - len(features))]
    return {"type": "FeatureCollection", "features": features}
