"""A territory chosen from a searchable list, not typed as a code.

The field is an ``<input list>`` whose ``<datalist>`` starts with the top of the caller's
scope and is refilled as the person types (``GET /admin/territorios?q=``, answered from
:func:`data.scope.search`). Each option reads "Maracaibo — municipio, Zulia · VE-V-10"; the
server takes the code after the last "·", so a bare code still works for those who know it.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import FileResponse, Response

from data.db import session_scope
from data.scope import Scope, TerritoryRef, children, search

SCRIPT = Path(__file__).resolve().parent / "static" / "territory_picker.js"
SEPARATOR = " · "
LEVEL_NAMES = {
    "estado": "estado",
    "municipio": "municipio",
    "parroquia": "parroquia",
    "circuito": "circuito comunal",
    "comuna": "comuna",
    "consejo_comunal": "consejo comunal",
}


def option_text(ref: TerritoryRef, estado_names: dict[str, str]) -> str:
    """What the list shows and the field receives: name, level, estado, then the code."""
    where = ""
    if ref.level != "estado" and ref.estado_code in estado_names:
        where = f", {estado_names[ref.estado_code]}"
    return f"{ref.name} — {LEVEL_NAMES.get(ref.level, ref.level)}{where}{SEPARATOR}{ref.code}"


def code_of(value: str) -> str | None:
    """The territory code in a picker value (or the value itself when typed as a code)."""
    value = value.strip()
    if not value:
        return None
    return value.rsplit(SEPARATOR.strip(), 1)[-1].strip() if SEPARATOR.strip() in value else value


def _estado_names(session) -> dict[str, str]:
    from sqlalchemy import select

    from data.models import Territory

    rows = session.execute(
        select(Territory.code, Territory.name).where(Territory.level == "estado")
    )
    return dict(rows.all())


def options(scope: Scope, text: str = "") -> list[str]:
    """The options for ``text`` (or, with no text, the scope's root and its children)."""
    with session_scope() as session:
        refs = search(session, scope, text) if text.strip() else _top(session, scope)
        names = _estado_names(session)
    return [option_text(ref, names) for ref in refs]


def _top(session, scope: Scope) -> list[TerritoryRef]:
    top = [scope.root] if scope.root is not None else []
    return top + children(session, scope, scope.code)


def picker(name: str, list_id: str, scope: Scope, label: str) -> str:
    """The labelled field and its datalist, prefilled with the top of ``scope``."""
    initial = "".join(f'<option value="{escape(text)}"></option>' for text in options(scope))
    empty = "vacío = todo su ámbito" if scope.root is not None else "vacío = nacional"
    return (
        f'<div><label for="{list_id}-input">{escape(label)} ({empty})</label>'
        f'<input id="{list_id}-input" name="{name}" list="{list_id}" autocomplete="off" '
        f'placeholder="Escriba un nombre: Zulia, Maracaibo…" data-territory-search="{list_id}">'
        f'<datalist id="{list_id}">{initial}</datalist></div>'
        '<script src="/admin/territorios.js" defer></script>'
    )


def add_routes(router: APIRouter, admin_scope) -> None:
    """``/admin/territorios`` (JSON options) and its script; ``admin_scope(request)`` returns
    the caller's scope, or a Response refusing the caller."""

    @router.get("/admin/territorios")
    def territory_options(request: Request, q: str = "") -> Response:
        scope = admin_scope(request)
        if isinstance(scope, Response):
            return scope
        return JSONResponse(options(scope, q[:80]), headers={"cache-control": "no-store"})

    @router.get("/admin/territorios.js")
    def territory_script() -> FileResponse:
        return FileResponse(SCRIPT, media_type="text/javascript")
