"""``GET /api/v1/consulta/prioridades`` (the contract, scope, errors) and the Consulta teams'
CSV ``/exportar/prioridades.csv``, on the world of ``tests/consulta_world.py``."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import create_server
from auth.principal import Principal, reset_principal, set_principal
from core.config import load_settings
from core.timeutil import caracas_date, utcnow
from tests import consulta_world
from tests.api.conftest import Tokens
from tests.factories import T0

URL = "/api/v1/consulta/prioridades"
FIELDS = {
    "category",
    "demand",
    "open",
    "funded_projects",
    "funded_usd",
    "completed_pct",
    "score",
    "reason",
}


@pytest.fixture
def cworld(engine):
    with Session(engine) as session:
        consulta_world.build(session)
    return Tokens(engine)


def test_contract_order_and_numbers(client, cworld):
    headers = cworld.header("read")
    r = client.get(URL, params={"territory": "VE-A-C1", "as_of": T0.isoformat()}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"territory", "categories"} and body["territory"] == "VE-A-C1"
    rows = body["categories"]
    assert all(set(row) == FIELDS for row in rows)
    assert [row["category"] for row in rows] == ["agua", "salud", "electricidad"]
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    water = rows[0]
    assert (water["demand"], water["open"], water["funded_projects"]) == (12, 6, 0)
    assert water["completed_pct"] is None and water["funded_usd"] == 0
    assert water["reason"].startswith("12 casos de agua en 60 días, 6 abiertos")
    assert rows[2]["completed_pct"] == 100.0


def test_satisfied_demand_ranks_lower_over_http(client, cworld):
    params = {"territory": "VE-A-C2", "as_of": "2026-11-20T12:00:00-04:00"}
    rows = client.get(URL, params=params, headers=cworld.header("read")).json()["categories"]
    assert [row["category"] for row in rows][:2] == ["electricidad", "agua"]


def test_scope_unknown_and_authentication(client, cworld):
    scoped = cworld.header("read", "VE-A")
    own = client.get(URL, params={"as_of": T0.isoformat()}, headers=scoped)
    assert own.status_code == 200 and own.json()["territory"] == "VE-A"
    for other in ("VE-M", "VE-M-C1", "VE-M-CC1"):
        r = client.get(URL, params={"territory": other}, headers=scoped)
        assert r.status_code == 403, other
        assert "categories" not in r.json()
    assert client.get(URL, params={"territory": "NOPE"}, headers=scoped).status_code == 404
    assert client.get(URL).status_code == 401
    national = client.get(URL, params={"as_of": T0.isoformat()}, headers=cworld.header("ingest"))
    assert national.status_code == 200 and national.json()["territory"] is None
    bad = client.get(URL, params={"as_of": "ayer"}, headers=scoped)
    assert bad.status_code == 422 and "ISO 8601" in bad.json()["detail"]


def test_documented_in_openapi(client):
    doc = client.get("/api/openapi.json").json()
    op = doc["paths"][URL]["get"]
    assert op["security"] == [{"token": []}]
    assert {"200", "401", "403", "404"} <= set(op["responses"])


# -- the CSV of the Consulta teams --------------------------------------------------------

CALLER: dict[str, Principal | None] = {"principal": None}


@pytest.fixture
def page_client(engine):
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


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_lists_every_circuito_and_category_in_priority_order(page_client, cworld):
    response = page_client.get("/exportar/prioridades.csv?territorio=VE-A")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    stem = f"prioridades_VE-A_{caracas_date(utcnow()).isoformat()}"  # no period: it does not apply
    assert f'filename="{stem}.csv"' in response.headers["content-disposition"]
    rows = _csv(response)
    assert {r["Circuito (código)"] for r in rows} == {"VE-A-C1", "VE-A-C2"}
    for code in ("VE-A-C1", "VE-A-C2"):
        ranks = [int(r["Prioridad"]) for r in rows if r["Circuito (código)"] == code]
        assert ranks == list(range(1, len(ranks) + 1))
        scores = [float(r["Puntaje"]) for r in rows if r["Circuito (código)"] == code]
        assert scores == sorted(scores, reverse=True)
    assert all(r["Estado"] == "Estado VE-A" and r["Por qué"] for r in rows)
    water = _csv(page_client.get("/exportar/prioridades.csv?territorio=VE-A&categoria=agua"))
    assert {r["Categoría"] for r in water} == {"Agua"}


def test_export_scope_role_audit_and_bad_filters(page_client, engine, cworld):
    from data import audit

    CALLER["principal"] = Principal("ana", "analista", "VE-M")
    refused = page_client.get("/exportar/prioridades.csv?territorio=VE-A")
    assert refused.status_code == 403 and "fuera de su ámbito" in refused.json()["error"]
    mine = _csv(page_client.get("/exportar/prioridades.csv"))
    assert mine and {r["Circuito (código)"] for r in mine} == {"VE-M-C1"}
    with Session(engine) as session:
        entries = audit.latest(session, action="exportar")
    assert [(e.actor, e.detail["conjunto"]) for e in entries] == [("ana", "prioridades")]
    CALLER["principal"] = Principal("x", "pantalla", None)
    assert page_client.get("/exportar/prioridades.csv").status_code == 403
    CALLER["principal"] = None
    bad = page_client.get("/exportar/prioridades.csv?categoria=bananas")
    assert bad.status_code == 400 and "Categoría desconocida" in bad.json()["error"]
    assert page_client.get("/exportar/prioridades.csv?territorio=NOPE").status_code == 404
