"""Everything the territory briefing (``/informe``, ``/informe.pdf``, ``manage.py informe``)
needs, for one territory and one moment.

The briefing is an arrangement of figures the Sala already computes, never a second
computation of them: its headline figures are :func:`data.queries.summary.summary` (so the
document says exactly what ``GET /api/v1/summary`` says for that territory and moment), and
its lists, comparisons and rankings come from the queries of the pages (``projects``,
``clap``, ``cases``, ``incidents``, ``defense``, ``alerts``, ``panorama``), the areas asked
at the same time on their own sessions. The only SQL of its own is the money already
transferred to the stalled projects it lists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.filters import Filters
from core.sla import DEFAULT_SLA_HOURS
from core.timeutil import caracas_date, to_utc, utcnow
from data import audit
from data.alerts.present import present
from data.models import Transfer
from data.queries import alerts as alert_queries
from data.queries import cases, clap, defense, incidents, panorama, projects
from data.queries.filters import breadcrumb
from data.queries.parallel import run_parallel
from data.queries.summary import summary
from data.scope import NATIONAL, Scope, resolve

LIST_LIMIT = 8  # rows of each "what needs attention" list: a reader with five minutes
ALERT_LIMIT = 15
RESOLVED_DAYS = 7  # "recently resolved" alerts: resolved in the last week
RANK_SIZE = 3  # best and worst territories shown per area
PERIOD = "30d"  # the comparison period of the pages' default view

# Per area of the ranking: the measure of ``panorama.territory_measures``, its label, and
# whether a higher value is better.
RANKED_MEASURES: tuple[tuple[str, str, str, bool], ...] = (
    ("proyectos", "projects_avg_progress", "Avance físico medio de los proyectos", True),
    ("clap", "clap_coverage", "Cobertura CLAP de hoy", True),
    ("casos", "cases_open", "Casos 1x10 abiertos", False),
    ("paz", "incidents_24h", "Incidentes en las últimas 24 h", False),
    ("defensa", "defense_readiness", "Alistamiento medio", True),
)


def _sent_to(session: Session, ids: list[str], as_of: datetime) -> dict[str, float]:
    """Money transferred to each of ``ids`` up to ``as_of`` (the listed stalled projects)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Transfer.project_id, func.sum(Transfer.amount_usd))
        .where(Transfer.project_id.in_(ids), Transfer.transferred_at <= as_of)
        .group_by(Transfer.project_id)
    ).all()
    return {pid: round(float(usd or 0), 2) for pid, usd in rows}


def _projects(session: Session, scope: Scope, filters: Filters, as_of: datetime) -> dict[str, Any]:
    kpis = projects.kpis(session, scope, filters, as_of)
    # The longest-stalled projects that already received money (the list's point: money
    # sent, nothing built); a few times the list's length is read to find them.
    stalled = projects.stalled_projects(session, scope, filters, as_of, limit=4 * LIST_LIMIT)
    sent = _sent_to(session, [p["id"] for p in stalled], as_of)
    for row in stalled:
        row["transferred_usd"] = sent.get(row["id"], 0.0)
    stalled = [row for row in stalled if row["transferred_usd"] > 0][:LIST_LIMIT]
    rounds: dict[str, dict[str, int]] = {}
    for row in projects.status_by_round(session, scope, filters, as_of):
        rounds.setdefault(row["consulta"], {})[row["status"]] = row["count"]
    return {
        "kpis": kpis,
        "stalled": stalled,
        "by_round": rounds,
        "banks": projects.transfers_by_bank(session, scope, filters, as_of, limit=LIST_LIMIT),
        "by_category": projects.by_category(session, scope, filters, as_of)[:LIST_LIMIT],
    }


def _clap(
    session: Session, scope: Scope, ref: Any, filters: Filters, as_of: datetime
) -> dict[str, Any]:
    return {
        "kpis": clap.kpis(session, scope, filters, as_of),
        "late": clap.late_committees(session, scope, filters, as_of, limit=LIST_LIMIT),
        "late_days": clap.LATE_DAYS,
        "daily": panorama.clap_daily(session, ref, as_of),
    }


def _cases(
    session: Session, ref: Any, filters: Filters, as_of: datetime, targets: dict[str, float]
) -> dict[str, Any]:
    start, end = filters.time_bounds(as_of)
    prev_start, prev_end = filters.previous_time_bounds(as_of)
    breaches = cases.sla_breaches(session, ref, start, end, targets)
    return {
        "period": cases.totals(session, ref, start, end),
        "previous": cases.totals(session, ref, prev_start, prev_end, include_open=False),
        "out_of_sla": [row for row in breaches if row["open_late"]][:LIST_LIMIT],
        "open_late": sum(row["open_late"] for row in breaches),
        "oldest": cases.oldest_open(session, ref, as_of, limit=LIST_LIMIT),
        "daily": panorama.cases_daily(session, ref, as_of),
    }


def _incidents(session: Session, ref: Any, as_of: datetime) -> dict[str, Any]:
    week_ago = as_of - timedelta(days=7)
    return {
        "week": incidents.totals(session, ref, week_ago, as_of),
        "previous_week": incidents.totals(session, ref, week_ago - timedelta(days=7), week_ago),
        "above_usual": incidents.above_usual(session, ref, as_of, limit=LIST_LIMIT),
        "by_hour": panorama.incidents_by_hour(session, ref, as_of),
    }


def _defense(session: Session, ref: Any, as_of: datetime, overdue_days: int) -> dict[str, Any]:
    today = caracas_date(as_of)
    return {
        "totals": defense.totals(session, ref, today, overdue_days),
        "overdue": defense.exercises_overdue(session, ref, today, overdue_days, limit=LIST_LIMIT),
        "overdue_days": overdue_days,
        "target": defense.READINESS_TARGET,
    }


def _alerts(session: Session, ref: Any, as_of: datetime) -> dict[str, Any]:
    """Unresolved alerts now, and those resolved in the ``RESOLVED_DAYS`` before ``as_of``
    (alerts carry their current state: a briefing of a past moment lists today's)."""
    unresolved = alert_queries.list_alerts(
        session, ref, states=alert_queries.UNRESOLVED, limit=ALERT_LIMIT, with_notes=False
    )
    since = as_of - timedelta(days=RESOLVED_DAYS)
    resolved = [
        row
        for row in alert_queries.list_alerts(
            session, ref, state="resuelta", limit=ALERT_LIMIT * 4, with_notes=False
        )
        if row["resolved_at"] is not None and since < to_utc(row["resolved_at"]) <= as_of
    ][:ALERT_LIMIT]
    return {
        "open": [present(row) for row in unresolved],
        "open_total": alert_queries.count_alerts(session, ref, states=alert_queries.UNRESOLVED),
        "resolved": [present(row) for row in resolved],
        "resolved_days": RESOLVED_DAYS,
    }


def _ranking(session: Session, ref: Any, as_of: datetime) -> dict[str, Any]:
    """The territories directly below ``ref``, best and worst per area (none below a
    circuito: its places are consejos and cuadrantes, listed in the areas)."""
    if ref is not None and ref.level not in ("estado", "municipio", "parroquia"):
        return {"level": None, "count": 0, "areas": [], "rows": []}
    rows = panorama.territory_measures(session, ref, as_of)
    areas = []
    for area, key, label, higher_better in RANKED_MEASURES:
        valued = [r for r in rows if r[key] is not None]
        ordered = sorted(valued, key=lambda r: (-r[key] if higher_better else r[key], r["name"]))
        best = ordered[:RANK_SIZE]
        worst = [r for r in reversed(ordered) if r not in best][:RANK_SIZE]
        areas.append(
            {
                "area": area,
                "measure": key,
                "label": label,
                "higher_is_better": higher_better,
                "best": [_ranked(r, key) for r in best],
                "worst": [_ranked(r, key) for r in worst],
                "without_data": len(rows) - len(valued),
            }
        )
    return {"level": panorama.map_level(ref), "count": len(rows), "areas": areas, "rows": rows}


def _ranked(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {"code": row["code"], "name": row["name"], "value": row[key]}


def briefing(
    session: Session,
    scope: Scope,
    code: str | None,
    as_of: datetime | None = None,
    sla_targets: dict[str, float] | None = None,
    exercise_overdue_days: int = defense.DEFAULT_OVERDUE_DAYS,
) -> dict[str, Any]:
    """The briefing of territory ``code`` (None = the caller's whole scope) at ``as_of``.

    Raises ``OutOfScope`` / ``UnknownTerritory`` like every scoped query, before reading
    anything else."""
    ref = resolve(session, scope, code)
    as_of = to_utc(as_of) if as_of else utcnow()
    filters = Filters(territorio=ref.code if ref else None, rango=PERIOD)
    targets = sla_targets or DEFAULT_SLA_HOURS
    # The areas are independent questions: asked at once, each on its own session, the
    # database answers them side by side (data.queries.parallel, as the pages do).
    parts = run_parallel(
        session.get_bind(),
        {
            "summary": lambda s: summary(s, ref, as_of),
            "projects": lambda s: _projects(s, scope, filters, as_of),
            "clap": lambda s: _clap(s, scope, ref, filters, as_of),
            "cases": lambda s: _cases(s, ref, filters, as_of, targets),
            "incidents": lambda s: _incidents(s, ref, as_of),
            "defense": lambda s: _defense(s, ref, as_of, exercise_overdue_days),
            "alerts": lambda s: _alerts(s, ref, as_of),
            "ranking": lambda s: _ranking(s, ref, as_of),
        },
    )
    return {
        "territory": ref,
        "path": breadcrumb(session, NATIONAL, ref.code if ref else None),
        "scope": scope,
        "as_of": as_of,
        "period": filters,
        **parts,
    }


def record_download(
    session: Session,
    actor: str,
    fmt: str,
    code: str | None,
    as_of: datetime,
    ip: str | None,
    fallback: str | None,
) -> None:
    """The audit entry of one briefing served (``html`` or ``pdf``): an export of the set
    ``informe``, about its territory (``fallback``, the caller's own, for the whole scope)."""
    audit.record(
        session,
        actor,
        "exportar",
        {
            "conjunto": "informe",
            "formato": fmt,
            "filtros": {"territorio": code} if code else {},
            "as_of": as_of.isoformat(),
        },
        ip,
        code or fallback,
    )
