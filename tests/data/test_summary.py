"""The summary query against hand-counted records, on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest

from data.models import Project
from data.queries.summary import summary
from data.scope import NATIONAL, OutOfScope, Scope, get_territory, resolve
from tests import factories as f
from tests.factories import T0


@pytest.fixture
def world(session):
    f.two_estados(session)
    f.project(session, "P1", "VE-A-C1", "en_ejecucion", 10_000, 40)
    f.project(session, "P2", "VE-A-C2", "culminado", 12_000.5, 100)
    f.project(session, "P3", "VE-M-C1", "paralizado", 9_000, 10)
    f.transfer(session, "T1", "P1", "VE-A-C1", 5_000, T0 - timedelta(days=3))
    f.transfer(session, "T2", "P2", "VE-A-C2", 12_000.5, T0 - timedelta(days=40))
    f.transfer(session, "T3", "P1", "VE-A-C1", 1_000, T0 + timedelta(hours=1))  # after as_of
    f.transfer(session, "T4", "P3", "VE-M-C1", 4_500, T0 - timedelta(days=1))
    today = T0.date()  # 12:00 Caracas: same calendar day
    f.delivery(session, "D1", "CLAP-VE-A-1", "VE-A-CC1", today, 200, 180)
    f.delivery(session, "D2", "CLAP-VE-A-2", "VE-A-CC2", today, 100, 100)
    f.delivery(session, "D3", "CLAP-VE-M-1", "VE-M-CC1", today, 300, 150)
    f.delivery(session, "D4", "CLAP-VE-A-1", "VE-A-CC1", today - timedelta(days=1), 999, 999)
    hours = [5.0, 30.0, 2.0, 400.0]
    for i, h in enumerate(hours):
        f.case(
            session,
            f"R{i}",
            "VE-A-CC1",
            "agua",
            "resuelto",
            T0 - timedelta(hours=h + 1),
            T0 - timedelta(hours=1),
        )
    f.case(
        session,
        "R-old",
        "VE-A-CC1",
        "agua",
        "resuelto",
        T0 - timedelta(days=60),
        T0 - timedelta(days=45),
    )
    f.case(session, "O1", "VE-A-CC1", "agua", "recibido", T0 - timedelta(hours=3))
    f.case(session, "O2", "VE-A-CC2", "electricidad", "asignado", T0 - timedelta(days=2))
    f.case(session, "O3", "VE-M-CC1", "gas", "en_atencion", T0 - timedelta(days=1))
    f.case(session, "X1", "VE-A-CC1", "gas", "rechazado", T0 - timedelta(days=1))
    f.case(session, "Future", "VE-A-CC1", "gas", "recibido", T0 + timedelta(hours=2))
    f.case(
        session,
        "Later",
        "VE-A-CC1",
        "agua",
        "resuelto",
        T0 - timedelta(hours=5),
        T0 + timedelta(hours=3),
    )
    f.incident(session, "I1", "Q-VE-A-1", "VE-A-C1", "robo", T0 - timedelta(hours=2))
    f.incident(session, "I2", "Q-VE-A-1", "VE-A-C1", "hurto", T0 - timedelta(hours=23))
    f.incident(session, "I3", "Q-VE-A-2", "VE-A-C2", "robo", T0 - timedelta(days=3))
    f.incident(session, "I4", "Q-VE-M-1", "VE-M-C1", "robo", T0 - timedelta(hours=1))
    f.incident(session, "I5", "Q-VE-M-1", "VE-M-C1", "robo", T0 - timedelta(days=8))
    f.defense(session, "DF1", "VE-A-M1", 80)
    f.defense(session, "DF2", "VE-A-C1", 60)
    f.defense(session, "DF3", "VE-M-M1", 30)
    session.commit()
    return hours


def test_national_summary_matches_records(session, world):
    s = summary(session, None, T0)
    assert s["projects"]["total"] == 3
    assert s["projects"]["by_status"]["en_ejecucion"] == 1
    assert s["projects"]["by_status"]["aprobado"] == 0
    assert s["projects"]["approved_usd"] == 31_000.5
    assert s["projects"]["transferred_usd"] == 5_000 + 12_000.5 + 4_500
    assert s["projects"]["avg_progress"] == round((40 + 100 + 10) / 3, 1)
    assert s["clap"] == {
        "date": "2026-11-20",
        "families_planned": 600,
        "families_served": 430,
        "coverage": round(430 / 600, 4),
    }
    # open at T0: O1, O2, O3 and "Later" (resolved after as_of); not X1 (rechazado) nor Future
    assert s["cases"]["open"] == 4
    assert s["cases"]["open_by_category"] == {"agua": 2, "electricidad": 1, "gas": 1}
    assert s["cases"]["resolved_24h"] == 4
    assert s["cases"]["median_hours_to_resolve_30d"] == round(statistics.median(world), 1)
    assert s["incidents"]["last_24h"] == 3
    assert s["incidents"]["last_7d"] == 4
    assert s["incidents"]["by_type_24h"] == {"hurto": 1, "robo": 2}
    assert s["defense"] == {"units": 3, "avg_readiness": round((80 + 60 + 30) / 3, 1)}


def test_estado_summary_counts_only_that_estado(session, world):
    ref = get_territory(session, "VE-M")
    s = summary(session, ref, T0)
    assert s["projects"]["total"] == 1
    assert s["projects"]["transferred_usd"] == 4_500
    assert s["clap"]["families_served"] == 150
    assert s["cases"]["open"] == 1
    assert s["cases"]["median_hours_to_resolve_30d"] is None
    assert s["incidents"]["last_24h"] == 1
    assert s["defense"]["units"] == 1


def test_circuito_summary(session, world):
    s = summary(session, get_territory(session, "VE-A-C1"), T0)
    assert s["projects"]["total"] == 1
    assert s["projects"]["transferred_usd"] == 5_000
    assert s["incidents"]["last_24h"] == 2
    assert s["defense"]["units"] == 1


def test_scope_refuses_other_estado(session, world):
    scope = Scope(get_territory(session, "VE-A"))
    assert resolve(session, scope, "VE-A-C2").code == "VE-A-C2"
    assert resolve(session, scope, None).code == "VE-A"
    with pytest.raises(OutOfScope):
        resolve(session, scope, "VE-M")
    with pytest.raises(OutOfScope):
        resolve(session, scope, "VE-M-C1")
    assert resolve(session, NATIONAL, None) is None


def test_comuna_summary_counts_its_consejos_and_the_transfers_of_its_projects(session, world):
    """Regression: below the circuito there is no path column; a comuna's transfers were 0."""
    f.territory(session, "VE-A-CO1", "comuna", "VE-A-C1")
    f.territory(session, "VE-A-CO1-CC", "consejo_comunal", "VE-A-CO1")
    session.get(Project, "P1").comuna_code = "VE-A-CO1"
    f.case(session, "CO-1", "VE-A-CO1-CC", "agua", "recibido", T0 - timedelta(hours=2))
    f.case(session, "CO-2", "VE-A-CO1", "gas", "recibido", T0 - timedelta(hours=2))
    session.commit()
    s = summary(session, get_territory(session, "VE-A-CO1"), T0)
    assert s["projects"]["total"] == 1
    assert s["projects"]["transferred_usd"] == 5_000  # T1 (T3 comes after as_of)
    assert s["cases"]["open"] == 2
    assert s["cases"]["open_by_category"] == {"agua": 1, "gas": 1}
