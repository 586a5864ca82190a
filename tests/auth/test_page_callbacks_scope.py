"""Every indicator-page callback, called with a crafted payload, stays inside the caller's scope.

The payloads are built from the app's own callback map, so a page added later is covered
without editing this test: any callback fed by a page's filter store is exercised.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from data.db import session_scope
from data.users import create_user
from tests import factories as f
from tests.auth.conftest import login, make_client
from tests.dash_calls import FILTERS_TYPE, filter_callbacks, filter_request
from tests.factories import T0

PASSWORD = "clave-muy-segura-1"


@pytest.fixture
def world(engine):
    """VE-A and VE-M with a record of every area; ana may see VE-A only."""
    with session_scope() as session:
        f.two_estados(session)
        for estado in ("VE-A", "VE-M"):
            f.project(session, f"P-{estado}", f"{estado}-C1", "paralizado", 9_000, 10)
            f.transfer(session, f"T-{estado}", f"P-{estado}", f"{estado}-C1", 500, T0)
            f.delivery(
                session, f"D-{estado}", f"CLAP-{estado}-1", f"{estado}-CC1", T0.date(), 100, 90
            )
            f.case(
                session, f"C-{estado}", f"{estado}-CC1", "agua", "recibido", T0 - timedelta(days=1)
            )
            f.incident(session, f"I-{estado}", f"Q-{estado}-1", f"{estado}-C1", "robo", T0)
            f.defense(session, f"U-{estado}", f"{estado}-M1", 55)
            f.action(session, f"ACA-{estado}", f"{estado}-C1", "pendiente", T0.date())
        create_user(session, "ana", PASSWORD, "analista", "VE-A")


def _payload(key: str, spec: dict, territorio: str | None) -> dict:
    params = {"rango": "30d", **({"territorio": territorio} if territorio else {})}
    return filter_request(key, spec, params)


def test_every_page_callback_refuses_or_hides_another_estado(sala_app, world):
    client = make_client(sala_app, address=("203.0.113.7", 40000))
    login(client, "ana", PASSWORD)
    callbacks = filter_callbacks(sala_app)
    pages = {
        json.loads(i["id"])["page"]
        for _, s in callbacks
        for i in s["inputs"]
        if FILTERS_TYPE in i["id"]
    }
    assert pages >= {"proyectos", "clap", "casos", "paz", "defensa", "consulta", "aca"}
    for key, spec in callbacks:
        for crafted in ("VE-M", "VE-M-C1", "VE-M-CC1"):
            answer = client.post("/_dash-update-component", json=_payload(key, spec, crafted))
            assert answer.status_code in (200, 204, 403), (key[:80], answer.status_code)
            refused = answer.status_code == 403 or "fuera de su" in answer.text
            assert refused, (key[:60], answer.status_code, answer.text[:300])
            # The refusal names the code that was asked for; nothing else of VE-M may appear.
            text = answer.text.replace(f"El territorio {crafted} est", "")
            at = text.find("VE-M")
            assert at < 0, (key[:60], text[max(0, at - 200) : at + 100])
        own = client.post("/_dash-update-component", json=_payload(key, spec, None))
        assert own.status_code in (200, 204), (key[:80], own.status_code, own.text[:300])
        assert "VE-M" not in own.text, key[:80]


def test_own_estado_is_answered_with_its_data(sala_app, world):
    """Control for the test above: the same payloads do carry data inside the scope."""
    client = make_client(sala_app, address=("203.0.113.7", 40000))
    login(client, "ana", PASSWORD)
    texts = [
        client.post("/_dash-update-component", json=_payload(key, spec, "VE-A")).text
        for key, spec in filter_callbacks(sala_app)
    ]
    assert sum("VE-A" in text for text in texts) >= 5
