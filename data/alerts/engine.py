"""The evaluator: runs rules, decides what opens, updates, waits and resolves.

One rule is evaluated in one transaction: its query measures every territory of its level
at once, then, per territory,

- a match with an open alert updates it (value, count, last seen);
- a match without one opens an alert, once its "for" duration has elapsed (until then the
  territory waits in ``alert_pending`` as ``espera``); a territory a person resolved while
  the condition held stays quiet (``retenida``) until the condition clears or, for counted
  rules, a new item arrives;
- an open alert whose territory no longer matches resolves itself with the value that
  cleared it; a later match opens a new alert.

``now`` is always passed in (tests drive a controlled clock). After each commit the changes
are published on the bus for the screens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from core.config import Settings
from data.alerts import store
from data.alerts.rules import SPECS, RuleConfig, RuleSpec, condition_text, load_rules, render
from data.models import PATH_COLUMNS, Alert, AlertPending, Territory
from data.queries.alert_rules import Measured

log = logging.getLogger("sala.alerts")


@dataclass
class RuleOutcome:
    """What one evaluation of one rule did (for logs, benchmarks and tests)."""

    rule: str
    measured: int = 0
    opened: int = 0
    updated: int = 0
    resolved: int = 0
    waiting: int = 0
    seconds: float = 0.0
    error: str | None = None


def _matches(rule: RuleConfig, m: Measured) -> bool:
    return m.matches if m.matches is not None else rule.holds(m.value)


def _places(session: Session, codes: Iterable[str]) -> dict[str, dict]:
    """Name, level and path of each territory, plus its estado's name (for messages)."""
    wanted = sorted(set(codes))
    out: dict[str, dict] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(
                Territory.code,
                Territory.name,
                Territory.level,
                *(getattr(Territory, c) for c in PATH_COLUMNS),
            ).where(Territory.code.in_(wanted[start : start + 500]))
        ).all()
        for code, name, level, *path in rows:
            out[code] = {
                "name": name,
                "level": level,
                "path": dict(zip(PATH_COLUMNS, path, strict=True)),
            }
    estados = {p["path"]["estado_code"] for p in out.values() if p["path"]["estado_code"]}
    names = (
        dict(
            session.execute(
                select(Territory.code, Territory.name).where(Territory.code.in_(sorted(estados)))
            ).all()
        )
        if estados
        else {}
    )
    for place in out.values():
        estado = names.get(place["path"]["estado_code"])
        place["label"] = (
            place["name"]
            if place["level"] == "estado" or not estado
            else f"{place['name']} ({estado})"
        )
    return out


def _clearing_note(rule: RuleConfig, spec: RuleSpec, value: float | None) -> str:
    if value is None:
        return "Resuelta automáticamente: la condición dejó de cumplirse."
    return f"Resuelta automáticamente: valor {spec.fmt(value)} (umbral: {condition_text(rule)})."


def evaluate_rule(
    session: Session, rule: RuleConfig, now: datetime, settings: Settings, changes: store.Changes
) -> RuleOutcome:
    """Evaluate ``rule`` at ``now`` inside the caller's transaction."""
    spec = SPECS[rule.slug]
    outcome = RuleOutcome(rule.slug)
    measured = {m.code: m for m in spec.measure(session, now, rule, settings)}
    outcome.measured = len(measured)
    matched = {code: m for code, m in measured.items() if _matches(rule, m)}
    open_alerts = {
        a.territory_code: a
        for a in session.scalars(
            select(Alert).where(Alert.rule == rule.slug, Alert.state != "resuelta")
        )
    }
    pending = {
        p.territory_code: p
        for p in session.scalars(select(AlertPending).where(AlertPending.rule == rule.slug))
    }
    places = _places(session, [*matched, *open_alerts])
    unchanged: list[int] = []
    for code, m in matched.items():
        place = places.get(code)
        if place is None:  # a code that is not a territory: nothing to raise it on
            continue
        detail = spec.describe(m.facts)
        message = render(rule, place["label"], m.value, detail)
        alert = open_alerts.get(code)
        if alert is not None:
            if spec.counts_hits:  # count = the items seen while open
                count = max(alert.count, m.hits or 0)
                new = count != alert.count
            else:  # count = the distinct values observed while open
                new = m.value != alert.value
                count = alert.count + 1 if new else alert.count
            if new or detail != alert.detail:
                store.refresh_alert(session, alert, m.value, count, message, detail, now, changes)
                outcome.updated += 1
            else:
                unchanged.append(alert.id)
            continue
        held = pending.get(code)
        first_count = (m.hits or 1) if spec.counts_hits else 1
        if held is not None and held.kind == "retenida":
            fresh = spec.counts_hits and m.value is not None and m.value > (held.value or 0)
            if not fresh:
                if spec.counts_hits and m.value is not None and m.value < (held.value or 0):
                    held.value = m.value  # items aged out: the next one counts as new
                continue
            first_count = max(1, int((m.value or 0) - (held.value or 0)))
            session.delete(held)
            session.flush()
            held = None
        if rule.for_minutes > 0:
            if held is None:
                session.add(
                    AlertPending(
                        rule=rule.slug, territory_code=code, kind="espera", since=now, value=m.value
                    )
                )
                outcome.waiting += 1
                continue
            if now - held.since < timedelta(minutes=rule.for_minutes):
                held.value = m.value
                outcome.waiting += 1
                continue
        row = {
            "rule": rule.slug,
            "territory_code": code,
            "area": rule.area,
            "level": rule.level,
            "message": message,
            "detail": detail,
            "value": m.value,
            "threshold": rule.threshold,
            "count": first_count,
            **place["path"],
        }
        if store.open_alert(session, row, now, changes) is not None:
            outcome.opened += 1
    absent = 0.0 if spec.unit == "count" else None
    for code, alert in open_alerts.items():
        if code in matched:
            continue
        m = measured.get(code)
        value = m.value if m is not None else absent
        if store.resolve_automatically(
            session, alert, value, _clearing_note(rule, spec, value), now, changes
        ):
            outcome.resolved += 1
    cleared = [code for code in pending if code not in matched]
    for start in range(0, len(cleared), 500):
        session.execute(
            delete(AlertPending).where(
                AlertPending.rule == rule.slug,
                AlertPending.territory_code.in_(cleared[start : start + 500]),
            )
        )
    store.seen(session, unchanged, now)
    return outcome


def resolve_rule_alerts(
    session: Session, rule: RuleConfig, reason: str, now: datetime, changes: store.Changes
) -> int:
    """Resolve every open alert of ``rule`` (it was disabled) and forget its pending ones."""
    done = 0
    for alert in session.scalars(
        select(Alert).where(Alert.rule == rule.slug, Alert.state != "resuelta")
    ):
        done += store.resolve_automatically(session, alert, alert.value, reason, now, changes)
    session.execute(delete(AlertPending).where(AlertPending.rule == rule.slug))
    return done


def evaluate(
    engine: Engine,
    now: datetime,
    settings: Settings,
    slugs: Iterable[str] | None = None,
    publish: bool = True,
) -> list[RuleOutcome]:
    """Evaluate the enabled rules (or only ``slugs``), each in its own transaction, and
    publish what changed after each commit. A failing rule is logged and skipped."""
    with Session(engine) as session:
        rules = load_rules(session)
    wanted = set(slugs) if slugs is not None else None
    outcomes = []
    for slug, rule in rules.items():
        if not rule.enabled or (wanted is not None and slug not in wanted):
            continue
        began = time.perf_counter()
        changes = store.Changes()
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                outcome = evaluate_rule(session, rule, now, settings, changes)
                store.touched(session, changes)
        except Exception as exc:
            log.exception("la regla de alerta %s falló", slug)
            outcome = RuleOutcome(slug, error=f"{type(exc).__name__}: {exc}")
            changes = store.Changes()
        outcome.seconds = time.perf_counter() - began
        outcomes.append(outcome)
        if publish:
            store.publish(changes)
    return outcomes


def escalate(engine: Engine, now: datetime, settings: Settings, publish: bool = True) -> int:
    """Mark "sin atender" the level ≥ 4 alerts unacknowledged for ``SALA_ALERTA_ESCALAR_MIN``."""
    changes = store.Changes()
    with Session(engine, expire_on_commit=False) as session, session.begin():
        done = store.escalate_due(session, now, settings.alert_escalate_min, changes)
        store.touched(session, changes)
    if publish:
        store.publish(changes)
    return done


def triggered_by(datasets: Iterable[str]) -> set[str]:
    """The rules evaluated right after a commit to any of ``datasets``."""
    wanted = set(datasets)
    return {slug for slug, spec in SPECS.items() if wanted & set(spec.triggers)}


def event_rules() -> set[str]:
    """Every rule some commit triggers (evaluated at once when the reader fell behind)."""
    return {slug for slug, spec in SPECS.items() if spec.triggers}
