"""The per-tab feed: scope filtering, exact totals across windows, bounded ticker."""

from __future__ import annotations

from callbacks.live import TabPush
from data.bus import MemoryBus
from data.hub import Hub
from data.scope import TerritoryRef
from layouts.live import TICKER_SIZE


def event(estado: str, n: int) -> dict:
    return {
        "type": "ingest",
        "dataset": "incidents",
        "received": n,
        "inserted": n,
        "updated": 0,
        "estados": [estado],
        "items": [{"id": f"{estado}-{i}", "estado_code": estado} for i in range(n)],
    }


def test_a_scoped_tab_never_sees_other_territories() -> None:
    miranda = TerritoryRef("VE-M", "estado", "Miranda", "VE-M", None, None, None)
    tab = TabPush(Hub(MemoryBus()), miranda)
    visible = tab.visible([("1", event("VE-A", 3)), ("2", event("VE-M", 2))])
    feed = tab.feed(visible, "2")
    assert [i["id"] for i in feed["items"]] == ["VE-M-1", "VE-M-0"]
    assert feed["datasets"]["incidents"]["received"] == 2
    assert all(i["estado_code"] == "VE-M" for i in feed["items"])


def test_totals_are_exact_and_the_ticker_is_capped_across_windows() -> None:
    tab = TabPush(Hub(MemoryBus()), None)
    sent = 0
    for window in range(10):
        items = [(str(window * 10 + k), event("VE-A", 5)) for k in range(10)]
        feed = tab.feed(tab.visible(items), items[-1][0])
        sent += len(items)
        assert feed["total"] == sent
        assert feed["events"] == 10
        assert feed["datasets"]["incidents"]["received"] == 50
        assert len(feed["items"]) <= TICKER_SIZE
    assert feed["seq"] == 10


def test_a_tabs_ticker_keeps_as_many_rows_as_the_servers():
    """assets/live.js merges a window's news into the tab's ticker with its own cap: the
    same number as the server's, or a tab would keep more (or fewer) rows than a reload."""
    from core.config import ROOT

    script = (ROOT / "assets" / "live.js").read_text(encoding="utf-8")
    assert f"const TICKER_SIZE = {TICKER_SIZE};" in script
