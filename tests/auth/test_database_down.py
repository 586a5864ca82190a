"""While the database is down every route answers 503 (a short Spanish page, JSON on data
routes) with the security headers, ``/healthz`` reports it, each 503 is logged once in one
line; when the database is back the Sala recovers by itself.

PostgreSQL goes away for real: the app reaches it through a TCP forwarder that the test
stops (every open connection dies, as when the server stops) and starts again on the same
port. SQLite goes away by pointing the app at a file it cannot open.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import timedelta

import dash._get_app as dash_get_app
import pytest
from dash import Input, Output
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from core.config import load_settings
from data.db import make_engine, session_scope
from data.displays import create_display
from data.queries import catalog
from data.tokens import create_token
from data.users import create_user
from layouts.registry import PAGES
from tests import factories as f
from tests.auth.conftest import SECRET, login, make_client
from tests.auth.dash_requests import payload, server_callbacks
from tests.conftest import _migrated, empty_database
from tests.factories import T0
from tests.server import free_port
from tests.tcp_proxy import TcpProxy

PASSWORD = "clave-muy-segura-1"
OUTAGE_TEXT = "La base de datos no responde"


def make_world(engine: Engine) -> str:
    """Two estados with a record of each area, an admin and a wall screen; a read token."""
    with session_scope(engine) as session:
        f.two_estados(session)
        f.project(session, "P1", "VE-A-C1", "paralizado", 9_000, 10)
        f.delivery(session, "D1", "CLAP-VE-A-1", "VE-A-CC1", T0.date(), 100, 90)
        f.case(session, "C1", "VE-A-CC1", "agua", "recibido", T0 - timedelta(days=1))
        f.incident(session, "I1", "Q-VE-A-1", "VE-A-C1", "robo", T0)
        create_user(session, "jefa", PASSWORD, "admin")
        create_display(session, "SALA-1", "VE-A")
        return create_token(session, "lector", "ingest")


def build_app(database_url: str):
    from app import create_app

    settings = dataclasses.replace(load_settings(), secret_key=SECRET, database_url=database_url)
    app = create_app(settings)

    @app.callback(Output("down-out", "children"), Input("down-in", "value"))
    def query_a_dead_database(_value):
        """Test only: the database fails after the caller was identified."""
        dead = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nada")
        with session_scope(dead) as session:
            session.execute(text("SELECT 1"))

    return app


@pytest.fixture
def app_on(monkeypatch: pytest.MonkeyPatch):
    """``app_on(url)``: the Sala on the database at ``url`` (app and DATABASE_URL)."""
    previous = dash_get_app.APP
    clients: list[TestClient] = []

    def start(url: str):
        monkeypatch.setenv("DATABASE_URL", url)
        app = build_app(url)
        lifespan = TestClient(app.server, base_url="http://127.0.0.1:8050")
        lifespan.__enter__()
        clients.append(lifespan)
        return app

    yield start
    for client in clients:
        client.__exit__(None, None, None)
    dash_get_app.APP = previous


@pytest.fixture
def pg_proxy(request, _migrated_engines) -> Iterator[tuple[TcpProxy, str, Engine]]:
    """A migrated, empty PostgreSQL database reached through a TCP forwarder."""
    engine = _migrated(request, "postgresql", _migrated_engines)
    empty_database(engine)
    proxy = TcpProxy(engine.url.port or 5432, engine.url.host or "127.0.0.1").start()
    url = make_url(str(engine.url.render_as_string(hide_password=False))).set(port=proxy.port)
    try:
        yield proxy, url.render_as_string(hide_password=False), engine
    finally:
        proxy.stop()


def routes(app) -> list[tuple[str, str, object]]:
    """(method, path, body) of every page, Dash endpoint, callback and export."""
    pages = {"/", "/muro", "/admin", "/login", "/logout", "/pantalla/x", *(p.path for p in PAGES)}
    out: list[tuple[str, str, object]] = [("GET", p, None) for p in sorted(pages)]
    out += [("GET", "/_dash-layout", None), ("GET", "/_dash-dependencies", None)]
    out += [
        ("POST", "/_dash-update-component", payload(key, spec))
        for key, spec in server_callbacks(app)
        if key != "down-out.children"
    ]
    out += [("GET", f"/exportar/{name}.csv", None) for name in catalog.DATASETS]
    out += [("POST", "/login", {"username": "jefa", "password": PASSWORD})]
    return out


def call(client, method: str, path: str, body) -> object:
    if method == "GET":
        return client.get(path)
    if path == "/login":
        return client.post(path, data=body)
    return client.post(path, json=body)


def has_security_headers(answer) -> bool:
    h = answer.headers
    return (
        h.get("x-content-type-options") == "nosniff"
        and h.get("x-frame-options") == "DENY"
        and "frame-ancestors 'none'" in h.get("content-security-policy", "")
        and h.get("cache-control") == "no-store"
    )


def outage_answer(answer, path: str) -> bool:
    if answer.status_code != 503 or not has_security_headers(answer):
        return False
    if answer.headers.get("retry-after") is None and not path.startswith("/api/"):
        return False
    if path.startswith(("/_", "/exportar/", "/api/", "/healthz")):
        return answer.headers["content-type"].startswith("application/json")
    return answer.headers["content-type"].startswith("text/html") and OUTAGE_TEXT in answer.text


def test_postgresql_down_every_route_answers_503_then_recovers(pg_proxy, app_on, caplog):
    proxy, url, direct = pg_proxy
    ingest_token = make_world(direct)
    app = app_on(url)
    browser = make_client(app, ("203.0.113.7", 1), "sala.example")
    assert login(browser, "jefa", PASSWORD).status_code == 303
    api = {"Authorization": f"Bearer {ingest_token}"}
    every = routes(app)
    before = {(m, p): call(browser, m, p, b).status_code for m, p, b in every}
    assert all(status < 500 for status in before.values()), before

    proxy.stop()
    caplog.clear()
    caplog.set_level(logging.WARNING, logger="sala.http")
    bad = []
    for method, path, body in every:
        answer = call(browser, method, path, body)
        if not outage_answer(answer, path):
            bad.append((method, path, answer.status_code))
    api_calls = [
        browser.get("/api/v1/territories", headers=api),
        browser.get("/api/v1/summary", headers=api),
        browser.post("/api/v1/ingest/incidents", headers=api, json=[{"id": "I9"}]),
    ]
    bad += [(r.request.url.path, r.status_code) for r in api_calls if not outage_answer(r, "/api/")]
    assert bad == []
    health = browser.get("/healthz")
    assert health.status_code == 503 and health.json()["database"] == "down"
    assert browser.get("/assets/sala.css").status_code == 200  # static files need no database
    outages = [r for r in caplog.records if r.name == "sala.http" and r.msg.startswith("503")]
    expected = len(every) + len(api_calls) + 1  # and /healthz
    assert len(outages) == expected, [r.getMessage() for r in outages]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in outages)
    assert all("base de datos" in r.getMessage() or "/healthz" in r.getMessage() for r in outages)

    proxy.start()  # the same port: the app's pool reconnects by itself
    after = {(m, p): call(browser, m, p, b).status_code for m, p, b in every}
    assert after == before
    assert browser.get("/healthz").status_code == 200
    assert browser.get("/api/v1/summary", headers=api).status_code == 200


def test_a_callback_meeting_a_dead_database_answers_503(pg_proxy, app_on):
    _proxy, url, direct = pg_proxy
    make_world(direct)
    app = app_on(url)
    browser = make_client(app, ("203.0.113.7", 1), "sala.example")
    login(browser, "jefa", PASSWORD)
    spec = app.callback_map["down-out.children"]
    answer = browser.post(
        "/_dash-update-component", json=payload("down-out.children", spec, {0: "x"})
    )
    assert answer.status_code == 503 and has_security_headers(answer)
    assert answer.json()["error"] == "base_de_datos_no_disponible"


def test_sqlite_unreachable_every_page_answers_503_then_recovers(
    sqlite_engine, app_on, monkeypatch, tmp_path
):
    make_world(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    app = app_on(url)
    browser = make_client(app, ("203.0.113.7", 1), "sala.example")
    assert login(browser, "jefa", PASSWORD).status_code == 303
    every = routes(app)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")  # a directory: cannot open
    bad = [
        (m, p, answer.status_code)
        for m, p, b in every
        if not outage_answer(answer := call(browser, m, p, b), p)
    ]
    assert bad == []
    monkeypatch.setenv("DATABASE_URL", url)
    assert browser.get("/").status_code == 200
    assert browser.get("/_dash-layout").status_code == 200
