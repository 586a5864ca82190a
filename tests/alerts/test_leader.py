"""Exactly one evaluator: the locks (PostgreSQL advisory lock, Redis key, file lock) and the
evaluator loop reacting to a committed write right away."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.config import load_settings
from data.alerts.leader import FileLock, PostgresLock, ProcessLock, RedisLock, lock_for
from data.db import normalize_url
from tests.alerts.conftest import alerts, only
from tests.conftest import REDIS_URL


def test_postgres_lock_has_one_holder_and_is_freed_when_its_connection_dies(pg_database_url):
    first, second = PostgresLock(pg_database_url), PostgresLock(pg_database_url)
    try:
        assert first.acquire() and first.held()
        assert not second.acquire()
        admin = create_engine(normalize_url(pg_database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # the holder's process dies: its session ends
            killed = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            ).all()
        admin.dispose()
        assert killed == [(True,)]
        assert not first.held()
        assert second.acquire()
    finally:
        first.release()
        second.release()


def test_redis_lock_expires_when_its_holder_stops_renewing():
    if not REDIS_URL:
        pytest.skip("Redis tests need SALA_TEST_REDIS")
    db = f"sqlite:////tmp/{uuid.uuid4().hex}.db"
    first, second = RedisLock(REDIS_URL, db, ttl_ms=400), RedisLock(REDIS_URL, db, ttl_ms=400)
    other_db = RedisLock(REDIS_URL, db + "-otra", ttl_ms=400)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert other_db.acquire()  # another installation on the same Redis: its own lock
        for _ in range(3):  # renewed, it outlives its TTL
            time.sleep(0.2)
            assert first.held()
        assert not second.acquire()
        time.sleep(0.6)  # the holder died: nobody renews
        assert second.acquire()
        assert not first.held()  # the key is someone else's now
        first.release()  # must not delete the new holder's key
        assert second.held()
    finally:
        for lock in (first, second, other_db):
            lock.release()


def test_file_lock_has_one_holder_per_database_file(tmp_path: Path):
    first, second = (
        FileLock(tmp_path / "sala.db.alertas.lock"),
        FileLock(tmp_path / "sala.db.alertas.lock"),
    )
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_the_lock_fits_the_deployment(monkeypatch, tmp_path):
    settings = load_settings()
    pick = lambda **kw: type(lock_for(dataclasses.replace(settings, **kw)))  # noqa: E731
    assert pick(database_url="postgresql://x@127.0.0.1:1/sala", redis_url=None) is PostgresLock
    assert (
        pick(database_url=f"sqlite:///{tmp_path}/a.db", redis_url="redis://127.0.0.1:1/0")
        is RedisLock
    )
    assert pick(database_url=f"sqlite:///{tmp_path}/a.db", redis_url=None) is FileLock
    assert pick(database_url="sqlite:///:memory:", redis_url=None) is ProcessLock


def test_the_evaluator_reacts_to_a_committed_write_without_waiting_for_its_period(
    engine, world, settings, tmp_path
):
    """The service leads, evaluates once, then a severe incident ingested through the write
    path (published on the bus after its commit) raises its alert at once."""
    from core.timeutil import utcnow
    from data.alerts.service import AlertService
    from data.ingest import ingest

    only(engine, "incidente_grave")
    settings = dataclasses.replace(settings, alert_period_s=3600)

    async def scenario() -> list:
        service = AlertService(settings, engine, lock=ProcessLock()).start()
        try:
            for _ in range(100):
                if service.status.rounds:
                    break
                await asyncio.sleep(0.05)
            assert service.status.state == "evaluando" and service.status.rounds == 1
            record = {
                "id": "VEN911-1",
                "cuadrante_code": "Q-VE-A-2",
                "type": "secuestro",
                "severity": 5,
                "occurred_at": utcnow().isoformat(),
            }
            await asyncio.to_thread(ingest, engine, "incidents", [record])
            for _ in range(200):
                found = alerts(engine, "incidente_grave")
                if found:
                    return found
                await asyncio.sleep(0.05)
            return []
        finally:
            await service.stop()

    found = asyncio.run(scenario())
    assert [(a.territory_code, a.level) for a in found] == [("VE-A-C2", 5)]
