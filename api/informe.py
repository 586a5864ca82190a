"""``GET /informe`` and ``GET /informe.pdf``: the territory briefing, on screen and on paper.

``?territorio=CODE&as_of=ISO`` (both optional: the caller's whole scope, now). A page route
(session cookie, like ``/exportar``), for the roles that may export (admin, autoridad,
analista) inside their scope; every briefing served is written to the audit log as an
export (``exportar``, ``conjunto: informe``), in the transaction of its scope check.
A territory outside the caller's scope is refused with the same 403 whether it exists or not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from auth.html import error_page
from auth.principal import Principal, current_principal
from core.timeutil import parse_moment, utcnow
from data.db import get_engine, session_scope
from data.queries.briefing import briefing, record_download
from data.scope import OutOfScope, UnknownTerritory, scope_for
from layouts import informe
from layouts.user import ROLE_LABELS

router = APIRouter(include_in_schema=False)


class Refused(Exception):
    """A request the briefing answers with an error page: status, title, Spanish text."""

    def __init__(self, status: int, title: str, text: str) -> None:
        super().__init__(text)
        self.status, self.title, self.text = status, title, text


def _inputs(request: Request) -> tuple[str | None, datetime | None]:
    params = request.query_params
    code = (params.get("territorio") or "").strip() or None
    if code and (len(code) > 40 or not code.isprintable()):
        raise Refused(400, "Territorio no válido", "El código de territorio no es válido.")
    try:
        as_of = parse_moment(params.get("as_of"), utcnow())
    except ValueError as exc:
        raise Refused(400, "Fecha no válida", str(exc)) from None
    return code, as_of


def generated_by(principal: Principal) -> str:
    return f"{principal.username} ({ROLE_LABELS.get(principal.role, principal.role).lower()})"


def build(request: Request, fmt: str) -> tuple[dict[str, Any], str | None]:
    """The document for the request's territory and moment, audited; raises Refused."""
    principal = current_principal()
    if not principal.can_export:
        raise Refused(
            403,
            "Sin permiso",
            "Su rol no permite generar informes. Pida acceso a un administrador.",
        )
    code, as_of = _inputs(request)
    settings = request.app.state.sala_settings
    try:
        with session_scope(get_engine()) as session:
            scope = scope_for(session, principal.territory_code)
            try:
                data = briefing(
                    session,
                    scope,
                    code,
                    as_of,
                    settings.sla_hours,
                    settings.exercise_overdue_days,
                )
            except UnknownTerritory:
                if not scope.is_national:
                    raise OutOfScope(code) from None  # never tell what exists outside
                raise
            ref = data["territory"]
            record_download(
                session,
                principal.username,
                fmt,
                ref.code if ref else None,
                data["as_of"],
                request.client.host if request.client else None,
                principal.territory_code,
            )
    except OutOfScope:
        raise Refused(
            403,
            "Fuera de su ámbito",
            f"No puede ver el territorio «{code}»: está fuera de su ámbito. "
            "Elija un territorio de su ámbito.",
        ) from None
    except UnknownTerritory:
        raise Refused(
            404,
            "Territorio desconocido",
            f"No existe el territorio «{code}». Elíjalo en la barra de filtros de una página.",
        ) from None
    pdf_params = {
        k: v for k, v in (("territorio", code), ("as_of", request.query_params.get("as_of"))) if v
    }
    doc = informe.document(
        data,
        generated_by(principal),
        utcnow(),
        "/informe.pdf" + (f"?{urlencode(pdf_params)}" if pdf_params else ""),
    )
    return doc, ref.code if ref else None


@router.get("/informe", response_class=HTMLResponse)
async def informe_html(request: Request) -> Response:
    try:
        doc, _ = await run_in_threadpool(build, request, "html")
    except Refused as exc:
        return error_page(exc.title, exc.text, exc.status)
    html = informe.render_html(doc, screen=True)
    return HTMLResponse(html, headers={"cache-control": "no-store"})


@router.get("/informe.pdf")
async def informe_pdf(request: Request) -> Response:
    try:
        doc, code = await run_in_threadpool(build, request, "pdf")
    except Refused as exc:
        return error_page(exc.title, exc.text, exc.status)
    pdf = await run_in_threadpool(informe.to_pdf, informe.render_html(doc))
    name = informe.file_name(code, doc["as_of"])
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )
