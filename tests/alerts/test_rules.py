"""Every default rule fires on data built here and stays quiet just below its threshold.

Each test builds the facts of one rule around the controlled clock ``NOW``, evaluates that
rule only and checks the alert (level, territory, value) or its absence.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from data.alerts.rules import SPECS
from data.models import ClapCommittee
from data.scope import get_territory, path_values
from tests import factories as f
from tests.alerts.conftest import NOW, alerts, hours_ago, run


def _fired(engine, rule):
    return [(a.territory_code, a.level, a.state) for a in alerts(engine, rule)]


def test_every_default_rule_has_a_test_and_a_spec(engine, rules):
    from sqlalchemy import select

    from data.models import AlertRule

    with Session(engine) as s:
        slugs = set(s.scalars(select(AlertRule.slug)))
    assert slugs == set(SPECS)
    tested = {name[len("test_") :].split("__")[0] for name in globals() if name.startswith("test_")}
    assert set(SPECS) <= tested


# -- paz ---------------------------------------------------------------------------------


@pytest.mark.parametrize("severity,hours,fires", [(5, 2, True), (4, 2, False), (5, 25, False)])
def test_incidente_grave(engine, world, settings, severity, hours, fires):
    with Session(engine) as s:
        f.incident(s, "I1", "Q-VE-A-1", "VE-A-C1", "homicidio", hours_ago(NOW, hours), severity)
        s.commit()
    run(engine, NOW, settings, "incidente_grave")
    expected = [("VE-A-C1", 5, "abierta")] if fires else []
    assert _fired(engine, "incidente_grave") == expected
    if fires:
        (alert,) = alerts(engine, "incidente_grave")
        assert (alert.count, alert.value, alert.estado_code, alert.area) == (1, 1.0, "VE-A", "paz")


def _weeks(s, cuadrante, circuito, counts):
    """Incidents in the 8 baseline weeks (``counts``, oldest first) and then the last week."""
    *baseline, last = counts
    week0 = NOW - timedelta(days=7 * 9)
    n = 0
    for w, c in enumerate(baseline):
        for i in range(c):
            n += 1
            at = week0 + timedelta(days=7 * w + 1, hours=i)
            f.incident(s, f"B{n}", cuadrante, circuito, "robo", at)
    for i in range(last):
        n += 1
        f.incident(s, f"L{n}", cuadrante, circuito, "robo", NOW - timedelta(days=1, hours=i))


@pytest.mark.parametrize("last_week,fires", [(4, True), (3, False)])
def test_paz_sobre_lo_habitual(engine, world, settings, last_week, fires):
    # usual week 1, 2, 1, 2…: mean 1,5, sd 0,5; threshold 3 sd: above 3,0 incidents
    with Session(engine) as s:
        _weeks(s, "Q-VE-M-2", "VE-M-C2", [1, 2, 1, 2, 1, 2, 1, 2, last_week])
        s.commit()
    run(engine, NOW, settings, "paz_sobre_lo_habitual")
    assert _fired(engine, "paz_sobre_lo_habitual") == ([("VE-M-C2", 3, "abierta")] if fires else [])
    if fires:
        (alert,) = alerts(engine, "paz_sobre_lo_habitual")
        assert alert.value == 5.0  # (4 − 1,5) / 0,5
        assert "Cuadrante 2" in alert.message


# -- 1x10 --------------------------------------------------------------------------------


@pytest.mark.parametrize("late,fires", [(15, True), (14, False)])
def test_casos_fuera_de_plazo(engine, world, settings, late, fires):
    # agua: 72 h target; 20 open cases (the minimum), ``late`` of them reported 80 h ago
    with Session(engine) as s:
        for i in range(20):
            reported = hours_ago(NOW, 80 if i < late else 10)
            f.case(s, f"C{i}", "VE-A-CC1", "agua", "asignado", reported)
        s.commit()
    run(engine, NOW, settings, "casos_fuera_de_plazo")
    assert _fired(engine, "casos_fuera_de_plazo") == []  # "for 30 min": waiting first
    run(engine, NOW + timedelta(minutes=31), settings, "casos_fuera_de_plazo")
    assert _fired(engine, "casos_fuera_de_plazo") == ([("VE-A", 3, "abierta")] if fires else [])
    if fires:
        (alert,) = alerts(engine, "casos_fuera_de_plazo")
        assert alert.value == 0.75 and "agua (15 de 20)" in alert.message


def test_casos_fuera_de_plazo__needs_enough_open_cases(engine, world, settings):
    with Session(engine) as s:
        for i in range(19):  # all late, but fewer than min_abiertos (20)
            f.case(s, f"C{i}", "VE-A-CC1", "agua", "asignado", hours_ago(NOW, 80))
        s.commit()
    run(engine, NOW, settings, "casos_fuera_de_plazo")
    run(engine, NOW + timedelta(minutes=31), settings, "casos_fuera_de_plazo")
    assert _fired(engine, "casos_fuera_de_plazo") == []


# -- CLAP --------------------------------------------------------------------------------

CLOSE = NOW + timedelta(days=10)  # 28 November: inside the last 5 days of the month


@pytest.mark.parametrize(
    "served,when,fires", [(150, CLOSE, True), (160, CLOSE, False), (150, NOW, False)]
)
def test_clap_cobertura_baja(engine, world, settings, served, when, fires):
    today = (when - timedelta(hours=4)).date()  # Caracas
    with Session(engine) as s:
        f.delivery(s, "D1", "CLAP-VE-A-1", "VE-A-CC1", today, 100, served - 50)
        f.delivery(s, "D2", "CLAP-VE-A-2", "VE-A-CC2", today, 100, 50)
        s.commit()
    run(engine, when, settings, "clap_cobertura_baja")
    # 150 / 200 = 75 % < 80 % fires; exactly 80 % does not; mid-month never does
    assert _fired(engine, "clap_cobertura_baja") == ([("VE-A", 3, "abierta")] if fires else [])


def _committees(s, n):
    ref = get_territory(s, "VE-A-CC1")
    for i in range(n):
        s.add(
            ClapCommittee(
                code=f"CLAP-X{i}",
                name=f"CLAP X{i}",
                territory_code="VE-A-CC1",
                families=100,
                **path_values(ref),
            )
        )


@pytest.mark.parametrize("silent,fires", [(5, True), (4, False)])
def test_clap_sin_entregas(engine, world, settings, silent, fires):
    # VE-A-M1 has the 2 committees of the world plus 4 more: ``silent`` of the 6 never deliver
    today = (NOW - timedelta(hours=4)).date()
    with Session(engine) as s:
        _committees(s, 4)
        s.flush()
        delivering = ["CLAP-VE-A-1", "CLAP-VE-A-2", "CLAP-X0", "CLAP-X1", "CLAP-X2", "CLAP-X3"]
        for i, code in enumerate(delivering[: 6 - silent]):
            f.delivery(s, f"D{i}", code, "VE-A-CC1", today - timedelta(days=10), 100, 100)
        f.delivery(s, "OLD", delivering[-1], "VE-A-CC1", today - timedelta(days=40), 100, 100)
        s.commit()
    run(engine, NOW, settings, "clap_sin_entregas")
    assert _fired(engine, "clap_sin_entregas") == ([("VE-A-M1", 2, "abierta")] if fires else [])


# -- proyectos ---------------------------------------------------------------------------


@pytest.mark.parametrize("stalled,fires", [(3, True), (2, False)])
def test_proyectos_sin_avance(engine, world, settings, stalled, fires):
    from data.models import Project

    with Session(engine) as s:
        for i in range(stalled):
            f.project(s, f"P{i}", "VE-A-C2", "en_ejecucion", 10_000, 30)
            f.transfer(s, f"T{i}", f"P{i}", "VE-A-C2", 5_000, NOW - timedelta(days=60))
        f.project(s, "P-NOMONEY", "VE-A-C2", "en_ejecucion", 10_000, 30)  # no transfer
        f.project(s, "P-MOVING", "VE-A-C2", "en_ejecucion", 10_000, 30)  # progress 5 days ago
        f.transfer(s, "T-MOVING", "P-MOVING", "VE-A-C2", 5_000, NOW - timedelta(days=60))
        s.flush()
        for p in s.query(Project).all():
            moved = 5 if p.id == "P-MOVING" else 40
            p.updated_at = p.progress_changed_at = NOW - timedelta(days=moved)
        s.commit()
    run(engine, NOW, settings, "proyectos_sin_avance")
    assert _fired(engine, "proyectos_sin_avance") == ([("VE-A-C2", 2, "abierta")] if fires else [])


# -- defensa -----------------------------------------------------------------------------


@pytest.mark.parametrize("readiness,fires", [((40, 48), True), ((44, 46), False)])
def test_defensa_alistamiento_bajo(engine, world, settings, readiness, fires):
    with Session(engine) as s:
        f.defense(s, "ADI-1", "VE-M-M1", readiness[0])
        f.defense(s, "U-1", "VE-M-C1", readiness[1])
        f.defense(s, "ADI-2", "VE-A-M1", 30)  # one unit only: below min_unidades (2)
        s.commit()
    run(engine, NOW, settings, "defensa_alistamiento_bajo")
    # mean 44 % < 45 % fires; exactly 45 % does not
    expected = [("VE-M-M1", 3, "abierta")] if fires else []
    assert _fired(engine, "defensa_alistamiento_bajo") == expected


@pytest.mark.parametrize("units,overdue,fires", [(5, 2, True), (8, 3, False)])
def test_defensa_ejercicios_vencidos(engine, world, settings, units, overdue, fires):
    today = (NOW - timedelta(hours=4)).date()
    with Session(engine) as s:
        for i in range(units):
            last = today - timedelta(days=120 if i < overdue else 10)
            f.defense(s, f"U{i}", "VE-A-C1", 80, last_exercise_on=last)
        s.commit()
    run(engine, NOW, settings, "defensa_ejercicios_vencidos")
    # 2 of 5 = 40 % ≥ 40 % fires; 3 of 8 = 37,5 % does not
    expected = [("VE-A", 2, "abierta")] if fires else []
    assert _fired(engine, "defensa_ejercicios_vencidos") == expected


# -- data silence ------------------------------------------------------------------------


@pytest.mark.parametrize("silent_h,fires", [(7, True), (5.9, False)])
def test_silencio_casos(engine, world, settings, silent_h, fires):
    last = hours_ago(NOW, silent_h)
    with Session(engine) as s:
        for i in range(168):  # one an hour for the week before: 6 expected in 6 h
            f.case(s, f"A{i}", "VE-A-CC1", "agua", "recibido", last - timedelta(hours=i))
        for i in range(10):  # VE-M rarely sends: a long silence there is no alarm
            f.case(s, f"M{i}", "VE-M-CC1", "agua", "recibido", hours_ago(NOW, 100 + i))
        s.commit()
    run(engine, NOW, settings, "silencio_casos")
    assert _fired(engine, "silencio_casos") == ([("VE-A", 4, "abierta")] if fires else [])


@pytest.mark.parametrize("silent_h,fires", [(13, True), (11.5, False)])
def test_silencio_incidentes(engine, world, settings, silent_h, fires):
    last = hours_ago(NOW, silent_h)
    with Session(engine) as s:
        for i in range(84):  # one every 2 h for the week before: 6 expected in 12 h
            f.incident(s, f"I{i}", "Q-VE-M-1", "VE-M-C1", "robo", last - timedelta(hours=2 * i))
        s.commit()
    run(engine, NOW, settings, "silencio_incidentes")
    assert _fired(engine, "silencio_incidentes") == ([("VE-M", 4, "abierta")] if fires else [])


@pytest.mark.parametrize("days_ago,fires", [(4, True), (3, False)])
def test_silencio_clap(engine, world, settings, days_ago, fires):
    today: date = (NOW - timedelta(hours=4)).date()
    last = today - timedelta(days=days_ago)
    with Session(engine) as s:
        for i in range(56):  # two a day for four weeks: 6 expected in 3 days
            day = last - timedelta(days=i // 2)
            f.delivery(s, f"D{i}", "CLAP-VE-A-1", "VE-A-CC1", day, 100, 100)
        s.commit()
    run(engine, NOW, settings, "silencio_clap")
    # last delivery 4 days ago: 3 whole days without any (fires); 3 days ago: 2 (quiet)
    assert _fired(engine, "silencio_clap") == ([("VE-A", 3, "abierta")] if fires else [])
