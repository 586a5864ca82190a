"""Fixtures for the REST API tests: the real app over HTTP, a small world, tokens, the bus."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data import bus as bus_module
from data.bus import EventBus, get_bus
from data.tokens import create_token, revoke_token
from tests import factories as f
from tests.conftest import REDIS_URL

T0_ISO = "2026-11-20T16:00:00+00:00"


@pytest.fixture(autouse=True)
def _no_external_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from the embedded defaults: in-process bus, no simulator."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SALA_SIMULATE", raising=False)
    monkeypatch.delenv("SALA_MAX_BODY_BYTES", raising=False)


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The whole app (FastAPI server with Dash) against the test database."""
    from app import create_app

    with TestClient(create_app().server, raise_server_exceptions=False) as tc:
        yield tc


@pytest.fixture
def world(engine: Engine) -> dict[str, str]:
    """Two estados (VE-A, VE-M) with circuitos, consejos, cuadrantes and CLAPs."""
    with Session(engine) as s:
        codes = f.two_estados(s)
        f.project(s, "P-STORED", "VE-A-C1", "en_ejecucion", 10_000, 40)
        s.commit()
    return codes


class Tokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def make(self, role: str, territory: str | None = None) -> str:
        with Session(self.engine) as s:
            secret = create_token(s, f"t-{uuid.uuid4().hex[:8]}", role, territory)
            s.commit()
        return secret

    def header(self, role: str, territory: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.make(role, territory)}"}

    def revoke_all(self) -> None:
        from data.models import ApiToken

        with Session(self.engine) as s:
            for name in s.scalars(select(ApiToken.name)):
                revoke_token(s, name)
            s.commit()


@pytest.fixture
def tokens(engine: Engine, world) -> Tokens:
    return Tokens(engine)


@pytest.fixture
def ingest_h(tokens: Tokens) -> dict[str, str]:
    return tokens.header("ingest")


@pytest.fixture
def read_h(tokens: Tokens) -> dict[str, str]:
    return tokens.header("read")


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture(params=["memory", "redis"])
def bus(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> EventBus:
    """The bus the app publishes on: in-process, or Redis on a stream key of this test."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("Redis tests need SALA_TEST_REDIS")
        monkeypatch.setattr(bus_module, "STREAM_KEY", f"sala:test:{uuid.uuid4().hex}")
        monkeypatch.setenv("REDIS_URL", REDIS_URL)
    the_bus = get_bus()
    yield the_bus
    if request.param == "redis":
        the_bus._redis.delete(bus_module.STREAM_KEY)  # type: ignore[attr-defined]


def incident(i: int | str, cuadrante: str = "Q-VE-A-1", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"I{i}",
        "cuadrante_code": cuadrante,
        "type": "robo",
        "severity": 2,
        "occurred_at": "2026-11-20T10:00:00-04:00",
        **extra,
    }


def case(i: int | str, territory: str = "VE-A-CC1", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"C{i}",
        "territory_code": territory,
        "category": "agua",
        "status": "recibido",
        "reported_at": "2026-11-20T08:00:00-04:00",
        "updated_at": "2026-11-20T08:00:00-04:00",
        **extra,
    }


def project(i: int | str, circuito: str = "VE-A-C1", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"P{i}",
        "circuito_code": circuito,
        "consulta": "2025-4",
        "title": f"Proyecto {i}",
        "category": "agua",
        "transformation": 4,
        "approved_usd": 10_000,
        "status": "financiado",
        "physical_progress": 0,
        "updated_at": "2026-11-20T08:00:00-04:00",
        **extra,
    }
