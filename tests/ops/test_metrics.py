"""``/metrics``: Prometheus text that parses, served to loopback and SALA_METRICS_ALLOW only,
whose counters move with the actions that should move them."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.bus import MemoryBus
from data.hub import Hub
from data.models import Alert
from data.tokens import create_token
from tests.ops.conftest import REMOTE, make_client

pytestmark = pytest.mark.usefixtures("world")


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics`` as {(name, sorted labels): value}."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples, name: str, **labels: str) -> float:
    """Sum of ``name`` over every series matching ``labels``."""
    want = set(labels.items())
    return sum(v for (n, lab), v in samples.items() if n == name and want <= set(lab))


def cases(n: int, prefix: str | None = None) -> list[dict]:
    now = utcnow().isoformat()
    prefix = prefix or uuid.uuid4().hex[:6]
    return [
        {
            "id": f"{prefix}-{i}",
            "territory_code": "VE-A-CC1",
            "category": "agua",
            "status": "recibido",
            "reported_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]


def post(client, header, records) -> int:
    return client.post(
        "/api/v1/ingest/cases", content=json.dumps(records), headers=header
    ).status_code


def test_ingest_counters_sum_to_the_records_received(local, ingest_header):
    before = scrape(local)
    batch = cases(3)
    assert post(local, ingest_header, batch) == 200  # 3 inserted
    batch[0]["status"] = "asignado"
    batch[0]["updated_at"] = utcnow().isoformat()
    assert post(local, ingest_header, batch) == 200  # 1 updated, 2 unchanged
    after = scrape(local)
    name = "sala_ingest_records_total"
    grown = {
        outcome: value(after, name, dataset="cases", outcome=outcome)
        - value(before, name, dataset="cases", outcome=outcome)
        for outcome in ("inserted", "updated", "unchanged", "rejected")
    }
    assert grown == {"inserted": 3, "updated": 1, "unchanged": 2, "rejected": 0}
    assert sum(grown.values()) == 6  # the records received in accepted batches
    batches = "sala_ingest_batch_duration_seconds_count"
    assert (
        value(after, batches, dataset="cases", result="accepted")
        - value(before, batches, dataset="cases", result="accepted")
        == 2
    )


def test_rejected_batches_count_every_record_received(local, ingest_header, engine: Engine):
    with Session(engine) as s:
        scoped_header = {"Authorization": f"Bearer {create_token(s, 'solo-a', 'ingest', 'VE-A')}"}
        s.commit()
    before = scrape(local)
    bad = cases(4)
    bad[2]["status"] = "inventado"
    assert post(local, ingest_header, bad) == 422
    outside = cases(2)
    outside[0]["territory_code"] = "VE-M-CC1"
    assert post(local, scoped_header, outside) == 403
    after = scrape(local)
    name = "sala_ingest_records_total"
    assert (
        value(after, name, dataset="cases", outcome="rejected")
        - value(before, name, dataset="cases", outcome="rejected")
        == 6
    )
    assert value(after, name, dataset="cases", outcome="inserted") == value(
        before, name, dataset="cases", outcome="inserted"
    )


def test_request_latency_by_route_template_and_status(local, ingest_header):
    before = scrape(local)
    assert post(local, ingest_header, cases(1)) == 200
    assert local.get("/api/v1/territories", headers=ingest_header).status_code == 200
    assert local.get("/clap?territorio=VE-A").status_code == 200
    after = scrape(local)
    name = "sala_http_request_duration_seconds_count"
    route = {"route": "/api/v1/ingest/cases", "status": "200"}
    assert value(after, name, **route) - value(before, name, **route) == 1
    assert (
        total(after, name, route="/api/v1/territories")
        - total(before, name, route="/api/v1/territories")
        == 1
    )
    assert total(after, name, route="/{path:path}") > total(before, name, route="/{path:path}")
    routes = {dict(lab).get("route") for (n, lab) in after if n == name}
    assert not any(r and "VE-" in r for r in routes), "raw paths must never become labels"


def test_freshness_pool_and_alerts(local, ingest_header, engine: Engine):
    assert post(local, ingest_header, cases(1)) == 200
    with Session(engine) as s:
        s.add(Alert(rule="r", territory_code="VE-A", level=2, message="m", raised_at=utcnow()))
        s.add(
            Alert(
                rule="r",
                territory_code="VE-M",
                level=2,
                message="m",
                state="reconocida",
                raised_at=utcnow(),
                acknowledged_at=utcnow(),
            )
        )
        s.add(
            Alert(
                rule="r",
                level=3,
                message="m",
                state="resuelta",
                raised_at=utcnow(),
                resolved_at=utcnow(),
            )
        )
        s.commit()
    samples = scrape(local)
    age = value(samples, "sala_data_age_seconds", dataset="cases")
    assert ("sala_data_age_seconds", (("dataset", "cases"),)) in samples
    assert 0 <= age < 600
    assert ("sala_data_age_seconds", (("dataset", "incidents"),)) not in samples  # never written
    assert value(samples, "sala_alerts", level="2", state="abierta") == 1
    assert value(samples, "sala_alerts", level="2", state="reconocida") == 1
    assert total(samples, "sala_alerts", level="3") == 0  # resolved alerts are not counted
    assert value(samples, "sala_db_pool_capacity") >= 1
    assert ("sala_db_pool_in_use", ()) in samples


def test_push_connections_and_bus_lag_move_with_the_hub(local):
    async def scenario() -> tuple[float, float, float, float]:
        hub = Hub(MemoryBus(), read_timeout_s=0.05)
        before = scrape(local)
        subs = [await hub.subscribe(), await hub.subscribe()]
        during = scrape(local)
        hub.fan_out([("1", {"type": "ingest", "at": utcnow().isoformat()})])
        hub.unsubscribe(subs[0])
        hub.unsubscribe(subs[0])  # twice: counted once
        after = scrape(local)
        await hub.close()
        return (
            value(during, "sala_push_connections") - value(before, "sala_push_connections"),
            value(after, "sala_push_connections") - value(before, "sala_push_connections"),
            value(after, "sala_bus_lag_seconds_count")
            - value(before, "sala_bus_lag_seconds_count"),
            value(after, "sala_bus_lag_seconds_sum") - value(before, "sala_bus_lag_seconds_sum"),
        )

    connected, left, lag_count, lag_sum = asyncio.run(scenario())
    assert (connected, left, lag_count) == (2, 1, 1)
    assert 0 <= lag_sum < 60


def test_metrics_only_for_loopback_and_the_allow_list(engine, monkeypatch):
    with make_client(REMOTE) as remote:
        assert remote.get("/metrics").status_code == 403
    with make_client() as local:
        relayed = local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"})
        assert relayed.status_code == 403  # a proxy on this machine relays outsiders
    monkeypatch.setenv("SALA_METRICS_ALLOW", "203.0.113.0/28, 10.9.9.9")
    with make_client(REMOTE) as remote:
        assert remote.get("/metrics").status_code == 200
    with make_client(("198.51.100.9", 1)) as other:
        assert other.get("/metrics").status_code == 403


def test_each_request_is_logged_once_with_its_fields(local, caplog):
    caplog.set_level(logging.INFO, logger="sala.request")
    local.get("/healthz")
    lines = [r for r in caplog.records if r.name == "sala.request" and r.path == "/healthz"]
    assert len(lines) == 1
    record = lines[0]
    assert (record.method, record.status, record.client) == ("GET", 200, "127.0.0.1")
    assert record.duration_ms >= 0


def test_wall_screen_secrets_never_reach_the_log(local, caplog):
    caplog.set_level(logging.INFO, logger="sala.request")
    local.get("/pantalla/super-secreto-123", follow_redirects=False)
    text = " ".join(
        f"{r.getMessage()} {r.path}" for r in caplog.records if r.name == "sala.request"
    )
    assert "super-secreto-123" not in text and "/pantalla/[oculto]" in text
