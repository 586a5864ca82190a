"""The /casos rollups: kept equal to a rebuild from the cases by every write path, and the
range split and histogram percentiles that read them, on both backends."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_day_bounds
from data import rollups
from data.ingest import ingest
from data.models import CitizenCase
from data.queries import cases
from data.queries.rolled import split_days
from tests import factories as f
from tests.factories import T0

H = timedelta(hours=1)


def _stored(engine: Engine) -> dict[str, set[tuple]]:
    """Every rollup row with n ≠ 0 (a delta may leave a zero row behind)."""
    with engine.connect() as conn:
        return {
            model.__tablename__: {
                tuple(row) for row in conn.execute(select(model)).all() if row[-1] != 0
            }
            for model in rollups.ROLLUPS
        }


def _rebuilt(engine: Engine) -> dict[str, set[tuple]]:
    with engine.begin() as conn:
        rollups.rebuild(conn)
    return _stored(engine)


def _record(cid: str, consejo: str, status: str, reported: datetime, **extra: object) -> dict:
    updated = extra.pop("updated_at", reported)
    return {
        "id": cid,
        "territory_code": consejo,
        "category": extra.pop("category", "agua"),
        "status": status,
        "institution": extra.pop("institution", "Hidrocapital"),
        "reported_at": reported.isoformat(),
        "updated_at": updated.isoformat(),
        **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in extra.items()},
    }


@pytest.fixture
def territories(session: Session) -> Session:
    f.two_estados(session)
    session.commit()
    return session


def test_ingest_keeps_the_rollups_equal_to_a_rebuild(engine, territories):
    day = T0 - 3 * 24 * H
    ingest(
        engine,
        "cases",
        [
            _record("C1", "VE-A-CC1", "recibido", day),
            _record("C2", "VE-A-CC2", "asignado", day + H, updated_at=day + 2 * H),
            _record("C3", "VE-M-CC1", "recibido", day + 30 * H, category="gas", institution=None),
        ],
    )
    before = _stored(engine)
    assert before["case_reported_day"]
    # moves along the funnel, is assigned (first batch), then resolved (second)
    ingest(engine, "cases", [_record("C1", "VE-A-CC1", "asignado", day, updated_at=day + 3 * H)])
    ingest(
        engine,
        "cases",
        [
            _record(
                "C1",
                "VE-A-CC1",
                "resuelto",
                day,
                updated_at=day + 40 * H,
                resolved_at=day + 40 * H,
            ),
            # its category changes
            _record("C3", "VE-M-CC1", "recibido", day + 30 * H, category="agua"),
            # late data (older updated_at) is ignored and changes nothing
            _record("C2", "VE-A-CC2", "recibido", day + H, updated_at=day + H),
        ],
    )
    after = _stored(engine)
    assert after != before
    assert after == _rebuilt(engine)
    with engine.connect() as conn:
        assigned = dict(conn.execute(select(CitizenCase.id, CitizenCase.assigned_at)).all())
    assert assigned["C1"] == day + 3 * H  # the first assignment, kept after resolution
    assert assigned["C2"] == day + 2 * H
    assert assigned["C3"] is None


def test_orm_writes_keep_the_rollups_equal_to_a_rebuild(engine, territories):
    session = territories
    f.case(session, "K1", "VE-A-CC1", "agua", "recibido", T0 - 50 * H)
    f.case(session, "K2", "VE-M-CC1", "gas", "resuelto", T0 - 80 * H, T0 - 10 * H)
    f.case(session, "K3", "VE-A-CC2", "agua", "recibido", T0 - 20 * H)
    session.commit()
    f.case_event(session, "K1", "asignado", T0 - 45 * H)
    k2 = session.get(CitizenCase, "K2")
    k2.category = "agua"
    k2.resolved_at = T0 - 5 * H
    session.delete(session.get(CitizenCase, "K3"))
    session.commit()
    assert _stored(engine) == _rebuilt(engine)


def test_split_days_takes_whole_caracas_days_and_leaves_the_edges_raw():
    midnight = caracas_day_bounds(T0.date())[0]  # 04:00 UTC
    rolling = split_days(midnight + 5 * H, midnight + 77 * H)
    assert (rolling.first, rolling.last) == (
        T0.date() + timedelta(days=1),
        T0.date() + timedelta(days=2),
    )
    assert not rolling.starts_on_midnight
    aligned = split_days(midnight, midnight + 48 * H)
    assert (aligned.first, aligned.last) == (T0.date(), T0.date() + timedelta(days=1))
    assert aligned.starts_on_midnight
    assert not split_days(midnight + H, midnight + 30 * H).has_days
    assert not split_days(midnight, midnight + 48 * H, use_rollup=False).has_days


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start_h=st.integers(min_value=0, max_value=24 * 9),
    length_h=st.integers(min_value=1, max_value=24 * 9),
    exact=st.booleans(),
)
def test_counts_from_rollups_and_edges_match_the_cases(rollup_world, start_h, length_h, exact):
    """Any range, aligned to Caracas midnight or not, counts exactly what the rows say."""
    session, specs = rollup_world
    origin = caracas_day_bounds((T0 - 10 * 24 * H).date())[0]
    start = origin + start_h * H if exact else origin + start_h * H + timedelta(minutes=17)
    end = start + length_h * H
    totals = cases.totals(session, None, start, end)
    reported = [s for s in specs if start < s[2] <= end]
    resolved = [s for s in specs if s[3] is not None and start < s[3] <= end]
    assert totals["reported"] == len(reported)
    assert totals["resolved"] == len(resolved)
    funnel = cases.funnel(session, None, start, end)
    assert funnel["recibido"] == len(reported)
    assert funnel["resuelto"] == sum(1 for s in reported if s[3] is not None)
    by_estado = {
        row["code"]: row["reported"] for row in cases.by_territory(session, None, start, end)
    }
    assert by_estado == {e: sum(1 for s in reported if s[1] == e) for e in ("VE-A", "VE-M")}
    # every case is "agua": the category filter reads the detailed rows, same answer
    assert cases.totals(session, None, start, end, "agua") == totals
    assert cases.totals(session, None, start, end, "gas")["reported"] == 0
    if resolved:
        exact_median = statistics.median((s[3] - s[2]).total_seconds() / 3600 for s in resolved)
        assert totals["resolution_p50"] == pytest.approx(exact_median, rel=0.05, abs=0.15)


@pytest.fixture
def rollup_world(engine, territories):
    """Cases every few hours over ten days, some reported exactly on a Caracas midnight."""
    rng = random.Random(7)
    origin = caracas_day_bounds((T0 - 10 * 24 * H).date())[0]
    specs = []
    for i in range(160):
        reported = origin + timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
        if i % 20 == 0:
            reported = origin + 24 * H * (i // 20)  # on a midnight
        resolved = reported + timedelta(hours=rng.uniform(0.05, 90)) if i % 3 else None
        consejo = ("VE-A-CC1", "VE-M-CC2")[i % 2]
        status = "resuelto" if resolved else "recibido"
        f.case(territories, f"R{i}", consejo, "agua", status, reported, resolved)
        specs.append((f"R{i}", consejo[:4], reported, resolved))
    territories.commit()
    return territories, specs


def test_histogram_percentiles_stay_within_one_class_of_the_exact_value():
    rng = random.Random(3)
    for _ in range(50):
        values = [rng.lognormvariate(3, 1.2) for _ in range(rng.randrange(1, 400))]
        counts: dict[int, int] = {}
        for v in values:
            counts[rollups.bucket_of(v)] = counts.get(rollups.bucket_of(v), 0) + 1
        for q in (0.5, 0.9):
            ordered = sorted(values)
            position = q * (len(ordered) - 1)
            low = ordered[int(position)]
            high = ordered[min(int(position) + 1, len(ordered) - 1)]
            exact = low + (high - low) * (position - int(position))
            assert rollups.histogram_percentile(counts, q) == pytest.approx(exact, rel=0.05)
    assert rollups.histogram_percentile({}, 0.5) is None


def test_duration_classes_are_contiguous_and_five_percent_wide():
    for hours in (0.0, 0.05, 0.1, 1, 23.99, 24, 500, 10_000):
        low, high = rollups.bucket_bounds(rollups.bucket_of(hours))
        assert low <= hours < high
        if hours >= 0.1:
            assert high / low == pytest.approx(1.05)
    assert rollups.bucket_of(-3) == 0  # a data error counts as no time at all


def test_cases_without_an_estado_count_nowhere_and_naive_times_are_refused():
    with pytest.raises(ValueError):
        rollups.contributions(
            {
                "estado_code": "VE-A",
                "category": "agua",
                "status": "recibido",
                "reported_at": datetime(2026, 1, 1),
            }
        )
    assert (
        rollups.contributions(
            {
                "estado_code": None,
                "category": "agua",
                "status": "recibido",
                "reported_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
        )
        == {}
    )


def test_a_rebuild_in_parts_gives_the_same_rollups(engine, monkeypatch):
    """On PostgreSQL a rebuild that outgrows ``SPILL_KEYS`` keys in memory moves its partial
    counts to the server and adds them up there: the same rows as one pass in memory (five
    years of national cases would otherwise need ~12 GB)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite rebuilds set-based, in the database")
    from datetime import date

    from data.seed import seed_database

    seed_database(engine, scale="test", until=date(2026, 11, 20), progress=False)
    whole = _rebuilt(engine)
    assert sum(len(rows) for rows in whole.values()) > 500
    monkeypatch.setattr(rollups, "SPILL_KEYS", 50)
    spilled: list[int] = []
    spill = rollups._spill
    monkeypatch.setattr(
        rollups, "_spill", lambda *args: spilled.append(len(args[-1])) or spill(*args)
    )
    assert _rebuilt(engine) == whole
    assert len(spilled) >= 2  # parts went through the server: one while reading, the rest
