"""Users: password hashing (argon2id), creation, login with lockout, administration.

Passwords are stretched with argon2id (argon2-cffi defaults). Guessing is slowed twice,
both decided atomically in the database (``data.throttle``) before a password is checked:
an account (known or not) takes at most :data:`MAX_FAILED_LOGINS` failures per
:data:`LOCKOUT`, then is locked for as long; one address takes at most
:data:`ADDRESS_MAX_FAILURES` failures per :data:`LOCKOUT` over all accounts, so nobody can
lock every account from one machine. Unknown and existing users get the same answers and
cost the same work (a dummy hash is checked for unknown ones).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data import sessions, throttle
from data.db import session_scope
from data.models import USER_ROLES, Territory, User
from data.scope import NATIONAL, OutOfScope, Scope, resolve, territory_clause

MAX_FAILED_LOGINS = 5
ADDRESS_MAX_FAILURES = 20
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10
MAX_USERNAME = 80

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against unknown usernames so a wrong name costs as long as a wrong password
    (computed on first use: an argon2 hash at import slowed every start)."""
    return _hasher.hash("sala-dummy-password")


class UserError(ValueError):
    """A user operation got bad arguments; the Spanish message says what to do."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    territory_code: str | None
    active: bool
    created_at: datetime
    locked_until: datetime | None = None  # filled by list_users


@dataclass(frozen=True)
class LoginResult:
    """``user`` and ``session_secret`` (for the cookie) on success; otherwise ``reason``:
    ``invalid``, ``locked`` (the account, ``until``) or ``throttled`` (the address).
    ``territory_code`` is the tried account's, for the audit log only: never show it."""

    user: UserInfo | None
    reason: str | None = None
    until: datetime | None = None
    territory_code: str | None = None
    session_secret: str | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _info(user: User, locked_until: datetime | None = None) -> UserInfo:
    return UserInfo(
        user.id,
        user.username,
        user.role,
        user.territory_code,
        user.active,
        user.created_at,
        locked_until,
    )


def account_key(username: str) -> str:
    return f"usuario:{username}"


def address_key(address: str | None) -> str:
    return f"ip:{address or 'desconocida'}"


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.")


def has_users(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


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
    if not username or len(username) > MAX_USERNAME or any(c.isspace() for c in username):
        raise UserError("El nombre de usuario no puede estar vacío ni tener espacios (máx. 80).")
    if role not in USER_ROLES:
        raise UserError(f"Rol desconocido {role!r}: use uno de {', '.join(USER_ROLES)}.")
    check_password_strength(password)
    root = resolve(session, scope, territory_code)  # UnknownTerritory / OutOfScope
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserError(f"Ya existe el usuario {username!r}.")
    territory_code = root.code if root else None
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        territory_code=territory_code or None,
        active=True,
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


def login(
    username: str, password: str, address: str | None, now: datetime | None = None
) -> LoginResult:
    """Check a login, in three short transactions of its own: claim a slot of the address
    and of the account (committed, so parallel attempts see them), check the password with
    no transaction open, then on success hand the slots back and open a session."""
    now = now or utcnow()
    name = username.strip()[:MAX_USERNAME]
    by_address_key, by_account_key = address_key(address), account_key(name)
    with session_scope() as session:
        by_address = throttle.claim(session, by_address_key, ADDRESS_MAX_FAILURES, LOCKOUT, now)
    if not by_address.allowed:
        return LoginResult(None, "throttled", by_address.blocked_until)
    with session_scope() as session:
        by_account = throttle.claim(session, by_account_key, MAX_FAILED_LOGINS, LOCKOUT, now)
        user = session.scalar(select(User).where(User.username == name))
        if not by_account.allowed:
            throttle.release(session, by_address_key)  # refused unchecked: no guess was made
    territory = user.territory_code if user is not None else None
    if not by_account.allowed:
        return LoginResult(None, "locked", by_account.blocked_until, territory)
    usable = user is not None and user.active
    if not verify_password(user.password_hash if usable else _dummy_hash(), password) or not usable:
        if by_account.last:
            return LoginResult(None, "locked", now + LOCKOUT, territory)
        return LoginResult(None, "invalid", territory_code=territory)
    with session_scope() as session:
        throttle.clear(session, by_account_key)
        throttle.release(session, by_address_key)
        throttle.forget_old(session, now)
        if _hasher.check_needs_rehash(user.password_hash):
            session.execute(
                update(User)
                .where(User.id == user.id, User.password_hash == user.password_hash)
                .values(password_hash=hash_password(password))
                .execution_options(synchronize_session=False)
            )
        secret = sessions.start(session, user_id=user.id, now=now)
    return LoginResult(_info(user), territory_code=territory, session_secret=secret)


def list_users(session: Session, scope: Scope = NATIONAL) -> list[UserInfo]:
    """Users whose territory lies in ``scope`` (national users only for a national scope),
    with the end of their lock when they are locked."""
    stmt = select(User).order_by(User.username)
    if not scope.is_national:
        stmt = stmt.join(Territory, Territory.code == User.territory_code).where(
            territory_clause(Territory, scope.root)
        )
    users = list(session.scalars(stmt))
    locks = throttle.blocked_until(
        session,
        [account_key(u.username) for u in users],
        MAX_FAILED_LOGINS,
        LOCKOUT,
        utcnow(),
    )
    return [_info(u, locks.get(account_key(u.username))) for u in users]


def set_active(session: Session, username: str, active: bool, scope: Scope = NATIONAL) -> UserInfo:
    """Activate or deactivate a user; deactivation ends the user's sessions."""
    user = _get(session, username, scope)
    user.active = active
    if not active:
        sessions.end_for_user(session, user.id)
    return _info(user)


def set_password(
    session: Session, username: str, password: str, scope: Scope = NATIONAL
) -> UserInfo:
    """A new password: the user's sessions end and a lock on the account lifts."""
    check_password_strength(password)
    user = _get(session, username, scope)
    user.password_hash = hash_password(password)
    sessions.end_for_user(session, user.id)
    throttle.clear(session, account_key(user.username))
    return _info(user)
