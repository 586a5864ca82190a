"""Row clicks of a RecordTable, gated in the browser so a redraw costs no request.

A list panel draws its RecordTable anew on every load and live refresh, and Dash calls
every callback with an Input in a newly inserted component whose outputs lie outside it,
``prevent_initial_call`` or not (dash-renderer's ``getUnfilteredLayoutCallbacks``). A
server callback on ``clicked`` therefore cost one HTTP request per table at each load and
each refresh, to answer "no click". Here a clientside callback passes ``clicked`` on only
when a row was clicked; the server listens to what it passes on.
"""

from __future__ import annotations

from dash import Dash, Input, Output

from layouts.components.record_table import click_store_id

# ``clicked`` is {"id": row id, "at": ms} (assets/record_table.js), or None on a redraw.
_PASS_CLICK = "function(c){return (c && c.id) ? c : window.dash_clientside.no_update;}"
_PASS_ID = "function(c){return (c && c.id) ? c.id : window.dash_clientside.no_update;}"


def gate_clicks(app: Dash, table: str) -> str:
    """Copy ``table``'s real clicks into its click store (``click_store`` in the page's
    layout, outside the redrawn panel); returns the store's id for the server's Input."""
    app.clientside_callback(
        _PASS_CLICK,
        Output(click_store_id(table), "data"),
        Input(table, "clicked"),
        prevent_initial_call=True,
    )
    return click_store_id(table)


def gate_clicked_id(app: Dash, table: str, output: Output) -> None:
    """Write the clicked row's id of ``table`` straight into ``output``, in the browser."""
    app.clientside_callback(_PASS_ID, output, Input(table, "clicked"), prevent_initial_call=True)
