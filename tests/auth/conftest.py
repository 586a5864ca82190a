"""A real Sala app (FastAPI + Dash) for the access-control tests, with two probe callbacks.

The app is built once per module; each test still gets its own empty database through the
``engine`` fixture (DATABASE_URL is read per request). Clients pick their address:
``127.0.0.1`` is this machine, ``203.0.113.7`` a remote browser.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

import dash._get_app as dash_get_app
import pytest
from dash import Input, Output
from fastapi.testclient import TestClient

from auth.guard import require_role
from auth.principal import current_principal
from core.config import load_settings
from data.db import session_scope
from data.queries.summary import summary
from data.scope import resolve, scope_for
from tests.factories import T0

SECRET = "test-secret-key-for-the-auth-suite-0123456789"
LOCAL = ("127.0.0.1", 40000)
REMOTE = ("203.0.113.7", 40000)


def add_probe_callbacks(app) -> None:
    """Test-only callbacks: the summary of a territory, over HTTP and over the websocket."""

    @app.callback(Output("probe-out", "children"), Input("probe-territory", "value"))
    def probe(code):
        with session_scope() as session:
            scope = scope_for(session, current_principal().territory_code)
            ref = resolve(session, scope, code)
            return json.dumps(summary(session, ref, T0)["projects"])

    @app.callback(Output("act-out", "children"), Input("act-in", "value"))
    def act(_value):
        return require_role("admin", "operador").username

    @app.callback(Output("ws-out", "children"), Input("ws-in", "value"), websocket=True)
    def ws_probe(_value):
        p = current_principal()
        return f"{p.username}|{p.role}|{p.territory_code}|{p.kind}"

    @app.callback(Output("ws-async-out", "children"), Input("ws-async-in", "value"), websocket=True)
    async def ws_async_probe(_value):
        p = current_principal()
        return f"{p.username}|{p.role}|{p.territory_code}|{p.kind}"


@pytest.fixture(scope="module")
def sala_app():
    from app import create_app

    previous = dash_get_app.APP  # Dash's lifespan wires "the current app": give it back
    settings = dataclasses.replace(load_settings(), secret_key=SECRET)
    app = create_app(settings)
    add_probe_callbacks(app)
    try:
        with TestClient(app.server, base_url="http://127.0.0.1:8050", client=LOCAL):
            yield app  # lifespan ran: Dash's catch-all page route exists
    finally:
        dash_get_app.APP = previous


def make_client(app, address=LOCAL, host: str = "127.0.0.1:8050") -> TestClient:
    return TestClient(app.server, base_url=f"http://{host}", client=address, follow_redirects=False)


@pytest.fixture
def api_settings(sala_app, engine):
    """The module's app built its settings once: point its REST API at this test's database."""
    state = sala_app.server.state
    built = state.sala_settings
    state.sala_settings = dataclasses.replace(
        built, database_url=engine.url.render_as_string(hide_password=False)
    )
    try:
        yield state.sala_settings
    finally:
        state.sala_settings = built


@pytest.fixture
def local(sala_app, engine) -> Iterator[TestClient]:
    yield make_client(sala_app)


@pytest.fixture
def remote(sala_app, engine) -> Iterator[TestClient]:
    yield make_client(sala_app, REMOTE, "sala.example")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def login(client: TestClient, username: str, password: str, next_url: str = "/"):
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf": csrf_of(page.text),
            "next": next_url,
        },
    )


def callback_payload(output: str, input_id: str, value) -> dict:
    out_id, prop = output.split(".")
    return {
        "output": output,
        "outputs": {"id": out_id, "property": prop},
        "inputs": [{"id": input_id, "property": "value", "value": value}],
        "changedPropIds": [f"{input_id}.value"],
        "state": [],
    }
