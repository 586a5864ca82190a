"""Aggregates of the defense page (``/defensa``).

Every function takes the territory the caller asked for, already resolved inside the caller's
scope (``data.scope.resolve``), and restricts every query to it; ``plan`` narrows to one plan
when given (matched on the start of its name, see ``CATEGORIES``). A unit's exercise is overdue when its last exercise is older than ``overdue_days``
(``Settings.exercise_overdue_days``) or it never had one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from core import names
from core.thresholds import THRESHOLDS
from data.models import DefenseUnit, Territory
from data.queries.common import by_key, map_places
from data.queries.datasets import Column, Dataset, register_dataset
from data.queries.filters import View
from data.scope import TerritoryRef, territory_clause

PHASES = ("organización", "alistamiento", "despliegue", "consolidación")
DEFAULT_OVERDUE_DAYS = 90
READINESS_TARGET = THRESHOLDS["defense_readiness"].good  # the plan's target, judged in one place
# The page's category filter: kinds of unit, matched on the start of the plan's name.
CATEGORIES: dict[str, str] = {
    "ZODI": "ZODI (zonas operativas)",
    "ADI": "ADI (áreas de defensa)",
    "BPDI": "Bases Populares de Defensa Integral",
    "Unidad de Milicia": "Unidades de Milicia",
    "Cuadrante de Paz": "Cuadrantes de Paz",
}


def _where(ref: TerritoryRef | None, plan: str | None) -> list[ColumnElement[bool]]:
    clauses = [territory_clause(DefenseUnit, ref)]
    if plan:
        clauses.append(DefenseUnit.plan.startswith(plan, autoescape=True))
    return clauses


def overdue_clause(today: date, overdue_days: int) -> ColumnElement[bool]:
    """A unit whose last exercise is older than ``overdue_days`` (or that never had one)."""
    cutoff = today - timedelta(days=overdue_days)
    return DefenseUnit.last_exercise_on.is_(None) | (DefenseUnit.last_exercise_on < cutoff)


def _incomplete() -> ColumnElement[bool]:
    return DefenseUnit.committees_complete < DefenseUnit.committees_total


def totals(
    session: Session,
    ref: TerritoryRef | None,
    today: date,
    overdue_days: int = DEFAULT_OVERDUE_DAYS,
    plan: str | None = None,
) -> dict[str, Any]:
    """The KPI numbers: units, mean readiness, committees complete of total, units with
    incomplete committees and with an overdue exercise."""
    units, avg, total, complete, incomplete, overdue = session.execute(
        select(
            func.count(),
            func.avg(DefenseUnit.readiness),
            func.sum(DefenseUnit.committees_total),
            func.sum(DefenseUnit.committees_complete),
            func.sum(case((_incomplete(), 1), else_=0)),
            func.sum(case((overdue_clause(today, overdue_days), 1), else_=0)),
        ).where(*_where(ref, plan))
    ).one()
    total, complete = int(total or 0), int(complete or 0)
    return {
        "units": int(units or 0),
        "avg_readiness": None if avg is None else round(float(avg), 1),
        "committees_total": total,
        "committees_complete": complete,
        "committees_pct": round(100 * complete / total, 1) if total else None,
        "units_incomplete": int(incomplete or 0),
        "exercises_overdue": int(overdue or 0),
    }


def by_territory(
    session: Session,
    ref: TerritoryRef | None,
    today: date,
    overdue_days: int = DEFAULT_OVERDUE_DAYS,
    plan: str | None = None,
) -> list[dict[str, Any]]:
    """Per territory one level below ``ref`` (or its places below a circuito, see ``map_places``): units, mean and lowest readiness, committees,
    overdue exercises and units per phase. Every territory of the level appears."""
    level, key, places = map_places(
        session, ref, DefenseUnit, ("circuito", "comuna", "consejo_comunal")
    )
    where = _where(ref, plan)
    measures = by_key(
        session,
        select(
            key,
            func.count(),
            func.avg(DefenseUnit.readiness),
            func.min(DefenseUnit.readiness),
            func.sum(DefenseUnit.committees_total),
            func.sum(DefenseUnit.committees_complete),
            func.sum(case((overdue_clause(today, overdue_days), 1), else_=0)),
        )
        .where(*where)
        .group_by(key),
    )
    phases: dict[str, dict[str, int]] = {}
    for code, phase, n in session.execute(
        select(key, DefenseUnit.phase, func.count()).where(*where).group_by(key, DefenseUnit.phase)
    ).all():
        if code is not None:
            phases.setdefault(code, {})[phase] = int(n)
    rows = []
    for code, name, lat, lon in places:
        units, avg, low, total, complete, overdue = measures.get(code, (0, None, None, 0, 0, 0))
        rows.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "lat": lat,
                "lon": lon,
                "units": int(units),
                "avg_readiness": None if avg is None else round(float(avg), 1),
                "min_readiness": None if low is None else round(float(low), 1),
                "committees_total": int(total or 0),
                "committees_complete": int(complete or 0),
                "exercises_overdue": int(overdue or 0),
                "phases": {p: phases.get(code, {}).get(p, 0) for p in _phase_order(phases, code)},
            }
        )
    return rows


def _phase_order(phases: dict[str, dict[str, int]], code: str) -> list[str]:
    extra = sorted(set(phases.get(code, {})) - set(PHASES))
    return [*PHASES, *extra]


def by_plan_phase(
    session: Session, ref: TerritoryRef | None, plan: str | None = None
) -> list[dict[str, Any]]:
    """Units and mean readiness per plan and phase (phases in their natural order)."""
    rows = session.execute(
        select(DefenseUnit.plan, DefenseUnit.phase, func.count(), func.avg(DefenseUnit.readiness))
        .where(*_where(ref, plan))
        .group_by(DefenseUnit.plan, DefenseUnit.phase)
    ).all()
    order = {p: i for i, p in enumerate(PHASES)}
    result = [
        {"plan": p, "phase": ph, "units": int(n), "avg_readiness": round(float(avg), 1)}
        for p, ph, n, avg in rows
    ]
    return sorted(result, key=lambda r: (r["plan"], order.get(r["phase"], len(PHASES))))


def _unit_rows(session: Session, stmt: Any, today: date) -> list[dict[str, Any]]:
    return [
        {
            "id": uid,
            "territory": names.place_name(name, level, estado),
            "plan": plan,
            "phase": phase,
            "readiness": readiness,
            "last_exercise_on": last,
            "days_since_exercise": None if last is None else (today - last).days,
            "committees_total": total,
            "committees_complete": complete,
        }
        for uid, name, plan, phase, readiness, last, total, complete, level, estado in (
            session.execute(stmt)
        )
    ]


def _unit_select() -> Any:
    return select(
        DefenseUnit.id,
        Territory.name,
        DefenseUnit.plan,
        DefenseUnit.phase,
        DefenseUnit.readiness,
        DefenseUnit.last_exercise_on,
        DefenseUnit.committees_total,
        DefenseUnit.committees_complete,
        Territory.level,
        Territory.estado_code,
    ).join(Territory, Territory.code == DefenseUnit.territory_code)


def committees_incomplete(
    session: Session,
    ref: TerritoryRef | None,
    today: date,
    limit: int = 50,
    plan: str | None = None,
) -> list[dict[str, Any]]:
    """Units whose committees are incomplete, the largest gap first."""
    gap = DefenseUnit.committees_total - DefenseUnit.committees_complete
    order = (gap.desc(), DefenseUnit.readiness, DefenseUnit.id)
    return _unit_rows(
        session, _first_units([*_where(ref, plan), _incomplete()], order, limit), today
    )


def exercises_overdue(
    session: Session,
    ref: TerritoryRef | None,
    today: date,
    overdue_days: int = DEFAULT_OVERDUE_DAYS,
    limit: int = 50,
    plan: str | None = None,
) -> list[dict[str, Any]]:
    """Units whose last exercise is older than ``overdue_days`` (or never), oldest first."""
    order = (
        DefenseUnit.last_exercise_on.is_not(None),
        DefenseUnit.last_exercise_on,
        DefenseUnit.id,
    )
    where = [*_where(ref, plan), overdue_clause(today, overdue_days)]
    return _unit_rows(session, _first_units(where, order, limit), today)


def _first_units(where: list[Any], order: tuple[Any, ...], limit: int) -> Any:
    """The first ``limit`` units in ``order``, then their territories: joining the
    territories first made PostgreSQL hash every unit of the country to keep 25."""
    first = select(DefenseUnit.id).where(*where).order_by(*order).limit(limit).subquery()
    return _unit_select().join(first, first.c.id == DefenseUnit.id).order_by(*order)


# -- the table and export ----------------------------------------------------------------


def _units_select(view: View) -> Select[Any]:
    """Every unit inside the territory (and plan), for the table and CSV (no time range)."""
    return (
        select(
            DefenseUnit.id.label("id"),
            Territory.name.label("territory"),
            Territory.level.label("territory_level"),
            DefenseUnit.plan.label("plan"),
            DefenseUnit.phase.label("phase"),
            DefenseUnit.readiness.label("readiness"),
            DefenseUnit.last_exercise_on.label("last_exercise_on"),
            DefenseUnit.committees_complete.label("committees_complete"),
            DefenseUnit.committees_total.label("committees_total"),
            DefenseUnit.updated_at.label("updated_at"),
            DefenseUnit.estado_code.label("estado_code"),
        )
        .select_from(DefenseUnit)
        .outerjoin(Territory, Territory.code == DefenseUnit.territory_code)
        .where(*_where(view.ref, view.filters.categoria))
    )


UNITS = register_dataset(
    Dataset(
        name="defensa",
        title="Unidades de defensa",
        columns=(
            Column("id", "Unidad", width=170),
            Column(
                "territory",
                "Territorio",
                width=260,
                place_of=("territory_level", "estado_code"),
            ),
            Column("plan", "Plan", width=280),
            Column("phase", "Fase", width=130, labels=names.DEFENSE_PHASE),
            Column("readiness", "Alistamiento %", "decimal", width=120),
            Column("last_exercise_on", "Último ejercicio", "date", width=130),
            Column("committees_complete", "Comités completos", "number", width=120),
            Column("committees_total", "Comités", "number", width=100),
            Column("updated_at", "Actualizado", "datetime", width=150),
            Column(
                "estado_code", "Estado (código)", "territory", screen_header="Estado", width=150
            ),
        ),
        build=_units_select,
        default_sort=(("readiness", False),),
        uses_range=False,
        categories=CATEGORIES,
    )
)
