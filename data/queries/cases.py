"""Aggregates of the 1x10 del Buen Gobierno page (``/casos``).

Every function takes the territory the caller asked for, already resolved inside the caller's
scope (``data.scope.resolve``), and restricts every query to it; ``category`` narrows to one
category when given. Ranges are ``(start, end]`` in UTC, as ``Filters.time_bounds`` gives; "open" is a state at ``as_of``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from core.sla import DEFAULT_SLA_HOURS, FALLBACK
from data.models import CaseEvent, CitizenCase, Territory
from data.queries.common import at, by_key, map_places
from data.queries.datasets import Column, Dataset, register_dataset
from data.queries.filters import View, in_times
from data.queries.sql import grouped_percentiles, hours_between
from data.scope import TerritoryRef, territory_clause

# The funnel's stages and, for each current status, the last stage the case reached.
STAGES = ("recibido", "asignado", "en_atencion", "resuelto")
STAGE_LABELS = {
    "recibido": "Recibido",
    "asignado": "Asignado",
    "en_atencion": "En atención",
    "resuelto": "Resuelto",
}
_STAGE_RANK = {"recibido": 0, "asignado": 1, "en_atencion": 2, "resuelto": 3, "cerrado": 3}
# Age buckets of open cases: label and upper bound in hours (None = no bound).
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("< 24 h", 24),
    ("1–3 días", 72),
    ("3–7 días", 168),
    ("7–30 días", 720),
    ("> 30 días", None),
)
PERCENTILE_GROUPS = ("institution", "category")
# The page's category filter: the 1x10 categories (URL value: label).
CATEGORIES: dict[str, str] = {
    "agua": "Agua",
    "electricidad": "Electricidad",
    "gas": "Gas",
    "salud": "Salud",
    "ayuda médica": "Ayuda médica",
    "alimentación": "Alimentación",
    "vialidad": "Vialidad",
    "telecomunicaciones": "Telecomunicaciones",
    "educación": "Educación",
    "vivienda": "Vivienda",
    "seguridad": "Seguridad",
    "defensa": "Defensa",
    "alteración del orden": "Alteración del orden",
    "otros": "Otros",
}
STATUS_LABELS = {
    "recibido": "Recibido",
    "asignado": "Asignado",
    "en_atencion": "En atención",
    "resuelto": "Resuelto",
    "cerrado": "Cerrado",
    "rechazado": "Rechazado",
}


def _where(ref: TerritoryRef | None, category: str | None) -> list[ColumnElement[bool]]:
    clauses = [territory_clause(CitizenCase, ref)]
    if category:
        clauses.append(CitizenCase.category == category)
    return clauses


def _open(as_of: datetime) -> list[ColumnElement[bool]]:
    """A case is open at ``as_of`` when reported by then, not rejected and not yet resolved."""
    return [
        CitizenCase.reported_at <= as_of,
        CitizenCase.status != "rechazado",
        (CitizenCase.resolved_at.is_(None)) | (CitizenCase.resolved_at > as_of),
    ]


def _reported_in(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [in_times(CitizenCase.reported_at, (start, end))]


def _resolved_in(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [in_times(CitizenCase.resolved_at, (start, end))]


def funnel(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None = None,
) -> dict[str, int]:
    """Cases reported in the range that reached each stage (a resolved case counts in all four).

    A case's furthest stage comes from its current status (statuses only move forward;
    ``cerrado`` follows ``resuelto``), or from ``resolved_at`` when it is set. Rejected cases
    reached only ``recibido``.
    """
    rank = case(
        (CitizenCase.resolved_at.is_not(None), 3),
        *((CitizenCase.status == status, r) for status, r in _STAGE_RANK.items()),
        else_=0,
    )
    rows = dict(
        session.execute(
            select(rank, func.count())
            .where(*_where(ref, category), *_reported_in(start, end))
            .group_by(rank)
        ).all()
    )
    return {stage: int(sum(n for r, n in rows.items() if r >= i)) for i, stage in enumerate(STAGES)}


def open_by_age(
    session: Session, ref: TerritoryRef | None, as_of: datetime, category: str | None = None
) -> list[dict[str, Any]]:
    """Open cases at ``as_of`` per age bucket (every bucket present, zeros included)."""
    age = hours_between(CitizenCase.reported_at, at(as_of))
    bucket = case(
        *((age < bound, i) for i, (_, bound) in enumerate(AGE_BUCKETS) if bound is not None),
        else_=len(AGE_BUCKETS) - 1,
    )
    rows = dict(
        session.execute(
            select(bucket, func.count())
            .where(*_where(ref, category), *_open(as_of))
            .group_by(bucket)
        ).all()
    )
    return [
        {"bucket": label, "cases": int(rows.get(i, 0))} for i, (label, _) in enumerate(AGE_BUCKETS)
    ]


def time_percentiles(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    by: str,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """p50/p90 hours of response and resolution per ``by`` (``institution`` or ``category``).

    Response: reported → first ``asignado`` event, for cases reported in the range.
    Resolution: reported → resolved, for cases resolved in the range. Rows sorted by the
    number of resolved cases, largest first.
    """
    if by not in PERCENTILE_GROUPS:
        raise ValueError(f"by debe ser uno de {PERCENTILE_GROUPS}")
    key = getattr(CitizenCase, by)
    # First assignment per case, looked up only for the cases in scope (index on case_id).
    first_assigned = func.min(CaseEvent.at)
    response = grouped_percentiles(
        session,
        select(key.label("g"), hours_between(CitizenCase.reported_at, first_assigned).label("v"))
        .join(CaseEvent, (CaseEvent.case_id == CitizenCase.id) & (CaseEvent.status == "asignado"))
        .where(*_where(ref, category), *_reported_in(start, end))
        .group_by(CitizenCase.id, key, CitizenCase.reported_at),
        (0.5, 0.9),
    )
    resolution = grouped_percentiles(
        session,
        select(
            key.label("g"),
            hours_between(CitizenCase.reported_at, CitizenCase.resolved_at).label("v"),
        ).where(*_where(ref, category), *_resolved_in(start, end)),
        (0.5, 0.9),
    )
    rows = []
    for name in set(response) | set(resolution):
        resp, res = response.get(name, {}), resolution.get(name, {})
        rows.append(
            {
                "name": name or "Sin asignar",
                "response_n": resp.get("n", 0),
                "response_p50": _round(resp.get(0.5)),
                "response_p90": _round(resp.get(0.9)),
                "resolution_n": res.get("n", 0),
                "resolution_p50": _round(res.get(0.5)),
                "resolution_p90": _round(res.get(0.9)),
            }
        )
    return sorted(rows, key=lambda r: (-r["resolution_n"], -r["response_n"], r["name"]))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _target(targets: dict[str, float]) -> Any:
    """The SLA target in hours of each row's category, as a SQL CASE."""
    fallback = targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])
    whens = [(CitizenCase.category == name, hours) for name, hours in targets.items()]
    return case(*whens, else_=fallback) if whens else literal(fallback)


def sla_breaches(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    targets: dict[str, float] | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """Per category: its target, open cases at ``end`` past it, and resolutions in the range
    that took longer than it. Sorted by open breaches, largest first."""
    targets = targets or DEFAULT_SLA_HOURS
    target = _target(targets)
    age = hours_between(CitizenCase.reported_at, at(end))
    took = hours_between(CitizenCase.reported_at, CitizenCase.resolved_at)
    open_rows = session.execute(
        select(CitizenCase.category, func.count(), func.sum(case((age > target, 1), else_=0)))
        .where(*_where(ref, category), *_open(end))
        .group_by(CitizenCase.category)
    ).all()
    resolved_rows = session.execute(
        select(CitizenCase.category, func.count(), func.sum(case((took > target, 1), else_=0)))
        .where(*_where(ref, category), *_resolved_in(start, end))
        .group_by(CitizenCase.category)
    ).all()
    rows: dict[str, dict[str, Any]] = {}
    for name, n, late in open_rows:
        rows.setdefault(name, _sla_row(name, targets)).update(open=int(n), open_late=int(late or 0))
    for name, n, late in resolved_rows:
        rows.setdefault(name, _sla_row(name, targets)).update(
            resolved=int(n), resolved_late=int(late or 0)
        )
    for row in rows.values():
        row["resolved_late_pct"] = (
            round(100 * row["resolved_late"] / row["resolved"], 1) if row["resolved"] else None
        )
    return sorted(
        rows.values(), key=lambda r: (-r["open_late"], -r["resolved_late"], r["category"])
    )


def _sla_row(name: str, targets: dict[str, float]) -> dict[str, Any]:
    fallback = targets.get(FALLBACK, DEFAULT_SLA_HOURS[FALLBACK])
    return {
        "category": name,
        "target_hours": targets.get(name, fallback),
        "open": 0,
        "open_late": 0,
        "resolved": 0,
        "resolved_late": 0,
    }


def oldest_open(
    session: Session,
    ref: TerritoryRef | None,
    as_of: datetime,
    limit: int = 20,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The ``limit`` open cases reported longest ago, with their territory's name."""
    stmt = (
        select(
            CitizenCase.id,
            CitizenCase.category,
            CitizenCase.status,
            CitizenCase.institution,
            CitizenCase.reported_at,
            Territory.name,
            CitizenCase.estado_code,
        )
        .join(Territory, Territory.code == CitizenCase.territory_code)
        .where(*_where(ref, category), *_open(as_of))
        .order_by(CitizenCase.reported_at, CitizenCase.id)
        .limit(limit)
    )
    return [
        {
            "id": cid,
            "category": cat,
            "status": status,
            "institution": institution,
            "reported_at": reported,
            "age_hours": round((as_of - reported).total_seconds() / 3600, 1),
            "territory": name,
            "estado_code": estado,
        }
        for cid, cat, status, institution, reported, name, estado in session.execute(stmt).all()
    ]


def by_category(
    session: Session, ref: TerritoryRef | None, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per category: cases reported and resolved in the range, and open at ``end``."""
    reported = dict(
        session.execute(
            select(CitizenCase.category, func.count())
            .where(*_where(ref, None), *_reported_in(start, end))
            .group_by(CitizenCase.category)
        ).all()
    )
    resolved = dict(
        session.execute(
            select(CitizenCase.category, func.count())
            .where(*_where(ref, None), *_resolved_in(start, end))
            .group_by(CitizenCase.category)
        ).all()
    )
    still_open = dict(
        session.execute(
            select(CitizenCase.category, func.count())
            .where(*_where(ref, None), *_open(end))
            .group_by(CitizenCase.category)
        ).all()
    )
    names = set(reported) | set(resolved) | set(still_open)
    rows = [
        {
            "category": name,
            "reported": int(reported.get(name, 0)),
            "resolved": int(resolved.get(name, 0)),
            "open": int(still_open.get(name, 0)),
        }
        for name in names
    ]
    return sorted(rows, key=lambda r: (-r["reported"], r["category"]))


def totals(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    category: str | None = None,
) -> dict[str, Any]:
    """The KPI numbers of a range: reported, resolved, open at ``end`` and median resolution.

    Call it again with the previous range for the ▲▼ comparison.
    """
    where = _where(ref, category)
    reported = session.scalar(select(func.count()).where(*where, *_reported_in(start, end)))
    resolved_where = [*where, *_resolved_in(start, end)]
    resolved = session.scalar(select(func.count()).where(*resolved_where))
    still_open = session.scalar(select(func.count()).where(*where, *_open(end)))
    median = grouped_percentiles(
        session,
        select(
            literal(1).label("g"),
            hours_between(CitizenCase.reported_at, CitizenCase.resolved_at).label("v"),
        ).where(*resolved_where),
        (0.5,),
    )
    return {
        "reported": int(reported or 0),
        "resolved": int(resolved or 0),
        "open": int(still_open or 0),
        "resolution_p50": _round(median.get(1, {}).get(0.5)),
    }


def by_territory(
    session: Session,
    ref: TerritoryRef | None,
    start: datetime,
    end: datetime,
    targets: dict[str, float] | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The map's measure: per territory one level below ``ref`` (or its places below a circuito, see ``map_places``), cases reported in the range,
    open at ``end`` and open past their SLA target. Every territory of the level appears."""
    level, key, places = map_places(session, ref, CitizenCase)
    late = hours_between(CitizenCase.reported_at, at(end)) > _target(targets or DEFAULT_SLA_HOURS)
    open_rows = by_key(
        session,
        select(key, func.count(), func.sum(case((late, 1), else_=0)))
        .where(*_where(ref, category), *_open(end))
        .group_by(key),
    )
    reported = by_key(
        session,
        select(key, func.count())
        .where(*_where(ref, category), *_reported_in(start, end))
        .group_by(key),
    )
    return [
        {
            "code": code,
            "name": name,
            "level": level,
            "lat": lat,
            "lon": lon,
            "reported": int(reported.get(code, (0,))[0]),
            "open": int(open_rows.get(code, (0, 0))[0]),
            "open_late": int(open_rows.get(code, (0, 0))[1] or 0),
        }
        for code, name, lat, lon in places
    ]


# -- the table and export ----------------------------------------------------------------


def _cases_select(view: View) -> Select[Any]:
    """The cases reported in the filters' range (and category), for the table and CSV."""
    start, end = view.filters.time_bounds(view.as_of)
    return (
        select(
            CitizenCase.id.label("id"),
            CitizenCase.reported_at.label("reported_at"),
            CitizenCase.category.label("category"),
            CitizenCase.status.label("status"),
            CitizenCase.institution.label("institution"),
            Territory.name.label("consejo"),
            CitizenCase.resolved_at.label("resolved_at"),
            hours_between(CitizenCase.reported_at, CitizenCase.resolved_at).label("hours"),
            CitizenCase.estado_code.label("estado_code"),
            CitizenCase.municipio_code.label("municipio_code"),
        )
        .select_from(CitizenCase)
        .outerjoin(Territory, Territory.code == CitizenCase.territory_code)
        .where(*_where(view.ref, view.filters.categoria), *_reported_in(start, end))
    )


CASES = register_dataset(
    Dataset(
        name="casos",
        title="Casos 1x10",
        columns=(
            Column("id", "Caso", width=140),
            Column("reported_at", "Reportado", "datetime", width=150),
            Column("category", "Categoría", width=150),
            Column("status", "Estatus", width=110),
            Column("institution", "Institución", width=240),
            Column("consejo", "Consejo comunal", width=220),
            Column("resolved_at", "Resuelto", "datetime", width=150),
            Column("hours", "Horas hasta resolver", "decimal", width=120),
            Column("estado_code", "Estado (código)", width=110),
            Column("municipio_code", "Municipio (código)", width=130),
        ),
        build=_cases_select,
        default_sort=(("reported_at", True),),
        categories=CATEGORIES,
    )
)
