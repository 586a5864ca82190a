"""The indicator pages' layouts and figures are pure and say so in Spanish when empty."""

from __future__ import annotations

from typing import Any

import pytest

from core.config import load_settings
from layouts import clap, proyectos
from layouts.components.filter_bar import filters_id


def _walk(component: Any):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from _walk(child)
    elif children is not None and hasattr(children, "children"):
        yield from _walk(children)
    for attr in ("body",):
        if hasattr(component, attr):
            yield from _walk(getattr(component, attr))


def _find(root: Any, cid: Any):
    return next(c for c in _walk(root) if getattr(c, "id", None) == cid)


@pytest.mark.parametrize(("module", "page"), [(proyectos, "proyectos"), (clap, "clap")])
def test_layout_carries_the_url_filters(module, page):
    tree = module.layout({"territorio": "VE-A", "rango": "7d"}, load_settings())
    store = _find(tree, filters_id(page))
    assert store.data["params"] == {"territorio": "VE-A", "rango": "7d"}
    assert store.data["datasets"]
    links = [c for c in _walk(tree) if getattr(c, "className", "") == "export-link"]
    assert links and all("?territorio=VE-A&rango=7d" in a.href for a in links)
    assert _find(tree, "flt-rango").value == "7d"


def test_bad_query_is_explained_not_ignored():
    tree = clap.layout({"rango": "siglo", "categoria": "nada"}, load_settings())
    messages = _find(tree, "flt-message").children
    text = " ".join(m.children for m in messages)
    assert "Rango de tiempo desconocido" in text and "Categoría desconocida" in text
    assert _find(tree, filters_id("clap")).data["params"] == {}


@pytest.mark.parametrize(
    ("figure", "data"),
    [
        (proyectos.money_figure, {"grid": [[0] * 10 for _ in range(10)]}),
        (proyectos.territory_figure, []),
        (proyectos.rounds_figure, []),
        (proyectos.banks_figure, []),
        (clap.trend_figure, []),
        (clap.territory_figure, []),
        (clap.kg_figure, []),
    ],
)
def test_empty_figures_have_a_message_and_no_axes(figure, data):
    fig = figure(data)
    assert fig.layout.annotations and fig.layout.annotations[0].text.startswith("Sin")
    assert fig.layout.xaxis.visible is False


def test_map_points_drill_only_into_territories():
    row = {"code": "VE-A", "name": "Distrito Capital", "lat": 10.5, "lon": -66.9, "level": "estado",
           "total": 4, "en_ejecucion": 1, "paralizado": 1, "culminado": 1, "stalled": 0,
           "avg_progress": 50.0, "approved_usd": 1.0, "transferred_usd": 0.5}  # fmt: skip
    points = proyectos.map_features([row, {**row, "code": "X", "lat": None}])
    assert [f["id"] for f in points["features"]] == ["VE-A"]
    assert points["features"][0]["properties"]["drill"] is True
    assert points["features"][0]["properties"]["status"] == 0.5
    comuna = proyectos.map_features([{**row, "level": "comuna"}])
    assert comuna["features"][0]["properties"]["drill"] is False
