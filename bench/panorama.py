"""Speed of the Panorama page's data: ``python -m bench.panorama`` against ``DATABASE_URL``.

Times ``summary()`` (the KPI cards of ``/`` and ``/muro`` and ``GET /api/v1/summary``), each
of its five parts, and every query function of ``data.queries.panorama`` at three filter
levels (national, one estado and, down the drill-down, one municipio, parroquia and
circuito), uncached, and prints the median and p95 in
milliseconds. Load the national dataset into a throw-away PostgreSQL database first::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sala_bench \\
        .venv/bin/python manage.py seed --scale national
    DATABASE_URL=... .venv/bin/python -m bench.panorama [--runs 20] [--estado VE-V]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.db import get_engine
from data.queries import panorama
from data.queries import summary as summary_queries
from data.scope import NATIONAL, TerritoryRef, children

Query = Callable[[Session, TerritoryRef | None, datetime], Any]

QUERIES: dict[str, Query] = {
    "summary": summary_queries.summary,
    "  projects_summary": summary_queries.projects_summary,
    "  clap_summary": summary_queries.clap_summary,
    "  cases_summary": summary_queries.cases_summary,
    "  incidents_summary": summary_queries.incidents_summary,
    "  defense_summary": lambda session, ref, _as_of: summary_queries.defense_summary(session, ref),
    "territory_measures": panorama.territory_measures,
    "clap_daily": panorama.clap_daily,
    "cases_daily": panorama.cases_daily,
    "incidents_by_hour": panorama.incidents_by_hour,
}
TARGET_MS = 300


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median and p95 in ms of ``runs`` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def levels(session: Session, estado: str | None) -> list[tuple[str, TerritoryRef | None]]:
    """National, one estado (``estado`` or the first by name) and the first municipio,
    parroquia and circuito inside it: every level a drill-down from ``/`` passes through."""
    estados = children(session, NATIONAL, None)
    chosen = next((e for e in estados if e.code == estado), estados[0] if estados else None)
    if chosen is None:
        raise SystemExit("La base no tiene territorios: cargue datos con manage.py seed.")
    found: list[tuple[str, TerritoryRef | None]] = [("nacional", None)]
    node = chosen
    while True:
        found.append((f"{node.level} {node.code}", node))
        if node.level == "circuito":
            break
        below = [c for c in children(session, NATIONAL, node.code) if c.level != "consejo_comunal"]
        if not below:
            break
        node = below[0]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.panorama")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--estado", default="VE-V", help="estado del nivel intermedio")
    parser.add_argument("--only", action="append", help="solo estas funciones")
    args = parser.parse_args([] if argv is None else argv)
    engine = get_engine()
    print(f"backend={engine.dialect.name} runs={args.runs}", flush=True)
    print(f"{'nivel':<24} {'función':<22} {'mediana ms':>10} {'p95 ms':>8}", flush=True)
    with Session(engine) as session:
        for label, ref in levels(session, args.estado):
            now = utcnow()
            for name, query in QUERIES.items():
                if args.only and name.strip() not in args.only:
                    continue

                def call(
                    query: Query = query, ref: TerritoryRef | None = ref, now: datetime = now
                ) -> Any:
                    result = query(session, ref, now)
                    session.rollback()  # each call in its own snapshot, as a request would
                    return result

                median, p95 = timed(call, args.runs)
                flag = f"  ⚠ > {TARGET_MS} ms" if p95 > TARGET_MS else ""
                print(f"{label:<24} {name:<22} {median:>10.1f} {p95:>8.1f}{flag}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
