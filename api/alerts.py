"""Alert routes: list alerts in the token's scope; acknowledge and resolve them (role operate).

An alert outside the token's territory answers 404, exactly as one that does not exist, so
a scoped token learns nothing about other territories.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api.deps import AUTH_RESPONSES, Caller, ErrorBody, database_down, engine_of, require
from data.alerts import store
from data.alerts.present import jsonable, present
from data.alerts.service import status
from data.queries.alerts import get_alert, list_alerts
from data.scope import OutOfScope, UnknownTerritory, resolve

router = APIRouter(prefix="/api/v1", tags=["alertas"])

MAX_ID = 2**63 - 1


class NoteOut(BaseModel):
    at: datetime
    by: str = Field(description="usuario, nombre del token o «automática»")
    kind: str = Field(description="abierta, reconocida, resuelta, escalada")
    text: str


class AlertOut(BaseModel):
    """An alert and its timeline. Times in UTC (ISO 8601 with offset)."""

    id: int
    rule: str = Field(description="regla que la levantó (p. ej. incidente_grave)")
    rule_title: str
    area: str = Field(description="paz, casos, clap, proyectos, defensa o datos")
    level: int = Field(description="1 (informativa) … 5 (crítica)")
    state: str = Field(description="abierta | reconocida | resuelta")
    escalated: bool = Field(description="sin atender: nivel ≥ 4 sin reconocer a tiempo")
    escalated_at: datetime | None
    territory_code: str | None
    territory_name: str | None
    estado_code: str | None
    municipio_code: str | None
    parroquia_code: str | None
    circuito_code: str | None
    message: str
    detail: str
    value: float | None = Field(description="valor medido la última vez")
    threshold: float | None = Field(description="umbral de la regla al levantarla")
    count: int = Field(description="veces que se repitió mientras estaba abierta")
    raised_at: datetime
    last_seen_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None = Field(description="usuario, token o «automática»")
    resolved_value: float | None = Field(description="valor con el que se resolvió sola")
    link: str = Field(description="página y territorio que la explican")
    notes: list[NoteOut]


class CommentIn(BaseModel):
    comment: str = Field("", max_length=store.MAX_COMMENT, description="comentario (opcional)")


class EvaluatorOut(BaseModel):
    """The evaluator of the worker that answered (one worker evaluates; the others wait)."""

    state: str = Field(description="evaluando | en_espera | apagado")
    lock: str = Field(description="postgresql | redis | archivo | proceso")
    pid: int
    rounds: int
    event_evaluations: int
    last_round_at: str | None
    last_round_s: float | None
    last_error: str | None


RESPONSES = {
    **AUTH_RESPONSES,
    404: {
        "model": ErrorBody,
        "description": "Territorio o alerta desconocidos (o fuera del ámbito)",
    },
    422: {"model": ErrorBody, "description": "Parámetro no válido"},
}
ACTION_RESPONSES = {
    **RESPONSES,
    409: {"model": ErrorBody, "description": "La alerta ya está reconocida o resuelta"},
}


def _run(request: Request, work) -> Any:
    try:
        with Session(engine_of(request), expire_on_commit=False) as session:
            return work(session)
    except UnknownTerritory as exc:
        raise HTTPException(404, f"Territorio desconocido {exc.args[0]!r}.") from exc
    except OutOfScope as exc:
        raise HTTPException(
            403, f"El territorio {exc.args[0]!r} está fuera del ámbito del token."
        ) from exc
    except DBAPIError as exc:
        raise database_down() from exc


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return jsonable(present(row))


@router.get(
    "/alerts",
    response_model=list[AlertOut],
    responses=RESPONSES,
    summary="Alertas del ámbito",
    description="Las alertas del territorio del token y de todo lo que tiene debajo: sin "
    "resolver primero, luego por nivel y de la más reciente a la más antigua.",
    operation_id="alerts",
)
async def alerts(
    request: Request,
    state: Literal["abierta", "reconocida", "resuelta"] | None = Query(None),
    territory: str | None = Query(None, max_length=40, description="código del territorio"),
    level_min: int | None = Query(None, ge=1, le=5, description="nivel mínimo (1..5)"),
    limit: int = Query(200, ge=1, le=1000),
    caller: Caller = Depends(require("read")),
):
    def work(session: Session) -> list[dict[str, Any]]:
        ref = resolve(session, caller.scope, territory)
        rows = list_alerts(session, ref, state=state, level_min=level_min, limit=limit)
        return [_out(r) for r in rows]

    return await run_in_threadpool(_run, request, work)


@router.get(
    "/alerts/evaluator",
    response_model=EvaluatorOut,
    responses=AUTH_RESPONSES,
    summary="Estado del evaluador de alertas de este proceso",
    operation_id="alerts_evaluator",
)
async def evaluator(caller: Caller = Depends(require("read"))):
    return status().as_dict()


def _act(action: str):
    async def route(
        request: Request,
        alert_id: int = Path(..., ge=1, le=MAX_ID, description="id de la alerta"),
        body: CommentIn | None = Body(None),
        caller: Caller = Depends(require("operate")),
    ):
        comment = body.comment if body else ""
        ip = request.client.host if request.client else None
        changes = store.Changes()
        act = store.acknowledge if action == "acknowledge" else store.resolve

        def work(session: Session) -> dict[str, Any]:
            with session.begin():
                act(session, caller.scope.root, alert_id, caller.token.name, comment, changes, ip)
            row = get_alert(session, caller.scope.root, alert_id)
            assert row is not None
            return _out(row)

        try:
            result = await run_in_threadpool(_run, request, work)
        except store.AlertNotFound as exc:
            raise HTTPException(404, f"No existe la alerta {alert_id}.") from exc
        except store.AlertConflict as exc:
            raise HTTPException(409, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        store.publish(changes)
        return result

    return route


router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertOut,
    responses=ACTION_RESPONSES,
    summary="Reconocer una alerta",
    description="`abierta` → `reconocida`, con un comentario opcional. Token con rol `operate`.",
    operation_id="alert_acknowledge",
)(_act("acknowledge"))
router.post(
    "/alerts/{alert_id}/resolve",
    response_model=AlertOut,
    responses=ACTION_RESPONSES,
    summary="Resolver una alerta",
    description="→ `resuelta`, con un comentario opcional. Token con rol `operate`. Mientras "
    "la condición siga cumpliéndose la regla no la vuelve a abrir.",
    operation_id="alert_resolve",
)(_act("resolve"))
