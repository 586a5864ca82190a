"""Helpers shared by the indicator pages' callbacks (one job each), and the viewport probe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash, Input, Output

from callbacks.filters import territory_problem
from core.config import Settings
from core.filters import Filters
from data.scope import OutOfScope, UnknownTerritory
from layouts.components.theme import scale_for


def load_guarded(
    load: Callable[[str | None, Filters], dict[str, Any]], scope_code: str | None, filters: Filters
) -> tuple[dict[str, Any] | None, str | None]:
    """``(data, None)``, or ``(None, Spanish message)`` when the territory is not available."""
    try:
        return load(scope_code, filters), None
    except (OutOfScope, UnknownTerritory) as exc:
        return None, territory_problem(filters.territorio, exc)


def scale_of(viewport: dict[str, Any] | None) -> float:
    return scale_for((viewport or {}).get("w"))


def clicked_bar(click: dict[str, Any] | None) -> str | None:
    """The territory code carried as ``customdata`` by the clicked bar, if any."""
    points = (click or {}).get("points") or []
    code = points[0].get("customdata") if points else None
    return code if isinstance(code, str) else None


def register(app: Dash, settings: Settings) -> None:
    # The page's first render learns the viewport width, so figures scale their type.
    app.clientside_callback(
        "function(f){return {w: window.innerWidth, h: window.innerHeight};}",
        Output("pg-viewport", "data"),
        Input("flt-filters", "data"),
    )
