"""Deterministic demo and national datasets: ``seed_database(engine, scale="demo")``.

The same seed and ``until`` date always give the same rows (a past ``until``; seeding up to
"today" stops at the current second). Everything loads in one transaction: either the whole
dataset is there or nothing changed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    exists,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from core.timeutil import caracas_date, utcnow
from data import incident_rollup, reference, rollups, versions
from data.models import (
    Action,
    Alert,
    AlertNote,
    AlertOutbox,
    AlertPending,
    ApiToken,
    CaseDemandDay,
    CaseDurationDay,
    CaseDurationWeek,
    CaseEvent,
    CaseReportedDay,
    CaseResolutionHoursDay,
    CaseResolutionHoursWeek,
    CaseResolvedDay,
    CitizenCase,
    ClapCommittee,
    ClapDelivery,
    Cuadrante,
    DefenseUnit,
    Incident,
    IncidentBlock,
    IncidentDay,
    IncidentHour,
    IncidentWeek,
    Project,
    ProjectProgress,
    Territory,
    Transfer,
)
from data.seed import facts
from data.seed.facts import caracas_midnight
from data.seed.scales import SCALES, Scale
from data.seed.sink import Sink
from data.seed.world import (
    CLAP_COLUMNS,
    CUADRANTE_COLUMNS,
    TERRITORY_COLUMNS,
    World,
    build_world,
)

__all__ = ["SCALES", "SeedError", "seed_database"]

# Children before parents: the order in which a reset empties them.
SEEDED_MODELS = (
    CaseReportedDay, CaseResolvedDay, CaseDurationDay, CaseDurationWeek, CaseResolutionHoursDay, CaseResolutionHoursWeek, CaseDemandDay, IncidentWeek, IncidentBlock, IncidentDay, IncidentHour, Action, AlertOutbox, AlertNote, AlertPending, Alert, CaseEvent, CitizenCase, Incident, DefenseUnit, ClapDelivery, ClapCommittee,
    Transfer, ProjectProgress, Project, Cuadrante, Territory,
)  # fmt: skip
BIG_TABLES = (CitizenCase, CaseEvent, Incident, ClapDelivery, ProjectProgress, Transfer, Project)


class SeedError(Exception):
    """The dataset cannot be loaded as asked; the message (Spanish) says what to do."""


def scaled(spec: Scale, years: int) -> Scale:
    """``spec`` with ``years`` times its days of daily facts (``years`` >= 1)."""
    if years < 1:
        raise SeedError(f"--years debe ser 1 o más (se pidió {years}).")
    return spec if years == 1 else replace(spec, days=spec.days * years)


def end_instant(until: date | None, now: datetime | None = None) -> datetime:
    """Naive UTC end of the history: the end of ``until`` in Caracas, or now for today."""
    now = (now or utcnow()).replace(microsecond=0)
    today = caracas_date(now)
    naive_now = now.replace(tzinfo=None)
    if until is None or until == today:
        return naive_now
    if until > today:
        raise SeedError(
            f"La fecha final {until.isoformat()} es futura: use hoy ({today.isoformat()}) "
            "o una fecha pasada."
        )
    return caracas_midnight(until + timedelta(days=1)) - timedelta(seconds=1)


def seed_database(
    engine: Engine,
    scale: str = "demo",
    seed: int = 2026,
    until: date | None = None,
    reset: bool = False,
    progress: bool = True,
    years: int = 1,
) -> dict[str, int]:
    """Load the generated dataset; return the row count per table.

    ``years`` multiplies the days of history of the daily facts (CLAP batches, cases,
    incidents) to simulate a dataset after that many years of use; the rest (territory,
    projects' rounds, case history window) stays as the scale says.

    Refuses a database that already holds territories or facts unless ``reset`` is True,
    which empties those tables first (API tokens and data versions are kept).
    """
    if scale not in SCALES:
        raise SeedError(f"Escala desconocida «{scale}»: use {', '.join(SCALES)}.")
    spec = scaled(SCALES[scale], years)
    end = end_instant(until)
    say = print if progress else (lambda *_a, **_k: None)
    span = f", {spec.days} días de historia" if years != 1 else ""
    say(f"Generando la escala «{scale}» (semilla {seed}{span}) hasta {end:%Y-%m-%d %H:%M} UTC…")
    steps = Steps(say)
    world = build_world(spec, seed)
    steps.done("territorio generado (circuitos, consejos, CLAP)")
    with engine.connect() as conn, _sqlite_bulk_settings(conn), conn.begin():
        if conn.dialect.name == "sqlite":
            _sqlite_begin(conn)
        if reset:
            _empty(conn)
        elif not _is_empty(conn):
            raise SeedError(
                "La base de datos ya tiene datos (territorios o hechos). Use --reset "
                "(reset=True) para vaciarla y cargar los datos de nuevo."
            )
        steps.done("base comprobada" + (" y vaciada" if reset else ""))
        sink = Sink(conn, progress)
        with _without_indexes(conn, steps):
            _load(sink, steps, world, spec, seed, end)
        _estado_shapes(conn)
        rollups.rebuild(conn, progress)
        steps.done("rollups de casos (reconstruidos)")
        incident_rollup.rebuild(conn)
        steps.done("resúmenes de incidentes (reconstruidos)")
        session = Session(bind=conn)
        versions.bump(session, versions.DATASETS)
        session.flush()
        session.close()
        counts = dict(sink.counts)
        # filled by rebuild, not by the sink
        for model in (*rollups.ROLLUPS, *incident_rollup.TABLES):
            counts[model.__tablename__] = conn.scalar(select(func.count()).select_from(model))
        steps.done("contornos, versiones y recuento")
    steps.done("commit")
    if engine.dialect.name == "postgresql":
        _vacuum(engine, say)
    return {model.__tablename__: counts.get(model.__tablename__, 0) for model in SEEDED_MODELS}


def _vacuum(engine: Engine, say: Callable[..., Any]) -> None:
    """``VACUUM (ANALYZE)`` every loaded table, after the commit (it cannot run in a
    transaction): planner statistics, and a visibility map so that the pages' counts are
    answered from their indexes alone (without it they run 2–3 times slower)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for i, model in enumerate(SEEDED_MODELS, 1):
            started = time.perf_counter()
            conn.execute(text(f"VACUUM (ANALYZE) {model.__tablename__}"))
            took = time.perf_counter() - started
            say(f"VACUUM ANALYZE {i}/{len(SEEDED_MODELS)} {model.__tablename__}: {took:.1f} s")


def _estado_shapes(conn: Connection) -> None:
    """The estados' boundaries (shipped with the app): their maps draw filled shapes."""
    table = Territory.__table__
    rows = [{"b_code": code, "b_geometry": g} for code, g in reference.estado_shapes().items()]
    conn.execute(
        update(table)
        .where(table.c.code == bindparam("b_code"))
        .values(geometry=bindparam("b_geometry")),
        rows,
    )


def _load(sink: Sink, steps: Steps, world: World, spec: Scale, seed: int, end: datetime) -> None:
    def put(model: type, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        sink.write(model.__table__, columns, rows)
        sink.finish(model.__table__)
        table_done(model)

    def table_done(*models: type) -> None:
        names = [model.__tablename__ for model in models]
        rows = sum(sink.counts.get(name, 0) for name in names)
        writing = sum(sink.write_seconds.get(name, 0.0) for name in names)
        steps.done(f"{' + '.join(names)}: {rows:,} filas (escritura {writing:.1f} s)")

    put(Territory, TERRITORY_COLUMNS, world.territory_rows)
    put(Cuadrante, CUADRANTE_COLUMNS, world.cuadrante_rows)
    put(ClapCommittee, CLAP_COLUMNS, world.clap_rows)
    rows = facts.projects(world, spec, seed, end)
    put(Project, facts.PROJECT_COLUMNS, rows.projects)
    put(ProjectProgress, facts.PROGRESS_COLUMNS, rows.progress)
    put(Transfer, facts.TRANSFER_COLUMNS, rows.transfers)
    put(ClapDelivery, facts.DELIVERY_COLUMNS, facts.clap_deliveries(world, spec, seed, end))
    for case_rows, event_rows in facts.cases(world, spec, seed, end):
        sink.write(CitizenCase.__table__, facts.CASE_COLUMNS, case_rows)
        sink.write(CaseEvent.__table__, facts.EVENT_COLUMNS, event_rows)
    sink.finish(CitizenCase.__table__, CaseEvent.__table__)
    table_done(CitizenCase, CaseEvent)
    put(Incident, facts.INCIDENT_COLUMNS, facts.incidents(world, spec, seed, end))
    put(DefenseUnit, facts.DEFENSE_COLUMNS, facts.defense_units(world, spec, seed, end))
    put(Action, facts.ACTION_COLUMNS, facts.actions(world, seed, end, rows.projects))


def _is_empty(conn: Connection) -> bool:
    return not any(
        conn.scalar(select(exists().select_from(model.__table__))) for model in SEEDED_MODELS
    )


def _empty(conn: Connection) -> None:
    bound = conn.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.territory_code.is_not(None))
    )
    if bound:
        raise SeedError(
            f"Hay {bound} token(s) de la API ligados a un territorio: bórrelos antes de "
            "vaciar la base con --reset (los territorios se vuelven a crear)."
        )
    for model in SEEDED_MODELS:
        conn.execute(delete(model.__table__))


class Steps:
    """The split of a load: wall and CPU seconds per step, printed as each ends (CPU
    seconds show the work itself when other processes share the machine)."""

    def __init__(self, say: Callable[..., Any]) -> None:
        self.say = say
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.split: list[tuple[str, float, float]] = []

    def done(self, step: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.split.append((step, wall - self.wall, cpu - self.cpu))
        self.say(f"  [{wall - self.wall:5.1f} s, CPU {cpu - self.cpu:5.1f} s] {step}")
        self.wall, self.cpu = wall, cpu


# The bulk-load settings of the SQLite connection, restored afterwards (it goes back to
# the pool): a page cache big enough for the index builds, sort space in memory.
SQLITE_BULK_PRAGMAS = {"cache_size": -262_144, "temp_store": 2}


@contextmanager
def _sqlite_bulk_settings(conn: Connection) -> Iterator[None]:
    """On SQLite, set :data:`SQLITE_BULK_PRAGMAS` for the load and restore them after.

    The load also leaves WAL for a rollback journal when no other connection has the file
    open: WAL would write every page twice (to the log, then to the file at the
    checkpoint), a rollback journal once, and the load is still one atomic transaction.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    dbapi = conn.connection.driver_connection
    before = {name: dbapi.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_BULK_PRAGMAS}
    for name, value in SQLITE_BULK_PRAGMAS.items():
        dbapi.execute(f"PRAGMA {name} = {value}")
    left_wal = False
    if dbapi.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        try:
            left_wal = dbapi.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
        except sqlite3.OperationalError:  # another connection has it open: stay in WAL
            left_wal = False
    try:
        yield
    finally:
        for name, value in before.items():
            dbapi.execute(f"PRAGMA {name} = {value}")
        if left_wal:
            try:
                dbapi.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:  # the next connection sets WAL (data.db)
                conn.invalidate()


def _sqlite_begin(conn: Connection) -> None:
    """Open the SQLite transaction now: the driver would only open it at the first INSERT,
    leaving the index drops before it outside the transaction."""
    dbapi = conn.connection.driver_connection
    if not dbapi.in_transaction:
        dbapi.execute("BEGIN")


@contextmanager
def _without_indexes(conn: Connection, steps: Steps) -> Iterator[None]:
    """Drop the loaded tables' secondary indexes, rebuild them after the load: building an
    index once from sorted data is far cheaper than updating it row by row."""
    if conn.dialect.name == "sqlite":
        with _sqlite_without_indexes(conn):
            yield
        steps.done("índices reconstruidos")
        return
    if conn.dialect.name != "postgresql":
        yield
        return
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # faster index builds
    indexes = [index for model in BIG_TABLES for index in _indexes(model.__table__)]
    for index in indexes:
        conn.execute(text(f'DROP INDEX IF EXISTS "{index.name}"'))
    yield
    for index in indexes:
        index.create(conn)
    steps.done("índices reconstruidos")


@contextmanager
def _sqlite_without_indexes(conn: Connection) -> Iterator[None]:
    """SQLite: every index the schema has on the seeded tables (migrations included), as
    stored, so each is recreated exactly; the primary keys' own indexes stay."""
    names = [model.__tablename__ for model in SEEDED_MODELS]
    marks = ", ".join("?" for _ in names)
    dbapi = conn.connection.driver_connection
    indexes = dbapi.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        names,
    ).fetchall()
    for name, _sql in indexes:
        dbapi.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        dbapi.execute(sql)


def _indexes(table: Table) -> list:
    return sorted(table.indexes, key=lambda index: index.name or "")
