"""The data tables' server side: one callback answers every grid's block requests.

``getRowsRequest`` carries the block (startRow/endRow) and the sort; the answer is that
page of rows from SQL plus the total, so the grid knows where the data ends.

Live data never reorders a table under its reader: when the page's data moves, the grids
whose filters now select more records show "N nuevos" (a click reloads them); the others
refresh in place, their rows staying where they are.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

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
from layouts.components.data_table import grid, grid_part
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


def new_notice(loaded: int | None, now: int) -> tuple[str | None, bool]:
    """The notice of a grid loaded with ``loaded`` records whose filters now select ``now``:
    its text (None: nothing new) and whether the grid may refresh in place (no new rows)."""
    if loaded is None:
        return None, False
    new = now - loaded
    if new <= 0:
        return None, True
    word = "nuevo" if new == 1 else "nuevos"
    return f"{fmt_number(new)} {word} · mostrar", False


def current_counts(store: dict | None, names: list[str]) -> dict[str, int]:
    """How many records each named grid's filters select now (scope enforced)."""
    principal = current_principal()
    out: dict[str, int] = {}
    with session_scope() as session:
        try:
            view = scoped(
                session, scope_for(session, principal.territory_code), filters_of(store), utcnow()
            )
        except (OutOfScope, UnknownTerritory):
            return out
        for name in names:
            dataset = catalog.DATASETS.get(name) if isinstance(name, str) else None
            if dataset is not None:
                out[name] = ds.count(session, dataset, view)
    return out


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
        Output(grid_part("slot", MATCH), "children"),
        Input(grid_part("mount", MATCH), "data"),
        prevent_initial_call=True,
    )
    def mount_grid(wanted):
        """The grid, once the browser wants it (``assets/grid_mount.js``)."""
        name = ctx.triggered_id["dataset"] if isinstance(ctx.triggered_id, dict) else None
        dataset = catalog.DATASETS.get(name) if isinstance(name, str) else None
        if not wanted or dataset is None:
            return no_update
        return grid(dataset)

    @app.callback(
        Output({"type": "sala-grid", "dataset": MATCH}, "getRowsResponse"),
        Output(grid_part("count", MATCH), "children"),
        Output(grid_part("total", MATCH), "data"),
        Output(grid_part("new", MATCH), "style"),
        Input({"type": "sala-grid", "dataset": MATCH}, "getRowsRequest"),
        State(filters_id(ALL), "data"),
        prevent_initial_call=True,
    )
    def get_rows(request, store):
        if request is None:
            # the grid's prop as it mounts, before it asks for a block: counting and reading
            # the first block for it doubled the work of every table (its real request for
            # rows 0–100 comes right after)
            raise PreventUpdate
        name = ctx.triggered_id["dataset"] if isinstance(ctx.triggered_id, dict) else None
        response, label = rows_for(store, name, request)
        loaded = response.get("rowCount") if request.get("startRow", 0) == 0 else None
        if loaded is None:
            return response, (html.Span(label) if label else no_update), no_update, no_update
        # The first block: the grid now holds what the filters select; nothing is new.
        return response, (html.Span(label) if label else no_update), loaded, {"display": "none"}

    @app.callback(
        Output(grid_part("new", ALL), "children"),
        Output(grid_part("new", ALL), "style", allow_duplicate=True),
        Output(grid_part("stale", ALL), "data"),
        Input(refresh_id(ALL), "data"),
        State(grid_part("total", ALL), "data"),
        State(grid_part("total", ALL), "id"),
        State(filters_id(ALL), "data"),
        prevent_initial_call=True,
    )
    def announce_new(refresh, totals, ids, stores):
        """Live data moved: announce new records, or refresh in place when none arrived."""
        if not ids or not refresh or not any(refresh):
            return [no_update] * len(ids), [no_update] * len(ids), [no_update] * len(ids)
        counts = current_counts(stores[0] if stores else None, [i["dataset"] for i in ids])
        texts, styles, stale = [], [], []
        for loaded, gid in zip(totals, ids, strict=True):
            text, in_place = new_notice(loaded, counts.get(gid["dataset"], loaded or 0))
            texts.append(text if text else no_update)
            styles.append({} if text else no_update)
            stale.append(utcnow().timestamp() if in_place else no_update)
        return texts, styles, stale

    # Reload a grid: in place when nothing new arrived, or when its reader asks for the new.
    app.clientside_callback(
        """function(stale, clicks, gid){
            const C = window.dash_clientside;
            if (!window.dash_ag_grid || !gid) { return C.no_update; }
            const grid = {type: 'sala-grid', dataset: gid.dataset};
            try { dash_ag_grid.getApi(grid).refreshInfiniteCache(); } catch (e) { /* gone */ }
            const trig = (C.callback_context.triggered || [])[0];
            const byClick = trig && trig.prop_id && trig.prop_id.indexOf('n_clicks') >= 0;
            return byClick ? {display: 'none'} : C.no_update;
        }""",
        Output(grid_part("new", MATCH), "style", allow_duplicate=True),
        Input(grid_part("stale", MATCH), "data"),
        Input(grid_part("new", MATCH), "n_clicks"),
        State(grid_part("stale", MATCH), "id"),
        prevent_initial_call=True,
    )
