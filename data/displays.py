"""Display tokens: secret URLs that log an unattended wall screen in as ``pantalla``.

Only a SHA-256 hash of each secret is stored (long random secrets need no stretching).
Opening the link starts a server-side session for the screen (``data.sessions``); revoking
the display ends its sessions and refuses its link, at the screen's next request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data import sessions
from data.models import DisplayToken, Territory
from data.scope import NATIONAL, OutOfScope, Scope, resolve, territory_clause


class DisplayError(ValueError):
    """A display command got bad arguments; the Spanish message says what to do."""


@dataclass(frozen=True)
class DisplayInfo:
    id: int
    name: str
    territory_code: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None


def _info(row: DisplayToken) -> DisplayInfo:
    return DisplayInfo(
        row.id, row.name, row.territory_code, row.created_at, row.revoked_at, row.last_seen_at
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_display(
    session: Session, name: str, territory_code: str | None = None, scope: Scope = NATIONAL
) -> tuple[DisplayInfo, str]:
    """Store a new display token; return it and its secret (shown once, never stored).

    The territory must lie in the creator's ``scope`` (None means the scope's root)."""
    name = name.strip()
    if not name:
        raise DisplayError("El nombre de la pantalla no puede estar vacío.")
    if session.scalar(select(DisplayToken).where(DisplayToken.name == name)) is not None:
        raise DisplayError(f"Ya existe una pantalla llamada {name!r}; revóquela o use otro nombre.")
    root = resolve(session, scope, territory_code)  # UnknownTerritory / OutOfScope
    territory_code = root.code if root else None
    secret = secrets.token_urlsafe(32)
    row = DisplayToken(
        name=name,
        territory_code=territory_code or None,
        token_hash=_hash(secret),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _info(row), secret


def revoke_display(session: Session, name: str, scope: Scope = NATIONAL) -> DisplayInfo:
    """Revoke a screen's link and end its sessions (refused at its next request)."""
    row = session.scalar(select(DisplayToken).where(DisplayToken.name == name))
    if row is None:
        raise DisplayError(f"No hay una pantalla llamada {name!r}.")
    if not scope.is_national:
        if row.territory_code is None:
            raise OutOfScope("nacional")
        resolve(session, scope, row.territory_code)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    sessions.end_for_display(session, row.id)
    return _info(row)


def display_by_secret(session: Session, secret: str) -> DisplayInfo | None:
    """The live display whose URL carries ``secret``; None if unknown or revoked."""
    if not secret:
        return None
    row = session.scalar(select(DisplayToken).where(DisplayToken.token_hash == _hash(secret)))
    return _info(row) if row is not None and row.revoked_at is None else None


def list_displays(session: Session, scope: Scope = NATIONAL) -> list[DisplayInfo]:
    """Displays whose territory lies in ``scope`` (national ones only for a national scope)."""
    stmt = select(DisplayToken).order_by(DisplayToken.name)
    if not scope.is_national:
        stmt = stmt.join(Territory, Territory.code == DisplayToken.territory_code).where(
            territory_clause(Territory, scope.root)
        )
    return [_info(r) for r in session.scalars(stmt)]
