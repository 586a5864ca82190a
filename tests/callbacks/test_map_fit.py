"""When a page's map fits its territory (callbacks/indicator.py ``head_values``): on load and
on a filter change; on a live refresh only when the map is not fitted on that territory yet."""

from __future__ import annotations

import json

from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from callbacks.indicator import head_values
from core.filters import Filters
from layouts.components.filter_bar import filters_id, refresh_id

POINTS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-71.6, 10.6]}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-72.1, 9.4]}},
    ],
}


def _view(trigger: dict, filters: Filters, shown: dict | None):
    prop = json.dumps(trigger, separators=(",", ":"), sort_keys=True) + ".data"
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop, "value": 1}]))
    return head_values("casos", [], POINTS, [], filters, shown)[-1]


def test_load_and_filter_changes_fit_the_map_on_their_territory():
    view = _view(filters_id("casos"), Filters(territorio="VE-V"), None)
    assert view["transition"] == "fitBounds" and view["scope"] == "VE-V"
    (south, west), (north, east) = view["bounds"]
    assert south < 9.4 and north > 10.6 and west < -72.1 and east > -71.6
    national = _view(filters_id("casos"), Filters(), view)
    assert national["scope"] == "" and national["bounds"] != view["bounds"]


def test_a_live_refresh_keeps_the_operator_view_once_the_map_is_fitted():
    fitted = _view(filters_id("casos"), Filters(territorio="VE-V"), None)
    assert _view(refresh_id("casos"), Filters(territorio="VE-V"), fitted) is no_update


def test_a_live_refresh_fits_a_map_whose_load_answer_it_overtook():
    """Dash applies only the newest answer: a refresh sent while the load's answer was on its
    way replaced it, so the map still shows the country (or the previous territory)."""
    never = _view(refresh_id("casos"), Filters(territorio="VE-V"), None)
    assert never["scope"] == "VE-V"
    national = _view(filters_id("casos"), Filters(), None)
    other = _view(refresh_id("casos"), Filters(territorio="VE-V"), national)
    assert other["scope"] == "VE-V"
