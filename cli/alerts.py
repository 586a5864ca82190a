"""Alert commands: evaluate now, run the evaluator alone, list rules, manage webhooks."""

from __future__ import annotations

import argparse
import asyncio

from cli import CommandError
from core.config import load_settings
from core.numbers import fmt_number
from core.timeutil import utcnow
from data.db import get_engine, session_scope
from data.scope import NATIONAL, UnknownTerritory


def evaluate(args: argparse.Namespace) -> int:
    """One round now: every enabled rule (or ``--rule``), then escalation; prints what each did."""
    from data.alerts import engine as evaluator
    from data.alerts.rules import SPECS

    unknown = [r for r in args.rule or [] if r not in SPECS]
    if unknown:
        raise CommandError(f"Reglas desconocidas: {', '.join(unknown)}. Vea list-alert-rules.")
    settings, now = load_settings(), utcnow()
    outcomes = evaluator.evaluate(get_engine(), now, settings, args.rule or None)
    escalated = evaluator.escalate(get_engine(), now, settings)
    for o in outcomes:
        state = (
            f"ERROR {o.error}"
            if o.error
            else (
                f"{o.measured} medidos · {o.opened} abiertas · {o.updated} actualizadas · "
                f"{o.resolved} resueltas · {o.waiting} en espera"
            )
        )
        print(f"{o.rule:<28} {o.seconds * 1000:8.1f} ms  {state}")
    total = sum(o.seconds for o in outcomes)
    print(f"Ronda completa en {fmt_number(total, 2)} s; {escalated} alertas marcadas sin atender.")
    return 1 if any(o.error for o in outcomes) else 0


def run_evaluator(_args: argparse.Namespace) -> int:
    """The evaluator alone (web workers may then run with SALA_ALERTAS=0); it competes for the
    same lock, so any number of these and of servers still evaluate once."""
    from data.alerts.service import AlertService

    settings = load_settings()

    async def main() -> None:
        service = AlertService(settings, get_engine(settings.database_url)).start()
        print(
            f"Evaluador de alertas en marcha (cerrojo: {service.lock.kind}). Ctrl+C para detener."
        )
        try:
            await asyncio.Event().wait()
        finally:
            await service.stop()

    asyncio.run(main())
    return 0


def list_rules(_args: argparse.Namespace) -> int:
    from data.alerts.rules import condition_text, load_rules

    with session_scope() as session:
        rules = load_rules(session)
    for rule in rules.values():
        state = "activa" if rule.enabled else "desactivada"
        wait = f", durante {rule.for_minutes} min" if rule.for_minutes else ""
        print(
            f"{rule.slug:<28} {state:<11} nivel {rule.level}  por {rule.territory_level:<9} "
            f"umbral: {condition_text(rule)}{wait}"
        )
    return 0


def create_webhook_cmd(args: argparse.Namespace) -> int:
    from data.alerts.webhook import WebhookError, create_webhook

    try:
        with session_scope() as session:
            hook, secret = create_webhook(
                session, args.name, args.url, args.territory, args.level_min, NATIONAL, utcnow()
            )
            scope = hook.territory_code or "nacional"
    except WebhookError as exc:
        raise CommandError(str(exc)) from exc
    except UnknownTerritory as exc:
        raise CommandError(f"El territorio {exc.args[0]!r} no existe.") from exc
    print(
        f"Webhook {args.name!r} creado (ámbito {scope}, desde el nivel {args.level_min}). "
        "Su secreto firma cada envío (X-Sala-Signature); guárdelo: no se mostrará otra vez."
    )
    print(secret, flush=True)
    return 0


def list_webhooks_cmd(_args: argparse.Namespace) -> int:
    from data.alerts.webhook import list_webhooks

    with session_scope() as session:
        hooks = list_webhooks(session, NATIONAL)
    if not hooks:
        print("No hay webhooks.")
    for h in hooks:
        print(
            f"{h.name:<20} {h.url:<40} {h.territory_code or 'nacional':<12} nivel ≥ {h.min_level}  "
            f"pendientes {h.pending}  descartados {h.failed}  {h.last_error or ''}"
        )
    return 0


def delete_webhook_cmd(args: argparse.Namespace) -> int:
    from data.alerts.webhook import WebhookError, delete_webhook

    try:
        with session_scope() as session:
            delete_webhook(session, args.name, NATIONAL)
    except WebhookError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Webhook {args.name!r} borrado.")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate-alerts", help="evalúa ahora las reglas de alerta (una ronda)"
    )
    p.add_argument("--rule", action="append", help="solo esta regla (se puede repetir)")
    p.set_defaults(func=evaluate)
    p = subparsers.add_parser(
        "alert-evaluator", help="ejecuta solo el evaluador de alertas (compite por el cerrojo)"
    )
    p.set_defaults(func=run_evaluator)
    p = subparsers.add_parser("list-alert-rules", help="lista las reglas de alerta")
    p.set_defaults(func=list_rules)
    p = subparsers.add_parser(
        "create-webhook", help="crea un webhook de alertas (imprime su secreto)"
    )
    p.add_argument("--name", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--territory", default=None, help="código del territorio (vacío: nacional)")
    p.add_argument("--level-min", type=int, default=4, choices=range(1, 6), help="nivel mínimo")
    p.set_defaults(func=create_webhook_cmd)
    p = subparsers.add_parser("list-webhooks", help="lista los webhooks de alertas y su cola")
    p.set_defaults(func=list_webhooks_cmd)
    p = subparsers.add_parser("delete-webhook", help="borra un webhook de alertas")
    p.add_argument("--name", required=True)
    p.set_defaults(func=delete_webhook_cmd)
