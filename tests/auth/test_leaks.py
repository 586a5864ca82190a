"""Small leaks: data responses are never cached, and a scoped screen's data-version poll
moves only with writes inside its scope (national screens keep the national counters)."""

from __future__ import annotations

import pytest

from data import versions
from data.db import session_scope
from data.scope import NATIONAL, scope_for
from data.tokens import create_token
from data.users import create_user
from tests import factories as f
from tests.auth.conftest import login, make_client
from tests.auth.dash_requests import payload, server_callbacks

PASSWORD = "clave-muy-segura-1"
VE_A_ROW = ["VE-A", "VE-A-M1", "VE-A-P1", "VE-A-C1"]  # the path of a row written in VE-A
VE_M_ROW = ["VE-M", "VE-M-M1", "VE-M-P1", "VE-M-C2"]


@pytest.fixture
def world(engine):
    with session_scope() as session:
        f.two_estados(session)
        f.territory(session, "VE-A-COM1", "comuna", "VE-A-C1")
        create_user(session, "ana", PASSWORD, "analista", "VE-A")
        create_user(session, "vice", PASSWORD, "autoridad")


def watched(code: str | None) -> dict[str, int]:
    """What a screen bound to ``code`` polls (checked against the Scope-based reading)."""
    with session_scope() as session:
        polled = versions.current_for_territory(session, code)
        assert polled == versions.current_for(session, scope_for(session, code))
        return polled


def bump(territories=None, dataset: str = "cases") -> None:
    with session_scope() as session:
        versions.bump(session, [dataset], territories)


def test_scoped_versions_move_only_with_writes_inside_the_scope(world):
    scopes = [None, "VE-A", "VE-A-M1", "VE-A-C1", "VE-A-COM1", "VE-M", "VE-M-C1"]
    start = {code: watched(code) for code in scopes}
    bump(VE_M_ROW)
    after_m = {code: watched(code) for code in scopes}
    assert after_m["VE-M"]["cases"] == start["VE-M"]["cases"] + 1
    assert after_m[None]["cases"] == start[None]["cases"] + 1  # national sees everything
    for code in ("VE-A", "VE-A-M1", "VE-A-C1", "VE-A-COM1", "VE-M-C1"):
        assert after_m[code] == start[code], code  # nothing to see outside VE-M-C2
    bump(VE_A_ROW, "projects")
    assert watched("VE-A")["projects"] == 1 and watched("VE-A-COM1")["projects"] == 1
    assert watched("VE-M")["projects"] == 0 and watched("VE-M")["cases"] == 1
    bump()  # a write that does not say where (bulk load): every screen refreshes
    assert all(watched(code)["cases"] == after_m[code]["cases"] + 1 for code in scopes)


def test_the_version_store_keeps_the_old_signature(world):
    with session_scope() as session:
        versions.bump(session, ["cases", "cases", "incidents"])
        assert versions.current(session)["cases"] == 1
        assert versions.current_for(session, NATIONAL) == versions.current(session)


def poll(client, app) -> dict[str, int]:
    key, spec = next((k, s) for k, s in server_callbacks(app) if "live-poll-ok" in k)
    answer = client.post("/_dash-update-component", json=payload(key, spec, {0: 1}))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    return answer.json()["response"]["live-version"]["data"]


def test_a_scoped_screens_poll_cannot_observe_writes_elsewhere(world, sala_app):
    ana = make_client(sala_app, ("203.0.113.7", 1), "sala.example")
    vice = make_client(sala_app, ("203.0.113.8", 1), "sala.example")
    login(ana, "ana", PASSWORD)
    login(vice, "vice", PASSWORD)
    first_ana, first_vice = poll(ana, sala_app), poll(vice, sala_app)
    for _ in range(3):
        bump(VE_M_ROW)
    assert poll(ana, sala_app) == first_ana  # three writes in VE-M: invisible
    assert poll(vice, sala_app)["cases"] == first_vice["cases"] + 3
    bump(VE_A_ROW)
    assert poll(ana, sala_app)["cases"] == first_ana["cases"] + 1


def test_data_responses_are_never_cached(world, sala_app, api_settings):
    with session_scope() as session:
        secret = create_token(session, "lector", "read")
    vice = make_client(sala_app, ("203.0.113.8", 1), "sala.example")
    login(vice, "vice", PASSWORD)
    auth = {"Authorization": f"Bearer {secret}"}
    answers = [
        vice.get("/api/v1/summary", headers=auth),
        vice.get("/api/v1/territories", headers=auth),
        vice.get("/api/openapi.json"),
        vice.get("/healthz"),
        vice.get("/exportar/casos.csv"),
        vice.get("/_dash-layout"),
        vice.get("/_dash-dependencies"),
        vice.get("/clap"),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.request.url
        assert answer.headers["cache-control"] == "no-store", answer.request.url
    assert vice.get("/assets/sala.css").headers.get("cache-control") != "no-store"
