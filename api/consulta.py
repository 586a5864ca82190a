"""``GET /api/v1/consulta/prioridades``: the Consulta advice of a territory for field systems.

The same ranking as ``/consulta`` (``data.queries.consulta.priorities``), within the token's
scope: a territory outside it is refused with 403 and no data.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.deps import Caller, require
from api.read import READ_RESPONSES, parse_as_of, run_read
from core.timeutil import utcnow
from data.queries import consulta as q
from data.scope import resolve

router = APIRouter(prefix="/api/v1", tags=["consulta"])
FIELDS = (
    "category",
    "demand",
    "open",
    "funded_projects",
    "funded_usd",
    "completed_pct",
    "score",
    "reason",
)


class PriorityOut(BaseModel):
    """One project category of the territory, with the numbers of its score."""

    category: str = Field(description="categoría de proyecto (agua, vialidad, …)")
    demand: int = Field(description=f"casos 1x10 de la categoría en {q.DEMAND_DAYS} días")
    open: int = Field(description="de ellos, abiertos a la fecha")
    funded_projects: int = Field(description=f"proyectos de las últimas {q.ROUNDS} consultas")
    funded_usd: float = Field(description="USD aprobados de esos proyectos")
    completed_pct: float | None = Field(description="% de esos proyectos culminados")
    score: float = Field(description="puntaje de prioridad (mayor = primero)")
    reason: str = Field(description="por qué, en una frase con las cifras")


class PrioritiesOut(BaseModel):
    territory: str | None
    categories: list[PriorityOut]


@router.get(
    "/consulta/prioridades",
    response_model=PrioritiesOut,
    responses=READ_RESPONSES,
    summary="Prioridades para la próxima Consulta",
    description=(
        "Las categorías de proyecto del territorio (y todo lo que tiene debajo) ordenadas por "
        f"prioridad, la mayor primero: casos del 1x10 de los últimos {q.DEMAND_DAYS} días "
        f"frente a los proyectos de las últimas {q.ROUNDS} consultas. Puntaje = "
        "(recibidos + abiertos + fuera de plazo) × tendencia / (1 + culminados + 0,5 × en "
        "curso); la tendencia compara la segunda mitad de la ventana con la primera (0,5 a 2)."
    ),
    operation_id="consulta_prioridades",
)
async def prioridades(
    request: Request,
    territory: str | None = Query(None, description="código del territorio"),
    as_of: str | None = Query(
        None, description="ISO 8601 con zona horaria, p. ej. 2026-11-23T10:00:00-04:00"
    ),
    caller: Caller = Depends(require("read")),
):
    moment = parse_as_of(as_of) or utcnow()
    targets = request.app.state.sala_settings.sla_hours

    def work(session: Session) -> dict[str, Any]:
        ref = resolve(session, caller.scope, territory)
        rows = q.priorities(session, ref, moment, targets=targets)
        return {
            "territory": ref.code if ref else None,
            "categories": [{name: row[name] for name in FIELDS} for row in rows],
        }

    return await run_in_threadpool(run_read, request, work)
