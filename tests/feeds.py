"""Pushed windows as the server summarizes them, for the tests of the refresh rules."""

from __future__ import annotations

from datetime import UTC, datetime

from data.hub import summarize

READ_MS = 1_800_000_000_000  # when the page read its data


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def feed(*events: tuple[str, int]) -> dict:
    """The summary of a window holding one ingest per ``(dataset, epoch ms)``."""
    items = [
        (
            f"{i}-0",
            {"type": "ingest", "dataset": name, "received": 1, "inserted": 1, "at": iso(ms)},
        )
        for i, (name, ms) in enumerate(events, start=1)
    ]
    return summarize(items)
