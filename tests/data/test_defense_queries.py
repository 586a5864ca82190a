"""The /defensa queries against numbers computed here from the same records, on both backends."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest

from core import names
from data.queries import defense
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

TODAY = T0.date()
ZODI, ADI, BPDI = "ZODI", "ADI", "BPDI"
# (id, territory, plan, phase, readiness, days since last exercise or None, (complete, total))
UNITS = (
    ("U1", "VE-A", ZODI, "alistamiento", 70.0, 20, (5, 5)),
    ("U2", "VE-A-M1", ADI, "despliegue", 80.0, 120, (3, 6)),
    ("U3", "VE-A-C1", BPDI, "organización", 20.0, None, (0, 4)),
    ("U4", "VE-A-C2", BPDI, "despliegue", 90.0, 91, (8, 8)),
    ("U5", "VE-M-C1", BPDI, "consolidación", 95.5, 10, (7, 10)),
    ("U6", "VE-M", ZODI, "alistamiento", 60.0, 90, (4, 4)),
)


@pytest.fixture
def world(session):
    f.two_estados(session)
    for uid, code, plan, phase, readiness, days, committees in UNITS:
        last = None if days is None else TODAY - timedelta(days=days)
        f.defense(session, uid, code, readiness, plan, phase, last, committees)
    session.commit()
    return session


def _overdue(days, limit=90):
    return days is None or days > limit


def _estado(code):
    return code[:4]


def test_totals_for_the_country_and_an_estado(world):
    got = defense.totals(world, None, TODAY, overdue_days=90)
    assert got == {
        "units": len(UNITS),
        "avg_readiness": round(statistics.mean(u[4] for u in UNITS), 1),
        "committees_total": sum(u[6][1] for u in UNITS),
        "committees_complete": sum(u[6][0] for u in UNITS),
        "committees_pct": round(100 * sum(u[6][0] for u in UNITS) / sum(u[6][1] for u in UNITS), 1),
        "units_incomplete": sum(1 for u in UNITS if u[6][0] < u[6][1]),
        "exercises_overdue": sum(1 for u in UNITS if _overdue(u[5])),
    }
    mine = [u for u in UNITS if _estado(u[1]) == "VE-M"]
    scoped = defense.totals(world, get_territory(world, "VE-M"), TODAY)
    assert scoped["units"] == len(mine)
    assert scoped["exercises_overdue"] == sum(1 for u in mine if _overdue(u[5]))
    assert defense.totals(world, None, TODAY, plan=BPDI)["units"] == 3


def test_overdue_threshold_is_configurable(world):
    strict = defense.totals(world, None, TODAY, overdue_days=15)
    assert strict["exercises_overdue"] == sum(1 for u in UNITS if _overdue(u[5], 15))
    rows = defense.exercises_overdue(world, None, TODAY, overdue_days=90)
    expected = [u for u in UNITS if _overdue(u[5])]
    # Never exercised first, then the oldest exercise first.
    expected.sort(key=lambda u: (u[5] is not None, -(u[5] or 0)))
    assert [row["id"] for row in rows] == [u[0] for u in expected]
    assert rows[1]["days_since_exercise"] == expected[1][5]


def test_committees_incomplete_largest_gap_first(world):
    rows = defense.committees_incomplete(world, None, TODAY)
    expected = sorted(
        (u for u in UNITS if u[6][0] < u[6][1]), key=lambda u: (-(u[6][1] - u[6][0]), u[4])
    )
    assert [row["id"] for row in rows] == [u[0] for u in expected]
    # Named with its estado below the estado level (names repeat across estados).
    place = expected[0][1]
    estado = names.ESTADOS[place[:4]]
    assert rows[0]["territory"] == (place if place in names.ESTADOS else f"{place} ({estado})")


def test_by_territory_one_level_below(world):
    rows = {row["code"]: row for row in defense.by_territory(world, None, TODAY)}
    for estado in ("VE-A", "VE-M"):
        mine = [u for u in UNITS if _estado(u[1]) == estado]
        row = rows[estado]
        assert row["units"] == len(mine)
        assert row["avg_readiness"] == round(statistics.mean(u[4] for u in mine), 1)
        assert row["min_readiness"] == min(u[4] for u in mine)
        assert row["exercises_overdue"] == sum(1 for u in mine if _overdue(u[5]))
        assert row["phases"] == {p: sum(1 for u in mine if u[3] == p) for p in defense.PHASES}
    # Below a parroquia: circuitos; the estado and municipio units are not in any circuito.
    circuits = defense.by_territory(world, get_territory(world, "VE-A-P1"), TODAY)
    assert {row["code"]: row["units"] for row in circuits} == {"VE-A-C1": 1, "VE-A-C2": 1}
    points = defense.by_territory(world, get_territory(world, "VE-A-C1"), TODAY)
    assert {(p["code"], p["units"]) for p in points} == {("VE-A-C1", 1), ("VE-A-CC1", 0)}
    below_m = defense.by_territory(world, get_territory(world, "VE-M-P1"), TODAY)
    assert {row["code"]: row["avg_readiness"] for row in below_m} == {
        "VE-M-C1": 95.5,
        "VE-M-C2": None,
    }


def test_units_by_plan_and_phase(world):
    rows = defense.by_plan_phase(world, None)
    expected = {}
    for u in UNITS:
        expected.setdefault((u[2], u[3]), []).append(u[4])
    assert {(r["plan"], r["phase"]): r["units"] for r in rows} == {
        k: len(v) for k, v in expected.items()
    }
    bpdi = [r["phase"] for r in rows if r["plan"] == BPDI]
    assert bpdi == ["organización", "despliegue", "consolidación"]


def test_empty_scope(session):
    f.two_estados(session)
    got = defense.totals(session, get_territory(session, "VE-A"), TODAY)
    assert got["units"] == 0 and got["avg_readiness"] is None and got["committees_pct"] is None
    assert defense.exercises_overdue(session, None, TODAY) == []
