"""An ORM object's values before and after a flush: what on-write summaries subtract and add.

Shared by the ``/casos`` rollups (:mod:`data.rollups`) and projects' money
(:mod:`data.project_money`), which import each other's hooks, hence its own module.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect


def flushed_values(obj: Any, fields: tuple[str, ...], old: bool) -> dict[str, Any]:
    """``obj``'s ``fields`` as they are (``old`` False) or were before this flush's changes."""
    state = inspect(obj)
    values: dict[str, Any] = {}
    for name in fields:
        history = state.attrs[name].history
        if old and history.has_changes():
            values[name] = history.deleted[0] if history.deleted else None
        else:
            values[name] = getattr(obj, name)
    return values
