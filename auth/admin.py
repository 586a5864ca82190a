"""``/admin``: users, wall-screen tokens and the audit log, for role ``admin`` only.

Server-rendered forms; every action is authorised here on the server (never by hiding a
link), checked against CSRF, and written to the audit log in the same transaction.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from auth.admin_alerts import NOTICES as ALERT_NOTICES
from auth.admin_alerts import alerts_sections
from auth.html import csrf_field, csrf_token, message, page
from auth.middleware import request_principal
from auth.pages import client_ip, form_is_genuine
from auth.principal import Principal
from auth.territory_picker import add_routes as add_picker_routes
from auth.territory_picker import code_of as territory_code_of
from auth.territory_picker import picker
from core.timeutil import format_caracas
from data import audit
from data.db import session_scope
from data.displays import DisplayError, create_display, list_displays, revoke_display
from data.models import USER_ROLES
from data.scope import OutOfScope, UnknownTerritory, scope_for
from data.tokens import TOKEN_ROLES, TokenError, create_token, list_tokens, revoke_token
from data.users import UserError, create_user, list_users, set_active, set_password

AUDIT_LIMITS = (50, 200, 1000)
NOTICES = {
    "creado": "Usuario creado.",
    "activado": "Usuario activado.",
    "desactivado": "Usuario desactivado.",
    "clave": "Contraseña restablecida.",
    "revocada": "Pantalla revocada.",
    "token_revocado": "Token de la API revocado.",
    **ALERT_NOTICES,
}


def forbidden(request: Request, principal: Principal | None, ip: str | None) -> Response:
    if principal is not None:
        with session_scope() as session:
            audit.record(
                session,
                principal.username,
                "acceso_denegado",
                {"ruta": "/admin"},
                ip,
                principal.territory_code,
            )
    body = message("error", "No autorizado: esta página es solo para administradores.")
    body += '<div class="auth-nav"><a href="/">Volver a la Sala</a></div>'
    return page(request, "No autorizado", body, status_code=403)


def _admin(request: Request) -> Principal | None:
    principal = request_principal(request)
    return principal if principal is not None and principal.role == "admin" else None


def _users_section(csrf: str, me: Principal) -> str:
    with session_scope() as session:
        users = list_users(session, scope_for(session, me.territory_code))
    rows = []
    for u in users:
        locked = format_caracas(u.locked_until) if u.locked_until else "—"
        name = quote(u.username, safe="")
        toggle = "Desactivar" if u.active else "Activar"
        toggle_form = (
            ""
            if u.username == me.username
            else f'<form method="post" action="/admin/usuarios/{name}/activo">{csrf_field(csrf)}'
            f'<input type="hidden" name="activo" value="{"0" if u.active else "1"}">'
            f'<button class="secondary" type="submit">{toggle}</button></form>'
        )
        rows.append(
            f"<tr><td>{escape(u.username)}</td><td>{escape(u.role)}</td>"
            f"<td>{escape(u.territory_code or 'nacional')}</td>"
            f"<td>{'sí' if u.active else 'no'}</td><td>{locked}</td>"
            f"<td>{format_caracas(u.created_at)}</td><td>{toggle_form}"
            f'<form method="post" action="/admin/usuarios/{name}/clave">{csrf_field(csrf)}'
            f'<input type="password" name="password" placeholder="nueva contraseña" '
            f'aria-label="Nueva contraseña de {escape(u.username)}" '
            f'autocomplete="new-password" required>'
            f'<button class="secondary" type="submit">Restablecer</button></form></td></tr>'
        )
    roles = "".join(
        f'<option value="{r}"{" selected" if r == "analista" else ""}>{r}</option>'
        for r in USER_ROLES
    )
    return f"""<h2>Usuarios</h2>
<table class="auth-table"><tr><th>Usuario</th><th>Rol</th><th>Territorio</th><th>Activo</th>
<th>Bloqueado hasta</th><th>Creado</th><th>Acciones</th></tr>{"".join(rows)}</table>
<form method="post" action="/admin/usuarios" class="auth-inline">{csrf_field(csrf)}
<div><label for="nuevo-usuario">Usuario</label><input id="nuevo-usuario" name="username" required></div>
<div><label for="nuevo-rol">Rol</label><select id="nuevo-rol" name="role">{roles}</select></div>
<div><label for="nuevo-usuario-territorio">Territorio (código; vacío = su ámbito)</label>
<input id="nuevo-usuario-territorio" name="territory"></div>
<div><label for="nuevo-usuario-clave">Contraseña (mín. 10)</label>
<input id="nuevo-usuario-clave" type="password" name="password" autocomplete="new-password" required></div>
<div><button type="submit">Crear usuario</button></div></form>"""


def _displays_section(csrf: str, me: Principal) -> str:
    with session_scope() as session:
        displays = list_displays(session, scope_for(session, me.territory_code))
    rows = []
    for d in displays:
        action = (
            f'<form method="post" action="/admin/pantallas/{quote(d.name, safe="")}/revocar">'
            f'{csrf_field(csrf)}<button class="secondary" type="submit">Revocar</button></form>'
            if d.revoked_at is None
            else f"revocada {format_caracas(d.revoked_at)}"
        )
        rows.append(
            f"<tr><td>{escape(d.name)}</td><td>{escape(d.territory_code or 'nacional')}</td>"
            f"<td>{format_caracas(d.created_at)}</td><td>{format_caracas(d.last_seen_at)}</td>"
            f"<td>{action}</td></tr>"
        )
    return f"""<h2>Pantallas del muro</h2>
<table class="auth-table"><tr><th>Nombre</th><th>Territorio</th><th>Creada</th>
<th>Vista por última vez</th><th>Acciones</th></tr>{"".join(rows)}</table>
<form method="post" action="/admin/pantallas" class="auth-inline">{csrf_field(csrf)}
<div><label for="nueva-pantalla">Nombre</label><input id="nueva-pantalla" name="name" required></div>
<div><label for="nueva-pantalla-territorio">Territorio (código; vacío = su ámbito)</label>
<input id="nueva-pantalla-territorio" name="territory"></div>
<div><button type="submit">Crear pantalla</button></div></form>"""


def _detail(detail: dict | None) -> str:
    return ", ".join(f"{k}: {v}" for k, v in (detail or {}).items() if v not in (None, ""))


def _audit_section(action: str, limit: int, me: Principal) -> str:
    """The newest entries about territories inside the admin's own scope."""
    with session_scope() as session:
        scope = scope_for(session, me.territory_code)
        entries = audit.latest(session, limit, action or None, scope)
        known = audit.actions(session, scope)
    options = '<option value="">todas</option>' + "".join(
        f'<option value="{escape(a)}"{" selected" if a == action else ""}>{escape(a)}</option>'
        for a in known
    )
    limits = "".join(
        f'<option value="{n}"{" selected" if n == limit else ""}>{n}</option>' for n in AUDIT_LIMITS
    )
    rows = "".join(
        f"<tr><td>{format_caracas(e.at, with_seconds=True)}</td><td>{escape(e.actor)}</td>"
        f"<td>{escape(e.action)}</td><td>{escape(_detail(e.detail))}</td>"
        f"<td>{escape(e.ip or '')}</td></tr>"
        for e in entries
    )
    return f"""<h2>Registro de auditoría</h2>
<form method="get" action="/admin" class="auth-inline">
<div><label for="auditoria-accion">Acción</label><select id="auditoria-accion" name="accion">{options}</select></div>
<div><label for="auditoria-n">Últimas</label><select id="auditoria-n" name="n">{limits}</select></div>
<div><button class="secondary" type="submit">Filtrar</button></div></form>
<table class="auth-table"><tr><th>Cuándo (Caracas)</th><th>Quién</th><th>Acción</th>
<th>Detalle</th><th>Desde</th></tr>{rows}</table>"""


def admin_page(
    request: Request,
    principal: Principal,
    notice: str = "",
    status_code: int = 200,
    action: str = "",
    limit: int = AUDIT_LIMITS[0],
) -> Response:
    csrf = csrf_token(request)
    demo = ""
    if principal.kind == "local":
        demo = message(
            "info",
            "Modo demo local: al crear el primer usuario termina el acceso sin contraseña "
            "y deberá iniciar sesión.",
        )
    body = f"""<div class="auth-nav"><a href="/">← Volver a la Sala</a>
<a href="/logout">Salir</a></div><h1>Administración</h1>{demo}{notice}
{_users_section(csrf[0], principal)}{_displays_section(csrf[0], principal)}
{_tokens_section(csrf[0], principal)}
{alerts_sections(csrf[0], principal)}
{_audit_section(action, limit, principal)}"""
    return page(request, "Administración", body, csrf=csrf, status_code=status_code, wide=True)


def build_router(base_url: str | None = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def guard(request: Request, csrf: str | None = None) -> Principal | Response:
        principal = _admin(request)
        if principal is None:
            return forbidden(request, request_principal(request), client_ip(request))
        if csrf is not None and not form_is_genuine(request, csrf):
            text = "El formulario caducó. Vuelva a intentarlo."
            return admin_page(request, principal, message("error", text), 403)
        return principal

    def out_of_scope(request: Request, principal: Principal, what: str) -> Response:
        with session_scope() as session:
            detail = {"ruta": request.url.path, "fuera_de_ambito": what}
            audit.record(
                session,
                principal.username,
                "acceso_denegado",
                detail,
                client_ip(request),
                principal.territory_code,
            )
        text = f"No autorizado: {what} está fuera de su ámbito territorial."
        return admin_page(request, principal, message("error", text), 403)

    def done(code: str) -> RedirectResponse:
        return RedirectResponse(f"/admin?ok={code}", status_code=303)

    @router.get("/admin")
    def admin_home(request: Request, ok: str = "", accion: str = "", n: str = ""):
        principal = guard(request)
        if isinstance(principal, Response):
            return principal
        notice = message("ok", NOTICES.get(ok, ""))
        limit = int(n) if n in {str(x) for x in AUDIT_LIMITS} else AUDIT_LIMITS[0]
        return admin_page(request, principal, notice, action=accion[:60], limit=limit)

    @router.post("/admin/usuarios")
    def admin_create_user(
        request: Request,
        username: str = Form(""),
        role: str = Form(""),
        territory: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
    ):
        principal = guard(request, csrf)
        if isinstance(principal, Response):
            return principal
        try:
            with session_scope() as session:
                scope = scope_for(session, principal.territory_code)
                user = create_user(
                    session, username, password, role, territory.strip() or None, scope
                )
                detail = {
                    "usuario": user.username,
                    "rol": user.role,
                    "territorio": user.territory_code,
                }
                audit.record(
                    session,
                    principal.username,
                    "usuario_creado",
                    detail,
                    client_ip(request),
                    user.territory_code,
                )
        except UserError as exc:
            return admin_page(request, principal, message("error", str(exc)), 400)
        except UnknownTerritory:
            text = f"El territorio {territory!r} no existe."
            return admin_page(request, principal, message("error", text), 400)
        except OutOfScope:
            return out_of_scope(request, principal, f"el territorio {territory!r}")
        return done("creado")

    @router.post("/admin/usuarios/{username}/activo")
    def admin_set_active(
        request: Request, username: str, activo: str = Form(""), csrf: str = Form("")
    ):
        principal = guard(request, csrf)
        if isinstance(principal, Response):
            return principal
        active = activo == "1"
        if username == principal.username and not active:
            text = "No puede desactivar su propio usuario."
            return admin_page(request, principal, message("error", text), 400)
        action = "usuario_activado" if active else "usuario_desactivado"
        try:
            with session_scope() as session:
                scope = scope_for(session, principal.territory_code)
                user = set_active(session, username, active, scope)
                audit.record(
                    session,
                    principal.username,
                    action,
                    {"usuario": username},
                    client_ip(request),
                    user.territory_code,
                )
        except UserError as exc:
            return admin_page(request, principal, message("error", str(exc)), 400)
        except OutOfScope:
            return out_of_scope(request, principal, f"el usuario {username!r}")
        return done("activado" if active else "desactivado")

    @router.post("/admin/usuarios/{username}/clave")
    def admin_reset_password(
        request: Request, username: str, password: str = Form(""), csrf: str = Form("")
    ):
        principal = guard(request, csrf)
        if isinstance(principal, Response):
            return principal
        try:
            with session_scope() as session:
                scope = scope_for(session, principal.territory_code)
                user = set_password(session, username, password, scope)
                audit.record(
                    session,
                    principal.username,
                    "clave_restablecida",
                    {"usuario": username},
                    client_ip(request),
                    user.territory_code,
                )
        except UserError as exc:
            return admin_page(request, principal, message("error", str(exc)), 400)
        except OutOfScope:
            return out_of_scope(request, principal, f"el usuario {username!r}")
        return done("clave")

    @router.post("/admin/pantallas")
    def admin_create_display(
        request: Request, name: str = Form(""), territory: str = Form(""), csrf: str = Form("")
    ):
        principal = guard(request, csrf)
        if isinstance(principal, Response):
            return principal
        try:
            with session_scope() as session:
                scope = scope_for(session, principal.territory_code)
                display, secret = create_display(session, name, territory.strip() or None, scope)
                detail = {"pantalla": display.name, "territorio": display.territory_code}
                audit.record(
                    session,
                    principal.username,
                    "pantalla_creada",
                    detail,
                    client_ip(request),
                    display.territory_code,
                )
        except DisplayError as exc:
            return admin_page(request, principal, message("error", str(exc)), 400)
        except UnknownTerritory:
            text = f"El territorio {territory!r} no existe."
            return admin_page(request, principal, message("error", text), 400)
        except OutOfScope:
            return out_of_scope(request, principal, f"el territorio {territory!r}")
        root = base_url or str(request.base_url).rstrip("/")
        url = f"{root}/pantalla/{secret}"
        notice = (
            message("ok", f"Pantalla {display.name} creada. Abra este enlace en la pantalla ")
            + f'<p class="auth-secret">{escape(url)}</p>'
            + message("info", "Guárdelo ahora: no se mostrará otra vez.")
        )
        return admin_page(request, principal, notice)

    @router.post("/admin/pantallas/{name}/revocar")
    def admin_revoke_display(request: Request, name: str, csrf: str = Form("")):
        principal = guard(request, csrf)
        if isinstance(principal, Response):
            return principal
        try:
            with session_scope() as session:
                scope = scope_for(session, principal.territory_code)
                display = revoke_display(session, name, scope)
                audit.record(
                    session,
                    principal.username,
                    "pantalla_revocada",
                    {"pantalla": name},
                    client_ip(request),
                    display.territory_code,
                )
        except DisplayError as exc:
            return admin_page(request, principal, message("error", str(exc)), 400)
        except OutOfScope:
            return out_of_scope(request, principal, f"la pantalla {name!r}")
        return done("revocada")

    _token_routes(router, guard, out_of_scope, done)
    return router


# --- API tokens -------------------------------------------------------------------------

TOKEN_ROLE_NAMES = {
    "ingest": "ingesta (escribe y lee)",
    "read": "lectura",
    "operate": "operación (lee y actúa sobre alertas)",
}


def _tokens_section(csrf: str, me: Principal) -> str:
    """API tokens in the administrator's scope: role, territory, dates, revoke; and a form."""
    with session_scope() as session:
        scope = scope_for(session, me.territory_code)
        tokens = list_tokens(session, scope)
    rows = []
    for t in tokens:
        action = (
            f'<form method="post" action="/admin/tokens/{quote(t.name, safe="")}/revocar">'
            f'{csrf_field(csrf)}<button class="secondary" type="submit">Revocar</button></form>'
            if t.revoked_at is None
            else f"revocado {format_caracas(t.revoked_at)}"
        )
        used = format_caracas(t.last_used_at) if t.last_used_at else "nunca"
        rows.append(
            f'<tr data-token="{escape(t.name)}"><td>{escape(t.name)}</td>'
            f"<td>{escape(TOKEN_ROLE_NAMES.get(t.role, t.role))}</td>"
            f"<td>{escape(t.territory_code or 'nacional')}</td>"
            f"<td>{format_caracas(t.created_at)}</td><td>{used}</td><td>{action}</td></tr>"
        )
    table = (
        '<table class="auth-table" id="admin-tokens"><tr><th>Nombre</th><th>Rol</th>'
        "<th>Territorio</th><th>Creado</th><th>Último uso</th><th>Acciones</th></tr>"
        f"{''.join(rows)}</table>"
        if rows
        else '<p class="auth-empty" id="admin-tokens">Aún no hay tokens de la API. Cree uno '
        "para cada sistema que envía o lee datos (Consulta, CLAP, 1x10, VEN-911…).</p>"
    )
    roles = "".join(
        f'<option value="{r}"{" selected" if r == "ingest" else ""}>{TOKEN_ROLE_NAMES[r]}</option>'
        for r in TOKEN_ROLES
    )
    return f"""<h2>Tokens de la API</h2>
<p class="auth-hint">Los sistemas de campo usan estos tokens en <code>/api/v1</code>. El secreto
se muestra una sola vez al crearlo; solo se guarda su huella.</p>{table}
<form method="post" action="/admin/tokens" class="auth-inline" id="admin-token-form">
{csrf_field(csrf)}
<div><label for="token-name">Nombre</label><input id="token-name" name="name" required
maxlength="120" placeholder="p. ej. clap-zulia"></div>
<div><label for="token-role">Rol</label><select id="token-role" name="role">{roles}</select></div>
{picker("territory", "token-territorios", scope, "Territorio")}
<div><button type="submit">Crear token</button></div></form>"""


def _token_routes(router: APIRouter, guard, out_of_scope, done) -> None:
    """Create and revoke API tokens, and the territory picker's search (admins only)."""

    def admin_scope(request: Request):
        principal = guard(request)
        if isinstance(principal, Response):
            return principal
        with session_scope() as session:
            return scope_for(session, principal.territory_code)

    add_picker_routes(router, admin_scope)

    @router.post("/admin/tokens")
    def admin_create_token(
        request: Request,
        name: str = Form(""),
        role: str = Form(""),
        territory: str = Form(""),
        csrf: str = Form(""),
    ):
        principal = guard(request, csrf)
        if isinstance(principal, Response):
            return principal
        code = territory_code_of(territory)
        try:
            with session_scope() as session:
                scope = scope_for(session, principal.territory_code)
                secret = create_token(session, name, role, code, scope)
                detail = {"token": name.strip(), "rol": role, "territorio": code or scope.code}
                audit.record(
                    session, principal.username, "token_creado", detail, client_ip(request)
                )
        except TokenError as exc:
            return admin_page(request, principal, message("error", str(exc)), 400)
        except UnknownTerritory:
            text = f"El territorio {territory.strip()!r} no existe; elíjalo de la lista."
            return admin_page(request, principal, message("error", text), 400)
        except OutOfScope:
            return out_of_scope(request, principal, f"el territorio {territory.strip()!r}")
        notice = (
            message("ok", f"Token {name.strip()} creado. Configúrelo en el sistema que lo usará:")
            + f'<p class="auth-secret" id="token-secret">{escape(secret)}</p>'
            + message("info", "Guárdelo ahora: no se mostrará otra vez.")
        )
        return admin_page(request, principal, notice)

    @router.post("/admin/tokens/{name}/revocar")
    def admin_revoke_token(request: Request, name: str, csrf: str = Form("")):
        principal = guard(request, csrf)
        if isinstance(principal, Response):
            return principal
        try:
            with session_scope() as session:
                revoke_token(session, name, scope_for(session, principal.territory_code))
                audit.record(
                    session,
                    principal.username,
                    "token_revocado",
                    {"token": name},
                    client_ip(request),
                )
        except TokenError as exc:
            return admin_page(request, principal, message("error", str(exc)), 400)
        except OutOfScope:
            return out_of_scope(request, principal, f"el token {name!r}")
        return done("token_revocado")
