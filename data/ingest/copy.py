"""PostgreSQL's COPY for the write path: a batch goes to the server in one stream.

Rows are Python values as the validators made them, handed to psycopg as they are (its C
dumpers format them; no Python work per value): the staging table takes the time columns
as ``timestamptz``, so aware datetimes keep their offset on the way in, and the upsert turns
them into the naive UTC the tables store (:func:`staged`). Only JSON values are serialised
here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from datetime import UTC
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, MetaData, Table, func
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.orm import Session

from data.types import UTCDateTime


def copy_rows(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Iterable[dict[str, Any]],
    json_columns: Sequence[str] = (),
) -> None:
    """``COPY table (columns) FROM STDIN`` inside the session's transaction.

    Datetimes go as psycopg writes them (ISO 8601 with their offset): into ``timestamptz``
    columns, as the staging table has. ``json_columns`` are serialised first.
    """
    raw = session.connection().connection.driver_connection
    getter = itemgetter(*columns)
    as_json = [n for n, c in enumerate(columns) if c in json_columns]
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        write = copy.write_row
        if len(columns) == 1:
            for row in rows:
                write((getter(row),))
        elif not as_json:
            for row in rows:
                write(getter(row))
        else:
            for row in rows:
                values = list(getter(row))
                for n in as_json:
                    if values[n] is not None:
                        values[n] = json.dumps(values[n], ensure_ascii=False)
                write(values)


def copy_into(
    session: Session, table: Table, rows: Iterable[dict[str, Any]], columns: Sequence[str]
) -> None:
    """``COPY`` new ``rows`` straight into ``table`` (the floor of any insert): time values
    become the naive UTC the tables store, and columns with a Python-side default that the
    rows do not carry get it, as an ``INSERT`` from SQLAlchemy would give them.

    A key stored meanwhile by a concurrent batch raises psycopg's ``UniqueViolation``.
    """
    defaults = python_defaults(table, columns)
    names = [*columns, *defaults]
    times = [n for n, c in enumerate(columns) if is_time(table.c[c])]
    getter = itemgetter(*columns)
    tail = tuple(defaults.values())

    as_json = [n for n, c in enumerate(names) if isinstance(table.c[c].type, JSON)]
    raw = session.connection().connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in rows:
            out = list(getter(row)) if len(columns) > 1 else [getter(row)]
            for n in times:
                if out[n] is not None:
                    if out[n].tzinfo is None:  # as UTCDateTime: only aware times are stored
                        raise ValueError("naive datetime refused: store aware UTC times")
                    out[n] = out[n].astimezone(UTC).replace(tzinfo=None)
            out += tail
            for n in as_json:
                if out[n] is not None:
                    out[n] = json.dumps(out[n], ensure_ascii=False)
            copy.write_row(out)


def python_defaults(table: Table, columns: Sequence[str]) -> dict[str, Any]:
    """The scalar Python-side defaults of ``table``'s columns missing from ``columns``
    (``ValueError`` for a callable one: COPY cannot call it)."""
    out: dict[str, Any] = {}
    for column in table.c:
        default = column.default
        if column.name in columns or default is None:
            continue
        if not getattr(default, "is_scalar", False):
            raise ValueError(f"{table.name}.{column.name}: default no escalar")
        out[column.name] = default.arg
    return out


def is_time(column: Column) -> bool:
    return isinstance(column.type, UTCDateTime)


def json_columns(source: Table, columns: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if isinstance(source.c[c].type, JSON))


def staging_table(session: Session, source: Table, columns: Sequence[str]) -> Table:
    """An empty temporary table for ``columns`` of ``source``, dropped at commit; its time
    columns are ``timestamptz`` (see :func:`staged`).

    Created once per transaction (a CSV file writes several chunks through it) and emptied
    before each use.
    """
    name = f"sala_in_{source.name}"
    dialect = session.get_bind().dialect
    definitions = ", ".join(
        f"{c} {'timestamptz' if is_time(source.c[c]) else source.c[c].type.compile(dialect)}"
        for c in columns
    )
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({definitions}) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {name}")
    return _staging_shape(source, tuple(columns))


@functools.cache
def _staging_shape(source: Table, columns: tuple[str, ...]) -> Table:
    """The staging table's SQLAlchemy description, one object per shape: statements built on
    it are then compiled once per process (SQLAlchemy's cache keys on the Table object)."""
    return Table(
        f"sala_in_{source.name}",
        MetaData(),
        *(
            Column(c, TIMESTAMP(timezone=True) if is_time(source.c[c]) else source.c[c].type)
            for c in columns
        ),
    )


def staged(staging: Table, source: Table, column: str) -> ColumnElement[Any]:
    """A staging column as the target table stores it (time columns: naive UTC)."""
    if is_time(source.c[column]):
        return func.timezone("UTC", staging.c[column])
    return staging.c[column]
