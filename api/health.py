"""``GET /healthz``: the state of the database and of the event bus (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from auth.errors import note_unavailable
from data.bus import get_bus
from data.db import describe, get_engine

router = APIRouter()


class Health(BaseModel):
    database: str = Field(description="ok | down")
    bus: str = Field(description="ok | disabled (bus en el proceso) | down")


@router.get(
    "/healthz",
    tags=["salud"],
    summary="Estado de la base de datos y del bus",
    response_model=Health,
    responses={503: {"model": Health, "description": "La base de datos no responde"}},
    operation_id="healthz",
)
def healthz(request: Request) -> JSONResponse:
    try:
        with get_engine(request.app.state.sala_settings.database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:
        database = "down"
        note_unavailable(request.scope, f"base de datos no disponible ({describe(exc)})")
    try:
        bus = get_bus().health()
    except Exception:
        bus = "down"
    body = {"database": database, "bus": bus}
    return JSONResponse(body, status_code=200 if database == "ok" else 503)
