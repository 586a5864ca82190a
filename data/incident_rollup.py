"""Incidents per cuadrante and Caracas week (``incident_week``) and per Caracas day, estado,
type and severity (``incident_day``) and in the country per Caracas day, type and hour
(``incident_hour``), kept current on every write; and per cuadrante in blocks of nine
weeks with a count per day (``incident_block``), for "sobre lo habitual".

``/paz``'s "sobre lo habitual" compares each cuadrante's last 7 days with the 8 weeks
before: nationally ~180,000 incidents grouped by cuadrante on every refresh, most of the
page's time. ``incident_week`` holds the same counts per estado, cuadrante and Caracas ISO
week, one column per weekday, so those nine weeks are ~45,000 rows (a cuadrante sees
~0.5 incidents a day: a row per day would be as many rows as incidents); ``incident_block``
holds nine weeks per row, a column per day, so they are at most two rows per cuadrante
(~11,000). The KPIs, types,
severities and national map count ~80,000 incidents in 30 days; ``incident_day`` holds
them in ~16,000 rows, and the national heat map reads ~7,500 rows of ``incident_hour``.
All are kept exact like the ``/casos`` rollups (:mod:`data.rollups`): the ingest writer
adds ``new − old`` in the same transaction, ORM sessions do it in a flush hook, and bulk
loads recompute them (:func:`rebuild`, also ``manage.py rebuild-rollups``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    FromClause,
    Select,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.timeutil import CARACAS, caracas_date, to_utc
from data.flushed import flushed_values
from data.models import (
    BLOCK_DAYS,
    BLOCK_EPOCH,
    Incident,
    IncidentBlock,
    IncidentDay,
    IncidentHour,
    IncidentWeek,
)
from data.queries.timebuckets import (
    block_start,
    caracas_day,
    caracas_hour,
    caracas_monday,
    caracas_weekday,
    epoch_days,
)

TABLES = (IncidentWeek, IncidentBlock, IncidentDay, IncidentHour)
FIELDS = ("estado_code", "cuadrante_code", "occurred_at", "type", "severity")
DAYS = tuple(f"d{i}" for i in range(7))
BLOCK_COLUMNS = tuple(f"d{i}" for i in range(BLOCK_DAYS))
NO_ESTADO = ""  # the estado_code of incidents without one (they count nationally)
UPSERT_CHUNK = 5_000

# (IncidentWeek, (Monday, estado, cuadrante, weekday)) or (IncidentDay, (day, estado, type,
# severity))
Key = tuple[type, tuple[Any, ...]]


def _key_columns(model: type) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def block_of(day: date) -> tuple[date, int]:
    """The ``incident_block`` block holding ``day`` (its first day) and the day's column."""
    offset = (day - BLOCK_EPOCH).days % BLOCK_DAYS
    return day - timedelta(days=offset), offset


def keys_of(incident: Mapping[str, Any]) -> list[Key]:
    """The rollup keys one incident counts in."""
    occurred: datetime | None = incident.get("occurred_at")
    if occurred is None or incident.get("cuadrante_code") is None:
        return []
    day = caracas_date(occurred)
    estado = incident.get("estado_code") or NO_ESTADO
    block, offset = block_of(day)
    return [
        (IncidentWeek, (week_of(day), estado, incident["cuadrante_code"], day.weekday())),
        (IncidentBlock, (block, estado, incident["cuadrante_code"], offset)),
        (IncidentDay, (day, estado, incident["type"], incident["severity"])),
        (IncidentHour, (day, incident["type"], to_utc(occurred).astimezone(CARACAS).hour)),
    ]


def add_change(
    delta: Counter[Key], old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> None:
    """What an incident's insert (``old`` None), update or delete (``new`` None) adds."""
    if new is not None:
        for key in keys_of(new):
            delta[key] += 1
    if old is not None:
        for key in keys_of(old):
            delta[key] -= 1


def apply(conn: Connection | Session, delta: Counter[Key]) -> None:
    """Add ``delta`` to the stored counts (upserts in key order, so that concurrent writers
    lock rows in the same order)."""
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    # rows with a count per day: (table, first key column, its day columns)
    wide = {IncidentWeek: ("week", DAYS), IncidentBlock: ("block", BLOCK_COLUMNS)}
    rows_of: dict[type, dict[tuple[Any, ...], dict[str, Any]]] = {m: {} for m in wide}
    counted: dict[type, list[dict[str, Any]]] = {IncidentDay: [], IncidentHour: []}
    for (model, key), n in sorted(delta.items(), key=lambda item: str(item[0][1])):
        if not n:
            continue
        if model not in wide:
            counted[model].append({**dict(zip(_key_columns(model), key, strict=True)), "n": n})
            continue
        first, columns = wide[model]
        start, estado, cuadrante, day = key
        row = rows_of[model].setdefault(
            (start, estado, cuadrante),
            {first: start, "estado_code": estado, "cuadrante_code": cuadrante}
            | dict.fromkeys(columns, 0),
        )
        row[columns[day]] += n
    for model, (first, columns) in wide.items():
        table = model.__table__
        ordered = [rows_of[model][key] for key in sorted(rows_of[model])]
        for start in range(0, len(ordered), UPSERT_CHUNK):
            stmt = insert_(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[first, "estado_code", "cuadrante_code"],
                set_={d: table.c[d] + stmt.excluded[d] for d in columns},
            )
            conn.execute(stmt, ordered[start : start + UPSERT_CHUNK])
    for model, rows in counted.items():
        table = model.__table__
        for start in range(0, len(rows), UPSERT_CHUNK):
            stmt = insert_(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=_key_columns(model), set_={"n": table.c.n + stmt.excluded.n}
            )
            conn.execute(stmt, rows[start : start + UPSERT_CHUNK])


def apply_moved(conn: Connection | Session, now: Select, old: FromClause | None) -> None:
    """Add to the stored counts what a batch changed, computed in the database (PostgreSQL's
    ingest path: no incident travels to Python for its rollup keys).

    ``now`` selects :data:`FIELDS` of the batch's incidents as stored after the write (every key of the batch,
    written or not); ``old`` holds the same columns (:data:`FIELDS`) of those that were
    stored before it, read under the write's row locks. Each key counts ``now − old``: an
    unchanged incident adds and takes away the same 1, so only what the database actually
    wrote moves the counts, exactly as :func:`add_change` would.
    """
    parts = [now.add_columns(literal(1).label("n"))]
    if old is not None:
        parts.append(select(*(old.c[c] for c in FIELDS), literal(-1).label("n")))
    moved = union_all(*parts).subquery("moved")
    at, n = moved.c.occurred_at, moved.c.n
    counted = and_(at.is_not(None), moved.c.cuadrante_code.is_not(None))
    estado = func.coalesce(moved.c.estado_code, NO_ESTADO)
    day, weekday = caracas_day(at), caracas_weekday(at)
    # The wide tables count per day in one column each: the incidents are first added up
    # per day (each row's day computed once), then spread over the columns. Filtering the
    # rows themselves per column made PostgreSQL compute every row's day 63 times for
    # incident_block, most of this function's time.
    cuadrante = moved.c.cuadrante_code
    # (a constant, not a parameter: the same expression in SELECT and GROUP BY)
    column = func.mod(epoch_days(day), literal_column(str(BLOCK_DAYS)))
    per_week = _spread(
        select(caracas_monday(at), estado, cuadrante, weekday, func.sum(n))
        .where(counted)
        .group_by(caracas_monday(at), estado, cuadrante, weekday),
        len(DAYS),
    )
    per_block = _spread(
        select(block_start(day), estado, cuadrante, column, func.sum(n))
        .where(counted)
        .group_by(block_start(day), estado, cuadrante, column),
        BLOCK_DAYS,
    )
    per_day = (
        select(day, estado, moved.c.type, moved.c.severity, func.sum(n))
        .where(counted)
        .group_by(day, estado, moved.c.type, moved.c.severity)
        .having(func.sum(n) != 0)
        .order_by(day, estado, moved.c.type, moved.c.severity)
    )
    hour = caracas_hour(at)
    per_hour = (
        select(day, moved.c.type, hour, func.sum(n))
        .where(counted)
        .group_by(day, moved.c.type, hour)
        .having(func.sum(n) != 0)
        .order_by(day, moved.c.type, hour)
    )
    for model, source, added in (
        (IncidentWeek, per_week, DAYS),
        (IncidentBlock, per_block, BLOCK_COLUMNS),
        (IncidentDay, per_day, ("n",)),
        (IncidentHour, per_hour, ("n",)),
    ):
        table = model.__table__
        keys = _key_columns(model)
        stmt = pg_insert(table).from_select([*keys, *added], source)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in added}
        )
        conn.execute(stmt)


def _spread(per_day: Select, columns: int) -> Select:
    """``per_day`` (start, estado, cuadrante, column, n) as one row per (start, estado,
    cuadrante) with ``n`` in its column (0..``columns``-1); rows adding up to nothing are
    left out, in key order (writers lock rollup rows in the same order)."""
    counts = per_day.subquery("per_day")
    start, estado, cuadrante, column, n = counts.c
    spread = [func.coalesce(func.sum(n).filter(column == i), 0) for i in range(columns)]
    return (
        select(start, estado, cuadrante, *spread)
        .group_by(start, estado, cuadrante)
        .having(or_(*(d != 0 for d in spread)))
        .order_by(start, estado, cuadrante)
    )


def rebuild(conn: Connection | Session, blocks: bool = True) -> int:
    """Recompute the tables from ``incident``, each in one ``INSERT … SELECT … GROUP BY``
    (after a bulk load or to repair); ``incident_block`` from the weeks. Returns the number
    of incidents counted. ``blocks=False``: the migration that predates ``incident_block``."""
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
    if blocks:
        rebuild_blocks(conn)
    conn.execute(delete(IncidentDay))
    day = caracas_day(Incident.occurred_at)
    per_day = (
        select(day, estado, Incident.type, Incident.severity, func.count())
        .group_by(day, estado, Incident.type, Incident.severity)
        .order_by(day, estado, Incident.type, Incident.severity)
    )
    columns = ["day", "estado_code", "type", "severity", "n"]
    conn.execute(insert(IncidentDay.__table__).from_select(columns, per_day))
    conn.execute(delete(IncidentHour))
    hour = caracas_hour(Incident.occurred_at)
    per_hour = (
        select(day, Incident.type, hour, func.count())
        .group_by(day, Incident.type, hour)
        .order_by(day, Incident.type, hour)
    )
    columns = ["day", "type", "hour", "n"]
    conn.execute(insert(IncidentHour.__table__).from_select(columns, per_hour))
    return int(conn.scalar(select(func.count()).select_from(Incident)) or 0)


def rebuild_blocks(conn: Connection | Session) -> None:
    """Recompute ``incident_block`` from ``incident_week`` (rebuilt first, the same counts
    by week): each block's nine weeks side by side, one ``INSERT … SELECT … GROUP BY``."""
    conn.execute(delete(IncidentBlock))
    week = IncidentWeek.__table__
    block = block_start(week.c.week)
    place = epoch_days(week.c.week) % BLOCK_DAYS  # the week's first day in its block
    days = [
        func.sum(case((place == 7 * (i // 7), week.c[DAYS[i % 7]]), else_=0))
        for i in range(BLOCK_DAYS)
    ]
    source = (
        select(block, week.c.estado_code, week.c.cuadrante_code, *days)
        .group_by(block, week.c.estado_code, week.c.cuadrante_code)
        .order_by(block, week.c.estado_code, week.c.cuadrante_code)
    )
    columns = ["block", "estado_code", "cuadrante_code", *BLOCK_COLUMNS]
    conn.execute(insert(IncidentBlock.__table__).from_select(columns, source))


def incident_state(incident: Incident, old: bool) -> dict[str, Any] | None:
    return flushed_values(incident, FIELDS, old)


@event.listens_for(Session, "before_flush")
def _track_orm_incidents(session: Session, _context: Any, _instances: Any) -> None:
    """ORM writes of incidents (tests' factories, scripts) keep the tables current too."""
    delta: Counter[Key] = session.info.setdefault("incident_rollup_delta", Counter())
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
    delta = session.info.pop("incident_rollup_delta", None)
    if delta:
        apply(session, delta)
