"""``/casos`` reads its open cases once (``cases.open_summary``): the age chart, the SLA table
and the map built from that read equal the ones each query gives alone, and the cases
counted by hand, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callbacks.casos import compute_main
from core.filters import Filters
from data.queries import cases
from data.scope import NATIONAL, get_territory
from tests import factories as f
from tests.data.test_cases_queries import END, SPECS, START, TARGETS, _hours, _open_at

H = timedelta(hours=1)


@pytest.fixture
def open_world(session):
    f.two_estados(session)
    for s in SPECS:
        f.case(
            session, s.cid, s.consejo, s.category, s.status, s.reported, s.resolved, s.institution
        )
    session.commit()
    return session


@pytest.mark.parametrize("where", [None, "VE-A", "VE-A-P1", "VE-A-C2"])
@pytest.mark.parametrize("category", [None, "agua"])
@pytest.mark.parametrize("hours_back", [0, 60])
def test_one_read_serves_age_sla_and_map(open_world, where, category, hours_back):
    session, end = open_world, END - hours_back * H
    start = end - (END - START)
    ref = get_territory(session, where) if where else None
    summary = cases.open_summary(session, ref, end, TARGETS, category)
    ages = cases.open_per(summary, "age")
    assert cases.age_rows({k: n for k, (n, _) in ages.items()}) == cases.open_by_age(
        session, ref, end, category
    )
    sla = cases.sla_rows(
        cases.open_per(summary, "category"),
        cases.sla_resolved(session, ref, start, end, TARGETS, category),
        TARGETS,
    )
    assert sla == cases.sla_breaches(session, ref, start, end, TARGETS, category)
    places = cases.territory_rows(
        cases.territory_reported(session, ref, start, end, category),
        cases.open_per(summary, "place"),
    )
    assert places == cases.by_territory(session, ref, start, end, TARGETS, category)
    # and the cases counted by hand
    mine = [
        s
        for s in SPECS
        if _open_at(s, end)
        and (category is None or s.category == category)
        and (where is None or s.consejo.startswith(where[:4]))
        and (where != "VE-A-C2" or s.consejo == "VE-A-CC2")
    ]
    assert sum(n for n, _ in summary.values()) == len(mine)
    late = [s for s in mine if _hours(s.reported, end) > TARGETS.get(s.category, TARGETS["otros"])]
    assert sum(n_late for _, n_late in summary.values()) == len(late)


def test_the_page_callback_shows_the_same_numbers(open_world):
    data = compute_main((open_world, NATIONAL, Filters(rango="7d"), END), TARGETS)
    start, end = Filters(rango="7d").time_bounds(END)
    session = open_world
    assert data["age"] == cases.open_by_age(session, None, end)
    assert data["sla"] == cases.sla_breaches(session, None, start, end, TARGETS)
    assert data["territory"] == cases.by_territory(session, None, start, end, TARGETS)
    assert data["totals"]["open"] == sum(1 for s in SPECS if _open_at(s, end))


@pytest.mark.parametrize("category", [None, "agua"])
def test_cases_exactly_on_an_age_bound_or_a_deadline_fall_as_the_comparisons_say(session, category):
    """One interval per row (``width_bucket``) places a case reported exactly at a bound,
    or a microsecond either side, where ``reported_at > as_of - bound`` (age) and
    ``reported_at < as_of - target`` (late) put it."""
    f.two_estados(session)
    end = END
    specs = []
    for i, hours in enumerate((24, 72, 168, 720, 48, 12)):
        for j, shift in enumerate((-1, 0, 1)):
            reported = end - hours * H + timedelta(microseconds=shift)
            name = ("agua", "salud", "otros")[(i + j) % 3]
            f.case(session, f"B{i}{j}", "VE-A-CC1", name, "recibido", reported)
            specs.append((name, reported))
    session.commit()
    targets = {"agua": 72, "salud": 48, "otros": 12}
    summary = cases.open_summary(session, None, end, targets, category)
    chosen = [(n, r) for n, r in specs if category is None or n == category]
    expected_ages: dict[int, int] = {}
    for _, reported in chosen:
        age = next(
            (j for j, (_, b) in enumerate(cases.AGE_BUCKETS) if b and reported > end - b * H),
            len(cases.AGE_BUCKETS) - 1,
        )
        expected_ages[age] = expected_ages.get(age, 0) + 1
    ages = {k: n for k, (n, _) in cases.open_per(summary, "age").items()}
    assert ages == expected_ages
    late = {k: n_late for k, (_, n_late) in cases.open_per(summary, "category").items()}
    expected_late = {
        name: sum(1 for n, r in chosen if n == name and r < end - targets[name] * H)
        for name in {n for n, _ in chosen}
    }
    assert late == expected_late
    assert cases.age_rows(ages) == cases.open_by_age(session, None, end, category)
