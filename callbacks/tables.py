"""The data tables' server side: one callback answers every grid's block requests.

``getRowsRequest`` carries the block (startRow/endRow) and the sort; the answer is that
page of rows from SQL plus the total, so the grid knows where the data ends.
"""

from __future__ import annotations

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, html, no_update

from auth.principal import current_principal
from callbacks.filters import filters_of
from core.config import Settings
from core.numbers import fmt_number
from core.timeutil import utcnow
from data.db import session_scope
from data.queries import catalog
from data.queries import datasets as ds
from data.queries.filters import scoped
from data.scope import OutOfScope, UnknownTerritory, scope_for
from layouts.components.filter_bar import filters_id, refresh_id


def rows_for(store: dict | None, name: str, request: dict) -> tuple[dict, str]:
    """The grid's answer for one block request, and the row-count line."""
    dataset = catalog.DATASETS[name]
    start = int(request.get("startRow") or 0)
    end = int(request.get("endRow") or start + 100)
    sort = [
        (item["colId"], item.get("sort") == "desc")
        for item in request.get("sortModel") or []
        if dataset.column(item.get("colId", ""))
    ]
    principal = current_principal()
    with session_scope() as session:
        try:
            view = scoped(
                session, scope_for(session, principal.territory_code), filters_of(store), utcnow()
            )
        except (OutOfScope, UnknownTerritory):
            return {"rowData": [], "rowCount": 0}, "Territorio no disponible"
        total = ds.count(session, dataset, view) if start == 0 else None
        rows = ds.page(session, dataset, view, start, end - start, sort)
    if total is None:  # later blocks: the end is known once a block comes back short
        total = start + len(rows) if len(rows) < end - start else -1
    label = "Sin registros para estos filtros" if total == 0 else None
    if total and total > 0 and start == 0:
        label = f"{fmt_number(total)} registros"
    response = {"rowData": rows}
    if total >= 0:
        response["rowCount"] = total
    return response, label


def register(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output({"type": "sala-grid", "dataset": MATCH}, "getRowsResponse"),
        Output({"type": "sala-grid-count", "dataset": MATCH}, "children"),
        Input({"type": "sala-grid", "dataset": MATCH}, "getRowsRequest"),
        State(filters_id(ALL), "data"),
        prevent_initial_call=True,
    )
    def get_rows(request, store):
        name = ctx.triggered_id["dataset"]
        response, label = rows_for(store, name, request or {})
        return response, (html.Span(label) if label else no_update)

    # Live data: drop the cached blocks so the grid asks again for what it shows.
    app.clientside_callback(
        """function(refresh){
            if (!refresh || !refresh.some(Boolean) || !window.dash_ag_grid) { return; }
            document.querySelectorAll('.sala-grid[id]').forEach(function(el){
                let id = el.id;
                try { id = JSON.parse(id); } catch (e) { /* a plain string id */ }
                try { dash_ag_grid.getApi(id).refreshInfiniteCache(); } catch (e) { /* gone */ }
            });
        }""",
        Input(refresh_id(ALL), "data"),
        prevent_initial_call=True,
    )
