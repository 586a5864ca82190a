"""When an indicator page reloads its data (``assets/refresh.js``, a clientside callback):
only for a pushed write the page does not show yet, or when the polled versions move. The
rules run in the page's own JavaScript, so they are checked there, on feeds built by the
server's own ``summarize``."""

from __future__ import annotations

import pytest

from tests.browser.conftest import new_driver
from tests.feeds import READ_MS
from tests.feeds import feed as _feed


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):
    """One page for every rule (they are pure functions): its scripts are all that is used."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver = new_driver(tmp_path_factory.mktemp("refresh"))
    try:
        driver.get(server.url + "/casos")
        WebDriverWait(driver, 40).until(
            lambda d: d.execute_script("return !!(window.sala && window.sala.refresh)")
        )
        yield driver
    finally:
        driver.quit()


def _news(page, feed: dict, names: list[str], read_ms: int | None) -> bool:
    return page.execute_script(
        "return window.sala.refresh.newsFor(arguments[0], arguments[1], arguments[2]);",
        feed,
        names,
        read_ms,
    )


def _on_change(page, trigger: str, feed, polled, seen, loads) -> list:
    """``onChange`` as Dash calls it, with ``trigger`` as the input that fired; no_update
    comes back as the string "skip"."""
    return page.execute_script(
        """
        const dc = window.dash_clientside;
        dc.callback_context = {triggered: [{prop_id: arguments[0], value: null}]};
        const out = window.sala.refresh.onChange(
            arguments[1], arguments[2], arguments[3], [4], [{datasets: ['cases']}], arguments[4]);
        const tag = v => v === dc.no_update ? 'skip' : v;
        return [tag(out[0]), out[1].map(tag)];
        """,
        trigger,
        feed,
        polled,
        seen,
        loads,
    )


def test_a_replay_of_writes_older_than_the_read_does_not_refresh(page):
    feed = _feed(("cases", READ_MS - 60_000), ("cases", READ_MS - 1))
    assert not _news(page, feed, ["cases"], READ_MS)


def test_a_write_at_or_after_the_read_refreshes(page):
    assert _news(page, _feed(("cases", READ_MS - 60_000), ("cases", READ_MS)), ["cases"], READ_MS)
    assert _news(page, _feed(("cases", READ_MS + 1)), ["cases"], READ_MS)


def test_other_datasets_never_refresh(page):
    assert not _news(page, _feed(("incidents", READ_MS + 1)), ["cases"], READ_MS)


def test_unknown_read_or_write_time_refreshes(page):
    old = _feed(("cases", READ_MS - 60_000))
    assert _news(page, old, ["cases"], None)  # the page has not loaded (or failed)
    untimed = {"datasets": {"cases": {"events": 1, "received": 1}}}
    assert _news(page, untimed, ["cases"], READ_MS)


def test_read_time_is_known_only_when_every_store_has_it(page):
    read = "return window.sala.refresh.readMsOf(arguments[0]);"
    assert page.execute_script(read, [{"at": 1, "read_ms": 5}, {"read_ms": 9}]) == 5
    assert page.execute_script(read, [{"at": 1, "read_ms": 5}, {"at": None}]) is None
    assert page.execute_script(read, []) is None
    assert page.execute_script(read, None) is None


def test_a_pushed_window_bumps_the_refresh_store_only_with_news(page):
    loads = [{"at": 1, "read_ms": READ_MS}]
    news = _feed(("cases", READ_MS + 5))
    assert _on_change(page, "live-feed.data", news, None, None, loads) == ["skip", [5]]
    old = _feed(("cases", READ_MS - 5))
    assert _on_change(page, "live-feed.data", old, None, None, loads) == ["skip", ["skip"]]


def test_the_version_poll_refreshes_when_the_page_versions_move(page):
    loads = [{"at": 1, "read_ms": READ_MS}]
    polled = {"cases": 7, "incidents": 3}
    # First poll: remembered, no refresh (the page just loaded these).
    assert _on_change(page, "live-version.data", None, polled, None, loads) == [
        {"cases": 7},
        ["skip"],
    ]
    # Same versions of the page's datasets (another dataset moved): nothing.
    same = {"cases": 7, "incidents": 4}
    assert _on_change(page, "live-version.data", None, same, {"cases": 7}, loads) == [
        {"cases": 7},
        ["skip"],
    ]
    moved = {"cases": 8}
    assert _on_change(page, "live-version.data", None, moved, {"cases": 7}, loads) == [
        {"cases": 8},
        [5],
    ]
