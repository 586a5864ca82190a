"""The audit log: who did what, when, from where, and about which territory.

Callers record inside the transaction of the action itself, so an action and its audit
row are stored together or not at all. Each entry names the territory it is about (the
user, screen, token or data concerned); reading the log takes the reader's scope, so an
admin bound to an estado sees only the entries about that estado and below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, distinct, select
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import PATH_COLUMNS, AuditLog, Territory
from data.scope import NATIONAL, Scope, territory_clause


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any] | None
    ip: str | None
    territory_code: str | None = None


def record(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any] | str | None = None,
    ip: str | None = None,
    territory: str | None = None,
) -> None:
    """Add one entry (the caller commits). ``action`` is a short verb like ``login``;
    ``territory`` the code of the territory the entry is about (None: national only)."""
    if isinstance(detail, str):
        detail = {"mensaje": detail}
    place = session.get(Territory, territory) if territory else None
    path = {column: getattr(place, column) for column in PATH_COLUMNS} if place else {}
    session.add(
        AuditLog(
            at=utcnow(),
            actor=actor[:120],
            action=action[:60],
            detail=detail,
            ip=ip,
            territory_code=territory,
            **path,
        )
    )
    session.flush()


def _scoped(stmt: Select[Any], scope: Scope) -> Select[Any]:
    return stmt if scope.is_national else stmt.where(territory_clause(AuditLog, scope.root))


def latest(
    session: Session, limit: int = 100, action: str | None = None, scope: Scope = NATIONAL
) -> list[AuditEntry]:
    """The newest ``limit`` entries about territories inside ``scope``, optionally of one
    action. A national scope sees every entry, including those about no territory."""
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return [
        AuditEntry(r.at, r.actor, r.action, r.detail, r.ip, r.territory_code)
        for r in session.scalars(_scoped(stmt, scope))
    ]


def actions(session: Session, scope: Scope = NATIONAL) -> list[str]:
    """Every action recorded so far in ``scope`` (for the admin filter)."""
    stmt = select(distinct(AuditLog.action)).order_by(AuditLog.action)
    return list(session.scalars(_scoped(stmt, scope)))
