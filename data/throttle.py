"""Counting failed logins so that guessing stays slow, decided atomically in the database.

Each attempt first *claims* a slot of its key (one conditional ``UPDATE ... RETURNING``):
the database serialises the claims on the row, so however many attempts arrive at once, at
most ``limit`` get their password checked per window. A claim that turns out to be a good
password is handed back (:func:`release`) or the key forgotten (:func:`clear`).

A key is blocked once ``limit`` claims were made within ``window``; the block lasts
``window`` from the claim that reached the limit, then the count starts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data.models import LoginThrottle
from data.types import UTCDateTime

FORGET_AFTER = timedelta(days=1)  # rows idle this long are deleted


@dataclass(frozen=True)
class Claim:
    """``allowed``: the attempt may check its password. ``last``: it took the last slot
    (a failure now blocks the key). ``blocked_until``: when a refused key opens again."""

    allowed: bool
    last: bool = False
    blocked_until: datetime | None = None


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(LoginThrottle)


def claim(session: Session, key: str, limit: int, window: timedelta, now: datetime) -> Claim:
    """Take one slot of ``key`` if it is not blocked (inside the caller's transaction;
    commit before checking the password, so the slot is visible to parallel attempts)."""
    session.execute(
        _insert(session)
        .values(key=key, failures=0, window_start=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    t = LoginThrottle
    at = literal(now, UTCDateTime())
    expired = t.window_start <= literal(now - window, UTCDateTime())
    reached = t.failures + 1 >= limit
    taken = session.execute(
        update(t)
        .where(t.key == key, expired | (t.failures < limit))
        .values(
            failures=case((expired, 1), else_=t.failures + 1),
            window_start=case((expired, at), (reached, at), else_=t.window_start),
        )
        .returning(t.failures)
        .execution_options(synchronize_session=False)
    ).scalar()
    if taken is not None:
        return Claim(True, last=taken >= limit)
    started = session.scalar(select(t.window_start).where(t.key == key))
    return Claim(False, blocked_until=(started or now) + window)


def release(session: Session, key: str) -> None:
    """Hand back one slot (the attempt it was claimed for succeeded)."""
    t = LoginThrottle
    session.execute(
        update(t)
        .where(t.key == key, t.failures > 0)
        .values(failures=t.failures - 1)
        .execution_options(synchronize_session=False)
    )


def clear(session: Session, key: str) -> None:
    """Forget ``key`` (a good password ends an account's run of failures)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def blocked_until(
    session: Session, keys: list[str], limit: int, window: timedelta, now: datetime
) -> dict[str, datetime]:
    """``key -> end of block`` for the given keys that are blocked now (for the admin page)."""
    if not keys:
        return {}
    t = LoginThrottle
    rows = session.execute(
        select(t.key, t.window_start).where(
            t.key.in_(keys),
            t.failures >= limit,
            t.window_start > literal(now - window, UTCDateTime()),
        )
    )
    return {key: started + window for key, started in rows}


def forget_old(session: Session, now: datetime) -> None:
    """Delete rows idle for a day (their windows expired long ago)."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_start < literal(now - FORGET_AFTER, UTCDateTime())
        )
    )
