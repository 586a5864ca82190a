"""The audit log: who did what, when and from where.

Callers record inside the transaction of the action itself, so an action and its audit
row are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import AuditLog


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any] | None
    ip: str | None


def record(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any] | str | None = None,
    ip: str | None = None,
) -> None:
    """Add one entry (the caller commits). ``action`` is a short verb like ``login``."""
    if isinstance(detail, str):
        detail = {"mensaje": detail}
    session.add(AuditLog(at=utcnow(), actor=actor[:120], action=action[:60], detail=detail, ip=ip))
    session.flush()


def latest(session: Session, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
    """The newest ``limit`` entries, optionally of one action."""
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return [AuditEntry(r.at, r.actor, r.action, r.detail, r.ip) for r in session.scalars(stmt)]


def actions(session: Session) -> list[str]:
    """Every action recorded so far (for the admin filter)."""
    return list(session.scalars(select(distinct(AuditLog.action)).order_by(AuditLog.action)))
