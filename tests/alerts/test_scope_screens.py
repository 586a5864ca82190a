"""Scope on the screens: a user scoped to VE-A never sees, counts or acts on VE-M's alerts in
``/alertas``, the header badge or the wall, and the push never delivers them to its tab.

The callbacks are called over HTTP with crafted payloads (as a browser would), logged in as
real users; the push filter is the one every tab's loop applies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from data.alerts import store
from data.db import session_scope
from data.hub import summarize
from data.models import Alert
from data.scope import get_territory
from data.users import create_user
from tests import factories as f
from tests.alerts.conftest import NOW, alerts, hours_ago, only, run
from tests.auth.conftest import login, make_client, sala_app  # noqa: F401 - fixture

PASSWORD = "clave-muy-segura-1"
REMOTE = ("203.0.113.7", 40000)


@pytest.fixture
def raised(engine, world, settings) -> dict[str, int]:
    """Open level-5 alerts on VE-A-C1 and VE-M-C1; ana (operador) and leo (analista) see VE-A."""
    only(engine, "incidente_grave")
    with Session(engine) as s:
        f.incident(s, "I1", "Q-VE-A-1", "VE-A-C1", "homicidio", hours_ago(NOW, 1), 5)
        f.incident(s, "I2", "Q-VE-M-1", "VE-M-C1", "secuestro", hours_ago(NOW, 1), 5)
        s.commit()
    run(engine, NOW, settings)
    with session_scope() as session:
        create_user(session, "ana", PASSWORD, "operador", "VE-A")
        create_user(session, "leo", PASSWORD, "analista", "VE-A")
    return {a.territory_code: a.id for a in alerts(engine)}


def _call(
    client, app, output_prefix: str, inputs: dict[str, Any], state: dict[str, Any] | None = None
):
    """POST a callback whose output key starts with ``output_prefix``, with input values by
    ``"id.property"``; returns the JSON answer."""
    key, spec = next((k, s) for k, s in app.callback_map.items() if k.startswith(output_prefix))

    def ident(raw: str):
        return json.loads(raw) if raw.startswith("{") else raw

    outputs = [
        {"id": ident(o.component_id_str()), "property": o.component_property}
        for o in spec["output"]
    ]

    def entries(items, values):
        return [
            {
                "id": ident(i["id"]),
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in items
        ]

    first = spec["inputs"][0]
    payload = {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": entries(spec["inputs"], inputs),
        "changedPropIds": [next(iter(inputs), f"{first['id']}.{first['property']}")],
        "state": entries(spec["state"], state or {}),
    }
    answer = client.post("/_dash-update-component", json=payload)
    assert answer.status_code in (200, 204), answer.text[:300]
    return answer.json() if answer.status_code == 200 else {}


def _ids(answer: Any) -> set[str]:
    return set(_find(answer, "data-alert-id"))


def _find(node: Any, attr: str):
    if isinstance(node, dict):
        if attr in node:
            yield node[attr]
        for v in node.values():
            yield from _find(v, attr)
    elif isinstance(node, list):
        for v in node:
            yield from _find(v, attr)


@pytest.fixture
def ana(sala_app, raised):  # noqa: F811
    client = make_client(sala_app, address=REMOTE)
    login(client, "ana", PASSWORD)
    return client


LIST = "..alertas-lista.children"
FILTERS = {"alertas-estado.value": "pendientes", "alertas-nivel.value": 1}


def test_alertas_lists_only_the_users_scope(sala_app, ana, raised):  # noqa: F811
    answer = _call(ana, sala_app, LIST, FILTERS)
    assert _ids(answer) == {str(raised["VE-A-C1"])}
    refused = _call(ana, sala_app, LIST, {**FILTERS, "alertas-territorio.value": "VE-M"})
    assert _ids(refused) == set()
    assert "fuera de su ámbito" in json.dumps(refused, ensure_ascii=False)


def test_badge_and_wall_count_only_the_users_scope(sala_app, ana, raised):  # noqa: F811
    badge = _call(ana, sala_app, "..alert-badge.children", {"url.pathname": "/paz"})
    assert "1 alerta abierta sin reconocer" in json.dumps(badge, ensure_ascii=False)
    wall = _call(ana, sala_app, "..muro-alert-banner.children", {"muro-config.data": {}})
    assert _ids(wall) == {str(raised["VE-A-C1"])}
    assert "data-alert-banner" in json.dumps(wall)


def test_acting_outside_the_scope_changes_nothing(sala_app, ana, raised, engine):  # noqa: F811
    outside = raised["VE-M-C1"]
    answer = _call(
        ana,
        sala_app,
        "..alertas-hecho.data",
        {"alertas-confirmar.n_clicks": 1},
        {
            "alertas-sel.data": {"id": outside, "accion": "reconocer"},
            "alertas-comentario.value": "x",
        },
    )
    assert "fuera de su ámbito" in json.dumps(answer, ensure_ascii=False)
    with Session(engine) as s:
        assert s.get(Alert, outside).state == "abierta"
    inside = _call(
        ana,
        sala_app,
        "..alertas-hecho.data",
        {"alertas-confirmar.n_clicks": 1},
        {
            "alertas-sel.data": {"id": raised["VE-A-C1"], "accion": "reconocer"},
            "alertas-comentario.value": "voy",
        },
    )
    assert "reconocida" in json.dumps(inside, ensure_ascii=False)
    with Session(engine) as s:
        acted = s.get(Alert, raised["VE-A-C1"])
        assert (acted.state, acted.acknowledged_by) == ("reconocida", "ana")


def test_analysts_only_see(sala_app, raised, engine):  # noqa: F811
    client = make_client(sala_app, address=REMOTE)
    login(client, "leo", PASSWORD)
    listed = _call(client, sala_app, LIST, FILTERS)
    assert _ids(listed) == {str(raised["VE-A-C1"])}
    assert "Reconocer" not in json.dumps(listed)  # no buttons for a role that cannot act
    answer = _call(
        client,
        sala_app,
        "..alertas-hecho.data",
        {"alertas-confirmar.n_clicks": 1},
        {"alertas-sel.data": {"id": raised["VE-A-C1"], "accion": "resolver"}},
    )
    assert "Su rol no puede" in json.dumps(answer, ensure_ascii=False)
    with Session(engine) as s:
        assert s.get(Alert, raised["VE-A-C1"]).state == "abierta"


def test_the_push_never_delivers_another_territorys_alert(engine, raised):
    from callbacks.live import TabPush

    changes = store.Changes()
    with Session(engine) as s:
        for alert_id in raised.values():
            changes.add(s.get(Alert, alert_id), "escalada")
        ref = get_territory(s, "VE-A")
        circuito = get_territory(s, "VE-M-C1")
    items = [(str(i), e) for i, e in enumerate(changes.events(), 1)]
    tab = TabPush(hub=None, ref=ref)  # type: ignore[arg-type]
    visible = tab.visible(items)
    feed = summarize(visible)
    assert feed["alerts"] == 1
    assert [i["territory_code"] for i in feed["items"]] == ["VE-A-C1"]
    assert summarize(TabPush(hub=None, ref=circuito).visible(items))["alerts"] == 1  # type: ignore[arg-type]
    assert summarize(TabPush(hub=None, ref=None).visible(items))["alerts"] == 2  # type: ignore[arg-type]
