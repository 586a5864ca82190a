"""Shared pieces of the REST routes: the database engine, bearer-token auth and error bodies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from data.db import get_engine
from data.scope import Scope, scope_for
from data.tokens import TokenInfo, verify_token

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="Token de la API (`python manage.py create-token --name N --role ingest|read|operate`).",
)


class ErrorBody(BaseModel):
    """Any error answer: a Spanish explanation of what went wrong and what to do."""

    detail: str


class RecordErrorOut(BaseModel):
    index: int | None = Field(description="posición del registro en el lote (desde 0)")
    field: str | None = Field(description="campo con el problema")
    message: str = Field(description="explicación en español")


class ValidationBody(BaseModel):
    """422: the batch was refused whole; every bad record is listed."""

    detail: str
    errors: list[RecordErrorOut]


def database_down() -> HTTPException:
    return HTTPException(503, "Base de datos no disponible; inténtelo de nuevo en unos segundos.")


def engine_of(request: Request) -> Engine:
    """The engine for the configured ``DATABASE_URL`` (503 when it cannot even be built)."""
    try:
        return get_engine(request.app.state.sala_settings.database_url)
    except (SQLAlchemyError, OSError) as exc:
        raise database_down() from exc


@dataclass(frozen=True)
class Caller:
    """The authenticated token and the territory it may see or write."""

    token: TokenInfo
    scope: Scope


# What a route requires -> the token roles that grant it.
ROLE_GRANTS = {
    "ingest": ("ingest",),
    "read": ("read", "ingest", "operate"),
    "operate": ("operate",),
}


def require(role: str) -> Callable[..., Caller]:
    """A dependency admitting tokens whose role grants ``role`` (401 unknown, 403 wrong role)."""

    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> Caller:
        if credentials is None or not credentials.credentials:
            raise HTTPException(
                401,
                "Falta el token: envíe la cabecera 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            with Session(engine_of(request)) as session:
                info = verify_token(session, credentials.credentials)
                scope = scope_for(session, info.territory_code) if info else None
                session.commit()  # the token's last use (data.tokens.verify_token)
        except SQLAlchemyError as exc:
            raise database_down() from exc
        if info is None or scope is None:
            raise HTTPException(
                401,
                "Token desconocido o revocado; pida uno nuevo al administrador.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if info.role not in ROLE_GRANTS[role]:
            raise HTTPException(
                403, f"El token {info.name!r} (rol {info.role}) no tiene permiso de {role}."
            )
        return Caller(info, scope)

    return dependency


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Falta el token, o es desconocido o revocado"},
    403: {"model": ErrorBody, "description": "El token no tiene el rol o el ámbito necesario"},
    503: {"model": ErrorBody, "description": "Base de datos no disponible"},
}
