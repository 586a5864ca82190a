"""SLA of resolved cases from ``case_resolution_hours_*``: the same counts as the cases after
new, moved, late and updated records, on any range, exactly at a target's boundary, and a
migration that fills the rollup as a rebuild would."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.sla import DEFAULT_SLA_HOURS, target_for
from core.timeutil import caracas_day_bounds
from data import rollups
from data.ingest import ingest
from data.migrate import alembic_config
from data.models import CaseResolutionHoursDay, CaseResolutionHoursWeek, CitizenCase
from data.queries import cases
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

H = timedelta(hours=1)
US = timedelta(microseconds=1)
# a moment past a target: SQLite's julianday arithmetic on raw rows resolves ~0.1 ms
TICK = timedelta(milliseconds=1)
HOURS = (CaseResolutionHoursDay, CaseResolutionHoursWeek)
CONSEJOS = ("VE-A-CC1", "VE-A-CC2", "VE-M-CC1", "VE-M-CC2")
CATEGORIES = ("agua", "salud", "vivienda")


def _record(cid: str, consejo: str, reported: datetime, resolved: datetime | None, **extra):
    updated = extra.pop("updated_at", resolved or reported)
    return {
        "id": cid,
        "territory_code": consejo,
        "category": extra.pop("category", "agua"),
        "status": "resuelto" if resolved else "recibido",
        "institution": "Hidrocapital",
        "reported_at": reported.isoformat(),
        "updated_at": updated.isoformat(),
        **({"resolved_at": resolved.isoformat()} if resolved else {}),
    }


def _hours_rows(engine: Engine) -> set[tuple]:
    with engine.connect() as conn:
        return {
            (model.__tablename__, *(str(v) for v in row))
            for model in HOURS
            for row in conn.execute(select(model)).all()
            if row[-1] != 0
        }


def _expected(
    session: Session, start: datetime, end: datetime, estado: str | None, targets: dict
) -> dict[str, tuple[int, int]]:
    """The SLA counts straight from the cases, in Python."""
    out: dict[str, list[int]] = {}
    for case in session.scalars(select(CitizenCase)):
        if case.resolved_at is None or not (start < case.resolved_at <= end):
            continue
        if estado and case.estado_code != estado:
            continue
        late = case.resolved_at - case.reported_at > timedelta(
            hours=target_for(targets, case.category)
        )
        counts = out.setdefault(case.category, [0, 0])
        counts[0] += 1
        counts[1] += int(late)
    return {name: (n, late) for name, (n, late) in out.items()}


@pytest.fixture
def territories(session: Session) -> Session:
    f.two_estados(session)
    session.commit()
    return session


@pytest.fixture
def sla_world(engine, territories):
    """Cases over 24 days ingested, then moved, re-resolved, re-categorised, sent late."""
    rng = random.Random(17)
    origin = caracas_day_bounds((T0 - 24 * 24 * H).date())[0]
    first, second = [], []
    for i in range(200):
        reported = origin + timedelta(minutes=rng.randrange(0, 22 * 24 * 60))
        if i % 25 == 0:
            reported = origin + 24 * H * (i // 25)  # on a Caracas midnight
        category = CATEGORIES[i % 3]
        target = DEFAULT_SLA_HOURS[category]
        took = (
            [target * H, target * H + TICK, target * H - TICK][i % 3]  # on the boundary
            if i % 7 == 0
            else timedelta(hours=rng.uniform(0.01, 800))
        )
        resolved = reported + took if i % 4 else None
        consejo = CONSEJOS[i % 4]
        first.append(_record(f"S{i}", consejo, reported, resolved, category=category))
        if i % 5 == 0:  # moved to the other estado, resolved later, another category
            later = (resolved or reported) + timedelta(hours=rng.uniform(1, 90))
            second.append(
                _record(f"S{i}", CONSEJOS[(i + 2) % 4], reported, later, category="salud")
            )
        elif i % 5 == 1:  # late data: older than the stored version, ignored
            stale = reported + H if resolved is None or resolved - reported > H else reported
            second.append(_record(f"S{i}", CONSEJOS[(i + 1) % 4], reported, None, updated_at=stale))
    ingest(engine, "cases", first)
    ingest(engine, "cases", second)
    return territories, origin


@pytest.mark.parametrize("estado", [None, "VE-M"])
@pytest.mark.parametrize(
    ("start_h", "length_h", "minutes"),
    [
        (0, 24 * 24, 0),
        (30, 24 * 9 + 5, 17),
        (24 * 3, 24 * 14, 0),
        (24 * 2 + 5, 40, 41),
        (24 * 20, 24 * 8, 3),
    ],
)
def test_sla_of_resolved_cases_matches_the_cases(sla_world, estado, start_h, length_h, minutes):
    session, origin = sla_world
    start = origin + start_h * H + timedelta(minutes=minutes)
    end = start + length_h * H
    ref = get_territory(session, estado) if estado else None
    targets = dict(DEFAULT_SLA_HOURS)
    expected = _expected(session, start, end, estado, targets)
    assert expected  # the range holds resolved cases
    assert cases.sla_resolved(session, ref, start, end, targets) == expected
    # a configured target reads the same rollup rows with another threshold
    targets["agua"] = 5
    assert cases.sla_resolved(session, ref, start, end, targets) == _expected(
        session, start, end, estado, targets
    )
    # one category, and a target the whole hours cannot answer (read from the cases)
    only = {k: v for k, v in expected.items() if k == "salud"}
    assert cases.sla_resolved(session, ref, start, end, None, "salud") == only
    targets["salud"] = 47.5
    targets["vivienda"] = 100
    assert cases.sla_resolved(session, ref, start, end, targets) == _expected(
        session, start, end, estado, targets
    )


def test_the_rollup_is_what_a_rebuild_gives(engine, sla_world):
    stored = _hours_rows(engine)
    assert stored
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert _hours_rows(engine) == stored


def test_the_migration_fills_the_rollup_as_a_rebuild(engine, sla_world):
    expected = _hours_rows(engine)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013_cbx_case_speed")
        command.upgrade(cfg, "head")
    assert _hours_rows(engine) == expected


def test_hours_classes_tell_apart_whole_hours_then_whole_days_exactly():
    assert rollups.hours_class(T0, T0) == 0
    assert rollups.hours_class(T0, T0 + 72 * H) == 72
    assert rollups.hours_class(T0, T0 + 71 * H + US) == 72
    assert rollups.hours_class(T0, T0 + 72 * H + US) == 96  # past three days: whole days
    assert rollups.hours_class(T0, T0 + 120 * H) == 120
    assert rollups.hours_class(T0, T0 + 120 * H + US) == 144
    assert rollups.hours_class(T0, T0 - H) == 0  # a data error counts as no time
    assert rollups.hours_class(T0, T0 + 10_000 * H) == rollups.HOURS_CAP + 24
    told = [t for t in (12, 47, 72, 96, 120, 720, 2160) if rollups.target_told_apart(t)]
    assert told == [12, 47, 72, 96, 120, 720, 2160]
    assert not any(rollups.target_told_apart(t) for t in (47.5, 73, 100, 2184, -1))
    # the promise itself, on both sides of every accepted target
    for target in (1, 12, 47, 72, 96, 360, 2160):
        for took in (target * H - US, target * H, target * H + US, target * H + 23 * H):
            late = rollups.hours_class(T0, T0 + took) > target
            assert late == (took > target * H), (target, took)
