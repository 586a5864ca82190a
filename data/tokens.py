"""API tokens: create, verify and revoke. Only a SHA-256 hash of each secret is stored.

Tokens are long random secrets, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import ApiToken
from data.scope import get_territory

TOKEN_ROLES = ("ingest", "read", "operate")  # operate: read + act on alerts in scope


class TokenError(ValueError):
    """A token command was given bad arguments; the message says what to do."""


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: str
    territory_code: str | None


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, role: str, territory_code: str | None = None) -> str:
    """Store a new token and return its secret (shown once, never stored)."""
    if role not in TOKEN_ROLES:
        raise TokenError(f"Rol desconocido {role!r}: use uno de {', '.join(TOKEN_ROLES)}.")
    if not name.strip():
        raise TokenError("El nombre del token no puede estar vacío.")
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise TokenError(f"Ya existe un token llamado {name!r}; revóquelo o use otro nombre.")
    if territory_code:
        get_territory(session, territory_code)  # raises UnknownTerritory
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


def revoke_token(session: Session, name: str) -> None:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise TokenError(f"No hay un token llamado {name!r}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def verify_token(session: Session, secret: str) -> TokenInfo | None:
    """The live token matching ``secret``, or None when unknown or revoked."""
    if not secret:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return TokenInfo(token.name, token.role, token.territory_code)
