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


def test_tables_wait_for_the_browser_before_mounting_their_grid():
    """A page's layout holds each table's place, not AG Grid (assets/grid_mount.js asks for
    it after the charts); the mount callback answers with the grid of that dataset."""
    import dash_ag_grid as dag
    from dash import no_update

    from callbacks.tables import register
    from layouts.components.data_table import grid_id, grid_part

    tree = proyectos.layout({}, load_settings())
    slots = [c for c in _walk(tree) if getattr(c, "className", "") == "sala-grid-slot"]
    assert {s.id["dataset"] for s in slots} == {"proyectos", "transferencias"}
    assert not [c for c in _walk(tree) if isinstance(c, dag.AgGrid)]

    class App:  # collects the callbacks register() declares
        def __init__(self):
            self.found = {}

        def callback(self, *args, **kwargs):
            def keep(fn):
                self.found[fn.__name__] = fn
                return fn

            return keep

        def clientside_callback(self, *args, **kwargs):
            pass

    app = App()
    register(app, load_settings())  # type: ignore[arg-type]
    mount = app.found["mount_grid"]

    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def mounted(dataset: str, wanted: object):
        context_value.set(
            AttributeDict(
                triggered_inputs=[
                    {
                        "prop_id": f'{{"dataset":"{dataset}","type":"sala-grid-mount"}}.data',
                        "value": wanted,
                    }
                ]
            )
        )
        return mount(wanted)

    grid = mounted("proyectos", True)
    assert isinstance(grid, dag.AgGrid) and grid.id == grid_id("proyectos")
    assert mounted("no-existe", True) is no_update
    assert mounted("proyectos", None) is no_update
    assert grid_part("mount", "proyectos") in [s.children[0].id for s in slots]


@pytest.mark.parametrize(
    ("name", "row_id", "count"),
    [
        ("proyectos", "prj-kpis", 8),
        ("clap", "clap-kpis", 7),
        ("casos", "cas-kpis", 8),
        ("paz", "paz-kpis", 4),
        ("defensa", "def-kpis", 4),
        ("consulta", "con-kpis", 6),
        ("aca", "aca-kpis", 6),
        ("panorama", "panorama-kpis", 8),
    ],
)
def test_kpi_rows_hold_their_cards_places_until_the_numbers_arrive(name, row_id, count):
    """The KPI row comes with as many empty cards as its callback fills (hidden from screen
    readers), so the row has its final height at the first paint and nothing below it jumps
    when the numbers arrive (layout shift, assets/pages.css)."""
    import importlib

    page = importlib.import_module(f"layouts.{name}")
    row = _find(page.layout({}, load_settings()), row_id)
    assert len(row.children) == count
    for card in row.children:
        assert "kpi-card" in card.className.split() and "kpi-placeholder" in card.className
        assert card.to_plotly_json()["props"]["aria-hidden"] == "true"
        assert not card.children  # no number: tests and the wall find values by data-kpi
