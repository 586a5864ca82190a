"""``project.transfers_usd``, the money sent per project kept on write (``data.project_money``):
equal to the sum of the transfers after every write path, and what ``/proyectos`` shows
nationally follows it, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from cli.database import rebuild_rollups
from core.filters import Filters
from data.ingest import ingest, ingest_stream
from data.models import Project, Transfer
from data.queries import projects as q
from data.scope import NATIONAL
from tests import factories as f
from tests.factories import T0
from tests.ingest_race import first_lock_finds_nothing

DAY = timedelta(days=1)


def _cents(sums: dict[str, float]) -> dict[str, float]:
    """Sums to the cent: SQLite adds REAL amounts (exact NUMERIC on PostgreSQL)."""
    return {pid: round(usd, 2) for pid, usd in sums.items()}


def _stored(engine: Engine) -> dict[str, float]:
    with engine.connect() as conn:
        return dict(
            conn.execute(select(Project.id, Project.transfers_usd).order_by(Project.id)).all()
        )


def _summed(engine: Engine) -> dict[str, float]:
    """What the transfers add up to per project (zero without transfers)."""
    summed = (
        select(func.coalesce(func.sum(Transfer.amount_usd), 0))
        .where(Transfer.project_id == Project.id)
        .scalar_subquery()
    )
    with engine.connect() as conn:
        return dict(conn.execute(select(Project.id, summed).order_by(Project.id)).all())


def _transfer(tid: str, pid: str, usd: float, at=T0 - DAY) -> dict:
    return {
        "id": tid,
        "project_id": pid,
        "amount_usd": usd,
        "bank": "Banco comunal",
        "transferred_at": at.isoformat(),
    }


@pytest.fixture
def projects(session: Session) -> Session:
    f.two_estados(session)
    f.project(session, "P1", "VE-A-C1", "en_ejecucion", 10_000.0, 40.0)
    f.project(session, "P2", "VE-M-C1", "en_ejecucion", 10_000.0, 5.0)
    session.commit()
    return session


def _grid_cell(engine: Engine, progress_decile: int, money_decile: int) -> int:
    with Session(engine) as session:
        grid = q.money_vs_progress(session, NATIONAL, Filters(), T0)["grid"]
    return grid[progress_decile][money_decile]


def test_ingested_transfers_move_the_national_grid(engine, projects):
    assert _grid_cell(engine, 4, 0) == 1  # P1: 40 % built, nothing sent
    ingest(engine, "transfers", [_transfer("T1", "P1", 6_000.0)])
    assert _grid_cell(engine, 4, 6) == 1 and _grid_cell(engine, 4, 0) == 0
    ingest(engine, "transfers", [_transfer("T1", "P1", 7_500.0)])  # corrected amount
    assert _grid_cell(engine, 4, 7) == 1 and _grid_cell(engine, 4, 6) == 0
    ingest(engine, "transfers", [_transfer("T1", "P2", 7_500.0)])  # was P2's transfer
    assert _grid_cell(engine, 4, 0) == 1 and _grid_cell(engine, 0, 7) == 1
    ingest(engine, "transfers", [_transfer("T1", "P2", 7_500.0)])  # unchanged: no delta
    assert _stored(engine) == _summed(engine) == {"P1": 0.0, "P2": 7_500.0}
    with Session(engine) as session:
        kpis = q.kpis(session, NATIONAL, Filters(), T0)
    assert kpis["transferred_usd"] == 7_500.0


def test_a_large_batch_keeps_the_sums(engine, projects):
    """More than 64 rows go through COPY and a staging table on PostgreSQL."""
    batch = [_transfer(f"T{n}", "P1" if n % 3 else "P2", 10.05 + n) for n in range(150)]
    ingest(engine, "transfers", batch)
    ingest(engine, "transfers", [{**t, "amount_usd": t["amount_usd"] + 0.1} for t in batch[:90]])
    assert _cents(_stored(engine)) == _cents(_summed(engine))
    if engine.dialect.name == "postgresql":
        assert _stored(engine) == _summed(engine)
    assert _stored(engine)["P1"] > 0 and _stored(engine)["P2"] > 0


def test_transfers_stored_meanwhile_by_an_identical_batch_count_once(engine, projects, monkeypatch):
    """A batch that found none of its transfers stored, then meets them stored (the same
    amounts) by a concurrent batch that committed first, adds only what it wrote."""
    batch = [_transfer(f"T{n}", "P1", 10.0 + n) for n in range(100)]
    ingest(engine, "transfers", batch)  # the concurrent batch, committed first
    first_lock_finds_nothing(monkeypatch)
    result = ingest(engine, "transfers", [*batch, _transfer("T-new", "P2", 25.0)])
    assert (result.inserted, result.unchanged) == (1, 100)
    assert _cents(_stored(engine)) == _cents(_summed(engine)) == {"P1": 5_950.0, "P2": 25.0}


def test_mixed_large_batches_keep_the_sums_exact(engine, projects):
    """New transfers, corrected amounts, transfers moved to the other project and unchanged
    ones in one batch (computed by the database on PostgreSQL), then as a CSV file in
    chunks: every project's sum equals its transfers' sum."""
    first = [_transfer(f"T{n}", "P1" if n % 2 else "P2", 100.0 + n) for n in range(150)]
    ingest(engine, "transfers", first)

    def mixed(batch: list[dict], prefix: str) -> list[dict]:
        out = []
        for n, t in enumerate(batch):
            if n % 4 == 0:  # corrected amount
                out.append({**t, "amount_usd": t["amount_usd"] + 7.25})
            elif n % 4 == 1:  # was the other project's transfer
                out.append({**t, "project_id": "P2" if t["project_id"] == "P1" else "P1"})
            else:
                out.append(t)
        return out + [_transfer(f"{prefix}{n}", "P1", 3.5) for n in range(30)]

    second = mixed(first, "N")
    result = ingest(engine, "transfers", second)
    assert (result.inserted, result.updated, result.unchanged) == (30, 76, 74)
    assert _cents(_stored(engine)) == _cents(_summed(engine))
    third = mixed(second, "O")
    chunks = [third[:100], third[100:]]
    ingest_stream(engine, "transfers", lambda: iter(chunks))
    assert _cents(_stored(engine)) == _cents(_summed(engine))
    if engine.dialect.name == "postgresql":
        assert _stored(engine) == _summed(engine)


def test_transfers_after_as_of_are_not_counted_nationally(engine, projects):
    ingest(
        engine,
        "transfers",
        [
            _transfer("T1", "P1", 2_000.0),
            _transfer("T2", "P1", 4_000.0, at=T0 + DAY),  # after as_of
            _transfer("T3", "P2", 9_000.0, at=T0 + DAY),  # only after as_of
        ],
    )
    assert _stored(engine) == {"P1": 6_000.0, "P2": 9_000.0}
    assert _grid_cell(engine, 4, 2) == 1  # 2 000 of 10 000 by T0
    assert _grid_cell(engine, 0, 0) == 1  # P2: nothing by T0
    with Session(engine) as session:
        assert q.kpis(session, NATIONAL, Filters(), T0)["transferred_usd"] == 2_000.0


def test_orm_writes_keep_the_sums(engine, projects):
    session = projects
    loaded = session.get(Project, "P1")
    assert loaded.transfers_usd == 0
    session.add(Transfer(id="T1", project_id="P1", bank="B", amount_usd=1_000.0, **_path(session)))
    session.add(Transfer(id="T2", project_id="P1", bank="B", amount_usd=250.5, **_path(session)))
    session.flush()
    assert loaded.transfers_usd == 1_250.5  # the loaded project does not keep the stale 0
    session.commit()
    assert _stored(engine)["P1"] == 1_250.5
    moved = session.get(Transfer, "T1")
    moved.project_id, moved.amount_usd = "P2", 900.0
    session.delete(session.get(Transfer, "T2"))
    session.commit()
    assert _stored(engine) == _summed(engine) == {"P1": 0.0, "P2": 900.0}


def _path(session: Session) -> dict:
    project = session.get(Project, "P1")
    return {"transferred_at": T0 - DAY, "estado_code": project.estado_code}


def test_rebuild_rollups_repairs_the_sums(engine, projects):
    ingest(engine, "transfers", [_transfer("T1", "P1", 6_000.0)])
    with engine.begin() as conn:  # a hand-made drift
        conn.execute(update(Project).values(transfers_usd=123))
    assert rebuild_rollups() == 0
    assert _stored(engine) == {"P1": 6_000.0, "P2": 0.0}
