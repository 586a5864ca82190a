"""Bulk writers: PostgreSQL COPY, SQLite executemany in chunks, same rows for both.

Rows are plain tuples in the column order given; datetimes are naive UTC. Everything runs
on one SQLAlchemy connection, so the caller's transaction covers the whole load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice

from sqlalchemy import Connection, Date, Table

from cli.progress import Progress
from data.types import UTCDateTime

CHUNK = 5_000


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The exact text SQLAlchemy's SQLite DateTime writes, so comparisons stay textual-safe.
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class Sink:
    """Writes rows into tables on ``conn``; counts rows per table and shows progress."""

    def __init__(self, conn: Connection, progress: bool = True) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.show = progress
        self.counts: dict[str, int] = {}
        self._progress: dict[str, Progress] = {}

    def write(self, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        """Append ``rows`` to ``table``; may be called many times for the same table."""
        bar = None
        written = 0
        if self.postgres:
            cursor = self.conn.connection.driver_connection.cursor()
            sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for chunk in _chunks(rows, CHUNK):
                    bar = bar or self._bar(table.name)
                    for row in chunk:
                        copy.write_row(row)
                    written += len(chunk)
                    if bar:
                        bar.advance(len(chunk))
        else:
            converters = self._sqlite_converters(table, columns)
            cursor = self.conn.connection.driver_connection.cursor()
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
            for chunk in _chunks(rows, CHUNK):
                bar = bar or self._bar(table.name)
                if converters:
                    chunk = [_convert(row, converters) for row in chunk]
                cursor.executemany(sql, chunk)
                written += len(chunk)
                if bar:
                    bar.advance(len(chunk))
        self.counts[table.name] = self.counts.get(table.name, 0) + written
        return written

    def finish(self, *tables: Table) -> None:
        """Print the final progress line of ``tables`` (when their last rows are written)."""
        for table in tables:
            bar = self._progress.pop(table.name, None)
            if bar:
                bar.finish()

    def _bar(self, name: str) -> Progress | None:
        if not self.show:
            return None
        if name not in self._progress:
            self._progress[name] = Progress(name, every_s=5.0)
        return self._progress[name]

    @staticmethod
    def _sqlite_converters(table: Table, columns: tuple[str, ...]) -> list[tuple[int, object]]:
        out = []
        for i, name in enumerate(columns):
            col_type = table.c[name].type
            if isinstance(col_type, UTCDateTime):
                out.append((i, _sqlite_datetime))
            elif isinstance(col_type, Date):
                out.append((i, _sqlite_date))
        return out


def _convert(row: tuple, converters: list[tuple[int, object]]) -> tuple:
    values = list(row)
    for i, fn in converters:
        values[i] = fn(values[i])  # type: ignore[operator]
    return tuple(values)
