"""Shared fixtures: a real database per backend (SQLite file and PostgreSQL), emptied per test.

PostgreSQL tests run when ``SALA_TEST_PG`` names a server URL (``.ci/run`` sets it, which
makes them mandatory: an unreachable server then fails instead of skipping). Each test
session works in a database of its own, created and dropped here, so parallel runs on the
same server never see each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from data.db import make_engine, normalize_url
from data.migrate import upgrade
from data.models import Base

# The alert evaluator (started by the server's lifespan) stays off unless a test turns it
# on: other suites count bus events and rows, and must not race a background evaluator.
# Alert tests set SALA_ALERTAS=1 (or call the engine with a controlled clock).
os.environ.setdefault("SALA_ALERTAS", "0")

PG_URL = os.environ.get("SALA_TEST_PG", "").strip()
REDIS_URL = os.environ.get("SALA_TEST_REDIS", "").strip()
BACKENDS = ["sqlite", "postgresql"]


def _create_pg_database() -> tuple[str, str]:
    """Create a throw-away database on the server in SALA_TEST_PG; return (url, name)."""
    admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"sala_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = normalize_url(PG_URL).rsplit("/", 1)[0]
    return f"{base}/{name}", name


def _drop_pg_database(name: str) -> None:
    admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need SALA_TEST_PG (see README)")
    url, name = _create_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "sala-test.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _migrated_engines() -> dict[str, Engine]:
    return {}


def _migrated(request: pytest.FixtureRequest, backend: str, cache: dict[str, Engine]) -> Engine:
    if backend not in cache:
        fixture = "pg_database_url" if backend == "postgresql" else "sqlite_database_url"
        engine = make_engine(request.getfixturevalue(fixture))
        upgrade(engine)
        cache[backend] = engine
    return cache[backend]


def empty_database(engine: Engine) -> None:
    """Remove every row (schema stays), so each test starts from nothing."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest,
    _migrated_engines: dict[str, Engine],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Engine]:
    """A migrated, empty database on each backend; DATABASE_URL points at it."""
    eng = _migrated(request, request.param, _migrated_engines)
    empty_database(eng)
    monkeypatch.setenv("DATABASE_URL", eng.url.render_as_string(hide_password=False))
    yield eng


@pytest.fixture
def sqlite_engine(
    request: pytest.FixtureRequest,
    _migrated_engines: dict[str, Engine],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Engine]:
    """The SQLite backend only, for tests about the embedded default."""
    eng = _migrated(request, "sqlite", _migrated_engines)
    empty_database(eng)
    monkeypatch.setenv("DATABASE_URL", eng.url.render_as_string(hide_password=False))
    yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
