"""Panorama aggregates (map measures and trends) against hand-counted records, both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.timeutil import caracas_date
from data.queries.panorama import (
    cases_daily,
    clap_daily,
    incidents_by_hour,
    map_level,
    territory_measures,
)
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

TODAY = caracas_date(T0)  # T0 is 12:00 in Caracas


@pytest.fixture
def world(session):
    f.two_estados(session)
    f.project(session, "P1", "VE-A-C1", "en_ejecucion", 10_000, 40)
    f.project(session, "P2", "VE-A-C2", "culminado", 12_000, 100)
    f.project(session, "P3", "VE-A-C2", "paralizado", 9_000, 10)
    f.project(session, "P4", "VE-M-C1", "en_ejecucion", 9_000, 70)
    f.delivery(session, "D1", "CLAP-VE-A-1", "VE-A-CC1", TODAY, 200, 180)
    f.delivery(session, "D2", "CLAP-VE-A-2", "VE-A-CC2", TODAY, 100, 100)
    f.delivery(session, "D3", "CLAP-VE-M-1", "VE-M-CC1", TODAY, 300, 150)
    f.delivery(session, "D4", "CLAP-VE-A-1", "VE-A-CC1", TODAY - timedelta(days=1), 50, 40)
    f.delivery(session, "D5", "CLAP-VE-A-1", "VE-A-CC1", TODAY - timedelta(days=29), 10, 5)
    f.delivery(session, "D6", "CLAP-VE-A-1", "VE-A-CC1", TODAY - timedelta(days=30), 77, 77)
    # cases: reported/resolved at known Caracas days
    f.case(session, "O1", "VE-A-CC1", "agua", "recibido", T0 - timedelta(hours=3))
    f.case(session, "O2", "VE-A-CC2", "gas", "asignado", T0 - timedelta(days=2))
    f.case(session, "O3", "VE-M-CC1", "gas", "en_atencion", T0 - timedelta(days=1))
    f.case(session, "X1", "VE-M-CC1", "gas", "rechazado", T0 - timedelta(days=1))
    f.case(
        session,
        "R1",
        "VE-A-CC1",
        "agua",
        "resuelto",
        T0 - timedelta(days=1),
        T0 - timedelta(hours=2),
    )
    # reported 03:30 UTC today = 23:30 Caracas yesterday: counts on yesterday's Caracas day
    f.case(
        session,
        "R2",
        "VE-A-CC1",
        "agua",
        "resuelto",
        T0.replace(hour=3, minute=30),
        T0 - timedelta(hours=1),
    )
    f.case(session, "Future", "VE-A-CC1", "gas", "recibido", T0 + timedelta(hours=2))
    # incidents: 16:00 UTC = 12:00 Caracas; 02:00 UTC = 22:00 Caracas the day before
    f.incident(session, "I1", "Q-VE-A-1", "VE-A-C1", "robo", T0 - timedelta(hours=2))  # 10 h
    f.incident(session, "I2", "Q-VE-A-1", "VE-A-C1", "hurto", T0.replace(hour=2))  # 22 h
    f.incident(session, "I3", "Q-VE-A-2", "VE-A-C2", "robo", T0 - timedelta(days=3))  # 12 h
    f.incident(session, "I4", "Q-VE-M-1", "VE-M-C1", "robo", T0 - timedelta(hours=1))  # 11 h
    f.incident(session, "I5", "Q-VE-M-1", "VE-M-C1", "robo", T0 - timedelta(days=8))  # outside
    f.defense(session, "DF1", "VE-A-M1", 80)
    f.defense(session, "DF2", "VE-A-C1", 60)
    f.defense(session, "DF3", "VE-M-M1", 30)
    session.commit()


def test_national_map_has_one_row_per_estado(session, world):
    rows = {r["code"]: r for r in territory_measures(session, None, T0)}
    assert set(rows) == {"VE-A", "VE-M"}
    a, m = rows["VE-A"], rows["VE-M"]
    assert (a["clap_planned"], a["clap_served"]) == (300, 280)
    assert a["clap_coverage"] == round(280 / 300, 4)
    assert (m["clap_planned"], m["clap_served"], m["clap_coverage"]) == (300, 150, 0.5)
    assert a["cases_open"] == 2  # O1, O2 (R1/R2 resolved, Future not yet reported)
    assert m["cases_open"] == 1  # O3 (X1 rechazado)
    assert a["incidents_24h"] == 2  # I1, I2
    assert m["incidents_24h"] == 1
    assert a["projects_total"] == 3
    assert (a["projects_en_ejecucion"], a["projects_culminado"], a["projects_paralizado"]) == (
        1,
        1,
        1,
    )
    assert a["projects_avg_progress"] == round((40 + 100 + 10) / 3, 1)
    assert m["projects_avg_progress"] == 70
    assert (a["defense_units"], a["defense_readiness"]) == (2, 70)
    assert (m["defense_units"], m["defense_readiness"]) == (1, 30)
    assert (a["lat"], a["lon"]) == (10.0, -66.0)


def test_estado_map_shows_its_municipios_only(session, world):
    ref = get_territory(session, "VE-A")
    assert map_level(ref) == "municipio"
    rows = territory_measures(session, ref, T0)
    assert [r["code"] for r in rows] == ["VE-A-M1"]
    assert rows[0]["clap_served"] == 280
    assert rows[0]["projects_total"] == 3


def test_parroquia_map_shows_circuitos_with_zeros(session, world):
    ref = get_territory(session, "VE-M-P1")
    rows = {r["code"]: r for r in territory_measures(session, ref, T0)}
    assert set(rows) == {"VE-M-C1", "VE-M-C2"}
    assert rows["VE-M-C1"]["incidents_24h"] == 1
    empty = rows["VE-M-C2"]
    assert empty["clap_coverage"] is None
    assert empty["projects_total"] == 0
    assert empty["projects_avg_progress"] is None
    assert empty["defense_readiness"] is None


def test_clap_daily_covers_the_window(session, world):
    series = clap_daily(session, None, T0, days=30)
    assert len(series) == 30
    assert series[-1] == {
        "day": TODAY,
        "planned": 600,
        "served": 430,
        "coverage": round(430 / 600, 4),
    }
    assert series[-2]["served"] == 40
    assert series[0]["day"] == TODAY - timedelta(days=29)
    assert (series[0]["planned"], series[0]["served"]) == (10, 5)  # D6 (30 days ago) is out
    assert sum(point["planned"] for point in series) == 600 + 50 + 10
    assert clap_daily(session, get_territory(session, "VE-M"), T0, days=2)[-1]["served"] == 150


def test_cases_daily_buckets_by_caracas_day(session, world):
    series = {p["day"]: p for p in cases_daily(session, None, T0, days=7)}
    yesterday = TODAY - timedelta(days=1)
    assert series[TODAY]["opened"] == 1  # O1
    assert series[yesterday]["opened"] == 4  # O3, X1, R1, and R2 (23:30 Caracas)
    assert series[TODAY - timedelta(days=2)]["opened"] == 1  # O2
    assert series[TODAY]["resolved"] == 2
    assert sum(p["opened"] for p in series.values()) == 6  # Future excluded
    only_m = cases_daily(session, get_territory(session, "VE-M"), T0, days=7)
    assert sum(p["opened"] for p in only_m) == 2


def test_incidents_by_hour_uses_caracas_hours(session, world):
    hours = incidents_by_hour(session, None, T0, days=7)
    assert len(hours) == 24
    expected = [0] * 24
    for h in (10, 22, 12, 11):
        expected[h] += 1
    assert hours == expected
    circuito = incidents_by_hour(session, get_territory(session, "VE-A-C1"), T0, days=7)
    assert sum(circuito) == 2 and circuito[10] == 1 and circuito[22] == 1
