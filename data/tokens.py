"""API tokens: create, verify and revoke. Only a SHA-256 hash of each secret is stored.

Tokens are long random secrets, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import ApiToken, Territory
from data.scope import NATIONAL, OutOfScope, Scope, resolve, territory_clause

TOKEN_ROLES = ("ingest", "read", "operate")  # operate: read + act on alerts in scope
# last_used_at is written at most this often per token, not on every API call.
USED_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token command was given bad arguments; the message says what to do."""


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: str
    territory_code: str | None


@dataclass(frozen=True)
class TokenRow:
    """A token as ``/admin`` lists it (never its secret, which is not stored)."""

    name: str
    role: str
    territory_code: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    name: str,
    role: str,
    territory_code: str | None = None,
    scope: Scope = NATIONAL,
) -> str:
    """Store a new token and return its secret (shown once, never stored).

    The territory must lie in the creator's ``scope`` (None means the scope's root), so an
    administrator of one estado cannot mint a national token."""
    name = name.strip()
    if role not in TOKEN_ROLES:
        raise TokenError(f"Rol desconocido {role!r}: use uno de {', '.join(TOKEN_ROLES)}.")
    if not name:
        raise TokenError("El nombre del token no puede estar vacío.")
    if len(name) > 120:
        raise TokenError("El nombre del token no puede pasar de 120 caracteres.")
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise TokenError(f"Ya existe un token llamado {name!r}; revóquelo o use otro nombre.")
    root = resolve(session, scope, territory_code or None)  # UnknownTerritory / OutOfScope
    territory_code = root.code if root else None
    secret = "sala_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            role=role,
            territory_code=territory_code or None,
            token_hash=hash_token(secret),
            created_at=utcnow(),
        )
    )
    session.flush()
    return secret


def revoke_token(session: Session, name: str, scope: Scope = NATIONAL) -> TokenInfo:
    """Revoke the token ``name``; a scoped administrator only revokes tokens in its scope."""
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise TokenError(f"No hay un token llamado {name!r}.")
    if not scope.is_national:
        if token.territory_code is None:
            raise OutOfScope("nacional")
        resolve(session, scope, token.territory_code)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return TokenInfo(token.name, token.role, token.territory_code)


def verify_token(session: Session, secret: str, now: datetime | None = None) -> TokenInfo | None:
    """The live token matching ``secret``, or None when unknown or revoked.

    Notes when the token was used (at most once a minute, so a busy integration does not
    write on every call); the caller commits."""
    if not secret:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= USED_EVERY:
        # A conditional UPDATE: concurrent calls of one token never write twice in a minute.
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at <= now - USED_EVERY))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return TokenInfo(token.name, token.role, token.territory_code)


def list_tokens(session: Session, scope: Scope = NATIONAL) -> list[TokenRow]:
    """Tokens whose territory lies in ``scope`` (national tokens only for a national scope)."""
    stmt = select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name)
    if not scope.is_national:
        stmt = stmt.join(Territory, Territory.code == ApiToken.territory_code).where(
            territory_clause(Territory, scope.root)
        )
    return [
        TokenRow(t.name, t.role, t.territory_code, t.created_at, t.revoked_at, t.last_used_at)
        for t in session.scalars(stmt)
    ]
