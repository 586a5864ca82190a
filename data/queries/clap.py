"""Queries of ``/clap``: families served vs planned, late committees, daily trend, kg and bags.

Every public function takes the caller's scope and the page's filters, resolves the
territory inside the scope first and aggregates in SQL. The range selects delivery days
(Caracas calendar days); the category selects complete or incomplete batches.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from core.filters import Filters
from core.timeutil import caracas_date
from data.models import ClapCommittee, ClapDelivery, Territory
from data.queries.datasets import Column, Dataset, register_dataset
from data.queries.filters import View, child_key, child_territories, in_days, scoped
from data.scope import Scope, territory_clause

LATE_DAYS = 35  # a committee delivers once a month: over 35 days without one is late
CATEGORIES: dict[str, str] = {
    "completa": "Entregas completas",
    "incompleta": "Entregas incompletas",
}


def _category_clause(view: View) -> Any:
    """The page's category as a condition on a batch (None = every batch)."""
    if view.filters.categoria == "completa":
        return ClapDelivery.families_served >= ClapDelivery.families_planned
    if view.filters.categoria == "incompleta":
        return ClapDelivery.families_served < ClapDelivery.families_planned
    return None


def _delivery_where(view: View, days: tuple[date, date] | None = None) -> list[Any]:
    where = [territory_clause(ClapDelivery, view.ref)]
    if days:
        where.append(in_days(ClapDelivery.delivered_on, days))
    category = _category_clause(view)
    if category is not None:
        where.append(category)
    return where


def _month_bounds(today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """This month up to today, and the same days of the previous month."""
    first = today.replace(day=1)
    prev_last = first - timedelta(days=1)
    prev_first = prev_last.replace(day=1)
    return (first, today), (prev_first, min(prev_first + (today - first), prev_last))


def kpis(session: Session, scope: Scope, filters: Filters, as_of: datetime) -> dict[str, Any]:
    """Today, this month and the selected period (each vs plan), the previous period and
    the same days of last month (for ▲▼), and the committees missing deliveries.

    SQL sums the batches per day once over the whole span the windows need; the windows
    are then sums of those few daily totals (instead of one query per window).
    """
    view = scoped(session, scope, filters, as_of)
    today = caracas_date(as_of)
    month, prev_month = _month_bounds(today)
    period = filters.day_bounds(as_of)
    windows = {
        "today": (today, today),
        "same_day_last_week": (today - timedelta(7), today - timedelta(7)),
        "month": month,
        "previous_month": prev_month,
        "period": period,
        "previous_period": filters.previous_day_bounds(as_of),
    }
    first = min(w[0] for w in windows.values())
    last = max(w[1] for w in windows.values())
    daily_rows = session.execute(
        select(
            ClapDelivery.delivered_on,
            func.sum(ClapDelivery.families_planned),
            func.sum(ClapDelivery.families_served),
            func.sum(ClapDelivery.bags),
            func.sum(ClapDelivery.kg),
            func.count(),
        )
        .where(*_delivery_where(view, (first, last)))
        .group_by(ClapDelivery.delivered_on)
    ).all()
    per_day = [(_as_date(row[0]), row[1:]) for row in daily_rows]
    out: dict[str, Any] = {}
    for name, (lo, hi) in windows.items():
        totals = [0, 0, 0, 0.0, 0]
        for day, values in per_day:
            if lo <= day <= hi:
                totals = [t + (v or 0) for t, v in zip(totals, values, strict=True)]
        planned, served, bags, kg, batches = totals
        out[name] = {
            "from": lo.isoformat(),
            "to": hi.isoformat(),
            "planned": int(planned),
            "served": int(served),
            "coverage": round(served / planned, 4) if planned else None,
            "bags": int(bags),
            "kg": round(float(kg), 1),
            "batches": int(batches),
        }
    committees = _committee_counts(session, view, period, today)
    out["period"]["committees"] = committees.pop("delivering")
    out["committees"] = committees
    return out


def _committee_counts(
    session: Session, view: View, period: tuple[date, date], today: date
) -> dict[str, int]:
    """Committees in the territory; those without any batch in the period (whatever the
    category) and those without one in ``LATE_DAYS`` days; those delivering in the period
    (of the category)."""
    late_window = (today - timedelta(days=LATE_DAYS - 1), today)
    in_period = in_days(ClapDelivery.delivered_on, period)
    in_late = in_days(ClapDelivery.delivered_on, late_window)
    category = _category_clause(view)
    conditions = [in_period, in_late] + (
        [and_(in_period, category)] if category is not None else []
    )
    span = (min(period[0], late_window[0]), max(period[1], late_window[1]))
    # One row per committee (did it deliver in each window?), then the committees counted:
    # COUNT(DISTINCT ...) sorted the ~55k national batches once per window.
    per_committee = (
        select(
            *(
                func.max(case((condition, 1), else_=0)).label(f"d{i}")
                for i, condition in enumerate(conditions)
            )
        )
        .where(territory_clause(ClapDelivery, view.ref), in_days(ClapDelivery.delivered_on, span))
        .group_by(ClapDelivery.clap_code)
        .subquery()
    )
    values = session.execute(
        select(*(func.sum(per_committee.c[f"d{i}"]) for i in range(len(conditions))))
    ).one()
    total = int(
        session.scalar(
            select(func.count()).select_from(ClapCommittee).where(*_committee_where(view))
        )
        or 0
    )
    delivered_period, delivered_lately = int(values[0] or 0), int(values[1] or 0)
    return {
        "total": total,
        "missing": max(0, total - delivered_period),
        "late": max(0, total - delivered_lately),
        "delivering": int(values[2] or 0) if category is not None else delivered_period,
    }


def _committee_where(view: View) -> list[Any]:
    return [territory_clause(ClapCommittee, view.ref)]


def _delivered_since(cutoff: date, today: date) -> Any:
    return exists().where(
        ClapDelivery.clap_code == ClapCommittee.code,
        ClapDelivery.delivered_on >= cutoff,
        ClapDelivery.delivered_on <= today,
    )


def late_committees(
    session: Session, scope: Scope, filters: Filters, as_of: datetime, limit: int = 50
) -> list[dict[str, Any]]:
    """Committees with no delivery for ``LATE_DAYS`` days (or never), longest first."""
    view = scoped(session, scope, filters, as_of)
    today = caracas_date(as_of)
    last = (
        select(func.max(ClapDelivery.delivered_on))
        .where(ClapDelivery.clap_code == ClapCommittee.code, ClapDelivery.delivered_on <= today)
        .scalar_subquery()
    )
    # First the 50 codes (anti-join, then one index probe per late committee), then names.
    late = (
        select(ClapCommittee.code.label("code"), last.label("last"))
        .where(
            *_committee_where(view),
            ~_delivered_since(today - timedelta(days=LATE_DAYS - 1), today),
        )
        .order_by(last.asc().nulls_first(), ClapCommittee.code)
        .limit(limit)
        .subquery("late")
    )
    rows = session.execute(
        select(
            ClapCommittee.code,
            ClapCommittee.name,
            ClapCommittee.families,
            Territory.name,
            late.c.last,
        )
        .join(late, late.c.code == ClapCommittee.code)
        .outerjoin(Territory, Territory.code == ClapCommittee.territory_code)
        .order_by(late.c.last.asc().nulls_first(), ClapCommittee.code)
    ).all()
    out = []
    for code, name, families, territory, last_day in rows:
        last_day = _as_date(last_day)
        out.append(
            {
                "code": code,
                "name": name,
                "families": int(families or 0),
                "territory": territory,
                "last_delivery": last_day,
                "days": (today - last_day).days if last_day else None,
            }
        )
    return out


def daily(
    session: Session, scope: Scope, filters: Filters, as_of: datetime
) -> list[dict[str, Any]]:
    """Every day of the period (zeros where nothing was delivered): planned, served, bags, kg."""
    view = scoped(session, scope, filters, as_of)
    first, last = filters.day_bounds(as_of)
    rows = {
        _as_date(day): (planned, served, bags, kg)
        for day, planned, served, bags, kg in session.execute(
            select(
                ClapDelivery.delivered_on,
                func.sum(ClapDelivery.families_planned),
                func.sum(ClapDelivery.families_served),
                func.sum(ClapDelivery.bags),
                func.sum(ClapDelivery.kg),
            )
            .where(*_delivery_where(view, (first, last)))
            .group_by(ClapDelivery.delivered_on)
        ).all()
    }
    out = []
    day = first
    while day <= last:
        planned, served, bags, kg = rows.get(day, (0, 0, 0, 0))
        out.append(
            {
                "day": day,
                "planned": int(planned or 0),
                "served": int(served or 0),
                "bags": int(bags or 0),
                "kg": round(float(kg or 0), 1),
            }
        )
        day += timedelta(days=1)
    return out


def by_territory(
    session: Session, scope: Scope, filters: Filters, as_of: datetime
) -> list[dict[str, Any]]:
    """One row per territory one level below (zeros included): today, month and period.

    Below a circuito the rows are its CLAP committees, placed at their consejo comunal.
    """
    view = scoped(session, scope, filters, as_of)
    today = caracas_date(as_of)
    month, _ = _month_bounds(today)
    period = filters.day_bounds(as_of)
    key = child_key(ClapDelivery, view)
    if key is None:
        key = ClapDelivery.clap_code
        places = _committees(session, view)
        level = "clap"
    else:
        places = child_territories(session, view)
        level = view.child_level
    first = min(month[0], period[0])
    last = max(today, period[1])

    def window(days: tuple[date, date], column: Any) -> Any:
        return func.sum(case((in_days(ClapDelivery.delivered_on, days), column), else_=0))

    stats = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                key,
                window((today, today), ClapDelivery.families_planned),
                window((today, today), ClapDelivery.families_served),
                window(month, ClapDelivery.families_planned),
                window(month, ClapDelivery.families_served),
                window(period, ClapDelivery.families_planned),
                window(period, ClapDelivery.families_served),
                window(period, ClapDelivery.bags),
                window(period, ClapDelivery.kg),
            )
            .where(*_delivery_where(view, (first, last)))
            .group_by(key)
        ).all()
    }
    out = []
    for place in places:
        values = [v or 0 for v in stats.get(place["code"], (0,) * 8)]
        tp, ts, mp, ms, pp, ps, bags, kg = values
        out.append(
            {
                **place,
                "level": level,
                "today_planned": int(tp),
                "today_served": int(ts),
                "month_planned": int(mp),
                "month_served": int(ms),
                "month_coverage": round(ms / mp, 4) if mp else None,
                "period_planned": int(pp),
                "period_served": int(ps),
                "period_coverage": round(ps / pp, 4) if pp else None,
                "bags": int(bags),
                "kg": round(float(kg), 1),
            }
        )
    return out


def _committees(session: Session, view: View) -> list[dict[str, Any]]:
    """The committees of a circuito, with the position of their consejo comunal."""
    rows = session.execute(
        select(ClapCommittee.code, ClapCommittee.name, Territory.lat, Territory.lon)
        .outerjoin(Territory, Territory.code == ClapCommittee.territory_code)
        .where(*_committee_where(view))
        .order_by(ClapCommittee.name, ClapCommittee.code)
    ).all()
    return [{"code": c, "name": n, "lat": lat, "lon": lon} for c, n, lat, lon in rows]


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# -- the table and export ----------------------------------------------------------------


def _deliveries_select(view: View) -> Select[Any]:
    consejo = Territory.__table__.alias("consejo_t")
    coverage = (
        100.0
        * ClapDelivery.families_served
        / case((ClapDelivery.families_planned > 0, ClapDelivery.families_planned), else_=None)
    )
    return (
        select(
            ClapDelivery.id.label("id"),
            ClapDelivery.delivered_on.label("delivered_on"),
            ClapCommittee.name.label("clap"),
            consejo.c.name.label("consejo"),
            ClapDelivery.families_planned.label("families_planned"),
            ClapDelivery.families_served.label("families_served"),
            coverage.label("coverage"),
            ClapDelivery.bags.label("bags"),
            ClapDelivery.kg.label("kg"),
            ClapDelivery.clap_code.label("clap_code"),
            ClapDelivery.estado_code.label("estado_code"),
        )
        .select_from(ClapDelivery)
        .join(ClapCommittee, ClapCommittee.code == ClapDelivery.clap_code)
        .outerjoin(consejo, consejo.c.code == ClapDelivery.territory_code)
        .where(*_delivery_where(view, view.filters.day_bounds(view.as_of)))
    )


DELIVERIES = register_dataset(
    Dataset(
        name="clap",
        title="Entregas CLAP",
        columns=(
            Column("id", "Lote", width=120),
            Column("delivered_on", "Fecha", "date", width=110),
            Column("clap", "Comité CLAP", width=240),
            Column("consejo", "Consejo comunal", width=240),
            Column("families_planned", "Familias planificadas", "number", width=120),
            Column("families_served", "Familias atendidas", "number", width=120),
            Column("coverage", "Cobertura %", "decimal", width=110),
            Column("bags", "Bolsas", "number", width=100),
            Column("kg", "Kg", "decimal", width=100),
            Column("clap_code", "Código CLAP", width=150),
            Column(
                "estado_code", "Estado (código)", "territory", screen_header="Estado", width=150
            ),
        ),
        build=_deliveries_select,
        count_build=lambda view: select(ClapDelivery.id).where(
            *_delivery_where(view, view.filters.day_bounds(view.as_of))
        ),
        default_sort=(("delivered_on", True),),
        categories=CATEGORIES,
    )
)
