"""/paz's incident rollups (``incident_week``, ``incident_day``, ``incident_hour``): kept
equal to a rebuild from the incidents by every write path (ingestion, ORM, bulk seed), and
the page's answers read from them equal to the answers from the incidents themselves, on
both backends."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_day_bounds
from data import incident_rollup
from data.ingest import ingest, ingest_stream
from data.models import Incident, IncidentBlock, IncidentDay, IncidentHour, IncidentWeek
from data.queries import incidents
from data.queries.rolled import split_days
from data.scope import get_territory
from data.seed import seed_database
from tests import factories as f
from tests.factories import T0
from tests.ingest_race import first_lock_finds_nothing

H = timedelta(hours=1)
WEEK = timedelta(days=7)
QUADS = ("Q-VE-A-1", "Q-VE-A-2", "Q-VE-M-1", "Q-VE-M-2")
CIRCUITO = {q: f"VE-{q[5]}-C{q[-1]}" for q in QUADS}


def _stored(engine: Engine) -> dict[str, set[tuple]]:
    """Every rollup row with some incident (a delta may leave a zero row behind)."""
    with engine.connect() as conn:
        weeks = {tuple(row) for row in conn.execute(select(IncidentWeek)).all() if any(row[3:])}
        blocks = {
            tuple(row)
            for row in conn.execute(select(IncidentBlock.__table__)).all()
            if any(row[3:])
        }
        return {
            "week": weeks,
            "block": blocks,
            **{
                model.__tablename__: {
                    tuple(row) for row in conn.execute(select(model)).all() if row[-1]
                }
                for model in (IncidentDay, IncidentHour)
            },
        }


def _weekly_total(engine: Engine) -> int:
    stored = _stored(engine)
    total = sum(sum(row[3:]) for row in stored["week"])
    assert sum(sum(row[3:]) for row in stored["block"]) == total
    return total


def _page(session: Session, ref, start: datetime, end: datetime, kind: str | None) -> tuple:
    return (
        incidents.totals(session, ref, start, end, kind),
        incidents.by_type(session, ref, start, end),
        incidents.by_severity(session, ref, start, end, kind),
        incidents.by_territory(session, ref, start, end, kind),
        incidents.heatmap(session, ref, start, end, kind),
        incidents.by_cuadrante(session, ref, start, end, kind, limit=3),
        incidents.by_cuadrante(session, ref, start, end, kind, limit=1000),
    )


def _page_both_ways(session: Session, ref, start, end, kind, monkeypatch) -> tuple:
    """The page's range answers from the rollups, and from the incidents alone."""
    rolled = _page(session, ref, start, end, kind)
    with monkeypatch.context() as m:
        m.setattr(incidents, "split_days", lambda a, b, _use=True: split_days(a, b, False))
        raw = _page(session, ref, start, end, kind)
    return rolled, raw


def _rebuilt(engine: Engine) -> dict[str, set[tuple]]:
    with engine.begin() as conn:
        incident_rollup.rebuild(conn)
    return _stored(engine)


def _both_ways(session: Session, ref, as_of: datetime, monkeypatch) -> tuple[list, list]:
    """ "Sobre lo habitual" from the weekly rows, and from the incidents alone."""
    assert incidents.weeks_rolled(ref, None)
    kwargs = {"min_incidents": 1, "k": 0.5, "limit": 1000}
    rolled = incidents.above_usual(session, ref, as_of, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(incidents, "weeks_rolled", lambda _ref, _kind: False)
        raw = incidents.above_usual(session, ref, as_of, **kwargs)
    return rolled, raw


def _record(iid: str, quad: str, at: datetime, kind: str = "robo", severity: int = 3) -> dict:
    return {
        "id": iid,
        "cuadrante_code": quad,
        "type": kind,
        "severity": severity,
        "occurred_at": at.isoformat(),
    }


@pytest.fixture
def territories(session: Session) -> Session:
    f.two_estados(session)
    session.commit()
    return session


def test_ingest_keeps_the_weekly_counts_equal_to_a_rebuild(engine, territories, monkeypatch):
    rng = random.Random(3)
    first = [
        _record(f"I{i}", rng.choice(QUADS), T0 - rng.uniform(0, 70 * 24) * H) for i in range(120)
    ]
    ingest(engine, "incidents", first)
    before = _stored(engine)
    assert before and before == _rebuilt(engine)
    ingest(
        engine,
        "incidents",
        [
            # moved in time, to another week (and back into the last 7 days)
            {**first[0], "occurred_at": (T0 - 2 * H).isoformat()},
            # moved to a cuadrante of another estado
            {
                **first[1],
                "cuadrante_code": "Q-VE-M-2"
                if first[1]["cuadrante_code"] != "Q-VE-M-2"
                else "Q-VE-A-1",
            },
            # another type: same counts
            {**first[2], "type": "hurto"},
            # sent again unchanged
            first[3],
            # late data: an incident of eight weeks ago reported now
            _record("LATE", "Q-VE-M-1", T0 - 8 * WEEK + 5 * H),
            # new ones on the windows' edges: a week before T0 exactly, and Caracas midnight
            _record("EDGE1", "Q-VE-A-1", T0 - WEEK),
            _record("EDGE2", "Q-VE-A-2", caracas_day_bounds(date(2026, 11, 13))[0]),
        ],
    )
    after = _stored(engine)
    assert after != before
    assert after == _rebuilt(engine)
    with Session(engine) as session:
        for ref in (None, get_territory(session, "VE-A")):
            for as_of in (T0, T0 - 7 * H, T0 + 9 * H):
                rolled, raw = _both_ways(session, ref, as_of, monkeypatch)
                assert rolled == raw
        assert rolled  # the comparison saw some cuadrantes
        midnight = caracas_day_bounds(date(2026, 11, 20))[0]
        for ref in (None, get_territory(session, "VE-M")):
            for start, end in ((T0 - 30 * 24 * H, T0), (midnight - WEEK, midnight)):
                for kind in (None, "robo"):
                    rolled, raw = _page_both_ways(session, ref, start, end, kind, monkeypatch)
                    assert rolled == raw


def test_a_large_batch_keeps_the_weekly_counts(engine, territories):
    """Above 64 records the writer copies the batch through a staging table."""
    rng = random.Random(5)
    batch = [
        _record(f"B{i}", rng.choice(QUADS), T0 - rng.uniform(0, 70 * 24) * H) for i in range(300)
    ]
    ingest(engine, "incidents", batch)
    moved = [{**r, "occurred_at": (T0 - rng.uniform(0, 70 * 24) * H).isoformat()} for r in batch]
    ingest(engine, "incidents", moved)
    assert _weekly_total(engine) == 300
    assert _stored(engine) == _rebuilt(engine)


def _mixed(batch: list[dict], rng: random.Random, prefix: str) -> list[dict]:
    """A batch (above 64 records: the staged path on PostgreSQL) that moves some stored
    incidents in time, to another estado, type or severity, resends some unchanged and
    adds new ones, late data of eight weeks ago among them."""
    out = []
    for n, rec in enumerate(batch):
        kind = n % 5
        if kind == 0:
            out.append({**rec, "occurred_at": (T0 - rng.uniform(0, 70 * 24) * H).isoformat()})
        elif kind == 1:
            other = "Q-VE-M-2" if rec["cuadrante_code"].startswith("Q-VE-A") else "Q-VE-A-1"
            out.append({**rec, "cuadrante_code": other})
        elif kind == 2:
            out.append({**rec, "type": "hurto", "severity": 1 + (rec["severity"] % 5)})
        else:
            out.append(rec)  # unchanged
    out += [
        _record(f"{prefix}{i}", rng.choice(QUADS), T0 - 8 * WEEK + rng.uniform(0, 48) * H)
        for i in range(40)
    ]
    return out


def test_mixed_large_batches_keep_every_rollup_equal_to_a_rebuild(engine, territories):
    """New, moved, unchanged and late incidents in one batch, twice over, then as a CSV
    file in chunks: the counts (computed by the database on PostgreSQL) equal a rebuild."""
    rng = random.Random(11)
    batch = [
        _record(f"M{i}", rng.choice(QUADS), T0 - rng.uniform(0, 70 * 24) * H, severity=1 + i % 5)
        for i in range(200)
    ]
    ingest(engine, "incidents", batch)
    assert _stored(engine) == _rebuilt(engine)
    second = _mixed(batch, rng, "N")
    result = ingest(engine, "incidents", second)
    assert (result.inserted, result.updated, result.unchanged) == (40, 120, 80)
    assert _weekly_total(engine) == 240
    assert _stored(engine) == _rebuilt(engine)
    third = _mixed(second, rng, "O")
    chunks = [third[:130], third[130:]]
    ingest_stream(engine, "incidents", lambda: iter(chunks))
    assert _weekly_total(engine) == 280
    assert _stored(engine) == _rebuilt(engine)


def test_orm_writes_keep_the_weekly_counts(engine, territories):
    session = territories
    f.incident(session, "K1", "Q-VE-A-1", "VE-A-C1", "robo", T0 - 50 * H)
    f.incident(session, "K2", "Q-VE-M-1", "VE-M-C1", "hurto", T0 - 30 * 24 * H)
    f.incident(session, "K3", "Q-VE-A-2", "VE-A-C2", "robo", T0 - 20 * H)
    session.commit()
    assert len(_stored(engine)["week"]) == 3
    k2 = session.get(Incident, "K2")
    k2.occurred_at = T0 - 3 * H
    k2.cuadrante_code = "Q-VE-M-2"
    k2.type = "robo"
    k2.severity = 5
    session.delete(session.get(Incident, "K3"))
    session.commit()
    stored = _stored(engine)
    assert _weekly_total(engine) == 2
    assert stored == _rebuilt(engine)


def test_the_bulk_seed_fills_the_weekly_counts(engine, monkeypatch):
    seed_database(engine, scale="test", until=date(2026, 11, 20), progress=False)
    stored = _stored(engine)
    with Session(engine) as session:
        total = session.query(Incident).count()
        assert _weekly_total(engine) == total > 0
        assert sum(row[-1] for row in stored["incident_day"]) == total
        assert sum(row[-1] for row in stored["incident_hour"]) == total
        estado = session.scalar(select(Incident.estado_code).limit(1))
        for ref in (None, get_territory(session, estado)):
            for hours in (0, 5, 11.5, 12, 17, 23.99):
                as_of = caracas_day_bounds(date(2026, 11, 20))[0] + hours * H
                rolled, raw = _both_ways(session, ref, as_of, monkeypatch)
                assert rolled == raw
                for days in (1, 3, 7):
                    for kind in (None, "robo"):
                        start = as_of - timedelta(days=days)
                        got = _page_both_ways(session, ref, start, as_of, kind, monkeypatch)
                        assert got[0] == got[1], (ref, as_of, days, kind)
    assert stored == _rebuilt(engine)


def test_rolled_answer_equals_the_incidents_on_every_edge(engine, territories, monkeypatch):
    """Incidents exactly on the windows' bounds and on Caracas midnights, as_of before and
    after noon, on every weekday: the weekly rows plus the edges give the same answer."""
    session = territories
    rng = random.Random(11)
    anchor = datetime(2026, 11, 20, 10, 0, tzinfo=T0.tzinfo)
    n = 0
    for quad in QUADS:
        weight = rng.uniform(0.3, 2.0)
        for _ in range(int(90 * weight)):
            f.incident(
                session,
                f"R{n}",
                quad,
                CIRCUITO[quad],
                "robo",
                anchor - rng.uniform(-30, 75 * 24) * H,
            )
            n += 1
        for j in range(10):  # on the bounds of the windows of as_of = anchor + 0..6 days
            for shift in range(0, 7 * 24, 13):
                if rng.random() < 0.2:
                    at = anchor + shift * H - j * WEEK
                    f.incident(session, f"E{n}", quad, CIRCUITO[quad], "robo", at)
                    n += 1
        for d in range(70):  # Caracas midnights
            if rng.random() < 0.3:
                midnight = caracas_day_bounds(anchor.date() - timedelta(days=d))[0]
                f.incident(session, f"M{n}", quad, CIRCUITO[quad], "hurto", midnight)
                n += 1
    session.commit()
    refs = (None, get_territory(session, "VE-M"))
    seen = 0
    for shift in range(0, 7 * 24, 13):
        as_of = anchor + shift * H
        for ref in refs:
            rolled, raw = _both_ways(session, ref, as_of, monkeypatch)
            assert rolled == raw, (as_of, ref)
            seen += len(rolled)
    midnight = caracas_day_bounds(anchor.date())[0]
    for as_of in (midnight, midnight - timedelta(microseconds=1), midnight + 12 * H):
        rolled, raw = _both_ways(session, None, as_of, monkeypatch)
        assert rolled == raw
    assert seen


def test_with_a_type_or_below_an_estado_the_incidents_answer(territories):
    ref = get_territory(territories, "VE-A-C1")
    assert not incidents.weeks_rolled(ref, None)
    assert not incidents.weeks_rolled(None, "robo")
    assert incidents.weeks_rolled(get_territory(territories, "VE-A"), None)


def test_the_migration_fills_the_blocks_from_the_weeks(engine, territories):
    """0015 creates ``incident_block`` on a database with incidents already counted by
    week and fills it with what the writers would have written."""
    from alembic import command

    from data.migrate import alembic_config

    rng = random.Random(17)
    batch = [
        _record(f"G{i}", rng.choice(QUADS), T0 - rng.uniform(0, 140 * 24) * H) for i in range(150)
    ]
    ingest(engine, "incidents", batch)
    expected = _stored(engine)["block"]
    assert expected
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014_cb4_resolution_hours")
        command.upgrade(cfg, "head")
    assert _stored(engine)["block"] == expected


def test_keys_stored_meanwhile_by_an_identical_batch_are_counted_once(
    engine, territories, monkeypatch
):
    """A batch that found none of its keys stored, then meets most of them stored (with
    the same values) by a concurrent batch that committed first (a client's resend racing
    the original), counts only what it wrote: those keys once, not twice."""
    rng = random.Random(3)
    batch = [
        _record(f"R{i}", rng.choice(QUADS), T0 - rng.uniform(0, 70 * 24) * H) for i in range(100)
    ]
    ingest(engine, "incidents", batch)  # the concurrent batch, committed first
    first_lock_finds_nothing(monkeypatch)
    resent = [*batch, _record("R-new", QUADS[0], T0 - H)]
    result = ingest(engine, "incidents", resent)
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 100)
    assert _weekly_total(engine) == 101
    assert _stored(engine) == _rebuilt(engine)
