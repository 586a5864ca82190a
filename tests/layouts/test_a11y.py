"""Accessibility attributes the layouts set themselves (the browser suite runs axe on top)."""

from __future__ import annotations

from dash import html

from auth.principal import LOCAL_ADMIN
from layouts.components.panel import panel
from layouts.user import demo_banner


def _body(section: html.Section):
    return section.children[1].children


def test_a_scrolling_list_panel_is_a_named_keyboard_region():
    body = _body(panel("Casos abiertos más antiguos", html.Div(id="x", className="ind-list")))
    props = body.to_plotly_json()["props"]
    assert props["tabIndex"] == "0"
    assert props["role"] == "region"
    assert props["aria-label"] == "Casos abiertos más antiguos"


def test_other_panel_bodies_stay_out_of_the_tab_order():
    body = _body(panel("Mapa", html.Div(id="y", className="map-wrap")))
    props = body.to_plotly_json()["props"]
    assert "tabIndex" not in props and "role" not in props


def test_the_demo_banner_is_a_named_landmark():
    props = demo_banner(LOCAL_ADMIN).to_plotly_json()["props"]
    assert props["role"] == "region"
    assert props["aria-label"]
