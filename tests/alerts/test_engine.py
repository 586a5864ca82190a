"""The alert lifecycle under a controlled clock: dedupe, counts, "for", auto-resolution,
re-opening, people resolving, escalation, the database's one-open-alert guarantee, events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data import audit
from data.alerts import engine as evaluator
from data.alerts import store
from data.bus import get_bus
from data.models import Alert, AlertPending, DefenseUnit
from tests import factories as f
from tests.alerts.conftest import NOW, alerts, hours_ago, notes, only, run, tune


def _severe(engine, iid, at, cuadrante="Q-VE-A-1", circuito="VE-A-C1", severity=5):
    with Session(engine) as s:
        f.incident(s, iid, cuadrante, circuito, "homicidio", at, severity)
        s.commit()


def _readiness(engine, unit, value):
    with Session(engine) as s, s.begin():
        s.get(DefenseUnit, unit).readiness = value


def _bus_events(after: str) -> list[dict]:
    return [e for _, e in get_bus().read(after, 0.01, 1000)]


def test_one_alert_per_rule_and_territory_and_new_incidents_add_to_its_count(
    engine, world, settings
):
    only(engine, "incidente_grave")
    _severe(engine, "I1", hours_ago(NOW, 3))
    run(engine, NOW, settings)
    run(engine, NOW + timedelta(minutes=1), settings)  # same facts: nothing new
    (alert,) = alerts(engine)
    assert (alert.count, alert.last_seen_at) == (1, NOW + timedelta(minutes=1))
    _severe(engine, "I2", NOW + timedelta(minutes=2))
    _severe(engine, "I3", NOW + timedelta(minutes=2), cuadrante="Q-VE-A-2", circuito="VE-A-C2")
    run(engine, NOW + timedelta(minutes=3), settings)
    by_territory = {a.territory_code: a for a in alerts(engine)}
    assert set(by_territory) == {"VE-A-C1", "VE-A-C2"}
    assert by_territory["VE-A-C1"].id == alert.id
    assert (by_territory["VE-A-C1"].count, by_territory["VE-A-C1"].value) == (2, 2.0)
    assert by_territory["VE-A-C2"].count == 1


def test_the_database_refuses_a_second_open_alert_for_the_same_rule_and_territory(engine, world):
    row = {
        "rule": "incidente_grave",
        "territory_code": "VE-A-C1",
        "level": 5,
        "message": "x",
        "raised_at": NOW,
        "state": "abierta",
    }
    with Session(engine) as s, s.begin():
        s.execute(insert(Alert), [row, {**row, "state": "resuelta"}, {**row, "state": "resuelta"}])
    with pytest.raises(IntegrityError), Session(engine) as s, s.begin():
        s.execute(insert(Alert), [{**row, "state": "reconocida"}])


def test_auto_resolves_with_the_clearing_value_and_reopens_as_a_new_alert(engine, world, settings):
    only(engine, "incidente_grave")
    _severe(engine, "I1", hours_ago(NOW, 23))
    run(engine, NOW, settings)
    (first,) = alerts(engine)
    run(engine, NOW + timedelta(hours=2), settings)  # the incident left the 24 h window
    (first,) = alerts(engine)
    assert (first.state, first.resolved_by, first.resolved_value) == ("resuelta", "automática", 0.0)
    assert [n.kind for n in notes(engine, first.id)] == ["abierta", "resuelta"]
    assert "Resuelta automáticamente" in notes(engine, first.id)[-1].text
    _severe(engine, "I2", NOW + timedelta(hours=3))
    run(engine, NOW + timedelta(hours=3, minutes=1), settings)
    first_again, second = alerts(engine)
    assert first_again.id == first.id and first_again.state == "resuelta"
    assert second.id != first.id and second.state == "abierta"


def test_for_duration_waits_then_fires_and_a_clear_spell_restarts_it(engine, world, settings):
    only(engine, "defensa_alistamiento_bajo")
    tune(engine, "defensa_alistamiento_bajo", for_minutes=10)
    with Session(engine) as s:
        f.defense(s, "ADI-1", "VE-M-M1", 30)
        f.defense(s, "U-1", "VE-M-C1", 30)
        s.commit()
    run(engine, NOW, settings)
    assert alerts(engine) == []
    with Session(engine) as s:
        assert [(p.kind, p.since) for p in s.scalars(select(AlertPending))] == [("espera", NOW)]
    run(engine, NOW + timedelta(minutes=9), settings)
    assert alerts(engine) == []
    run(engine, NOW + timedelta(minutes=10), settings)
    (alert,) = alerts(engine)
    assert alert.raised_at == NOW + timedelta(minutes=10)
    with Session(engine) as s:
        assert s.scalars(select(AlertPending)).all() == []


def test_a_clear_evaluation_resets_the_for_duration(engine, world, settings):
    only(engine, "defensa_alistamiento_bajo")
    tune(engine, "defensa_alistamiento_bajo", for_minutes=10)
    with Session(engine) as s:
        f.defense(s, "ADI-1", "VE-M-M1", 30)
        f.defense(s, "U-1", "VE-M-C1", 30)
        s.commit()
    run(engine, NOW, settings)
    _readiness(engine, "U-1", 90)  # mean 60 %: clears
    run(engine, NOW + timedelta(minutes=5), settings)
    _readiness(engine, "U-1", 30)
    run(engine, NOW + timedelta(minutes=11), settings)
    assert alerts(engine) == []  # waiting again since minute 11
    run(engine, NOW + timedelta(minutes=21), settings)
    assert len(alerts(engine)) == 1


def test_a_threshold_rule_counts_new_values_only(engine, world, settings):
    only(engine, "defensa_alistamiento_bajo")
    with Session(engine) as s:
        f.defense(s, "ADI-1", "VE-M-M1", 30)
        f.defense(s, "U-1", "VE-M-C1", 40)
        s.commit()
    run(engine, NOW, settings)
    run(engine, NOW + timedelta(minutes=1), settings)
    (alert,) = alerts(engine)
    assert (alert.count, alert.value) == (1, 35.0)
    _readiness(engine, "U-1", 20)
    run(engine, NOW + timedelta(minutes=2), settings)
    (alert,) = alerts(engine)
    assert (alert.count, alert.value) == (2, 25.0)
    assert "25,0 %" in alert.message


def test_a_person_resolving_keeps_it_closed_while_the_condition_holds(engine, world, settings):
    only(engine, "incidente_grave")
    _severe(engine, "I1", hours_ago(NOW, 2))
    run(engine, NOW, settings)
    (alert,) = alerts(engine)
    with Session(engine) as s, s.begin():
        store.resolve(s, None, alert.id, "op1", "patrulla en sitio", store.Changes(), now=NOW)
    run(engine, NOW + timedelta(minutes=1), settings)
    assert [a.state for a in alerts(engine)] == ["resuelta"]  # not reopened
    _severe(engine, "I2", NOW + timedelta(minutes=2))  # a NEW severe incident there
    run(engine, NOW + timedelta(minutes=3), settings)
    old, new = alerts(engine)
    assert (old.state, new.state, new.count) == ("resuelta", "abierta", 1)


def test_escalation_marks_unattended_level_4_and_5_alerts(engine, world, settings):
    only(engine, "incidente_grave", "defensa_alistamiento_bajo")
    _severe(engine, "I1", hours_ago(NOW, 1))
    with Session(engine) as s:
        f.defense(s, "ADI-1", "VE-M-M1", 30)
        f.defense(s, "U-1", "VE-M-C1", 30)  # a level-3 alert: never escalates
        s.commit()
    run(engine, NOW, settings)
    assert evaluator.escalate(engine, NOW + timedelta(minutes=14), settings) == 0
    after = get_bus().last_id()
    assert evaluator.escalate(engine, NOW + timedelta(minutes=15), settings) == 1
    assert evaluator.escalate(engine, NOW + timedelta(minutes=16), settings) == 0  # once
    severe = alerts(engine, "incidente_grave")[0]
    assert severe.escalated_at == NOW + timedelta(minutes=15)
    assert notes(engine, severe.id)[-1].kind == "escalada"
    assert alerts(engine, "defensa_alistamiento_bajo")[0].escalated_at is None
    (event,) = _bus_events(after)
    assert event["type"] == "alert" and event["items"][0]["action"] == "escalada"


def test_an_acknowledged_alert_is_not_escalated(engine, world, settings):
    only(engine, "incidente_grave")
    _severe(engine, "I1", hours_ago(NOW, 1))
    run(engine, NOW, settings)
    (alert,) = alerts(engine)
    with Session(engine) as s, s.begin():
        store.acknowledge(s, None, alert.id, "op1", "voy", store.Changes(), now=NOW)
    assert evaluator.escalate(engine, NOW + timedelta(minutes=30), settings) == 0


def test_every_change_is_published_once_after_its_commit(engine, world, settings):
    only(engine, "incidente_grave")
    after = get_bus().last_id()
    _severe(engine, "I1", hours_ago(NOW, 1))
    run(engine, NOW, settings)
    run(engine, NOW + timedelta(minutes=1), settings)  # nothing new: no event
    (event,) = _bus_events(after)
    (item,) = event["items"]
    assert event["estados"] == ["VE-A"]
    assert (item["action"], item["level"], item["circuito_code"]) == ("abierta", 5, "VE-A-C1")


def test_people_actions_are_noted_audited_and_guarded(engine, world, settings):
    only(engine, "incidente_grave")
    _severe(engine, "I1", hours_ago(NOW, 1))
    run(engine, NOW, settings)
    (alert,) = alerts(engine)
    with Session(engine) as s, s.begin():
        store.acknowledge(s, None, alert.id, "op1", "en camino", store.Changes(), ip="10.0.0.9")
    with pytest.raises(store.AlertConflict, match="reconocida por op1"), Session(engine) as s:
        store.acknowledge(s, None, alert.id, "op2", "", store.Changes())
    with Session(engine) as s, s.begin():
        store.resolve(s, None, alert.id, "op2", "", store.Changes())
    with pytest.raises(store.AlertConflict, match="ya está resuelta"), Session(engine) as s:
        store.resolve(s, None, alert.id, "op2", "", store.Changes())
    timeline = [(n.kind, n.author, n.text) for n in notes(engine, alert.id)]
    assert timeline[1:] == [("reconocida", "op1", "en camino"), ("resuelta", "op2", "Resuelta.")]
    with Session(engine) as s:
        logged = [(e.actor, e.action, e.detail["alerta"]) for e in audit.latest(s)]
    assert ("op1", "alerta_reconocida", alert.id) in logged
    assert ("op2", "alerta_resuelta", alert.id) in logged


def test_disabled_rules_are_not_evaluated(engine, world, settings):
    only(engine, "incidente_grave")
    tune(engine, "incidente_grave", enabled=False)
    _severe(engine, "I1", hours_ago(NOW, 1))
    assert run(engine, NOW, settings) == {}
    assert alerts(engine) == []


def test_a_failing_rule_does_not_stop_the_others(engine, world, settings, monkeypatch):
    from data.alerts import rules

    def broken(*_args):
        raise RuntimeError("boom")

    spec = rules.SPECS["defensa_alistamiento_bajo"]
    monkeypatch.setitem(
        rules.SPECS, "defensa_alistamiento_bajo", type(spec)(**{**spec.__dict__, "measure": broken})
    )
    only(engine, "incidente_grave", "defensa_alistamiento_bajo")
    _severe(engine, "I1", hours_ago(NOW, 1))
    outcomes = {o.rule: o for o in evaluator.evaluate(engine, NOW, settings)}
    assert "boom" in outcomes["defensa_alistamiento_bajo"].error
    assert outcomes["incidente_grave"].opened == 1


def test_the_triggered_rules_of_a_commit(engine):
    assert evaluator.triggered_by(["incidents"]) == {"incidente_grave"}
    assert evaluator.triggered_by(["cases", "projects"]) == set()


def test_counts_by_level_and_state_for_metrics_stay_in_scope(engine, world, settings):
    from data.queries.alerts import counts_by_level_state
    from data.scope import get_territory

    only(engine, "incidente_grave")
    _severe(engine, "I1", hours_ago(NOW, 1))
    _severe(engine, "I2", hours_ago(NOW, 1), cuadrante="Q-VE-M-1", circuito="VE-M-C1")
    run(engine, NOW, settings)
    with Session(engine) as s:
        national = counts_by_level_state(s, None)
        scoped = counts_by_level_state(s, get_territory(s, "VE-M"))
    assert len(national) == 15  # every state × level, zeros included
    assert {(r["state"], r["level"]): r["n"] for r in national if r["n"]} == {("abierta", 5): 2}
    assert {(r["state"], r["level"]): r["n"] for r in scoped if r["n"]} == {("abierta", 5): 1}
