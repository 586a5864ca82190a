"""A pushed window carries, per dataset, when its newest write happened: what a page compares
with when it read its data (the rules run in the page: tests/browser/test_refresh_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from data.hub import event_ms
from tests.feeds import READ_MS
from tests.feeds import feed as _feed


def test_summary_carries_the_newest_write_per_dataset() -> None:
    feed = _feed(("cases", READ_MS - 5_000), ("cases", READ_MS + 7), ("incidents", READ_MS - 1))
    assert feed["datasets"]["cases"]["at_ms"] == READ_MS + 7
    assert feed["datasets"]["incidents"]["at_ms"] == READ_MS - 1


def test_event_time_of_an_event_without_one_is_now() -> None:
    before = int(datetime.now(UTC).timestamp() * 1000)
    assert event_ms({"type": "ingest"}) >= before
    assert event_ms({"at": "2026-12-02T10:00:00"}) == event_ms({"at": "2026-12-02T10:00:00+00:00"})
