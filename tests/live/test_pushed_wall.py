"""The wall's refresh pushed down the websocket (issue 17, Push): one render per window,
caller scope and view for every tab; a tab gets only its scope's render; after a render it
applied, only what changed. Behaviour only (contents and counts), never times.
"""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace
from typing import Any

import pytest
from dash import no_update
from sqlalchemy.orm import Session

import callbacks.muro as wall
import callbacks.renders as shared_renders
from auth.principal import Principal, reset_principal, set_principal
from callbacks.live import TabPush, send_window
from data.bus import MemoryBus
from data.hub import Hub, Window
from data.queries.shared import FreshCache
from data.scope import TerritoryRef
from tests import factories as f
from tests.live.harness import ingest_event
from tests.live.test_shared_push import FakeSocket

ARAGUA = TerritoryRef("VE-A", "estado", "Aragua", "VE-A", None, None, None)
MIRANDA = TerritoryRef("VE-M", "estado", "Miranda", "VE-M", None, None, None)
PEOPLE = {
    "VE-A": Principal("SALA-A", "pantalla", "VE-A", kind="display"),
    "VE-M": Principal("SALA-M", "pantalla", "VE-M", kind="display"),
}
VIEW = {"territory": None, "panels": ["casos", "clap"], "bodies": [0, 1], "fresh_ids": [0, 1]}


class WallSocket(FakeSocket):
    """A tab's websocket that answers the server's questions: its path and, on the wall,
    its ``muro-view`` (another page has no such component: Dash warns in its console)."""

    def __init__(self, shown: Any, path: str = "/muro") -> None:
        super().__init__()
        self.shown, self.path = shown, path
        self.questions: list[str] = []

    async def get_prop(self, component: str, prop: str, timeout: float = 30) -> Any:
        self.questions.append(component)
        if (component, prop) == ("url", "pathname"):
            return self.path
        assert (component, prop) == ("muro-view", "data")
        return self.shown if self.path == "/muro" else None  # not in the page: a warning

    @property
    def asked(self) -> int:
        return self.questions.count("muro-view")

    def pushed(self) -> list[dict[str, Any]]:
        return [
            m["payload"]["props"]["data"]
            for m in self.sent()
            if m["payload"]["componentId"] == "muro-pushed"
        ]


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, wall.KpiView]]:
    """A fake render: the caller's territory and the panels' counter in every output."""
    calls: list[tuple[str | None, wall.KpiView]] = []

    def fake(view: wall.KpiView, items: list, fresh_after: float) -> tuple:
        scope = wall.current_principal().territory_code
        calls.append((scope, view))
        bodies = [f"{scope}:{view.panels[i]}:{len(calls) if i == 0 else 0}" for i in view.bodies]
        ticker = [i["id"] for i in items]
        return (
            bodies,
            ["c"] * len(bodies),
            [""] * len(bodies),
            ["f"],
            "t",
            None,
            ticker,
            scope,
            "u",
        )

    monkeypatch.setattr(wall, "shared_kpis", fake)
    return calls


def push(tabs: list[tuple[TabPush, WallSocket]], window: Window) -> None:
    """Each tab's window and pushed wall, as the push loop does (with its caller set)."""

    async def run() -> None:
        for tab, ws in tabs:
            send_window(tab, ws, window)
        for tab, ws in tabs:
            token = set_principal(PEOPLE[tab.ref.code] if tab.ref else None)
            try:
                messages = await wall.push_wall(tab, ws, [window])
            finally:
                reset_principal(token)
            for message in messages:
                ws._get_outbound_queue().sync_q.put_nowait(message)

    asyncio.run(run())


def tabs_of(
    hub: Hub, ref: TerritoryRef, n: int, shown: Any, path: str = "/muro"
) -> list[tuple[TabPush, WallSocket]]:
    return [(TabPush(hub, ref), WallSocket(shown, path)) for _ in range(n)]


def test_fifty_wall_tabs_cost_one_render_per_scope_and_never_see_another_scope(renders):
    hub = Hub(MemoryBus())
    aragua = tabs_of(hub, ARAGUA, 50, {"view": VIEW, "applied": None})
    miranda = tabs_of(hub, MIRANDA, 3, {"view": VIEW, "applied": None})
    window = hub.deliver([("1", ingest_event("VE-A", 2)), ("2", ingest_event("VE-M", 1))])

    push([*aragua, *miranda], window)

    assert sorted(scope for scope, _ in renders) == ["VE-A", "VE-M"]  # not one per tab
    for _tab, ws in aragua:
        (pushed,) = ws.pushed()
        assert pushed["outputs"][0] == ["VE-A:casos:1", "VE-A:clap:0"]  # the first render
        assert pushed["outputs"][7] == "VE-A"
        assert pushed["outputs"][6] == ["VE-A-1", "VE-A-0"]  # the scope's ticker only
        assert "VE-M" not in json.dumps(pushed)
        assert pushed["view"] == VIEW and pushed["base"] is None
    for _tab, ws in miranda:
        (pushed,) = ws.pushed()
        assert "VE-A" not in json.dumps(pushed)


def test_a_tab_not_on_the_wall_gets_no_render(renders):
    hub = Hub(MemoryBus())
    elsewhere = tabs_of(hub, ARAGUA, 2, None, "/casos")
    crafted = tabs_of(hub, ARAGUA, 1, {"view": {**VIEW, "bodies": [7]}, "applied": None})
    window = hub.deliver([("1", ingest_event("VE-A", 1))])

    push([*elsewhere, *crafted], window)
    push(elsewhere, hub.deliver([("2", ingest_event("VE-A", 1, prefix="b"))]))

    assert renders == []
    assert all(ws.pushed() == [] for _tab, ws in [*elsewhere, *crafted])
    # asked only their path (never muro-view: no console warning), and not again at once
    assert [ws.questions for _tab, ws in elsewhere] == [["url"], ["url"]]


def test_a_tab_that_leaves_the_wall_is_asked_its_path_again_later(renders, monkeypatch):
    hub = Hub(MemoryBus())
    ((tab, ws),) = tabs_of(hub, ARAGUA, 1, {"view": VIEW, "applied": None})
    clock = [100.0]
    monkeypatch.setattr(wall, "time", SimpleNamespace(monotonic=lambda: clock[0], time=time.time))

    push([(tab, ws)], hub.deliver([("1", ingest_event("VE-A", 1))]))
    push([(tab, ws)], hub.deliver([("2", ingest_event("VE-A", 1, prefix="b"))]))
    assert ws.questions == ["url", "muro-view", "muro-view"]  # on the wall: its view only
    assert len(ws.pushed()) == 2

    ws.shown, ws.path = None, "/casos"  # the tab navigates away
    push([(tab, ws)], hub.deliver([("3", ingest_event("VE-A", 1, prefix="c"))]))
    push([(tab, ws)], hub.deliver([("4", ingest_event("VE-A", 1, prefix="d"))]))
    clock[0] += wall.OFF_WALL_RECHECK_S + 0.1
    push([(tab, ws)], hub.deliver([("5", ingest_event("VE-A", 1, prefix="e"))]))
    # one muro-view question finds it gone; later only its path, and not at every window
    assert ws.questions[3:] == ["muro-view", "url"]
    assert ws.pushed() == []  # nothing pushed off the wall


def test_a_scope_without_news_in_the_window_gets_no_render(renders):
    hub = Hub(MemoryBus())
    miranda = tabs_of(hub, MIRANDA, 2, {"view": VIEW, "applied": None})
    window = hub.deliver([("1", ingest_event("VE-A", 1))])

    push(miranda, window)

    assert renders == [] and all(ws.asked == 0 for _tab, ws in miranda)


def test_after_applying_a_render_a_tab_gets_only_what_changed(renders):
    hub = Hub(MemoryBus())
    (tab, ws), (late, late_ws) = tabs_of(hub, ARAGUA, 2, {"view": VIEW, "applied": None})
    first = hub.deliver([("1", ingest_event("VE-A", 1))])
    push([(tab, ws), (late, late_ws)], first)
    (full,) = ws.pushed()
    late_ws.pushed()
    assert full["base"] is None and full["seq"] == first.seq

    ws.shown = {"view": VIEW, "applied": first.seq}  # applied the first render
    late_ws.shown = {"view": VIEW, "applied": None}  # an HTTP refresh came in between
    second = hub.deliver([("2", ingest_event("VE-A", 1, prefix="b"))])
    push([(tab, ws), (late, late_ws)], second)

    (delta,) = ws.pushed()
    assert delta["base"] == first.seq and delta["seq"] == second.seq
    marker = {"_dash_no_update": "_dash_no_update"}
    assert delta["outputs"][0] == ["VE-A:casos:2", marker]  # the unchanged panel is skipped
    assert delta["outputs"][4] == marker and delta["outputs"][6] != marker
    (again,) = late_ws.pushed()
    assert again["base"] is None and again["outputs"][0] == ["VE-A:casos:2", "VE-A:clap:0"]
    assert len(renders) == 2  # one per window, shared by both tabs


def test_a_tab_still_applying_the_last_render_gets_all_of_the_next(renders):
    hub = Hub(MemoryBus())
    (tab, ws) = tabs_of(hub, ARAGUA, 1, {"view": VIEW, "applied": None})[0]
    first = hub.deliver([("1", ingest_event("VE-A", 1))])
    push([(tab, ws)], first)
    second = hub.deliver([("2", ingest_event("VE-A", 1, prefix="b"))])
    push([(tab, ws)], second)
    ws.sent()
    # The tab says it applied the first render: the second is still on its way to it.
    ws.shown = {"view": VIEW, "applied": first.seq}
    third = hub.deliver([("3", ingest_event("VE-A", 1, prefix="c"))])
    push([(tab, ws)], third)

    (pushed,) = ws.pushed()
    assert pushed["base"] is None and pushed["outputs"][0] == ["VE-A:casos:3", "VE-A:clap:0"]


def test_changes_skip_equal_panels_but_never_part_of_a_plain_list():
    old = [["a", "b"], ["x", "y"], ["", ""], ["f"], "t", None, ["e1", "e2"], "VE-A", "u1"]
    new = [["a", "c"], ["x", "y"], ["", ""], ["f"], "t", None, ["e0", "e1"], "VE-A", "u2"]
    out = wall.changes(new, old)
    assert out[0] == [no_update, "c"]
    assert out[1] is no_update  # no panel changed: one marker, not one per panel
    assert out[6] == ["e0", "e1"]  # the ticker's list is one output: all or nothing
    assert out[7] is no_update and out[8] == "u2"


def component(kind: str, children: Any, **props: Any) -> dict[str, Any]:
    return {"props": {"children": children, **props}, "type": kind, "namespace": "html"}


def line(event: str) -> dict[str, Any]:
    return component("Li", "Caso 1x10 · agua — Aragua", **{"data-event": event})


def panel(value: str, bars: list[str]) -> dict[str, Any]:
    """A wall panel's tree: a number among text and a sparkline that does not move."""
    kpi = component("Div", value, **{"data-kpi": "cases.open", "data-value": value})
    spark = [component("Div", None, style={"height": h}) for h in bars]
    return component("Div", [kpi, component("Div", "Casos abiertos"), component("Div", spark)])


def patched(value: Any, patch: dict[str, Any]) -> Any:
    """``patch`` (Dash's wire format) applied as the browser's renderer does (Assign:
    assocPath, Delete: dissocPath, Insert: at an index of the list at its location)."""
    value = json.loads(json.dumps(value))
    for op in patch["operations"]:
        *where, last = op["location"] or [None]
        target = value
        for key in where if op["operation"] != "Insert" else op["location"]:
            target = target[key]
        if op["operation"] == "Assign":
            target[last] = op["params"]["value"]
        elif op["operation"] == "Delete":
            del target[last]
        elif op["operation"] == "Insert":
            target.insert(op["params"]["index"], op["params"]["value"])
        else:
            raise AssertionError(op)
    return value


def test_what_changed_in_a_panel_or_the_ticker_goes_as_a_patch_of_the_applied_render():
    """The browser patches the render it applied: a panel whose number moved and a ticker
    with two new lines in front cost a few operations, not their whole trees again."""
    bars = [f"{k}.0%" for k in range(14)]
    ticker_old = [line(f"e{k}") for k in range(12, 0, -1)]
    ticker_new = [line("e14"), line("e13"), *ticker_old[:10]]
    old = [[panel("218", bars), panel("5", bars)], ["a", "b"], ["", ""], ["f"], "t", None]
    old += [ticker_old, "VE-A", "u1"]
    new = [[panel("219", bars), panel("5", bars)], ["a", "b"], ["", ""], ["f"], "t", None]
    new += [ticker_new, "VE-A", "u2"]
    out = json.loads(json.dumps(wall.changes(new, old), default=wall._wire))

    body, ticker = out[0][0], out[6]
    assert body["__dash_patch_update"] and ticker["__dash_patch_update"]
    assert patched(old[0][0], body) == new[0][0]
    assert patched(ticker_old, ticker) == ticker_new
    assert [op["operation"] for op in ticker["operations"]] == ["Delete"] * 2 + ["Insert"] * 2
    assert len(json.dumps(body)) < len(json.dumps(new[0][0])) / 3
    assert out[0][1] == {"_dash_no_update": "_dash_no_update"}
    # what a patch cannot say shorter goes whole
    assert wall.edited([line("x")], [line("y"), line("z")]) == [line("y"), line("z")]
    assert wall.edited("u1", "u2") == "u2"


@pytest.mark.parametrize(
    "crafted",
    [
        None,
        "muro",
        {"view": None},
        {"view": {**VIEW, "extra": 1}},
        {"view": {**VIEW, "bodies": [2]}},
        {"view": {**VIEW, "bodies": [True]}},
        {"view": {**VIEW, "territory": 5}},
        {"view": {**VIEW, "panels": "casos"}},
    ],
)
def test_a_view_the_server_did_not_write_is_refused(crafted):
    assert wall.parse_view(crafted) is None


def test_a_pushed_render_shows_the_wall_of_the_callers_scope(session: Session, monkeypatch):
    """The real render: an estado's screen asking for the national view gets its estado."""
    f.two_estados(session)
    session.commit()
    monkeypatch.setattr(shared_renders, "renders", FreshCache(shared_renders.MAX_RENDERS))
    hub = Hub(MemoryBus())
    shown = {"view": {**VIEW, "panels": ["casos"], "bodies": [0], "fresh_ids": [0]}}
    aragua = tabs_of(hub, ARAGUA, 2, {**shown, "applied": None})
    miranda = tabs_of(hub, MIRANDA, 1, {**shown, "applied": None})
    window = hub.deliver([("1", ingest_event("VE-A", 1)), ("2", ingest_event("VE-M", 1))])

    push([*aragua, *miranda], window)

    titles = {ws.pushed()[0]["outputs"][4] for _tab, ws in aragua}
    (only,) = miranda[0][1].pushed()
    assert titles == {"Estado VE-A"} and only["outputs"][4] == "Estado VE-M"
    assert only["outputs"][7] == "VE-M"
