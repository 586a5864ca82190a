"""The data table: an AG Grid on the infinite row model, paged and sorted in SQL.

The browser asks for blocks of rows (``getRowsRequest``: start, end, sort); the generic
callback in ``callbacks/tables.py`` answers from :mod:`data.queries.datasets` with LIMIT and
OFFSET, so a million-row dataset never travels to the browser. The export link next to it
points at the CSV route with the same filters, so the file holds exactly the table's rows.
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from core.filters import Filters
from data.queries.datasets import Column, Dataset
from layouts.components import theme

BLOCK_SIZE = 100
# AG Grid 33 Theming API, in the Sala's dark colours (layouts/components/theme.py).
GRID_THEME = (
    "themeQuartz.withParams({"
    f"backgroundColor: '{theme.PANEL}', foregroundColor: '{theme.TEXT}', "
    f"accentColor: '{theme.ACCENT}', borderColor: '{theme.LINE}', "
    f"headerBackgroundColor: '{theme.BG}', headerTextColor: '{theme.MUTED}', "
    f"fontFamily: {[f.strip() for f in theme.FONT.split(',')]}, "
    "fontSize: 13, spacing: 5, wrapperBorderRadius: 6"
    "})"
)
FORMATTERS = {
    "number": "salaNumber(params.value, 0)",
    "decimal": "salaNumber(params.value, 1)",
    "percent": "salaNumber(params.value, 1)",
    "usd": "salaNumber(params.value, 2)",
}


def grid_id(name: str) -> dict[str, str]:
    return {"type": "sala-grid", "dataset": name}


def grid_part(part: str, name: str) -> dict[str, str]:
    """Ids of a grid's companions: ``sala-grid-count`` (the row-count line),
    ``sala-grid-total`` (rows the grid was loaded with), ``sala-grid-new`` (the "N nuevos"
    button), ``sala-grid-stale`` (a token: refresh in place, nothing new to place),
    ``sala-grid-slot`` (where the grid mounts) and ``sala-grid-mount`` (set by the browser
    when the grid is wanted)."""
    return {"type": f"sala-grid-{part}", "dataset": name}


def _column_def(col: Column) -> dict[str, Any]:
    spec: dict[str, Any] = {"field": col.key, "headerName": col.title, "sortable": col.sortable}
    if col.width:
        spec["width"] = col.width
    if col.kind in ("text", "territory"):
        # A long id or name cut by the column's width is read whole on hover.
        spec["tooltipField"] = col.key
    if col.kind in FORMATTERS:
        spec["type"] = "rightAligned"
        spec["valueFormatter"] = {"function": FORMATTERS[col.kind]}
    return spec


def data_table(dataset: Dataset, height: str = "26rem") -> html.Div:
    """The grid's place on the page, empty until the browser asks for the grid.

    AG Grid's code and its first layout cost about as much main-thread time as every chart
    of a page together (~0.8 s of a 2.8 s first visit to ``/proyectos`` on the demo), and
    the tables sit below the charts: ``assets/grid_mount.js`` asks for the grid when its
    place nears the viewport or the page goes idle after drawing, and
    ``callbacks/tables.py`` answers with :func:`grid` (the same grid, mounted later).
    """
    name = dataset.name
    return html.Div(
        [
            dcc.Store(id=grid_part("mount", name)),
            html.Div("Cargando tabla…", className="grid-pending", role="status"),
        ],
        id=grid_part("slot", name),
        className="sala-grid-slot",
        style={"height": height, "width": "100%"},
    )


def grid(dataset: Dataset) -> dag.AgGrid:
    """The AG Grid of ``dataset``, filling its place (:func:`data_table`)."""
    return dag.AgGrid(
        id=grid_id(dataset.name),
        columnDefs=[_column_def(c) for c in dataset.columns],
        defaultColDef={
            "resizable": True,
            "suppressHeaderMenuButton": True,
            # Long headers ("Horas hasta resolver") wrap instead of being cut.
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        rowModelType="infinite",
        getRowId="params.data.id",
        dashGridOptions={
            "cacheBlockSize": BLOCK_SIZE,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 1,
            "rowBuffer": 10,
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "localeText": {"loadingOoo": "Cargando…", "noRowsToShow": "Sin registros"},
            "suppressMultiSort": True,
            "tooltipShowDelay": 300,
            "theme": {"function": GRID_THEME},
        },
        className="sala-grid",
        style={"height": "100%", "width": "100%"},
    )


def export_href(dataset: Dataset | str, filters: Filters, spanish: bool = False) -> str:
    """The CSV route of a dataset with the page's filters; ``spanish``: the twin for
    spreadsheets in Spanish locale (``;``, decimal comma; see ``api/export.py``)."""
    name = dataset if isinstance(dataset, str) else dataset.name
    folder = "/exportar/excel" if spanish else "/exportar"
    return f"{folder}/{name}.csv{filters.to_query()}"


def export_link(dataset: Dataset | str, filters: Filters) -> html.Span:
    """``Exportar CSV`` and ``CSV (Excel en español)`` with the page's filters (hidden by the
    page for roles that cannot); ``dataset`` is a table's dataset or the name of another
    export (``prioridades``)."""
    name = dataset if isinstance(dataset, str) else dataset.name
    return html.Span(
        [
            html.A(
                "Exportar CSV ↓",
                href=export_href(name, filters),
                className="export-link",
                download="",
                title="Descarga exactamente los registros filtrados (separados por comas, "
                "números con punto decimal)",
            ),
            html.A(
                "CSV (Excel en español) ↓",
                href=export_href(name, filters, spanish=True),
                className="export-link export-link-es",
                download="",
                title="Los mismos registros para Excel o LibreOffice en español: separados "
                "por punto y coma, coma decimal, fechas dd/mm/aaaa y nombres legibles",
            ),
        ],
        id={"type": "sala-export", "dataset": name},
        className="export-links",
    )


def table_panel_body(dataset: Dataset, filters: Filters, height: str = "26rem") -> html.Div:
    """The table with its row-count line (filled by the table callback) and the "N nuevos"
    notice: records that arrive while the table is open are announced, not pushed in, so the
    rows being read never move (``callbacks/tables.py``)."""
    name = dataset.name
    return html.Div(
        [
            html.Div(
                [
                    html.Div(id=grid_part("count", name), className="grid-count"),
                    html.Button(
                        id=grid_part("new", name),
                        className="grid-new",
                        n_clicks=0,
                        style={"display": "none"},
                        title="Muestra los registros nuevos (la tabla vuelve a cargarse)",
                    ),
                ],
                className="grid-head",
            ),
            dcc.Store(id=grid_part("total", name)),
            dcc.Store(id=grid_part("stale", name)),
            data_table(dataset, height),
        ],
        className="grid-wrap",
    )
