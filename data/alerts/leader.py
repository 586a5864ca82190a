"""Exactly one alert evaluator among all workers and hosts: a lock, and taking it over.

- PostgreSQL: ``pg_try_advisory_lock`` on a connection of its own. The server releases the
  lock when that connection ends, so a killed worker frees it at once.
- Redis (SQLite with ``REDIS_URL``): ``SET key token NX PX ttl``, renewed by the holder every
  few seconds; a holder that dies stops renewing and another worker takes over when the key
  expires (:data:`REDIS_TTL_MS`).
- SQLite without Redis: an exclusive ``flock`` on a file beside the database, released by
  the operating system when the process ends (workers on one machine; SQLite cannot be
  shared between hosts anyway). An in-memory database is one process: always the leader.

Every lock answers the same three questions: :meth:`acquire` (try, never wait),
:meth:`held` (renew, and say whether it is still ours) and :meth:`release`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import uuid
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from core.config import Settings
from data.db import normalize_url

log = logging.getLogger("sala.alerts")

LOCK_NAME = "sala:alertas:evaluador"
REDIS_TTL_MS = 10_000  # a dead holder is replaced after at most this long
RENEW_S = 2.0  # the holder renews (and contenders retry) this often


class Lock(Protocol):
    kind: str

    def acquire(self) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...


def _key(database_url: str) -> str:
    """One lock per database: installations sharing a Redis never block each other."""
    return hashlib.sha256(f"{LOCK_NAME}|{database_url}".encode()).hexdigest()[:16]


class PostgresLock:
    kind = "postgresql"

    def __init__(self, database_url: str) -> None:
        self.key = int(_key(database_url), 16) % (2**63)
        self._engine = create_engine(normalize_url(database_url), poolclass=NullPool)
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return self.held()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.scalar(text("SELECT 1"))
            return True
        except Exception:
            log.warning("se perdió la conexión del cerrojo de alertas")
            self._drop()
            return False

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                pass

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(Exception):
            self._conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        self._drop()


# Renew or delete only while the key still holds our token (another holder may own it now).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisLock:
    kind = "redis"

    def __init__(self, redis_url: str, database_url: str, ttl_ms: int = REDIS_TTL_MS) -> None:
        import redis

        self.key = f"{LOCK_NAME}:{_key(database_url)}"
        self.ttl_ms = ttl_ms
        self.token = f"{os.getpid()}:{uuid.uuid4().hex}"
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=3)
        self._mine = False

    def acquire(self) -> bool:
        if self._mine:
            return self.held()
        self._mine = bool(self._redis.set(self.key, self.token, nx=True, px=self.ttl_ms))
        return self._mine

    def held(self) -> bool:
        if not self._mine:
            return False
        try:
            self._mine = bool(self._redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
        except Exception:
            log.warning("no se pudo renovar el cerrojo de alertas en Redis")
            self._mine = False
        return self._mine

    def release(self) -> None:
        if self._mine:
            with contextlib.suppress(Exception):
                self._redis.eval(_DELETE, 1, self.key, self.token)
        self._mine = False


class FileLock:
    kind = "archivo"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        import fcntl

        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class ProcessLock:
    """An in-memory database lives in one process: that process evaluates."""

    kind = "proceso"

    def __init__(self) -> None:
        self._mine = False

    def acquire(self) -> bool:
        self._mine = True
        return True

    def held(self) -> bool:
        return self._mine

    def release(self) -> None:
        self._mine = False


def lock_for(settings: Settings) -> Lock:
    """The lock that fits the deployment (see the module docstring)."""
    url = settings.database_url
    if url.startswith(("postgresql", "postgres")):
        return PostgresLock(url)
    if settings.redis_url:
        return RedisLock(settings.redis_url, url)
    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    if not path or path == ":memory:":
        return ProcessLock()
    return FileLock(Path(path).with_name(Path(path).name + ".alertas.lock"))
