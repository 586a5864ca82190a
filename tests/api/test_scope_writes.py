"""A token scoped to an estado can neither move, overwrite nor probe another estado's records.

For every dataset a record stored in VE-M (Miranda) is attacked by an ingest token of VE-A:
- *move*: the same id, sent with a territory of VE-A (and a far-future ``updated_at``);
- *overwrite*: the same id, sent with its own VE-M territory;
- *probe*: the same id with an old ``updated_at`` (it used to answer ``unchanged``, which
  told the caller the id existed elsewhere).
Each is refused whole with 403, nothing is stored, the data version does not move, and a
refused record answers exactly as a refused record whose id does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.ingest import ingest
from data.models import (
    Action,
    CitizenCase,
    ClapCommittee,
    ClapDelivery,
    Cuadrante,
    DataVersion,
    DefenseUnit,
    Incident,
    Project,
    Territory,
    Transfer,
)
from tests.api.conftest import case, incident, project

URL = "/api/v1/ingest/"
OLD, NEW, FUTURE = "2026-11-01T08:00:00Z", "2026-11-20T08:00:00Z", "2099-01-01T00:00:00Z"

Maker = Callable[[str, str, str], dict[str, Any]]  # (id, where: "A" | "M", updated_at)


def _territory(code: str, where: str, _at: str) -> dict[str, Any]:
    return {
        "code": code,
        "level": "circuito",
        "name": "Circuito tomado",
        "parent_code": f"VE-{where}-P1",
    }


def _cuadrante(code: str, where: str, _at: str) -> dict[str, Any]:
    return {"code": code, "name": "Cuadrante tomado", "circuito_code": f"VE-{where}-C1"}


def _project(pid: str, where: str, at: str) -> dict[str, Any]:
    return {**project(0, f"VE-{where}-C1", updated_at=at), "id": pid}


def _transfer(tid: str, where: str, at: str) -> dict[str, Any]:
    return {
        "id": tid,
        "project_id": "P-STORED" if where == "A" else "P-M",
        "amount_usd": 99.0,
        "bank": "Banco Comunal",
        "transferred_at": at,
    }


def _delivery(did: str, where: str, _at: str) -> dict[str, Any]:
    return {
        "id": did,
        "clap_code": f"CLAP-VE-{where}-1",
        "territory_code": f"VE-{where}-CC1",
        "delivered_on": "2026-11-20",
        "families_planned": 10,
        "families_served": 9,
        "bags": 9,
    }


def _case(cid: str, where: str, at: str) -> dict[str, Any]:
    return {**case(0, f"VE-{where}-CC1", updated_at=at), "id": cid}


def _incident(iid: str, where: str, _at: str) -> dict[str, Any]:
    return {**incident(0, f"Q-VE-{where}-1", severity=5), "id": iid}


def _defense(uid: str, where: str, at: str) -> dict[str, Any]:
    return {
        "id": uid,
        "territory_code": f"VE-{where}-M1",
        "plan": "Escudo Bolivariano",
        "phase": "alistamiento",
        "readiness": 10.0,
        "updated_at": at,
    }


def _action(aid: str, where: str, at: str) -> dict[str, Any]:
    return {
        "id": aid,
        "territory_code": f"VE-{where}-C1",
        "title": "Reparar la tubería",
        "transformation": 4,
        "owner": "Vocería de agua",
        "due_on": "2026-12-15",
        "status": "pendiente",
        "updated_at": at,
    }


# dataset -> (model, key column, id of the VE-M record, maker)
DATASETS: dict[str, tuple[type, str, str, Maker]] = {
    "territories": (Territory, "code", "VE-M-C1", _territory),
    "cuadrantes": (Cuadrante, "code", "Q-VE-M-1", _cuadrante),
    "projects": (Project, "id", "P-M", _project),
    "transfers": (Transfer, "id", "T-M", _transfer),
    "clap_deliveries": (ClapDelivery, "id", "D-M", _delivery),
    "cases": (CitizenCase, "id", "C-M", _case),
    "incidents": (Incident, "id", "I-M", _incident),
    "defense": (DefenseUnit, "id", "DF-M", _defense),
    "actions": (Action, "id", "A-M", _action),
}


@pytest.fixture
def foreign(engine: Engine, world) -> None:
    """One record of every dataset stored in VE-M by a national writer."""
    ingest(engine, "projects", [_project("P-M", "M", NEW)])
    for dataset, (_model, _key, rid, make) in DATASETS.items():
        if dataset not in ("territories", "cuadrantes", "projects"):
            ingest(engine, dataset, [make(rid, "M", NEW)])


def _snapshot(engine: Engine) -> dict[str, Any]:
    with Session(engine) as s:
        tables = {
            model.__tablename__: sorted(
                tuple(str(v) for v in row) for row in s.execute(select(model.__table__)).all()
            )
            for model, *_ in DATASETS.values()
        }
        tables["clap_committee"] = sorted(
            tuple(str(v) for v in row) for row in s.execute(select(ClapCommittee.__table__))
        )
        tables["versions"] = dict(s.execute(select(DataVersion.dataset, DataVersion.version)).all())
    return tables


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_a_scoped_token_cannot_move_overwrite_or_probe_another_estados_record(
    client, engine, tokens, foreign, dataset
):
    _model, _key, rid, make = DATASETS[dataset]
    headers = tokens.header("ingest", "VE-A")
    before = _snapshot(engine)
    attempts = {
        "move": make(rid, "A", FUTURE),
        "overwrite": make(rid, "M", FUTURE),
        "probe": make(rid, "A", OLD),
    }
    for name, record in attempts.items():
        # in a batch with a good record: the whole batch is refused
        good = make("NEW-OK", "A", NEW)
        r = client.post(URL + dataset, json=[good, record], headers=headers)
        assert r.status_code == 403, (name, r.text)
        assert [e["index"] for e in r.json()["errors"]] == [1], name
        assert _snapshot(engine) == before, f"{name}: something was stored"


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_refusals_are_the_same_whether_or_not_the_id_exists(
    client, engine, tokens, foreign, dataset
):
    _model, _key, rid, make = DATASETS[dataset]
    headers = tokens.header("ingest", "VE-A")
    for at in (OLD, FUTURE):
        existing = client.post(URL + dataset, json=[make(rid, "M", at)], headers=headers)
        unknown = client.post(URL + dataset, json=[make("NO-SUCH-ID", "M", at)], headers=headers)
        assert existing.status_code == unknown.status_code == 403
        assert existing.json() == unknown.json()


def test_a_delivery_to_another_estados_clap_committee_is_refused(client, engine, tokens, foreign):
    headers = tokens.header("ingest", "VE-A")
    before = _snapshot(engine)
    sneaky = {**_delivery("D-NEW", "A", NEW), "clap_code": "CLAP-VE-M-1"}
    r = client.post(URL + "clap_deliveries", json=[sneaky], headers=headers)
    assert r.status_code == 403
    assert _snapshot(engine) == before


def test_a_scoped_token_still_writes_its_own_records(client, engine, tokens, foreign):
    headers = tokens.header("ingest", "VE-A")
    for dataset, (model, key, _rid, make) in DATASETS.items():
        rid = "VE-A-C9" if dataset == "territories" else f"{dataset}-A"
        record = make(rid, "A", NEW)
        r = client.post(URL + dataset, json=[record], headers=headers)
        assert r.status_code == 200, (dataset, r.text)
        r = client.post(URL + dataset, json=[make(rid, "A", FUTURE)], headers=headers)
        assert r.status_code == 200, (dataset, r.text)
        with Session(engine) as s:
            row = s.execute(select(model).where(getattr(model, key) == rid)).scalar_one()
            assert row.estado_code == "VE-A"


def test_a_write_moves_only_the_counters_of_the_territories_it_touched(engine, world):
    """The ingest path names every territory of the rows it wrote (data.versions): a screen
    of VE-A does not see VE-M's writes, a screen of VE-M's circuito does."""
    from data.scope import scope_for
    from data.versions import current_for

    def polls() -> dict[str, int]:
        with Session(engine) as s:
            return {
                code: current_for(s, scope_for(s, code))["incidents"]
                for code in ("VE-A", "VE-M", "VE-M-C1", "VE-M-C2")
            }

    before = polls()
    ingest(engine, "incidents", [_incident("I-1", "M", NEW)])  # a cuadrante of VE-M-C1
    after = polls()
    assert after["VE-A"] == before["VE-A"]
    assert after["VE-M-C2"] == before["VE-M-C2"]
    assert after["VE-M"] > before["VE-M"] and after["VE-M-C1"] > before["VE-M-C1"]
    # a national write that moves a record from VE-M to VE-A is seen by both estados
    moved = ingest(engine, "incidents", [_incident("I-1", "A", NEW)])
    assert moved.updated == 1
    final = polls()
    assert final["VE-A"] > after["VE-A"] and final["VE-M"] > after["VE-M"]
