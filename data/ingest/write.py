"""The upsert of validated rows, decided by the database: late data, scope, history, rollups.

Runs inside the caller's transaction and never commits: the whole batch (or CSV file) is
stored or nothing is. Each chunk of rows goes through three steps:

1. :meth:`Writer.lock` reads the stored rows of the chunk's keys. Cases, projects,
   transfers and incidents, whose history, rollups and derived columns depend on the old
   values, are locked (``SELECT ... ORDER BY key FOR UPDATE`` on PostgreSQL; on SQLite the
   ingest transaction holds the database's write lock from its first statement,
   ``BEGIN IMMEDIATE``). A stored row outside the caller's scope refuses the batch: a scoped
   token can neither move nor overwrite (nor, through an ``unchanged`` answer, discover)
   another territory's records.
2. :meth:`Writer.write` sends every row in ONE conditional upsert per chunk,
   ``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE <stored row not newer> AND <differs>
   [AND <stored row in scope>] RETURNING key``: the database decides what is written, so two
   batches racing on the same ids always leave the newer version stored, and no race can let
   a scoped token overwrite a row that moved out of its scope. Rows not returned were
   unchanged or older. On PostgreSQL the rows reach the server by COPY into a temporary
   table and the upsert reads them from there (one statement per chunk).
3. Status history, ``/casos`` and ``/paz`` rollup deltas and projects' transfer sums come
   from what the database returned (the new values) and the locked rows (the old values),
   so they follow exactly what was written. For a staged chunk of incidents or transfers
   (:data:`IN_SQL`) the database computes the ``/paz`` rollup and project-sum deltas itself:
   the chunk's rows as stored after the upsert minus a copy of them taken under the locks
   before it, grouped by key, so no record travels to Python for its rollup keys.

A key absent at step 1 that conflicts at step 2 (whether the upsert then changes it or not)
was inserted meanwhile by a concurrent batch; its old values are unknown, so
:class:`ConcurrentWrite` asks the caller to retry the transaction (the retry finds the row at
step 1).
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    MetaData,
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data import incident_rollup, project_money, rollups, versions
from data.ingest.copy import copy_rows, json_columns, staged, staging_table
from data.ingest.schemas import RecordError
from data.ingest.validate import OUT_OF_SCOPE, Prepared
from data.models import (
    PATH_COLUMNS,
    Action,
    CaseEvent,
    CitizenCase,
    ClapCommittee,
    ClapDelivery,
    Cuadrante,
    DefenseUnit,
    Incident,
    Project,
    ProjectProgress,
    Territory,
    Transfer,
)
from data.scope import NATIONAL, Scope, path_in_scope, territory_clause

LOAD_CHUNK = 1_000
MAX_ITEMS = 50
#: Up to this many rows a batch is upserted from a VALUES list: a field system posting one
#: record at a time would otherwise pay a temporary table (catalog writes) and a COPY per post.
COPY_ABOVE = 64
# history, rollups and derived columns read the stored row: it is locked and its old values
# must be known for every row written
HISTORY = frozenset({"cases", "projects"})
# a transfer's old amount leaves its project's sum; an incident's old day, cuadrante, estado,
# type or severity leaves /paz's rollups (data.incident_rollup)
NEEDS_OLD = HISTORY | {"transfers", "incidents"}
#: Datasets whose derived counts a staged chunk (PostgreSQL, above COPY_ABOVE rows) has the
#: database compute from the stored rows, new minus old: the function and the columns it reads
IN_SQL: dict[str, tuple[Callable[..., None], tuple[str, ...]]] = {
    "incidents": (incident_rollup.apply_moved, incident_rollup.FIELDS),
    "transfers": (project_money.apply_moved, project_money.FIELDS),
}


class ConcurrentWrite(Exception):
    """A concurrent batch inserted one of our keys after we looked: retry the transaction."""


@dataclass(frozen=True)
class Spec:
    """How a dataset maps onto its table."""

    model: type
    key: str
    late_column: str | None  # a record older than the stored one on this column is ignored
    display: tuple[str, ...]  # fields copied into the event items
    derived: tuple[str, ...] = ()  # columns computed from the stored row, not sent by callers


SPECS: dict[str, Spec] = {
    "territories": Spec(Territory, "code", None, ("level", "name", "lat", "lon")),
    "cuadrantes": Spec(Cuadrante, "code", None, ("name", "lat", "lon")),
    "projects": Spec(
        Project,
        "id",
        "updated_at",
        ("title", "category", "status", "physical_progress", "approved_usd"),
        derived=("progress_changed_at",),
    ),
    "transfers": Spec(Transfer, "id", None, ("project_id", "bank", "amount_usd", "transferred_at")),
    "clap_deliveries": Spec(
        ClapDelivery,
        "id",
        None,
        ("clap_code", "delivered_on", "families_planned", "families_served", "bags"),
    ),
    "cases": Spec(
        CitizenCase,
        "id",
        "updated_at",
        ("category", "status", "institution"),
        derived=("assigned_at",),
    ),
    "incidents": Spec(Incident, "id", None, ("type", "severity", "occurred_at", "lat", "lon")),
    "defense": Spec(DefenseUnit, "id", "updated_at", ("plan", "phase", "readiness")),
    "actions": Spec(Action, "id", "updated_at", ("title", "transformation", "status", "due_on")),
}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _chunks(keys: list[str], size: int = LOAD_CHUNK) -> list[list[str]]:
    return [keys[start : start + size] for start in range(0, len(keys), size)]


Stored = dict[str, dict[str, Any]]


@dataclass
class Writer:
    """Upserts the prepared rows of one dataset, chunk after chunk, in one transaction."""

    session: Session
    dataset: str
    scope: Scope = NATIONAL
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    estados: set[str] = field(default_factory=set)
    # every territory a written row lay in, before or after the write: the version counters
    # scoped screens poll (data.versions)
    territories: set[str] = field(default_factory=set)
    items_by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    _staging: Any = None  # the staging table of the last chunk written (PostgreSQL)
    _old: Any = None  # the chunk's stored rows before the write, for IN_SQL (PostgreSQL)

    @property
    def spec(self) -> Spec:
        return SPECS[self.dataset]

    @property
    def changed(self) -> int:
        return self.inserted + self.updated

    @property
    def postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- step 1: the stored rows, locked, and the scope they lie in ----------------------
    def lock(self, prepared: list[Prepared]) -> tuple[Stored, list[RecordError]]:
        """Read (and, where old values matter, lock) the stored rows of ``prepared``; list
        the records whose stored row lies outside the scope."""
        needs_old = self.dataset in NEEDS_OLD
        if not (needs_old or not self.postgres or not self.scope.is_national):
            return {}, []  # nothing to learn: the upsert itself tells inserts from updates
        model, key = self.spec.model, self.spec.key
        table = model.__table__
        if needs_old:
            columns = [c for c in table.c if not isinstance(c.type, JSON)]
        else:
            wanted = {key, "territory_code", *PATH_COLUMNS}
            columns = [c for c in table.c if c.name in wanted]
        key_col = table.c[key]
        keys = sorted({p.key for p in prepared})
        stored: Stored = {}
        if self.postgres:
            stmt = select(*columns).where(_one_of(key_col, "keys", keys))
            stmt = stmt.order_by(key_col)
            if needs_old:
                stmt = stmt.with_for_update()
            result = self.session.execute(stmt)
            names = list(result.keys())
            at = names.index(key)
            stored = {row[at]: dict(zip(names, row, strict=True)) for row in result.all()}
        else:
            for chunk in _chunks(keys):
                stmt = select(*columns).where(key_col.in_(chunk))
                stored.update({r[key]: dict(r) for r in self.session.execute(stmt).mappings()})
        refused = {p.index for p in prepared if p.key in stored and not self._mine(stored[p.key])}
        if self.dataset == "clap_deliveries":
            refused |= self._foreign_committees(prepared)
        errors = [
            {"index": p.index, "field": self.spec.key, "message": OUT_OF_SCOPE}
            for p in prepared
            if p.index in refused
        ]
        return stored, errors

    def _mine(self, row: dict[str, Any]) -> bool:
        return path_in_scope(self.scope, row)

    def _foreign_committees(self, prepared: list[Prepared]) -> set[int]:
        """Deliveries naming a stored CLAP committee of another territory."""
        if self.scope.is_national:
            return set()
        codes = sorted({p.row["clap_code"] for p in prepared})
        foreign: set[str] = set()
        cols = [ClapCommittee.code, ClapCommittee.territory_code, *_path_columns(ClapCommittee)]
        for chunk in _chunks(codes):
            for row in self.session.execute(select(*cols).where(ClapCommittee.code.in_(chunk))):
                if not self._mine(dict(row._mapping)):
                    foreign.add(row.code)
        return {p.index for p in prepared if p.row["clap_code"] in foreign}

    # -- steps 2 and 3: the conditional upsert and what follows from it ------------------
    def write(self, prepared: list[Prepared], stored: Stored) -> None:
        """Upsert ``prepared`` (locked by :meth:`lock`); add history, rollups and counts.

        The hot path of a 10,000-record batch: one pass over what the database wrote, no
        per-row queries, history inserted from the staging table on PostgreSQL."""
        if not prepared:
            return
        needs_old = self.dataset in NEEDS_OLD
        if self.dataset in HISTORY:  # the only ones with derived columns (:meth:`_derived`)
            rows = {p.key: {**p.row, **self._derived(p.row, stored.get(p.key))} for p in prepared}
        else:
            rows = {p.key: p.row for p in prepared}
        if self.dataset == "clap_deliveries":
            self._ensure_committees(list(rows.values()))
        written = self._upsert([rows[k] for k in sorted(rows)], stored)
        if needs_old and len(written) < len(rows):
            self._check_not_stored_meanwhile(rows, stored, written)
        # a staged batch of incidents (transfers) has its /paz rollup (project sum) deltas
        # computed by the database
        in_sql = self.dataset in IN_SQL and self._staging is not None
        moved: list[str] = []  # keys whose status (or progress) history grows
        rollup_delta: Counter[rollups.Key] = Counter()
        money_delta: project_money.Delta = Counter()
        incident_delta: Counter[incident_rollup.Key] = Counter()
        cases, transfers = self.dataset == "cases", self.dataset == "transfers"
        incidents = self.dataset == "incidents"
        history = self.dataset in HISTORY
        paths: set[tuple[str | None, ...]] = set()  # where the written rows lie now
        old_paths: set[tuple[str | None, ...]] = set()  # and where they lay before
        path_of = itemgetter(*PATH_COLUMNS)
        inserted = 0
        for key, fresh in written:
            old, new = stored.get(key), rows[key]
            if old is None and not fresh and needs_old:
                raise ConcurrentWrite(key)
            if history and self._moved(new, old):
                moved.append(key)
            if cases:
                rollups.add_change(rollup_delta, old, new)
            elif transfers and not in_sql:
                project_money.add_change(money_delta, old, new)
            elif incidents and not in_sql:
                incident_rollup.add_change(incident_delta, old, new)
            paths.add(path_of(new))
            if fresh:
                inserted += 1
            elif old is not None:
                old_paths.add(path_of(old))
            else:  # not read (a national write): where it was is unknown
                self.territories.add(versions.EVERYWHERE)
            if len(self.items_by_key) < MAX_ITEMS or key in self.items_by_key:
                self._announce(key, new)
        self.inserted += inserted
        self.updated += len(written) - inserted
        self.unchanged += len(rows) - len(written)
        estado = PATH_COLUMNS.index("estado_code")
        for path in paths | old_paths:
            self.territories.update(code for code in path if code)
        self.estados.update(path[estado] for path in paths if path[estado])
        if moved:
            self._write_history(moved, rows)
        if rollup_delta:
            rollups.apply(self.session, rollup_delta)
        if money_delta:
            project_money.apply(self.session, money_delta)
        if incident_delta:
            incident_rollup.apply(self.session, incident_delta)
        if in_sql and written:
            model = self.spec.model
            apply_moved, fields = IN_SQL[self.dataset]
            batch = model.__table__.c[self.spec.key].in_(select(self._staging.c[self.spec.key]))
            now = select(*(model.__table__.c[c] for c in fields)).where(batch)
            apply_moved(self.session, now, self._old)

    def _check_not_stored_meanwhile(
        self, rows: dict[str, Any], stored: Stored, written: list[tuple[str, bool]]
    ) -> None:
        """A key neither read at step 1 nor written was stored meanwhile by a concurrent
        batch with the same values: its old values are unknown too, and the deltas the
        database computes (:data:`IN_SQL`) would count it as new. Retry."""
        seen = {key for key, _ in written}
        for key in rows:
            if key not in stored and key not in seen:
                raise ConcurrentWrite(key)

    def _moved(self, new: dict[str, Any], old: dict[str, Any] | None) -> bool:
        """Whether a written change adds a status-history row."""
        if old is None:
            return True
        if self.dataset == "cases":
            return old["status"] != new["status"]
        return (
            old["physical_progress"] != new["physical_progress"] or old["status"] != new["status"]
        )

    def _write_history(self, keys: list[str], rows: dict[str, dict[str, Any]]) -> None:
        """The status-history rows of the written changes ``keys``: on PostgreSQL one
        ``INSERT ... SELECT`` from the staging table the upsert read."""
        if self.dataset == "cases":
            target, names = (
                CaseEvent.__table__,
                {"case_id": "id", "status": "status", "at": "updated_at"},
            )
        else:
            target = ProjectProgress.__table__
            names = {
                "project_id": "id",
                "recorded_at": "updated_at",
                "physical_progress": "physical_progress",
                "status": "status",
            }
        if self._staging is None:  # SQLite, or a small batch upserted from VALUES
            history = [{to: rows[k][frm] for to, frm in names.items()} for k in keys]
            self.session.execute(target.insert(), history)
            return
        source = self.spec.model.__table__
        staging = self._staging
        key = staging.c[self.spec.key]
        select_ = select(*(staged(staging, source, frm) for frm in names.values()))
        if len(keys) < len(rows):  # else every staged row moved (a batch of new records)
            select_ = select_.where(_one_of(key, "moved", keys))
        select_ = select_.order_by(key)
        self.session.execute(target.insert().from_select(list(names), select_))

    def _upsert(self, rows: list[dict[str, Any]], stored: Stored) -> list[tuple[str, bool]]:
        """One ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING`` for ``rows``;
        returns ``(key, inserted)`` of every row the database actually wrote."""
        spec = self.spec
        table = spec.model.__table__
        columns = list(rows[0])
        stmt = (pg_insert if self.postgres else sqlite_insert)(table)
        copy = self.postgres and len(rows) > COPY_ABOVE
        self._staging = self._old = None
        if copy:  # COPY the rows into a staging table, upsert them from there
            staging = self._staging = staging_table(self.session, table, columns)
            copy_rows(self.session, staging.name, columns, rows, json_columns(table, columns))
            if self.dataset in IN_SQL and stored:
                self._old = self._keep_old(staging)
            source = select(*(staged(staging, table, c) for c in columns))
            source = source.order_by(staging.c[spec.key])
            stmt = stmt.from_select(columns, source)
        compared = [c for c in columns if c != spec.key and c not in spec.derived]
        differs = or_(*(self._distinct(table.c[c], stmt.excluded[c]) for c in compared))
        condition: ColumnElement[bool] = differs
        if spec.late_column:
            late = spec.late_column
            condition = and_(table.c[late] <= stmt.excluded[late], differs)
        if not self.scope.is_national:  # a row that moved out of scope meanwhile stays put
            condition = and_(condition, territory_clause(spec.model, self.scope.root))
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[spec.key]],
            set_={c: stmt.excluded[c] for c in columns if c != spec.key},
            where=condition,
        )
        if self.postgres:  # a freshly inserted row has xmax = 0
            stmt = stmt.returning(table.c[spec.key], literal_column(f"{table.name}.xmax") == 0)
            result = self.session.execute(stmt) if copy else self.session.execute(stmt, rows)
            # one fetch of every row: iterating the result fetches them one at a time
            return [(key, bool(fresh)) for key, fresh in result.all()]
        # SQLite: the transaction holds the write lock, so what lock() read is still true
        stmt = stmt.returning(table.c[spec.key])
        return [(key, key not in stored) for (key,) in self.session.execute(stmt, rows)]

    def _keep_old(self, staging: Any) -> Table:
        """The chunk's stored rows as they are before the upsert (locked by :meth:`lock`,
        so nobody changes them meanwhile), the columns its deltas need, in a temporary
        table: the old side of the deltas ``apply_moved`` computes after the upsert."""
        old = _old_table(self.dataset)
        fields = ", ".join(c.name for c in old.c)
        source, key = self.spec.model.__table__.name, self.spec.key
        raw = self.session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {old.name} ON COMMIT DROP AS "
                f"SELECT {fields} FROM {source} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {old.name}")
            cursor.execute(
                f"INSERT INTO {old.name} SELECT {fields} FROM {source} "
                f"WHERE {key} IN (SELECT {key} FROM {staging.name})"
            )
        return old

    def _distinct(self, stored: Any, sent: Any) -> ColumnElement[bool]:
        if isinstance(stored.type, JSON) and self.postgres:  # json has no equality operator
            return cast(stored, JSONB).is_distinct_from(cast(sent, JSONB))
        return stored.is_distinct_from(sent)

    def _derived(self, new: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        """The columns a row takes from its stored version (first assignment, last move)."""
        if self.dataset == "cases":
            assigned = old.get("assigned_at") if old else None
            moved = old is None or old["status"] != new["status"]
            if assigned is None and moved and new["status"] == "asignado":
                assigned = new["updated_at"]
            return {"assigned_at": assigned}
        if self.dataset == "projects":
            moved = old is None or old["physical_progress"] != new["physical_progress"]
            return {
                "progress_changed_at": new["updated_at"] if moved else old["progress_changed_at"]
            }
        return {}

    def _ensure_committees(self, rows: list[dict[str, Any]]) -> None:
        """Field systems send deliveries of committees the Sala may not know yet: add them
        (a committee that exists, or that a concurrent batch adds first, is left alone)."""
        wanted = {row["clap_code"]: row for row in rows}
        # a batch names a few hundred committees, nearly always all known: those stored are
        # left out first (one read), so only the unknown ones travel in the insert
        code = ClapCommittee.__table__.c.code
        for chunk in _chunks(sorted(wanted)):
            for (known,) in self.session.execute(select(code).where(code.in_(chunk))):
                del wanted[known]
        if not wanted:
            return
        new = [
            {
                "code": code,
                "name": code,
                "territory_code": row["territory_code"],
                "families": row["families_planned"],
                **{col: row[col] for col in PATH_COLUMNS},
            }
            for code, row in sorted(wanted.items())
        ]
        stmt = (pg_insert if self.postgres else sqlite_insert)(ClapCommittee.__table__)
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["code"]), new)

    def _announce(self, key: str, row: dict[str, Any]) -> None:
        if key in self.items_by_key or len(self.items_by_key) < MAX_ITEMS:
            item = {
                "id": key,
                "estado_code": row.get("estado_code"),
                "municipio_code": row.get("municipio_code"),
                "circuito_code": row.get("circuito_code"),
            }
            item.update({name: _jsonable(row.get(name)) for name in self.spec.display})
            self.items_by_key[key] = item

    @property
    def items(self) -> list[dict[str, Any]]:
        """Up to 50 changed records (latest state of each), for the event."""
        return list(self.items_by_key.values())

    def finish(self) -> None:
        """Bump the dataset's data version (same transaction) when anything changed."""
        if self.changed:
            versions.bump(self.session, [self.dataset], self.territories)


@functools.cache
def _old_table(dataset: str) -> Table:
    """The shape of the temporary table :meth:`Writer._keep_old` fills for ``dataset``."""
    source = SPECS[dataset].model.__table__
    return Table(
        f"sala_old_{source.name}",
        MetaData(),
        *(Column(c, source.c[c].type) for c in IN_SQL[dataset][1]),
    )


def _one_of(column: Any, name: str, keys: list[str]) -> ColumnElement[bool]:
    """``column`` equal to one of ``keys`` on PostgreSQL. Many keys travel as ONE JSON text
    parameter: ``json.dumps`` encodes 10,000 keys in C, where an ``ARRAY`` parameter is
    dumped key by key in Python (~25 ms per 10,000 keys, several times per batch). A few
    keys (a field system posting one record) keep the plain array: a simpler statement."""
    if len(keys) <= COPY_ABOVE:
        return column == any_(bindparam(name, keys, ARRAY(String)))
    listed = func.json_array_elements_text(cast(bindparam(name, json.dumps(keys), String), JSON))
    return column.in_(select(listed))


def _path_columns(model: type) -> list[Any]:
    return [getattr(model, col) for col in PATH_COLUMNS]
