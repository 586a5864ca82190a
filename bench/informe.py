"""Speed of the territory briefing: ``python -m bench informe`` against ``DATABASE_URL``.

Times, for the whole country and for one estado, each stage of what ``/informe.pdf`` and
``manage.py informe`` do: the queries (``data.queries.briefing``), the document with its
matplotlib charts (``layouts.informe.document`` + HTML) and the PDF (WeasyPrint), and prints
the median and the worst run in seconds (and the CPU seconds of this process, which the
load of a shared machine does not inflate; the database's own time is not in it) against
the targets (national < 10 s, estado < 5 s
on the national dataset). Load that dataset into a throw-away PostgreSQL database first::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sala_bench \\
        .venv/bin/python manage.py seed --scale national
    DATABASE_URL=... .venv/bin/python -m bench informe [--runs 3] [--estado VE-V]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import load_settings
from core.numbers import fmt_number
from core.timeutil import utcnow
from data.db import get_engine
from data.models import CitizenCase, Incident, Project
from data.queries.briefing import briefing
from data.scope import NATIONAL
from layouts import informe

TARGETS_S = {"nacional": 10.0, "estado": 5.0}


def one_run(session: Session, code: str | None) -> dict[str, float]:
    """Seconds of each stage of one briefing, as the route runs them."""
    settings = load_settings()
    times: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    data = briefing(
        session, NATIONAL, code, utcnow(), settings.sla_hours, settings.exercise_overdue_days
    )
    session.rollback()  # its own snapshot, as a request would have
    times["consultas"] = time.perf_counter() - started
    mark = time.perf_counter()
    html = informe.render_html(informe.document(data, "bench", utcnow()))
    times["documento"] = time.perf_counter() - mark
    mark = time.perf_counter()
    pdf = informe.to_pdf(html)
    times["pdf"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    times["cpu"] = time.process_time() - cpu  # this process only: the shared machine's load aside
    times["kb"] = len(pdf) / 1024
    return times


def _size(session: Session) -> str:
    projects, cases, incidents = (
        session.scalar(select(func.count()).select_from(model))
        for model in (Project, CitizenCase, Incident)
    )
    return (
        f"{fmt_number(projects)} proyectos, {fmt_number(cases)} casos, "
        f"{fmt_number(incidents)} incidentes"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench informe")
    parser.add_argument("--runs", type=int, default=3, help="corridas por territorio")
    parser.add_argument("--estado", default="VE-V", help="estado a medir (por defecto Zulia)")
    args = parser.parse_args([] if argv is None else argv)
    engine = get_engine()
    with Session(engine) as session:
        print(f"backend={engine.dialect.name}; datos: {_size(session)}", flush=True)
        print(
            f"{'informe':<16} {'consultas':>10} {'documento':>10} {'pdf':>8} {'total':>8} "
            f"{'peor':>8} {'cpu':>7} {'meta':>6}",
            flush=True,
        )
        informe.to_pdf("<p>calentamiento</p>")  # fonts and WeasyPrint's first-use cost
        for kind, code in (("nacional", None), ("estado", args.estado)):
            runs: list[dict[str, Any]] = [one_run(session, code) for _ in range(args.runs)]

            def median(key: str, runs: list[dict[str, Any]] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            worst = max(r["total"] for r in runs)
            target = TARGETS_S[kind]
            flag = "" if median("total") < target else "  ⚠ fuera de meta"
            label = f"{kind} {code or 'VE'}"
            print(
                f"{label:<16} {median('consultas'):>9.2f}s {median('documento'):>9.2f}s "
                f"{median('pdf'):>7.2f}s {median('total'):>7.2f}s {worst:>7.2f}s "
                f"{median('cpu'):>6.2f}s "
                f"{target:>5.0f}s{flag}   ({fmt_number(median('kb'))} KB)",
                flush=True,
            )
    return 0
