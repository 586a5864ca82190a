"""Alerts on screen: the ``/alertas`` page, the header badge of every page, the wall's panel
and banner. Thin: read the caller and the inputs, ask ``data.queries.alerts`` /
``data.alerts.store``, draw with ``layouts.components.alerts``.

Each screen re-reads its alerts when a pushed window carries alert changes (``live-feed``'s
``alerts`` count, already filtered to the caller's scope by the push), when the safety-net
poll sees new data versions, and after an action taken on this page. The badge and the
wall's alerts are drawn once per pushed window for every tab of a scope
(``callbacks.renders``); the ``/alertas`` page, with its own filters, draws its own.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from auth.principal import current_principal
from callbacks.renders import fresh_after, shared_render
from core.config import Settings
from core.numbers import fmt_number
from core.timeutil import utcnow
from data.alerts import store
from data.alerts.present import present
from data.db import session_scope
from data.queries import alerts as q
from data.scope import OutOfScope, UnknownTerritory, children, resolve, scope_for
from layouts import alertas as ui
from layouts.components import alerts as view
from layouts.registry import Page, register_page

log = logging.getLogger("sala.alertas")

PAGE_LIMIT = 100
VERBS = {"reconocer": "Reconocer", "resolver": "Resolver"}


def alerts_changed(feed: dict | None, drawn: Any = True) -> bool:
    """Whether to (re)draw: not yet ``drawn`` (a push can race a screen's first draw), any
    trigger but the push, or a pushed window with alert changes (others leave alerts be)."""
    if drawn is None or ctx.triggered_id not in ("live-feed", "live-alerts"):
        return True
    return bool((feed or {}).get("alerts") or (feed or {}).get("resync"))


def _ref(session, territory: str | None = None):
    scope = scope_for(session, current_principal().territory_code)
    return resolve(session, scope, territory)


def load_page(filters: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The alerts of the page's filters inside the caller's scope, and how many there are."""
    state = filters["estado"]
    kwargs = {
        "state": state if state in ("abierta", "reconocida", "resuelta") else None,
        "states": q.UNRESOLVED if state == "pendientes" else None,
        "level_min": filters["nivel"] if filters["nivel"] and filters["nivel"] > 1 else None,
        "area": filters["area"],
    }
    with session_scope() as session:
        ref = _ref(session, filters["territorio"])
        rows = q.list_alerts(session, ref, limit=PAGE_LIMIT, **kwargs)
        total = q.count_alerts(session, ref, **kwargs)
    return [present(r) for r in rows], total


def load_wall(
    territory: str | None = None,
) -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
    """Unresolved alerts of the territory the wall is showing (highest level first), their
    number, and the unacknowledged level-5 ones of the whole screen's scope for the banner
    (a level 5 anywhere in the room's scope is never hidden by the rotation)."""
    with session_scope() as session:
        root = _ref(session)
        try:
            ref = _ref(session, territory) if territory else root
        except (UnknownTerritory, OutOfScope):
            ref = root  # the wall shows its notice (callbacks/muro.py logs it once)
        same = ref == root  # one query serves the panel and the banner
        rows = q.wall_alerts(
            session, ref, limit=view.BANNER_MAX + view.WALL_SHOWN if same else view.WALL_SHOWN
        )
        total = q.count_alerts(session, ref, states=q.UNRESOLVED)
        top = rows if same else q.wall_alerts(session, root, limit=view.BANNER_MAX)
    level5 = [r for r in top if r["level"] == 5 and r["state"] == "abierta"]
    return rows[: view.WALL_SHOWN], total, level5[: view.BANNER_MAX]


def load_badge() -> dict[str, Any]:
    with session_scope() as session:
        return q.open_summary(session, _ref(session))


def draw_badge() -> tuple:
    """The header badge: open alerts in the caller's scope, coloured by the highest level
    (one render per pushed window for every tab of the scope: ``callbacks.renders``)."""
    try:
        summary = load_badge()
    except Exception:
        log.exception("no se pudo contar las alertas")
        return no_update, no_update, no_update
    return view.badge(summary), view.badge_class(summary), view.badge_title(summary)


def draw_wall(territory: str | None) -> tuple:
    """The wall's alert banner, panel and count for the territory shown (one render per
    pushed window for every wall of the scope showing it)."""
    try:
        rows, total, level5 = load_wall(territory)
    except Exception:
        log.exception("muro: no se pudo leer las alertas")
        return no_update, no_update, no_update, no_update
    now = utcnow()
    count = f"{fmt_number(total)} sin resolver" if total else ""
    return view.banner(level5, now), view.wall_panel(rows, total, now), count, "1"


def territory_options() -> list[dict[str, str]]:
    """The territories one level below the caller's scope (the estados for national users)."""
    with session_scope() as session:
        scope = scope_for(session, current_principal().territory_code)
        refs = (
            children(session, scope, scope.code) if scope.root else children(session, scope, None)
        )
    return [{"label": r.name, "value": r.code} for r in refs]


def act(selection: dict[str, Any], comment: str | None) -> str:
    """Acknowledge or resolve the selected alert as the caller; the Spanish outcome."""
    principal = current_principal()
    if not principal.can_act_on_alerts:
        return "Su rol no puede reconocer ni resolver alertas (solo verlas)."
    action = store.acknowledge if selection.get("accion") == "reconocer" else store.resolve
    changes = store.Changes()
    try:
        with session_scope() as session:
            scope = scope_for(session, principal.territory_code)
            action(session, scope.root, int(selection["id"]), principal.username, comment, changes)
    except store.AlertNotFound:
        return "Esa alerta ya no existe o está fuera de su ámbito."
    except (store.AlertConflict, ValueError) as exc:
        return str(exc)
    store.publish(changes)
    done = "reconocida" if selection.get("accion") == "reconocer" else "resuelta"
    return f"Alerta {selection['id']} {done}."


def register(app: Dash, settings: Settings) -> None:
    # Not in the navigation: the header's alert badge on every page is the way in.
    register_page(
        Page(path="/alertas", title="Alertas", nav_label="Alertas", layout=ui.layout, in_nav=False)
    )
    register_badge(app)
    register_wall(app)

    @app.callback(Output("alertas-territorio", "options"), Input("alertas-lista", "id"))
    def territories(_id: str):
        return territory_options()

    @app.callback(
        Output("alertas-lista", "children"),
        Output("alertas-total", "children"),
        Input("alertas-estado", "value"),
        Input("alertas-nivel", "value"),
        Input("alertas-area", "value"),
        Input("alertas-territorio", "value"),
        Input("live-feed", "data"),
        Input("live-version", "data"),
        Input("alertas-hecho", "data"),
        State("alertas-total", "children"),  # None until the list is first drawn (the list
    )  # itself, ~800 components, would travel back to the server with every refresh)
    def refresh(state, level, area, territory, feed, _versions, _done, drawn):
        if not alerts_changed(feed, drawn):
            raise PreventUpdate
        filters = ui.parse({"estado": state, "nivel": str(level or 1), "area": area or ""})
        filters["territorio"] = territory or None
        try:
            rows, total = load_page(filters)
        except (OutOfScope, UnknownTerritory):
            text = f"El territorio {territory} no existe o está fuera de su ámbito."
            return [
                view.alert_list([], 0, utcnow(), False)[0],
                html.Div(text, className="flt-error"),
            ], ""
        can_act = current_principal().can_act_on_alerts
        return view.alert_list(rows, total, utcnow(), can_act), f"{fmt_number(total)} en la vista"

    @app.callback(
        Output("alertas-sel", "data"),
        Output("alertas-accion", "hidden"),
        Output("alertas-accion-titulo", "children"),
        Output("alertas-comentario", "value"),
        Input({"type": "alerta-accion", "id": ALL, "accion": ALL}, "n_clicks"),
        Input("alertas-cancelar", "n_clicks"),
        prevent_initial_call=True,
    )
    def choose(_clicks, _cancel):
        """First click: which alert and what to do; the box asks for the comment."""
        trigger = ctx.triggered_id
        if trigger == "alertas-cancelar":
            return None, True, "", ""
        if not isinstance(trigger, dict) or not (ctx.triggered and ctx.triggered[0].get("value")):
            raise PreventUpdate  # the list was redrawn: new buttons, no click
        with session_scope() as session:
            row = q.get_alert(session, _ref(session), int(trigger["id"]))
        if row is None:
            raise PreventUpdate
        title = [
            html.Strong(f"{VERBS.get(trigger['accion'], '')} la alerta {row['id']}: "),
            html.Span(row["message"]),
        ]
        return {"id": row["id"], "accion": trigger["accion"]}, False, title, ""

    @app.callback(
        Output("alertas-hecho", "data"),
        Output("alertas-aviso", "children"),
        Output("alertas-sel", "data", allow_duplicate=True),
        Output("alertas-accion", "hidden", allow_duplicate=True),
        Input("alertas-confirmar", "n_clicks"),
        State("alertas-sel", "data"),
        State("alertas-comentario", "value"),
        State("alertas-hecho", "data"),
        prevent_initial_call=True,
    )
    def confirm(_n, selection, comment, done):
        """Second click: act as the caller, in the caller's scope (enforced in the store)."""
        if not selection:
            raise PreventUpdate
        outcome = act(selection, comment)
        return (done or 0) + 1, outcome, None, True


def register_badge(app: Dash) -> None:
    @app.callback(
        Output("alert-badge", "children"),
        Output("alert-badge", "className"),
        Output("alert-badge", "title"),
        Input("url", "pathname"),
        Input("live-alerts", "data"),
        Input("live-version", "data"),
        State("alert-badge", "title"),
    )
    def badge(_path, feed, _versions, drawn):
        """Every page: the open alerts in scope, coloured by the highest level."""
        if not alerts_changed(feed, drawn):
            raise PreventUpdate
        return shared_render(("alert-badge",), fresh_after(feed), draw_badge)


def register_wall(app: Dash) -> None:
    @app.callback(
        Output("muro-alert-banner", "children"),
        Output("muro-alerts", "children"),
        Output("muro-alerts-count", "children"),
        Output("muro-alerts", "data-drawn"),
        Input("muro-config", "data"),
        Input("muro-rotate", "n_intervals"),
        Input("live-alerts", "data"),
        Input("live-version", "data"),
        # drawn yet? (the panel's children as a state sent the whole list in every request)
        State("muro-alerts", "data-drawn"),
    )
    def wall(config, n, feed, _versions, drawn):
        """The wall: unresolved alerts of the territory shown, highest level first, and the
        level-5 banner of the whole scope."""
        if ctx.triggered_id != "muro-rotate" and not alerts_changed(feed, drawn):
            raise PreventUpdate
        steps = config.get("steps") if isinstance(config, dict) else None
        step = steps[(n or 0) % len(steps)] if isinstance(steps, list) and steps else {}
        territory = step.get("territory") if isinstance(step, dict) else None
        shown = territory if isinstance(territory, str) else None
        return shared_render(("muro-alerts", shown), fresh_after(feed), partial(draw_wall, shown))
