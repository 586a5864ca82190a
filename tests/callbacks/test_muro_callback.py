"""The wall's data step: a bad territory is one notice and one log line; the ticker and the
worst territories follow the territory the wall is showing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from auth.principal import Principal, reset_principal, set_principal
from callbacks import muro as wall
from data.scope import get_territory
from tests import factories as f
from tests.factories import T0


@pytest.fixture
def world(session):
    f.two_estados(session)
    f.project(session, "P1", "VE-A-C1", "paralizado", 10_000, 40)
    f.delivery(session, "D1", "CLAP-VE-A-1", "VE-A-CC1", T0.date(), 200, 180)
    f.incident(session, "I1", "Q-VE-M-1", "VE-M-C1", "robo", T0 - timedelta(hours=1))
    session.commit()
    wall._noted_bad.clear()
    yield session
    wall._noted_bad.clear()


def _wall_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "sala.muro"]


def test_an_unknown_territory_is_one_notice_and_one_log_line(world, caplog):
    caplog.set_level(logging.INFO, logger="sala.muro")
    for _ in range(5):  # five passes of the rotation through the same bad step
        data, title, notice = wall.load_step("VE-Q", 0)
        assert data is None and "no disponible" in title
        assert notice.to_plotly_json()["props"]["data-notice"] == "VE-Q"
        assert wall.load_map("VE-Q", []) == {"type": "FeatureCollection", "features": []}
    lines = _wall_lines(caplog)
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING and lines[0].exc_info is None
    assert "VE-Q" in lines[0].getMessage() and "\n" not in lines[0].getMessage()


def test_an_out_of_scope_territory_says_so_once(world, caplog):
    caplog.set_level(logging.INFO, logger="sala.muro")
    token = set_principal(Principal("SALA-A", "pantalla", "VE-A", kind="display"))
    try:
        for _ in range(3):
            data, _title, notice = wall.load_step("VE-M", 0)
            assert data is None and notice is not None
        assert wall.load_step("VE-A", 0)[0] is not None  # its own estado still shows
    finally:
        reset_principal(token)
    lines = _wall_lines(caplog)
    assert len(lines) == 1 and "fuera del ámbito" in lines[0].getMessage()
    assert lines[0].exc_info is None


def test_a_step_loads_summary_trends_and_worst_territories(world):
    data, title, notice = wall.load_step("VE-A", 0)
    assert notice is None and title == data.ref.name
    assert data.summary["territory"] == "VE-A"
    assert len(data.trends["incidents_hourly"]) == 24
    assert [r["code"] for r in data.measures] == ["VE-A-M1"]  # ranked below the estado


def test_the_ticker_follows_the_territory_shown(world, monkeypatch):
    def event(estado: str, n: int) -> dict:
        return {
            "type": "ingest",
            "dataset": "incidents",
            "estados": [estado],
            "items": [{"id": f"{estado}-{i}", "estado_code": estado} for i in range(n)],
        }

    recent = [("1-0", event("VE-A", 2)), ("2-0", event("VE-M", 3))]
    monkeypatch.setattr(wall, "recent_events", lambda: recent)
    window = [{"id": "VE-M-9", "dataset": "cases", "estado_code": "VE-M"}]
    zulia_like = get_territory(world, "VE-M")
    shown = wall.ticker_items(zulia_like, window)
    assert {i["id"] for i in shown} == {"VE-M-9", "VE-M-0", "VE-M-1", "VE-M-2"}
    assert all(i["estado_code"] == "VE-M" for i in shown)
    national = wall.ticker_items(None, window)
    assert {i["estado_code"] for i in national} == {"VE-A", "VE-M"}
