"""Engine and session factory for the configured ``DATABASE_URL``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core import metrics
from core.config import load_settings


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _bucket(hours: float | None) -> int | None:
    from data.rollups import bucket_of

    return None if hours is None else bucket_of(hours)


def watch_pool(engine: Engine) -> Engine:
    """Keep the pool gauges of ``/metrics`` (connections lent now, and the most lendable).

    A worker builds one engine per URL (:func:`get_engine`), so the capacity is that pool's;
    the listeners survive ``dispose()``, which recreates the pool with the same events."""
    pool = engine.pool
    capacity = (
        pool.size() + max(0, getattr(pool, "_max_overflow", 0)) if hasattr(pool, "size") else 0
    )
    metrics.DB_POOL_CAPACITY.inc(capacity)
    event.listen(pool, "checkout", lambda *_: metrics.DB_POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: metrics.DB_POOL_IN_USE.dec())
    return engine


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and foreign keys so it behaves like a server."""
    return watch_pool(_make_engine(url))


def _make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # the duration classes of data.queries.sql.duration_bucket
            dbapi_conn.create_function("sala_bucket", 1, _bucket, deterministic=True)

        return engine
    # A database host that stops answering must fail a request in seconds, not minutes.
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 5}
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args
    )


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be reached or used right now (server
    down or restarting, connection lost, file unreachable, pool exhausted), as opposed to
    a statement or a value it refused."""
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    return False


def describe(exc: BaseException, limit: int = 200) -> str:
    """One line naming a database failure, for the log (no traceback)."""
    cause = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {text}"[:limit]


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process; with no URL, the one ``DATABASE_URL`` names now.

    The URL is resolved before the cache, so a changed ``DATABASE_URL`` (tests, tools) is
    honoured instead of the first engine ever built being returned forever.
    """
    return _engine_for(url or load_settings().database_url)


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A transaction: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
