"""The push loop's fast path works with the INSTALLED Dash (not a fake socket).

``send_window`` queues pre-serialized messages straight on Dash's websocket outbox through
private attributes (``_get_outbound_queue``, ``_renderer_id``); when they are missing it falls
back to ``set_props`` (one JSON round trip per tab and message: the cost the shared window
saves). A Dash upgrade that renames them would degrade every wall silently, so these tests
run the real thing: a Dash app with the FastAPI backend, a persistent websocket callback
calling ``send_window`` on ``ctx.websocket``, and a websocket client reading what arrives.
They fail if the fallback is taken, or if what the fast path sends differs from what Dash
itself would send for the same values.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from dash import Dash, ctx, html
from fastapi.testclient import TestClient

import callbacks.live as live
from callbacks.live import TabPush, send_window
from data.bus import MemoryBus
from data.hub import Hub
from data.scope import TerritoryRef
from tests.live.harness import ingest_event

MIRANDA = TerritoryRef("VE-M", "estado", "Miranda", "VE-M", None, None, None)


class SpyTab(TabPush):
    """A tab that remembers the messages it built (to send them again through Dash)."""

    built: list[str]

    def window_messages(self, window: Any, renderer_id: str) -> list[str]:
        self.built = super().window_messages(window, renderer_id)
        return self.built


def run_push(monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict], dict[str, Any]]:
    """One window pushed by a real persistent websocket callback of a real Dash app, then
    the same values through Dash's own ``set_prop``: what the client received and what the
    callback saw (its socket, the fallback's calls)."""
    fallback: list[tuple[str, Any]] = []
    monkeypatch.setattr(live, "set_props", lambda cid, props: fallback.append((cid, props)))
    seen: dict[str, Any] = {"fallback": fallback}
    done = threading.Event()
    hub = Hub(MemoryBus())

    app = Dash(__name__, backend="fastapi", websocket_inactivity_timeout=0)
    app.layout = html.Div(id="root")

    async def push_once() -> None:
        ws = seen["ws"] = ctx.websocket
        try:
            if ws is not None:
                tab = SpyTab(hub, MIRANDA)
                send_window(tab, ws, hub.deliver([("8", ingest_event("VE-M", 1))]))
                for built in tab.built:  # the same values, serialized by Dash itself
                    payload = json.loads(built)["payload"]
                    ((prop, value),) = payload["props"].items()
                    await ws.set_prop(payload["componentId"], prop, value)
        finally:
            done.set()

    app.callback(websocket=True, persistent=True)(push_once)
    app._setup_server()
    output = next(iter(app.callback_map))
    received: list[dict] = []
    with (
        TestClient(app.server) as client,
        client.websocket_connect(
            "/_dash-ws-callback", headers={"origin": "http://testserver"}
        ) as ws,
    ):
        ws.send_json(
            {
                "type": "callback_request",
                "requestId": "r1",
                "rendererId": "renderer-1",
                "payload": {
                    "output": output,
                    "outputs": [],
                    "inputs": [],
                    "state": [],
                    "changedPropIds": [],
                },
            }
        )
        assert done.wait(20), "the persistent callback never ran"
        while sum(m.get("type") == "set_props" for m in received) < 3 + 3 - len(fallback):
            data = json.loads(ws.receive_text())
            received += data if isinstance(data, list) else [data]
    return [m for m in received if m.get("type") == "set_props"], seen


def test_push_takes_the_fast_path_with_the_installed_dash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent, seen = run_push(monkeypatch)
    ws = seen["ws"]
    assert ws is not None, "Dash no longer gives a websocket callback its socket (ctx.websocket)"
    assert callable(getattr(ws, "_get_outbound_queue", None)), (
        f"{type(ws).__module__}.{type(ws).__name__} has no _get_outbound_queue: update "
        "callbacks.live.send_raw for this Dash, or every wall falls back to set_props"
    )
    assert isinstance(getattr(ws, "_renderer_id", None), str), (
        f"{type(ws).__name__} has no string _renderer_id: update callbacks.live.send_raw"
    )
    assert seen["fallback"] == [], "send_window fell back to set_props with the installed Dash"
    ours = sent[:3]
    assert [m["payload"]["componentId"] for m in ours] == ["live-feed", "live-cursor", "live-beat"]
    assert {m["rendererId"] for m in ours} == {"renderer-1"}
    feed = ours[0]["payload"]["props"]["data"]
    assert feed["seq"] == 1 and feed["total"] == 1 and feed["last_id"] == "8"
    assert ours[1]["payload"]["props"]["data"]["id"] == "8"


def test_fast_path_messages_equal_what_dash_itself_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hand-built messages (the shared JSON spliced in) reach the client exactly as
    Dash's own ``set_prop`` sends the same values."""
    sent, seen = run_push(monkeypatch)
    assert seen["fallback"] == []
    assert len(sent) == 6
    assert sent[:3] == sent[3:]
