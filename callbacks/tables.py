"""The data tables' server side: one callback answers every grid's block requests.

``getRowsRequest`` carries the block (startRow/endRow) and the sort; the answer is that
page of rows from SQL plus the total, so the grid knows where the data ends.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, html, no_update

from auth.principal import current_principal
from callbacks.filters import filters_of
from core.config import Settings
from core.inputs import BadInput, as_int
from core.numbers import fmt_number
from core.timeutil import utcnow
from data.db import session_scope
from data.queries import catalog
from data.queries import datasets as ds
from data.queries.filters import scoped
from data.scope import OutOfScope, UnknownTerritory, scope_for
from layouts.components.filter_bar import filters_id, refresh_id

MAX_ROW = 100_000_000


def block_request(dataset: ds.Dataset, request: Any) -> tuple[int, int, list[tuple[str, bool]]]:
    """``(start, end, sort)`` of an AG Grid ``getRowsRequest``, refused with ``BadInput``
    when a crafted one has other types; unknown sort columns are refused too."""
    if not isinstance(request, dict):
        raise BadInput("La petición de filas de la tabla no es válida.")
    start = as_int(request.get("startRow"), "startRow", 0, MAX_ROW, default=0)
    end = as_int(request.get("endRow"), "endRow", start, MAX_ROW, default=start + 100)
    model = request.get("sortModel") or []
    if not isinstance(model, list) or not all(isinstance(item, dict) for item in model):
        raise BadInput("El orden pedido para la tabla no es válido.")
    sort = []
    for item in model:
        column, direction = item.get("colId"), item.get("sort", "asc")
        if not isinstance(column, str) or dataset.column(column) is None:
            raise BadInput(f"La tabla no tiene la columna {column!r}.")
        if direction not in ("asc", "desc"):
            raise BadInput("El orden de una columna es 'asc' o 'desc'.")
        sort.append((column, direction == "desc"))
    return start, end, sort


def rows_for(store: dict | None, name: str, request: dict) -> tuple[dict, str]:
    """The grid's answer for one block request, and the row-count line."""
    dataset = catalog.DATASETS.get(name) if isinstance(name, str) else None
    if dataset is None:
        raise BadInput(f"No existe la tabla {name!r}.")
    start, end, sort = block_request(dataset, request)
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
        name = ctx.triggered_id["dataset"] if isinstance(ctx.triggered_id, dict) else None
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
