"""What people and machines see of an alert: its link, value and threshold in words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.numbers import fmt_number
from data.alerts.rules import AREAS, LEVEL_LABELS, SPECS, link, threshold_text

STATE_LABELS = {"abierta": "Abierta", "reconocida": "Reconocida", "resuelta": "Resuelta"}


def present(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` (from ``data.queries.alerts``) plus ``link``, ``value_text``,
    ``threshold_text``, and Spanish labels of its level, state and area."""
    spec = SPECS.get(row["rule"])

    def fmt(value: float | None) -> str:
        return spec.fmt(value) if spec else fmt_number(value, 2)

    return {
        **row,
        "link": link(row["rule"], row.get("territory_code")),
        "value_text": fmt(row.get("value")),
        "threshold_text": threshold_text(
            row["rule"], row.get("operator") or "", row.get("threshold")
        )
        if row.get("threshold") is not None
        else "—",
        "resolved_value_text": fmt(row.get("resolved_value")),
        "level_label": LEVEL_LABELS.get(row["level"], str(row["level"])),
        "state_label": STATE_LABELS.get(row["state"], row["state"]),
        "area_label": AREAS.get(row.get("area") or "", row.get("area") or ""),
    }


def jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 (UTC, with offset), recursively: the API's and webhooks' JSON."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
