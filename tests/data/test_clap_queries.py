"""``/clap`` queries against numbers computed here from the same records, both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.filters import Filters
from core.timeutil import caracas_date
from data.models import ClapCommittee
from data.queries import clap as q
from data.queries import datasets as ds
from data.scope import NATIONAL, OutOfScope, path_values, scope_for
from data.scope import get_territory as territory
from tests import factories as f
from tests.factories import T0

TODAY = caracas_date(T0)  # 2026-11-20, T0 is noon in Caracas
# id, clap, consejo, days ago, planned, served
DELIVERIES = [
    ("D1", "CLAP-VE-A-1", "VE-A-CC1", 0, 200, 180),
    ("D2", "CLAP-VE-A-2", "VE-A-CC2", 0, 100, 100),
    ("D3", "CLAP-VE-M-1", "VE-M-CC1", 0, 300, 150),
    ("D4", "CLAP-VE-A-1", "VE-A-CC1", 1, 50, 40),
    ("D5", "CLAP-VE-A-1", "VE-A-CC1", 10, 80, 80),
    ("D6", "CLAP-VE-A-2", "VE-A-CC2", 25, 60, 30),
    ("D7", "CLAP-VE-A-1", "VE-A-CC1", 31, 70, 70),
    ("D8", "CLAP-VE-M-2", "VE-M-CC2", 50, 90, 90),
    ("D9", "CLAP-VE-A-2", "VE-A-CC2", -1, 999, 999),  # tomorrow: after as_of
]


@pytest.fixture
def world(session):
    f.two_estados(session)
    session.add(
        ClapCommittee(
            code="CLAP-VE-A-3",
            name="CLAP sin entregas",
            territory_code="VE-A-CC2",
            families=150,
            **path_values(territory(session, "VE-A-C2")),
        )
    )
    for did, clap, consejo, ago, planned, served in DELIVERIES:
        f.delivery(session, did, clap, consejo, TODAY - timedelta(days=ago), planned, served)
    session.commit()
    return session


def _rows(estado=None, lo=None, hi=None, category=None):
    """Deliveries of ``estado`` between ``hi`` and ``lo`` days ago (inclusive)."""
    out = []
    for row in DELIVERIES:
        day = TODAY - timedelta(days=row[3])
        if estado and not row[1].startswith(f"CLAP-{estado}"):
            continue
        if (lo is not None and day < lo) or (hi is not None and day > hi):
            continue
        if category == "completa" and row[5] < row[4]:
            continue
        if category == "incompleta" and row[5] >= row[4]:
            continue
        out.append(row)
    return out


def _sums(rows):
    planned = sum(r[4] for r in rows)
    served = sum(r[5] for r in rows)
    return planned, served


@pytest.mark.parametrize(
    ("estado", "category"), [(None, None), ("VE-A", None), ("VE-A", "incompleta")]
)
def test_kpis_today_month_period(world, estado, category):
    got = q.kpis(world, NATIONAL, Filters(territorio=estado, rango="7d", categoria=category), T0)
    assert (got["today"]["planned"], got["today"]["served"]) == _sums(
        _rows(estado, TODAY, TODAY, category)
    )
    month = _rows(estado, date(2026, 11, 1), TODAY, category)
    assert (got["month"]["planned"], got["month"]["served"]) == _sums(month)
    prev_month = _rows(estado, date(2026, 10, 1), date(2026, 10, 20), category)
    assert got["previous_month"]["served"] == _sums(prev_month)[1]
    period = _rows(estado, TODAY - timedelta(days=6), TODAY, category)
    assert (got["period"]["planned"], got["period"]["served"]) == _sums(period)
    assert got["period"]["bags"] == sum(r[5] for r in period)
    assert got["period"]["kg"] == pytest.approx(sum(r[5] * 13.0 for r in period))
    assert got["period"]["batches"] == len(period)
    previous = _rows(estado, TODAY - timedelta(days=13), TODAY - timedelta(days=7), category)
    assert got["previous_period"]["served"] == _sums(previous)[1]
    planned, served = _sums(period)
    assert got["period"]["coverage"] == (round(served / planned, 4) if planned else None)


def test_committees_missing_and_late(world):
    got = q.kpis(world, NATIONAL, Filters(rango="7d"), T0)["committees"]
    # five committees; in the last 7 days only and M-1 delivered
    assert got == {"total": 5, "missing": 2, "late": 2}
    late = q.late_committees(world, NATIONAL, Filters(), T0)
    assert [(r["code"], r["days"]) for r in late] == [("CLAP-VE-A-3", None), ("CLAP-VE-M-2", 50)]
    assert [
        r["code"] for r in q.late_committees(world, NATIONAL, Filters(territorio="VE-A"), T0)
    ] == ["CLAP-VE-A-3"]


def test_daily_trend_fills_every_day(world):
    got = q.daily(world, NATIONAL, Filters(territorio="VE-A", rango="30d"), T0)
    assert len(got) == 30
    assert got[0]["day"] == TODAY - timedelta(days=29) and got[-1]["day"] == TODAY
    for point in got:
        rows = _rows("VE-A", point["day"], point["day"])
        assert (point["planned"], point["served"]) == _sums(rows)
    assert sum(p["kg"] for p in got) == pytest.approx(
        sum(r[5] * 13.0 for r in _rows("VE-A", TODAY - timedelta(days=29), TODAY))
    )


def test_by_territory_levels(world):
    national = q.by_territory(world, NATIONAL, Filters(rango="30d"), T0)
    assert [r["code"] for r in national] == ["VE-A", "VE-M"]
    for row in national:
        estado = row["code"]
        assert (row["today_planned"], row["today_served"]) == _sums(_rows(estado, TODAY, TODAY))
        month = _rows(estado, date(2026, 11, 1), TODAY)
        assert (row["month_planned"], row["month_served"]) == _sums(month)
        period = _rows(estado, TODAY - timedelta(days=29), TODAY)
        assert (row["period_planned"], row["period_served"]) == _sums(period)
    circuito = q.by_territory(world, NATIONAL, Filters(territorio="VE-A-C2", rango="30d"), T0)
    assert {r["code"]: r["period_served"] for r in circuito} == {
        "CLAP-VE-A-2": 130,
        "CLAP-VE-A-3": 0,
    }
    assert all(r["level"] == "clap" for r in circuito)


def test_scope_enforced(world):
    with pytest.raises(OutOfScope):
        q.daily(world, scope_for(world, "VE-M"), Filters(territorio="VE-A-C1"), T0)
    mine = q.kpis(world, scope_for(world, "VE-M"), Filters(), T0)
    assert mine["today"]["served"] == 150


def test_delivery_dataset_exact(world):
    view = q.scoped(world, NATIONAL, Filters(territorio="VE-A", rango="30d"), T0)
    expected = sorted(r[0] for r in _rows("VE-A", TODAY - timedelta(days=29), TODAY))
    assert ds.count(world, q.DELIVERIES, view) == len(expected)
    assert sorted(r[0] for r in ds.stream(world, q.DELIVERIES, view)) == expected
    page = ds.page(world, q.DELIVERIES, view, 0, 2, [("families_planned", False)])
    planned = sorted(r[4] for r in _rows("VE-A", TODAY - timedelta(days=29), TODAY))
    assert [r["families_planned"] for r in page] == planned[:2]
