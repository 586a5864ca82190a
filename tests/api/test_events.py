"""One event per committed batch, on the in-process bus and on Redis; none on failure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, create_engine, func, select, text

from data.models import Incident
from tests.api.conftest import case, incident

URL = "/api/v1/ingest/"


def _events(bus, after: str) -> list[dict]:
    return [event for _id, event in bus.read(after, timeout_s=0.05)]


def test_one_event_per_batch_after_commit(client, engine: Engine, ingest_h, bus, monkeypatch):
    seen_in_database: list[int] = []
    publish = bus.publish

    def publish_and_look(event):  # the real bus, plus a look from ANOTHER connection
        other = create_engine(engine.url)
        with other.connect() as conn:
            seen_in_database.append(conn.scalar(select(func.count()).select_from(Incident)))
        other.dispose()
        return publish(event)

    monkeypatch.setattr(bus, "publish", publish_and_look)
    start = bus.last_id()
    batch = [incident(1), incident(2), incident(3, "Q-VE-M-1", lat=10.2, lon=-66.1)]
    assert client.post(URL + "incidents", json=batch, headers=ingest_h).status_code == 200
    assert seen_in_database == [3]  # published only once the batch was committed
    (event,) = _events(bus, start)
    assert {
        k: event[k] for k in ("type", "dataset", "received", "inserted", "updated", "unchanged")
    } == {
        "type": "ingest",
        "dataset": "incidents",
        "received": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert datetime.fromisoformat(event["at"]).utcoffset().total_seconds() == 0
    assert event["estados"] == ["VE-A", "VE-M"]
    assert [item["id"] for item in event["items"]] == ["I1", "I2", "I3"]
    item = event["items"][2]
    assert (item["estado_code"], item["municipio_code"], item["circuito_code"]) == (
        "VE-M",
        "VE-M-M1",
        "VE-M-C1",
    )
    assert (item["type"], item["severity"], item["lat"]) == ("robo", 2, 10.2)


def test_no_event_when_nothing_changed_or_the_batch_fails(client, ingest_h, bus):
    batch = [case(1)]
    client.post(URL + "cases", json=batch, headers=ingest_h)
    start = bus.last_id()
    assert client.post(URL + "cases", json=batch, headers=ingest_h).json()["unchanged"] == 1
    assert (
        client.post(URL + "cases", json=[case(2, territory="NOPE")], headers=ingest_h).status_code
        == 422
    )
    assert client.post(URL + "cases", content=b"[", headers=ingest_h).status_code == 400
    assert _events(bus, start) == []
    r = client.post(
        URL + "cases",
        json=[case(1, status="asignado", updated_at="2026-11-21T00:00:00Z")],
        headers=ingest_h,
    )
    assert r.json()["updated"] == 1
    (event,) = _events(bus, start)
    assert event["items"][0]["status"] == "asignado"
    assert event["estados"] == ["VE-A"]


def test_event_items_are_capped_at_50(client, ingest_h, bus):
    start = bus.last_id()
    batch = [incident(i) for i in range(120)]
    assert client.post(URL + "incidents", json=batch, headers=ingest_h).status_code == 200
    (event,) = _events(bus, start)
    assert event["inserted"] == 120
    assert len(event["items"]) == 50


def test_bus_failure_does_not_undo_the_commit(client, engine, ingest_h, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    r = client.post(URL + "incidents", json=[incident(1)], headers=ingest_h)
    assert r.status_code == 200
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM incident")) == 1
