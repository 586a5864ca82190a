"""Server-side sessions: a logged-in browser is a row here, and ends when the row goes.

The browser's cookie carries a random secret; only its SHA-256 is stored, so a copy of the
database opens no session. Every request looks its session up (one indexed query, joined
to the user or the screen), which is what lets logout, a new password, deactivation and
revocation act on the very next request, on every worker, with no cache to wait for.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, literal, select, update
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import AuthSession, DisplayToken, User
from data.types import UTCDateTime

USER_SESSION = timedelta(hours=12)  # a shift plus margin; then log in again
DISPLAY_SESSION = timedelta(days=400)  # the longest browsers keep a cookie
SEEN_EVERY = timedelta(minutes=1)  # a screen's last_seen_at is written at most this often


@dataclass(frozen=True)
class SessionOwner:
    """Who a live session belongs to: a user or a wall screen."""

    kind: str  # "user" | "display"
    name: str
    role: str
    territory_code: str | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def start(
    session: Session,
    *,
    user_id: int | None = None,
    display_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """A new session for a user or a screen; returns the secret for its cookie (the only
    copy). Expired sessions are swept away on the way."""
    now = now or utcnow()
    lifetime = USER_SESSION if user_id is not None else DISPLAY_SESSION
    secret = secrets.token_urlsafe(32)
    session.execute(
        delete(AuthSession).where(AuthSession.expires_at <= literal(now, UTCDateTime()))
    )
    session.add(
        AuthSession(
            id=_hash(secret),
            user_id=user_id,
            display_id=display_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return secret


def owner(session: Session, secret: str, now: datetime | None = None) -> SessionOwner | None:
    """The user or screen of a live session; None once it ended, expired, or its user was
    deactivated or its screen revoked."""
    if not secret:
        return None
    now = now or utcnow()
    row = session.execute(
        select(
            AuthSession.user_id,
            AuthSession.display_id,
            User.username,
            User.role,
            User.territory_code,
            User.active,
            DisplayToken.name,
            DisplayToken.territory_code.label("display_territory"),
            DisplayToken.revoked_at,
            DisplayToken.last_seen_at,
        )
        .outerjoin(User, User.id == AuthSession.user_id)
        .outerjoin(DisplayToken, DisplayToken.id == AuthSession.display_id)
        .where(AuthSession.id == _hash(secret), AuthSession.expires_at > now)
    ).first()
    if row is None:
        return None
    if row.user_id is not None:
        if not row.active:
            return None
        return SessionOwner("user", row.username, row.role, row.territory_code)
    if row.display_id is not None and row.revoked_at is None:
        if row.last_seen_at is None or now - row.last_seen_at >= SEEN_EVERY:
            session.execute(
                update(DisplayToken)
                .where(DisplayToken.id == row.display_id)
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
        return SessionOwner("display", row.name, "pantalla", row.display_territory)
    return None


def end(session: Session, secret: str) -> bool:
    """Log out: the session is gone, its cookie refused from now on."""
    if not secret:
        return False
    result = session.execute(delete(AuthSession).where(AuthSession.id == _hash(secret)))
    return bool(result.rowcount)


def end_for_user(session: Session, user_id: int) -> None:
    """Every session of a user (new password, deactivation)."""
    session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


def end_for_display(session: Session, display_id: int) -> None:
    """Every session of a wall screen (revocation)."""
    session.execute(delete(AuthSession).where(AuthSession.display_id == display_id))
