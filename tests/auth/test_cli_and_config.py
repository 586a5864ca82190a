"""``manage.py`` user and screen commands, and the refusal of the default secret key."""

from __future__ import annotations

import dataclasses
import io

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from auth import check_secret_key
from auth.cookies import Signer
from auth.middleware import AuthMiddleware
from cli import main
from core.config import INSECURE_SECRET, load_settings
from data import audit
from data.db import session_scope
from data.displays import display_by_secret, list_displays
from data.users import list_users, login
from tests import factories as f


@pytest.fixture
def estados(engine):
    with session_scope() as session:
        f.two_estados(session)


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    return code, capsys.readouterr().out


def test_create_user_from_stdin_and_errors(estados, monkeypatch, capsys):
    argv = ["create-user", "--username", "ana", "--role", "analista", "--territory", "VE-A"]
    code, out = run(monkeypatch, capsys, [*argv, "--password-stdin"], "clave-muy-segura-1\n")
    assert code == 0 and "ana" in out
    with session_scope() as session:
        assert [e.action for e in audit.latest(session)] == ["usuario_creado"]
    assert login("ana", "clave-muy-segura-1", "127.0.0.1").user.territory_code == "VE-A"
    code, out = run(monkeypatch, capsys, [*argv, "--password-stdin"], "clave-muy-segura-1\n")
    assert code == 2 and "Ya existe" in out
    code, out = run(monkeypatch, capsys, argv)  # no TTY and no --password-stdin
    assert code == 2 and "--password-stdin" in out
    bad = ["create-user", "--username", "bea", "--role", "analista", "--territory", "XX"]
    code, out = run(monkeypatch, capsys, [*bad, "--password-stdin"], "clave-muy-segura-1\n")
    assert code == 2 and "no existe" in out
    with session_scope() as session:
        assert [u.username for u in list_users(session)] == ["ana"]


def test_create_and_revoke_display(estados, monkeypatch, capsys):
    argv = ["create-display", "--name", "SALA-1", "--territory", "VE-M"]
    code, out = run(monkeypatch, capsys, [*argv, "--base-url", "http://10.0.0.5:8050"])
    assert code == 0
    url = out.strip().splitlines()[-1]
    assert url.startswith("http://10.0.0.5:8050/pantalla/")
    secret = url.rsplit("/", 1)[1]
    with session_scope() as session:
        assert display_by_secret(session, secret).territory_code == "VE-M"
    assert run(monkeypatch, capsys, ["revoke-display", "--name", "SALA-1"])[0] == 0
    with session_scope() as session:
        assert display_by_secret(session, secret) is None
        assert list_displays(session)[0].revoked_at is not None
        assert [e.action for e in audit.latest(session)] == ["pantalla_revocada", "pantalla_creada"]
    code, out = run(monkeypatch, capsys, ["revoke-display", "--name", "NO-EXISTE"])
    assert code == 2 and "No hay una pantalla" in out


def test_default_key_refused_off_loopback():
    settings = dataclasses.replace(load_settings(), secret_key=INSECURE_SECRET)
    check_secret_key(settings)  # 127.0.0.1: allowed for local development
    with pytest.raises(SystemExit, match="SALA_SECRET_KEY"):
        check_secret_key(dataclasses.replace(settings, host="0.0.0.0"))
    check_secret_key(dataclasses.replace(settings, host="0.0.0.0", secret_key="x" * 40))


def test_default_key_refuses_remote_clients_even_when_bound_wide():
    """``uvicorn --host 0.0.0.0`` bypasses HOST: remote callers still get a clear 503."""
    inner = Starlette(routes=[Route("/", lambda r: PlainTextResponse("hola"))])
    app = AuthMiddleware(inner, signer=Signer(INSECURE_SECRET), csp=lambda: "", insecure_key=True)
    remote = TestClient(app, client=("203.0.113.7", 1))
    refused = remote.get("/")
    assert refused.status_code == 503 and "SALA_SECRET_KEY" in refused.text
