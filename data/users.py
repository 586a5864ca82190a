"""Users: password hashing (argon2id), creation, login with lockout, administration.

Passwords are stretched with argon2id (argon2-cffi defaults). After
:data:`MAX_FAILED_LOGINS` consecutive failures an account is locked for :data:`LOCKOUT`,
so guessing costs hours instead of seconds; the lock lifts by itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import USER_ROLES, Territory, User
from data.scope import NATIONAL, OutOfScope, Scope, resolve, territory_clause

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verified against unknown usernames so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("sala-dummy-password")


class UserError(ValueError):
    """A user operation got bad arguments; the Spanish message says what to do."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    territory_code: str | None
    active: bool
    locked_until: datetime | None
    created_at: datetime
    session_tag: str  # derived from the password hash: a new password ends old sessions


@dataclass(frozen=True)
class LoginResult:
    """``user`` on success; otherwise ``reason``: ``invalid`` or ``locked``."""

    user: UserInfo | None
    reason: str | None = None
    locked_until: datetime | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _info(user: User) -> UserInfo:
    return UserInfo(
        user.id,
        user.username,
        user.role,
        user.territory_code,
        user.active,
        user.locked_until,
        user.created_at,
        hashlib.sha256(user.password_hash.encode()).hexdigest()[:16],
    )


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.")


def has_users(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    territory_code: str | None = None,
    scope: Scope = NATIONAL,
) -> UserInfo:
    """A new active user. ``scope`` is the creator's: the new user's territory must lie in
    it (None means the creator's own root), so a state admin cannot mint a national user."""
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise UserError("El nombre de usuario no puede estar vacío ni tener espacios (máx. 80).")
    if role not in USER_ROLES:
        raise UserError(f"Rol desconocido {role!r}: use uno de {', '.join(USER_ROLES)}.")
    check_password_strength(password)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserError(f"Ya existe el usuario {username!r}.")
    root = resolve(session, scope, territory_code)  # UnknownTerritory / OutOfScope
    territory_code = root.code if root else None
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        territory_code=territory_code or None,
        active=True,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return _info(user)


def _get(session: Session, username: str, scope: Scope = NATIONAL) -> User:
    """The user ``username``, refused with OutOfScope when it lies outside ``scope``."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"No existe el usuario {username!r}.")
    if not scope.is_national:
        if user.territory_code is None:
            raise OutOfScope("nacional")
        resolve(session, scope, user.territory_code)
    return user


def authenticate(
    session: Session, username: str, password: str, now: datetime | None = None
) -> LoginResult:
    """Check a login and update the failure counter and lock (caller commits)."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return LoginResult(None, "invalid")
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, "locked", user.locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = now + LOCKOUT
            return LoginResult(None, "locked", user.locked_until)
        return LoginResult(None, "invalid")
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(_info(user))


def active_user(session: Session, user_id: int) -> UserInfo | None:
    """The user behind a session cookie, or None when deleted or deactivated."""
    user = session.get(User, user_id)
    return _info(user) if user is not None and user.active else None


def list_users(session: Session, scope: Scope = NATIONAL) -> list[UserInfo]:
    """Users whose territory lies in ``scope`` (national users only for a national scope)."""
    stmt = select(User).order_by(User.username)
    if not scope.is_national:
        stmt = stmt.join(Territory, Territory.code == User.territory_code).where(
            territory_clause(Territory, scope.root)
        )
    return [_info(u) for u in session.scalars(stmt)]


def set_active(session: Session, username: str, active: bool, scope: Scope = NATIONAL) -> None:
    _get(session, username, scope).active = active


def set_password(session: Session, username: str, password: str, scope: Scope = NATIONAL) -> None:
    check_password_strength(password)
    user = _get(session, username, scope)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
