"""Reading routes: ``GET /api/v1/territories`` and ``GET /api/v1/summary``, within the token's scope."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api.deps import AUTH_RESPONSES, Caller, ErrorBody, database_down, engine_of, require
from core.timeutil import to_utc
from data.queries.summary import summary
from data.scope import OutOfScope, Scope, UnknownTerritory, children, resolve

router = APIRouter(prefix="/api/v1", tags=["lectura"])

READ_RESPONSES = {
    **AUTH_RESPONSES,
    404: {"model": ErrorBody, "description": "Territorio desconocido"},
    422: {"model": ErrorBody, "description": "Parámetro no válido"},
}


class TerritoryOut(BaseModel):
    code: str
    level: str
    name: str
    estado_code: str | None
    municipio_code: str | None
    parroquia_code: str | None
    circuito_code: str | None
    lat: float | None
    lon: float | None


class TerritoryList(BaseModel):
    parent: str | None
    territories: list[TerritoryOut]


class ProjectsOut(BaseModel):
    total: int
    by_status: dict[str, int]
    approved_usd: float
    transferred_usd: float
    avg_progress: float | None


class ClapOut(BaseModel):
    date: str
    families_planned: int
    families_served: int
    coverage: float | None


class CasesOut(BaseModel):
    open: int
    resolved_24h: int
    median_hours_to_resolve_30d: float | None
    open_by_category: dict[str, int]


class IncidentsOut(BaseModel):
    last_24h: int
    last_7d: int
    by_type_24h: dict[str, int]


class DefenseOut(BaseModel):
    units: int
    avg_readiness: float | None


class AcaOut(BaseModel):
    """Actions of the Agendas Concretas de Acción; overdue: ``pendiente`` or ``en_curso``
    with ``due_on`` before the Caracas date of ``as_of``."""

    total: int
    by_status: dict[str, int]
    overdue: int


class SummaryOut(BaseModel):
    """The territory and everything below it, at ``as_of``."""

    territory: str | None
    territory_name: str
    as_of: str
    projects: ProjectsOut
    clap: ClapOut
    cases: CasesOut
    incidents: IncidentsOut
    defense: DefenseOut
    aca: AcaOut


_SPACE_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


def parse_as_of(raw: str | None) -> datetime | None:
    """ISO 8601 with an offset; a '+' sent unencoded in a query string arrives as a space."""
    if raw is None or not raw.strip():
        return None
    text = _SPACE_OFFSET.sub(r"+\1", raw.strip())
    try:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError("sin zona horaria")
        return to_utc(value)
    except (ValueError, OverflowError) as exc:
        raise HTTPException(
            422,
            f"as_of={raw!r} no es una fecha y hora ISO 8601 con zona horaria "
            "(p. ej. 2026-11-23T10:00:00-04:00).",
        ) from exc


def run_read(request: Request, work) -> Any:
    """``work(session)``, with unknown / out-of-scope territories and a down database as
    404 / 403 / 503."""
    try:
        with Session(engine_of(request)) as session:
            return work(session)
    except UnknownTerritory as exc:
        raise HTTPException(404, f"Territorio desconocido {exc.args[0]!r}.") from exc
    except OutOfScope as exc:
        raise HTTPException(
            403, f"El territorio {exc.args[0]!r} está fuera del ámbito del token."
        ) from exc
    except DBAPIError as exc:
        raise database_down() from exc


def _territories(scope: Scope, parent: str | None):
    def work(session: Session) -> dict[str, Any]:
        refs = children(session, scope, parent)
        return {
            "parent": parent or None,
            "territories": [
                {
                    "code": r.code,
                    "level": r.level,
                    "name": r.name,
                    "estado_code": r.estado_code,
                    "municipio_code": r.municipio_code,
                    "parroquia_code": r.parroquia_code,
                    "circuito_code": r.circuito_code,
                    "lat": r.lat,
                    "lon": r.lon,
                }
                for r in refs
            ],
        }

    return work


@router.get(
    "/territories",
    response_model=TerritoryList,
    responses=READ_RESPONSES,
    summary="Hijos de un territorio",
    description="Los hijos directos de `parent` (los estados si no se indica; para un token "
    "con ámbito, su propio territorio).",
    operation_id="territories",
)
async def territories(
    request: Request,
    parent: str | None = Query(None, description="código del territorio padre"),
    caller: Caller = Depends(require("read")),
):
    return await run_in_threadpool(run_read, request, _territories(caller.scope, parent))


@router.get(
    "/summary",
    response_model=SummaryOut,
    responses=READ_RESPONSES,
    summary="Resumen de un territorio",
    description="Proyectos, CLAP, casos 1x10, incidencias, defensa y acciones de la ACA del "
    "territorio y todo lo que está debajo, a la fecha `as_of` (por omisión: nacional —o el "
    "ámbito del token— y ahora). `aca.overdue`: acciones pendientes o en curso cuya fecha "
    "límite es anterior a la fecha de `as_of` en Caracas.",
    operation_id="summary",
)
async def get_summary(
    request: Request,
    territory: str | None = Query(None, description="código del territorio"),
    as_of: str | None = Query(
        None, description="ISO 8601 con zona horaria, p. ej. 2026-11-23T10:00:00-04:00"
    ),
    caller: Caller = Depends(require("read")),
):
    moment = parse_as_of(as_of)

    def work(session: Session) -> dict[str, Any]:
        return summary(session, resolve(session, caller.scope, territory), moment)

    return await run_in_threadpool(run_read, request, work)
