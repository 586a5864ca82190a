"""The believable demo: an hour of the realistic simulator keeps the headline figures at the
level the seeded history set, and a surge moves only its area in its territory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import CitizenCase, Incident
from data.queries.summary import summary
from data.seed import seed_database
from data.seed.scales import SCALES, Scale
from data.simulation.realistic import RealisticSimulator, Surge, month_end_weight

# Wednesday 18 November 2026, 10:00 in Caracas: working hours, CLAP deliveries happen
END = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
STEP = timedelta(seconds=20)
TOLERANCE = 0.05  # "a few percent"


@pytest.fixture
def seeded(sqlite_engine, monkeypatch):
    """A seeded history of five weeks on 300 circuitos, ending at END."""
    monkeypatch.setitem(
        SCALES,
        "simulador",
        Scale("simulador", circuitos=300, days=35, rounds=2, consejos=(3, 5), units_per_circuito=1),
    )
    monkeypatch.setattr("data.seed.utcnow", lambda: END)
    monkeypatch.delenv("REDIS_URL", raising=False)
    seed_database(sqlite_engine, scale="simulador", progress=False)
    return sqlite_engine


def _headline(engine, at: datetime) -> dict[str, float]:
    with Session(engine) as s:
        got = summary(s, None, at)
    return {
        "casos abiertos": got["cases"]["open"],
        "casos resueltos 24 h": got["cases"]["resolved_24h"],
        "incidencias 24 h": got["incidents"]["last_24h"],
        "incidencias 7 d": got["incidents"]["last_7d"],
        "familias atendidas hoy": got["clap"]["families_served"],
        "cobertura CLAP hoy": got["clap"]["coverage"],
        "USD transferidos": got["projects"]["transferred_usd"],
        "avance medio": got["projects"]["avg_progress"],
    }


def _run(sim: RealisticSimulator, start: datetime, duration: timedelta) -> None:
    now = start
    while now < start + duration:
        now += STEP
        sim.step(now, STEP.total_seconds())


def test_an_hour_of_the_realistic_simulator_keeps_the_seeded_level(seeded):
    before = _headline(seeded, END)
    sim = RealisticSimulator(seeded, seed=11)
    _run(sim, END, timedelta(hours=1))
    after = _headline(seeded, END + timedelta(hours=1))
    assert sim.totals["inserted"] > 20 and sim.totals["updated"] > 20  # it did simulate
    moved = {name: abs(after[name] - value) / value for name, value in before.items() if value}
    assert all(share <= TOLERANCE for share in moved.values()), moved
    # new cases look like the seeded ones: same categories and institutions (the regional
    # water utility of each estado)
    with Session(seeded) as s:
        pairs = select(CitizenCase.category, CitizenCase.institution)
        seeded_pairs = set(s.execute(pairs.where(CitizenCase.id.not_like("SIM-%"))).all())
        new_pairs = set(s.execute(pairs.where(CitizenCase.id.like("SIM-%"))).all())
    assert new_pairs and new_pairs <= seeded_pairs


def test_a_surge_multiplies_incidents_in_its_territory_only(seeded):
    with Session(seeded) as s:
        estado = s.scalar(select(Incident.estado_code).limit(1))

    def counts() -> tuple[int, int]:
        with Session(seeded) as s:
            inside = s.scalar(
                select(func.count()).where(
                    Incident.estado_code == estado, Incident.occurred_at > END
                )
            )
            outside = s.scalar(
                select(func.count()).where(
                    Incident.estado_code != estado, Incident.occurred_at > END
                )
            )
        return int(inside), int(outside)

    sim = RealisticSimulator(seeded, seed=5, surge=Surge("incidentes", estado, factor=20))
    _run(sim, END, timedelta(minutes=30))
    inside, outside = counts()
    assert inside > outside  # 20 × the national rate, all in one estado


def test_month_end_weight_triples_the_last_eight_days_and_averages_one():
    days = [datetime(2026, 11, d).date() for d in range(1, 31)]
    weights = [month_end_weight(d) for d in days]
    assert weights[-1] == pytest.approx(3 * weights[0])
    assert sum(weights) / len(weights) == pytest.approx(1.0)
