"""Drill-down targets carried by bar charts (``customdata``), read back by ``clicked_bar``."""

from __future__ import annotations

from typing import Any

from data.models import PATH_LEVELS


def drill_codes(rows: list[dict[str, Any]]) -> list[str | None]:
    """The territory each bar drills into; None for places below a circuito (not filters)."""
    return [r["code"] if r.get("level") in PATH_LEVELS else None for r in rows]
