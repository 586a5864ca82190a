"""``POST /api/v1/ingest/{dataset}``: field systems write batches of records into the Sala."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

from api.deps import (
    AUTH_RESPONSES,
    Caller,
    ErrorBody,
    ValidationBody,
    database_down,
    engine_of,
    require,
)
from data.ingest import (
    DATASETS,
    MAX_RECORDS,
    IngestValidationError,
    MalformedBody,
    RecordsOutOfScope,
    ingest_json,
)
from data.ingest.schemas import json_schema
from data.ingest_metrics import observed

router = APIRouter(prefix="/api/v1", tags=["ingesta"])

DESCRIPTIONS = {
    "territories": "Territorios (estado → municipio → parroquia → circuito → comuna → consejo comunal). Upsert por `code`; `parent_code` debe existir o venir antes en el lote.",
    "cuadrantes": "Cuadrantes de paz, cada uno en un circuito comunal. Upsert por `code`.",
    "projects": "Proyectos de la Consulta Popular. Upsert por `id`; un registro con `updated_at` anterior al guardado se ignora. Los cambios de avance o estado quedan en el historial.",
    "transfers": "Transferencias a los bancos comunales. Upsert por `id`; `project_id` debe existir.",
    "clap_deliveries": "Entregas CLAP (un lote por comité y fecha). Upsert por `id`; un `clap_code` nuevo crea el comité en `territory_code`.",
    "cases": "Casos del 1x10 del Buen Gobierno. Upsert por `id`; `resolved_at` es obligatorio en estado resuelto o cerrado y nunca anterior a `reported_at`; un registro con `updated_at` anterior al guardado se ignora.",
    "incidents": "Incidencias de los cuadrantes de paz. Upsert por `id`.",
    "defense": "Alistamiento de los planes de defensa por territorio. Upsert por `id`; un registro con `updated_at` anterior al guardado se ignora.",
    "actions": "Acciones de la Agenda Concreta de Acción (ACA) de cada territorio, por transformación (7T). Upsert por `id`; `territory_code` y `project_id` (opcional) deben existir; un registro con `updated_at` anterior al guardado se ignora.",
}


class IngestResponse(BaseModel):
    """The batch was stored whole; how many records were new, changed or already there."""

    dataset: str
    received: int
    inserted: int
    updated: int
    unchanged: int


RESPONSES = {
    **AUTH_RESPONSES,
    400: {"model": ErrorBody, "description": "El cuerpo no es JSON válido"},
    404: {"model": ErrorBody, "description": "Conjunto de datos desconocido"},
    413: {"model": ErrorBody, "description": "Cuerpo mayor que SALA_MAX_BODY_BYTES"},
    422: {
        "model": ValidationBody,
        "description": "Registros no válidos: no se guardó nada del lote",
    },
}


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    too_big = HTTPException(
        413, f"El cuerpo supera el máximo de {limit:,} bytes; divida el lote.".replace(",", ".")
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


async def _ingest(request: Request, dataset: str, caller: Caller) -> JSONResponse:
    body = await read_body(request, request.app.state.sala_settings.max_body_bytes)
    try:
        result = await run_in_threadpool(
            observed(ingest_json), engine_of(request), dataset, body, caller.scope
        )
    except MalformedBody as exc:
        raise HTTPException(400, f"{exc}. Envíe una lista JSON de registros.") from exc
    except RecordsOutOfScope as exc:
        return JSONResponse(
            {
                "detail": "Hay registros fuera del ámbito territorial del token; no se guardó nada.",
                "errors": exc.errors,
            },
            status_code=403,
        )
    except IngestValidationError as exc:
        bad = len({e["index"] for e in exc.errors})
        return JSONResponse(
            {
                "detail": f"{bad} registro(s) no válidos; no se guardó nada del lote. Corríjalos y reenvíe el lote completo.",
                "errors": exc.errors,
            },
            status_code=422,
        )
    except DBAPIError as exc:  # unreachable, or a collision retries did not resolve:
        raise database_down() from exc  # auth.errors logs the 503 once, with this cause
    return JSONResponse(result.as_dict())


def _route(dataset: str):
    async def handler(request: Request, caller: Caller = Depends(require("ingest"))):
        return await _ingest(request, dataset, caller)

    handler.__name__ = f"ingest_{dataset}"
    router.add_api_route(
        f"/ingest/{dataset}",
        handler,
        methods=["POST"],
        response_model=IngestResponse,
        responses=RESPONSES,
        summary=f"Ingesta de {dataset}",
        description=DESCRIPTIONS[dataset]
        + f"\n\nCuerpo: una lista JSON de 1 a {MAX_RECORDS:,} registros. Atómico: si un registro no es válido no se guarda ninguno (422). Horas ISO 8601 con zona horaria; fechas AAAA-MM-DD.".replace(
            ",", "."
        ),
        operation_id=f"ingest_{dataset}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": json_schema(dataset)}},
            }
        },
    )


for _dataset in DATASETS:
    _route(_dataset)


@router.post("/ingest/{dataset}", include_in_schema=False)
async def unknown_dataset(dataset: str, _caller: Caller = Depends(require("ingest"))):
    raise HTTPException(
        404, f"Conjunto de datos desconocido {dataset!r}; use uno de: {', '.join(DATASETS)}."
    )
