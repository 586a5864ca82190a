"""Refresh outputs rendered once per pushed window for every tab of a scope (issue 17).

Fifty wall screens refresh over HTTP after the same pushed window; through one single-flight
cache the first renders and the others wait for it, and the key keeps scopes, views and
browser-sent items apart. Behaviour only (counts and contents), never times.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

import callbacks.renders as renders
from auth.principal import Principal, reset_principal, set_principal
from callbacks import muro as wall
from data.queries.cache import VersionCache
from data.queries.shared import FreshCache
from tests import factories as f

VIEW = wall.KpiView("VE-A", ("casos", "clap"), (0, 1), (0, 1), False)
ITEMS = [{"id": "VE-A-1", "dataset": "cases", "estado_code": "VE-A"}]
ARAGUA = Principal("SALA-A", "pantalla", "VE-A", kind="display")
MIRANDA = Principal("SALA-M", "pantalla", "VE-M", kind="display")


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> FreshCache:
    fresh = FreshCache(renders.MAX_RENDERS)
    monkeypatch.setattr(renders, "renders", fresh)
    return fresh


def as_caller(principal: Principal | None, fn, *args) -> Any:
    token = set_principal(principal)
    try:
        return fn(*args)
    finally:
        reset_principal(token)


def wait_for(cache: FreshCache, waiting: int) -> None:
    pause = threading.Event()
    for _ in range(500):
        if cache.waiting == waiting:
            return
        pause.wait(0.01)


def test_fifty_tabs_after_one_window_render_once(cache, monkeypatch) -> None:
    """Fails without single flight: every tab would render (and query) on its own."""
    release = threading.Event()
    calls: list[tuple] = []

    def slow_render(view, items, fresh_after) -> tuple:
        calls.append((view, fresh_after))
        release.wait(30)
        return ("rendered", view.territory)

    monkeypatch.setattr(wall, "render_kpis", slow_render)
    results: list[Any] = []

    def tab() -> None:
        results.append(as_caller(ARAGUA, wall.shared_kpis, VIEW, list(ITEMS), 100.0))

    threads = [threading.Thread(target=tab) for _ in range(50)]
    for t in threads:
        t.start()
    try:
        wait_for(cache, 49)
        assert cache.waiting == 49  # the others wait for the first tab's render
    finally:
        release.set()
    for t in threads:
        t.join(30)
    assert calls == [(VIEW, 100.0)]
    assert len(results) == 50 and all(r is results[0] for r in results)  # the same output


def test_scopes_views_and_items_never_share_a_render(cache, monkeypatch) -> None:
    calls: list[str] = []

    def render(view, items, fresh_after) -> tuple:
        calls.append(view.territory)
        return (len(calls),)

    monkeypatch.setattr(wall, "render_kpis", render)
    first = as_caller(ARAGUA, wall.shared_kpis, VIEW, ITEMS, 100.0)
    assert as_caller(ARAGUA, wall.shared_kpis, VIEW, ITEMS, 100.0) is first  # same window
    assert as_caller(MIRANDA, wall.shared_kpis, VIEW, ITEMS, 100.0) == (2,)  # another scope
    assert as_caller(None, wall.shared_kpis, VIEW, ITEMS, 100.0) == (3,)  # national
    other_items = [*ITEMS, {"id": "forged", "dataset": "cases", "estado_code": "VE-A"}]
    assert as_caller(ARAGUA, wall.shared_kpis, VIEW, other_items, 100.0) == (4,)
    moved = wall.KpiView("VE-A", ("casos", "clap"), (0,), (0,), False)  # another grid
    assert as_caller(ARAGUA, wall.shared_kpis, moved, ITEMS, 100.0) == (5,)
    alerts = wall.KpiView("VE-A", ("casos", "clap"), (0, 1), (0, 1), True)
    assert as_caller(ARAGUA, wall.shared_kpis, alerts, ITEMS, 100.0) == (6,)
    later = time.time() + 1  # a window cut after that render started: render again
    assert as_caller(ARAGUA, wall.shared_kpis, VIEW, ITEMS, later) == (7,)
    assert len(calls) == 7


def test_a_shared_render_shows_the_wall_of_the_callers_scope(session, cache) -> None:
    f.two_estados(session)
    session.commit()
    view = wall.KpiView(None, ("casos",), (0,), (0,), False)
    aragua = as_caller(ARAGUA, wall.shared_kpis, view, [], 0.0)
    miranda = as_caller(MIRANDA, wall.shared_kpis, view, [], 0.0)
    assert (aragua[4], miranda[4]) == ("Estado VE-A", "Estado VE-M")  # each its own title
    assert aragua[7] == "VE-A" and miranda[7] == "VE-M"  # the ticker's territory
    assert as_caller(ARAGUA, wall.shared_kpis, view, [], 0.0) is aragua
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_page_cache_is_the_same_single_flight(engine) -> None:
    """The version-keyed page cache shares the push's mechanism: concurrent misses of one
    key run one computation (fails without single flight)."""
    cache = VersionCache()
    assert isinstance(cache, FreshCache)
    release = threading.Event()
    calls: list[int] = []
    results: list[Any] = []

    def compute() -> str:
        calls.append(1)
        release.wait(30)
        return "resultado"

    def screen() -> None:
        with Session(engine) as session:
            results.append(
                cache.get_or_compute(session, "muro", ["cases"], datetime(2026, 1, 1), compute)
            )

    threads = [threading.Thread(target=screen) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        wait_for(cache, 7)
        assert cache.waiting == 7
    finally:
        release.set()
    for t in threads:
        t.join(30)
    assert calls == [1] and results == ["resultado"] * 8


def test_a_shared_render_is_stored_as_the_json_dash_sends(cache) -> None:
    """Dash serializes components for every response; the shared output is kept as plain
    JSON data (the same bytes on the wire), with the ``no_update`` markers untouched."""
    from dash import html, no_update
    from plotly.utils import PlotlyJSONEncoder

    div = html.Div([html.Span("7", **{"data-kpi": "cases.open"})], id="a")

    def render() -> tuple:
        return (div, [html.B("y"), no_update], no_update, "título")

    out = as_caller(ARAGUA, renders.shared_render, ("k",), 0.0, render)
    assert isinstance(out, tuple) and out[2] is no_update and out[1][1] is no_update
    assert out[0] == json.loads(json.dumps(div, cls=PlotlyJSONEncoder))
    assert out[0]["props"]["children"][0]["props"]["data-kpi"] == "cases.open"
    assert json.dumps(out[0]) == json.dumps(div, cls=PlotlyJSONEncoder)
    assert out[1][0]["type"] == "B" and out[3] == "título"


def test_the_wall_alerts_and_the_badge_are_drawn_once_per_window_and_scope(
    cache, monkeypatch
) -> None:
    from functools import partial

    from callbacks import alertas

    loads: list[tuple[str, Any]] = []

    def load_wall(territory):
        loads.append(("wall", territory))
        return [], 0, []

    def load_badge():
        loads.append(("badge", None))
        return {"open": 0, "max_level": None}

    monkeypatch.setattr(alertas, "load_wall", load_wall)
    monkeypatch.setattr(alertas, "load_badge", load_badge)
    wall_alerts = partial(alertas.draw_wall, "VE-A")
    for _ in range(5):  # five walls of Aragua after the same window
        as_caller(ARAGUA, renders.shared_render, ("muro-alerts", "VE-A"), 100.0, wall_alerts)
        as_caller(ARAGUA, renders.shared_render, ("alert-badge",), 100.0, alertas.draw_badge)
    as_caller(MIRANDA, renders.shared_render, ("alert-badge",), 100.0, alertas.draw_badge)
    assert loads == [("wall", "VE-A"), ("badge", None), ("badge", None)]  # Miranda: its own
