"""The alert components (pure): the data attributes screens and tests rely on, the banner's
rule (unacknowledged level 5 only), human Spanish texts, and the alert changes in the push."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.timeutil import UTC
from data.alerts.present import present
from data.hub import summarize
from layouts import alertas as page
from layouts.components import alerts as view
from layouts.muro import layout as wall_layout
from tests.alerts.conftest import NOW


def _alert(i: int, level: int = 5, state: str = "abierta", **extra: Any) -> dict[str, Any]:
    row = {
        "id": i,
        "rule": "incidente_grave",
        "rule_title": "Incidente grave",
        "operator": ">=",
        "area": "paz",
        "level": level,
        "state": state,
        "escalated": False,
        "territory_code": "VE-A-C1",
        "territory_name": "Circuito 1",
        "territory_path": ["Distrito Capital", "Libertador", "Catedral", "Circuito 1"],
        "message": f"Circuito 1 (Distrito Capital): alerta {i}",
        "detail": "",
        "value": 2.0,
        "threshold": 1.0,
        "resolved_value": None,
        "count": 2,
        "raised_at": NOW - timedelta(minutes=12),
        "acknowledged_by": "op1" if state == "reconocida" else None,
        "resolved_by": None,
        "notes": [{"at": NOW, "by": "automática", "kind": "abierta", "text": "x"}],
        **extra,
    }
    return present(row)


def _walk(node: Any):
    yield node
    children = getattr(node, "children", None)
    for child in (
        children if isinstance(children, list) else [children] if children is not None else []
    ):
        yield from _walk(child)


def _with(node: Any, name: str) -> list[Any]:
    return [
        n
        for n in _walk(node)
        if hasattr(n, "to_plotly_json") and name in n.to_plotly_json()["props"]
    ]


def test_banner_holds_only_unacknowledged_level_5_alerts_newest_first():
    assert view.banner([], NOW) is None
    older, newer = _alert(1, raised_at=NOW - timedelta(hours=1)), _alert(2)
    banner = view.banner([older, newer], NOW)
    assert "data-alert-banner" in banner.to_plotly_json()["props"]
    ids = [n.to_plotly_json()["props"]["data-alert-id"] for n in _with(banner, "data-alert-id")]
    assert ids == ["2", "1"]
    assert "2 ALERTAS CRÍTICAS" in str(banner)


def test_every_alert_on_screen_carries_its_id_state_and_level():
    card = view.alert_card(_alert(7, level=4, escalated=True), NOW, can_act=True)
    props = card.to_plotly_json()["props"]
    assert (props["data-alert-id"], props["data-level"], props["data-state"]) == (
        "7",
        "4",
        "abierta",
    )
    text = str(card)
    assert "Sin atender" in text and "Nivel 4 · Alta" in text and "hace 12 min" in text
    assert "Distrito Capital › Libertador › Catedral › Circuito 1" in text
    assert "umbral: desde 1 incidente grave" in text and "× 2" in text
    assert "/paz?territorio=VE-A-C1" in text
    assert "Reconocer" in text
    assert "Reconocer" not in str(view.alert_card(_alert(7), NOW, can_act=False))
    acknowledged = str(view.alert_card(_alert(8, state="reconocida"), NOW, can_act=True))
    assert "Reconocida por op1" in acknowledged and "Reconocer" not in acknowledged


def test_wall_panel_is_bounded_and_says_where_the_rest_are():
    rows = [_alert(i, level=3) for i in range(20)]
    cards, footer = view.wall_panel(rows, 20, NOW)
    assert len(cards.children) == view.WALL_SHOWN  # the CSS hides those that do not fit whole
    assert "wall-alerts-list" in cards.className and "/alertas" in str(footer)
    (card,) = view.wall_panel(rows[:1], 1, NOW)  # a single alert needs no footer
    assert len(card.children) == 1


def test_the_banner_says_what_and_where_and_keeps_the_message_as_tooltip():
    alert = _alert(1, estado_code="VE-A")
    item = view.wall_item(alert, NOW, big=True)
    text = str(item)
    assert "Incidente grave" in text and "Circuito 1 (Distrito Capital)" in text
    (message,) = [n for n in _walk(item) if getattr(n, "className", "") == "wall-alert-message"]
    assert message.children == "Circuito 1 (Distrito Capital)"
    assert message.title == alert["message"]
    # the column keeps the whole message; an estado-level alert names no estado twice
    assert alert["message"] in str(view.wall_item(alert, NOW))
    estado = _alert(2, territory_name="Distrito Capital", territory_path=["Distrito Capital"])
    assert view.place_text({**estado, "estado_code": "VE-A"}) == "Distrito Capital"
    assert "Sin alertas" in str(view.wall_panel([], 0, NOW)[0])


def test_badge_colours_by_the_highest_unacknowledged_level():
    assert view.badge_class({"open": 3, "max_level": 4}) == "alert-badge lvl-4"
    assert view.badge_class({"open": 0, "max_level": None}) == "alert-badge none"
    assert view.badge_title({"open": 1, "escalated": 1, "acknowledged": 2}) == (
        "1 alerta abierta sin reconocer, 1 sin atender; 2 reconocidas"
    )


def test_the_wall_and_the_page_mount_the_alert_slots():
    wall = str(wall_layout({}))
    assert "muro-alert-banner" in wall and "muro-alerts" in wall
    assert page.parse({"estado": "nada", "nivel": "9", "area": "x"}) == {
        "estado": "pendientes",
        "nivel": 1,
        "area": None,
        "territorio": None,
    }
    assert (
        page.parse({"estado": "resuelta", "nivel": "4", "area": "paz", "territorio": "VE-A"})[
            "nivel"
        ]
        == 4
    )


def test_ages_read_like_people_say_them():
    assert view.age_text(NOW - timedelta(seconds=30), NOW) == "hace menos de 1 min"
    assert view.age_text(NOW - timedelta(minutes=59), NOW) == "hace 59 min"
    assert view.age_text(NOW - timedelta(hours=5), NOW) == "hace 5 h"
    assert view.age_text(NOW - timedelta(days=3), NOW) == "hace 3 días"
    assert NOW.tzinfo is UTC


def test_the_push_counts_alert_changes_and_tickers_new_ones():
    items = [
        {"id": 1, "action": "abierta", "estado_code": "VE-A", "message": "m1", "level": 5},
        {"id": 2, "action": "reconocida", "estado_code": "VE-A", "message": "m2", "level": 3},
    ]
    feed = summarize([("1", {"type": "alert", "at": "t", "items": items})])
    assert feed["alerts"] == 2 and feed["datasets"] == {}
    assert [(i["id"], i["dataset"]) for i in feed["items"]] == [(1, "alerts")]


def test_a_critical_alert_change_skips_the_coalescing_window(monkeypatch):
    import asyncio

    from data import hub as hub_module
    from data.bus import MemoryBus
    from data.hub import Hub, next_batch

    real_sleep = asyncio.sleep
    slept: list[float] = []

    async def recorded_sleep(seconds: float, *args):
        slept.append(seconds)
        await real_sleep(0)

    async def scenario() -> list[list[float]]:
        bus = MemoryBus()
        hub = Hub(bus, read_timeout_s=0.05)
        sub = await hub.subscribe()
        loop = asyncio.get_running_loop()
        waits = []
        monkeypatch.setattr(hub_module.asyncio, "sleep", recorded_sleep)
        try:
            for level in (3, 5):
                bus.publish({"type": "alert", "items": [{"id": level, "level": level}]})
                slept.clear()
                batch = await next_batch(sub, loop.time(), window_s=0.5, idle_s=2)  # just flushed
                waits.append([s for s in slept if s > 0.1])
                assert [e["items"][0]["level"] for _, e in batch] == [level]
        finally:
            monkeypatch.setattr(hub_module.asyncio, "sleep", real_sleep)
        await hub.close()
        return waits

    ordinary, critical = asyncio.run(scenario())
    assert len(ordinary) == 1  # a level-3 change waits for the coalescing window
    assert critical == []  # a level-5 change goes out at once


def test_wall_alerts_say_the_level_in_words_and_keep_its_colour():
    item = view.wall_item(_alert(3, level=3), NOW)
    chip = item.children[0].children[0]
    assert chip.children == "Nivel 3"  # not "N3": read by people who don't know the code
    assert "lvl-3" in chip.className
