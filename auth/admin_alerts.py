"""``/admin``, alerts section: the rules (list, enable/disable, tune) and the webhooks.

Kept apart from ``auth/admin.py`` (users, screens, audit), which only mounts
:func:`alerts_sections` in its page and this router in the app. Rules are national: only an
administrator with national scope edits them; others see them. Webhooks live in a scope, as
users and screens do.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from auth.html import csrf_field, message
from auth.middleware import request_principal
from auth.pages import client_ip, form_is_genuine
from auth.principal import Principal
from core.numbers import fmt_number
from core.timeutil import format_caracas, utcnow
from data import audit
from data.alerts import store
from data.alerts.rules import AREAS, LEVEL_LABELS, OPERATOR_WORDS, SPECS
from data.alerts.tuning import RuleError, update_rule
from data.alerts.webhook import WebhookError, create_webhook, delete_webhook, list_webhooks
from data.db import session_scope
from data.models import AlertRule
from data.scope import OutOfScope, UnknownTerritory, scope_for

NOTICES = {
    "regla": "Regla actualizada.",
    "regla_igual": "La regla no cambió.",
    "webhook_borrado": "Webhook borrado.",
}
PARAM_LABELS = {
    "horas": "Ventana (horas)",
    "severidad": "Severidad mínima",
    "min_incidentes": "Mín. incidentes en 7 días",
    "min_abiertos": "Mín. casos abiertos",
    "dias_cierre": "Días de cierre de mes",
    "min_planificadas": "Mín. familias planificadas",
    "dias": "Días",
    "min_unidades": "Mín. unidades",
    "min_esperados": "Mín. registros esperados",
}
LEVEL_NAMES = {
    "estado": "estado",
    "municipio": "municipio",
    "parroquia": "parroquia",
    "circuito": "circuito comunal",
}


def _rule_form(rule: AlertRule, csrf: str, editable: bool) -> str:
    spec = SPECS.get(rule.slug)
    unit = spec.unit if spec else ""
    hint = {
        "ratio": "(0,7 = 70 %)",
        "percent": "(%)",
        "sd": "(desviaciones)",
        "hours": "(horas)",
        "days": "(días)",
    }
    disabled = "" if editable else " disabled"
    rid = f"regla-{escape(rule.slug)}-campo"  # ids for the labels of this rule's fields
    levels = "".join(
        f'<option value="{n}"{" selected" if n == rule.level else ""}>{n} · {LEVEL_LABELS[n]}</option>'
        for n in range(1, 6)
    )
    params = "".join(
        f'<div><label for="{rid}-{escape(name)}">{escape(PARAM_LABELS.get(name, name))}</label>'
        f'<input id="{rid}-{escape(name)}" name="param_{escape(name)}" '
        f'value="{escape(str(value))}"{disabled}></div>'
        for name, value in (rule.params or {}).items()
    )
    state = "activa" if rule.enabled else "desactivada"
    updated = (
        f" · cambiada {format_caracas(rule.updated_at)} por {escape(rule.updated_by or '')}"
        if rule.updated_at
        else ""
    )
    current = spec.fmt(rule.threshold) if spec else fmt_number(rule.threshold, 2)
    save = '<div><button type="submit">Guardar</button></div>' if editable else ""
    return f"""<div class="alert-rule-admin" id="regla-{escape(rule.slug)}">
<h3>{escape(rule.title)} <code>{escape(rule.slug)}</code> <span class="rule-state {state}">{state}</span></h3>
<p class="rule-what">{escape(AREAS.get(rule.area, rule.area))} · por {LEVEL_NAMES.get(rule.territory_level, rule.territory_level)} ·
{escape(rule.measures)} Salta con: {OPERATOR_WORDS.get(rule.operator, rule.operator)} {escape(current)}{updated}.</p>
<form method="post" action="/admin/alertas/reglas/{quote(rule.slug, safe="")}" class="auth-inline">{csrf_field(csrf)}
<div><label for="{rid}-umbral">Umbral {hint.get(unit, "")}</label><input id="{rid}-umbral" name="threshold" value="{rule.threshold:g}"{disabled}></div>
<div><label for="{rid}-minutos">Durante (min)</label><input id="{rid}-minutos" name="for_minutes" value="{rule.for_minutes}"{disabled}></div>
<div><label for="{rid}-nivel">Nivel</label><select id="{rid}-nivel" name="level"{disabled}>{levels}</select></div>
{params}
<div class="rule-message"><label for="{rid}-mensaje">Mensaje ({{territorio}} {{valor}} {{umbral}} {{detalle}})</label>
<input id="{rid}-mensaje" name="message" value="{escape(rule.message)}"{disabled}></div>
<div><label for="{rid}-activa">Activa</label><select id="{rid}-activa" name="enabled"{disabled}><option value="1"{" selected" if rule.enabled else ""}>sí</option>
<option value="0"{"" if rule.enabled else " selected"}>no</option></select></div>{save}</form></div>"""


def rules_section(csrf: str, me: Principal) -> str:
    editable = me.territory_code is None
    with session_scope() as session:
        rows = list(session.query(AlertRule).order_by(AlertRule.area, AlertRule.slug))
        forms = "".join(_rule_form(r, csrf, editable) for r in rows if r.slug in SPECS)
    note = (
        ""
        if editable
        else message(
            "info", "Las reglas son nacionales: solo un administrador nacional las cambia."
        )
    )
    return f"""<h2 id="alertas">Reglas de alerta</h2>{note}
<p class="rule-help">Cada regla se evalúa sobre todo el país a la vez: las de incidentes justo después
de cada escritura y todas cada minuto. «Durante»: minutos que la condición debe cumplirse antes de
abrir la alerta. Desactivar una regla resuelve sus alertas abiertas. Todo cambio queda en la auditoría.</p>
{forms}"""


def webhooks_section(csrf: str, me: Principal) -> str:
    with session_scope() as session:
        hooks = list_webhooks(session, scope_for(session, me.territory_code))
    rows = "".join(
        f"<tr><td>{escape(h.name)}</td><td>{escape(h.url)}</td><td>{escape(h.territory_code or 'nacional')}</td>"
        f"<td>{h.min_level}</td><td>{fmt_number(h.pending)}</td><td>{fmt_number(h.failed)}</td>"
        f"<td>{escape(h.last_error or '')}</td><td>"
        f'<form method="post" action="/admin/alertas/webhooks/{quote(h.name, safe="")}/borrar">'
        f'{csrf_field(csrf)}<button class="secondary" type="submit">Borrar</button></form></td></tr>'
        for h in hooks
    )
    levels = "".join(
        f'<option value="{n}"{" selected" if n == 4 else ""}>{n} · {LEVEL_LABELS[n]}</option>'
        for n in range(1, 6)
    )
    return f"""<h2>Webhooks de alertas</h2>
<p class="rule-help">Cada alerta que se abre, escala, reconoce o resuelve en el territorio del webhook y
desde su nivel mínimo se envía como JSON firmado (cabecera <code>X-Sala-Signature: sha256=…</code>, HMAC
del cuerpo con el secreto). Si el receptor no responde se reintenta con espera creciente, sin perder nada.</p>
<table class="auth-table"><tr><th>Nombre</th><th>URL</th><th>Territorio</th><th>Nivel mín.</th>
<th>Pendientes</th><th>Descartados</th><th>Último error</th><th>Acciones</th></tr>{rows}</table>
<form method="post" action="/admin/alertas/webhooks" class="auth-inline">{csrf_field(csrf)}
<div><label for="webhook-nombre">Nombre</label><input id="webhook-nombre" name="name" required></div>
<div><label for="webhook-url">URL (https://…)</label><input id="webhook-url" name="url" required></div>
<div><label for="webhook-territorio">Territorio (código; vacío = su ámbito)</label>
<input id="webhook-territorio" name="territory"></div>
<div><label for="webhook-nivel">Nivel mínimo</label><select id="webhook-nivel" name="min_level">{levels}</select></div>
<div><button type="submit">Crear webhook</button></div></form>"""


def alerts_sections(csrf: str, me: Principal) -> str:
    """The alert sections of ``/admin`` (mounted by ``auth.admin.admin_page``)."""
    return rules_section(csrf, me) + webhooks_section(csrf, me)


def build_router() -> APIRouter:
    from auth.admin import admin_page, forbidden

    router = APIRouter(include_in_schema=False)

    def guard(request: Request, form: dict[str, str]) -> Principal | Response:
        principal = request_principal(request)
        if principal is None or principal.role != "admin":
            return forbidden(request, principal, client_ip(request))
        if not form_is_genuine(request, form.get("csrf", "")):
            text = "El formulario caducó. Vuelva a intentarlo."
            return admin_page(request, principal, message("error", text), 403)
        return principal

    async def posted(request: Request, handle) -> Response:
        """Read the form on the loop; authorise and act in a thread (the database blocks)."""
        form = {k: str(v) for k, v in (await request.form()).items()}

        def work() -> Response:
            principal = guard(request, form)
            return principal if isinstance(principal, Response) else handle(principal, form)

        return await run_in_threadpool(work)

    def page_error(request: Request, principal: Principal, text: str, status: int) -> Response:
        return admin_page(request, principal, message("error", text), status)

    @router.post("/admin/alertas/reglas/{slug}")
    async def admin_rule(request: Request, slug: str):
        def handle(principal: Principal, form: dict[str, str]) -> Response:
            if principal.territory_code is not None:
                text = "Las reglas son nacionales: solo un administrador nacional las cambia."
                return page_error(request, principal, text, 403)
            keys = ("threshold", "for_minutes", "level", "message")
            values: dict = {k: form[k] for k in keys if k in form}
            if "enabled" in form:
                values["enabled"] = form["enabled"] == "1"
            params = {k[len("param_") :]: v for k, v in form.items() if k.startswith("param_")}
            if params:
                values["params"] = params
            changes = store.Changes()
            try:
                with session_scope() as session:
                    diff = update_rule(
                        session,
                        slug,
                        values,
                        principal.username,
                        changes,
                        utcnow(),
                        client_ip(request),
                    )
            except RuleError as exc:
                return page_error(request, principal, str(exc), 400)
            store.publish(changes)
            ok = "regla" if diff else "regla_igual"
            return RedirectResponse(f"/admin?ok={ok}#regla-{quote(slug)}", status_code=303)

        return await posted(request, handle)

    @router.post("/admin/alertas/webhooks")
    async def admin_create_webhook(request: Request):
        def handle(principal: Principal, form: dict[str, str]) -> Response:
            name = form.get("name", "").strip()
            territory = form.get("territory", "").strip() or None
            try:
                level = int(form.get("min_level") or 4)
                with session_scope() as session:
                    scope = scope_for(session, principal.territory_code)
                    hook, secret = create_webhook(
                        session, name, form.get("url", ""), territory, level, scope, utcnow()
                    )
                    detail = {
                        "webhook": hook.name,
                        "url": hook.url,
                        "territorio": hook.territory_code,
                        "nivel_minimo": hook.min_level,
                    }
                    audit.record(
                        session, principal.username, "webhook_creado", detail, client_ip(request)
                    )
            except WebhookError as exc:
                return page_error(request, principal, str(exc), 400)
            except ValueError:
                return page_error(
                    request, principal, "El nivel mínimo debe estar entre 1 y 5.", 400
                )
            except UnknownTerritory:
                return page_error(
                    request, principal, f"El territorio {territory!r} no existe.", 400
                )
            except OutOfScope:
                text = f"El territorio {territory!r} está fuera de su ámbito."
                return page_error(request, principal, text, 403)
            notice = (
                message("ok", f"Webhook {name} creado. Su secreto para verificar la firma es:")
                + f'<p class="auth-secret">{escape(secret)}</p>'
                + message("info", "Guárdelo ahora: no se mostrará otra vez.")
            )
            return admin_page(request, principal, notice)

        return await posted(request, handle)

    @router.post("/admin/alertas/webhooks/{name}/borrar")
    async def admin_delete_webhook(request: Request, name: str):
        def handle(principal: Principal, _form: dict[str, str]) -> Response:
            try:
                with session_scope() as session:
                    delete_webhook(session, name, scope_for(session, principal.territory_code))
                    audit.record(
                        session,
                        principal.username,
                        "webhook_borrado",
                        {"webhook": name},
                        client_ip(request),
                    )
            except WebhookError as exc:
                return page_error(request, principal, str(exc), 400)
            except OutOfScope:
                return page_error(
                    request, principal, f"El webhook {name!r} está fuera de su ámbito.", 403
                )
            return RedirectResponse("/admin?ok=webhook_borrado", status_code=303)

        return await posted(request, handle)

    return router
