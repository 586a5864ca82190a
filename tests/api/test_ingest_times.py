"""The fast write path keeps every instant exact: times sent with any offset are stored as
the same UTC instant in the records and in the history rows the writer derives from them
(on PostgreSQL they travel through a ``timestamptz`` staging table)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from data.db import session_scope
from data.ingest import ingest, ingest_json
from data.ingest.write import COPY_ABOVE
from data.models import CaseEvent, CitizenCase, Project, ProjectProgress, Territory
from tests import factories as f

REPORTED = "2026-11-20T08:00:00-04:00"  # 12:00 UTC
UPDATED = "2026-11-20T18:15:30.250000+05:30"  # 12:45:30.25 UTC
REPORTED_UTC = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
UPDATED_UTC = datetime(2026, 11, 20, 12, 45, 30, 250000, tzinfo=UTC)


def test_offsets_become_the_same_utc_instant_in_rows_and_history(engine):
    with session_scope() as session:
        f.two_estados(session)
    case = {
        "id": "C1",
        "territory_code": "VE-A-CC1",
        "category": "agua",
        "status": "asignado",
        "reported_at": REPORTED,
        "updated_at": UPDATED,
    }
    body = f'[{{"id": "C1", "territory_code": "VE-A-CC1", "category": "agua", "status": "asignado", "reported_at": "{REPORTED}", "updated_at": "{UPDATED}"}}]'
    assert ingest_json(engine, "cases", body.encode()).inserted == 1
    project = {
        "id": "P1",
        "circuito_code": "VE-A-C1",
        "consulta": "2025-4",
        "title": "Pozo",
        "category": "agua",
        "transformation": 1,
        "approved_usd": 10000,
        "status": "aprobado",
        "physical_progress": 0,
        "updated_at": UPDATED,
    }
    assert ingest(engine, "projects", [project]).inserted == 1
    with session_scope() as session:
        stored = session.get(CitizenCase, "C1")
        assert stored.reported_at == REPORTED_UTC
        assert stored.updated_at == UPDATED_UTC
        assert stored.assigned_at == UPDATED_UTC  # derived: first assignment
        assert session.execute(select(CaseEvent.status, CaseEvent.at)).all() == [
            ("asignado", UPDATED_UTC)
        ]
        assert session.get(Project, "P1").progress_changed_at == UPDATED_UTC
        history = session.execute(select(ProjectProgress.recorded_at, ProjectProgress.status))
        assert history.all() == [(UPDATED_UTC, "aprobado")]
    # an update a minute later, sent in Caracas time: one more history row, exact
    later = {**case, "status": "en_atencion", "updated_at": "2026-11-20T08:46:30.25-04:00"}
    assert ingest(engine, "cases", [later]).updated == 1
    with session_scope() as session:
        ats = session.execute(select(CaseEvent.at).order_by(CaseEvent.at)).scalars().all()
        assert ats == [UPDATED_UTC, datetime(2026, 11, 20, 12, 46, 30, 250000, tzinfo=UTC)]
        assert session.get(CitizenCase, "C1").assigned_at == UPDATED_UTC  # kept


def test_large_batches_of_new_records_keep_instants_defaults_and_history(engine):
    """Beyond ``COPY_ABOVE`` records the rows travel by COPY through a staging table: the
    same UTC instants, the same first history rows and the same column defaults as one
    record upserted from a VALUES list."""
    with session_scope() as session:
        f.two_estados(session)
    n = COPY_ABOVE + 36
    cases = [
        {
            "id": f"C{i}",
            "territory_code": "VE-A-CC1",
            "category": "agua",
            "status": "asignado",
            "reported_at": REPORTED,
            "updated_at": UPDATED,
        }
        for i in range(n)
    ]
    assert ingest(engine, "cases", cases).inserted == n
    projects = [
        {
            "id": f"P{i}",
            "circuito_code": "VE-A-C1",
            "consulta": "2025-4",
            "title": "Pozo",
            "category": "agua",
            "transformation": 1,
            "approved_usd": 10000,
            "status": "aprobado",
            "physical_progress": 0,
            "updated_at": UPDATED,
        }
        for i in range(n)
    ]
    assert ingest(engine, "projects", projects).inserted == n
    places = [
        {"code": f"VE-A-X{i}", "level": "circuito", "name": f"X{i}", "parent_code": "VE-A-P1"}
        for i in range(n)
    ]
    assert ingest(engine, "territories", places).inserted == n
    with session_scope() as session:
        stored = session.execute(
            select(CitizenCase.reported_at, CitizenCase.updated_at, CitizenCase.assigned_at)
        ).all()
        assert set(stored) == {(REPORTED_UTC, UPDATED_UTC, UPDATED_UTC)} and len(stored) == n
        events = session.execute(select(CaseEvent.status, CaseEvent.at)).all()
        assert events == [("asignado", UPDATED_UTC)] * n
        money = session.execute(select(Project.transfers_usd, Project.progress_changed_at))
        assert set(money.all()) == {(0, UPDATED_UTC)}
        history = session.execute(select(ProjectProgress.recorded_at)).scalars().all()
        assert history == [UPDATED_UTC] * n
        demo = session.execute(
            select(Territory.is_demo).where(Territory.code.like("VE-A-X%"))
        ).scalars()
        assert set(demo.all()) == {False}


def test_a_large_mixed_batch_adds_history_only_for_what_moved(engine):
    """Through the staging table, a batch of new, moved and unchanged cases adds one history
    row per new or moved case and none for the others (and for the late ones)."""
    with session_scope() as session:
        f.two_estados(session)
    n = COPY_ABOVE + 36

    def case(i: int, status: str, updated: str) -> dict[str, str]:
        return {
            "id": f"C{i}",
            "territory_code": "VE-A-CC1",
            "category": "agua",
            "status": status,
            "reported_at": REPORTED,
            "updated_at": updated,
        }

    assert ingest(engine, "cases", [case(i, "recibido", REPORTED) for i in range(n)]).inserted == n
    later, older = "2026-11-20T09:00:00-04:00", "2026-11-20T07:00:00-04:00"
    batch = [
        case(i, "asignado", later)  # moved
        if i % 3 == 0
        else case(i, "asignado", older)  # late: the stored one stays
        if i % 3 == 1
        else case(i, "recibido", REPORTED)  # unchanged
        for i in range(n)
    ] + [case(n + i, "recibido", REPORTED) for i in range(10)]  # new
    result = ingest(engine, "cases", batch)
    moved = [f"C{i}" for i in range(n) if i % 3 == 0]
    assert (result.inserted, result.updated) == (10, len(moved))
    with session_scope() as session:
        second = session.execute(
            select(CaseEvent.case_id).where(CaseEvent.status == "asignado")
        ).scalars()
        assert sorted(second.all()) == sorted(moved)
        assert session.query(CaseEvent).count() == n + 10 + len(moved)
