"""Every way of starting the Sala hands uvicorn the same options (core.serving)."""

from __future__ import annotations

import argparse
import os
from typing import Any

import pytest
import uvicorn

from cli import database
from core.config import load_settings
from core.serving import uvicorn_options


def test_the_options_come_from_the_settings_and_overrides_win(monkeypatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("SALA_WS_DEFLATE", "0")
    options = uvicorn_options(load_settings(), port=9000, log_level="info")
    assert options == {
        "host": "0.0.0.0",
        "port": 9000,
        "proxy_headers": False,  # forwarded headers: SALA_TRUSTED_PROXIES (auth.proxies)
        "ws_per_message_deflate": False,
        "log_level": "info",
    }


@pytest.mark.parametrize(("env", "expected"), [("0", False), ("1", True)])
def test_manage_py_run_starts_uvicorn_with_them(monkeypatch, env: str, expected: bool) -> None:
    """``manage.py run`` (``make run``): the same compression and proxy rule as ``serve``."""
    monkeypatch.setenv("SALA_WS_DEFLATE", env)
    # run sets these when unset: set here, monkeypatch puts them back.
    for name, value in (("SALA_SECRET_KEY", "x" * 40), ("SALA_SIMULATE", "0")):
        monkeypatch.setenv(name, os.environ.get(name, value))
    monkeypatch.setenv("SALA_LOG_LEVEL", os.environ.get("SALA_LOG_LEVEL", "warning"))
    monkeypatch.setattr(database, "local_secret_key", lambda: "x")
    monkeypatch.setattr(database, "init_db", lambda: None)
    monkeypatch.setattr(database, "database_is_empty", lambda: False)
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs, app=app))
    database.run(argparse.Namespace(simulate="0"))
    assert seen["app"] == "app:server"
    assert seen["ws_per_message_deflate"] is expected and seen["proxy_headers"] is False
