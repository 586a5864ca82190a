"""Reading alerts inside the caller's scope: the list, one alert, counts for headers and metrics.

Every function takes the territory the caller may see (``ref``, None = national) and
restricts to alerts raised on it or below it, so a scoped caller never sees, counts or finds
an alert outside its scope (an alert it may not see is reported as missing, not forbidden).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from data.models import ALERT_STATES, Alert, AlertNote, AlertRule, Territory
from data.scope import TerritoryRef, territory_clause

STATE_ORDER = case(
    (Alert.state == "abierta", 0), (Alert.state == "reconocida", 1), else_=2
)  # open first
UNRESOLVED = ("abierta", "reconocida")
MAX_LIST = 1000

_places = {
    level: aliased(Territory, name=f"t_{level}")
    for level in ("estado", "municipio", "parroquia", "circuito")
}
_own = aliased(Territory, name="t_own")


def _select() -> Select[Any]:
    """Alerts with their rule's title and the names along their territorial path."""
    columns = [
        Alert,
        AlertRule.title,
        AlertRule.operator,
        _own.name,
        *(_places[level].name for level in _places),
    ]
    stmt = select(*columns).outerjoin(AlertRule, AlertRule.slug == Alert.rule)
    stmt = stmt.outerjoin(_own, _own.code == Alert.territory_code)
    for level, place in _places.items():
        stmt = stmt.outerjoin(place, place.code == getattr(Alert, f"{level}_code"))
    return stmt


def _row(
    alert: Alert, title: str | None, operator: str | None, own: str | None, *path: str | None
) -> dict[str, Any]:
    names = [n for n in path if n]
    if own and (not names or names[-1] != own):
        names.append(own)
    return {
        "id": alert.id,
        "rule": alert.rule,
        "rule_title": title or alert.rule,
        "operator": operator,
        "area": alert.area,
        "level": alert.level,
        "state": alert.state,
        "escalated": alert.escalated_at is not None,
        "escalated_at": alert.escalated_at,
        "territory_code": alert.territory_code,
        "territory_name": own or alert.territory_code,
        "territory_path": names,
        "estado_code": alert.estado_code,
        "municipio_code": alert.municipio_code,
        "parroquia_code": alert.parroquia_code,
        "circuito_code": alert.circuito_code,
        "message": alert.message,
        "detail": alert.detail,
        "value": alert.value,
        "threshold": alert.threshold,
        "count": alert.count,
        "raised_at": alert.raised_at,
        "last_seen_at": alert.last_seen_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by,
        "resolved_at": alert.resolved_at,
        "resolved_by": alert.resolved_by,
        "resolved_value": alert.resolved_value,
    }


def notes_of(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The timeline of each alert: ``{id: [{at, by, kind, text}, ...]}``, oldest first."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return out
    stmt = (
        select(AlertNote.alert_id, AlertNote.at, AlertNote.author, AlertNote.kind, AlertNote.text)
        .where(AlertNote.alert_id.in_(ids))
        .order_by(AlertNote.alert_id, AlertNote.at, AlertNote.id)
    )
    for alert_id, at, author, kind, text in session.execute(stmt).all():
        out[alert_id].append({"at": at, "by": author, "kind": kind, "text": text})
    return out


def list_alerts(
    session: Session,
    ref: TerritoryRef | None,
    state: str | None = None,
    level_min: int | None = None,
    area: str | None = None,
    limit: int = 200,
    with_notes: bool = True,
    states: tuple[str, ...] | None = None,
    level_first: bool = False,
) -> list[dict[str, Any]]:
    """Alerts on ``ref`` and below: unresolved first, then by level (highest first), newest
    first (``level_first``: by level before state, as the wall shows them). ``state`` or
    ``states`` narrows the states, ``level_min`` the levels."""
    stmt = _select().where(territory_clause(Alert, ref))
    if state:
        stmt = stmt.where(Alert.state == state)
    elif states:
        stmt = stmt.where(Alert.state.in_(states))
    if level_min:
        stmt = stmt.where(Alert.level >= level_min)
    if area:
        stmt = stmt.where(Alert.area == area)
    order = (Alert.level.desc(), STATE_ORDER) if level_first else (STATE_ORDER, Alert.level.desc())
    stmt = stmt.order_by(*order, Alert.raised_at.desc(), Alert.id.desc())
    rows = [_row(*r) for r in session.execute(stmt.limit(max(1, min(limit, MAX_LIST)))).all()]
    if with_notes:
        notes = notes_of(session, [r["id"] for r in rows])
        for r in rows:
            r["notes"] = notes.get(r["id"], [])
    return rows


def count_alerts(
    session: Session,
    ref: TerritoryRef | None,
    state: str | None = None,
    level_min: int | None = None,
    area: str | None = None,
    states: tuple[str, ...] | None = None,
) -> int:
    """How many alerts :func:`list_alerts` would list without its limit."""
    stmt = select(func.count()).select_from(Alert).where(territory_clause(Alert, ref))
    if state:
        stmt = stmt.where(Alert.state == state)
    elif states:
        stmt = stmt.where(Alert.state.in_(states))
    if level_min:
        stmt = stmt.where(Alert.level >= level_min)
    if area:
        stmt = stmt.where(Alert.area == area)
    return int(session.scalar(stmt) or 0)


def get_alert(session: Session, ref: TerritoryRef | None, alert_id: int) -> dict[str, Any] | None:
    """One alert with its timeline, or None when it does not exist or lies outside ``ref``."""
    row = session.execute(
        _select().where(Alert.id == alert_id, territory_clause(Alert, ref))
    ).first()
    if row is None:
        return None
    out = _row(*row)
    out["notes"] = notes_of(session, [alert_id]).get(alert_id, [])
    return out


def counts_by_level_state(session: Session, ref: TerritoryRef | None) -> list[dict[str, Any]]:
    """``[{"state", "level", "n"}]`` of every alert on ``ref`` and below (metrics, reports);
    every state × level pair appears, with zeros."""
    stmt = (
        select(Alert.state, Alert.level, func.count())
        .where(territory_clause(Alert, ref))
        .group_by(Alert.state, Alert.level)
    )
    found = {(s, int(lv)): int(n) for s, lv, n in session.execute(stmt).all()}
    return [
        {"state": s, "level": lv, "n": found.get((s, lv), 0)}
        for s in ALERT_STATES
        for lv in range(1, 6)
    ]


def open_summary(session: Session, ref: TerritoryRef | None) -> dict[str, Any]:
    """The header badge: unacknowledged alerts (``abierta``), acknowledged ones, the highest
    level among the unacknowledged, and how many are escalated ("sin atender")."""
    stmt = (
        select(
            Alert.state,
            func.count(),
            func.max(Alert.level),
            func.sum(case((Alert.escalated_at.is_not(None), 1), else_=0)),
        )
        .where(territory_clause(Alert, ref), Alert.state.in_(UNRESOLVED))
        .group_by(Alert.state)
    )
    by_state = {s: (int(n), lv, int(esc or 0)) for s, n, lv, esc in session.execute(stmt).all()}
    opened = by_state.get("abierta", (0, None, 0))
    return {
        "open": opened[0],
        "acknowledged": by_state.get("reconocida", (0, None, 0))[0],
        "max_level": opened[1],
        "escalated": opened[2],
    }


def wall_alerts(
    session: Session, ref: TerritoryRef | None, limit: int = 60
) -> list[dict[str, Any]]:
    """The wall's unresolved alerts, highest level first, unacknowledged first, newest first:
    one lean query (no notes; the rule's title and the names the banner says: the territory
    and its estado) for the panel and the level-5 banner alike."""
    estado = _places["estado"]
    stmt = (
        select(
            Alert.id,
            Alert.rule,
            Alert.level,
            Alert.state,
            Alert.message,
            Alert.raised_at,
            Alert.escalated_at,
            Alert.acknowledged_by,
            Alert.territory_code,
            Alert.estado_code,
            AlertRule.title,
            _own.name.label("own_name"),
            estado.name.label("estado_name"),
        )
        .outerjoin(AlertRule, AlertRule.slug == Alert.rule)
        .outerjoin(_own, _own.code == Alert.territory_code)
        .outerjoin(estado, estado.code == Alert.estado_code)
        .where(territory_clause(Alert, ref), Alert.state.in_(UNRESOLVED))
        .order_by(Alert.level.desc(), STATE_ORDER, Alert.raised_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "rule": row.rule,
            "level": row.level,
            "state": row.state,
            "message": row.message,
            "raised_at": row.raised_at,
            "escalated": row.escalated_at is not None,
            "acknowledged_by": row.acknowledged_by,
            "territory_code": row.territory_code,
            "estado_code": row.estado_code,
            "rule_title": row.title or row.rule,
            "territory_name": row.own_name or row.territory_code,
            "territory_path": [row.estado_name] if row.estado_name else [],
        }
        for row in session.execute(stmt).all()
    ]
