"""``GET /healthz``: the state of the database and of the event bus."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from data.bus import get_bus
from data.db import get_engine

router = APIRouter()


@router.get("/healthz", tags=["salud"], summary="Estado de la base de datos y del bus")
def healthz() -> JSONResponse:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "down"
    body = {"database": database, "bus": get_bus().health()}
    return JSONResponse(body, status_code=200 if database == "ok" else 503)
