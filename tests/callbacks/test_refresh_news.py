"""A pushed window refreshes a page only for writes the page does not show yet."""

from __future__ import annotations

from datetime import UTC, datetime

from callbacks.filters import news_for, read_ms_of
from data.hub import event_ms, summarize

READ_MS = 1_800_000_000_000  # when the page read its data


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _feed(*events: tuple[str, int]) -> dict:
    items = [
        (
            f"{i}-0",
            {"type": "ingest", "dataset": name, "received": 1, "inserted": 1, "at": _iso(ms)},
        )
        for i, (name, ms) in enumerate(events, start=1)
    ]
    return summarize(items)


def test_summary_carries_the_newest_write_per_dataset() -> None:
    feed = _feed(("cases", READ_MS - 5_000), ("cases", READ_MS + 7), ("incidents", READ_MS - 1))
    assert feed["datasets"]["cases"]["at_ms"] == READ_MS + 7
    assert feed["datasets"]["incidents"]["at_ms"] == READ_MS - 1


def test_a_replay_of_writes_older_than_the_read_does_not_refresh() -> None:
    feed = _feed(("cases", READ_MS - 60_000), ("cases", READ_MS - 1))
    assert not news_for(feed, {"cases"}, READ_MS)


def test_a_write_at_or_after_the_read_refreshes() -> None:
    assert news_for(_feed(("cases", READ_MS - 60_000), ("cases", READ_MS)), {"cases"}, READ_MS)
    assert news_for(_feed(("cases", READ_MS + 1)), {"cases"}, READ_MS)


def test_other_datasets_never_refresh() -> None:
    assert not news_for(_feed(("incidents", READ_MS + 1)), {"cases"}, READ_MS)


def test_unknown_read_or_write_time_refreshes() -> None:
    old = _feed(("cases", READ_MS - 60_000))
    assert news_for(old, {"cases"}, None)  # the page has not loaded (or failed)
    untimed = {"datasets": {"cases": {"events": 1, "received": 1}}}
    assert news_for(untimed, {"cases"}, READ_MS)


def test_read_time_is_known_only_when_every_store_has_it() -> None:
    assert read_ms_of([{"at": 1, "read_ms": 5}]) == 5
    assert read_ms_of([{"at": None, "stale": 60}]) is None
    assert read_ms_of([]) is None
    assert read_ms_of(None) is None


def test_event_time_of_an_event_without_one_is_now() -> None:
    before = int(datetime.now(UTC).timestamp() * 1000)
    assert event_ms({"type": "ingest"}) >= before
    assert event_ms({"at": "2026-12-02T10:00:00"}) == event_ms({"at": "2026-12-02T10:00:00+00:00"})
