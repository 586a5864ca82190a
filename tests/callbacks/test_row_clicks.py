"""A list redrawn by a refresh sends no request for its row clicks (callbacks/row_clicks.py)."""

from __future__ import annotations

from core.config import load_settings
from layouts import consulta, proyectos
from layouts.components.record_table import click_store_id
from tests.auth.conftest import sala_app  # noqa: F401  (fixture)
from tests.layouts.test_pages_layouts import _walk


def _listening_to_clicks(app) -> list[tuple[str, bool]]:
    """(output, runs in the browser) of every callback with a ``clicked`` input."""
    return [
        (cb["output"], bool(cb.get("clientside_function")))
        for cb in app._callback_list
        if any(i["property"] == "clicked" for i in cb["inputs"])
    ]


def test_no_server_callback_listens_to_a_table_redraw(sala_app):  # noqa: F811
    """Dash calls a callback whose Input sits in a newly drawn table and whose outputs lie
    outside it, prevent_initial_call or not: a server callback on ``clicked`` was one HTTP
    request per table at every load and live refresh of /proyectos and /consulta."""
    listening = _listening_to_clicks(sala_app)
    assert listening, "the pages' lists take row clicks"
    assert [output for output, in_browser in listening if not in_browser] == []


def test_the_gates_lead_where_the_server_callbacks_listened(sala_app):  # noqa: F811
    """The stalled list opens a project's detail; the Consulta's two lists drill the page
    down through their click stores, which live in the page's layout, outside the panels."""
    outputs = {output for output, _ in _listening_to_clicks(sala_app)}
    assert "prj-selected.data@" in " ".join(outputs)
    stores = {click_store_id(t) for t in (consulta.TERRITORIES_TABLE, consulta.WITHOUT_TABLE)}
    assert {f"{store}.data" for store in stores} <= outputs
    server_inputs = {
        i["id"]
        for cb in sala_app._callback_list
        if not cb.get("clientside_function")
        for i in cb["inputs"]
    }
    assert stores <= server_inputs
    layout_ids = _ids(consulta.layout({}, load_settings()))
    assert stores <= layout_ids
    assert proyectos.STALLED_TABLE not in _ids(proyectos.layout({}, load_settings()))


def _ids(component) -> set[str]:
    """Every string id in a layout tree."""
    return {c.id for c in _walk(component) if isinstance(getattr(c, "id", None), str)}
