"""``GET /exportar/{dataset}.csv``: the records a page's table shows, streamed as CSV.

The query string is the page's own filter string (``?territorio=VE-A&rango=7d``), parsed by
the same :func:`core.filters.parse_filters` and run through the same dataset SELECT as the
table, so the file holds exactly the filtered records. The caller's principal decides the
scope (outside it: 403) and whether it may export at all (``pantalla``/``operador``: 403).
Rows are fetched from SQL in chunks and written as they come: memory stays flat for a
million rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

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


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@router.get(
    "/exportar/prioridades.csv",
    tags=["exportación"],
    summary="Exporta en CSV las prioridades de la Consulta de cada circuito del territorio",
)
def export_priorities(request: Request):
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
        _csv_chunks(consulta.EXPORT_HEADERS, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
    )


def _csv_chunks(headers: tuple[str, ...], rows: list[list]) -> Iterator[bytes]:
    """A BOM, the header, then the rows in blocks of ``FLUSH_ROWS``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for start in range(0, len(rows), FLUSH_ROWS):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(ds.csv_row(row) for row in rows[start : start + FLUSH_ROWS])
        yield buffer.getvalue().encode()


@router.get(
    "/exportar/{name}.csv",
    tags=["exportación"],
    summary="Exporta en CSV los registros filtrados de una página",
)
def export_csv(name: str, request: Request):
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
        _rows(dataset, principal, filters, as_of),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
    )


def _rows(
    dataset: ds.Dataset, principal: Principal, filters: Filters, as_of: datetime
) -> Iterator[bytes]:
    """The CSV body: a BOM (so spreadsheets read the accents), the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in dataset.columns])
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    with Session(get_engine()) as session:
        view = scoped(session, scope_for(session, principal.territory_code), filters, as_of)
        for n, row in enumerate(ds.stream(session, dataset, view), start=1):
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
