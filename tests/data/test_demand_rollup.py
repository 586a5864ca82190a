"""The Consulta's demand per estado from ``case_demand_day`` plus raw edges counts exactly
what the cases say, for any moment, and the rollup stays exact on every write."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.sla import DEFAULT_SLA_HOURS
from core.timeutil import caracas_day_bounds
from data import rollups
from data.ingest import ingest
from data.models import CaseDemandDay, CitizenCase
from data.queries import consulta as q
from data.queries import consulta_demand
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

H = timedelta(hours=1)
DAYS = q.DEMAND_DAYS
# categories with targets of 12 h to 30 days, and "otros" (no work answers it)
CATEGORIES = ("agua", "electricidad", "vivienda", "alteración del orden", "seguridad", "otros")
STATUSES = ("recibido", "asignado", "en_atencion", "rechazado")


def _both(session: Session, ref_code: str | None, as_of: datetime, levels: tuple[str, ...]):
    ref = get_territory(session, ref_code) if ref_code else None
    rolled = q.demand_counts(session, ref, as_of, levels, DEFAULT_SLA_HOURS)
    counted = q.demand_counts(session, ref, as_of, levels, DEFAULT_SLA_HOURS, use_rollup=False)
    return rolled, counted


def _boundaries(as_of: datetime) -> list[datetime]:
    """The window's ends, its middle and every category's deadline."""
    deadlines = [as_of - timedelta(hours=h) for h in DEFAULT_SLA_HOURS.values()]
    return [as_of - timedelta(days=DAYS), as_of - timedelta(days=DAYS / 2), *deadlines, as_of]


@pytest.fixture
def demand_world(session: Session):
    """~500 cases over 75 days in two estados: every status, resolved or not (some long
    after T0), some reported exactly on a Caracas midnight or on a boundary of T0."""
    f.two_estados(session)
    session.commit()
    rng = random.Random(11)
    origin = caracas_day_bounds((T0 - timedelta(days=75)).date())[0]
    on_boundary = _boundaries(T0)
    for i in range(500):
        reported = origin + timedelta(minutes=rng.randrange(0, 78 * 24 * 60))
        if i % 25 == 0:
            reported = origin + 24 * H * (i // 25)  # on a midnight
        elif i % 25 == 1:
            reported = on_boundary[(i // 25) % len(on_boundary)]
        status = STATUSES[i % len(STATUSES)]
        resolved = None
        if i % 3 == 0:
            resolved = reported + timedelta(hours=rng.uniform(0.5, 24 * 20))
            status = "resuelto" if status != "rechazado" else status
        consejo = ("VE-A-CC1", "VE-M-CC2", "VE-A-CC2")[i % 3]
        f.case(
            session, f"D{i}", consejo, CATEGORIES[i % len(CATEGORIES)], status, reported, resolved
        )
    # open cases exactly on every boundary of T0 and of a midnight moment (on a midnight
    # themselves: the pieces' whole days start there)
    midnight = caracas_day_bounds(T0.date())[0]
    for k, at in enumerate([*_boundaries(T0), *_boundaries(midnight)]):
        consejo = ("VE-A-CC1", "VE-M-CC1")[k % 2]
        f.case(session, f"B{k}", consejo, CATEGORIES[k % 5], "recibido", at)
    session.commit()
    return session


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    minutes_back=st.integers(min_value=0, max_value=20 * 24 * 60),
    on_the_hour=st.booleans(),
)
def test_rolled_demand_matches_the_cases_at_any_moment(demand_world, minutes_back, on_the_hour):
    """Now or weeks back (cases resolved after the moment were open then), on the minute or
    on the hour (boundaries on a Caracas midnight): the same counts as reading the cases."""
    as_of = T0 + 5 * 24 * H - timedelta(minutes=minutes_back)
    if on_the_hour:
        as_of = as_of.replace(minute=0)
    for ref, levels in ((None, ("estado",)), (None, ()), ("VE-A", ()), ("VE-A", ("estado",))):
        rolled, counted = _both(demand_world, ref, as_of, levels)
        assert rolled == counted, (ref, levels, as_of)
    assert counted  # the moments see cases
    start = as_of - timedelta(days=DAYS)
    for ref in (None, "VE-M"):
        got = consulta_demand.received_by_category(
            demand_world, get_territory(demand_world, ref) if ref else None, start, as_of
        )
        assert got == _received(demand_world, ref, start, as_of)


def _received(session: Session, estado: str | None, start: datetime, end: datetime) -> dict:
    """Cases not rejected reported in ``(start, end]`` per category, counted one by one."""
    out: dict[str, int] = {}
    for case in session.scalars(select(CitizenCase)):
        reported = case.reported_at
        if case.status == "rechazado" or not start < reported <= end:
            continue
        if estado is None or case.estado_code == estado:
            out[case.category] = out.get(case.category, 0) + 1
    return out


@pytest.mark.parametrize(
    "shift", [timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1)]
)
def test_cases_on_each_boundary_count_on_the_right_side(demand_world, shift):
    """A case reported exactly at (or a microsecond around) the start, the middle or a
    deadline is counted as the plain comparisons say; so is one at a midnight ``as_of``."""
    rolled, counted = _both(demand_world, None, T0 + shift, ("estado",))
    assert rolled == counted
    midnight = caracas_day_bounds(T0.date())[0]
    rolled, counted = _both(demand_world, None, midnight + shift, ("estado",))
    assert rolled == counted


def test_a_moment_in_the_past_counts_later_resolutions_as_open(demand_world):
    """The rollup says "unresolved now"; a case resolved after the moment was open then."""
    as_of = T0 - 10 * 24 * H
    rolled, counted = _both(demand_world, None, as_of, ())
    opened = sum(values[1] for values in rolled[()].values())
    assert rolled == counted
    ref_now = q.demand_counts(demand_world, None, T0 + 60 * 24 * H, (), DEFAULT_SLA_HOURS)
    assert opened > 0 and ref_now != rolled


def test_only_the_country_and_whole_estados_read_the_rollup():
    estado = type("Ref", (), {"level": "estado"})()
    circuito = type("Ref", (), {"level": "circuito"})()
    assert consulta_demand.serves(None, ("estado",))
    assert consulta_demand.serves(None, ())
    assert consulta_demand.serves(estado, ())
    assert not consulta_demand.serves(None, ("estado", "municipio"))
    assert not consulta_demand.serves(estado, ("municipio", "circuito"))
    assert not consulta_demand.serves(circuito, ())


def test_a_piece_reads_from_the_rollup_only_the_days_strictly_inside_it():
    """A day that starts at the piece's start belongs partly to the piece before (its first
    instant); a day that ends at the piece's end is inside."""
    midnight, day = caracas_day_bounds(T0.date())[0], T0.date()
    one = timedelta(days=1)
    assert consulta_demand.inside(midnight, midnight + 48 * H) == (day + one, day + one)
    assert consulta_demand.inside(midnight + 5 * H, midnight + 77 * H) == (day + one, day + 2 * one)
    assert consulta_demand.inside(midnight + H, midnight + 30 * H) is None


def test_ingest_keeps_the_demand_rollup_exact_through_rejection_and_resolution(engine, session):
    f.two_estados(session)
    session.commit()
    day = T0 - 3 * 24 * H

    def record(cid: str, status: str, updated: datetime, **extra: object) -> dict:
        return {
            "id": cid,
            "territory_code": "VE-A-CC1",
            "category": "agua",
            "status": status,
            "reported_at": day.isoformat(),
            "updated_at": updated.isoformat(),
            **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in extra.items()},
        }

    ingest(engine, "cases", [record("J1", "recibido", day), record("J2", "recibido", day)])
    ingest(
        engine,
        "cases",
        [
            record("J1", "rechazado", day + H),  # no longer a need
            record("J2", "resuelto", day + 2 * H, resolved_at=day + 2 * H),  # no longer open
        ],
    )
    with engine.connect() as conn:
        stored = {tuple(r) for r in conn.execute(select(CaseDemandDay)).all() if r[-1]}
    assert {(r[3], r[4]) for r in stored} == {(False, 1)}  # J2, resolved; J1 left out
    with engine.begin() as conn:
        rollups.rebuild(conn)
    with engine.connect() as conn:
        rebuilt = {tuple(r) for r in conn.execute(select(CaseDemandDay)).all() if r[-1]}
    assert stored == rebuilt
    rolled, counted = _both(session, None, T0, ("estado",))
    assert rolled == counted and rolled[("VE-A",)]["agua"][:2] == [1, 0]
