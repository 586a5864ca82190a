"""Incidents per cuadrante and Caracas week (``incident_week``), kept current on every write.

``/paz``'s "sobre lo habitual" compares each cuadrante's last 7 days with the 8 weeks
before: nationally ~180,000 incidents grouped by cuadrante on every refresh, most of the
page's time. This table holds the same counts per estado, cuadrante and Caracas ISO week,
one column per weekday, so those nine weeks are ~50,000 rows (a cuadrante sees ~0.5
incidents a day: a row per day would be as many rows as incidents). Kept exact like the
``/casos`` rollups (:mod:`data.rollups`): the ingest writer adds ``new − old`` in the same
transaction, ORM sessions do it in a flush hook, and bulk loads recompute it
(:func:`rebuild`, also ``manage.py rebuild-rollups``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, event, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date

from core.timeutil import caracas_date
from data.flushed import flushed_values
from data.models import Incident, IncidentWeek
from data.queries.timebuckets import CARACAS_OFFSET_HOURS, caracas_weekday

FIELDS = ("estado_code", "cuadrante_code", "occurred_at")
DAYS = tuple(f"d{i}" for i in range(7))
NO_ESTADO = ""  # the estado_code of incidents without one (they count nationally)
UPSERT_CHUNK = 5_000

Key = tuple[date, str, str, int]  # (Monday, estado, cuadrante, weekday)


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def key_of(incident: Mapping[str, Any]) -> Key | None:
    occurred: datetime | None = incident.get("occurred_at")
    if occurred is None or incident.get("cuadrante_code") is None:
        return None
    day = caracas_date(occurred)
    estado = incident.get("estado_code") or NO_ESTADO
    return week_of(day), estado, incident["cuadrante_code"], day.weekday()


def add_change(
    delta: Counter[Key], old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> None:
    """What an incident's insert (``old`` None), update or delete (``new`` None) adds."""
    if new is not None and (key := key_of(new)) is not None:
        delta[key] += 1
    if old is not None and (key := key_of(old)) is not None:
        delta[key] -= 1


def apply(conn: Connection | Session, delta: Counter[Key]) -> None:
    """Add ``delta`` to the stored counts (one upsert per week row, in key order so that
    concurrent writers lock rows in the same order)."""
    rows: dict[tuple[date, str, str], dict[str, Any]] = {}
    for (week, estado, cuadrante, weekday), n in delta.items():
        if not n:
            continue
        row = rows.setdefault(
            (week, estado, cuadrante),
            {"week": week, "estado_code": estado, "cuadrante_code": cuadrante}
            | dict.fromkeys(DAYS, 0),
        )
        row[DAYS[weekday]] += n
    if not rows:
        return
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    ordered = [rows[key] for key in sorted(rows)]
    table = IncidentWeek.__table__
    for start in range(0, len(ordered), UPSERT_CHUNK):
        stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["week", "estado_code", "cuadrante_code"],
            set_={d: table.c[d] + stmt.excluded[d] for d in DAYS},
        )
        conn.execute(stmt, ordered[start : start + UPSERT_CHUNK])


class caracas_monday(FunctionElement[date]):  # noqa: N801 - reads like a SQL function
    """The Monday of the Caracas ISO week of a stored UTC timestamp."""

    type = Date()
    inherit_cache = True


@compiles(caracas_monday, "postgresql")
def _monday_pg(element: caracas_monday, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    local = f"({compiler.process(ts, **kw)} + INTERVAL '{CARACAS_OFFSET_HOURS} hours')"
    return f"(CAST({local} AS DATE) - (CAST(date_part('isodow', {local}) AS INTEGER) - 1))"


@compiles(caracas_monday, "sqlite")
def _monday_sqlite(element: caracas_monday, compiler: Any, **kw: Any) -> str:
    (ts,) = list(element.clauses)
    # 'weekday 0' moves forward to Sunday (or stays on it); six days back is its Monday
    return (
        f"date({compiler.process(ts, **kw)}, '{CARACAS_OFFSET_HOURS} hours', "
        "'weekday 0', '-6 days')"
    )


def rebuild(conn: Connection | Session) -> int:
    """Recompute the table from ``incident`` in one ``INSERT … SELECT … GROUP BY`` (after a
    bulk load or to repair). Returns the number of incidents counted."""
    conn.execute(delete(IncidentWeek))
    weekday = caracas_weekday(Incident.occurred_at)
    week = caracas_monday(Incident.occurred_at)
    estado = func.coalesce(Incident.estado_code, NO_ESTADO)
    # in key order: the weeks a page reads are a run of pages, not a page per row
    source = (
        select(
            week,
            estado,
            Incident.cuadrante_code,
            *(func.count().filter(weekday == i) for i in range(7)),
        )
        .group_by(week, estado, Incident.cuadrante_code)
        .order_by(week, estado, Incident.cuadrante_code)
    )
    columns = ["week", "estado_code", "cuadrante_code", *DAYS]
    conn.execute(insert(IncidentWeek.__table__).from_select(columns, source))
    return int(conn.scalar(select(func.count()).select_from(Incident)) or 0)


def incident_state(incident: Incident, old: bool) -> dict[str, Any] | None:
    return flushed_values(incident, FIELDS, old)


@event.listens_for(Session, "before_flush")
def _track_orm_incidents(session: Session, _context: Any, _instances: Any) -> None:
    """ORM writes of incidents (tests' factories, scripts) keep the table current too."""
    delta: Counter[Key] = session.info.setdefault("incident_week_delta", Counter())
    for obj in session.new:
        if isinstance(obj, Incident):
            add_change(delta, None, incident_state(obj, old=False))
    for obj in session.dirty:
        if isinstance(obj, Incident) and session.is_modified(obj):
            add_change(delta, incident_state(obj, old=True), incident_state(obj, old=False))
    for obj in session.deleted:
        if isinstance(obj, Incident):
            add_change(delta, incident_state(obj, old=True), None)


@event.listens_for(Session, "after_flush")
def _apply_orm_incidents(session: Session, _context: Any) -> None:
    delta = session.info.pop("incident_week_delta", None)
    if delta:
        apply(session, delta)
