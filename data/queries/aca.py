"""Agendas Concretas de Acción (ACA): the actions of each territory by 7T and status.

Every function takes the territory the caller asked for, already resolved inside the
caller's scope (``data.scope.resolve``), and restricts every query to it; ``transformation``
narrows to one of the 7T when given. Actions are a state: each is counted as it stands now.
An action is **overdue** when it is ``pendiente`` or ``en_curso`` and its ``due_on`` is before
the given day (the Caracas date of the moment asked for): due today is not late yet.

Other parts of the Sala (the summary, the alerts, the territory briefing) call
:func:`aca_summary` and :func:`overdue_actions`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from core import names
from core.timeutil import caracas_date
from data.models import ACTION_STATUSES, Action, Project, Territory
from data.queries.common import by_key, count_if, map_places
from data.queries.datasets import Column, Dataset, register_dataset
from data.queries.filters import View
from data.scope import TerritoryRef, territory_clause
from data.transformations import LABELS as T_LABELS
from data.transformations import NUMBERS as T_NUMBERS

OPEN_STATUSES = ("pendiente", "en_curso")
STATUS_LABELS = names.ACTION_STATUS
DUE_SOON_DAYS = 7
# The page's category filter: one of the 7T (URL value ``T4``).
CATEGORIES: dict[str, str] = {f"T{n}": label for n, label in T_LABELS.items()}


def transformation_of(categoria: str | None) -> int | None:
    """The 7T number of the page's category value (``T4`` → 4; anything else → None)."""
    if categoria and categoria in CATEGORIES:
        return int(categoria[1:])
    return None


def _where(ref: TerritoryRef | None, transformation: int | None) -> list[ColumnElement[bool]]:
    clauses = [territory_clause(Action, ref)]
    if transformation is not None:
        clauses.append(Action.transformation == transformation)
    return clauses


def overdue_clause(today: date) -> ColumnElement[bool]:
    """Open (``pendiente``/``en_curso``) and due before ``today``."""
    return and_(Action.status.in_(OPEN_STATUSES), Action.due_on < today)


def aca_summary(session: Session, ref: TerritoryRef | None, as_of: datetime) -> dict[str, Any]:
    """``{"total", "by_status": {status: n}, "overdue"}``: the ``aca`` part of
    ``GET /api/v1/summary``; overdue against the Caracas date of ``as_of``."""
    today = caracas_date(as_of)
    total, overdue, *by_status = session.execute(
        select(
            func.count(),
            count_if(overdue_clause(today)),
            *(count_if(Action.status == status) for status in ACTION_STATUSES),
        ).where(territory_clause(Action, ref))
    ).one()
    return {
        "total": int(total or 0),
        "by_status": {s: int(n or 0) for s, n in zip(ACTION_STATUSES, by_status, strict=True)},
        "overdue": int(overdue or 0),
    }


def totals(
    session: Session, ref: TerritoryRef | None, today: date, transformation: int | None = None
) -> dict[str, Any]:
    """The KPI numbers: actions per status, overdue, due in the next week, and the share
    done (``cumplida``) of those not cancelled."""
    soon = and_(
        Action.status.in_(OPEN_STATUSES),
        Action.due_on >= today,
        Action.due_on <= date.fromordinal(today.toordinal() + DUE_SOON_DAYS),
    )
    total, overdue, due_soon, *by_status = session.execute(
        select(
            func.count(),
            count_if(overdue_clause(today)),
            count_if(soon),
            *(count_if(Action.status == status) for status in ACTION_STATUSES),
        ).where(*_where(ref, transformation))
    ).one()
    statuses = {s: int(n or 0) for s, n in zip(ACTION_STATUSES, by_status, strict=True)}
    live = int(total or 0) - statuses["cancelada"]
    return {
        "total": int(total or 0),
        "by_status": statuses,
        "open": statuses["pendiente"] + statuses["en_curso"],
        "overdue": int(overdue or 0),
        "due_soon": int(due_soon or 0),
        "done_pct": round(100 * statuses["cumplida"] / live, 1) if live else None,
    }


def by_transformation(
    session: Session, ref: TerritoryRef | None, today: date, transformation: int | None = None
) -> list[dict[str, Any]]:
    """One row per transformation (all seven, zeros included, plus any unknown number
    stored): actions per status, overdue, and overdue per (open) status."""
    rows = session.execute(
        select(
            Action.transformation,
            Action.status,
            func.count(),
            count_if(overdue_clause(today)),
        )
        .where(*_where(ref, transformation))
        .group_by(Action.transformation, Action.status)
    ).all()
    numbers = sorted(set(T_NUMBERS) | {int(t) for t, *_ in rows})
    out = {
        n: {
            "transformation": n,
            "label": T_LABELS.get(n, f"T{n}"),
            "total": 0,
            "overdue": 0,
            "by_status": dict.fromkeys(ACTION_STATUSES, 0),
            "overdue_by_status": dict.fromkeys(OPEN_STATUSES, 0),
        }
        for n in numbers
    }
    for t, status, n, late in rows:
        row = out[int(t)]
        row["total"] += int(n)
        row["overdue"] += int(late or 0)
        row["by_status"][status] = row["by_status"].get(status, 0) + int(n)
        if late:
            row["overdue_by_status"][status] = int(late)
    return list(out.values())


def by_territory(
    session: Session, ref: TerritoryRef | None, today: date, transformation: int | None = None
) -> list[dict[str, Any]]:
    """Per territory one level below ``ref`` (or, below a circuito, the comunas and consejos
    the actions belong to): actions, open, overdue and done. Every territory of the level
    appears, with zeros where it has no action."""
    level, key, places = map_places(session, ref, Action, ("circuito", "comuna", "consejo_comunal"))
    measures = by_key(
        session,
        select(
            key,
            func.count(),
            count_if(Action.status.in_(OPEN_STATUSES)),
            count_if(overdue_clause(today)),
            count_if(Action.status == "cumplida"),
        )
        .where(*_where(ref, transformation))
        .group_by(key),
    )
    rows = []
    for code, name, lat, lon in places:
        total, open_, overdue, done = measures.get(code, (0, 0, 0, 0))
        rows.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "lat": lat,
                "lon": lon,
                "total": int(total),
                "open": int(open_ or 0),
                "overdue": int(overdue or 0),
                "done": int(done or 0),
            }
        )
    return rows


def overdue_actions(
    session: Session,
    ref: TerritoryRef | None,
    today: date,
    limit: int = 25,
    transformation: int | None = None,
) -> list[dict[str, Any]]:
    """The overdue actions, the most days late first, with their owner and territory."""
    stmt = (
        select(
            Action.id,
            Action.title,
            Action.transformation,
            Action.owner,
            Action.status,
            Action.due_on,
            Action.resources,
            Action.project_id,
            Territory.name,
            Territory.level,
            Territory.estado_code,
        )
        .join(Territory, Territory.code == Action.territory_code)
        .where(*_where(ref, transformation), overdue_clause(today))
        .order_by(Action.due_on, Action.id)
        .limit(limit)
    )
    return [
        {
            "id": aid,
            "title": title,
            "transformation": t,
            "owner": owner,
            "status": status,
            "due_on": due,
            "days_late": (today - due).days,
            "resources": resources,
            "project_id": project_id,
            "territory": names.place_name(territory, level, estado),
        }
        for aid, title, t, owner, status, due, resources, project_id, territory, level, estado in (
            session.execute(stmt)
        )
    ]


# -- the table and export ----------------------------------------------------------------


def _labels(column: Any, labels: dict[Any, str]) -> Any:
    """A column shown by its human label (the raw value when the label is unknown)."""
    whens = ((column == key, literal(text)) for key, text in labels.items())
    return case(*whens, else_=cast(column, String(60)))


def _actions_select(view: View) -> Select[Any]:
    """Every action inside the territory (and transformation): a state, no time range."""
    today = caracas_date(view.as_of)
    late = case((overdue_clause(today), literal("sí")), else_=literal("no"))
    return (
        select(
            Action.id.label("id"),
            Action.title.label("title"),
            _labels(Action.transformation, T_LABELS).label("transformation"),
            Action.owner.label("owner"),
            Action.due_on.label("due_on"),
            _labels(Action.status, STATUS_LABELS).label("status"),
            late.label("overdue"),
            Territory.name.label("territory"),
            Territory.level.label("territory_level"),
            Project.title.label("project"),
            Action.resources.label("resources"),
            Action.updated_at.label("updated_at"),
            Action.estado_code.label("estado_code"),
        )
        .select_from(Action)
        .outerjoin(Territory, Territory.code == Action.territory_code)
        .outerjoin(Project, Project.id == Action.project_id)
        .where(*_where(view.ref, transformation_of(view.filters.categoria)))
    )


ACTIONS = register_dataset(
    Dataset(
        name="aca",
        title="Acciones de la ACA",
        columns=(
            Column("id", "Código", width=150),
            Column("title", "Acción", width=320),
            Column("transformation", "Transformación", width=240),
            Column("owner", "Responsable", width=220),
            Column("due_on", "Vence", "date", width=110),
            Column("status", "Estatus", width=110),
            Column("overdue", "Vencida", width=90, labels=names.YES_NO),
            Column(
                "territory",
                "Territorio",
                width=260,
                place_of=("territory_level", "estado_code"),
            ),
            Column("project", "Proyecto", width=260),
            Column("resources", "Recursos", width=220),
            Column("updated_at", "Actualizado", "datetime", width=150),
            Column(
                "estado_code", "Estado (código)", "territory", screen_header="Estado", width=150
            ),
        ),
        build=_actions_select,
        count_build=lambda view: select(Action.id).where(
            *_where(view.ref, transformation_of(view.filters.categoria))
        ),
        default_sort=(("due_on", False),),
        uses_range=False,
        categories=CATEGORIES,
    )
)
