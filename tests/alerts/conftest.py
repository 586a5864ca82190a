"""Alert tests: a small world, a controlled clock and helpers to run the evaluator."""

from __future__ import annotations

import dataclasses
import importlib.util
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from core.config import ROOT, Settings, load_settings
from core.timeutil import UTC
from data.alerts import engine as evaluator
from data.models import Alert, AlertNote, AlertRule
from tests import factories as f

# A Wednesday at 12:00 in Caracas, in the middle of a month (the CLAP close is not near).
NOW = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process bus, no simulator, no background evaluator: tests drive the engine."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SALA_SIMULATE", raising=False)
    monkeypatch.setenv("SALA_ALERTAS", "0")


def default_rules() -> list[dict[str, Any]]:
    """The rules the migration 0007_alerts creates (read from the migration itself)."""
    path = ROOT / "data" / "migrations" / "versions" / "0007_alerts.py"
    spec = importlib.util.spec_from_file_location("migration_0007_alerts", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    keys = ("slug", "area", "title", "measures", "territory_level", "operator", "threshold")
    keys += ("for_minutes", "level", "message", "params")
    return [{**dict(zip(keys, row, strict=True)), "enabled": True} for row in module.DEFAULT_RULES]


@pytest.fixture
def rules(engine: Engine) -> None:
    """The default rules (the per-test emptying of the database removes them)."""
    with Session(engine) as s, s.begin():
        s.execute(delete(AlertRule))
        s.execute(insert(AlertRule), default_rules())


@pytest.fixture
def world(engine: Engine, rules: None) -> dict[str, str]:
    """VE-A and VE-M: one municipio, parroquia, two circuitos, consejos, cuadrantes, CLAPs."""
    with Session(engine) as s:
        codes = f.two_estados(s)
        s.commit()
    return codes


@pytest.fixture
def settings() -> Settings:
    return dataclasses.replace(load_settings(), alert_escalate_min=15)


def run(
    engine: Engine, now: datetime, settings: Settings, *slugs: str
) -> dict[str, evaluator.RuleOutcome]:
    """Evaluate ``slugs`` (all rules when none) at ``now``; fail on any rule error."""
    outcomes = evaluator.evaluate(engine, now, settings, slugs or None)
    errors = [o for o in outcomes if o.error]
    assert not errors, errors
    return {o.rule: o for o in outcomes}


def alerts(engine: Engine, rule: str | None = None, state: str | None = None) -> list[Alert]:
    with Session(engine) as s:
        stmt = select(Alert).order_by(Alert.id)
        if rule:
            stmt = stmt.where(Alert.rule == rule)
        if state:
            stmt = stmt.where(Alert.state == state)
        return list(s.scalars(stmt))


def notes(engine: Engine, alert_id: int) -> list[AlertNote]:
    with Session(engine) as s:
        return list(
            s.scalars(
                select(AlertNote).where(AlertNote.alert_id == alert_id).order_by(AlertNote.id)
            )
        )


def tune(engine: Engine, slug: str, **values: Any) -> None:
    with Session(engine) as s, s.begin():
        s.execute(update(AlertRule).where(AlertRule.slug == slug).values(**values))


def only(engine: Engine, *slugs: str) -> None:
    """Disable every rule but ``slugs`` (a test about one rule must not see the others)."""
    with Session(engine) as s, s.begin():
        s.execute(update(AlertRule).values(enabled=False))
        s.execute(update(AlertRule).where(AlertRule.slug.in_(slugs)).values(enabled=True))


def hours_ago(now: datetime, hours: float) -> datetime:
    return now - timedelta(hours=hours)
