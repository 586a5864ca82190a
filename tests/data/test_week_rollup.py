"""The weekly duration histogram of /casos (``case_duration_week``): always the daily one
added up per week, whatever writes it (ingest, ORM, bulk rebuild, the migration's fill),
and the percentiles read from weeks + days + raw edges equal those classed from the cases."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_day_bounds
from data import rollups
from data.ingest import ingest
from data.migrate import alembic_config
from data.models import CaseDurationDay, CaseDurationWeek, CitizenCase
from data.queries import cases
from data.queries.rolled import split_weeks
from data.scope import get_territory
from tests import factories as f
from tests.data.test_rollups import _rebuilt, _record, _stored
from tests.factories import T0

H = timedelta(hours=1)


def _weeks_from_days(engine: Engine) -> set[tuple]:
    """The daily histogram added up per Monday, as the weekly table should hold it."""
    sums: Counter[tuple] = Counter()
    with engine.connect() as conn:
        for measure, estado, day, category, institution, bucket, n in conn.execute(
            select(
                CaseDurationDay.measure,
                CaseDurationDay.estado_code,
                CaseDurationDay.day,
                CaseDurationDay.category,
                CaseDurationDay.institution,
                CaseDurationDay.bucket,
                CaseDurationDay.n,
            )
        ):
            week = rollups.week_of(date.fromisoformat(str(day)))
            sums[(measure, estado, week, category, institution, bucket)] += n
    return {(*key, n) for key, n in sums.items() if n}


def _weeks(engine: Engine) -> set[tuple]:
    return {
        (m, e, date.fromisoformat(str(w)), c, i, b, n)
        for m, e, w, c, i, b, n in _stored(engine)["case_duration_week"]
    }


@pytest.fixture
def territories(session: Session) -> Session:
    f.two_estados(session)
    session.commit()
    return session


def test_split_weeks_covers_every_day_once_with_whole_monday_weeks():
    for offset in range(14):
        first = date(2026, 11, 2) + timedelta(days=offset)
        for length in range(40):
            last = first + timedelta(days=length)
            split = split_weeks(first, last)
            covered: list[date] = []
            if split.weeks:
                monday = split.weeks[0]
                assert monday.weekday() == 0 and split.weeks[1].weekday() == 0
                while monday <= split.weeks[1]:
                    covered += [monday + timedelta(days=i) for i in range(7)]
                    monday += timedelta(days=7)
            for low, high in split.days:
                covered += [low + timedelta(days=i) for i in range((high - low).days + 1)]
            assert sorted(covered) == [first + timedelta(days=i) for i in range(length + 1)]
    # 30 days: three whole weeks (Mondays 9, 16 and 23) and the loose days around them
    split = split_weeks(date(2026, 11, 4), date(2026, 12, 3))
    assert split.weeks == (date(2026, 11, 9), date(2026, 11, 23))
    assert split.days == (
        (date(2026, 11, 4), date(2026, 11, 8)),
        (date(2026, 11, 30), date(2026, 12, 3)),
    )


def test_ingest_keeps_the_weeks_equal_to_the_days_moves_and_late_data_included(engine, territories):
    monday = caracas_day_bounds(rollups.week_of((T0 - 20 * 24 * H).date()))[0]
    ingest(
        engine,
        "cases",
        [
            _record("W1", "VE-A-CC1", "asignado", monday + H, updated_at=monday + 5 * H),
            _record(
                "W2",
                "VE-M-CC1",
                "resuelto",
                monday + 2 * H,
                resolved_at=monday + 6 * 24 * H,  # resolved on the Sunday
                updated_at=monday + 6 * 24 * H,
            ),
            _record("W3", "VE-A-CC2", "recibido", monday + 8 * 24 * H, category="gas"),
        ],
    )
    assert _weeks(engine) and _weeks(engine) == _weeks_from_days(engine)
    ingest(
        engine,
        "cases",
        [
            # resolved later: the resolution moves to the next week
            _record(
                "W2",
                "VE-M-CC1",
                "resuelto",
                monday + 2 * H,
                resolved_at=monday + 7 * 24 * H + H,
                updated_at=monday + 7 * 24 * H + H,
            ),
            # resolved, with another category and institution
            _record(
                "W1",
                "VE-A-CC1",
                "resuelto",
                monday + H,
                category="gas",
                institution="Pdvsa Gas",
                resolved_at=monday + 10 * 24 * H,
                updated_at=monday + 10 * 24 * H,
            ),
            # late data (older than stored): changes nothing
            _record("W3", "VE-A-CC2", "recibido", monday + 8 * 24 * H, updated_at=monday),
        ],
    )
    weeks = _weeks(engine)
    assert weeks == _weeks_from_days(engine)
    moved = {(m, e, w) for m, e, w, *_ in weeks if m == "resolution" and e == "VE-M"}
    assert moved == {("resolution", "VE-M", rollups.week_of(monday.date()) + timedelta(days=7))}
    assert _stored(engine) == _rebuilt(engine)


def test_orm_writes_and_deletes_keep_the_weeks(engine, territories):
    session = territories
    f.case(session, "O1", "VE-A-CC1", "agua", "resuelto", T0 - 300 * H, T0 - 200 * H)
    f.case(session, "O2", "VE-M-CC1", "gas", "resuelto", T0 - 100 * H, T0 - 10 * H)
    session.commit()
    o1 = session.get(CitizenCase, "O1")
    o1.resolved_at = T0 - 20 * H  # another week
    session.delete(session.get(CitizenCase, "O2"))
    session.commit()
    weeks = _weeks(engine)
    assert weeks == _weeks_from_days(engine)
    assert {e for _, e, *_ in weeks} == {"VE-A", rollups.NATIONAL}
    assert _stored(engine) == _rebuilt(engine)


def test_a_rebuild_after_a_bulk_load_fills_the_weeks(engine, territories):
    session = territories
    for i in range(30):
        reported = T0 - (400 - 12 * i) * H
        f.case(session, f"B{i}", "VE-A-CC1", "agua", "resuelto", reported, reported + i * H)
    session.commit()
    with engine.begin() as conn:  # a bulk load writes the cases alone, then rebuilds
        conn.execute(delete(CaseDurationWeek))
    assert not _weeks(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert _weeks(engine) and _weeks(engine) == _weeks_from_days(engine)


def test_the_migration_fills_the_weeks_from_the_days(engine, territories):
    session = territories
    for i in range(20):
        reported = T0 - (300 - 14 * i) * H
        f.case(session, f"M{i}", "VE-M-CC1", "gas", "resuelto", reported, reported + 3 * i * H)
    session.commit()
    expected = _weeks(engine)
    assert expected
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012_paz_incident_week")
        command.upgrade(cfg, "head")  # back to the full schema for the tests after it
    assert _weeks(engine) == expected


@pytest.fixture
def weeks_world(engine, territories):
    """Cases over 24 days (three whole weeks and more), some reported on a midnight."""
    rng = random.Random(11)
    origin = caracas_day_bounds((T0 - 24 * 24 * H).date())[0]
    assigned_at = {}
    for i in range(240):
        reported = origin + timedelta(minutes=rng.randrange(0, 24 * 24 * 60))
        if i % 30 == 0:
            reported = origin + 24 * H * (i // 30)
        resolved = reported + timedelta(hours=rng.uniform(0.05, 200)) if i % 3 else None
        assigned = reported + timedelta(hours=rng.uniform(0.01, 30)) if i % 2 else None
        consejo = ("VE-A-CC1", "VE-M-CC2", "VE-A-CC2")[i % 3]
        category = ("agua", "gas")[i % 2]
        status = "resuelto" if resolved else ("asignado" if assigned else "recibido")
        f.case(territories, f"H{i}", consejo, category, status, reported, resolved)
        if assigned:
            assigned_at[f"H{i}"] = assigned
    territories.commit()
    for cid, assigned in assigned_at.items():  # an ORM update: the rollups follow it
        territories.get(CitizenCase, cid).assigned_at = assigned
    territories.commit()
    return territories, origin


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start_h=st.integers(min_value=0, max_value=24 * 8),
    length_h=st.integers(min_value=1, max_value=24 * 16),
    minutes=st.sampled_from([0, 17]),
    category=st.sampled_from([None, "gas"]),
)
def test_histograms_from_weeks_days_and_edges_match_the_cases(
    weeks_world, monkeypatch, start_h, length_h, minutes, category
):
    session, origin = weeks_world
    start = origin + start_h * H + timedelta(minutes=minutes)
    end = start + length_h * H
    for ref in (None, get_territory(session, "VE-A")):
        rolled = cases._histograms(session, ref, start, end, category)
        totals = cases._histograms(session, ref, start, end, category, ("resolution",), False)
        with monkeypatch.context() as patch:  # every case classed from citizen_case
            patch.setattr(cases, "rollup_serves", lambda _ref: False)
            raw = cases._histograms(session, ref, start, end, category)
            raw_totals = cases._histograms(
                session, ref, start, end, category, ("resolution",), False
            )
        assert _nonzero(rolled) == _nonzero(raw)
        assert _nonzero(totals) == _nonzero(raw_totals)


def _nonzero(histograms: dict) -> dict:
    return {
        key: {b: n for b, n in counts.items() if n}
        for key, counts in histograms.items()
        if any(counts.values())
    }
