"""The newer record wins under concurrency, decided by the database, and the /casos rollups
stay exactly equal to a rebuild from the cases, on SQLite and PostgreSQL.

Batches race through :func:`data.ingest.ingest` from threads released together by a barrier
(the API's thread pool does the same). Before the conditional upsert the older batch won
about half of these races and the rollups drifted.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.ingest import ingest
from data.models import CaseEvent, CitizenCase, Incident, Project, ProjectProgress
from tests import factories as f
from tests.data.test_rollups import _rebuilt, _stored
from tests.factories import T0

H = timedelta(hours=1)
ROUNDS = 12
WRITERS = 4
STATUSES = ("recibido", "asignado", "en_atencion", "resuelto", "rechazado")
CONSEJOS = ("VE-A-CC1", "VE-A-CC2", "VE-M-CC1")


@pytest.fixture
def world(engine: Engine) -> Engine:
    with Session(engine) as s:
        f.two_estados(s)
        s.commit()
    return engine


def race(*jobs: Callable[[], Any]) -> list[Any]:
    """Run ``jobs`` at the same instant in threads; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = job()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def case(cid: str, version: int, status: str, consejo: str = "VE-A-CC1", **extra: Any) -> dict:
    """Version ``version`` of case ``cid``: a later version has a later ``updated_at``."""
    reported = T0 - 48 * H
    record = {
        "id": cid,
        "territory_code": consejo,
        "category": extra.pop("category", "agua"),
        "status": status,
        "institution": "Hidrocapital",
        "reported_at": reported,
        "updated_at": reported + version * H,
    }
    if status == "resuelto":
        record["resolved_at"] = reported + version * H
    return {**record, **extra}


def stored_cases(engine: Engine) -> dict[str, tuple]:
    with Session(engine) as s:
        rows = s.execute(
            select(CitizenCase.id, CitizenCase.status, CitizenCase.updated_at, CitizenCase.category)
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_overlapping_case_batches_leave_the_newer_version_and_exact_rollups(world):
    """Many rounds of two batches on the same 50 ids, one newer, one older, started together."""
    ids = [f"C{i}" for i in range(50)]
    ingest(world, "cases", [case(cid, 1, "recibido") for cid in ids])
    for n in range(ROUNDS):
        newer_v, older_v = 10 + 2 * n + 1, 10 + 2 * n
        newer = [case(cid, newer_v, "asignado", category="gas") for cid in ids]
        older = [case(cid, older_v, "resuelto", consejo="VE-M-CC1") for cid in ids]
        jobs = [lambda b=b: ingest(world, "cases", b) for b in (newer, older)]
        if n % 2:
            jobs.reverse()
        race(*jobs)
        stored = stored_cases(world)
        want = (newer[0]["status"], newer[0]["updated_at"], "gas")
        assert all(stored[cid] == want for cid in ids), f"round {n}: an older batch won"
        assert _stored(world) == _rebuilt(world), f"round {n}: the rollups drifted"


def test_concurrent_inserts_of_the_same_new_ids_keep_the_newest(world):
    """Three batches insert the same new ids at once, each a different version."""
    for n in range(ROUNDS):
        ids = [f"N{n}-{i}" for i in range(100)]
        versions = (3, 1, 2)
        batches = [[case(cid, v, STATUSES[v]) for cid in ids] for v in versions]
        results = race(*(lambda b=b: ingest(world, "cases", b) for b in batches))
        assert sum(r.inserted for r in results) == len(ids)  # each id inserted exactly once
        stored = stored_cases(world)
        assert all(stored[cid][0] == STATUSES[3] for cid in ids), f"round {n}"
        assert _stored(world) == _rebuilt(world), f"round {n}: the rollups drifted"
    with Session(world) as s:  # every case's history ends with the status it has
        events = s.execute(select(CaseEvent.case_id, CaseEvent.status).order_by(CaseEvent.at))
        last = dict(events.all())
    assert last == {cid: row[0] for cid, row in stored_cases(world).items()}


def test_projects_race_keeps_the_newer_progress_and_its_history(world):
    def project(version: int, progress: float) -> list[dict]:
        return [
            {
                "id": f"P{i}",
                "circuito_code": "VE-A-C1",
                "consulta": "2025-4",
                "title": f"Proyecto {i}",
                "category": "agua",
                "transformation": 4,
                "approved_usd": 1000,
                "status": "en_ejecucion",
                "physical_progress": progress,
                "updated_at": T0 + version * H,
            }
            for i in range(40)
        ]

    ingest(world, "projects", project(0, 0))
    for n in range(ROUNDS):
        newer, older = project(2 * n + 2, 50 + n), project(2 * n + 1, 5)
        race(*(lambda b=b: ingest(world, "projects", b) for b in (older, newer)))
        with Session(world) as s:
            progress = set(s.scalars(select(Project.physical_progress)))
            last = s.execute(
                select(ProjectProgress.physical_progress)
                .where(ProjectProgress.project_id == "P0")
                .order_by(ProjectProgress.recorded_at.desc())
                .limit(1)
            ).scalar_one()
        assert progress == {50 + n}, f"round {n}: an older batch won"
        assert last == 50 + n  # the history ends with what is stored


def test_no_503_when_batches_insert_the_same_new_ids(world, client, ingest_h):
    """The API under the same race, each writer sending the ids in its own order: every
    request 200 (no deadlock or unique violation reaches the caller), each id inserted once."""
    for n in range(ROUNDS):
        ids = [f"I{n}-{i}" for i in range(200)]
        batches = [random.Random(k).sample(ids, len(ids)) for k in range(WRITERS)]
        answers = race(
            *(
                lambda b=b: client.post(
                    "/api/v1/ingest/incidents",
                    json=[
                        {
                            "id": i,
                            "cuadrante_code": "Q-VE-A-1",
                            "type": "robo",
                            "severity": 2,
                            "occurred_at": "2026-11-20T10:00:00-04:00",
                        }
                        for i in b
                    ],
                    headers=ingest_h,
                )
                for b in batches
            )
        )
        assert [a.status_code for a in answers] == [200] * WRITERS, [a.text for a in answers]
        assert sum(a.json()["inserted"] for a in answers) == len(ids)
    with Session(world) as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 200 * ROUNDS


version_st = st.integers(min_value=1, max_value=40)
record_st = st.tuples(
    st.sampled_from([f"H{i}" for i in range(6)]),
    version_st,
    st.sampled_from(STATUSES),
    st.sampled_from(CONSEJOS),
    st.sampled_from(("agua", "gas", "vialidad")),
)


def _batches(records: list[tuple]) -> list[list[dict]]:
    """Turn drawn records into batches with one record per id each (a batch rule)."""
    batches: list[dict[str, dict]] = []
    for cid, version, status, consejo, category in records:
        record = case(cid, version, status, consejo, category=category)
        for batch in batches:
            if cid not in batch:
                batch[cid] = record
                break
        else:
            batches.append({cid: record})
    return [list(b.values()) for b in batches]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(record_st, min_size=1, max_size=12),
    second=st.lists(record_st, min_size=1, max_size=12),
)
def test_random_interleaved_batches_keep_the_newest_and_exact_rollups(world, first, second):
    """Two writers, each sending its drawn batches in order, interleaved at random."""
    from tests.conftest import empty_database

    empty_database(world)
    with Session(world) as s:
        f.two_estados(s)
        s.commit()
    streams = [_batches(first), _batches(second)]
    race(*(lambda b=b: [ingest(world, "cases", batch) for batch in b] for b in streams))
    newest: dict[str, dict] = {}
    for stream in streams:
        for batch in stream:
            for record in batch:
                held = newest.get(record["id"])
                if held is None or record["updated_at"] > held["updated_at"]:
                    newest[record["id"]] = record
    stored = stored_cases(world)
    assert set(stored) == set(newest)
    for cid, record in newest.items():
        # equal updated_at from the two writers: either record may stand, both are "newest"
        ties = [
            r
            for s_ in streams
            for b in s_
            for r in b
            if r["id"] == cid and r["updated_at"] == record["updated_at"]
        ]
        assert stored[cid] in {(r["status"], r["updated_at"], r["category"]) for r in ties}
    assert _stored(world) == _rebuilt(world)
