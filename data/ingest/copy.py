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
