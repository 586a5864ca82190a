"""``/alertas``: the operators' page. Pure: built from the URL's query.

Filters (state, minimum level, area, territory) start from the URL (``?estado=abierta&nivel=4
&area=paz&territorio=VE-V``); the list is filled and kept live by ``callbacks/alertas.py``.
Acting takes two clicks: "Reconocer"/"Resolver" on an alert opens the action box (with an
optional comment) outside the list, so live refreshes never wipe a comment being typed.
"""

from __future__ import annotations

from dash import dcc, html

from data.alerts.rules import AREAS

STATES = {
    "pendientes": "Sin resolver",
    "abierta": "Abiertas",
    "reconocida": "Reconocidas",
    "resuelta": "Resueltas",
    "todas": "Todas",
}
DEFAULT_STATE = "pendientes"
LEVELS = {"1": "Todos", "2": "2 o más", "3": "3 o más", "4": "4 o más", "5": "Solo 5"}


def parse(query: dict[str, str]) -> dict[str, str | int | None]:
    """The filters of the URL; unknown values fall back to the defaults."""
    state = query.get("estado") or DEFAULT_STATE
    level = query.get("nivel") or "1"
    area = query.get("area") or None
    return {
        "estado": state if state in STATES else DEFAULT_STATE,
        "nivel": int(level) if level in LEVELS else 1,
        "area": area if area in AREAS else None,
        "territorio": (query.get("territorio") or "").strip()[:40] or None,
    }


def _field(label: str, control) -> html.Label:
    return html.Label([html.Span(label, className="flt-label"), control], className="flt-field")


def action_box() -> html.Div:
    return html.Div(
        [
            html.Div(id="alertas-accion-titulo", className="alert-action-title"),
            dcc.Textarea(
                id="alertas-comentario",
                placeholder="Comentario (opcional): qué se hizo, quién va, qué falta…",
                maxLength=2000,
                className="alert-comment",
            ),
            html.Div(
                [
                    html.Button("Confirmar", id="alertas-confirmar", className="alert-btn primary"),
                    html.Button("Cancelar", id="alertas-cancelar", className="alert-btn"),
                ],
                className="alert-action-buttons",
            ),
        ],
        id="alertas-accion",
        className="alert-action-box",
        hidden=True,
    )


def layout(query: dict[str, str]) -> html.Div:
    f = parse(query)
    return html.Div(
        [
            dcc.Store(id="alertas-sel"),
            dcc.Store(id="alertas-hecho", data=0),
            dcc.Interval(id="alertas-reloj", interval=60_000),
            html.Div(
                [
                    html.H1("Alertas", className="page-title"),
                    html.Span(id="alertas-total", className="alert-total"),
                ],
                className="page-head",
            ),
            html.Div(
                [
                    _field(
                        "Estado",
                        dcc.RadioItems(
                            id="alertas-estado",
                            options=[{"label": v, "value": k} for k, v in STATES.items()],
                            value=f["estado"],
                            className="segmented",
                            inputClassName="segmented-input",
                            labelClassName="segmented-label",
                        ),
                    ),
                    _field(
                        "Nivel",
                        dcc.Dropdown(
                            id="alertas-nivel",
                            options=[{"label": v, "value": int(k)} for k, v in LEVELS.items()],
                            value=f["nivel"],
                            clearable=False,
                            className="flt-dropdown",
                        ),
                    ),
                    _field(
                        "Área",
                        dcc.Dropdown(
                            id="alertas-area",
                            options=[{"label": v, "value": k} for k, v in AREAS.items()],
                            value=f["area"],
                            placeholder="Todas",
                            className="flt-dropdown",
                        ),
                    ),
                    _field(
                        "Territorio",
                        dcc.Dropdown(
                            id="alertas-territorio",
                            options=[],
                            value=f["territorio"],
                            placeholder="Todo su ámbito",
                            className="flt-dropdown alert-territory",
                        ),
                    ),
                ],
                className="flt-bar alert-filters",
            ),
            html.Div(id="alertas-aviso", className="alert-notice", role="status"),
            action_box(),
            html.Div(id="alertas-lista", className="alert-list"),
        ],
        className="alertas-page",
    )
