"""A pushed window carries, per dataset, when its newest write happened: what a page compares
with when it read its data (the rules run in the page: tests/browser/test_refresh_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from data.hub import summarize

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
