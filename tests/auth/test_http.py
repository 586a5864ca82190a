"""Access control against the real app over HTTP, on SQLite and PostgreSQL.

Pages, Dash callbacks and the admin page, for each kind of caller: the local demo, a remote
browser, users of each role and scope, and wall screens.
"""

from __future__ import annotations

import json
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from auth.cookies import DISPLAY_MAX_AGE, SESSION_COOKIE, Signer
from data import audit, sessions
from data.db import session_scope
from data.displays import create_display, list_displays, revoke_display
from data.models import AuthSession
from data.users import create_user, list_users, set_active, set_password
from layouts.user import DEMO_TEXT
from tests import factories as f
from tests.auth.conftest import (
    LOCAL,
    SECRET,
    callback_payload,
    csrf_of,
    login,
    make_client,
)
from tests.factories import T0

PASSWORD = "clave-muy-segura-1"


def actions() -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(e.actor, e.action) for e in reversed(audit.latest(session, 1000))]


def layout_text(client) -> str:
    """The shell of the current caller as readable text (Dash escapes non-ASCII)."""
    return json.dumps(client.get("/_dash-layout").json(), ensure_ascii=False)


def add_user(username: str, role: str, territory: str | None = None) -> int:
    with session_scope() as session:
        return create_user(session, username, PASSWORD, role, territory).id


@pytest.fixture
def world(engine):
    """Two estados with projects: VE-A has 2 (10.000 + 12.000,5 USD), VE-M has 1 (9.000)."""
    with session_scope() as session:
        f.two_estados(session)
        f.project(session, "P1", "VE-A-C1", "en_ejecucion", 10_000, 40)
        f.project(session, "P2", "VE-A-C2", "culminado", 12_000.5, 100)
        f.project(session, "P3", "VE-M-C1", "paralizado", 9_000, 10)


# --- The local demo and remote callers with no users ------------------------------------


def test_no_users_local_runs_as_local_admin_with_banner(local):
    assert local.get("/").status_code == 200
    layout = layout_text(local)
    assert DEMO_TEXT in layout and "admin-local" in layout
    assert local.get("/admin").status_code == 200


def test_no_users_remote_is_refused(remote):
    page = remote.get("/panorama?x=1")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fpanorama%3Fx%3D1"
    assert remote.get("/_dash-layout").status_code == 401
    assert remote.get("/_dash-dependencies").status_code == 401
    assert remote.post("/_dash-update-component", json={}).status_code == 401
    assert remote.get("/admin").status_code == 303
    assert "Aún no hay usuarios" in remote.get("/login").text
    assert remote.get("/assets/sala.css").status_code == 200  # static files stay public


@pytest.mark.parametrize(
    "host,headers",
    [("sala.example", {}), ("127.0.0.1:8050", {"X-Forwarded-For": "198.51.100.2"})],
)
def test_local_demo_needs_loopback_host_and_no_proxy(sala_app, engine, host, headers):
    client = make_client(sala_app, LOCAL, host)
    assert client.get("/", headers=headers).status_code == 303
    assert client.get("/_dash-layout", headers=headers).status_code == 401


def test_demo_mode_ends_when_a_user_exists(local):
    add_user("jefa", "admin")
    assert local.get("/").status_code == 303
    assert local.get("/_dash-layout").status_code == 401


# --- Login, sessions, lockout, logout ----------------------------------------------------


def test_login_sets_a_signed_httponly_session_and_audits(world, remote):
    add_user("ana", "analista", "VE-A")
    bad = login(remote, "ana", "clave-equivocada")
    assert bad.status_code == 401 and "incorrectos" in bad.text
    ok = login(remote, "ana", PASSWORD, "/panorama")
    assert ok.status_code == 303 and ok.headers["location"] == "/panorama"
    cookie = ok.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    layout = layout_text(remote)
    assert "ana" in layout and "VE-A" in layout and DEMO_TEXT not in layout
    assert actions() == [("ana", "login_fallido"), ("ana", "login")]


def test_login_refuses_missing_csrf_and_foreign_origin(remote):
    add_user("ana", "analista")
    token = csrf_of(remote.get("/login").text)
    form = {"username": "ana", "password": PASSWORD}
    assert remote.post("/login", data=form).status_code == 403
    foreign = remote.post(
        "/login", data={**form, "csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert SESSION_COOKIE not in remote.cookies
    assert actions() == []


def test_login_never_redirects_off_site(remote):
    add_user("ana", "analista")
    assert login(remote, "ana", PASSWORD, "//evil.example/x").headers["location"] == "/"


def test_lockout_after_five_failures(remote):
    add_user("op", "operador")
    for _ in range(4):
        assert login(remote, "op", "mala-clave").status_code == 401
    locked = login(remote, "op", "mala-clave")
    assert "bloqueada" in locked.text
    still = login(remote, "op", PASSWORD)  # the right password does not open a locked account
    assert still.status_code == 401 and "bloqueada" in still.text
    assert SESSION_COOKIE not in remote.cookies
    logged = [a for _, a in actions()]
    assert logged == ["login_fallido"] * 4 + ["login_bloqueado", "login_bloqueado"]


def _signed(secret: str, age_s: int = 0, key: str = SECRET) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_s

    return URLSafeTimedSerializer(key, salt="sala-session", signer=Past).dumps({"sid": secret})


def test_expired_tampered_and_forged_sessions_are_refused(sala_app, engine):
    add_user("ana", "analista")
    with session_scope() as session:
        uid = list_users(session)[0].id
        secret = sessions.start(session, user_id=uid)

    def status(value: str) -> tuple[int, int]:
        client = make_client(sala_app, ("203.0.113.7", 1), "sala.example")
        client.cookies.set(SESSION_COOKIE, value)
        return client.get("/").status_code, client.get("/_dash-layout").status_code

    assert status(_signed(secret)) == (200, 200)
    assert status(_signed(secret, age_s=DISPLAY_MAX_AGE + 60)) == (303, 401)
    good = _signed(secret)
    assert status(good[:-2] + ("AA" if good[-2:] != "AA" else "BB")) == (303, 401)
    assert status(_signed(secret, key="otra-clave")) == (303, 401)
    assert status(_signed("un-secreto-inventado")) == (303, 401)
    with session_scope() as session:  # the session's own lifetime is kept in the database
        session.query(AuthSession).update({"expires_at": T0})
    assert status(_signed(secret)) == (303, 401)


def test_password_change_and_deactivation_end_sessions(remote):
    add_user("ana", "analista")
    login(remote, "ana", PASSWORD)
    assert remote.get("/").status_code == 200
    with session_scope() as session:
        set_password(session, "ana", "nueva-clave-larga")
    assert remote.get("/").status_code == 303
    login(remote, "ana", "nueva-clave-larga")
    assert remote.get("/").status_code == 200
    with session_scope() as session:
        set_active(session, "ana", False)
    assert remote.get("/").status_code == 303


def test_logout_clears_the_session_and_audits(remote):
    add_user("ana", "analista")
    login(remote, "ana", PASSWORD)
    page = remote.get("/logout")
    assert page.status_code == 200
    out = remote.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login?salida=1"
    assert remote.get("/").status_code == 303
    assert actions()[-1] == ("ana", "logout")


# --- Roles ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["autoridad", "analista", "operador", "pantalla"])
def test_only_admins_reach_admin(remote, role):
    add_user("jefa", "admin")
    add_user("otro", role)
    login(remote, "otro", PASSWORD)
    page = remote.get("/admin")
    assert page.status_code == 403 and "No autorizado" in page.text
    token = csrf_of(remote.get("/login").text)
    form = {"username": "intruso", "role": "admin", "password": PASSWORD, "csrf": token}
    assert remote.post("/admin/usuarios", data=form).status_code == 403
    with session_scope() as session:
        assert [u.username for u in list_users(session)] == ["jefa", "otro"]
    assert ("otro", "acceso_denegado") in actions()


def test_admin_actions_are_authorised_and_audited(world, remote):
    add_user("jefa", "admin")
    login(remote, "jefa", PASSWORD)
    token = csrf_of(remote.get("/admin").text)
    created = remote.post(
        "/admin/usuarios",
        data={
            "username": "ana",
            "role": "analista",
            "territory": "VE-A",
            "password": PASSWORD,
            "csrf": token,
        },
    )
    assert created.status_code == 303
    bad = remote.post(
        "/admin/usuarios",
        data={
            "username": "bea",
            "role": "analista",
            "territory": "VE-NO",
            "password": PASSWORD,
            "csrf": token,
        },
    )
    assert bad.status_code == 400 and "no existe" in bad.text
    no_csrf = remote.post("/admin/usuarios/ana/activo", data={"activo": "0"})
    assert no_csrf.status_code == 403
    reset = {"password": "otra-clave-larga", "csrf": token}
    assert remote.post("/admin/usuarios/ana/clave", data=reset).status_code == 303
    off = {"activo": "0", "csrf": token}
    assert remote.post("/admin/usuarios/ana/activo", data=off).status_code == 303
    shown = remote.post(
        "/admin/pantallas", data={"name": "SALA-1", "territory": "VE-A", "csrf": token}
    )
    assert shown.status_code == 200 and "/pantalla/" in shown.text
    assert remote.post("/admin/pantallas/SALA-1/revocar", data={"csrf": token}).status_code == 303
    with session_scope() as session:
        users = {u.username: u for u in list_users(session)}
        displays = list_displays(session)
    assert set(users) == {"jefa", "ana"} and not users["ana"].active
    assert users["ana"].territory_code == "VE-A"
    assert [(d.name, d.revoked_at is not None) for d in displays] == [("SALA-1", True)]
    assert [a for who, a in actions() if who == "jefa"] == [
        "login",
        "usuario_creado",
        "clave_restablecida",
        "usuario_desactivado",
        "pantalla_creada",
        "pantalla_revocada",
    ]
    log = remote.get("/admin?accion=pantalla_creada&n=50").text
    assert "SALA-1" in log and "usuario_creado</td>" not in log


# --- Wall screens -----------------------------------------------------------------------


def test_display_link_logs_in_as_pantalla_until_revoked(world, remote):
    add_user("jefa", "admin")
    with session_scope() as session:
        _, secret = create_display(session, "SALA-1", "VE-A")
    first = remote.get(f"/pantalla/{secret}")
    assert first.status_code == 303 and first.headers["location"] == "/muro"
    assert SESSION_COOKIE in first.headers["set-cookie"]
    assert remote.get("/muro").status_code == 200
    layout = layout_text(remote)
    # a kiosk: neither the screen's name nor links to other pages or administration
    assert "SALA-1" not in layout and "user-box" not in layout and "/admin" not in layout
    assert remote.get("/admin").status_code == 403
    answer = remote.post(
        "/_dash-update-component",
        json=callback_payload("probe-out.children", "probe-territory", None),
    )
    assert answer.status_code == 200
    with session_scope() as session:
        revoke_display(session, "SALA-1")
    assert remote.get("/muro").status_code == 303
    refused = remote.post(
        "/_dash-update-component",
        json=callback_payload("probe-out.children", "probe-territory", None),
    )
    assert refused.status_code == 401
    assert remote.get(f"/pantalla/{secret}").status_code == 404
    assert remote.get("/pantalla/inventado").status_code == 404
    assert actions() == [
        ("SALA-1", "pantalla_login"),
        ("SALA-1", "acceso_denegado"),
        ("(pantalla)", "pantalla_rechazada"),
        ("(pantalla)", "pantalla_rechazada"),
    ]


# --- Territorial scope through crafted callback payloads -------------------------------


def _probe(client, code):
    return client.post(
        "/_dash-update-component",
        json=callback_payload("probe-out.children", "probe-territory", code),
    )


def _projects(answer) -> dict:
    return json.loads(answer.json()["response"]["probe-out"]["children"])


@pytest.mark.parametrize("code", ["VE-M", "VE-M-C1", "VE-M-CC1", "VE-M-M1"])
def test_scoped_user_gets_nothing_from_another_estado(world, remote, code):
    add_user("ana", "analista", "VE-A")
    login(remote, "ana", PASSWORD)
    refused = _probe(remote, code)
    assert refused.status_code == 403
    assert refused.json()["error"] == "fuera_de_ambito"
    assert "9000" not in refused.text and "paralizado" not in refused.text


def test_scoped_user_sees_own_territory_and_below(world, remote):
    add_user("ana", "analista", "VE-A")
    login(remote, "ana", PASSWORD)
    own = _projects(_probe(remote, None))  # no territory asked: the scope's root
    assert own["total"] == 2 and own["approved_usd"] == 22_000.5
    assert _projects(_probe(remote, "VE-A-C2"))["total"] == 1
    assert own["by_status"]["paralizado"] == 0


def test_national_user_sees_every_estado(world, remote):
    add_user("vice", "autoridad")
    login(remote, "vice", PASSWORD)
    assert _projects(_probe(remote, None))["total"] == 3
    assert _projects(_probe(remote, "VE-M"))["approved_usd"] == 9_000


# --- Hardening --------------------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(local):
    for path in ("/", "/login", "/_dash-layout", "/assets/sala.css", "/healthz"):
        headers = local.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    csp = local.get("/").headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp and "unsafe-eval" not in csp


def test_https_gets_hsts_and_secure_cookies(sala_app, engine):
    add_user("ana", "analista")
    client = make_client(sala_app, ("203.0.113.7", 1), "sala.example")
    client.base_url = "https://sala.example"
    page = client.get("/login")
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert page.headers["cache-control"] == "no-store"
    answer = login(client, "ana", PASSWORD)
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]


def test_api_routes_are_left_to_the_api(remote):
    """No redirect or 401 from the session layer: the API answers with its own auth."""
    assert remote.get("/healthz").status_code == 200


def test_only_exact_public_paths_skip_login(remote):
    add_user("ana", "analista")
    assert remote.get("/loginx").status_code == 303
    assert remote.get("/logout/x").status_code == 303
    assert remote.get("/pantallas").status_code == 303
    assert remote.get("/_favicon.ico").status_code == 401


def test_state_admin_manages_only_its_own_territory(world, remote):
    add_user("jefa-a", "admin", "VE-A")
    add_user("ana", "analista", "VE-A-C1")
    add_user("mario", "analista", "VE-M")
    add_user("vice", "autoridad")
    with session_scope() as session:
        create_display(session, "SALA-M", "VE-M")
        create_display(session, "SALA-A", "VE-A")
    login(remote, "jefa-a", PASSWORD)
    page = remote.get("/admin").text
    assert "<td>ana</td>" in page and "<td>SALA-A</td>" in page
    assert "<td>mario</td>" not in page and "<td>vice</td>" not in page
    assert "<td>SALA-M</td>" not in page
    token = csrf_of(page)

    def new_user(name: str, territory: str) -> int:
        form = {"username": name, "role": "admin", "territory": territory, "password": PASSWORD}
        return remote.post("/admin/usuarios", data={**form, "csrf": token}).status_code

    assert new_user("x1", "VE-M") == 403
    assert new_user("x2", "VE-A-C2") == 303
    assert new_user("x3", "") == 303  # empty: the admin's own territory, never national
    for target in ("mario", "vice"):
        off = {"activo": "0", "csrf": token}
        assert remote.post(f"/admin/usuarios/{target}/activo", data=off).status_code == 403
        reset = {"password": "otra-clave-larga", "csrf": token}
        assert remote.post(f"/admin/usuarios/{target}/clave", data=reset).status_code == 403
    revoke = remote.post("/admin/pantallas/SALA-M/revocar", data={"csrf": token})
    assert revoke.status_code == 403
    national_screen = {"name": "SALA-N", "territory": "", "csrf": token}
    assert remote.post("/admin/pantallas", data=national_screen).status_code == 200
    with session_scope() as session:
        users = {u.username: u for u in list_users(session)}
        displays = {d.name: d for d in list_displays(session)}
    assert "x1" not in users
    assert (users["x2"].territory_code, users["x3"].territory_code) == ("VE-A-C2", "VE-A")
    assert users["mario"].active and users["vice"].active
    assert displays["SALA-M"].revoked_at is None
    assert displays["SALA-N"].territory_code == "VE-A"
    denied = [a for who, a in actions() if who == "jefa-a" and a == "acceso_denegado"]
    assert len(denied) == 6


def test_display_cookie_survives_a_restart_until_revoked(world, sala_app):
    """The cookie and its session row are the screen's state: a fresh process with the same
    key accepts it."""
    with session_scope() as session:
        display, _ = create_display(session, "SALA-1", "VE-A")
        secret = sessions.start(session, display_id=display.id)
    screen = make_client(sala_app, ("203.0.113.9", 1), "sala.example")
    screen.cookies.set(SESSION_COOKIE, Signer(SECRET).session(secret))
    assert screen.get("/muro").status_code == 200
    forged = make_client(sala_app, ("203.0.113.9", 1), "sala.example")
    forged.cookies.set(SESSION_COOKIE, Signer("otra-clave").session(secret))
    assert forged.get("/muro").status_code == 303
    with session_scope() as session:
        revoke_display(session, "SALA-1")
    assert screen.get("/muro").status_code == 303


@pytest.mark.parametrize("role,status", [("operador", 200), ("analista", 403), ("pantalla", 403)])
def test_role_guard_in_a_callback(remote, role, status):
    add_user("u", role)
    login(remote, "u", PASSWORD)
    answer = remote.post(
        "/_dash-update-component", json=callback_payload("act-out.children", "act-in", 1)
    )
    assert answer.status_code == status
    if status == 403:
        assert answer.json()["error"] == "no_autorizado"
    else:
        assert answer.json()["response"]["act-out"]["children"] == "u"
