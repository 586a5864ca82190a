"""Writing alerts: open, update, resolve, acknowledge, escalate; notes, audit, webhooks, events.

Every change runs inside the caller's transaction and is recorded three more times in it:
a note on the alert's timeline, the ``alerts`` data version, and one outbox row per webhook
that wants it. :class:`Changes` collects what changed; :func:`publish` announces it on the
bus after the commit (the same path as ingest), so screens update within a second.

State transitions are conditional updates (``WHERE state = 'abierta'``...), so a person and
the evaluator acting on the same alert at once never both win.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data import audit, versions
from data.bus import get_bus
from data.models import (
    OPEN_ALERT_PREDICATE,
    PATH_COLUMNS,
    Alert,
    AlertNote,
    AlertOutbox,
    AlertPending,
    AlertWebhook,
)
from data.queries.alerts import get_alert
from data.scope import TerritoryRef

log = logging.getLogger("sala.alerts")

AUTOMATIC = "automática"
MAX_ITEMS = 50  # alert items per bus event (as ingest events)
MAX_COMMENT = 2000
WEBHOOK_EVENTS = ("abierta", "escalada", "reconocida", "resuelta")


class AlertNotFound(LookupError):
    """No such alert in the caller's scope (the API answers 404, as if it did not exist)."""


class AlertConflict(ValueError):
    """The alert is not in a state that allows the action (already acknowledged, resolved)."""


@dataclass
class Changes:
    """What one transaction changed, to announce after its commit."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, alert: Alert, action: str) -> None:
        self.items.append(
            {
                "id": alert.id,
                "action": action,
                "rule": alert.rule,
                "level": alert.level,
                "state": alert.state,
                "escalated": alert.escalated_at is not None,
                "message": alert.message,
                "territory_code": alert.territory_code,
                **{column: getattr(alert, column) for column in PATH_COLUMNS},
            }
        )

    def __bool__(self) -> bool:
        return bool(self.items)

    def events(self, at: datetime | None = None) -> list[dict[str, Any]]:
        """Bus events of at most :data:`MAX_ITEMS` items each; ``estados`` lets the push
        skip tabs of other estados at once."""
        stamp = (at or utcnow()).isoformat()
        out = []
        for start in range(0, len(self.items), MAX_ITEMS):
            items = self.items[start : start + MAX_ITEMS]
            out.append(
                {
                    "type": "alert",
                    "at": stamp,
                    "alerts": len(items),
                    "estados": sorted({i["estado_code"] for i in items if i.get("estado_code")}),
                    "items": items,
                }
            )
        return out


def publish(changes: Changes) -> None:
    """Announce committed changes; a bus failure is logged (screens catch up by polling)."""
    if not changes:
        return
    try:
        bus = get_bus()
        for event in changes.events():
            bus.publish(event)
    except Exception:
        log.exception("no se pudo publicar el evento de alertas en el bus")


def note(session: Session, alert_id: int, author: str, kind: str, text_: str, at: datetime) -> None:
    session.add(AlertNote(alert_id=alert_id, at=at, author=author[:120], kind=kind, text=text_))


def touched(session: Session, changes: Changes) -> None:
    """Bump the ``alerts`` data version when something visible changed (same transaction)."""
    if changes:
        versions.bump(session, ["alerts"])


# -- webhooks ----------------------------------------------------------------------------


def _wants(hook: AlertWebhook, alert: Alert) -> bool:
    if alert.level < hook.min_level:
        return False
    if not hook.territory_code:
        return True
    if hook.territory_level in ("estado", "municipio", "parroquia", "circuito"):
        return getattr(alert, f"{hook.territory_level}_code") == hook.territory_code
    return alert.territory_code == hook.territory_code


def enqueue(session: Session, alert: Alert, event: str, now: datetime) -> int:
    """One outbox row per enabled webhook whose scope and minimum level take this alert; the
    body is frozen now (the alert as it is at this change)."""
    hooks = [
        h
        for h in session.scalars(select(AlertWebhook).where(AlertWebhook.enabled))
        if _wants(h, alert)
    ]
    if not hooks:
        return 0
    session.flush()
    body = get_alert(session, None, alert.id)
    payload = json.dumps(
        {"event": f"alerta.{event}", "at": now.isoformat(), "alert": body},
        default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    session.execute(
        insert(AlertOutbox),
        [
            {
                "webhook_id": h.id,
                "alert_id": alert.id,
                "event": f"alerta.{event}",
                "body": payload,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for h in hooks
        ],
    )
    return len(hooks)


# -- the evaluator's writes -------------------------------------------------------------


def _insert_open(session: Session, row: dict[str, Any]) -> int | None:
    """Insert an open alert unless one is already open for (rule, territory): the partial
    unique index decides, so two evaluators can never both open it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(Alert)
        .values(**row)
        .on_conflict_do_nothing(
            index_elements=["rule", "territory_code"], index_where=text(OPEN_ALERT_PREDICATE)
        )
        .returning(Alert.id)
    )
    return session.execute(stmt).scalar()


def open_alert(
    session: Session, row: dict[str, Any], now: datetime, changes: Changes
) -> Alert | None:
    """Open a new alert (``row``: rule, territory, level, message...); None if it was open."""
    alert_id = _insert_open(
        session, {**row, "state": "abierta", "raised_at": now, "last_seen_at": now}
    )
    if alert_id is None:
        return None
    alert = session.get(Alert, alert_id)
    assert alert is not None
    session.execute(
        delete(AlertPending).where(
            AlertPending.rule == alert.rule, AlertPending.territory_code == alert.territory_code
        )
    )
    note(session, alert.id, AUTOMATIC, "abierta", alert.message, now)
    enqueue(session, alert, "abierta", now)
    changes.add(alert, "abierta")
    return alert


def refresh_alert(
    session: Session,
    alert: Alert,
    value: float | None,
    count: int,
    message: str,
    detail: str,
    now: datetime,
    changes: Changes,
) -> None:
    """A later match with a new value (or new evidence): value, count, message, last seen."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.state != "resuelta")
        .values(value=value, count=count, message=message, detail=detail, last_seen_at=now)
    )
    if result.rowcount:
        session.refresh(alert)
        changes.add(alert, "actualizada")


def seen(session: Session, ids: list[int], now: datetime) -> None:
    """Later matches with nothing new: only ``last_seen_at`` moves (no event, no version)."""
    for start in range(0, len(ids), 500):
        session.execute(
            update(Alert)
            .where(Alert.id.in_(ids[start : start + 500]), Alert.state != "resuelta")
            .values(last_seen_at=now)
        )


def resolve_automatically(
    session: Session,
    alert: Alert,
    value: float | None,
    reason: str,
    now: datetime,
    changes: Changes,
) -> bool:
    """The condition cleared: resolve "automática" with the value that cleared it."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.state != "resuelta")
        .values(
            state="resuelta",
            resolved_at=now,
            resolved_by=AUTOMATIC,
            resolved_value=value,
            last_seen_at=now,
        )
    )
    if not result.rowcount:
        return False
    session.refresh(alert)
    note(session, alert.id, AUTOMATIC, "resuelta", reason, now)
    enqueue(session, alert, "resuelta", now)
    changes.add(alert, "resuelta")
    return True


def escalate_due(session: Session, now: datetime, minutes: int, changes: Changes) -> int:
    """Mark "sin atender" every alert of level 4 or 5 still unacknowledged ``minutes`` after
    it was raised."""
    cutoff = now - timedelta(minutes=minutes)
    due = list(
        session.scalars(
            select(Alert).where(
                Alert.state == "abierta",
                Alert.level >= 4,
                Alert.escalated_at.is_(None),
                Alert.raised_at <= cutoff,
            )
        )
    )
    escalated = 0
    for alert in due:
        result = session.execute(
            update(Alert)
            .where(Alert.id == alert.id, Alert.state == "abierta", Alert.escalated_at.is_(None))
            .values(escalated_at=now)
        )
        if not result.rowcount:
            continue
        session.refresh(alert)
        note(
            session,
            alert.id,
            AUTOMATIC,
            "escalada",
            f"Sin atender: nadie la reconoció en {minutes} min.",
            now,
        )
        enqueue(session, alert, "escalada", now)
        changes.add(alert, "escalada")
        escalated += 1
    return escalated


# -- people and machines acting on an alert ----------------------------------------------


def _in_scope(session: Session, ref: TerritoryRef | None, alert_id: int) -> Alert:
    if get_alert(session, ref, alert_id) is None:
        raise AlertNotFound(alert_id)
    alert = session.get(Alert, alert_id)
    assert alert is not None
    return alert


def _clean(comment: str | None) -> str:
    text_ = (comment or "").strip()
    if len(text_) > MAX_COMMENT:
        raise ValueError(f"El comentario no puede pasar de {MAX_COMMENT} caracteres.")
    return text_


def acknowledge(
    session: Session,
    ref: TerritoryRef | None,
    alert_id: int,
    actor: str,
    comment: str | None,
    changes: Changes,
    ip: str | None = None,
    now: datetime | None = None,
) -> Alert:
    """``abierta`` → ``reconocida`` by ``actor`` (a user or token name), with a comment."""
    now = now or utcnow()
    text_ = _clean(comment)
    alert = _in_scope(session, ref, alert_id)
    if alert.state != "abierta":
        raise AlertConflict(_why_not(alert, "reconocer"))
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.state == "abierta")
        .values(state="reconocida", acknowledged_at=now, acknowledged_by=actor[:120])
    )
    if not result.rowcount:
        session.refresh(alert)
        raise AlertConflict(_why_not(alert, "reconocer"))
    session.refresh(alert)
    note(session, alert_id, actor, "reconocida", text_ or "Reconocida.", now)
    _audit(session, actor, "alerta_reconocida", alert, text_, ip)
    enqueue(session, alert, "reconocida", now)
    changes.add(alert, "reconocida")
    touched(session, changes)
    return alert


def resolve(
    session: Session,
    ref: TerritoryRef | None,
    alert_id: int,
    actor: str,
    comment: str | None,
    changes: Changes,
    ip: str | None = None,
    now: datetime | None = None,
) -> Alert:
    """→ ``resuelta`` by ``actor``. While the condition still holds the rule does not reopen
    it (``retenida``), until the condition clears or, for counted rules, new evidence comes."""
    now = now or utcnow()
    text_ = _clean(comment)
    alert = _in_scope(session, ref, alert_id)
    if alert.state == "resuelta":
        raise AlertConflict(_why_not(alert, "resolver"))
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.state != "resuelta")
        .values(state="resuelta", resolved_at=now, resolved_by=actor[:120])
    )
    if not result.rowcount:
        session.refresh(alert)
        raise AlertConflict(_why_not(alert, "resolver"))
    session.refresh(alert)
    if alert.territory_code:
        session.execute(
            delete(AlertPending).where(
                AlertPending.rule == alert.rule, AlertPending.territory_code == alert.territory_code
            )
        )
        session.add(
            AlertPending(
                rule=alert.rule,
                territory_code=alert.territory_code,
                kind="retenida",
                since=now,
                value=alert.value,
            )
        )
    note(session, alert_id, actor, "resuelta", text_ or "Resuelta.", now)
    _audit(session, actor, "alerta_resuelta", alert, text_, ip)
    enqueue(session, alert, "resuelta", now)
    changes.add(alert, "resuelta")
    touched(session, changes)
    return alert


def _why_not(alert: Alert, verb: str) -> str:
    if alert.state == "resuelta":
        who = alert.resolved_by or AUTOMATIC
        return f"No se puede {verb}: la alerta ya está resuelta ({who})."
    return f"No se puede {verb}: la alerta ya fue reconocida por {alert.acknowledged_by}."


def _audit(
    session: Session, actor: str, action: str, alert: Alert, comment: str, ip: str | None
) -> None:
    audit.record(
        session,
        actor,
        action,
        {
            "alerta": alert.id,
            "regla": alert.rule,
            "territorio": alert.territory_code,
            "nivel": alert.level,
            "comentario": comment[:200],
        },
        ip,
        territory=alert.territory_code,  # scoped admins see the actions in their territory
    )
