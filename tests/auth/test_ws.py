"""The principal inside Dash websocket callbacks (thread pool and event loop), the origin
check, and a revoked screen's socket being closed."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect

from auth import middleware
from data.db import session_scope
from data.displays import create_display, revoke_display
from data.users import create_user
from tests import factories as f
from tests.auth.conftest import login, make_client

ORIGIN = {"origin": "http://127.0.0.1:8050"}
WS = "ws://127.0.0.1:8050/_dash-ws-callback"


def request(output: str, input_id: str, n: int) -> dict:
    out_id, prop = output.split(".")
    return {
        "type": "callback_request",
        "requestId": f"r{n}",
        "rendererId": "test",
        "payload": {
            "output": output,
            "outputs": {"id": out_id, "property": prop},
            "inputs": [{"id": input_id, "property": "value", "value": n}],
            "changedPropIds": [f"{input_id}.value"],
            "state": [],
        },
    }


def answer(ws) -> str:
    """The first callback_response's text (skips batching frames)."""
    while True:
        raw = ws.receive_text()
        for msg in json.loads(raw) if raw.startswith("[") else [json.loads(raw)]:
            if msg.get("type") == "callback_response":
                return json.dumps(msg["payload"])


@pytest.fixture
def estados(engine):
    with session_scope() as session:
        f.two_estados(session)


def test_ws_callbacks_see_the_logged_in_principal(sala_app, estados):
    with session_scope() as session:
        create_user(session, "ana", "clave-muy-segura-1", "analista", "VE-A")
    client = make_client(sala_app)
    login(client, "ana", "clave-muy-segura-1")
    with client.websocket_connect(WS, headers=ORIGIN) as ws:
        ws.send_json(request("ws-out.children", "ws-in", 1))
        assert "ana|analista|VE-A|user" in answer(ws)
        ws.send_json(request("ws-async-out.children", "ws-async-in", 2))
        assert "ana|analista|VE-A|user" in answer(ws)


def test_ws_refuses_anonymous_remote_callers_and_foreign_origins(sala_app, estados):
    with session_scope() as session:
        create_user(session, "ana", "clave-muy-segura-1", "analista", "VE-A")
    anonymous = make_client(sala_app, ("203.0.113.7", 1), "sala.example")
    url = "ws://sala.example/_dash-ws-callback"
    with pytest.raises(WebSocketDisconnect) as refused:
        anonymous.websocket_connect(url, headers={"origin": "http://sala.example"}).__enter__()
    assert refused.value.code == 4001
    client = make_client(sala_app)
    login(client, "ana", "clave-muy-segura-1")
    with pytest.raises(WebSocketDisconnect) as foreign:
        client.websocket_connect(WS, headers={"origin": "https://evil.example"}).__enter__()
    assert foreign.value.code == 4003


def test_revoked_display_socket_is_closed(sala_app, estados, monkeypatch):
    monkeypatch.setattr(middleware, "REVALIDATE_WS_S", 0.0)
    with session_scope() as session:
        _, secret = create_display(session, "SALA-1", "VE-M")
    client = make_client(sala_app)
    client.get(f"/pantalla/{secret}")
    with client.websocket_connect(WS, headers=ORIGIN) as ws:
        ws.send_json(request("ws-out.children", "ws-in", 1))
        assert "SALA-1|pantalla|VE-M|display" in answer(ws)
        with session_scope() as session:
            revoke_display(session, "SALA-1")
        ws.send_json(request("ws-out.children", "ws-in", 2))
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 4001
