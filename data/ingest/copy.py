"""PostgreSQL's COPY for the write path: a batch goes to the server in one stream.

Rows are Python values as the validators made them; COPY bypasses SQLAlchemy's type
processing, so the conversions of :class:`data.types.UTCDateTime` (aware → naive UTC) and
of the JSON columns are done here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.orm import Session


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[dict[str, Any]]
) -> None:
    """``COPY table (columns) FROM STDIN`` inside the session's transaction."""
    raw = session.connection().connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([_plain(row[c]) for c in columns])


def staging_table(session: Session, source: Table, columns: Sequence[str]) -> Table:
    """An empty temporary table shaped like ``columns`` of ``source``, dropped at commit.

    Created once per transaction (a CSV file writes several chunks through it) and emptied
    before each use.
    """
    name = f"sala_in_{source.name}"
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DROP AS "
            f"SELECT {', '.join(columns)} FROM {source.name} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {name}")
    return Table(name, MetaData(), *(Column(c, source.c[c].type) for c in columns))
