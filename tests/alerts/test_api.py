"""``/api/v1/alerts``: the contract, filters, acting with an ``operate`` token, and scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from data import audit
from data.bus import get_bus
from tests import factories as f
from tests.alerts.conftest import NOW, alerts, hours_ago, only, run
from tests.api.conftest import Tokens

FIELDS = {
    "id",
    "rule",
    "level",
    "state",
    "territory_code",
    "estado_code",
    "message",
    "count",
    "raised_at",
    "last_seen_at",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
    "notes",
}


@pytest.fixture
def client(engine) -> Iterator[TestClient]:
    from app import create_app

    with TestClient(create_app().server, raise_server_exceptions=False) as tc:
        yield tc


@pytest.fixture
def tokens(engine, world) -> Tokens:
    return Tokens(engine)


@pytest.fixture
def raised(engine, world, settings) -> dict[str, int]:
    """Open alerts: level 5 on VE-A-C1 and VE-M-C1, level 3 on VE-M-M1 (readiness)."""
    only(engine, "incidente_grave", "defensa_alistamiento_bajo")
    with Session(engine) as s:
        f.incident(s, "I1", "Q-VE-A-1", "VE-A-C1", "homicidio", hours_ago(NOW, 1), 5)
        f.incident(s, "I2", "Q-VE-M-1", "VE-M-C1", "secuestro", hours_ago(NOW, 2), 5)
        f.defense(s, "ADI-1", "VE-M-M1", 30)
        f.defense(s, "U-1", "VE-M-C1", 30)
        s.commit()
    run(engine, NOW, settings)
    return {a.territory_code: a.id for a in alerts(engine)}


def test_list_has_the_contract_fields_and_open_alerts_first(client, tokens, raised):
    r = client.get("/api/v1/alerts", headers=tokens.header("read"))
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body, list) and len(body) == 3
    assert all(set(a) >= FIELDS for a in body)
    assert [a["level"] for a in body] == [5, 5, 3]
    first = next(a for a in body if a["territory_code"] == "VE-A-C1")
    assert first["rule"] == "incidente_grave" and first["estado_code"] == "VE-A"
    assert first["state"] == "abierta" and first["count"] == 1
    assert datetime.fromisoformat(first["raised_at"]) == NOW
    note = first["notes"][0]
    assert datetime.fromisoformat(note["at"]) == NOW
    assert (note["by"], note["kind"], note["text"]) == ("automática", "abierta", first["message"])
    assert first["link"] == "/paz?territorio=VE-A-C1&rango=7d"


def test_filters_by_state_territory_and_level(client, tokens, raised):
    h = tokens.header("read")

    def get(q):
        return [a["territory_code"] for a in client.get(f"/api/v1/alerts?{q}", headers=h).json()]

    assert sorted(get("territory=VE-M")) == ["VE-M-C1", "VE-M-M1"]
    assert get("territory=VE-M&level_min=4") == ["VE-M-C1"]
    assert get("state=resuelta") == []
    assert len(get("state=abierta")) == 3
    assert client.get("/api/v1/alerts?state=cerrada", headers=h).status_code == 422
    assert client.get("/api/v1/alerts?level_min=6", headers=h).status_code == 422
    assert client.get("/api/v1/alerts?territory=XX", headers=h).status_code == 404


def test_operate_token_acknowledges_and_resolves_with_a_comment(client, tokens, raised, engine):
    h = tokens.header("operate")
    name = next(iter(_token_names(engine)))
    alert_id = raised["VE-A-C1"]
    after = get_bus().last_id()
    r = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "patrulla va"}, headers=h
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["acknowledged_by"]) == ("reconocida", name)
    assert body["notes"][-1]["by"] == name and body["notes"][-1]["text"] == "patrulla va"
    r = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "otra vez"}, headers=h
    )
    assert r.status_code == 409 and "reconocida" in r.json()["detail"]
    r = client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"comment": "controlado"}, headers=h)
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["resolved_by"]) == ("resuelta", name)
    assert client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=h).status_code == 409
    actions = [i["action"] for _, e in get_bus().read(after, 0.01, 100) for i in e.get("items", [])]
    assert actions == ["reconocida", "resuelta"]
    with Session(engine) as s:
        done = {(e.action, e.actor) for e in audit.latest(s)}
    assert {("alerta_reconocida", name), ("alerta_resuelta", name)} <= done


def _token_names(engine) -> list[str]:
    from sqlalchemy import select

    from data.models import ApiToken

    with Session(engine) as s:
        return list(s.scalars(select(ApiToken.name).where(ApiToken.role == "operate")))


@pytest.mark.parametrize("role", ["read", "ingest"])
def test_read_and_ingest_tokens_cannot_act(client, tokens, raised, role):
    r = client.post(
        f"/api/v1/alerts/{raised['VE-A-C1']}/acknowledge",
        json={"comment": "x"},
        headers=tokens.header(role),
    )
    assert r.status_code == 403
    assert alerts_state(client, tokens, raised["VE-A-C1"]) == "abierta"


def alerts_state(client, tokens, alert_id) -> str:
    body = client.get("/api/v1/alerts", headers=tokens.header("read")).json()
    return next(a["state"] for a in body if a["id"] == alert_id)


def test_a_scoped_token_never_sees_counts_or_acts_outside_its_territory(client, tokens, raised):
    h = tokens.header("operate", "VE-M")
    listed = {a["territory_code"] for a in client.get("/api/v1/alerts", headers=h).json()}
    assert listed == {"VE-M-C1", "VE-M-M1"}
    assert client.get("/api/v1/alerts?territory=VE-A", headers=h).status_code == 403
    outside = raised["VE-A-C1"]
    for action in ("acknowledge", "resolve"):
        r = client.post(f"/api/v1/alerts/{outside}/{action}", json={"comment": "x"}, headers=h)
        assert r.status_code == 404  # as if it did not exist
        assert r.json()["detail"] == f"No existe la alerta {outside}."
    r = client.post("/api/v1/alerts/999999/acknowledge", json={}, headers=h)
    assert r.status_code == 404 and r.json()["detail"] == "No existe la alerta 999999."
    assert alerts_state(client, tokens, outside) == "abierta"
    inside = client.post(f"/api/v1/alerts/{raised['VE-M-C1']}/acknowledge", headers=h)
    assert inside.status_code == 200


def test_bad_bodies_and_ids_are_422_never_500(client, tokens, raised):
    h = tokens.header("operate")
    alert_id = raised["VE-A-C1"]
    assert (
        client.post(
            f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "x" * 2001}, headers=h
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/alerts/{alert_id}/acknowledge",
            content=b"{",
            headers={**h, "content-type": "application/json"},
        ).status_code
        == 422
    )
    assert client.post("/api/v1/alerts/0/acknowledge", headers=h).status_code == 422
    assert client.post(f"/api/v1/alerts/{2**64}/resolve", headers=h).status_code == 422
    assert client.post(f"/api/v1/alerts/{alert_id}/acknowledge").status_code == 401


def test_evaluator_status(client, tokens):
    r = client.get("/api/v1/alerts/evaluator", headers=tokens.header("read"))
    assert r.status_code == 200 and r.json()["state"] in ("apagado", "en_espera", "evaluando")


def test_create_token_command_accepts_the_operate_role(engine, world, capsys):
    from cli import main

    assert (
        main(["create-token", "--name", "sala-op", "--role", "operate", "--territory", "VE-A"]) == 0
    )
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    from data.tokens import verify_token

    with Session(engine) as s:
        info = verify_token(s, secret)
    assert (info.role, info.territory_code) == ("operate", "VE-A")


def test_ack_after_time_passes_shows_fresh_times(client, tokens, raised, engine):
    r = client.post(
        f"/api/v1/alerts/{raised['VE-M-C1']}/acknowledge", headers=tokens.header("operate")
    )
    acknowledged = datetime.fromisoformat(r.json()["acknowledged_at"])
    assert acknowledged > NOW + timedelta(seconds=1)  # acted now, on the real clock
