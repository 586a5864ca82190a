"""The load simulator writes a fixed mix through the ingest path and announces it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.bus import get_bus
from data.models import (
    CaseEvent,
    CitizenCase,
    ClapDelivery,
    DataVersion,
    Incident,
    ProjectProgress,
    Transfer,
)
from data.simulation.load import LoadSimulator as Simulator
from data.simulation.runner import Mode, run
from tests import factories as f


def _world(engine) -> None:
    with Session(engine) as s:
        f.two_estados(s)
        for i, circuito in enumerate(("VE-A-C1", "VE-M-C2")):
            f.project(s, f"P{i}", circuito, "en_ejecucion", 20_000, 30)
        s.commit()


def _count(s: Session, model) -> int:
    return int(s.scalar(select(func.count()).select_from(model)))


def test_ticks_write_rows_of_every_kind_and_publish_events(engine, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    _world(engine)
    sim = Simulator(engine, seed=7)
    start = get_bus().last_id()
    published = 0
    night = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 22:00 in Caracas
    for _ in range(25):
        results = sim.tick(8, now=night)
        published += sum(1 for r in results.values() if r.event)
    events = [e for _id, e in get_bus().read(start, timeout_s=0.05, limit=10_000)]
    assert len(events) == published > 0
    assert {e["dataset"] for e in events} >= {"cases", "incidents", "clap_deliveries"}
    with Session(engine) as s:
        for model in (CitizenCase, Incident, ClapDelivery, CaseEvent):
            assert _count(s, model) > 0, model.__name__
        assert _count(s, Transfer) + _count(s, ProjectProgress) > 0
        moved = s.scalar(
            select(func.count()).select_from(CitizenCase).where(CitizenCase.status != "recibido")
        )
        assert moved > 0  # cases progress, not only open
        by_status = dict(  # status -> how many of its cases have resolved_at
            s.execute(
                select(CitizenCase.status, func.count(CitizenCase.resolved_at)).group_by(
                    CitizenCase.status
                )
            ).all()
        )
        versions = dict(s.execute(select(DataVersion.dataset, DataVersion.version)).all())
    assert versions["cases"] == sum(1 for e in events if e["dataset"] == "cases")
    assert sim.totals["records"] == sum(e["received"] for e in events)
    # resolved cases carry resolved_at; rejected ones do not (they were never resolved)
    assert by_status["resuelto"] > 0 and by_status.get("rechazado", 0) == 0


def test_a_rejected_case_is_never_resolved_and_a_resolved_one_always_is():
    import random

    from data.simulation.pools import Pools
    from data.simulation.records import RecordMaker

    now = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    maker = RecordMaker(random.Random(1))
    pools = Pools(places=[{"code": "VE-A-CC1", "estado_code": "VE-A"}])
    maker.new_case(pools, now)
    maker.new_case(pools, now)
    _, rejected = maker.case_step(pools, "rechazado", now)
    assert rejected["status"] == "rechazado" and "resolved_at" not in rejected
    for status in ("asignado", "en_atencion"):
        maker.case_step(pools, status, now)
    _, resolved = maker.case_step(pools, "resuelto", now)
    assert resolved["resolved_at"] == now
    _, closed = maker.case_step(pools, "cerrado", now)
    assert closed["resolved_at"] == now  # closing keeps the resolution time


def test_empty_database_does_nothing(engine):
    sim = Simulator(engine, seed=1)
    assert not sim.ready()
    assert sim.tick(5) == {}


def test_run_stops_when_asked(engine, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    _world(engine)
    stop = threading.Event()
    ticks = []

    def report(sim):
        ticks.append(sim.totals["records"])
        if len(ticks) == 2:
            stop.set()

    sim = run(engine, Mode(rate=5), stop=stop, report=report, seed=3)
    assert len(ticks) == 2
    # 5 per tick; a transfer needs a project with a bank, which this world lacks
    assert 0 < sim.totals["records"] <= 10


def test_big_ticks_never_send_a_record_twice_in_one_batch(engine, monkeypatch):
    """With many steps per tick the same case moves twice: it goes out once, last state."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    _world(engine)
    sim = Simulator(engine, seed=3)
    noon = datetime(2026, 11, 21, 16, 0, tzinfo=UTC)
    for _ in range(6):
        sim.tick(200, now=noon)  # a refused batch (two records with one id) would raise
    with Session(engine) as s:
        assert _count(s, CitizenCase) > 0
