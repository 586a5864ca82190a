"""``manage.py serve`` hands uvicorn the websocket compression the settings say."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
import uvicorn

from cli import serve


@pytest.mark.parametrize(("env", "expected"), [(None, True), ("0", False), ("1", True)])
def test_sala_ws_deflate_reaches_uvicorn(monkeypatch, env: str | None, expected: bool) -> None:
    """Small, frequent pushes cost each connection a compression: SALA_WS_DEFLATE=0 turns
    permessage-deflate off (less CPU and memory per screen, more bytes on the wire)."""
    if env is None:
        monkeypatch.delenv("SALA_WS_DEFLATE", raising=False)
    else:
        monkeypatch.setenv("SALA_WS_DEFLATE", env)
    monkeypatch.setenv("SALA_WORKERS", "1")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    serve.serve(argparse.Namespace(workers=0, host=None, port=None))
    assert seen["ws_per_message_deflate"] is expected
