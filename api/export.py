"""``GET /exportar/{dataset}.csv``: the records a page's table shows, streamed as CSV.

The query string is the page's own filter string (``?territorio=VE-A&rango=7d``), parsed by
the same :func:`core.filters.parse_filters` and run through the same dataset SELECT as the
table, so the file holds exactly the filtered records. The caller's principal decides the
scope (outside it: 403) and whether it may export at all (``pantalla``/``operador``: 403).
Rows are fetched from SQL in chunks and written as they come: memory stays flat for a
million rows.

Each export has a twin under ``/exportar/excel/`` for spreadsheets in Spanish locale: ``;``
between fields, decimal comma, ``dd/mm/aaaa hh:mm`` in Caracas time and human names
(``datasets.spanish_value``), so a double click in Excel or LibreOffice opens real columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session

from auth.principal import Principal, current_principal
from core.filters import Filters, parse_filters
from core.timeutil import utcnow
from data import audit
from data.db import get_engine, session_scope
from data.queries import catalog, consulta
from data.queries import datasets as ds
from data.queries.filters import scoped
from data.scope import OutOfScope, UnknownTerritory, scope_for

# A page route (session cookie, like the Dash pages), not part of the public bearer-token API.
router = APIRouter(include_in_schema=False)
FLUSH_ROWS = 1_000
SPANISH_DELIMITER = ";"


def _writer(buffer: io.StringIO, spanish: bool) -> Any:
    return csv.writer(buffer, delimiter=SPANISH_DELIMITER) if spanish else csv.writer(buffer)


def _filename(stem: str, spanish: bool) -> str:
    return f"{stem}-excel.csv" if spanish else f"{stem}.csv"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@router.get(
    "/exportar/prioridades.csv",
    tags=["exportación"],
    summary="Exporta en CSV las prioridades de la Consulta de cada circuito del territorio",
)
def export_priorities(request: Request):
    return _priorities(request, spanish=False)


@router.get(
    "/exportar/excel/prioridades.csv",
    tags=["exportación"],
    summary="Las prioridades de la Consulta en CSV para Excel en español (; y coma decimal)",
)
def export_priorities_spanish(request: Request):
    return _priorities(request, spanish=True)


def _priorities(request: Request, spanish: bool):
    """For the Consulta teams: every circuito inside the filters' territory, each category in
    priority order with the numbers of its score and the reason (``data.queries.consulta``).

    Registered before the generic route, which would take ``prioridades`` for a table."""
    principal = current_principal()
    if not principal.can_export:
        return _error(403, "Su rol no permite exportar datos. Pida acceso a un administrador.")
    parsed = parse_filters(str(request.url.query), consulta.CATEGORIES)
    if parsed.errors:
        return _error(400, " ".join(parsed.errors))
    filters, as_of = parsed.filters, utcnow()
    targets = request.app.state.sala_settings.sla_hours
    try:
        with session_scope(get_engine()) as session:
            view = scoped(session, scope_for(session, principal.territory_code), filters, as_of)
            rows = consulta.export_rows(session, view.ref, as_of, filters.categoria, targets)
            record_export(session, principal, "prioridades", filters, request)
    except OutOfScope:
        return _error(403, f"El territorio {filters.territorio} está fuera de su ámbito.")
    except UnknownTerritory:
        return _error(404, f"No existe el territorio {filters.territorio}.")
    stem = filters.file_stem("prioridades", as_of, with_range=False)
    return StreamingResponse(
        _csv_chunks(consulta.EXPORT_HEADERS, rows, spanish),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(stem, spanish)}"'},
    )


def _csv_chunks(headers: tuple[str, ...], rows: list[list], spanish: bool) -> Iterator[bytes]:
    """A BOM, the header, then the rows in blocks of ``FLUSH_ROWS``."""
    buffer = io.StringIO()
    writer = _writer(buffer, spanish)
    writer.writerow(headers)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for start in range(0, len(rows), FLUSH_ROWS):
        buffer.seek(0)
        buffer.truncate()
        block = rows[start : start + FLUSH_ROWS]
        if spanish:
            writer.writerows([ds.spanish_value(v) for v in row] for row in block)
        else:
            writer.writerows(ds.csv_row(row) for row in block)
        yield buffer.getvalue().encode()


@router.get(
    "/exportar/{name}.csv",
    tags=["exportación"],
    summary="Exporta en CSV los registros filtrados de una página",
)
def export_csv(name: str, request: Request):
    return _export(name, request, spanish=False)


@router.get(
    "/exportar/excel/{name}.csv",
    tags=["exportación"],
    summary="Los registros filtrados de una página en CSV para Excel en español (; y coma decimal)",
)
def export_csv_spanish(name: str, request: Request):
    return _export(name, request, spanish=True)


def _export(name: str, request: Request, spanish: bool):
    dataset = catalog.DATASETS.get(name)
    if dataset is None:
        known = ", ".join(sorted(catalog.DATASETS))
        return _error(404, f"No existe el conjunto «{name}». Disponibles: {known}.")
    principal = current_principal()
    if not principal.can_export:
        return _error(403, "Su rol no permite exportar datos. Pida acceso a un administrador.")
    parsed = parse_filters(str(request.url.query), dataset.categories)
    if parsed.errors:
        return _error(400, " ".join(parsed.errors))
    filters, as_of = parsed.filters, utcnow()
    try:
        with session_scope(get_engine()) as session:
            scoped(session, scope_for(session, principal.territory_code), filters, as_of)
            record_export(session, principal, name, filters, request)
    except OutOfScope:
        return _error(403, f"El territorio {filters.territorio} está fuera de su ámbito.")
    except UnknownTerritory:
        return _error(404, f"No existe el territorio {filters.territorio}.")
    stem = filters.file_stem(name, as_of)
    return StreamingResponse(
        _rows(dataset, principal, filters, as_of, spanish),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(stem, spanish)}"'},
    )


def _rows(
    dataset: ds.Dataset, principal: Principal, filters: Filters, as_of: datetime, spanish: bool
) -> Iterator[bytes]:
    """The CSV body: a BOM (so spreadsheets read the accents), the header, then the rows."""
    buffer = io.StringIO()
    writer = _writer(buffer, spanish)
    writer.writerow([c.header for c in dataset.columns])
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    with Session(get_engine()) as session:
        view = scoped(session, scope_for(session, principal.territory_code), filters, as_of)
        for n, row in enumerate(ds.stream(session, dataset, view, spanish), start=1):
            writer.writerow(row)
            if n % FLUSH_ROWS == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def record_export(
    session: Session, principal: Principal, name: str, filters: Filters, request: Request
) -> None:
    """Write the export into the audit log, in the same transaction as its scope check;
    the entry is about the exported territory (the caller's whole scope by default)."""
    audit.record(
        session,
        principal.username,
        "exportar",
        {"conjunto": name, "filtros": filters.to_params()},
        request.client.host if request.client else None,
        filters.territorio or principal.territory_code,
    )
