"""ACA queries against counts computed here in Python from the same records (SQLite and
PostgreSQL), and the overdue rule on the Caracas date."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from core.timeutil import UTC
from data.models import ACTION_STATUSES
from data.queries import aca
from data.queries.summary import summary
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

TODAY = date(2026, 11, 20)  # T0 is 12:00 in Caracas
# Every place an action may hang from, with the territories it lies inside.
PLACES = {
    "VE-A": {"VE-A"},
    "VE-A-M1": {"VE-A", "VE-A-M1"},
    "VE-A-P1": {"VE-A", "VE-A-M1", "VE-A-P1"},
    "VE-A-C1": {"VE-A", "VE-A-M1", "VE-A-P1", "VE-A-C1"},
    "VE-A-CC1": {"VE-A", "VE-A-M1", "VE-A-P1", "VE-A-C1", "VE-A-CC1"},
    "VE-A-C2": {"VE-A", "VE-A-M1", "VE-A-P1", "VE-A-C2"},
    "VE-M-M1": {"VE-M", "VE-M-M1"},
    "VE-M-C1": {"VE-M", "VE-M-M1", "VE-M-P1", "VE-M-C1"},
    "VE-M-CC2": {"VE-M", "VE-M-M1", "VE-M-P1", "VE-M-C2", "VE-M-CC2"},
}


@pytest.fixture
def actions(session) -> list[dict]:
    f.two_estados(session)
    rng = random.Random(20261120)
    made = []
    for i in range(120):
        row = {
            "id": f"A{i:03d}",
            "place": rng.choice(sorted(PLACES)),
            "status": rng.choice(ACTION_STATUSES),
            "due_on": TODAY + timedelta(days=rng.randint(-12, 12)),
            "transformation": rng.randint(1, 7),
        }
        f.action(
            session,
            row["id"],
            row["place"],
            row["status"],
            row["due_on"],
            row["transformation"],
            owner=f"Responsable {i % 5}",
        )
        made.append(row)
    session.commit()
    return made


def _inside(rows: list[dict], code: str | None) -> list[dict]:
    return [r for r in rows if code is None or code in PLACES[r["place"]]]


def _overdue(r: dict, today: date) -> bool:
    return r["status"] in ("pendiente", "en_curso") and r["due_on"] < today


@pytest.mark.parametrize("code", [None, "VE-A", "VE-M", "VE-A-M1", "VE-A-C1", "VE-A-CC1"])
def test_summary_counts_match_the_records(session, actions, code):
    ref = get_territory(session, code) if code else None
    mine = _inside(actions, code)
    assert mine  # the sample covers every territory asked
    expected = {
        "total": len(mine),
        "by_status": {s: sum(r["status"] == s for r in mine) for s in ACTION_STATUSES},
        "overdue": sum(_overdue(r, TODAY) for r in mine),
    }
    assert expected["overdue"]
    assert aca.aca_summary(session, ref, T0) == expected
    assert summary(session, ref, T0)["aca"] == expected
    totals = aca.totals(session, ref, TODAY)
    live = [r for r in mine if r["status"] != "cancelada"]
    assert totals["open"] == sum(r["status"] in ("pendiente", "en_curso") for r in mine)
    assert totals["due_soon"] == sum(
        r["status"] in ("pendiente", "en_curso") and TODAY <= r["due_on"] <= TODAY + timedelta(7)
        for r in mine
    )
    done = sum(r["status"] == "cumplida" for r in live)
    assert totals["done_pct"] == pytest.approx(round(100 * done / len(live), 1))


def test_per_transformation_and_transformation_filter(session, actions):
    ref = get_territory(session, "VE-A")
    mine = _inside(actions, "VE-A")
    rows = {r["transformation"]: r for r in aca.by_transformation(session, ref, TODAY)}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7]
    assert rows[4]["label"] == "T4 · Social"
    for t, row in rows.items():
        of_t = [r for r in mine if r["transformation"] == t]
        assert row["total"] == len(of_t)
        assert row["overdue"] == sum(_overdue(r, TODAY) for r in of_t)
        assert row["by_status"] == {s: sum(r["status"] == s for r in of_t) for s in ACTION_STATUSES}
    only = aca.totals(session, ref, TODAY, transformation=3)
    assert only["total"] == sum(r["transformation"] == 3 for r in mine)
    assert aca.transformation_of("T3") == 3 and aca.transformation_of("3") is None


def test_per_child_territory(session, actions):
    rows = {r["code"]: r for r in aca.by_territory(session, get_territory(session, "VE-A"), TODAY)}
    assert set(rows) == {"VE-A-M1"}  # the municipios of VE-A; its own actions are above them
    below = [r for r in actions if "VE-A-M1" in PLACES[r["place"]]]
    assert rows["VE-A-M1"]["total"] == len(below)
    assert rows["VE-A-M1"]["overdue"] == sum(_overdue(r, TODAY) for r in below)
    circuito = aca.by_territory(session, get_territory(session, "VE-A-C1"), TODAY)
    points = {r["code"]: r["total"] for r in circuito}
    assert points["VE-A-CC1"] == sum(r["place"] == "VE-A-CC1" for r in actions)


def test_overdue_list_most_late_first_with_owner(session, actions):
    ref = get_territory(session, "VE-M")
    rows = aca.overdue_actions(session, ref, TODAY, limit=500)
    expected = sorted(
        (r for r in _inside(actions, "VE-M") if _overdue(r, TODAY)),
        key=lambda r: (r["due_on"], r["id"]),
    )
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    assert rows[0]["days_late"] == (TODAY - expected[0]["due_on"]).days
    assert rows[0]["owner"].startswith("Responsable")


def test_overdue_uses_the_caracas_date_of_the_moment(session):
    f.two_estados(session)
    f.action(session, "DUE-TODAY", "VE-A-C1", "pendiente", date(2026, 11, 20))
    f.action(session, "DUE-YESTERDAY", "VE-A-C1", "en_curso", date(2026, 11, 19))
    f.action(session, "DONE-LATE", "VE-A-C1", "cumplida", date(2026, 11, 1))
    f.action(session, "CANCELLED", "VE-A-C1", "cancelada", date(2026, 11, 1))
    session.commit()
    # 02:00 UTC on the 21st is still 22:00 of the 20th in Caracas: due today is not late
    evening = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert aca.aca_summary(session, None, evening)["overdue"] == 1
    # after midnight in Caracas (05:00 UTC), yesterday's due date has passed too
    after_midnight = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    assert aca.aca_summary(session, None, after_midnight)["overdue"] == 2
    counts = aca.aca_summary(session, None, after_midnight)["by_status"]
    assert counts == Counter(pendiente=1, en_curso=1, cumplida=1, cancelada=1)
