"""Daily rollups of the 1x10 cases, kept current on every write.

``/casos`` on national data counts hundreds of thousands of cases per range; these tables
hold the same counts per Caracas day, estado, category and institution (and a duration
histogram), so a 30-day national view reads a few thousand rows. Every write path keeps them
exact with deltas: the ingest writer (:func:`apply_changes`), ORM sessions (the flush hook
below, used by tests and admin code) and bulk loads (:func:`rebuild`).

A case *contributes* one row-count to a few rollup keys (:func:`contributions`); a change is
``contributions(new) - contributions(old)``, added to the stored counts with an upsert.

Resolutions are also counted per whole hours taken (``hours_class``: whole hours up to three
days, whole days beyond), so "resolved past its SLA target" is exact for the configurable
targets without reading every resolved case.

The Consulta's demand (``case_demand_day``: cases not rejected per day reported, estado,
category and whether still unresolved) is kept the same way, so the advice of the country
reads its 60 days from ~25,000 rows (``data.queries.consulta_demand``).

Durations are binned in 5 % log-scale classes, so a percentile read from the histogram lies
in the same class as the exact value: within 5 % of it, about 1 % on average (the way
Prometheus or Elasticsearch estimate percentiles). Counts are exact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, MetaData, Table, delete, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.timeutil import caracas_date
from data import incident_rollup, project_money  # noqa: F401  (their ORM hooks: every rollup kept on write)
from data.flushed import flushed_values
from data.models import (
    CaseDemandDay,
    CaseDurationDay,
    CaseDurationWeek,
    CaseReportedDay,
    CaseResolutionHoursDay,
    CaseResolutionHoursWeek,
    CaseResolvedDay,
    CitizenCase,
)

# For each current status, the last funnel stage the case reached (resolved_at wins).
REJECTED = "rechazado"  # not a need: the Consulta's demand leaves these cases out
STAGE_RANK = {"recibido": 0, "asignado": 1, "en_atencion": 2, "resuelto": 3, "cerrado": 3}
ROLLUPS = (
    CaseReportedDay,
    CaseResolvedDay,
    CaseDurationDay,
    CaseDurationWeek,
    CaseResolutionHoursDay,
    CaseResolutionHoursWeek,
    CaseDemandDay,
)
# A rebuild holds at most about this many rollup keys in memory (~400 bytes each) before it
# moves the partial counts to the server: five years of national cases make ~31 million.
SPILL_KEYS = 2_000_000
CASE_FIELDS = (
    "estado_code",
    "category",
    "institution",
    "status",
    "reported_at",
    "resolved_at",
    "assigned_at",
)
# Duration classes: bucket 0 is [0, 0.1 h); bucket b ≥ 1 is [0.1·1.05^(b-1), 0.1·1.05^b).
FIRST_EDGE_HOURS = 0.1
GROWTH = 1.05
UPSERT_CHUNK = 5_000
# Time to resolve, in classes that tell apart exactly every SLA target of whole hours up to
# HOURS_FINE and of whole days beyond (up to HOURS_CAP): whole hours rounded up to
# HOURS_FINE, whole days rounded up (in hours) beyond, HOURS_CAP + 24 past the cap. Whole
# hours all the way would make ~5 times more rows (a long sparse tail); other targets are
# answered from the cases (data.queries.cases.sla_resolved).
HOURS_FINE = 72
HOURS_CAP = 2160  # 90 days
US_PER_HOUR = 3_600_000_000
NATIONAL = ""  # the estado_code of the duration histogram's national rows
ALL = "*"  # the category / institution of its rows that add up every category / institution

Key = tuple[type, tuple[Any, ...]]


def stage_of(status: str, resolved_at: datetime | None) -> int:
    return 3 if resolved_at is not None else STAGE_RANK.get(status, 0)


def bucket_of(hours: float) -> int:
    """The duration class of ``hours`` (negative durations, a data error, count as 0 h)."""
    if hours < FIRST_EDGE_HOURS:
        return 0
    return 1 + math.floor(math.log(hours / FIRST_EDGE_HOURS) / math.log(GROWTH) + 1e-9)


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """``[low, high)`` hours of a duration class."""
    if bucket <= 0:
        return 0.0, FIRST_EDGE_HOURS
    return FIRST_EDGE_HOURS * GROWTH ** (bucket - 1), FIRST_EDGE_HOURS * GROWTH**bucket


def hours_class(start: datetime, end: datetime) -> int:
    """The class of the time from ``start`` to ``end`` (see ``HOURS_FINE``), in hours:
    ``hours_class > T`` ⇔ it took more than ``T`` hours, for every target ``T`` that
    :func:`target_told_apart` accepts (integer arithmetic on microseconds, no rounding)."""
    took = (end - start) // timedelta(microseconds=1)
    whole = max(0, -(-took // US_PER_HOUR))
    if whole <= HOURS_FINE:
        return whole
    return min(HOURS_CAP + 24, 24 * -(-took // (24 * US_PER_HOUR)))


def target_told_apart(hours: float) -> bool:
    """Whether :func:`hours_class` answers "took more than ``hours``" exactly."""
    if not float(hours).is_integer() or not 0 <= hours <= HOURS_CAP:
        return False
    return hours <= HOURS_FINE or hours % 24 == 0


def week_of(day: date) -> date:
    """The Monday of ``day``'s week: the key of the weekly rollup."""
    return day - timedelta(days=day.weekday())


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def contributions(case: Mapping[str, Any]) -> Counter[Key]:
    """The rollup keys one case counts in (each once)."""
    out: Counter[Key] = Counter()
    _add(out, case, 1)
    return out


def _add(out: Counter[Key], case: Mapping[str, Any], sign: int) -> None:
    """Add ``sign`` to each rollup key ``case`` counts in."""
    estado = case.get("estado_code")
    reported = case["reported_at"]
    if estado is None or reported is None:
        return
    category, institution = case["category"], case.get("institution") or ""
    resolved, assigned = case.get("resolved_at"), case.get("assigned_at")
    reported_day = caracas_date(reported)
    stage = stage_of(case["status"], resolved)
    out[(CaseReportedDay, (reported_day, estado, category, institution, stage))] += sign
    if case["status"] != REJECTED:
        out[(CaseDemandDay, (reported_day, estado, category, resolved is None))] += sign
    if resolved is not None:
        resolved_day = caracas_date(resolved)
        out[(CaseResolvedDay, (resolved_day, estado, category, institution))] += sign
        took = bucket_of(hours(reported, resolved))
        _add_duration(out, "resolution", estado, resolved_day, (category, institution), took, sign)
        whole, week = hours_class(reported, resolved), week_of(resolved_day)
        for where in (estado, NATIONAL):
            out[(CaseResolutionHoursDay, (where, resolved_day, category, whole))] += sign
            out[(CaseResolutionHoursWeek, (where, week, category, whole))] += sign
    if assigned is not None:
        took = bucket_of(hours(reported, assigned))
        _add_duration(out, "response", estado, reported_day, (category, institution), took, sign)


def _add_duration(
    out: Counter[Key],
    measure: str,
    estado: str,
    day: date,
    detail: tuple[str, str],
    took: int,
    sign: int,
) -> None:
    """One duration in the histograms: per day and per week, under its estado and the
    nation, for its category and institution and for all of them."""
    week = week_of(day)
    for where in (estado, NATIONAL):
        for what in (detail, (ALL, ALL)):
            out[(CaseDurationDay, (measure, where, day, *what, took))] += sign
            out[(CaseDurationWeek, (measure, where, week, *what, took))] += sign


def change(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> Counter[Key]:
    """What a case's insert (``old`` None), update or delete (``new`` None) adds to the rollups
    (negative counts subtract)."""
    delta: Counter[Key] = Counter()
    add_change(delta, old, new)
    return Counter({key: n for key, n in delta.items() if n})


def add_change(
    delta: Counter[Key], old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> None:
    """:func:`change` added to ``delta`` in place (may leave zero counts, which
    :func:`apply` skips): the writer's hot path makes no Counter per case."""
    if new is not None:
        _add(delta, new, 1)
    if old is not None:
        _add(delta, old, -1)


def _key_columns(model: type) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


def apply(conn: Connection | Session, delta: Counter[Key]) -> None:
    """Add ``delta`` to the stored counts (upsert ``n = n + excluded.n``), in key order so
    concurrent writers lock rows in the same order."""
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for model in ROLLUPS:
        columns = _key_columns(model)
        rows = [
            {**dict(zip(columns, key, strict=True)), "n": n}
            for (m, key), n in sorted(delta.items(), key=lambda item: str(item[0][1]))
            if m is model and n
        ]
        for start in range(0, len(rows), UPSERT_CHUNK):
            stmt = insert(model)
            stmt = stmt.on_conflict_do_update(
                index_elements=columns, set_={"n": model.n + stmt.excluded.n}
            )
            conn.execute(stmt, rows[start : start + UPSERT_CHUNK])


def rebuild(conn: Connection, progress: bool = False, models: tuple[type, ...] = ROLLUPS) -> int:
    """Recompute every rollup (of ``models``: a migration names the tables that exist at its
    revision) from ``citizen_case`` (after a bulk load or to repair), with progress lines
    when ``progress``. Returns the number of cases read."""
    from cli.progress import Progress
    from data.seed.sink import Sink  # bulk writer (COPY on PostgreSQL); imported late: cycle

    if conn.dialect.name == "sqlite":  # the same rows, set-based (2–3 times faster)
        from data.seed.case_rollups import rebuild_in_sqlite

        return rebuild_in_sqlite(conn, progress, models)
    for model in models:
        conn.execute(delete(model))
    totals: Counter[Key] = Counter()
    stmt = select(*(getattr(CitizenCase, name) for name in CASE_FIELDS))
    bar = Progress("rollups de casos: casos leídos", every_s=5.0) if progress else None
    read, spilled = 0, False
    sink = Sink(conn, progress=False)
    # options on the statement, not the connection: they would stick to the caller's
    # connection (Alembic's) and turn its next statements into cursors
    result = conn.execute(stmt.execution_options(stream_results=True, yield_per=20_000))
    for batch in result.mappings().partitions():
        for row in batch:
            totals.update(contributions(row))
        read += len(batch)
        if bar:
            bar.advance(len(batch))
        if len(totals) > SPILL_KEYS:  # bounded memory: partial counts wait in the server
            _spill(conn, sink, models, totals)
            totals.clear()
            spilled = True
    if bar:
        bar.finish()
    if spilled:
        _spill(conn, sink, models, totals)
        for model in models:
            _merge_spill(conn, model)
        return read
    sink = Sink(conn, progress)
    for model in models:
        # written in key order, so a range of days is a run of pages, not a page per row
        rows = sorted((*key, n) for (m, key), n in totals.items() if m is model and n)
        sink.write(model.__table__, (*_key_columns(model), "n"), rows)
        sink.finish(model.__table__)
    return read


def _spill_name(model: type) -> str:
    return f"sala_spill_{model.__table__.name}"


def _spill(conn: Connection, sink: Any, models: tuple[type, ...], totals: Counter[Key]) -> None:
    """COPY partial counts into a temporary table per rollup (no key: a key may come again
    in a later part); :func:`_merge_spill` adds them up."""
    for model in models:
        name = _spill_name(model)
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} (LIKE {model.__table__.name}) ON COMMIT DROP"
        )
        rows = ((*key, n) for (m, key), n in totals.items() if m is model and n)
        sink.write(Table(name, MetaData()), (*_key_columns(model), "n"), rows)


def _merge_spill(conn: Connection, model: type) -> None:
    """The rollup's rows: the spilled parts added up per key, in key order."""
    keys = ", ".join(_key_columns(model))
    conn.exec_driver_sql(
        f"INSERT INTO {model.__table__.name} ({keys}, n) SELECT {keys}, SUM(n) "
        f"FROM {_spill_name(model)} GROUP BY {keys} HAVING SUM(n) <> 0 ORDER BY {keys}"
    )
    conn.exec_driver_sql(f"DROP TABLE {_spill_name(model)}")


def case_state(case: CitizenCase, old: bool) -> dict[str, Any] | None:
    """A case's fields as they are (``old`` False) or were before this flush's changes."""
    return flushed_values(case, CASE_FIELDS, old)


@event.listens_for(Session, "before_flush")
def _track_orm_cases(session: Session, _context: Any, _instances: Any) -> None:
    """ORM writes of cases (tests' factories, scripts) keep the rollups current too."""
    delta: Counter[Key] = Counter()
    for case in session.new:
        if isinstance(case, CitizenCase):
            delta.update(change(None, case_state(case, old=False)))
    for case in session.dirty:
        if isinstance(case, CitizenCase) and session.is_modified(case):
            delta.update(change(case_state(case, old=True), case_state(case, old=False)))
    for case in session.deleted:
        if isinstance(case, CitizenCase):
            delta.update(change(case_state(case, old=True), None))
    pending = session.info.setdefault("case_rollup_delta", Counter())
    pending.update(delta)


@event.listens_for(Session, "after_flush")
def _apply_orm_cases(session: Session, _context: Any) -> None:
    delta = session.info.pop("case_rollup_delta", None)
    if delta:
        apply(session, Counter({key: n for key, n in delta.items() if n}))


def histogram_percentile(counts: Mapping[int, int], q: float) -> float | None:
    """The ``q`` percentile (0..1) of the durations counted per class in ``counts``.

    Like ``percentile_cont``: position ``q·(n-1)`` between the ordered values, interpolated;
    inside a class its ``k`` values are taken as evenly spread over ``[low, high)``.
    """
    items = sorted((b, n) for b, n in counts.items() if n > 0)
    total = sum(n for _, n in items)
    if not total:
        return None
    position = q * (total - 1)
    lower = math.floor(position)
    low_value, high_value = _value_at(items, lower), _value_at(items, min(lower + 1, total - 1))
    return low_value + (high_value - low_value) * (position - lower)


def _value_at(items: list[tuple[int, int]], index: int) -> float:
    seen = 0
    for bucket, n in items:
        if index < seen + n:
            low, high = bucket_bounds(bucket)
            return low + (high - low) * (index - seen + 0.5) / n
        seen += n
    low, high = bucket_bounds(items[-1][0])
    return high
