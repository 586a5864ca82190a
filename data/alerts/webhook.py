"""Webhook notifications: manage receivers and drain the outbox with signed, retried POSTs.

Each alert change a webhook wants is an ``alert_outbox`` row written in the change's own
transaction (``data.alerts.store.enqueue``), so nothing is lost while a receiver is down:
the evaluator drains the outbox, in order per webhook, retrying with exponential backoff
(1 s, 2 s, 4 s… up to 5 min) for ``SALA_WEBHOOK_REINTENTO_HORAS`` hours before giving up.

A delivery is ``POST <url>`` with the JSON body and these headers:

- ``X-Sala-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the
  webhook's secret (compare in constant time);
- ``X-Sala-Event``: ``alerta.abierta``, ``alerta.escalada``, ``alerta.reconocida``,
  ``alerta.resuelta``;
- ``X-Sala-Delivery``: the outbox id, the same on every retry (deliveries are at least
  once: a receiver drops ids it has already seen).

Any 2xx answer counts as delivered.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlparse

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.config import Settings
from data.models import AlertOutbox, AlertWebhook
from data.scope import Scope, get_territory, resolve

log = logging.getLogger("sala.alerts.webhook")

SIGNATURE_HEADER = "X-Sala-Signature"
EVENT_HEADER = "X-Sala-Event"
DELIVERY_HEADER = "X-Sala-Delivery"
MAX_BACKOFF_S = 300
BATCH = 50  # deliveries per webhook per drain

Sender = Callable[[str, bytes, dict[str, str], float], tuple[bool, str | None]]


class WebhookError(ValueError):
    """Bad webhook settings; the message (Spanish) says what to fix."""


def sign(secret: str, body: bytes) -> str:
    """The ``X-Sala-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature or "")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(0, attempts - 1), MAX_BACKOFF_S))


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[bool, str | None]:
    """One delivery attempt: (delivered, error)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return False, str(getattr(exc, "reason", exc))[:300]
    return (200 <= status < 300), None if 200 <= status < 300 else f"HTTP {status}"


@dataclass
class DrainResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def drain(engine: Engine, now: datetime, settings: Settings, send: Sender = post) -> DrainResult:
    """Deliver what is due, oldest first per webhook; a failure holds that webhook's later
    notifications back (they keep their order) until the retry succeeds."""
    result = DrainResult()
    due = (AlertOutbox.delivered_at.is_(None)) & (AlertOutbox.failed_at.is_(None))
    with Session(engine) as session:
        hooks = {
            h.id: (h.url, h.secret)
            for h in session.scalars(select(AlertWebhook).where(AlertWebhook.enabled))
        }
        waiting = [
            hook_id
            for (hook_id,) in session.execute(
                select(AlertOutbox.webhook_id).where(due).group_by(AlertOutbox.webhook_id)
            ).all()
            if hook_id in hooks
        ]
    give_up = timedelta(hours=settings.webhook_retry_hours)
    for hook_id in waiting:
        url, secret = hooks[hook_id]
        with Session(engine) as session:
            rows = session.execute(
                select(
                    AlertOutbox.id,
                    AlertOutbox.event,
                    AlertOutbox.body,
                    AlertOutbox.attempts,
                    AlertOutbox.created_at,
                    AlertOutbox.next_attempt_at,
                )
                .where(due, AlertOutbox.webhook_id == hook_id)
                .order_by(AlertOutbox.id)
                .limit(BATCH)
            ).all()
        for row_id, event, body, attempts, created_at, next_at in rows:
            if next_at > now:
                break  # the oldest is backing off: later ones wait their turn
            raw = body.encode("utf-8")
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Sala-Alertas/1.0",
                SIGNATURE_HEADER: sign(secret, raw),
                EVENT_HEADER: event,
                DELIVERY_HEADER: str(row_id),
            }
            ok, error = send(url, raw, headers, settings.webhook_timeout_s)
            tries = attempts + 1
            values: dict = {"attempts": tries, "last_error": error}
            if ok:
                values["delivered_at"] = now
                result.delivered += 1
            elif now - created_at >= give_up:
                values["failed_at"] = now
                result.failed += 1
                log.warning(
                    "webhook %s: entrega %s descartada tras %s intentos", url, row_id, tries
                )
            else:
                values["next_attempt_at"] = now + backoff(tries)
                result.retried += 1
            with Session(engine) as session, session.begin():
                session.execute(
                    update(AlertOutbox).where(AlertOutbox.id == row_id).values(**values)
                )
            if not ok:
                break
    return result


# -- managing receivers (CLI and /admin) --------------------------------------------------


@dataclass(frozen=True)
class WebhookInfo:
    id: int
    name: str
    url: str
    territory_code: str | None
    min_level: int
    enabled: bool
    created_at: datetime
    pending: int
    failed: int
    last_error: str | None


def check_url(url: str) -> str:
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise WebhookError(
            "La URL del webhook debe empezar por http:// o https:// y tener un servidor."
        )
    if len(url) > 500:
        raise WebhookError("La URL del webhook no puede pasar de 500 caracteres.")
    return url


def create_webhook(
    session: Session,
    name: str,
    url: str,
    territory_code: str | None,
    min_level: int,
    scope: Scope,
    now: datetime,
) -> tuple[AlertWebhook, str]:
    """A new receiver inside ``scope``; returns it and its secret (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise WebhookError("El nombre del webhook es obligatorio (hasta 120 caracteres).")
    if session.scalar(select(AlertWebhook).where(AlertWebhook.name == name)) is not None:
        raise WebhookError(f"Ya existe un webhook llamado {name!r}.")
    if not 1 <= int(min_level) <= 5:
        raise WebhookError("El nivel mínimo debe estar entre 1 y 5.")
    ref = resolve(session, scope, territory_code) if territory_code else scope.root
    if territory_code:
        get_territory(session, territory_code)
    secret = secrets.token_urlsafe(32)
    hook = AlertWebhook(
        name=name,
        url=check_url(url),
        secret=secret,
        territory_code=ref.code if ref else None,
        territory_level=ref.level if ref else None,
        min_level=int(min_level),
        enabled=True,
        created_at=now,
    )
    session.add(hook)
    session.flush()
    return hook, secret


def list_webhooks(session: Session, scope: Scope) -> list[WebhookInfo]:
    """Receivers visible in ``scope`` with their outbox state."""
    pending = dict(
        session.execute(
            select(AlertOutbox.webhook_id, func.count())
            .where(AlertOutbox.delivered_at.is_(None), AlertOutbox.failed_at.is_(None))
            .group_by(AlertOutbox.webhook_id)
        ).all()
    )
    failed = dict(
        session.execute(
            select(AlertOutbox.webhook_id, func.count())
            .where(AlertOutbox.failed_at.is_not(None))
            .group_by(AlertOutbox.webhook_id)
        ).all()
    )
    out = []
    for hook in session.scalars(select(AlertWebhook).order_by(AlertWebhook.name)):
        if not scope.is_national:
            ref = get_territory(session, hook.territory_code) if hook.territory_code else None
            if not scope.contains(ref):
                continue
        last_error = session.scalar(
            select(AlertOutbox.last_error)
            .where(AlertOutbox.webhook_id == hook.id, AlertOutbox.last_error.is_not(None))
            .order_by(AlertOutbox.id.desc())
            .limit(1)
        )
        out.append(
            WebhookInfo(
                hook.id,
                hook.name,
                hook.url,
                hook.territory_code,
                hook.min_level,
                hook.enabled,
                hook.created_at,
                int(pending.get(hook.id, 0)),
                int(failed.get(hook.id, 0)),
                last_error,
            )
        )
    return out


def delete_webhook(session: Session, name: str, scope: Scope) -> None:
    """Remove a receiver (and its undelivered notifications)."""
    hook = session.scalar(select(AlertWebhook).where(AlertWebhook.name == name))
    if hook is None:
        raise WebhookError(f"No hay un webhook llamado {name!r}.")
    if not scope.is_national:
        ref = get_territory(session, hook.territory_code) if hook.territory_code else None
        if not scope.contains(ref):
            from data.scope import OutOfScope

            raise OutOfScope(name)
    session.delete(hook)
