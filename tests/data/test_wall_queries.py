"""The wall's trends and judged facts against hand-placed records, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.timeutil import caracas_date
from data.queries.wall import (
    TRANSFER_DAYS,
    cases_late,
    defense_bands,
    incidents_hourly,
    projects_health,
    transfers_daily,
    wall_trends,
    worst_territories,
)
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0

TODAY = caracas_date(T0)


@pytest.fixture
def world(session):
    f.two_estados(session)
    # incidents 30 min, 2 h 30 and 23 h 30 ago in VE-A, one in VE-M, one older than 24 h
    f.incident(session, "I1", "Q-VE-A-1", "VE-A-C1", "robo", T0 - timedelta(minutes=30))
    f.incident(session, "I2", "Q-VE-A-1", "VE-A-C1", "hurto", T0 - timedelta(hours=2.5))
    f.incident(session, "I3", "Q-VE-A-2", "VE-A-C2", "robo", T0 - timedelta(hours=23.5))
    f.incident(session, "I4", "Q-VE-M-1", "VE-M-C1", "robo", T0 - timedelta(minutes=10))
    f.incident(session, "I5", "Q-VE-A-1", "VE-A-C1", "robo", T0 - timedelta(hours=25))
    # projects: one active moving, one paralizado, one without progress for 40 days, one done
    f.project(session, "P1", "VE-A-C1", "en_ejecucion", 10_000, 40)
    f.project(session, "P2", "VE-A-C1", "paralizado", 10_000, 10)
    f.project(
        session,
        "P3",
        "VE-A-C2",
        "en_ejecucion",
        10_000,
        20,
        progress_changed_at=T0 - timedelta(days=40),
        updated_at=T0 - timedelta(days=40),
    )
    f.project(session, "P4", "VE-A-C2", "culminado", 10_000, 100)
    f.project(session, "P5", "VE-M-C1", "en_ejecucion", 10_000, 50)
    # transfers: today, yesterday, and one outside the 30-day window
    f.transfer(session, "T1", "P1", "VE-A-C1", 1_000, T0 - timedelta(hours=1))
    f.transfer(session, "T2", "P1", "VE-A-C1", 500, T0 - timedelta(days=1))
    f.transfer(session, "T3", "P5", "VE-M-C1", 700, T0 - timedelta(hours=1))
    f.transfer(session, "T4", "P1", "VE-A-C1", 9_999, T0 - timedelta(days=TRANSFER_DAYS + 2))
    # cases: agua (72 h target) open 100 h (late) and 10 h (on time); one resolved
    f.case(session, "C1", "VE-A-CC1", "agua", "recibido", T0 - timedelta(hours=100))
    f.case(session, "C2", "VE-A-CC1", "agua", "recibido", T0 - timedelta(hours=10))
    f.case(session, "C3", "VE-A-CC2", "agua", "resuelto", T0 - timedelta(hours=200), T0)
    f.case(session, "C4", "VE-M-CC1", "agua", "recibido", T0 - timedelta(hours=5))
    # defense: one unit per band in VE-A (80 bien, 60 regular, 59 mal), one bien in VE-M
    for did, readiness in (("D1", 80), ("D2", 60), ("D3", 59.9)):
        f.defense(session, did, "VE-A-C1", readiness)
    f.defense(session, "D4", "VE-M-C1", 95)
    session.flush()
    return session


def test_incidents_hourly_buckets_the_last_24_hours_oldest_first(world):
    a = get_territory(world, "VE-A")
    series = incidents_hourly(world, a, T0)
    assert len(series) == 24
    assert series[23] == 1  # 30 min ago: the last hour
    assert series[21] == 1  # 2 h 30 ago
    assert series[0] == 1  # 23 h 30 ago: the oldest hour
    assert sum(series) == 3  # 25 h ago and VE-M's are out
    assert sum(incidents_hourly(world, None, T0)) == 4


def test_transfers_daily_sums_usd_per_caracas_day_in_the_window(world):
    a = get_territory(world, "VE-A")
    series = transfers_daily(world, a, T0)
    assert len(series) == TRANSFER_DAYS
    assert series[-1] == 1_000 and series[-2] == 500
    assert sum(series) == 1_500  # the old transfer and VE-M's are out
    assert sum(transfers_daily(world, None, T0)) == 2_200


def test_cases_late_counts_open_cases_past_their_category_target(world):
    a = get_territory(world, "VE-A")
    assert cases_late(world, a, T0) == {"open": 2, "late": 1, "share": 0.5}
    assert cases_late(world, None, T0)["open"] == 3
    empty = cases_late(world, get_territory(world, "VE-M-C2"), T0)
    assert empty == {"open": 0, "late": 0, "share": None}


def test_projects_health_counts_paralizados_and_projects_without_progress(world):
    a = get_territory(world, "VE-A")
    assert projects_health(world, a, T0) == {"active": 3, "stopped": 2, "share": 0.6667}


def test_defense_bands_use_the_one_readiness_threshold(world):
    a = get_territory(world, "VE-A")
    assert defense_bands(world, a) == {"bien": 1, "regular": 1, "mal": 1}
    assert defense_bands(world, None) == {"bien": 2, "regular": 1, "mal": 1}


def test_wall_trends_bundle_every_area(world):
    trends = wall_trends(world, get_territory(world, "VE-A"), T0)
    assert len(trends["clap_coverage"]) == len(trends["cases_opened"]) == 14
    assert trends["cases_opened"][-1] == 1  # C2, reported 10 h before 12:00 Caracas
    assert sum(trends["incidents_hourly"]) == 3


def test_worst_territories_rank_worst_first_and_skip_no_data():
    rows = [
        {"code": "A", "name": "Alfa", "clap_coverage": 0.9, "cases_open": 0},
        {"code": "B", "name": "Beta", "clap_coverage": 0.4, "cases_open": 7},
        {"code": "C", "name": "Gamma", "clap_coverage": None, "cases_open": 3},
        {"code": "D", "name": "Delta", "clap_coverage": 0.6, "cases_open": 3},
    ]
    assert [w["code"] for w in worst_territories(rows, "clap")] == ["B", "D", "A"]
    assert [w["code"] for w in worst_territories(rows, "casos")] == ["B", "D", "C"]
    assert worst_territories(rows, "casos", 1) == [{"code": "B", "name": "Beta", "value": 7}]
