"""``manage.py serve`` as the systemd unit runs it: JSON logs from uvicorn and the app, and
``/metrics`` adding up every worker."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.db import make_engine
from data.migrate import upgrade
from data.tokens import create_token
from tests import factories as f
from tests.conftest import REDIS_URL
from tests.ops.serving import serve

pytestmark = pytest.mark.slow


def world(path: Path) -> tuple[str, str]:
    """A SQLite database with two estados and an ingest token; (url, token)."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        f.two_estados(s)
        secret = create_token(s, "campo", "ingest")
        s.commit()
    engine.dispose()
    return url, secret


def call(url: str, token: str | None = None, body: list | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method="POST" if body is not None else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
        request.data = json.dumps(body).encode()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def cases(n: int) -> list[dict]:
    now = utcnow().isoformat()
    tag = uuid.uuid4().hex[:6]
    return [
        {
            "id": f"{tag}-{i}",
            "territory_code": "VE-A-CC1",
            "category": "agua",
            "status": "recibido",
            "reported_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]


def test_json_logs_every_line_one_object(tmp_path: Path):
    url, token = world(tmp_path / "sala.db")
    served = serve(url, tmp_path / "serve.log", {"SALA_LOG_FORMAT": "json", "REDIS_URL": ""})
    try:
        assert call(f"{served.url}/api/v1/territories", token)[0] == 200
        assert call(f"{served.url}/api/v1/ingest/cases", token, cases(3))[0] == 200
        time.sleep(0.5)
    finally:
        served.stop()
    lines = [line for line in served.log().splitlines() if line.strip()]
    records = []
    for line in lines:
        record = json.loads(line)  # every line, uvicorn's included, is one JSON object
        assert {"time", "level", "logger", "message"} <= set(record), line
        records.append(record)
    loggers = {r["logger"] for r in records}
    assert "uvicorn.error" in loggers  # uvicorn's start-up lines, in JSON too
    requests = [r for r in records if r.get("path") == "/api/v1/territories"]
    assert len(requests) == 1  # each request logged once (uvicorn's access log is off)
    assert {"method", "status", "duration_ms", "client"} <= set(requests[0])
    assert (requests[0]["method"], requests[0]["status"], requests[0]["client"]) == (
        "GET",
        200,
        "127.0.0.1",
    )
    batches = [r for r in records if r["logger"] == "sala.ingest"]
    assert len(batches) == 1
    assert {k: batches[0][k] for k in ("dataset", "received", "inserted")} == {
        "dataset": "cases",
        "received": 3,
        "inserted": 3,
    }
    assert batches[0]["duration_ms"] >= 0


def test_plain_text_stays_the_default(tmp_path: Path):
    url, token = world(tmp_path / "sala.db")
    served = serve(url, tmp_path / "serve.log", {"SALA_LOG_FORMAT": "", "REDIS_URL": ""})
    try:
        assert call(f"{served.url}/api/v1/territories", token)[0] == 200
        time.sleep(0.3)
    finally:
        served.stop()
    lines = [line for line in served.log().splitlines() if "/api/v1/territories" in line]
    assert len(lines) == 1 and not lines[0].startswith("{")
    assert "GET /api/v1/territories 200" in lines[0]


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    status, body = call(f"{base}/metrics")
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_metrics_add_up_every_worker(tmp_path: Path):
    if not REDIS_URL:
        pytest.skip("varios workers necesitan Redis: defina SALA_TEST_REDIS")
    url, token = world(tmp_path / "sala.db")
    stream = f"sala:test:serve:{uuid.uuid4().hex[:8]}"
    env = {"REDIS_URL": REDIS_URL, "SALA_BUS_STREAM": stream, "SALA_LOG_FORMAT": "json"}
    served = serve(url, tmp_path / "serve.log", env, workers=2)
    try:
        ingest_concurrently(served.url, token, 12)
        first = ingest_pids(served.log())
        # The kernel may hand every connection to one worker: kill that one, so uvicorn
        # replaces it and the next batches land on another process.
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        wait_healthy(served.url)
        ingest_concurrently(served.url, token, 12)
        pids = ingest_pids(served.log())
        assert len(pids) >= 2, f"los lotes no se repartieron entre procesos: {pids}"
        for _ in range(3):  # any worker answers with the sum of all of them, dead ones too
            samples = scrape(served.url)
            inserted = samples[
                ("sala_ingest_records_total", (("dataset", "cases"), ("outcome", "inserted")))
            ]
            assert inserted == 48
    finally:
        served.stop()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(stream)


def ingest_concurrently(base: str, token: str, n: int) -> None:
    with ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(lambda _: call(f"{base}/api/v1/ingest/cases", token, cases(2))[0], range(n))
        )
    assert statuses == [200] * n


def ingest_pids(log: str) -> set[int]:
    return {json.loads(line)["pid"] for line in log.splitlines() if '"sala.ingest"' in line}


def wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("el servidor no volvió a responder")
