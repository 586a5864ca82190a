"""What several benchmarks share: a throw-away PostgreSQL database and the load average."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from data.db import normalize_url


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, printed beside every figure."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


@contextmanager
def scratch_database(url: str) -> Iterator[tuple[str, str]]:
    """``(name, url)`` of a new database on the server of ``url``, dropped on the way out
    (even after a failure): benchmarks never write into the named database itself."""
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    name = f"sala_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name, normalize_url(url).rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
