"""Bulk writers: PostgreSQL COPY, SQLite executemany in chunks, same rows for both.

Rows are plain tuples in the column order given; datetimes are naive UTC. Everything runs
on one SQLAlchemy connection, so the caller's transaction covers the whole load.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from itertools import islice

from sqlalchemy import Connection, Date, Table

from cli.progress import Progress
from data.types import UTCDateTime

CHUNK = 5_000  # COPY rows per progress step
SQLITE_CHUNK = 50_000  # rows per executemany: fewer round trips, memory stays small


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The exact text SQLAlchemy's SQLite DateTime writes ("%Y-%m-%d %H:%M:%S.%f"), so
    # comparisons stay textual-safe; isoformat writes it three times faster than strftime.
    return None if value is None else value.isoformat(" ", "microseconds")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class Sink:
    """Writes rows into tables on ``conn``; counts rows per table and shows progress.

    ``write_seconds[table]`` is the time spent writing (the rest of a table's time is
    generating its rows).
    """

    def __init__(self, conn: Connection, progress: bool = True) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.show = progress
        self.counts: dict[str, int] = {}
        self.write_seconds: dict[str, float] = {}
        self._progress: dict[str, Progress] = {}

    def write(self, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        """Append ``rows`` to ``table``; may be called many times for the same table."""
        writing = 0.0
        bar = None
        written = 0
        cursor = self.conn.connection.driver_connection.cursor()
        if self.postgres:
            sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for chunk in _chunks(rows, CHUNK):
                    bar = bar or self._bar(table.name)
                    t0 = time.perf_counter()
                    for row in chunk:
                        copy.write_row(row)
                    writing += time.perf_counter() - t0
                    written += len(chunk)
                    if bar:
                        bar.advance(len(chunk))
        else:
            convert = _sqlite_converter(table, columns)
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
            for chunk in _chunks(rows, SQLITE_CHUNK):
                bar = bar or self._bar(table.name)
                t0 = time.perf_counter()
                cursor.executemany(sql, map(convert, chunk) if convert else chunk)
                writing += time.perf_counter() - t0
                written += len(chunk)
                if bar:
                    bar.advance(len(chunk))
        name = table.name
        self.counts[name] = self.counts.get(name, 0) + written
        self.write_seconds[name] = self.write_seconds.get(name, 0.0) + writing
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


def _sqlite_converter(table: Table, columns: tuple[str, ...]) -> Callable[[tuple], list] | None:
    """A function turning a row's datetimes and dates into SQLite's text (None: no such
    columns)."""
    converters: list[tuple[int, Callable]] = []
    for i, name in enumerate(columns):
        col_type = table.c[name].type
        if isinstance(col_type, UTCDateTime):
            converters.append((i, _sqlite_datetime))
        elif isinstance(col_type, Date):
            converters.append((i, _sqlite_date))
    if not converters:
        return None

    def convert(row: tuple) -> list:
        values = list(row)
        for i, fn in converters:
            values[i] = fn(values[i])
        return values

    return convert
