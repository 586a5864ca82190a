"""The /casos queries against numbers computed here from the same records, on both backends."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from core.sla import BadSlaSetting, parse_sla
from data.queries import cases
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

H = timedelta(hours=1)
START, END = T0 - timedelta(days=7), T0
CONSEJOS = ("VE-A-CC1", "VE-A-CC2", "VE-M-CC1")
CATEGORIES = ("agua", "electricidad", "gas")
TARGETS = {"agua": 24.0, "electricidad": 48.0, "otros": 100.0}  # gas falls back to otros


@dataclass
class Spec:
    cid: str
    consejo: str
    category: str
    institution: str
    status: str
    reported: datetime
    assigned: datetime | None
    resolved: datetime | None

    @property
    def estado(self) -> str:
        return self.consejo[:4]


def _specs() -> list[Spec]:
    """Deterministic cases: varied ages, assignment and resolution times, three consejos."""
    specs = []
    for i in range(24):
        category = CATEGORIES[i % 3]
        consejo = CONSEJOS[(i // 3) % 3]
        institution = {"agua": "Hidrocapital", "electricidad": "Corpoelec", "gas": "PDVSA Gas"}[
            category
        ]
        if category == "agua" and consejo == "VE-M-CC1":
            institution = "Hidrolago"
        reported = T0 - (3 + i * 7) * H
        assigned = None if i % 6 == 5 else reported + (0.5 + (i * 37) % 11) * H
        resolved = None
        if assigned and i % 4 != 1:
            candidate = assigned + ((i * 13) % 50 + 1) * H
            resolved = candidate if candidate <= T0 else None
        if resolved:
            status = "cerrado" if i % 8 == 0 else "resuelto"
        elif assigned:
            status = "en_atencion" if i % 2 else "asignado"
        else:
            status = "recibido"
        specs.append(Spec(f"K{i:02d}", consejo, category, institution, status, reported, assigned, resolved))  # fmt: skip
    # Reported before the range, resolved inside it: counts for resolution, not for the funnel.
    specs.append(Spec("OLD-R", "VE-A-CC1", "agua", "Hidrocapital", "resuelto", T0 - 200 * H, T0 - 199 * H, T0 - 10 * H))  # fmt: skip
    # Reported before the range and still open (a > 7 day old case).
    specs.append(Spec("OLD-O", "VE-A-CC2", "gas", "PDVSA Gas", "asignado", T0 - 40 * 24 * H, T0 - 39 * 24 * H, None))  # fmt: skip
    # Rejected: reached only "recibido", never open.
    specs.append(Spec("REJ", "VE-A-CC1", "agua", "Hidrocapital", "rechazado", T0 - 30 * H, None, None))  # fmt: skip
    # Reported after the range: invisible everywhere.
    specs.append(Spec("FUT", "VE-A-CC1", "agua", "Hidrocapital", "recibido", T0 + 2 * H, None, None))  # fmt: skip
    return specs


SPECS = _specs()


@pytest.fixture
def world(session):
    f.two_estados(session)
    for s in SPECS:
        f.case(
            session, s.cid, s.consejo, s.category, s.status, s.reported, s.resolved, s.institution
        )
    session.flush()
    for s in SPECS:
        f.case_event(session, s.cid, "recibido", s.reported)
        if s.assigned:
            f.case_event(session, s.cid, "asignado", s.assigned)
    # A reassignment later on must not change the response time (the first one counts).
    first = next(s for s in SPECS if s.assigned and s.reported >= START)
    f.case_event(session, first.cid, "asignado", first.assigned + 5 * H)
    session.commit()
    return session


def _q(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, written independently of the code under test."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


def _estimated(value: float) -> object:
    """A percentile read from the duration histogram: within one 5 % class of the exact
    value (0.1 h for the first class), after rounding to 0.1 h."""
    return pytest.approx(value, rel=0.05, abs=0.15)


def _hours(a: datetime, b: datetime) -> float:
    return (b - a) / H


def _open_at(s: Spec, at: datetime) -> bool:
    return s.reported <= at and s.status != "rechazado" and (s.resolved is None or s.resolved > at)


def _in_range(s: Spec) -> bool:
    return START < s.reported <= END


def test_funnel_counts_cases_that_reached_each_stage(world):
    got = cases.funnel(world, None, START, END)
    reported = [s for s in SPECS if _in_range(s)]
    assert got == {
        "recibido": len(reported),
        "asignado": sum(1 for s in reported if s.status != "rechazado" and s.assigned),
        "en_atencion": sum(
            1 for s in reported if s.status in ("en_atencion", "resuelto", "cerrado")
        ),
        "resuelto": sum(1 for s in reported if s.resolved),
    }
    assert got["recibido"] > got["asignado"] > got["en_atencion"] > got["resuelto"] > 0


def test_funnel_respects_territory_and_category(world):
    ref = get_territory(world, "VE-M")
    got = cases.funnel(world, ref, START, END, category="agua")
    mine = [s for s in SPECS if _in_range(s) and s.estado == "VE-M" and s.category == "agua"]
    assert got["recibido"] == len(mine) > 0
    assert got["resuelto"] == sum(1 for s in mine if s.resolved)


def test_open_by_age_buckets(world):
    got = cases.open_by_age(world, None, END)
    bounds = [24, 72, 168, 720, float("inf")]
    expected = [0] * 5
    for s in SPECS:
        if _open_at(s, END):
            age = _hours(s.reported, END)
            expected[next(i for i, b in enumerate(bounds) if age < b)] += 1
    assert [row["cases"] for row in got] == expected
    assert [row["bucket"] for row in got] == [label for label, _ in cases.AGE_BUCKETS]
    assert expected[4] == 1  # OLD-O


@pytest.mark.parametrize("by", ["institution", "category"])
def test_time_percentiles(world, by):
    got = {row["name"]: row for row in cases.time_percentiles(world, None, START, END, by)}
    names = {
        getattr(s, by)
        for s in SPECS
        if (_in_range(s) and s.assigned) or (s.resolved and START < s.resolved <= END)
    }
    for name in names:
        response = [
            _hours(s.reported, s.assigned)
            for s in SPECS
            if getattr(s, by) == name and _in_range(s) and s.assigned
        ]
        resolution = [
            _hours(s.reported, s.resolved)
            for s in SPECS
            if getattr(s, by) == name and s.resolved and START < s.resolved <= END
        ]
        row = got[name]
        assert row["response_n"] == len(response)
        assert row["resolution_n"] == len(resolution)
        if response:
            assert row["response_p50"] == _estimated(_q(response, 0.5))
            assert row["response_p90"] == _estimated(_q(response, 0.9))
        if resolution:
            assert row["resolution_p50"] == _estimated(_q(resolution, 0.5))
            assert row["resolution_p90"] == _estimated(_q(resolution, 0.9))
    assert set(got) == names


def test_time_percentiles_refuses_unknown_grouping(world):
    with pytest.raises(ValueError):
        cases.time_percentiles(world, None, START, END, "estado")


def test_sla_breaches_with_configured_targets(world):
    got = {row["category"]: row for row in cases.sla_breaches(world, None, START, END, TARGETS)}
    for category in CATEGORIES:
        target = TARGETS.get(category, TARGETS["otros"])
        open_cases = [s for s in SPECS if s.category == category and _open_at(s, END)]
        resolved = [
            s for s in SPECS if s.category == category and s.resolved and START < s.resolved <= END
        ]
        row = got[category]
        assert row["target_hours"] == target
        assert row["open"] == len(open_cases)
        assert row["open_late"] == sum(1 for s in open_cases if _hours(s.reported, END) > target)
        assert row["resolved"] == len(resolved)
        assert row["resolved_late"] == sum(
            1 for s in resolved if _hours(s.reported, s.resolved) > target
        )
    assert sum(row["open_late"] for row in got.values()) > 0
    assert sum(row["resolved_late"] for row in got.values()) > 0


def test_oldest_open_cases_first(world):
    got = cases.oldest_open(world, None, END, limit=3)
    expected = sorted((s for s in SPECS if _open_at(s, END)), key=lambda s: s.reported)[:3]
    assert [row["id"] for row in got] == [s.cid for s in expected]
    assert got[0]["age_hours"] == pytest.approx(_hours(expected[0].reported, END), abs=0.05)
    assert got[0]["territory"] == expected[0].consejo


@pytest.mark.parametrize("hours_before", [0, 9, 30, 80, 200])
@pytest.mark.parametrize("limit", [1, 2, 5, 40])
def test_oldest_open_at_a_past_moment_counts_the_cases_resolved_since(world, hours_before, limit):
    """Open at a past moment includes cases resolved after it; only the ``limit`` oldest
    unresolved ones bound where those can come from (all of them when there are fewer)."""
    as_of = END - hours_before * H
    got = cases.oldest_open(world, None, as_of, limit=limit)
    expected = sorted((s for s in SPECS if _open_at(s, as_of)), key=lambda s: (s.reported, s.cid))
    assert [row["id"] for row in got] == [s.cid for s in expected[:limit]]


def test_oldest_open_keeps_a_case_resolved_later_reported_with_the_last_unresolved_one(session):
    """A tie at the bound: reported at the same instant as the ``limit``-th oldest unresolved
    case, resolved after ``as_of``, and first by id: it is in the list."""
    f.two_estados(session)
    at = T0 - 50 * H
    f.case(session, "Z-OPEN-1", "VE-A-CC1", "agua", "asignado", at - H)
    f.case(session, "Z-OPEN-2", "VE-A-CC1", "agua", "asignado", at)
    f.case(session, "A-LATER", "VE-A-CC2", "gas", "resuelto", at, T0 + H)
    f.case(session, "B-LATER", "VE-A-CC2", "gas", "resuelto", at + H, T0 + H)
    session.commit()
    got = cases.oldest_open(session, None, T0, limit=2)
    assert [row["id"] for row in got] == ["Z-OPEN-1", "A-LATER"]
    got = cases.oldest_open(session, None, T0, limit=3)
    assert [row["id"] for row in got] == ["Z-OPEN-1", "A-LATER", "Z-OPEN-2"]


def test_by_category_and_totals(world):
    rows = {row["category"]: row for row in cases.by_category(world, None, START, END)}
    for category in CATEGORIES:
        mine = [s for s in SPECS if s.category == category]
        assert rows[category]["reported"] == sum(1 for s in mine if _in_range(s))
        assert rows[category]["open"] == sum(1 for s in mine if _open_at(s, END))
        assert rows[category]["resolved"] == sum(
            1 for s in mine if s.resolved and START < s.resolved <= END
        )
    totals = cases.totals(world, None, START, END)
    resolution = [
        _hours(s.reported, s.resolved) for s in SPECS if s.resolved and START < s.resolved <= END
    ]
    assert totals == {
        "reported": sum(1 for s in SPECS if _in_range(s)),
        "resolved": len(resolution),
        "open": sum(1 for s in SPECS if _open_at(s, END)),
        "resolution_p50": _estimated(statistics.median(resolution)),
    }


def test_by_territory_lists_every_child_with_its_numbers(world):
    rows = {row["code"]: row for row in cases.by_territory(world, None, START, END, TARGETS)}
    assert set(rows) == {"VE-A", "VE-M"}
    for estado in ("VE-A", "VE-M"):
        mine = [s for s in SPECS if s.estado == estado]
        open_cases = [s for s in mine if _open_at(s, END)]
        assert rows[estado]["reported"] == sum(1 for s in mine if _in_range(s))
        assert rows[estado]["open"] == len(open_cases)
        assert rows[estado]["open_late"] == sum(
            1
            for s in open_cases
            if _hours(s.reported, END) > TARGETS.get(s.category, TARGETS["otros"])
        )
    # Below a circuito the map shows its consejos comunales.
    points = cases.by_territory(world, get_territory(world, "VE-A-C2"), START, END)
    assert [(p["code"], p["level"]) for p in points] == [("VE-A-CC2", "punto")]
    assert points[0]["open"] == sum(
        1 for s in SPECS if s.consejo == "VE-A-CC2" and _open_at(s, END)
    )
    below = cases.by_territory(world, get_territory(world, "VE-M"), START, END)
    assert [row["code"] for row in below] == ["VE-M-M1"]
    assert below[0]["open"] == rows["VE-M"]["open"]


def test_empty_database_gives_zeros(session):
    f.two_estados(session)
    assert cases.funnel(session, None, START, END) == dict.fromkeys(cases.STAGES, 0)
    assert cases.time_percentiles(session, None, START, END, "category") == []
    assert cases.totals(session, None, START, END)["resolution_p50"] is None
    assert all(row["cases"] == 0 for row in cases.open_by_age(session, None, END))


def test_parse_sla_overrides_and_refuses_bad_input():
    targets = parse_sla("agua=12, Gas=30.5")
    assert targets["agua"] == 12 and targets["gas"] == 30.5
    assert targets["electricidad"] == 48  # untouched default
    for bad in ("agua", "agua=", "agua=-3", "=4", "agua=x"):
        with pytest.raises(BadSlaSetting, match="SALA_SLA_HORAS"):
            parse_sla(bad)
