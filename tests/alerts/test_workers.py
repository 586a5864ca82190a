"""Two servers (two ``uvicorn`` processes) on one database and one Redis: exactly one
evaluates, alerts are never duplicated, and when the evaluating one is killed the other
takes over. On SQLite the lock is the Redis key; on PostgreSQL the advisory lock."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.models import Alert
from data.tokens import create_token
from tests.alerts.conftest import only
from tests.conftest import REDIS_URL
from tests.server import Server, start_server

pytestmark = pytest.mark.slow
TAKEOVER_S = 40  # Redis key TTL (10 s) plus retries, on a busy machine


def _call(srv: Server, secret: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        srv.url + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"sin {what} en {timeout} s")


def _severe(code: str, cuadrante: str) -> list[dict]:
    occurred = utcnow().isoformat()
    return [
        {
            "id": code,
            "cuadrante_code": cuadrante,
            "type": "homicidio",
            "severity": 5,
            "occurred_at": occurred,
        }
    ]


def test_one_evaluator_no_duplicates_and_takeover(engine, world, tmp_path: Path):
    if not REDIS_URL:
        pytest.skip("Redis tests need SALA_TEST_REDIS")
    only(engine, "incidente_grave")
    with Session(engine) as s:
        secret = create_token(s, "campo", "ingest")
        s.commit()
    url = engine.url.render_as_string(hide_password=False)
    env = {
        "SALA_ALERTAS": "1",
        "SALA_ALERTAS_PERIODO": "5",
        "REDIS_URL": REDIS_URL,
        "SALA_BUS_STREAM": f"sala:test:{uuid.uuid4().hex}",
    }
    servers = [start_server(url, env=env, log_path=tmp_path / f"worker{i}.log") for i in range(2)]
    try:

        def roles() -> list[str]:
            return [_call(s, secret, "/api/v1/alerts/evaluator")["state"] for s in servers]

        _until(lambda: "evaluando" in roles(), 20, "evaluador")
        time.sleep(6)  # a window round or two
        statuses = [_call(s, secret, "/api/v1/alerts/evaluator") for s in servers]
        assert sorted(st["state"] for st in statuses) == ["en_espera", "evaluando"]
        leader = next(i for i, st in enumerate(statuses) if st["state"] == "evaluando")
        follower = 1 - leader
        assert statuses[leader]["rounds"] >= 1 and statuses[follower]["rounds"] == 0

        # a write through the follower: the leader hears it on the bus and evaluates once
        _call(servers[follower], secret, "/api/v1/ingest/incidents", _severe("I1", "Q-VE-A-1"))
        _until(lambda: _call(servers[follower], secret, "/api/v1/alerts"), 15, "alerta")
        time.sleep(6)  # more rounds: still one alert
        follower_status = _call(servers[follower], secret, "/api/v1/alerts/evaluator")
        assert (follower_status["rounds"], follower_status["event_evaluations"]) == (0, 0)
        assert len(_call(servers[follower], secret, "/api/v1/alerts")) == 1

        servers[leader].process.kill()  # the evaluating worker dies without cleaning up
        servers[leader].process.wait()
        _until(
            lambda: (
                _call(servers[follower], secret, "/api/v1/alerts/evaluator")["state"] == "evaluando"
            ),
            TAKEOVER_S,
            "relevo",
        )
        _call(servers[follower], secret, "/api/v1/ingest/incidents", _severe("I2", "Q-VE-M-2"))
        found = _until(
            lambda: [
                a
                for a in _call(servers[follower], secret, "/api/v1/alerts")
                if a["territory_code"] == "VE-M-C2"
            ],
            15,
            "alerta tras el relevo",
        )
        assert len(found) == 1
    finally:
        for srv in servers:
            srv.stop()
    with Session(engine) as s:
        per_key = s.execute(
            select(Alert.rule, Alert.territory_code, func.count()).group_by(
                Alert.rule, Alert.territory_code
            )
        ).all()
    assert sorted((t, n) for _r, t, n in per_key) == [("VE-A-C1", 1), ("VE-M-C2", 1)]
