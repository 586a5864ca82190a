"""Alerts on screen: the header badge, the operator's alert card, the wall's panel and banner.

Pure functions of alert dicts (``data.alerts.present``). Every alert shown carries
``data-alert-id``; the wall banner carries ``data-alert-banner`` and holds the
unacknowledged level-5 alerts. Ages are drawn with ``data-age-ms`` so ``assets/alerts.js``
keeps "hace 3 min" current between refreshes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import dcc, html

from core.numbers import fmt_number
from core.timeutil import format_caracas, to_utc

LEVEL_NAMES = {1: "Informativa", 2: "Baja", 3: "Media", 4: "Alta", 5: "Crítica"}
BANNER_MAX = 50  # level-5 alerts in the banner (newest first; the row clips what won't fit)
WALL_SHOWN = 8


def _ms(value: datetime | None) -> str:
    return str(int(to_utc(value).timestamp() * 1000)) if value else ""


def age_text(value: datetime | None, now: datetime) -> str:
    """``hace 12 min`` (the server's first draw; assets/alerts.js keeps it current)."""
    if value is None:
        return ""
    seconds = max(0.0, (now - value).total_seconds())
    if seconds < 60:
        return "hace menos de 1 min"
    if seconds < 3600:
        return f"hace {int(seconds // 60)} min"
    if seconds < 48 * 3600:
        return f"hace {fmt_number(seconds / 3600, 0)} h"
    return f"hace {int(seconds // 86400)} días"


def age(value: datetime | None, now: datetime, class_name: str = "alert-age") -> html.Span:
    return html.Span(
        age_text(value, now),
        className=class_name,
        title=f"{format_caracas(value)} (hora de Caracas)" if value else None,
        **{"data-age-ms": _ms(value)},
    )


def level_chip(level: int) -> html.Span:
    return html.Span(
        f"Nivel {level} · {LEVEL_NAMES.get(level, '')}".strip(" ·"),
        className=f"alert-level lvl-{level}",
    )


def state_chips(a: dict[str, Any]) -> list[html.Span]:
    chips = []
    if a["state"] == "abierta":
        chips.append(html.Span("Abierta", className="alert-state state-abierta"))
    elif a["state"] == "reconocida":
        chips.append(
            html.Span(
                f"Reconocida por {a['acknowledged_by']}", className="alert-state state-reconocida"
            )
        )
    else:
        who = a.get("resolved_by") or "automática"
        text = "Resuelta automáticamente" if who == "automática" else f"Resuelta por {who}"
        chips.append(html.Span(text, className="alert-state state-resuelta"))
    if a.get("escalated") and a["state"] == "abierta":
        chips.append(html.Span("Sin atender", className="alert-state state-escalada"))
    return chips


def path_text(a: dict[str, Any]) -> str:
    return " › ".join(a.get("territory_path") or [a.get("territory_name") or "—"])


def badge(summary: dict[str, Any] | None) -> list[Any]:
    """Children of the header badge: the open alerts in scope, coloured by the highest level."""
    n = int((summary or {}).get("open") or 0)
    return [
        html.Span("Alertas", className="badge-label"),
        html.Span(fmt_number(n), className="badge-count"),
    ]


def badge_class(summary: dict[str, Any] | None) -> str:
    level = (summary or {}).get("max_level")
    n = int((summary or {}).get("open") or 0)
    return f"alert-badge lvl-{level}" if n and level else "alert-badge none"


def _count(n: int, one: str, many: str) -> str:
    return f"{fmt_number(n)} {one if n == 1 else many}"


def badge_title(summary: dict[str, Any] | None) -> str:
    s = summary or {}
    text = _count(int(s.get("open") or 0), "alerta abierta", "alertas abiertas") + " sin reconocer"
    if s.get("escalated"):
        text += f", {fmt_number(s['escalated'])} sin atender"
    if s.get("acknowledged"):
        text += "; " + _count(int(s["acknowledged"]), "reconocida", "reconocidas")
    return text


def header_badge() -> dcc.Link:
    """The slot in every page's header; ``callbacks/alertas.py`` fills and colours it."""
    return dcc.Link(badge(None), id="alert-badge", href="/alertas", className="alert-badge none")


# -- the operator's list (/alertas) -----------------------------------------------------


def _value_line(a: dict[str, Any]) -> str:
    if a["state"] == "resuelta" and a.get("resolved_by") == "automática":
        return f"se resolvió con {a['resolved_value_text']} · umbral: {a['threshold_text']}"
    return f"valor {a['value_text']} · umbral: {a['threshold_text']}"


def timeline(a: dict[str, Any]) -> html.Details:
    notes = a.get("notes") or []
    return html.Details(
        [
            html.Summary(f"Historial ({len(notes)})"),
            html.Ol(
                [
                    html.Li(
                        [
                            html.Span(format_caracas(n["at"]), className="note-at"),
                            html.Span(n["by"], className="note-by"),
                            html.Span(n["text"], className="note-text"),
                        ],
                        className=f"alert-note note-{n.get('kind', '')}",
                    )
                    for n in notes
                ],
                className="alert-timeline",
            ),
        ],
        className="alert-history",
    )


def action_buttons(a: dict[str, Any]) -> list[Any]:
    if a["state"] == "resuelta":
        return []
    buttons = []
    if a["state"] == "abierta":
        buttons.append(
            html.Button(
                "Reconocer",
                id={"type": "alerta-accion", "id": a["id"], "accion": "reconocer"},
                className="alert-btn primary",
            )
        )
    buttons.append(
        html.Button(
            "Resolver",
            id={"type": "alerta-accion", "id": a["id"], "accion": "resolver"},
            className="alert-btn",
        )
    )
    return buttons


def alert_card(a: dict[str, Any], now: datetime, can_act: bool) -> html.Article:
    """One alert for operators: level, what and where, age, count, value vs threshold,
    the actions, the link that explains it and its timeline."""
    count = a.get("count") or 1
    return html.Article(
        [
            html.Div(
                [
                    level_chip(a["level"]),
                    html.Span(a["rule_title"], className="alert-rule"),
                    *state_chips(a),
                    age(a["raised_at"], now),
                ],
                className="alert-head",
            ),
            html.Div(a["message"], className="alert-message"),
            html.Div(
                [
                    html.Span(path_text(a), className="alert-path"),
                    html.Span(
                        f"× {fmt_number(count)}",
                        className="alert-count",
                        title="veces que se repitió",
                    )
                    if count > 1
                    else None,
                    html.Span(_value_line(a), className="alert-value"),
                ],
                className="alert-meta",
            ),
            html.Div(
                [
                    *(action_buttons(a) if can_act else []),
                    dcc.Link(
                        f"Ver en {a['link'].split('?')[0]} →",
                        href=a["link"],
                        className="alert-link",
                    ),
                    timeline(a),
                ],
                className="alert-actions",
            ),
        ],
        className=f"alert-card lvl-{a['level']} state-{a['state']}"
        + (" escalated" if a.get("escalated") and a["state"] == "abierta" else ""),
        **{"data-alert-id": str(a["id"]), "data-level": str(a["level"]), "data-state": a["state"]},
    )


def alert_list(alerts: list[dict[str, Any]], total: int, now: datetime, can_act: bool) -> list[Any]:
    if not alerts:
        return [
            html.Div(
                [
                    html.Div("No hay alertas con estos filtros.", className="empty-title"),
                    html.Div("Las alertas nuevas aparecen aquí solas, sin recargar la página."),
                ],
                className="empty-state",
            )
        ]
    out: list[Any] = [alert_card(a, now, can_act) for a in alerts]
    if total > len(alerts):
        out.append(
            html.Div(
                f"Se muestran {fmt_number(len(alerts))} de {fmt_number(total)} alertas: "
                "afine los filtros para ver las demás.",
                className="alert-more",
            )
        )
    return out


# -- the wall (/muro) --------------------------------------------------------------------


def place_text(a: dict[str, Any]) -> str:
    """Where the alert is, as the room says it: the territory and, below estado level, its
    estado in brackets (circuito names repeat across estados)."""
    own = a.get("territory_name") or "—"
    path = a.get("territory_path") or []
    estado = path[0] if a.get("estado_code") and path else None
    return f"{own} ({estado})" if estado and estado != own else own


def wall_item(a: dict[str, Any], now: datetime, big: bool = False) -> html.Div:
    """A compact alert for the wall, readable from several metres. The banner's one-line
    item (``big``) says what and where (rule, then place) instead of the long message, which
    a line cut after the place; the message stays as its tooltip."""
    head: list[Any] = [html.Span(f"Nivel {a['level']}", className=f"alert-level lvl-{a['level']}")]
    if big:
        head.append(html.Span(a["rule_title"], className="wall-alert-rule"))
    head += [*state_chips(a)[1 if a["state"] == "abierta" else 0 :], age(a["raised_at"], now)]
    text = place_text(a) if big else a["message"]
    return html.Div(
        [
            html.Div(head, className="wall-alert-head"),
            html.Div(text, className="wall-alert-message", title=a["message"] if big else None),
        ],
        className=f"wall-alert lvl-{a['level']} state-{a['state']}" + (" big" if big else ""),
        **{"data-alert-id": str(a["id"]), "data-level": str(a["level"]), "data-state": a["state"]},
    )


def wall_panel_shell() -> html.Section:
    """The wall's alert column; ``callbacks/alertas.py`` fills ``muro-alerts``."""
    return html.Section(
        [
            html.Div(
                [
                    html.H2("Alertas", className="muro-panel-title"),
                    html.Span(id="muro-alerts-count", className="muro-alerts-count"),
                ],
                className="muro-panel-head",
            ),
            html.Div(id="muro-alerts", className="wall-alerts"),
        ],
        className="muro-panel muro-alerts-panel",
        **{"data-panel": "alertas"},
    )


def wall_panel(alerts: list[dict[str, Any]], total: int, now: datetime) -> list[Any]:
    """Unresolved alerts, highest level first (the caller sorts), at most :data:`WALL_SHOWN`."""
    if not alerts:
        return [html.Div("Sin alertas abiertas en este ámbito.", className="wall-alerts-empty")]
    shown = alerts[:WALL_SHOWN]
    # The list shows only whole cards: those that do not fit wrap out of sight
    # (assets/muro.css), so the footer names where the rest are rather than a count.
    out: list[Any] = [html.Div([wall_item(a, now) for a in shown], className="wall-alerts-list")]
    if total > 1:
        out.append(html.Div("Lista completa en /alertas", className="wall-alerts-more"))
    return out


def banner(level5: list[dict[str, Any]], now: datetime) -> html.Div | None:
    """The full-width banner while any level-5 alert in scope is unacknowledged (None when
    none is): it holds those alerts, newest first, each with ``data-alert-id``."""
    if not level5:
        return None
    newest = sorted(level5, key=lambda a: a["raised_at"], reverse=True)[:BANNER_MAX]
    n = len(level5)
    label = "ALERTA CRÍTICA" if n == 1 else f"{fmt_number(n)} ALERTAS CRÍTICAS"
    return html.Div(
        [
            html.Div([label, html.Small("sin reconocer")], className="alert-banner-label"),
            html.Div([wall_item(a, now, big=True) for a in newest], className="alert-banner-items"),
        ],
        className="alert-banner",
        role="alert",
        **{"data-alert-banner": "", "data-count": str(n)},
    )
