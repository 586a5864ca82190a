"""``POST /api/v1/ingest/{dataset}`` over HTTP, on SQLite and PostgreSQL: every rule of the contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Action,
    CaseEvent,
    CitizenCase,
    ClapCommittee,
    ClapDelivery,
    Cuadrante,
    DataVersion,
    DefenseUnit,
    Incident,
    Project,
    ProjectProgress,
    Territory,
    Transfer,
)
from tests.api.conftest import case, count, incident, project

URL = "/api/v1/ingest/"

VALID = {
    "territories": (
        Territory,
        [
            {"code": "VE-A-CO1", "level": "comuna", "name": "Comuna Uno", "parent_code": "VE-A-C1"},
            {
                "code": "VE-A-CC7",
                "level": "consejo_comunal",
                "name": "Consejo Siete",
                "parent_code": "VE-A-CO1",
                "lat": 10.5,
                "lon": -66.9,
                "geometry": {"type": "Point", "coordinates": [-66.9, 10.5]},
            },
        ],
    ),
    "cuadrantes": (
        Cuadrante,
        [{"code": "Q-NEW", "name": "Cuadrante nuevo", "circuito_code": "VE-M-C2", "lat": 9.1}],
    ),
    "projects": (Project, [project(1), project(2, "VE-M-C1", status="en_ejecucion")]),
    "transfers": (
        Transfer,
        [
            {
                "id": "T1",
                "project_id": "P-STORED",
                "amount_usd": 2500.5,
                "bank": "Banco Comunal El Valle",
                "transferred_at": "2026-11-20T09:00:00-04:00",
            }
        ],
    ),
    "clap_deliveries": (
        ClapDelivery,
        [
            {
                "id": "D1",
                "clap_code": "CLAP-VE-A-1",
                "territory_code": "VE-A-CC1",
                "delivered_on": "2026-11-20",
                "families_planned": 200,
                "families_served": 180,
                "bags": 180,
                "kg": 2400.0,
            }
        ],
    ),
    "cases": (
        CitizenCase,
        [case(1), case(2, status="cerrado", resolved_at="2026-11-20T12:00:00Z")],
    ),
    "incidents": (Incident, [incident(1), incident(2, "Q-VE-M-2", lat=10.0, lon=-66.0)]),
    "defense": (
        DefenseUnit,
        [
            {
                "id": "DF1",
                "territory_code": "VE-A-M1",
                "plan": "Escudo Bolivariano",
                "phase": "alistamiento",
                "readiness": 72.5,
                "last_exercise_on": "2026-11-01",
                "updated_at": "2026-11-20T08:00:00-04:00",
            }
        ],
    ),
    "actions": (
        Action,
        [
            {
                "id": "A1",
                "territory_code": "VE-A-C1",
                "title": "Reparar la tubería del sector",
                "transformation": 4,
                "owner": "Vocería de agua",
                "due_on": "2026-12-15",
                "status": "en_curso",
                "project_id": "P-STORED",
                "updated_at": "2026-11-20T08:00:00-04:00",
            }
        ],
    ),
}


@pytest.mark.parametrize("dataset", list(VALID))
def test_each_dataset_is_stored_with_its_path_and_counted(client, engine, ingest_h, dataset):
    model, records = VALID[dataset]
    before = count(engine, model)
    r = client.post(URL + dataset, json=records, headers=ingest_h)
    assert r.status_code == 200, r.text
    n = len(records)
    assert r.json() == {
        "dataset": dataset,
        "received": n,
        "inserted": n,
        "updated": 0,
        "unchanged": 0,
    }
    assert count(engine, model) == before + n
    with Session(engine) as s:
        version = s.get(DataVersion, dataset)
        assert version is not None and version.version == 1
        key = "code" if dataset in ("territories", "cuadrantes") else "id"
        rows = {getattr(row, key): row for row in s.scalars(select(model))}
    last = rows[records[-1][key]]
    expected_estado = {"projects": "VE-M", "cuadrantes": "VE-M", "incidents": "VE-M"}
    assert last.estado_code == expected_estado.get(dataset, "VE-A")
    assert last.municipio_code == f"{last.estado_code}-M1"


def test_same_batch_twice_changes_nothing(client, engine, ingest_h):
    batch = [incident(i) for i in range(5)] + [incident(9, "Q-VE-M-1")]
    first = client.post(URL + "incidents", json=batch, headers=ingest_h).json()
    assert (first["inserted"], first["unchanged"]) == (6, 0)
    again = client.post(URL + "incidents", json=batch, headers=ingest_h).json()
    assert again == {
        "dataset": "incidents",
        "received": 6,
        "inserted": 0,
        "updated": 0,
        "unchanged": 6,
    }
    assert count(engine, Incident) == 6
    with Session(engine) as s:
        assert s.get(DataVersion, "incidents").version == 1  # not bumped by a no-op


def test_changed_record_is_updated(client, engine, ingest_h):
    client.post(URL + "incidents", json=[incident(1)], headers=ingest_h)
    r = client.post(URL + "incidents", json=[incident(1, severity=5)], headers=ingest_h).json()
    assert (r["inserted"], r["updated"], r["unchanged"]) == (0, 1, 0)
    with Session(engine) as s:
        assert s.get(Incident, "I1").severity == 5


def test_late_data_never_overwrites_newer(client, engine, ingest_h):
    newer = project(
        1, physical_progress=60, status="en_ejecucion", updated_at="2026-11-20T12:00:00Z"
    )
    older = project(1, physical_progress=10, updated_at="2026-11-19T12:00:00Z")
    assert client.post(URL + "projects", json=[newer], headers=ingest_h).status_code == 200
    r = client.post(URL + "projects", json=[older], headers=ingest_h).json()
    assert (r["updated"], r["unchanged"]) == (0, 1)
    with Session(engine) as s:
        p = s.get(Project, "P1")
        assert (p.physical_progress, p.status) == (60, "en_ejecucion")
        assert p.updated_at == datetime(2026, 11, 20, 12, tzinfo=UTC)
    # cases too: an older status is ignored
    client.post(
        URL + "cases",
        json=[case(1, status="asignado", updated_at="2026-11-20T15:00:00Z")],
        headers=ingest_h,
    )
    r = client.post(URL + "cases", json=[case(1)], headers=ingest_h).json()
    assert r["unchanged"] == 1
    with Session(engine) as s:
        assert s.get(CitizenCase, "C1").status == "asignado"


def test_status_history_rows(client, engine, ingest_h):
    steps = [
        case(1),
        case(1, status="asignado", updated_at="2026-11-20T13:00:00Z"),
        case(1, status="asignado", institution="Hidrocapital", updated_at="2026-11-20T13:30:00Z"),
        case(
            1,
            status="resuelto",
            updated_at="2026-11-20T18:00:00Z",
            resolved_at="2026-11-20T18:00:00Z",
        ),
    ]
    answers = [client.post(URL + "cases", json=[step], headers=ingest_h).json() for step in steps]
    assert [(r["inserted"], r["updated"]) for r in answers] == [(1, 0), (0, 1), (0, 1), (0, 1)]
    with Session(engine) as s:
        events = s.execute(select(CaseEvent.status).order_by(CaseEvent.at)).scalars().all()
    assert events == [
        "recibido",
        "asignado",
        "resuelto",
    ]  # the institution change is no status change

    p0 = project(1, updated_at="2026-11-20T10:00:00Z")
    p1 = project(1, physical_progress=25, status="en_ejecucion", updated_at="2026-11-20T11:00:00Z")
    p2 = project(
        1,
        physical_progress=25,
        title="Otro título",
        status="en_ejecucion",
        updated_at="2026-11-20T12:00:00Z",
    )
    for step in (p0, p1, p2):
        client.post(URL + "projects", json=[step], headers=ingest_h)
    with Session(engine) as s:
        history = s.execute(
            select(ProjectProgress.physical_progress, ProjectProgress.status)
            .where(ProjectProgress.project_id == "P1")
            .order_by(ProjectProgress.recorded_at)
        ).all()
        stored = s.get(Project, "P1")
    assert [tuple(h) for h in history] == [(0, "financiado"), (25, "en_ejecucion")]
    assert stored.title == "Otro título"
    assert stored.progress_changed_at == datetime(2026, 11, 20, 11, tzinfo=UTC)


def test_bad_record_at_the_end_of_a_big_batch_stores_nothing(client, engine, ingest_h):
    batch = [incident(i) for i in range(2_000)]
    batch[-1] = incident(1999, severity=9)
    r = client.post(URL + "incidents", json=batch, headers=ingest_h)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"index": 1999, "field": "severity", "message": "debe ser menor o igual que 5"}
    ]
    assert count(engine, Incident) == 0
    batch[-1] = incident(1999, cuadrante="Q-NOPE")
    r = client.post(URL + "incidents", json=batch, headers=ingest_h)
    assert r.status_code == 422
    assert [(e["index"], e["field"]) for e in r.json()["errors"]] == [(1999, "cuadrante_code")]
    assert count(engine, Incident) == 0


def test_every_bad_record_is_named(client, engine, ingest_h):
    batch = [
        case(0),
        case(1, status="resuelto"),  # no resolved_at
        case(2, reported_at="2026-11-20T08:00:00"),  # naive
        case(3, territory="NOPE"),
        case(4, colour="red"),
        case(5, status="perdido"),
        case(6, resolved_at="2026-11-19T00:00:00Z", status="cerrado"),  # before reported_at
        case(7, reported_at=20261120),
    ]
    r = client.post(URL + "cases", json=batch, headers=ingest_h)
    assert r.status_code == 422
    errors = {(e["index"], e["field"]) for e in r.json()["errors"]}
    assert errors == {
        (1, "resolved_at"),
        (2, "reported_at"),
        (3, "territory_code"),
        (4, "colour"),
        (5, "status"),
        (6, "resolved_at"),
        (7, "reported_at"),
    }
    messages = {e["index"]: e["message"] for e in r.json()["errors"]}
    assert "zona horaria" in messages[2]
    assert "desconocido" in messages[3]
    assert messages[4] == "campo desconocido"
    assert count(engine, CitizenCase) == 0


@pytest.mark.parametrize(
    ("dataset", "record", "field"),
    [
        (
            "territories",
            {"code": "X1", "level": "municipio", "name": "X", "parent_code": "NOPE"},
            "parent_code",
        ),
        ("territories", {"code": "X1", "level": "municipio", "name": "X"}, "parent_code"),
        (
            "territories",
            {"code": "X1", "level": "estado", "name": "X", "parent_code": "VE-A"},
            "parent_code",
        ),
        (
            "territories",
            {"code": "X1", "level": "estado", "name": "X", "parent_code": "VE-A"},
            "parent_code",
        ),
        (
            "territories",
            {"code": "VE-A-M1", "level": "municipio", "name": "M", "parent_code": "VE-M"},
            "parent_code",
        ),
        ("cuadrantes", {"code": "Q1", "name": "Q", "circuito_code": "NOPE"}, "circuito_code"),
        ("cuadrantes", {"code": "Q1", "name": "Q", "circuito_code": "VE-A-M1"}, "circuito_code"),
        ("projects", project(1, circuito="NOPE"), "circuito_code"),
        ("projects", project(1, comuna_code="NOPE"), "comuna_code"),
        ("projects", project(1, physical_progress=101), "physical_progress"),
        ("projects", project(1, transformation=8), "transformation"),
        ("projects", project(1, approved_usd=-1), "approved_usd"),
        (
            "transfers",
            {
                "id": "T",
                "project_id": "NOPE",
                "amount_usd": 1,
                "bank": "B",
                "transferred_at": "2026-11-20T10:00:00Z",
            },
            "project_id",
        ),
        (
            "transfers",
            {
                "id": "T",
                "project_id": "P-STORED",
                "amount_usd": 0,
                "bank": "B",
                "transferred_at": "2026-11-20T10:00:00Z",
            },
            "amount_usd",
        ),
        (
            "clap_deliveries",
            {
                "id": "D",
                "clap_code": "C",
                "territory_code": "NOPE",
                "delivered_on": "2026-11-20",
                "families_planned": 1,
                "families_served": 1,
                "bags": 1,
            },
            "territory_code",
        ),
        (
            "clap_deliveries",
            {
                "id": "D",
                "clap_code": "C",
                "territory_code": "VE-A-CC1",
                "delivered_on": "2026-11-20T10:00:00Z",
                "families_planned": 1,
                "families_served": 1,
                "bags": 1,
            },
            "delivered_on",
        ),
        ("incidents", incident(1, cuadrante="NOPE"), "cuadrante_code"),
        ("incidents", incident(1, occurred_at="2026-11-20 10:00"), "occurred_at"),
        ("incidents", incident(1, severity="3"), "severity"),
        (
            "defense",
            {
                "id": "D",
                "territory_code": "NOPE",
                "plan": "p",
                "phase": "f",
                "readiness": 1,
                "updated_at": "2026-11-20T10:00:00Z",
            },
            "territory_code",
        ),
        (
            "defense",
            {
                "id": "D",
                "territory_code": "VE-A",
                "plan": "p",
                "phase": "f",
                "readiness": 100.5,
                "updated_at": "2026-11-20T10:00:00Z",
            },
            "readiness",
        ),
    ],
)
def test_invalid_record_is_refused_with_its_field(client, engine, ingest_h, dataset, record, field):
    model = VALID[dataset][0]
    before = count(engine, model)
    r = client.post(URL + dataset, json=[record], headers=ingest_h)
    assert r.status_code == 422, r.text
    assert [(e["index"], e["field"]) for e in r.json()["errors"]] == [(0, field)]
    assert count(engine, model) == before


def test_references_to_earlier_records_in_the_same_batch(client, engine, ingest_h):
    parent = {"code": "VE-N", "level": "estado", "name": "Nuevo"}
    child = {"code": "VE-N-M1", "level": "municipio", "name": "Mun", "parent_code": "VE-N"}
    grandchild = {"code": "VE-N-P1", "level": "parroquia", "name": "Par", "parent_code": "VE-N-M1"}
    r = client.post(URL + "territories", json=[grandchild, child, parent], headers=ingest_h)
    assert r.status_code == 422
    assert {e["index"] for e in r.json()["errors"]} == {0, 1}  # parents come later: refused
    r = client.post(URL + "territories", json=[parent, child, grandchild], headers=ingest_h)
    assert r.status_code == 200, r.text
    with Session(engine) as s:
        t = s.get(Territory, "VE-N-P1")
        assert (t.estado_code, t.municipio_code, t.parroquia_code) == ("VE-N", "VE-N-M1", "VE-N-P1")


def test_unknown_clap_committee_is_created_in_the_delivery_territory(client, engine, ingest_h):
    record = dict(VALID["clap_deliveries"][1][0], clap_code="CLAP-NUEVO", territory_code="VE-M-CC2")
    assert client.post(URL + "clap_deliveries", json=[record], headers=ingest_h).status_code == 200
    with Session(engine) as s:
        committee = s.get(ClapCommittee, "CLAP-NUEVO")
        assert (committee.territory_code, committee.estado_code) == ("VE-M-CC2", "VE-M")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[{", 400),
        (b"not json", 400),
        (b"\xff\xfe", 400),
        (b"", 400),
        (b"[]", 422),
        (b"{}", 422),
        (b'"text"', 422),
        (b"[1, 2]", 422),
        (b"[null]", 422),
        (b'[{"id": "I1", "severity": NaN}]', 422),
    ],
)
def test_bad_bodies_never_500(client, engine, ingest_h, body, status):
    r = client.post(
        URL + "incidents", content=body, headers={**ingest_h, "Content-Type": "application/json"}
    )
    assert r.status_code == status, r.text
    assert isinstance(r.json()["detail"], str)
    assert count(engine, Incident) == 0


def test_more_than_10000_records_is_refused(client, engine, ingest_h):
    batch = [incident(i) for i in range(10_001)]
    r = client.post(URL + "incidents", json=batch, headers=ingest_h)
    assert r.status_code == 422
    assert "10.000" in r.json()["errors"][0]["message"]
    assert count(engine, Incident) == 0


def test_unknown_dataset_is_404(client, ingest_h):
    r = client.post(URL + "bananas", json=[{"id": 1}], headers=ingest_h)
    assert r.status_code == 404
    assert "bananas" in r.json()["detail"]


def test_body_over_the_limit_is_413(engine, tokens, monkeypatch):
    from fastapi.testclient import TestClient

    from app import create_app

    monkeypatch.setenv("SALA_MAX_BODY_BYTES", "1000")
    client = TestClient(create_app().server)
    headers = tokens.header("ingest")
    small = [incident(1)]
    assert client.post(URL + "incidents", json=small, headers=headers).status_code == 200
    big = [incident(i) for i in range(20)]
    assert len(json.dumps(big)) > 1000
    r = client.post(URL + "incidents", json=big, headers=headers)
    assert r.status_code == 413
    assert "bytes" in r.json()["detail"]

    def chunked():  # no Content-Length: the limit is enforced while reading
        yield json.dumps(big).encode()

    r = client.post(URL + "incidents", content=chunked(), headers=headers)
    assert r.status_code == 413
    assert count(engine, Incident) == 1


# -- authentication and scope ------------------------------------------------------------


def test_missing_wrong_or_revoked_token_is_401_and_stores_nothing(client, engine, tokens):
    batch = [incident(1)]
    assert client.post(URL + "incidents", json=batch).status_code == 401
    r = client.post(URL + "incidents", json=batch, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.post(URL + "incidents", json=batch, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    headers = tokens.header("ingest")
    tokens.revoke_all()
    assert client.post(URL + "incidents", json=batch, headers=headers).status_code == 401
    assert count(engine, Incident) == 0


def test_read_token_cannot_ingest(client, engine, tokens):
    r = client.post(URL + "incidents", json=[incident(1)], headers=tokens.header("read"))
    assert r.status_code == 403
    assert count(engine, Incident) == 0


def test_scoped_ingest_token_writes_only_inside_its_territory(client, engine, tokens):
    headers = tokens.header("ingest", "VE-A")
    inside = [incident(1), incident(2, "Q-VE-A-2")]
    assert client.post(URL + "incidents", json=inside, headers=headers).status_code == 200
    mixed = [incident(3), incident(4, "Q-VE-M-1")]
    r = client.post(URL + "incidents", json=mixed, headers=headers)
    assert r.status_code == 403
    assert [e["index"] for e in r.json()["errors"]] == [1]
    assert count(engine, Incident) == 2  # nothing from the refused batch
    new_estado = [{"code": "VE-Q", "level": "estado", "name": "Otro"}]
    assert client.post(URL + "territories", json=new_estado, headers=headers).status_code == 403
    transfer = dict(VALID["transfers"][1][0])  # P-STORED is in VE-A
    assert client.post(URL + "transfers", json=[transfer], headers=headers).status_code == 200
