"""Helpers shared by the indicator pages' callbacks (one job each), and the viewport probe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dash import ALL, Dash, Input, Output
from sqlalchemy.orm import Session

from auth.principal import current_principal
from callbacks.filters import territory_problem
from core.config import Settings
from core.filters import Filters
from core.timeutil import utcnow
from data.db import session_scope
from data.queries.cache import PAGE_CACHE
from data.queries.live import data_versions
from data.scope import OutOfScope, Scope, UnknownTerritory, scope_for
from layouts.components.filter_bar import filters_id
from layouts.components.theme import scale_for


def load_guarded(
    load: Callable[[str | None, Filters], dict[str, Any]], scope_code: str | None, filters: Filters
) -> tuple[dict[str, Any] | None, str | None]:
    """``(data, None)``, or ``(None, Spanish message)`` when the territory is not available."""
    try:
        return load(scope_code, filters), None
    except (OutOfScope, UnknownTerritory) as exc:
        return None, territory_problem(filters.territorio, exc)


def cached_load(
    page: str,
    part: str,
    datasets: tuple[str, ...],
    scope_code: str | None,
    filters: Filters,
    compute: Callable[[tuple[Session, Scope, Filters, datetime]], dict[str, Any]],
) -> dict[str, Any]:
    """``compute((session, scope, filters, now))`` through the version-keyed page cache.

    The key holds the caller's scope and the filters, so callers never share results
    across scopes; ``datasets`` are the data versions the result depends on.
    """
    now = utcnow()
    with session_scope() as session:
        scope = scope_for(session, scope_code)
        key = (page, part, scope_code, tuple(sorted(filters.to_params().items())))
        return PAGE_CACHE.get_or_compute(
            session, key, datasets, now, lambda: compute((session, scope, filters, now))
        )


def page_versions(datasets: tuple[str, ...]) -> dict[str, int]:
    """The data versions a page shows, read *before* its data: the version poll compares
    against these (the same scoped counters), so a write landing while the page loads
    still triggers a refresh."""
    with session_scope() as session:
        current = data_versions(session, current_principal().territory_code)
    return {name: current.get(name, 0) for name in datasets}


def scale_of(viewport: dict[str, Any] | None) -> float:
    width = viewport.get("w") if isinstance(viewport, dict) else None
    return scale_for(width if isinstance(width, int | float) else None)


def clicked_bar(click: dict[str, Any] | None) -> str | None:
    """The territory code carried as ``customdata`` by the clicked bar, if any."""
    points = click.get("points") if isinstance(click, dict) else None
    first = points[0] if isinstance(points, list) and points else None
    code = first.get("customdata") if isinstance(first, dict) else None
    return code if isinstance(code, str) else None


def register(app: Dash, settings: Settings) -> None:
    # The page's first render learns the viewport width, so figures scale their type.
    app.clientside_callback(
        "function(f){return {w: window.innerWidth, h: window.innerHeight};}",
        Output("pg-viewport", "data"),
        Input(filters_id(ALL), "data"),
    )
