"""Run a page's independent read queries at the same time, each on its own session.

A page's refresh asks five or six unrelated questions (KPIs, funnel, map, SLA...). Asked one
after the other, their times add up; asked at once, the database answers them on its own
processes while Python waits, the way a Grafana dashboard queries its panels in parallel.
The results are those of separate read-committed statements, exactly as when run in a row.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

# Shared by every callback of the worker: bounds the extra connections a busy room opens.
WORKERS = 4
_POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sala-consulta")

Query = Callable[[Session], Any]


def _run(engine: Engine, query: Query) -> Any:
    with Session(engine) as session:
        return query(session)


def run_parallel(engine: Engine, queries: dict[str, Query]) -> dict[str, Any]:
    """``{name: query(session)}``, the queries run concurrently; the first error is raised."""
    futures = {name: _POOL.submit(_run, engine, query) for name, query in queries.items()}
    return {name: future.result() for name, future in futures.items()}


PageQuery = Callable[..., Any]


def run_page_queries(args: tuple, queries: dict[str, PageQuery]) -> dict[str, Any]:
    """:func:`run_parallel` for queries taking the page cache's ``(session, scope, filters,
    now)``: each gets its own session in place of ``args[0]``."""
    session, *rest = args
    return run_parallel(
        session.get_bind(),
        {name: (lambda s, fn=fn: fn(s, *rest)) for name, fn in queries.items()},
    )
