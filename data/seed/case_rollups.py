"""The /casos rollups rebuilt inside SQLite with a few ``INSERT … SELECT … GROUP BY``.

Same rows as :func:`data.rollups.rebuild`'s row-by-row Python (``tests/data/test_seed.py``
pins them): the Caracas day and the duration class are the very Python functions
(:func:`core.timeutil.caracas_date`, :func:`data.rollups.bucket_of`), registered as SQL
functions for the rebuild, so no day or class boundary can differ. No case travels through
SQLAlchemy as an object: on the demo (64,000 cases, 337,000 rollup rows) 2–3 times faster;
most of what is left is sorting and inserting ``case_duration_day``'s rows.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import Connection

from core.timeutil import caracas_date
from data import rollups
from data.models import (
    CaseDemandDay,
    CaseDurationDay,
    CaseDurationWeek,
    CaseReportedDay,
    CaseResolutionHoursDay,
    CaseResolutionHoursWeek,
    CaseResolvedDay,
)


def _caracas_day(stored: str | None) -> str | None:
    if stored is None:
        return None
    return caracas_date(datetime.fromisoformat(stored).replace(tzinfo=UTC)).isoformat()


def _took(start: str, end: str | None) -> int | None:
    if end is None:
        return None
    begin, finish = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return rollups.bucket_of(rollups.hours(begin, finish))


def _whole_hours(start: str, end: str | None) -> int | None:
    if end is None:
        return None
    begin, finish = datetime.fromisoformat(start), datetime.fromisoformat(end)
    return rollups.hours_class(begin, finish)


def _stage_sql() -> str:
    ranks = " ".join(f"WHEN '{s}' THEN {r}" for s, r in rollups.STAGE_RANK.items())
    return f"CASE WHEN resolved_at IS NOT NULL THEN 3 ELSE CASE status {ranks} ELSE 0 END END"


def _durations_sql() -> str:
    """Each resolved (assigned) case counts in four duration rows: its estado and the
    national row, each for its category and institution and for all of them."""
    parts = []
    for measure, day, bucket in (
        ("resolution", "resolved_day", "resolution_bucket"),
        ("response", "reported_day", "response_bucket"),
    ):
        for where in ("estado_code", f"'{rollups.NATIONAL}'"):
            for what in ("category, institution", f"'{rollups.ALL}', '{rollups.ALL}'"):
                parts.append(
                    f"SELECT '{measure}', {where}, {day}, {what}, {bucket} "
                    f"FROM sala_case_keys WHERE {bucket} IS NOT NULL"
                )
    return " UNION ALL ".join(parts)


def rebuild_in_sqlite(
    conn: Connection, progress: bool = False, models: tuple[type, ...] = rollups.ROLLUPS
) -> int:
    """Empty and refill the case rollups from ``citizen_case``; return the cases read."""
    started = time.perf_counter()
    dbapi = conn.connection.driver_connection
    dbapi.create_function("sala_caracas_day", 1, _caracas_day, deterministic=True)
    dbapi.create_function("sala_took", 2, _took, deterministic=True)
    dbapi.create_function("sala_whole_hours", 2, _whole_hours, deterministic=True)
    for model in models:
        dbapi.execute(f"DELETE FROM {model.__tablename__}")
    # each case's keys once (the Python functions run once per case), then three GROUP BYs
    dbapi.execute("DROP TABLE IF EXISTS temp.sala_case_keys")
    dbapi.execute(
        "CREATE TEMP TABLE sala_case_keys AS SELECT estado_code, category, "
        "COALESCE(institution, '') AS institution, "
        f"sala_caracas_day(reported_at) AS reported_day, {_stage_sql()} AS stage, "
        "sala_caracas_day(resolved_at) AS resolved_day, "
        "sala_took(reported_at, resolved_at) AS resolution_bucket, "
        "sala_took(reported_at, assigned_at) AS response_bucket, "
        "sala_whole_hours(reported_at, resolved_at) AS whole_hours, "
        f"status <> '{rollups.REJECTED}' AS needed, resolved_at IS NULL AS unresolved "
        "FROM citizen_case WHERE estado_code IS NOT NULL AND reported_at IS NOT NULL"
    )
    # written in key order, so a range of days is a run of pages, not a page per row
    if CaseResolutionHoursDay in models:
        dbapi.execute(
            "INSERT INTO case_resolution_hours_day (estado_code, day, category, hours, n) "
            "SELECT * FROM (SELECT estado_code, resolved_day, category, whole_hours, count(*) "
            "FROM sala_case_keys WHERE resolved_day IS NOT NULL GROUP BY 1, 2, 3, 4 "
            "UNION ALL SELECT '', resolved_day, category, whole_hours, count(*) "
            "FROM sala_case_keys WHERE resolved_day IS NOT NULL GROUP BY 2, 3, 4) "
            "ORDER BY 1, 2, 3, 4"
        )
    if CaseResolutionHoursWeek in models:
        dbapi.execute(
            "INSERT INTO case_resolution_hours_week (estado_code, week, category, hours, n) "
            "SELECT * FROM (SELECT estado_code, date(resolved_day, '-6 days', 'weekday 1') "
            "AS week, category, whole_hours, count(*) FROM sala_case_keys "
            "WHERE resolved_day IS NOT NULL GROUP BY 1, 2, 3, 4 "
            "UNION ALL SELECT '', date(resolved_day, '-6 days', 'weekday 1') AS week, "
            "category, whole_hours, count(*) FROM sala_case_keys "
            "WHERE resolved_day IS NOT NULL GROUP BY 2, 3, 4) ORDER BY 1, 2, 3, 4"
        )
    if CaseReportedDay in models:
        dbapi.execute(
            "INSERT INTO case_reported_day (day, estado_code, category, institution, stage, n) "
            "SELECT reported_day, estado_code, category, institution, stage, count(*) "
            "FROM sala_case_keys GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
        )
    if CaseDemandDay in models:
        dbapi.execute(
            "INSERT INTO case_demand_day (day, estado_code, category, unresolved, n) "
            "SELECT reported_day, estado_code, category, unresolved, count(*) "
            "FROM sala_case_keys WHERE needed GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
    if CaseResolvedDay in models:
        dbapi.execute(
            "INSERT INTO case_resolved_day (day, estado_code, category, institution, n) "
            "SELECT resolved_day, estado_code, category, institution, count(*) "
            "FROM sala_case_keys WHERE resolved_day IS NOT NULL "
            "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
    if CaseDurationDay in models:
        dbapi.execute(
            "INSERT INTO case_duration_day "
            "(measure, estado_code, day, category, institution, bucket, n) "
            f"SELECT *, count(*) FROM ({_durations_sql()}) "
            "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        )
    # the weeks: the days added up per Monday (the sums the Python path writes)
    if CaseDurationWeek in models:
        dbapi.execute(
            "INSERT INTO case_duration_week "
            "(measure, estado_code, week, category, institution, bucket, n) "
            "SELECT measure, estado_code, date(day, '-6 days', 'weekday 1'), category, "
            "institution, bucket, sum(n) FROM case_duration_day "
            "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        )
    dbapi.execute("DROP TABLE temp.sala_case_keys")
    read = dbapi.execute("SELECT count(*) FROM citizen_case").fetchone()[0]
    if progress:
        took = time.perf_counter() - started
        print(f"rollups de casos: {read:,} casos — listo en {took:.1f} s".replace(",", "."))
    return read
