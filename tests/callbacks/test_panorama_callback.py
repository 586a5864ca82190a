"""The Panorama callback's data step: the caller's scope decides what it may load."""

from __future__ import annotations

import pytest

from auth.principal import Principal, reset_principal, set_principal
from callbacks.panorama import load
from data.queries.summary import summary
from data.scope import OutOfScope, get_territory
from tests import factories as f
from tests.factories import T0


@pytest.fixture
def world(session):
    f.two_estados(session)
    f.project(session, "P1", "VE-A-C1", "en_ejecucion", 10_000, 40)
    f.project(session, "P2", "VE-M-C1", "paralizado", 9_000, 10)
    f.delivery(session, "D1", "CLAP-VE-A-1", "VE-A-CC1", T0.date(), 200, 180)
    f.incident(session, "I1", "Q-VE-M-1", "VE-M-C1", "robo", T0)
    session.commit()


@pytest.fixture
def as_estado_a():
    token = set_principal(Principal("ana", "analista", "VE-A"))
    yield
    reset_principal(token)


def test_national_caller_sees_everything(session, world):
    data = load(None)
    assert data["summary"]["projects"]["total"] == 2
    assert {r["code"] for r in data["rows"]} == {"VE-A", "VE-M"}
    assert len(data["clap"]) == 30 and len(data["cases"]) == 30 and len(data["hours"]) == 24


def test_estado_caller_is_held_to_its_estado(session, world, as_estado_a):
    data = load(None)
    expected = summary(session, get_territory(session, "VE-A"))
    assert data["summary"]["territory"] == "VE-A"
    assert data["summary"]["projects"] == expected["projects"]
    assert [r["code"] for r in data["rows"]] == ["VE-A-M1"]
    with pytest.raises(OutOfScope):
        load("VE-M")
    assert load("VE-A-C1")["summary"]["projects"]["total"] == 1
