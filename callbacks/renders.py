"""Refresh outputs rendered once per pushed window and shared by this worker's tabs.

Every tab of a scope receives the same pushed window (same ticker items, same ``server_ms``)
and refreshes over HTTP at about the same moment. Through one single-flight
:class:`FreshCache`, the first tab renders and the others wait for it or reuse its output,
so fifty screens cost about the work of one (the summary under it is shared too).

The shared output is stored as plain JSON data, not Dash components: Dash serializes a
callback's output for every response, and walking a wall's ~200 components through plotly's
encoder was about nine tenths of a shared refresh's cost per tab; plain data is encoded by
the C encoder (the bytes on the wire are the same).

The key always holds the caller's territory (scopes never mix) and every input the output
depends on, including what the browser sent (so one tab's crafted input never reaches
another tab); a result is reused only if it started after the window was cut.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from dash import ctx, no_update
from plotly.utils import PlotlyJSONEncoder

from auth.principal import current_principal
from data.queries.shared import FreshCache

T = TypeVar("T")
MAX_RENDERS = 64

NoUpdate = type(no_update)

renders = FreshCache(MAX_RENDERS)
PUSHED_INPUTS = ("live-feed", "muro-feed", "live-alerts")  # inputs carrying a pushed feed


def digest(value: Any) -> str:
    """A short fingerprint of a JSON value (for keys holding browser-sent data)."""
    raw = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def fresh_after(feed: Any) -> float:
    """How fresh a shared result must be (epoch s): newer than the pushed window when the
    push triggered the refresh, else brand new."""
    sent = feed.get("server_ms") if isinstance(feed, dict) else None
    if ctx.triggered_id in PUSHED_INPUTS and isinstance(sent, int | float) and sent:
        return sent / 1000
    return time.time()


def plain(value: Any) -> Any:
    """``value`` (a callback output) as the JSON data Dash would send for it, keeping the
    outputs' tuple and lists and ``no_update`` markers as they are."""
    if isinstance(value, NoUpdate):
        return value
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return json.loads(json.dumps(value, cls=PlotlyJSONEncoder))


def shared_render(key: Hashable, fresh_after: float, render: Callable[[], T]) -> T:
    """``render()`` once for the caller's scope and ``key``, computed after ``fresh_after``
    (epoch s), as plain JSON data; concurrent tabs asking for the same wait for the one
    running."""
    scope = current_principal().territory_code
    return renders.get((scope, key), fresh_after, lambda: plain(render()))
