"""Fixtures for the operations tests: the real app over HTTP from a chosen client address."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.tokens import create_token
from tests import factories as f

LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)


@pytest.fixture(autouse=True)
def _embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process bus, no simulator, no metrics allow-list unless a test sets one."""
    for name in ("REDIS_URL", "SALA_SIMULATE", "SALA_METRICS_ALLOW", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def world(engine: Engine) -> None:
    with Session(engine) as s:
        f.two_estados(s)
        s.commit()


def make_client(address=LOOPBACK) -> TestClient:
    from app import create_app

    return TestClient(
        create_app().server,
        client=address,
        base_url="http://127.0.0.1:8050",
        raise_server_exceptions=False,
    )


@pytest.fixture
def local(engine: Engine) -> Iterator[TestClient]:
    with make_client(LOOPBACK) as client:
        yield client


@pytest.fixture
def ingest_header(engine: Engine, world) -> dict[str, str]:
    with Session(engine) as s:
        secret = create_token(s, f"t-{uuid.uuid4().hex[:8]}", "ingest")
        s.commit()
    return {"Authorization": f"Bearer {secret}"}
