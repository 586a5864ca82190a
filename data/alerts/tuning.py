"""Administrators tune rules: threshold, "for" duration, level, message, parameters, enabled.

Every change is validated here (a clear Spanish error, nothing changed), written with the
audit entry in the same transaction, and a disabled rule's open alerts are resolved
("regla desactivada") so nothing stays open that nobody evaluates any more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from data import audit
from data.alerts import store
from data.alerts.engine import resolve_rule_alerts
from data.alerts.rules import SPECS, config_of, template_problem
from data.models import AlertRule

MAX_FOR_MINUTES = 7 * 24 * 60


class RuleError(ValueError):
    """The change cannot be applied; the message (Spanish) says why."""


def _number(raw: Any, what: str, low: float | None = None) -> float:
    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        raise RuleError(f"{what}: «{raw}» no es un número.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise RuleError(f"{what}: «{raw}» no es un número.")
    if low is not None and value < low:
        raise RuleError(f"{what} no puede ser menor que {low:g}.")
    return value


def update_rule(
    session: Session,
    slug: str,
    values: dict[str, Any],
    actor: str,
    changes: store.Changes,
    now: datetime,
    ip: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Apply ``values`` (threshold, for_minutes, level, message, enabled, params) to the
    rule; return what changed (``{field: (before, after)}``), audited as
    ``regla_alerta_modificada``."""
    row = session.get(AlertRule, slug)
    if row is None or slug not in SPECS:
        raise RuleError(f"No hay una regla llamada {slug!r}.")
    new: dict[str, Any] = {}
    if "threshold" in values:
        new["threshold"] = _number(values["threshold"], "El umbral")
    if "for_minutes" in values:
        minutes = _number(values["for_minutes"], "La duración «durante»", 0)
        if minutes > MAX_FOR_MINUTES or minutes != int(minutes):
            raise RuleError(
                "La duración «durante» debe ser un número entero de minutos, hasta 7 días."
            )
        new["for_minutes"] = int(minutes)
    if "level" in values:
        level = _number(values["level"], "El nivel", 1)
        if level not in (1, 2, 3, 4, 5):
            raise RuleError("El nivel debe ser 1, 2, 3, 4 o 5.")
        new["level"] = int(level)
    if "message" in values:
        message = str(values["message"]).strip()
        problem = template_problem(message)
        if problem:
            raise RuleError(problem)
        new["message"] = message
    if "enabled" in values:
        new["enabled"] = bool(values["enabled"])
    if "params" in values:
        params = dict(row.params or {})
        for name, raw in (values["params"] or {}).items():
            if name not in params:
                raise RuleError(f"La regla no tiene el parámetro {name!r}.")
            params[name] = _number(raw, f"El parámetro {name}", 0)
            if float(params[name]).is_integer():
                params[name] = int(params[name])
        new["params"] = params
    diff = {k: (getattr(row, k), v) for k, v in new.items() if getattr(row, k) != v}
    if not diff:
        return {}
    for key, (_before, after) in diff.items():
        setattr(row, key, after)
    row.updated_at, row.updated_by = now, actor[:120]
    session.flush()
    detail = {"regla": slug, **{k: f"{b} → {a}" for k, (b, a) in diff.items()}}
    audit.record(session, actor, "regla_alerta_modificada", detail, ip)
    if diff.get("enabled", (None, True))[1] is False:
        resolve_rule_alerts(
            session,
            config_of(row),
            "Resuelta: la regla fue desactivada por " + actor + ".",
            now,
            changes,
        )
        store.touched(session, changes)
    return diff
