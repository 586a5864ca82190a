"""``/admin``, alerts section: list, tune, enable/disable rules (audited; disabling resolves
the rule's open alerts), bad input refused with nothing changed, webhooks managed in scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data import audit
from data.alerts.rules import SPECS
from data.db import session_scope
from data.models import AlertRule, AlertWebhook
from data.users import create_user
from tests import factories as f
from tests.alerts.conftest import NOW, alerts, hours_ago, notes, only, run
from tests.auth.conftest import csrf_of, login, make_client, sala_app  # noqa: F401 - fixture

PASSWORD = "clave-muy-segura-1"
REMOTE = ("203.0.113.7", 40000)


@pytest.fixture
def admin(sala_app, world):  # noqa: F811
    with session_scope() as session:
        create_user(session, "jefa", PASSWORD, "admin")
    client = make_client(sala_app, address=REMOTE, host="sala.example")
    login(client, "jefa", PASSWORD)
    return client


def _rule(engine, slug: str) -> AlertRule:
    with Session(engine) as s:
        return s.get(AlertRule, slug)


def _post_rule(client, slug: str, **fields):
    token = csrf_of(client.get("/admin").text)
    return client.post(f"/admin/alertas/reglas/{slug}", data={"csrf": token, **fields})


def test_the_admin_page_lists_every_rule(admin):
    page = admin.get("/admin")
    assert page.status_code == 200
    assert "Reglas de alerta" in page.text and "Webhooks de alertas" in page.text
    for slug in SPECS:
        assert f'id="regla-{slug}"' in page.text


def test_tuning_a_rule_is_applied_and_audited(admin, engine):
    answer = _post_rule(
        admin,
        "casos_fuera_de_plazo",
        threshold="0,55",
        for_minutes="10",
        level="4",
        param_min_abiertos="30",
    )
    assert answer.status_code == 303
    rule = _rule(engine, "casos_fuera_de_plazo")
    assert (rule.threshold, rule.for_minutes, rule.level, rule.params["min_abiertos"]) == (
        0.55,
        10,
        4,
        30,
    )
    assert rule.updated_by == "jefa"
    with Session(engine) as s:
        (entry,) = audit.latest(s, action="regla_alerta_modificada")
    assert entry.actor == "jefa" and entry.detail["threshold"] == "0.7 → 0.55"


@pytest.mark.parametrize(
    "fields,problem",
    [
        ({"threshold": "mucho"}, "no es un número"),
        ({"level": "7"}, "1, 2, 3, 4 o 5"),
        ({"for_minutes": "-5"}, "no puede ser menor"),
        ({"message": "{territorio} {foo}"}, "Campos desconocidos"),
        ({"message": "{territorio"}, "llaves"),
        ({"param_inventado": "3"}, "no tiene el parámetro"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(admin, engine, fields, problem):
    before = _rule(engine, "incidente_grave")
    answer = _post_rule(admin, "incidente_grave", **fields)
    assert answer.status_code == 400 and problem in answer.text
    after = _rule(engine, "incidente_grave")
    assert (after.threshold, after.level, after.message, after.params) == (
        before.threshold,
        before.level,
        before.message,
        before.params,
    )


def test_disabling_a_rule_resolves_its_open_alerts(admin, engine, settings):
    only(engine, "incidente_grave")
    with Session(engine) as s:
        f.incident(s, "I1", "Q-VE-A-1", "VE-A-C1", "homicidio", hours_ago(NOW, 1), 5)
        s.commit()
    run(engine, NOW, settings)
    assert _post_rule(admin, "incidente_grave", enabled="0").status_code == 303
    (alert,) = alerts(engine)
    assert (alert.state, alert.resolved_by) == ("resuelta", "automática")
    assert "desactivada por jefa" in notes(engine, alert.id)[-1].text
    assert run(engine, NOW, settings) == {}  # not evaluated any more


def test_only_a_national_admin_tunes_rules(sala_app, world, engine):  # noqa: F811
    with session_scope() as session:
        create_user(session, "jefa-a", PASSWORD, "admin", "VE-A")
    client = make_client(sala_app, address=REMOTE, host="sala.example")
    login(client, "jefa-a", PASSWORD)
    assert "solo un administrador nacional" in client.get("/admin").text
    assert _post_rule(client, "incidente_grave", threshold="3").status_code == 403
    assert _rule(engine, "incidente_grave").threshold == 1


def test_webhooks_are_created_in_scope_and_deleted(admin, engine):
    token = csrf_of(admin.get("/admin").text)
    form = {
        "csrf": token,
        "name": "central",
        "url": "https://avisos.example/sala",
        "territory": "VE-A",
        "min_level": "5",
    }
    created = admin.post("/admin/alertas/webhooks", data=form)
    assert created.status_code == 200 and "no se mostrará otra vez" in created.text
    with Session(engine) as s:
        hook = s.scalar(select(AlertWebhook))
        assert (hook.territory_code, hook.min_level) == ("VE-A", 5)
        assert hook.secret in created.text
    bad = admin.post(
        "/admin/alertas/webhooks", data={**form, "name": "otro", "url": "javascript:alert(1)"}
    )
    assert bad.status_code == 400 and "http" in bad.text
    assert (
        admin.post("/admin/alertas/webhooks/central/borrar", data={"csrf": token}).status_code
        == 303
    )
    with Session(engine) as s:
        assert s.scalar(select(AlertWebhook)) is None
        done = {e.action for e in audit.latest(s)}
    assert {"webhook_creado", "webhook_borrado"} <= done


def test_forms_without_csrf_or_by_non_admins_are_refused(sala_app, admin, world, engine):  # noqa: F811
    assert (
        admin.post("/admin/alertas/reglas/incidente_grave", data={"threshold": "9"}).status_code
        == 403
    )
    with session_scope() as session:
        create_user(session, "op", PASSWORD, "operador")
    client = make_client(sala_app, address=REMOTE, host="sala.example")
    login(client, "op", PASSWORD)
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/admin/alertas/reglas/incidente_grave", data={"csrf": token, "threshold": "9"}
    )
    assert answer.status_code == 403
    assert _rule(engine, "incidente_grave").threshold == 1
