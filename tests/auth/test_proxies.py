"""Forwarded headers count only from proxies declared in ``SALA_TRUSTED_PROXIES``.

The local demo trusts the real socket peer alone; the audit log and the login throttle see
the client a declared proxy reports, and the peer otherwise; uvicorn's own proxy-header
handling (on by default, trusting 127.0.0.1) fools neither, checked against a real uvicorn.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path

import dash._get_app as dash_get_app
import httpx
import pytest
from fastapi.testclient import TestClient

from auth.cookies import SESSION_COOKIE
from auth.proxies import forwarded_client
from core.config import load_settings, parse_trusted_proxies
from data import audit
from data.db import make_engine, session_scope
from data.migrate import upgrade
from data.users import create_user
from tests.auth.conftest import LOCAL, SECRET, csrf_of, login, make_client
from tests.server import start_server

PASSWORD = "clave-muy-segura-1"
PROXY = ("10.0.0.5", 40000)


def add_user(username: str = "ana", role: str = "analista") -> None:
    with session_scope() as session:
        create_user(session, username, PASSWORD, role)


def last_audit_ip() -> str | None:
    with session_scope() as session:
        return audit.latest(session, 1)[0].ip


@pytest.fixture(scope="module")
def proxied_app():
    """The app behind declared proxies: 10.0.0.5 and this machine (a local nginx)."""
    from app import create_app

    previous = dash_get_app.APP
    settings = dataclasses.replace(
        load_settings(),
        secret_key=SECRET,
        trusted_proxies=parse_trusted_proxies("10.0.0.5, 127.0.0.1"),
    )
    app = create_app(settings)
    try:
        with TestClient(app.server, base_url="http://127.0.0.1:8050", client=LOCAL):
            yield app
    finally:
        dash_get_app.APP = previous


# --- The rules --------------------------------------------------------------------------


def test_trusted_proxies_setting_parses_ips_and_blocks():
    nets = parse_trusted_proxies(" 10.0.0.5, 10.1.0.0/16 ,::1,")
    assert nets == (
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("10.1.0.0/16"),
        ipaddress.ip_network("::1/128"),
    )
    assert parse_trusted_proxies("") == ()
    with pytest.raises(SystemExit, match="SALA_TRUSTED_PROXIES"):
        parse_trusted_proxies("10.0.0.5, proxy.example")


def test_the_client_is_the_rightmost_address_not_a_declared_proxy():
    proxies = parse_trusted_proxies("10.0.0.0/8")
    assert forwarded_client(["198.51.100.7"], proxies) == "198.51.100.7"
    # a client may write anything on the left; the proxies append on the right
    assert forwarded_client(["127.0.0.1, 203.0.113.50, 10.0.0.9"], proxies) == "203.0.113.50"
    assert forwarded_client(["198.51.100.7", "10.0.0.9"], proxies) == "198.51.100.7"
    assert forwarded_client(["10.0.0.8, 10.0.0.9"], proxies) == "10.0.0.8"
    assert forwarded_client(["un-nombre, 10.0.0.9"], proxies) is None
    assert forwarded_client(["[2001:db8::1]:443"], proxies) == "2001:db8::1"


# --- The local demo trusts only the socket peer ----------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "127.0.0.1"},
        {"X-Forwarded-For": "198.51.100.2"},
        {"X-Real-IP": "127.0.0.1"},
        {"Forwarded": "for=127.0.0.1"},
        {"X-Forwarded-Host": "127.0.0.1"},
        {"X-Forwarded-Proto": "http"},
    ],
)
def test_demo_mode_refuses_anything_forwarded(sala_app, engine, header):
    client = make_client(sala_app, LOCAL)
    assert client.get("/").status_code == 200  # the same request without the header: demo
    assert client.get("/", headers=header).status_code == 303
    assert client.get("/_dash-layout", headers=header).status_code == 401


def test_a_declared_proxy_on_this_machine_is_never_the_local_demo(proxied_app, engine):
    """Even a proxy that forgot to send X-Forwarded-For does not make visitors local."""
    client = make_client(proxied_app, LOCAL)
    assert client.get("/").status_code == 303
    assert client.get("/_dash-layout").status_code == 401


# --- The client address: through a declared proxy only ---------------------------------


@pytest.mark.parametrize(
    "peer,headers,recorded",
    [
        (PROXY, {"X-Forwarded-For": "198.51.100.7"}, "198.51.100.7"),
        (PROXY, {"X-Forwarded-For": "127.0.0.1, 198.51.100.7"}, "198.51.100.7"),
        (PROXY, {"X-Real-IP": "198.51.100.7"}, "10.0.0.5"),  # only X-Forwarded-For counts
        (PROXY, {"X-Forwarded-For": "nada"}, "10.0.0.5"),
        (("203.0.113.7", 1), {"X-Forwarded-For": "198.51.100.7"}, "203.0.113.7"),
        (("203.0.113.7", 1), {"Forwarded": "for=198.51.100.7"}, "203.0.113.7"),
    ],
)
def test_audit_records_the_client_only_through_a_declared_proxy(
    proxied_app, engine, peer, headers, recorded
):
    add_user()
    client = make_client(proxied_app, peer, "sala.example")
    client.headers.update(headers)
    assert login(client, "ana", "mala-clave-0").status_code == 401
    assert last_audit_ip() == recorded


def test_https_is_believed_only_from_a_declared_proxy(proxied_app, engine):
    add_user()
    behind = make_client(proxied_app, PROXY, "sala.example")
    behind.headers.update({"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    answer = login(behind, "ana", PASSWORD)
    assert "Secure" in answer.headers["set-cookie"]
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
    direct = make_client(proxied_app, ("203.0.113.7", 1), "sala.example")
    direct.headers.update({"X-Forwarded-Proto": "https"})
    answer = login(direct, "ana", PASSWORD)
    assert SESSION_COOKIE in answer.headers["set-cookie"]
    assert "Secure" not in answer.headers["set-cookie"]
    assert "strict-transport-security" not in answer.headers


# --- A real uvicorn, with its default proxy headers (trusting 127.0.0.1) ----------------


def test_real_uvicorn_forged_forwarded_for_from_loopback(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'sala.db'}"
    engine = make_engine(url)
    upgrade(engine)
    server = start_server(url, env={"SALA_SECRET_KEY": SECRET}, log_path=tmp_path / "uv.log")
    forged = {"X-Forwarded-For": "198.51.100.9"}
    try:
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=60) as http:
            assert http.get("/").status_code == 200  # no users, this machine: the demo
            assert http.get("/", headers=forged).status_code == 303
            assert http.get("/_dash-layout", headers=forged).status_code == 401
            with session_scope(engine) as session:
                create_user(session, "ana", PASSWORD, "analista")
            token = csrf_of(http.get("/login").text)
            form = {"username": "ana", "password": "mala-clave-0", "csrf": token}
            assert http.post("/login", data=form, headers=forged).status_code == 401
        with session_scope(engine) as session:
            entry = audit.latest(session, 1)[0]
        assert (entry.action, entry.ip) == ("login_fallido", "127.0.0.1")
    finally:
        server.stop()
        engine.dispose()
