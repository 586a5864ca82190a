"""Queries of ``/proyectos`` (Consulta Popular): status, money vs progress, stalled, banks.

Every public function takes the caller's :class:`~data.scope.Scope` and the page's
:class:`~core.filters.Filters`, resolves the territory inside the scope first
(:func:`data.queries.filters.scoped`) and aggregates in SQL. The territory and category
filters select projects; the time range selects money flows (transfers) and progress.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Select, and_, case, cast, func, select
from sqlalchemy.orm import Session

from core import names
from core.filters import Filters
from data import project_money  # noqa: F401  (keeps project.transfers_usd current)
from data.models import PROJECT_STATUSES, Project, ProjectProgress, Territory, Transfer
from data.queries.common import count_if
from data.queries.datasets import Column, Dataset, register_dataset
from data.queries.filters import View, child_key, child_territories, in_times, scoped
from data.queries.sql import decile
from data.scope import OutOfScope, Scope, resolve, territory_clause
from data.transformations import LABELS as T_LABELS

STALLED_DAYS = 30
# Quadrants of physical progress vs share of the approved money transferred.
MONEY_HIGH = 0.5  # at least half the money sent...
PROGRESS_LOW = 10.0  # ...and under 10 % built: money without progress
PROGRESS_HIGH = 50.0  # at least half built...
MONEY_LOW = 0.1  # ...with under 10 % of the money: progress without money
ACTIVE = ("financiado", "en_ejecucion", "paralizado")

CATEGORIES: dict[str, str] = names.PROJECT_CATEGORY
STATUS_LABELS = names.PROJECT_STATUS
# The 7T, named in full ("T4 · Social") as everywhere in the Sala.
TRANSFORMATIONS = T_LABELS


def _project_where(view: View) -> list[Any]:
    where = [territory_clause(Project, view.ref)]
    if view.filters.categoria:
        where.append(Project.category == view.filters.categoria)
    return where


def _transfer_where(view: View, bounds: tuple[datetime, datetime] | None = None) -> list[Any]:
    """Transfers of the view's projects (inside the territory, of the category) up to as_of."""
    where = [territory_clause(Transfer, view.ref), Transfer.transferred_at <= view.as_of]
    if bounds:
        where.append(in_times(Transfer.transferred_at, bounds))
    if view.filters.categoria:
        where.append(Transfer.project_id.in_(select(Project.id).where(*_project_where(view))))
    return where


def _sent_per_project(view: View) -> Any:
    """Subquery: money transferred to each project of the territory up to as_of."""
    return (
        select(Transfer.project_id.label("project_id"), func.sum(Transfer.amount_usd).label("sent"))
        .where(territory_clause(Transfer, view.ref), Transfer.transferred_at <= view.as_of)
        .group_by(Transfer.project_id)
        .subquery("sent")
    )


def _sent_by_project(view: View) -> tuple[Any, Any, Any]:
    """``(subquery, on clause, money sent)`` to outer-join to Project: the money sent to each
    project up to as_of.

    Nationally it is the sum kept on the project row (``project.transfers_usd``, every
    transfer of the project, see ``data.project_money``), except for the few projects with a
    transfer dated after as_of, whose transfers are summed here: no pass over every transfer.
    Inside a territory the transfers of the territory are summed (a transfer keeps the path
    its project had when it was sent)."""
    if view.ref is None:
        return sent_up_to(view.as_of)
    sent = _sent_per_project(view)
    return sent, sent.c.project_id == Project.id, func.coalesce(sent.c.sent, 0)


def sent_up_to(as_of: datetime) -> tuple[Any, Any, Any]:
    """``(subquery, on clause, money sent)`` to outer-join to Project: every transfer of each
    project up to ``as_of``, wherever it was recorded. The sum kept on the project row
    (``project.transfers_usd``), except for the few projects with a transfer dated after
    ``as_of``, whose transfers are summed here."""
    later = select(Transfer.project_id).where(Transfer.transferred_at > as_of)
    before = case((Transfer.transferred_at <= as_of, Transfer.amount_usd), else_=0)
    late = (
        select(Transfer.project_id.label("project_id"), func.sum(before).label("sent"))
        .where(Transfer.project_id.in_(later))
        .group_by(Transfer.project_id)
        .subquery("late")
    )
    return late, late.c.project_id == Project.id, func.coalesce(late.c.sent, Project.transfers_usd)


def stalled_clause(as_of: datetime, days: int = STALLED_DAYS) -> Any:
    """An active project whose physical progress has not moved in ``days`` days (the
    "sin avance" list of /proyectos and the alert rule ``proyectos_sin_avance``)."""
    cutoff = as_of - timedelta(days=days)
    return and_(
        Project.status.in_(ACTIVE),
        func.coalesce(Project.progress_changed_at, Project.updated_at) <= cutoff,
    )


def kpis(session: Session, scope: Scope, filters: Filters, as_of: datetime) -> dict[str, Any]:
    """Totals, status counts, money and the period's transfers vs the previous period."""
    view = scoped(session, scope, filters, as_of)
    # one pass over the projects: totals, a count per status and, nationally, the money sent
    # (kept on each project row, see _sent_by_project)
    stmt = select(
        func.count(),
        func.sum(Project.approved_usd),
        func.avg(Project.physical_progress),
        count_if(stalled_clause(as_of)),
        *(count_if(Project.status == status) for status in PROJECT_STATUSES),
    ).where(*_project_where(view))
    national = view.ref is None
    if national:
        late, on, sent_usd = _sent_by_project(view)
        stmt = stmt.add_columns(func.sum(sent_usd)).select_from(Project).outerjoin(late, on)
    total, approved, avg_progress, stalled, *rest = session.execute(stmt).one()
    by_status = dict(zip(PROJECT_STATUSES, rest, strict=False))
    if national:
        sent_total = rest[-1]
    else:
        sent_total = session.scalar(
            select(func.sum(Transfer.amount_usd)).where(*_transfer_where(view))
        )
    period = filters.time_bounds(as_of)
    previous = filters.previous_time_bounds(as_of)
    sent_period, n_period = session.execute(
        select(func.sum(Transfer.amount_usd), func.count()).where(*_transfer_where(view, period))
    ).one()
    sent_previous = session.scalar(
        select(func.sum(Transfer.amount_usd)).where(*_transfer_where(view, previous))
    )
    return {
        "total": int(total or 0),
        "by_status": {s: int(by_status.get(s) or 0) for s in PROJECT_STATUSES},
        "approved_usd": round(float(approved or 0), 2),
        "transferred_usd": round(float(sent_total or 0), 2),
        "avg_progress": None if avg_progress is None else round(float(avg_progress), 1),
        "stalled": int(stalled or 0),
        "transferred_period_usd": round(float(sent_period or 0), 2),
        "transfers_period": int(n_period or 0),
        "transferred_previous_usd": round(float(sent_previous or 0), 2),
    }


def status_by_round(
    session: Session, scope: Scope, filters: Filters, as_of: datetime
) -> list[dict[str, Any]]:
    """Project counts per Consulta round and status, oldest round first."""
    view = scoped(session, scope, filters, as_of)
    rows = session.execute(
        select(Project.consulta, Project.status, func.count())
        .where(*_project_where(view))
        .group_by(Project.consulta, Project.status)
        .order_by(Project.consulta, Project.status)
    ).all()
    return [{"consulta": c, "status": s, "count": int(n)} for c, s, n in rows]


def money_vs_progress(
    session: Session, scope: Scope, filters: Filters, as_of: datetime
) -> dict[str, Any]:
    """Projects binned by physical progress × share of money transferred, plus the quadrants.

    ``grid[p][m]`` counts projects with progress decile ``p`` and money-share decile ``m``;
    ``money_no_progress`` / ``progress_no_money`` use the thresholds at the top of the module.
    """
    view = scoped(session, scope, filters, as_of)
    sent, on, sent_usd = _sent_by_project(view)
    approved = cast(Project.approved_usd, Float)
    # Progress and money share per project, then their deciles.
    base = (
        select(
            Project.physical_progress.label("progress"),
            (100.0 * cast(sent_usd, Float) / case((approved > 0, approved), else_=None)).label(
                "share"
            ),
        )
        .select_from(Project)
        .outerjoin(sent, on)
        .where(*_project_where(view))
        .subquery("shares")
    )
    progress_bucket = decile(base.c.progress).label("pb")
    money_bucket = decile(func.coalesce(base.c.share, 0)).label("mb")
    stmt = select(progress_bucket, money_bucket, func.count()).group_by(
        progress_bucket, money_bucket
    )
    grid = [[0] * 10 for _ in range(10)]
    for pb, mb, n in session.execute(stmt).all():
        grid[int(pb)][int(mb)] += int(n)
    # The thresholds fall on decile edges, so the quadrants are sums of grid cells.
    money_high, progress_low = int(MONEY_HIGH * 10), int(PROGRESS_LOW / 10)
    progress_high, money_low = int(PROGRESS_HIGH / 10), int(MONEY_LOW * 10)
    return {
        "grid": grid,
        "money_no_progress": sum(
            grid[p][m] for p in range(progress_low) for m in range(money_high, 10)
        ),
        "progress_no_money": sum(
            grid[p][m] for p in range(progress_high, 10) for m in range(money_low)
        ),
    }


def stalled_projects(
    session: Session, scope: Scope, filters: Filters, as_of: datetime, limit: int = 20
) -> list[dict[str, Any]]:
    """Active projects with no progress for ``STALLED_DAYS`` days, longest-stalled first."""
    view = scoped(session, scope, filters, as_of)
    last_change = func.coalesce(Project.progress_changed_at, Project.updated_at)
    rows = session.execute(
        select(
            Project.id,
            Project.title,
            Project.status,
            Project.physical_progress,
            Project.approved_usd,
            last_change.label("since"),
            Territory.name,
        )
        .outerjoin(Territory, Territory.code == Project.circuito_code)
        .where(*_project_where(view), stalled_clause(as_of))
        .order_by(last_change, Project.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": pid,
            "title": title,
            "status": status,
            "progress": float(progress or 0),
            "approved_usd": float(approved or 0),
            "since": since,
            "days": (as_of - since).days if since else None,
            "circuito": circuito,
        }
        for pid, title, status, progress, approved, since, circuito in rows
    ]


def transfers_by_bank(
    session: Session, scope: Scope, filters: Filters, as_of: datetime, limit: int = 15
) -> list[dict[str, Any]]:
    """Money transferred in the period per communal bank, largest first."""
    view = scoped(session, scope, filters, as_of)
    total = func.sum(Transfer.amount_usd)
    rows = session.execute(
        select(Transfer.bank, func.count(), total)
        .where(*_transfer_where(view, filters.time_bounds(as_of)))
        .group_by(Transfer.bank)
        .order_by(total.desc(), Transfer.bank)
        .limit(limit)
    ).all()
    return [{"bank": b, "transfers": int(n), "usd": round(float(s or 0), 2)} for b, n, s in rows]


def by_category(
    session: Session, scope: Scope, filters: Filters, as_of: datetime
) -> list[dict[str, Any]]:
    """Projects per category: count, money approved, mean progress, paralizados."""
    view = scoped(session, scope, filters, as_of)
    rows = session.execute(
        select(
            Project.category,
            func.count(),
            func.sum(Project.approved_usd),
            func.avg(Project.physical_progress),
            count_if(Project.status == "paralizado"),
        )
        .where(*_project_where(view))
        .group_by(Project.category)
        .order_by(func.count().desc(), Project.category)
    ).all()
    return [
        {
            "category": c,
            "count": int(n),
            "approved_usd": round(float(a or 0), 2),
            "avg_progress": None if p is None else round(float(p), 1),
            "paralizado": int(z or 0),
        }
        for c, n, a, p, z in rows
    ]


def by_transformation(
    session: Session, scope: Scope, filters: Filters, as_of: datetime
) -> list[dict[str, Any]]:
    """Projects per 7T transformation (1..7): count and money approved."""
    view = scoped(session, scope, filters, as_of)
    rows = dict(
        (t, (n, a))
        for t, n, a in session.execute(
            select(Project.transformation, func.count(), func.sum(Project.approved_usd))
            .where(*_project_where(view))
            .group_by(Project.transformation)
        ).all()
    )
    return [
        {
            "transformation": t,
            "label": label,
            "count": int(rows.get(t, (0, 0))[0] or 0),
            "approved_usd": round(float(rows.get(t, (0, 0))[1] or 0), 2),
        }
        for t, label in TRANSFORMATIONS.items()
    ]


def by_territory(
    session: Session, scope: Scope, filters: Filters, as_of: datetime
) -> list[dict[str, Any]]:
    """One row per territory one level below the filter (all of them, zeros included).

    Below a circuito the rows are its comunas (the points where projects live).
    """
    view = scoped(session, scope, filters, as_of)
    key = child_key(Project, view)
    if key is None:
        return _by_comuna(session, view)
    stats = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                key,
                func.count(),
                count_if(Project.status == "en_ejecucion"),
                count_if(Project.status == "paralizado"),
                count_if(Project.status == "culminado"),
                count_if(stalled_clause(as_of)),
                func.avg(Project.physical_progress),
                func.sum(Project.approved_usd),
            )
            .where(*_project_where(view))
            .group_by(key)
        ).all()
    }
    tkey = child_key(Transfer, view)
    sent = dict(
        session.execute(
            select(tkey, func.sum(Transfer.amount_usd)).where(*_transfer_where(view)).group_by(tkey)
        ).all()
    )
    return [
        _territory_row(t, stats.get(t["code"]), sent.get(t["code"]), view.child_level)
        for t in child_territories(session, view)
    ]


def _by_comuna(session: Session, view: View) -> list[dict[str, Any]]:
    sent = _sent_per_project(view)
    rows = session.execute(
        select(
            Territory.code,
            Territory.name,
            Territory.lat,
            Territory.lon,
            func.count(Project.id),
            count_if(Project.status == "en_ejecucion"),
            count_if(Project.status == "paralizado"),
            count_if(Project.status == "culminado"),
            count_if(stalled_clause(view.as_of)),
            func.avg(Project.physical_progress),
            func.sum(Project.approved_usd),
            func.sum(sent.c.sent),
        )
        .select_from(Project)
        .join(
            Territory, Territory.code == func.coalesce(Project.comuna_code, Project.circuito_code)
        )
        .outerjoin(sent, sent.c.project_id == Project.id)
        .where(*_project_where(view))
        .group_by(Territory.code, Territory.name, Territory.lat, Territory.lon)
        .order_by(Territory.name)
    ).all()
    return [
        _territory_row(
            {"code": r[0], "name": r[1], "lat": r[2], "lon": r[3]}, r[4:11], r[11], "comuna"
        )
        for r in rows
    ]


def _territory_row(
    territory: dict[str, Any], stats: Any, sent: Any, level: str | None
) -> dict[str, Any]:
    total, running, stopped, done, stalled, progress, approved = stats or (0, 0, 0, 0, 0, None, 0)
    approved = float(approved or 0)
    sent = float(sent or 0)
    return {
        **territory,
        "level": level,
        "total": int(total or 0),
        "en_ejecucion": int(running or 0),
        "paralizado": int(stopped or 0),
        "culminado": int(done or 0),
        "stalled": int(stalled or 0),
        "avg_progress": None if progress is None else round(float(progress), 1),
        "approved_usd": round(approved, 2),
        "transferred_usd": round(sent, 2),
    }


def detail(session: Session, scope: Scope, project_id: str) -> dict[str, Any] | None:
    """One project with its progress history and transfers; refused outside the scope."""
    project = session.get(Project, project_id)
    if project is None:
        return None
    code = project.circuito_code or project.parroquia_code or project.municipio_code
    code = code or project.estado_code
    if not scope.is_national:
        if code is None:
            raise OutOfScope(project_id)
        resolve(session, scope, code)  # raises OutOfScope when outside
    history = session.execute(
        select(
            ProjectProgress.recorded_at, ProjectProgress.physical_progress, ProjectProgress.status
        )
        .where(ProjectProgress.project_id == project_id)
        .order_by(ProjectProgress.recorded_at)
    ).all()
    transfers = session.execute(
        select(Transfer.id, Transfer.transferred_at, Transfer.bank, Transfer.amount_usd)
        .where(Transfer.project_id == project_id)
        .order_by(Transfer.transferred_at)
    ).all()
    circuito = session.get(Territory, project.circuito_code) if project.circuito_code else None
    return {
        "id": project.id,
        "title": project.title,
        "consulta": project.consulta,
        "category": project.category,
        "transformation": project.transformation,
        "status": project.status,
        "physical_progress": project.physical_progress,
        "approved_usd": float(project.approved_usd or 0),
        "transferred_usd": round(sum(float(t[3] or 0) for t in transfers), 2),
        "started_on": project.started_on,
        "due_on": project.due_on,
        "progress_changed_at": project.progress_changed_at,
        "continuidad_of": project.continuidad_of,
        "circuito": circuito.name if circuito else None,
        "history": [{"at": at, "progress": float(p or 0), "status": s} for at, p, s in history],
        "transfers": [
            {"id": i, "at": at, "bank": b, "usd": float(a or 0)} for i, at, b, a in transfers
        ],
    }


# -- the table and export ----------------------------------------------------------------


def _sent_of_row(view: View) -> Any:
    """Money sent to the row's project up to as_of (evaluated only for the rows returned,
    unless the table is sorted by it)."""
    return (
        select(func.coalesce(func.sum(Transfer.amount_usd), 0))
        .where(Transfer.project_id == Project.id, Transfer.transferred_at <= view.as_of)
        .scalar_subquery()
    )


def _projects_select(view: View) -> Select[Any]:
    circuito = Territory.__table__.alias("circuito_t")
    return (
        select(
            Project.id.label("id"),
            Project.title.label("title"),
            Project.consulta.label("consulta"),
            Project.category.label("category"),
            Project.transformation.label("transformation"),
            Project.status.label("status"),
            Project.physical_progress.label("physical_progress"),
            Project.approved_usd.label("approved_usd"),
            _sent_of_row(view).label("transferred_usd"),
            Project.progress_changed_at.label("progress_changed_at"),
            circuito.c.name.label("circuito"),
            Project.estado_code.label("estado_code"),
        )
        .select_from(Project)
        .outerjoin(circuito, circuito.c.code == Project.circuito_code)
        .where(*_project_where(view))
    )


def _projects_count(view: View) -> Select[Any]:
    return select(Project.id).where(*_project_where(view))


def _transfers_select(view: View) -> Select[Any]:
    circuito = Territory.__table__.alias("circuito_t")
    return (
        select(
            Transfer.id.label("id"),
            Transfer.transferred_at.label("transferred_at"),
            Transfer.bank.label("bank"),
            Transfer.amount_usd.label("amount_usd"),
            Transfer.project_id.label("project_id"),
            circuito.c.name.label("circuito"),
            Transfer.estado_code.label("estado_code"),
        )
        .select_from(Transfer)
        .outerjoin(circuito, circuito.c.code == Transfer.circuito_code)
        .where(*_transfer_where(view, view.filters.time_bounds(view.as_of)))
    )


PROJECTS = register_dataset(
    Dataset(
        name="proyectos",
        title="Proyectos",
        columns=(
            Column("id", "Código", width=240),
            Column("title", "Proyecto", width=320),
            Column("consulta", "Consulta", width=100),
            Column("category", "Categoría", width=140, labels=CATEGORIES),
            Column("transformation", "Transformación (7T)", width=200, labels=TRANSFORMATIONS),
            Column("status", "Estatus", width=120, labels=STATUS_LABELS),
            Column("physical_progress", "Avance %", "decimal", width=100),
            Column("approved_usd", "Aprobado USD", "usd", width=130),
            Column("transferred_usd", "Transferido USD", "usd", width=140),
            Column("progress_changed_at", "Último avance", "datetime", width=150),
            Column("circuito", "Circuito comunal", width=200),
            Column(
                "estado_code", "Estado (código)", "territory", screen_header="Estado", width=150
            ),
        ),
        build=_projects_select,
        count_build=_projects_count,
        default_sort=(("consulta", True), ("id", False)),
        uses_range=False,
        categories=CATEGORIES,
    )
)
TRANSFERS = register_dataset(
    Dataset(
        name="transferencias",
        title="Transferencias del período",
        columns=(
            Column("id", "Código", width=240),
            Column("transferred_at", "Fecha", "datetime", width=150),
            Column("bank", "Banco comunal", width=260),
            Column("amount_usd", "Monto USD", "usd", width=120),
            Column("project_id", "Proyecto", width=240),
            Column("circuito", "Circuito comunal", width=200),
            Column(
                "estado_code", "Estado (código)", "territory", screen_header="Estado", width=150
            ),
        ),
        build=_transfers_select,
        count_build=lambda view: select(Transfer.id).where(
            *_transfer_where(view, view.filters.time_bounds(view.as_of))
        ),
        default_sort=(("transferred_at", True),),
        categories=CATEGORIES,
    )
)
