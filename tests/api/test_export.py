"""``GET /exportar/{dataset}.csv``: exactly the filtered rows, scope and role enforced."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app import create_server
from auth.principal import Principal, reset_principal, set_principal
from core.config import load_settings
from core.timeutil import caracas_date, utcnow
from tests import factories as f

CALLER: dict[str, Principal | None] = {"principal": None}


@pytest.fixture
def client(engine):
    server = create_server(load_settings())

    @server.middleware("http")
    async def as_caller(request, call_next):  # stands in for the auth middleware
        token = set_principal(CALLER["principal"])
        try:
            return await call_next(request)
        finally:
            reset_principal(token)

    CALLER["principal"] = None
    with TestClient(server) as c:
        yield c


@pytest.fixture
def world(session):
    f.two_estados(session)
    today = caracas_date(utcnow())
    rows = [
        ("D1", "CLAP-VE-A-1", "VE-A-CC1", 0, 200, 180),
        ("D2", "CLAP-VE-A-2", "VE-A-CC2", 2, 100, 100),
        ("D3", "CLAP-VE-M-1", "VE-M-CC1", 0, 300, 150),
        ("D4", "CLAP-VE-A-1", "VE-A-CC1", 12, 50, 40),
    ]
    for did, clap, consejo, ago, planned, served in rows:
        f.delivery(session, did, clap, consejo, today - timedelta(days=ago), planned, served)
    for n in range(1_200):  # more than one flushed chunk
        f.delivery(session, f"X{n:05d}", "CLAP-VE-M-2", "VE-M-CC2", today, 10, 10)
    f.project(session, "P1", "VE-A-C1", "en_ejecucion", 10_000, 40)
    f.project(session, "P2", "VE-M-C1", "culminado", 9_000, 100)
    session.commit()
    return session


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_is_exactly_the_filtered_rows(client, world):
    response = client.get("/exportar/clap.csv?territorio=VE-A&rango=7d")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    stem = f"clap_VE-A_7d_{caracas_date(utcnow()).isoformat()}"
    assert f'filename="{stem}.csv"' in response.headers["content-disposition"]
    assert sorted(r["Lote"] for r in _csv(response)) == ["D1", "D2"]
    incomplete = _csv(
        client.get("/exportar/clap.csv?territorio=VE-A&rango=30d&categoria=incompleta")
    )
    assert sorted(r["Lote"] for r in incomplete) == ["D1", "D4"]
    national = _csv(client.get("/exportar/clap.csv?rango=24h"))
    assert len(national) == 2 + 1_200
    assert len({r["Lote"] for r in national}) == len(national)


def test_projects_export_matches(client, world):
    rows = _csv(client.get("/exportar/proyectos.csv?territorio=VE-M"))
    assert [(r["Código"], r["Estatus"]) for r in rows] == [("P2", "culminado")]


def test_scope_and_role_are_enforced(client, world):
    CALLER["principal"] = Principal("ana", "analista", "VE-M")
    response = client.get("/exportar/clap.csv?territorio=VE-A")
    assert response.status_code == 403 and "fuera de su ámbito" in response.json()["error"]
    mine = _csv(client.get("/exportar/clap.csv?rango=24h"))
    assert {r["Código CLAP"] for r in mine} == {"CLAP-VE-M-1", "CLAP-VE-M-2"}
    for role in ("pantalla", "operador"):
        CALLER["principal"] = Principal("x", role, None)
        response = client.get("/exportar/clap.csv")
        assert response.status_code == 403 and "no permite exportar" in response.json()["error"]


def test_bad_requests_are_explained(client, world):
    assert client.get("/exportar/nada.csv").status_code == 404
    response = client.get("/exportar/clap.csv?territorio=VE-NADA")
    assert response.status_code == 404 and "No existe el territorio" in response.json()["error"]
    response = client.get("/exportar/clap.csv?rango=siglo")
    assert response.status_code == 400 and "Rango de tiempo desconocido" in response.json()["error"]


def test_each_export_is_audited_and_refusals_are_not(client, world):
    from data import audit

    CALLER["principal"] = Principal("ana", "analista", "VE-M")
    assert client.get("/exportar/clap.csv?territorio=VE-M&rango=7d").status_code == 200
    assert client.get("/exportar/clap.csv?territorio=VE-A").status_code == 403
    world.expire_all()
    entries = audit.latest(world, action="exportar")
    assert [(e.actor, e.detail["conjunto"]) for e in entries] == [("ana", "clap")]
    assert entries[0].detail["filtros"]["territorio"] == "VE-M"
