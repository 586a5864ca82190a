"""The rule catalogue: what each rule slug measures (code) beside what admins tune (database).

A :class:`RuleConfig` is one row of ``alert_rule`` (threshold, "for" duration, level,
message, parameters, enabled); a :class:`RuleSpec` is the code that measures it: the query
in ``data.queries.alert_rules``, how its value reads in Spanish, which writes trigger it
right after their commit, and the page that explains it.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.numbers import fmt_number, fmt_percent, fmt_usd
from core.timeutil import CARACAS, to_utc
from data.models import AlertRule
from data.queries import alert_rules as q
from data.queries.alert_rules import Measured

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
OPERATOR_WORDS = {">": "más de", ">=": "desde", "<": "menos de", "<=": "hasta"}
AREAS = {
    "paz": "Cuadrantes de paz",
    "casos": "1x10",
    "clap": "CLAP",
    "proyectos": "Proyectos",
    "defensa": "Defensa",
    "datos": "Datos",
}
LEVEL_LABELS = {1: "Informativa", 2: "Baja", 3: "Media", 4: "Alta", 5: "Crítica"}
TEMPLATE_FIELDS = ("territorio", "valor", "umbral", "detalle")


@dataclass(frozen=True)
class RuleConfig:
    """The tunable part of a rule, as stored in ``alert_rule``."""

    slug: str
    area: str
    title: str
    measures: str
    territory_level: str
    operator: str
    threshold: float
    for_minutes: int
    level: int
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def param(self, name: str, default: float) -> float:
        try:
            return float(self.params.get(name, default))
        except (TypeError, ValueError):
            return default

    def holds(self, value: float | None) -> bool:
        return value is not None and OPERATORS[self.operator](value, self.threshold)


def config_of(row: AlertRule) -> RuleConfig:
    return RuleConfig(
        slug=row.slug,
        area=row.area,
        title=row.title,
        measures=row.measures,
        territory_level=row.territory_level,
        operator=row.operator,
        threshold=float(row.threshold),
        for_minutes=int(row.for_minutes or 0),
        level=int(row.level),
        message=row.message,
        params=dict(row.params or {}),
        enabled=bool(row.enabled),
    )


def load_rules(session: Session) -> dict[str, RuleConfig]:
    """Every rule in the database, by slug (rules the code does not know are left out)."""
    rows = session.scalars(select(AlertRule).order_by(AlertRule.slug))
    return {row.slug: config_of(row) for row in rows if row.slug in SPECS}


# -- how values and facts read ----------------------------------------------------------


def _plural(n: float | None, one: str, many: str) -> str:
    if n is None:
        return "—"
    return f"{fmt_number(n)} {one if n == 1 else many}"


def _clock(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return to_utc(value).astimezone(CARACAS).strftime("%d/%m %H:%M")
    return value.strftime("%d/%m/%Y")


UNITS: dict[str, Callable[[float | None], str]] = {
    "ratio": lambda v: fmt_percent(v),
    "percent": lambda v: "—" if v is None else f"{fmt_number(v, 1)} %",
    "sd": lambda v: "—" if v is None else f"{fmt_number(v, 1)} desviaciones",
    "hours": lambda v: "—" if v is None else f"{fmt_number(v, 1)} h",
    "days": lambda v: _plural(v, "día", "días"),
}


@dataclass(frozen=True)
class RuleSpec:
    """The code side of a rule."""

    slug: str
    measure: Callable[[Session, datetime, RuleConfig, Settings], list[Measured]]
    describe: Callable[[dict[str, Any]], str]
    unit: str = "count"
    noun: tuple[str, str] = ("", "")  # singular, plural for count units
    triggers: tuple[str, ...] = ()  # datasets whose commits evaluate it at once
    page: str = "/"
    counts_hits: bool = False  # count = items seen while open (incidente_grave)

    def fmt(self, value: float | None) -> str:
        if self.unit == "count":
            return _plural(value, *self.noun)
        return UNITS[self.unit](value)


def _severe(session: Session, now: datetime, rule: RuleConfig, _s: Settings) -> list[Measured]:
    return q.severe_incidents(
        session, now, rule.slug, rule.param("horas", 24), int(rule.param("severidad", 5))
    )


def _usual(session: Session, now: datetime, rule: RuleConfig, _s: Settings) -> list[Measured]:
    return q.above_usual(session, now, rule.threshold, int(rule.param("min_incidentes", 3)))


def _sla(session: Session, now: datetime, rule: RuleConfig, s: Settings) -> list[Measured]:
    return q.cases_out_of_sla(session, now, s.sla_hours, int(rule.param("min_abiertos", 20)))


def _coverage(session: Session, now: datetime, rule: RuleConfig, _s: Settings) -> list[Measured]:
    return q.clap_coverage_today(
        session, now, int(rule.param("dias_cierre", 5)), int(rule.param("min_planificadas", 100))
    )


def _committees(session: Session, now: datetime, rule: RuleConfig, _s: Settings) -> list[Measured]:
    return q.committees_without_deliveries(session, now, max(1, int(rule.param("dias", 35))))


def _projects(session: Session, now: datetime, rule: RuleConfig, _s: Settings) -> list[Measured]:
    return q.projects_without_progress(session, now, max(1, int(rule.param("dias", 30))))


def _readiness(session: Session, _now: datetime, rule: RuleConfig, _s: Settings) -> list[Measured]:
    return q.defense_readiness(session, int(rule.param("min_unidades", 2)))


def _exercises(session: Session, now: datetime, _rule: RuleConfig, s: Settings) -> list[Measured]:
    return q.exercises_overdue(session, now, s.exercise_overdue_days)


def _silence(dataset: str) -> Callable[..., list[Measured]]:
    def measure(session: Session, now: datetime, rule: RuleConfig, _s: Settings) -> list[Measured]:
        return q.data_silence(session, now, dataset, rule.threshold, rule.param("min_esperados", 5))

    return measure


def _clap_silence(
    session: Session, now: datetime, rule: RuleConfig, _s: Settings
) -> list[Measured]:
    return q.clap_silence(session, now, rule.threshold, rule.param("min_esperados", 5))


def _silence_facts(f: dict[str, Any]) -> str:
    return f"último {_clock(f.get('ultimo'))}; suele enviar {fmt_number(f.get('esperados'), 1)} en ese lapso"


SPECS: dict[str, RuleSpec] = {
    spec.slug: spec
    for spec in (
        RuleSpec(
            "incidente_grave",
            _severe,
            lambda f: f"último: {_clock(f.get('ultimo'))}",
            noun=("incidente grave", "incidentes graves"),
            triggers=("incidents",),
            page="/paz",
            counts_hits=True,
        ),
        RuleSpec(
            "paz_sobre_lo_habitual",
            _usual,
            lambda f: (
                f"{f.get('cuadrante')}: {fmt_number(f.get('n'))} en 7 días; lo habitual "
                f"{fmt_number(f.get('media'), 1)} ± {fmt_number(f.get('sd'), 1)} por semana"
            ),
            unit="sd",
            page="/paz",
        ),
        RuleSpec(
            "casos_fuera_de_plazo",
            _sla,
            lambda f: (
                f"{f.get('categoria')} ({fmt_number(f.get('tarde'))} de "
                f"{fmt_number(f.get('abiertos'))})"
            ),
            unit="ratio",
            page="/casos",
        ),
        RuleSpec(
            "clap_cobertura_baja",
            _coverage,
            lambda f: (
                f"{fmt_number(f.get('atendidas'))} de {fmt_number(f.get('planificadas'))} familias"
            ),
            unit="ratio",
            page="/clap",
        ),
        RuleSpec(
            "clap_sin_entregas",
            _committees,
            lambda f: (
                f"{fmt_number(f.get('dias'))} días, de {fmt_number(f.get('comites'))} comités"
            ),
            noun=("comité", "comités"),
            page="/clap",
        ),
        RuleSpec(
            "proyectos_sin_avance",
            _projects,
            lambda f: (
                f"{fmt_usd(f.get('usd'))} transferidos; sin avance desde {_clock(f.get('desde'))}"
            ),
            noun=("proyecto", "proyectos"),
            page="/proyectos",
        ),
        RuleSpec(
            "defensa_alistamiento_bajo",
            _readiness,
            lambda f: f"{fmt_number(f.get('unidades'))} unidades",
            unit="percent",
            page="/defensa",
        ),
        RuleSpec(
            "defensa_ejercicios_vencidos",
            _exercises,
            lambda f: f"{fmt_number(f.get('vencidas'))} de {fmt_number(f.get('unidades'))}",
            unit="ratio",
            page="/defensa",
        ),
        RuleSpec("silencio_casos", _silence("cases"), _silence_facts, unit="hours", page="/casos"),
        RuleSpec(
            "silencio_incidentes", _silence("incidents"), _silence_facts, unit="hours", page="/paz"
        ),
        RuleSpec("silencio_clap", _clap_silence, _silence_facts, unit="days", page="/clap"),
    )
}


def link(slug: str, territory_code: str | None) -> str:
    """The page and territory that explain an alert (``/paz?territorio=...``)."""
    spec = SPECS.get(slug)
    path = spec.page if spec else "/"
    query = f"?territorio={territory_code}" if territory_code else ""
    if path == "/paz" and query:
        query += "&rango=7d"
    return path + query


def render(rule: RuleConfig, territory: str, value: float | None, detail: str) -> str:
    """The rule's message for one territory; a broken template falls back to a plain one."""
    spec = SPECS[rule.slug]
    fields = {
        "territorio": territory,
        "valor": spec.fmt(value),
        "umbral": spec.fmt(rule.threshold),
        "detalle": detail,
    }
    try:
        return rule.message.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError):
        return f"{rule.title} en {territory}: {fields['valor']} ({detail})."


def template_problem(template: str) -> str | None:
    """A Spanish explanation of what is wrong with a message template, or None if it is fine."""
    if not template.strip():
        return "El mensaje no puede estar vacío."
    if len(template) > 500:
        return "El mensaje no puede pasar de 500 caracteres."
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError:
        return "El mensaje tiene llaves { } sin cerrar; use {{ y }} para escribirlas."
    unknown = sorted({n for n in names if n not in TEMPLATE_FIELDS})
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
        return f"Campos desconocidos en el mensaje: {', '.join(unknown)}. Use {allowed}."
    return None


def condition_text(rule: RuleConfig) -> str:
    """``más de 40,0 %`` for the admin page and the alert list."""
    return threshold_text(rule.slug, rule.operator, rule.threshold)


def threshold_text(slug: str, op: str, threshold: float | None) -> str:
    spec = SPECS.get(slug)
    value = spec.fmt(threshold) if spec else fmt_number(threshold, 2)
    return f"{OPERATOR_WORDS.get(op, op)} {value}"
