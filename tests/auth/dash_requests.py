"""Requests to ``/_dash-update-component`` built from the app's own callback map.

Every server-side callback is reachable this way, pattern-matching ones included
(``ALL`` becomes a one-item list, ``MATCH`` one concrete id), so tests that must cover
"every callback" keep covering callbacks added later.
"""

from __future__ import annotations

import json
from typing import Any

# A plausible value for each wildcard key of the app's pattern-matching ids.
WILDCARDS = {"page": "proyectos", "dataset": "proyectos", "key": "panorama", "index": 0}


def server_callbacks(app) -> list[tuple[str, dict[str, Any]]]:
    """``(output key, spec)`` of every callback the browser calls over HTTP (the
    websocket push loop, with neither inputs nor outputs, is not one)."""
    return [
        (key, spec)
        for key, spec in app.callback_map.items()
        if "callback" in spec and not (spec.get("websocket") and spec.get("no_output"))
    ]


def _concrete(raw_id: str) -> tuple[Any, bool]:
    """The concrete id of a (possibly pattern-matching) id, and whether it is ``ALL``."""
    if not raw_id.startswith("{"):
        return raw_id, False
    parsed = json.loads(raw_id)
    is_all = any(v == ["ALL"] for v in parsed.values())
    return {k: WILDCARDS.get(k, "x") if isinstance(v, list) else v for k, v in parsed.items()}, (
        is_all
    )


def _prop_id(component_id: Any, prop: str) -> str:
    if isinstance(component_id, dict):
        return json.dumps(component_id, separators=(",", ":"), sort_keys=True) + "." + prop
    return f"{component_id}.{prop}"


def _entry(spec_item: dict[str, Any], value: Any) -> Any:
    component_id, is_all = _concrete(spec_item["id"])
    one = {"id": component_id, "property": spec_item["property"], "value": value}
    return [one] if is_all else one


def payload(
    key: str, spec: dict[str, Any], values: dict[int, Any] | None = None, trigger: int = 0
) -> dict[str, Any]:
    """A request for the callback ``key``: input ``i`` gets ``values[i]`` (default None),
    states None, and input ``trigger`` is the one that changed."""
    values = values or {}
    outputs = []
    for output in spec["output"] if isinstance(spec["output"], list) else [spec["output"]]:
        component_id, is_all = _concrete(output.component_id_str())
        one = {"id": component_id, "property": output.component_property}
        outputs.append([one] if is_all else one)
    inputs = [_entry(item, values.get(i)) for i, item in enumerate(spec["inputs"])]
    changed = []
    if spec["inputs"]:
        component_id, _ = _concrete(spec["inputs"][trigger]["id"])
        changed = [_prop_id(component_id, spec["inputs"][trigger]["property"])]
    return {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": [_entry(item, None) for item in spec.get("state", [])],
        "changedPropIds": changed,
    }
