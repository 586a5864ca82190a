"""API tokens in /admin: create with role and scope, secret shown once, revoke, last use,
audited; a scoped administrator only sees and manages tokens in its territory."""

from __future__ import annotations

import re

import pytest

from data import audit
from data.db import session_scope
from data.tokens import create_token, list_tokens, verify_token
from tests.auth.conftest import csrf_of, login
from tests.auth.test_http import PASSWORD, add_user, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("world")


def token_actions() -> list[tuple[str, str, dict]]:
    with session_scope() as session:
        return [
            (e.actor, e.action, e.detail or {})
            for e in reversed(audit.latest(session, 1000))
            if e.action.startswith("token_")
        ]


def test_empty_token_table_says_so(remote):
    add_user("jefa", "admin")
    login(remote, "jefa", PASSWORD)
    page = remote.get("/admin").text
    assert "Aún no hay tokens de la API" in page
    assert 'id="admin-tokens"' in page


def test_create_shows_the_secret_once_and_it_works_on_the_api(remote):
    add_user("jefa", "admin")
    login(remote, "jefa", PASSWORD)
    token = csrf_of(remote.get("/admin").text)
    form = {"name": "clap-a", "role": "read", "territory": "Estado VE-A — estado · VE-A"}
    created = remote.post("/admin/tokens", data={**form, "csrf": token})
    assert created.status_code == 200
    secret = re.search(r'id="token-secret">([^<]+)<', created.text).group(1)
    assert secret.startswith("sala_")
    again = remote.get("/admin").text
    assert secret not in again and "clap-a" in again and "nunca" in again
    with session_scope() as session:
        (row,) = list_tokens(session)
    assert (row.name, row.role, row.territory_code, row.last_used_at) == (
        "clap-a",
        "read",
        "VE-A",
        None,
    )
    with session_scope() as session:  # what every API call does (api.deps.require)
        assert verify_token(session, secret).territory_code == "VE-A"
    with session_scope() as session:
        (row,) = list_tokens(session)
    assert row.last_used_at is not None
    assert (
        "nunca" not in remote.get("/admin").text.split('id="admin-tokens"')[1].split("</table>")[0]
    )
    assert token_actions() == [
        ("jefa", "token_creado", {"token": "clap-a", "rol": "read", "territorio": "VE-A"})
    ]


def test_revoke_stops_the_token_and_is_audited(remote):
    add_user("jefa", "admin")
    with session_scope() as session:
        secret = create_token(session, "viejo", "ingest")
    login(remote, "jefa", PASSWORD)
    token = csrf_of(remote.get("/admin").text)
    assert remote.post("/admin/tokens/viejo/revocar", data={"csrf": token}).status_code == 303
    page = remote.get("/admin?ok=token_revocado").text
    assert "Token de la API revocado." in page and "revocado " in page
    with session_scope() as session:
        assert verify_token(session, secret) is None
    assert token_actions() == [("jefa", "token_revocado", {"token": "viejo"})]


def test_bad_input_is_explained_and_changes_nothing(remote):
    add_user("jefa", "admin")
    login(remote, "jefa", PASSWORD)
    token = csrf_of(remote.get("/admin").text)
    cases = [
        ({"name": "", "role": "read", "territory": ""}, "no puede estar vacío"),
        ({"name": "x", "role": "superusuario", "territory": ""}, "Rol desconocido"),
        ({"name": "x", "role": "read", "territory": "Atlántida · VE-ZZ"}, "no existe"),
    ]
    for form, text in cases:
        answer = remote.post("/admin/tokens", data={**form, "csrf": token})
        assert answer.status_code == 400 and text in answer.text
    assert remote.post("/admin/tokens", data={"name": "x", "role": "read"}).status_code == 403
    with session_scope() as session:
        assert list_tokens(session) == []


def test_only_admins_manage_tokens(remote):
    add_user("jefa", "admin")
    add_user("ana", "analista")
    login(remote, "ana", PASSWORD)
    token = csrf_of(remote.get("/login").text)
    form = {"name": "x", "role": "ingest", "territory": "", "csrf": token}
    assert remote.post("/admin/tokens", data=form).status_code == 403
    assert remote.get("/admin/territorios?q=VE").status_code == 403
    with session_scope() as session:
        assert list_tokens(session) == []


def test_state_admin_sees_and_manages_only_its_tokens(remote):
    add_user("jefa-a", "admin", "VE-A")
    with session_scope() as session:
        create_token(session, "nacional", "read")
        create_token(session, "miranda", "read", "VE-M")
        create_token(session, "capital", "read", "VE-A-C1")
    login(remote, "jefa-a", PASSWORD)
    page = remote.get("/admin").text
    assert 'data-token="capital"' in page
    assert 'data-token="nacional"' not in page and 'data-token="miranda"' not in page
    token = csrf_of(page)
    for name in ("nacional", "miranda"):
        assert remote.post(f"/admin/tokens/{name}/revocar", data={"csrf": token}).status_code == 403
    outside = {"name": "m2", "role": "read", "territory": "VE-M", "csrf": token}
    assert remote.post("/admin/tokens", data=outside).status_code == 403
    own = {"name": "a2", "role": "ingest", "territory": "", "csrf": token}
    assert remote.post("/admin/tokens", data=own).status_code == 200
    with session_scope() as session:
        tokens = {t.name: t for t in list_tokens(session)}
    assert tokens["a2"].territory_code == "VE-A"  # empty: the admin's territory, never national
    assert tokens["nacional"].revoked_at is None and tokens["miranda"].revoked_at is None
    assert "m2" not in tokens


def test_territory_search_by_name_within_scope(remote):
    add_user("jefa-a", "admin", "VE-A")
    login(remote, "jefa-a", PASSWORD)
    found = remote.get("/admin/territorios?q=c1").json()
    assert found and all(" · VE-A" in value for value in found)
    assert any(value.endswith(" · VE-A-C1") for value in found)
    assert remote.get("/admin/territorios?q=VE-M").json() == []
    assert remote.get("/admin/territorios.js").status_code == 200
