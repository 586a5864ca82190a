"""Administration inside a territorial scope: the audit log and the changes an admin bound
to an estado may make, in the data layer and over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from data import audit
from data.db import session_scope
from data.displays import create_display, list_displays
from data.scope import scope_for
from data.users import create_user, list_users
from tests import factories as f
from tests.auth.conftest import csrf_of, login, make_client

PASSWORD = "clave-muy-segura-1"


@pytest.fixture
def world(engine):
    """VE-A (with a comuna under its circuito) and VE-M; users and screens in both."""
    with session_scope() as session:
        f.two_estados(session)
        f.territory(session, "VE-A-COM1", "comuna", "VE-A-C1")
        create_user(session, "jefa-a", PASSWORD, "admin", "VE-A")
        create_user(session, "ana", PASSWORD, "analista", "VE-A-C1")
        create_user(session, "mario", PASSWORD, "analista", "VE-M")
        create_user(session, "vice", PASSWORD, "autoridad")
        create_display(session, "SALA-M", "VE-M")


def test_the_audit_query_keeps_to_the_readers_scope(world):
    with session_scope() as session:
        audit.record(session, "ana", "login", None, "10.0.0.1", "VE-A-C1")
        audit.record(session, "mario", "login", None, "10.0.0.2", "VE-M")
        audit.record(session, "vice", "login", None, "10.0.0.3", None)
        audit.record(session, "x", "exportar", {"conjunto": "casos"}, None, "VE-A-COM1")
        audit.record(session, "cli", "token_creado", {"token": "t"}, None, "VE-M")
        audit.record(session, "(pantalla)", "pantalla_rechazada", None, "10.0.0.4")
    with session_scope() as session:
        state = scope_for(session, "VE-A")
        seen = [(e.actor, e.action) for e in audit.latest(session, 50, scope=state)]
        assert seen == [("x", "exportar"), ("ana", "login")]
        assert audit.actions(session, state) == ["exportar", "login"]
        comuna = scope_for(session, "VE-A-COM1")
        assert [e.actor for e in audit.latest(session, 50, scope=comuna)] == ["x"]
        assert [e.actor for e in audit.latest(session, 50, None, scope_for(session, "VE-M"))] == [
            "cli",
            "mario",
        ]
        assert len(audit.latest(session, 50)) == 6  # national: everything
        assert [e.actor for e in audit.latest(session, 50, "login", state)] == ["ana"]


def test_state_admin_sees_only_audit_entries_about_its_state(world, sala_app):
    for name in ("ana", "mario", "vice"):
        login(make_client(sala_app, ("203.0.113.7", 1), "sala.example"), name, PASSWORD)
    login(make_client(sala_app, ("203.0.113.8", 1), "sala.example"), "nadie", "mala-clave-0")
    jefa = make_client(sala_app, ("203.0.113.9", 1), "sala.example")
    login(jefa, "jefa-a", PASSWORD)
    token = csrf_of(jefa.get("/admin").text)
    form = {"name": "SALA-A", "territory": "VE-A-C2", "csrf": token}
    assert jefa.post("/admin/pantallas", data=form).status_code == 200
    page = jefa.get("/admin?n=200").text
    log = page[page.index("Registro de auditoría") :]
    assert "<td>ana</td><td>login</td>" in log
    assert "<td>jefa-a</td><td>pantalla_creada</td>" in log
    assert "mario" not in log and "vice" not in log and "nadie" not in log
    assert "pantalla_creada" in page and 'value="login_fallido"' not in page
    with session_scope() as session:
        national = [(e.actor, e.action) for e in audit.latest(session, 50)]
    assert ("mario", "login") in national and ("nadie", "login_fallido") in national


def test_state_admin_changes_nothing_outside_its_state(world, sala_app):
    jefa = make_client(sala_app, ("203.0.113.9", 1), "sala.example")
    login(jefa, "jefa-a", PASSWORD)
    token = csrf_of(jefa.get("/admin").text)

    def post(path: str, **form: str) -> int:
        return jefa.post(path, data={**form, "csrf": token}).status_code

    user = {"role": "admin", "password": PASSWORD}
    assert post("/admin/usuarios", username="x1", territory="VE-M", **user) == 403
    assert post("/admin/usuarios", username="x2", territory="VE-M-C1", **user) == 403
    assert post("/admin/pantallas", name="SALA-X", territory="VE-M") == 403
    assert post("/admin/pantallas/SALA-M/revocar") == 403
    assert post("/admin/usuarios/mario/activo", activo="0") == 403
    assert post("/admin/usuarios/vice/clave", password="otra-clave-larga") == 403
    assert post("/admin/usuarios/ana/activo", activo="0") == 303  # inside: allowed
    with session_scope() as session:
        users = {u.username: u for u in list_users(session)}
        displays = {d.name: d for d in list_displays(session)}
    assert "x1" not in users and "x2" not in users and "SALA-X" not in displays
    assert users["mario"].active and not users["ana"].active
    assert displays["SALA-M"].revoked_at is None
    assert login(make_client(sala_app, ("203.0.113.7", 1)), "vice", PASSWORD).status_code == 303
