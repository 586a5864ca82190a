"""``GET /healthz``: database and bus state, 503 when the database is down; no token needed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import REDIS_URL


def _client() -> TestClient:
    from app import create_app

    return TestClient(create_app().server)


def test_healthy_with_the_embedded_bus(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"database": "ok", "bus": "disabled"}


def test_redis_bus_ok(engine, monkeypatch):
    if not REDIS_URL:
        pytest.skip("Redis tests need SALA_TEST_REDIS")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    assert _client().get("/healthz").json() == {"database": "ok", "bus": "ok"}


def test_redis_bus_down_is_reported_but_not_fatal(engine, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    r = _client().get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"database": "ok", "bus": "down"}


@pytest.mark.parametrize(
    "url",
    ["postgresql://postgres@127.0.0.1:1/nowhere", "sqlite:////proc/sala-no-such-dir/x.db"],
)
def test_database_down_is_503(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    client = _client()
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"database": "down", "bus": "disabled"}
    # the API says so too, instead of a 500
    r = client.get("/api/v1/summary", headers={"Authorization": "Bearer x"})
    assert r.status_code == 503
