"""Dash callback requests built from the app's own callback map, as the browser sends them.

Shared by the scope test (``tests/auth/test_page_callbacks_scope.py``), which crafts a
request for every page callback, and ``bench pages --http``, which times the refresh ones.
"""

from __future__ import annotations

import json
from typing import Any

from layouts.components.filter_bar import filters_id

FILTERS_TYPE: str = filters_id("")["type"]


def _ident(raw: str) -> Any:
    return json.loads(raw) if raw.startswith("{") else raw


def _store_page(raw_id: str) -> str | None:
    """The page of a filter store id, or None for any other input."""
    parsed = _ident(raw_id)
    if isinstance(parsed, dict) and parsed.get("type") == FILTERS_TYPE:
        return parsed["page"]
    return None


def filter_callbacks(app: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(output key, spec)`` of every callback fed by one page's filter store (pattern
    matched ``ALL`` stores and list ids excluded)."""
    found = []
    for key, spec in app.callback_map.items():
        ids = [i["id"] for i in spec.get("inputs", [])]
        if any(_store_page(i) for i in ids) and all('"ALL"' not in i and "[" not in i for i in ids):
            found.append((key, spec))
    return found


def refresh_callbacks(app: Any, page: str) -> list[tuple[str, dict[str, Any]]]:
    """The page's refresh callbacks: its filter store and refresh counter, nothing else (the
    drill and table callbacks have more inputs)."""
    return [
        (key, spec)
        for key, spec in filter_callbacks(app)
        if len(spec["inputs"]) == 2 and any(_store_page(i["id"]) == page for i in spec["inputs"])
    ]


def filter_request(
    key: str, spec: dict[str, Any], params: dict[str, str], state: Any = None
) -> dict[str, Any]:
    """The request Dash sends when the page's filter store changes to ``params``; every
    other input is None and every state ``state``."""

    def value(raw_id: str) -> Any:
        page = _store_page(raw_id)
        return None if page is None else {"page": page, "params": params, "datasets": []}

    outputs = [
        {"id": _ident(o.component_id_str()), "property": o.component_property}
        for o in spec["output"]
    ]
    store = next(i for i in spec["inputs"] if _store_page(i["id"]))
    return {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [
            {"id": _ident(i["id"]), "property": i["property"], "value": value(i["id"])}
            for i in spec["inputs"]
        ],
        "changedPropIds": [f"{store['id']}.{store['property']}"],
        "state": [
            {"id": _ident(s["id"]), "property": s["property"], "value": state}
            for s in spec.get("state", [])
        ],
    }
