"""Speed of the indicator pages: ``python -m bench.pages`` against ``DATABASE_URL``.

For every page, times each query function and the page's whole refresh callback (``load``)
at three filter levels (national, one estado, one circuito) and prints the median and p95
in milliseconds. With ``--browser`` it also starts ``uvicorn app:server`` on that database
and times the first full render of each page, at the same three levels, in headless
Chromium (empty browser cache and scripts cached).

Load the national dataset into a throw-away PostgreSQL database first::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sala_bench \\
        .venv/bin/python manage.py seed --scale national
    DATABASE_URL=... .venv/bin/python -m bench.pages [--runs 20] [--rango 30d] [--browser]

``--http`` also times each page's refresh callbacks whole, as the browser calls them
(``POST /_dash-update-component`` in process): read, figures, JSON and compression.

``--antes DIR`` measures another checkout of the Sala (e.g. a worktree of main) on the same
database, alternating: ``--pares N`` pairs of runs, each the other checkout then this one
(both subprocesses running this file with the same options, each on its own checkout's
code), and prints the callbacks' p95 side by side with the load average at the start and
end of every run::

    git worktree add /tmp/sala-antes main --detach
    DATABASE_URL=... .venv/bin/python -m bench pages --antes /tmp/sala-antes --pares 2 --page clap

Other pages add themselves with :func:`register` (see the bottom of this module).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.filters import Filters
from core.timeutil import utcnow
from data.db import get_engine
from data.models import Territory
from data.queries import datasets as ds
from data.queries.cache import PAGE_CACHE
from data.queries.filters import scoped
from data.scope import NATIONAL, Scope, TerritoryRef, children, get_territory

Query = Callable[[Session, Scope, Filters, datetime], Any]
Load = Callable[[str | None, Filters], Any]


@dataclass(frozen=True)
class PageBench:
    """What to time for one page: its query functions, its callback's load, its datasets."""

    path: str
    queries: dict[str, Query]
    loads: dict[str, Load]  # the page's refresh callbacks' data loads, by name
    datasets: tuple[str, ...] = ()


PAGES: dict[str, PageBench] = {}


def register(name: str, bench: PageBench) -> None:
    PAGES[name] = bench


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median and p95 in ms of ``runs`` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def timed_cpu(fn: Callable[[], Any], runs: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """:func:`timed`, and the median and p95 of the process's CPU time per call (all its
    threads: the parallel queries' and the server's), which other processes' load does not
    inflate the way it inflates the elapsed time."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return (statistics.median(wall), percentile(wall, 0.95)), (
        statistics.median(cpu),
        percentile(cpu, 0.95),
    )


def levels(session: Session, estado: str | None) -> list[tuple[str, TerritoryRef | None]]:
    """National, one estado (``estado`` or the first by name) and a circuito inside it (the
    first by code; the demo's 10 % density leaves many parroquias without one, so the first
    parroquia by name may have none)."""
    estados = children(session, NATIONAL, None)
    chosen = next((e for e in estados if e.code == estado), estados[0] if estados else None)
    if chosen is None:
        raise SystemExit("La base no tiene territorios: cargue datos con manage.py seed.")
    circuito = session.scalar(
        select(Territory.code)
        .where(Territory.level == "circuito", Territory.estado_code == chosen.code)
        .order_by(Territory.code)
        .limit(1)
    )
    node = get_territory(session, circuito) if circuito else chosen
    return [
        ("nacional", None),
        (f"estado {chosen.code}", chosen),
        (f"{node.level} {node.code}", node),
    ]


def bench_page(
    name: str,
    page: PageBench,
    runs: int,
    rango: str,
    estado: str | None,
    desde: date | None = None,
    hasta: date | None = None,
) -> list[tuple[str, str, str, float, float]]:
    rows = []
    engine = get_engine()
    with Session(engine) as session:
        for label, ref in levels(session, estado):
            filters = Filters(
                territorio=ref.code if ref else None, rango=rango, desde=desde, hasta=hasta
            )
            now = utcnow()
            for qname, query in page.queries.items():

                def call(
                    query: Query = query, filters: Filters = filters, now: datetime = now
                ) -> Any:
                    return query(session, NATIONAL, filters, now)

                rows.append((name, label, qname, *timed(call, runs)))
            for dname in page.datasets:
                dataset = ds.DATASETS[dname]
                view = scoped(session, NATIONAL, filters, now)

                def first_page(dataset: ds.Dataset = dataset, view: Any = view) -> Any:
                    ds.count(session, dataset, view)
                    return ds.page(session, dataset, view, 0, 100, [])

                rows.append(
                    (name, label, f"tabla {dname} (conteo + 100 filas)", *timed(first_page, runs))
                )
            for lname, load in page.loads.items():

                def cold(load: Load = load, filters: Filters = filters) -> Any:
                    PAGE_CACHE.clear()
                    return load(None, filters)

                def warm(load: Load = load, filters: Filters = filters) -> Any:
                    return load(None, filters)

                rows.append((name, label, f"callback {lname} (sin caché)", *timed(cold, runs)))
                rows.append((name, label, f"callback {lname} (en caché)", *timed(warm, runs)))
    return rows


def _own_module(relative: str) -> Any:
    """A module of this checkout by path: with ``--antes`` this file runs on another
    checkout's code, which may not have it yet."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / relative
    spec = importlib.util.spec_from_file_location(f"_own_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VIEWPORT = {"w": 1350, "h": 940}  # the state of a refresh callback: the browser's size


def bench_http(
    names: list[str], runs: int, rango: str, estado: str | None
) -> list[tuple[str, str, str, float, float]]:
    """Each page's refresh callbacks as the browser calls them (``POST
    /_dash-update-component`` on the app, in process): read, figures, JSON and compression,
    with the page cache emptied before each call. Needs a database without users (the local
    demo's national admin), as a fresh ``manage.py seed`` is."""
    import dataclasses

    from starlette.testclient import TestClient

    from app import create_app
    from core.config import load_settings

    dash_calls = _own_module("tests/dash_calls.py")  # also when timing --antes code
    filter_request, refresh_callbacks = dash_calls.filter_request, dash_calls.refresh_callbacks

    settings = dataclasses.replace(
        load_settings(), alerts_enabled=False, simulate="", log_level="WARNING"
    )
    app = create_app(settings)
    rows = []
    headers = {"Accept-Encoding": "gzip, br"}
    with (
        TestClient(
            app.server, base_url="http://127.0.0.1:8050", client=("127.0.0.1", 40000)
        ) as client,
        Session(get_engine()) as session,
    ):
        chosen = levels(session, estado)
        for name in names:
            for label, ref in chosen:
                filters = Filters(territorio=ref.code if ref else None, rango=rango)
                for key, spec in refresh_callbacks(app, name):
                    payload = filter_request(key, spec, filters.to_params(), VIEWPORT)

                    def call(payload: dict = payload) -> None:
                        PAGE_CACHE.clear()
                        answer = client.post(
                            "/_dash-update-component", json=payload, headers=headers
                        )
                        if answer.status_code != 200:
                            raise SystemExit(f"{answer.status_code}: {answer.text[:300]}")

                    first = spec["output"][0].component_id_str()
                    wall, cpu = timed_cpu(call, runs)
                    rows.append((name, label, f"http {first} (sin caché)", *wall))
                    rows.append((name, label, f"http {first} CPU de Python (sin caché)", *cpu))
    return rows


RENDER_POLL_S = 0.05


def bench_browser(
    runs: int,
    levels: list[tuple[str, TerritoryRef | None]],
    rango: str,
    only: list[str] | None,
    port: int | None = None,
) -> list[tuple[str, str, str, float, float]]:
    """First full render (KPIs, every chart and the map drawn) of each page at each filter
    level in Chromium: with an empty browser cache (a new profile each time) and with the
    scripts cached (the same browser loading the page again, as a room screen or an analyst
    does). Prints a line per measurement as it goes (it takes minutes)."""
    import tempfile
    from pathlib import Path

    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser.conftest import new_driver, start_server

    url = get_engine().url.render_as_string(hide_password=False)
    log = Path(tempfile.mkdtemp()) / "uvicorn.log"
    server = start_server(url, workers=1, port=port, log_path=log)

    def render(driver: Any, path: str) -> float:
        """Milliseconds from the start of the navigation (the page's own clock) until it is
        drawn, checked every RENDER_POLL_S: WebDriver's default half-second poll added up to
        0.5 s to every figure."""
        driver.get(server.url + path)
        WebDriverWait(driver, 60, poll_frequency=RENDER_POLL_S).until(_rendered)
        return float(driver.execute_script("return performance.now()"))

    results = []
    try:
        for name, page in PAGES.items():
            if only and name not in only:
                continue
            for label, ref in levels:
                query = Filters(territorio=ref.code if ref else None, rango=rango).to_query()
                path = page.path + query
                cold = []
                for _ in range(runs):
                    driver = new_driver(Path(tempfile.mkdtemp()))
                    try:
                        cold.append(render(driver, path))
                    finally:
                        driver.quit()
                driver = new_driver(Path(tempfile.mkdtemp()))
                try:
                    render(driver, path)
                    warm = [render(driver, path) for _ in range(runs)]
                finally:
                    driver.quit()
                for kind, samples in (("caché vacía", cold), ("scripts en caché", warm)):
                    row = (name, label, kind, *_stats(samples))
                    print(_browser_line(row), flush=True)
                    results.append(row)
    finally:
        server.stop()
    return results


def _browser_line(row: tuple[str, str, str, float, float]) -> str:
    name, label, kind, median, p95 = row
    flag = "  ⚠ > 2 s" if median > 2000 else ""
    return f"{name:<10} {label:<28} {kind:<18} mediana {median:>6.0f} ms  p95 {p95:>6.0f} ms{flag}"


def _stats(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def _rendered(driver: Any) -> bool:
    """KPI cards shown, no chart still 'Cargando…', and the map drawn: its base geography
    (the offline base map's shapes), its key (filled by the same refresh as its point layer)
    and what that layer holds: its points, shapes or clusters, or nothing when the refresh
    gave it no feature (a territory none of whose children is placed on the map). The
    layer's features are read with Dash's ``dash_component_api.getLayout``; without it the
    map must show points."""
    return bool(
        driver.execute_script(
            """
            const kpis = document.querySelectorAll('[data-kpi]').length;
            const graphs = [...document.querySelectorAll('.chart-graph')];
            const loading = graphs.some(g => (g.textContent || '').includes('Cargando'));
            const drawn = graphs.every(g => g.querySelector('.main-svg'));
            const map = document.querySelector('.sala-map.leaflet-container');
            if (!map) return false;
            const base = map.querySelectorAll('.leaflet-sala-geo-pane path').length;
            const key = map.closest('.map-panel')?.querySelector('.map-legend');
            const keyed = key ? key.children.length : 0;
            const points = map.querySelectorAll(
                '.leaflet-overlay-pane path.leaflet-interactive, .sala-cluster').length;
            let features = null;  // unknown
            try {
                const layer = window.dash_component_api.getLayout(map.id + '-points');
                features = layer.props.data.features.length;
            } catch (e) {}
            return kpis > 0 && graphs.length > 0 && drawn && !loading
                && base > 0 && keyed > 0 && (points > 0 || features === 0);
            """
        )
    )


def conditions(engine: Any) -> str:
    """What the figures depend on besides the code: the server's version and the settings
    that change plans and spills (stock values unless someone changed them), and the
    machine's load average (the figures grow with it)."""
    parts = [f"carga media {' '.join(f'{x:.2f}' for x in os.getloadavg())}"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            settings = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar()
                for name in ("shared_buffers", "work_mem", "jit", "random_page_cost")
            }
        parts.insert(0, f"PostgreSQL {version}")
        parts.insert(1, " ".join(f"{k}={v}" for k, v in settings.items()))
    return "; ".join(parts)


Row = tuple[str, str, str, float, float]


def format_row(row: Row) -> str:
    """One timing row as :func:`main` prints it (fixed columns; flagged over 300 ms)."""
    flag = "  ⚠ > 300 ms" if row[4] > 300 else ""
    return f"{row[0]:<10} {row[1]:<28} {row[2]:<44} {row[3]:>10.1f} {row[4]:>8.1f}{flag}"


BROWSER_LINE = re.compile(
    r"^(?P<page>\S+)\s+(?P<level>.+?)\s+(?P<kind>caché vacía|scripts en caché)"
    r"\s+mediana\s+(?P<median>\d+) ms\s+p95\s+(?P<p95>\d+) ms"
)


def parse_rows(output: str) -> list[Row]:
    """The timing rows printed by :func:`main` (:func:`format_row`, and the first renders of
    :func:`_browser_line` with ``kind`` "caché vacía" or "scripts en caché"), as tuples."""
    rows = []
    for line in output.splitlines():
        drawn = BROWSER_LINE.match(line)
        if drawn:
            rows.append(
                (
                    drawn["page"],
                    drawn["level"],
                    drawn["kind"],
                    float(drawn["median"]),
                    float(drawn["p95"]),
                )
            )
            continue
        parts = line.split("  ⚠")[0].rsplit(None, 2)
        if len(parts) != 3 or len(parts[0]) < 41:
            continue
        try:
            median, p95 = float(parts[1]), float(parts[2])
        except ValueError:
            continue
        head = parts[0]
        rows.append((head[:10].strip(), head[11:39].strip(), head[40:].strip(), median, p95))
    return rows


def _load_line() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_checkout(checkout: Path, argv: list[str]) -> tuple[list[Row], str]:
    """This file's ``main(argv)`` run on the code of ``checkout`` (first on ``sys.path``, with
    its own virtualenv if it has one), so both sides are measured by the same bench: its
    rows and the load average at its start and end."""
    python = checkout / ".venv" / "bin" / "python"
    script = (
        "import runpy, sys; sys.path.insert(0, sys.argv[1]); "
        "sys.argv = ['bench.pages', *sys.argv[2:]]; "
        f"runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__main__')"
    )
    started = _load_line()
    done = subprocess.run(
        [str(python if python.exists() else sys.executable), "-c", script, str(checkout), *argv],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"bench pages falló en {checkout}:\n{done.stderr[-2000:]}")
    return parse_rows(done.stdout), f"{started} → {_load_line()}"


def compare(antes: Path, pairs: int, argv: list[str]) -> int:
    """Alternate runs of ``antes`` and this checkout; print the callbacks' p95 per pair."""
    here = Path(__file__).resolve().parent.parent
    results: list[tuple[dict[tuple[str, str, str], Row], dict[tuple[str, str, str], Row]]] = []
    for n in range(pairs):
        before, before_load = run_checkout(antes.resolve(), argv)
        after, after_load = run_checkout(here, argv)
        print(f"par {n + 1}: carga media antes {before_load}; después {after_load}", flush=True)
        results.append(({r[:3]: r for r in before}, {r[:3]: r for r in after}))
    print(f"\np95 sin caché, ms, antes ({antes}) → después ({here}); entre paréntesis la mediana")
    keys = [k for k in results[0][1] if k[2].endswith("(sin caché)")]
    keys += [k for k in results[0][1] if k[2] in ("caché vacía", "scripts en caché")]
    for key in keys:
        cells = []
        for before, after in results:
            b, a = before.get(key), after.get(key)
            if b and a:
                cells.append(f"{b[4]:.0f}→{a[4]:.0f} ({b[3]:.0f}→{a[3]:.0f})")
            else:
                cells.append("—")
        label = key[2].removeprefix("callback ").removesuffix(" (sin caché)")
        print(f"{key[0]:<10} {key[1]:<28} {label:<24} {' · '.join(cells)}")
    return 0


def _without_compare(argv: list[str]) -> list[str]:
    """``argv`` without ``--antes DIR`` and ``--pares N`` (for the subprocesses)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--antes", "--pares"):
            skip = True
        elif not arg.startswith(("--antes=", "--pares=")):
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rango", default="30d", help="rango de tiempo de los filtros")
    parser.add_argument(
        "--desde", type=date.fromisoformat, help="con --rango personalizado: primer día"
    )
    parser.add_argument(
        "--hasta", type=date.fromisoformat, help="con --rango personalizado: último día"
    )
    parser.add_argument("--estado", default="VE-V", help="estado del nivel intermedio")
    parser.add_argument("--page", action="append", help="solo estas páginas")
    parser.add_argument(
        "--http",
        action="store_true",
        help="mide también cada callback completo por HTTP (lectura, figuras, JSON)",
    )
    parser.add_argument("--browser", action="store_true", help="mide también el primer render")
    parser.add_argument("--solo-navegador", action="store_true", help="solo el primer render")
    parser.add_argument(
        "--puerto", type=int, default=None, help="puerto del servidor del navegador (uno libre)"
    )
    parser.add_argument(
        "--sin-congelar",
        action="store_true",
        help="sin gc.freeze() ni los umbrales de core.heap tras construir la app (como antes)",
    )
    parser.add_argument("--antes", type=Path, help="otra copia del código para comparar")
    parser.add_argument("--pares", type=int, default=2, help="con --antes: pares de corridas")
    args = parser.parse_args(argv)
    if args.antes:
        return compare(args.antes, args.pares, _without_compare(argv))
    frozen = _as_a_worker(freeze=not args.sin_congelar)
    engine = get_engine()
    span = f" {args.desde}..{args.hasta}" if args.rango == "personalizado" else ""
    print(f"backend={engine.dialect.name} runs={args.runs} rango={args.rango}{span}")
    print(f"objetos congelados tras construir la app (core.heap): {frozen:,}".replace(",", "."))
    print(conditions(engine))
    if not args.solo_navegador:
        print(f"{'página':<10} {'nivel':<28} {'función':<44} {'mediana ms':>10} {'p95 ms':>8}")
    for name, page in PAGES.items():
        if args.solo_navegador or (args.page and name not in args.page):
            continue
        rows = bench_page(name, page, args.runs, args.rango, args.estado, args.desde, args.hasta)
        for row in rows:
            print(format_row(row))
    if args.http and not args.solo_navegador:
        names = [n for n in PAGES if not args.page or n in args.page]
        for row in bench_http(names, args.runs, args.rango, args.estado):
            print(format_row(row))
    print(f"al terminar: {conditions(engine)}")
    if args.browser or args.solo_navegador:
        print(f"\nprimer render completo en Chromium (rango {args.rango})")
        with Session(engine) as session:
            chosen = levels(session, args.estado)
        bench_browser(max(3, args.runs // 3), chosen, args.rango, args.page, args.puerto)
        print(f"al terminar: {conditions(engine)}")
    return 0


def _as_a_worker(freeze: bool) -> int:
    """The app built as a server worker builds it, with the worker's collector settings
    (``app.py``, ``core.heap``): a collection walks what the worker holds, so the callbacks'
    pauses are the worker's. Without ``freeze``, CPython's defaults. Returns the frozen
    count (0 without ``freeze``)."""
    import app  # noqa: F401  (importing it builds it, freezes and sets the thresholds)

    if not freeze:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
    return gc.get_freeze_count()


# -- the pages ---------------------------------------------------------------------------


def _register_builtin() -> None:
    from callbacks import clap as clap_page
    from callbacks import proyectos as projects_page
    from data.queries import clap, projects

    register(
        "proyectos",
        PageBench(
            "/proyectos",
            {
                "kpis": projects.kpis,
                "money_vs_progress": projects.money_vs_progress,
                "by_territory": projects.by_territory,
                "status_by_round": projects.status_by_round,
                "by_category": projects.by_category,
                "by_transformation": projects.by_transformation,
                "transfers_by_bank": projects.transfers_by_bank,
                "stalled_projects": projects.stalled_projects,
            },
            projects_page.LOADS,
            ("proyectos", "transferencias"),
        ),
    )
    register(
        "clap",
        PageBench(
            "/clap",
            {
                "kpis": clap.kpis,
                "daily": clap.daily,
                "by_territory": clap.by_territory,
                "late_committees": clap.late_committees,
            },
            clap_page.LOADS,
            ("clap",),
        ),
    )


def _view(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
    return scoped(session, scope, filters, now).ref


def _ranged(fn: Callable[..., Any], *extra: Any, category: bool = True) -> Query:
    """A query of cases/incidents ``fn(session, ref, start, end, *extra[, category])`` timed
    through the bench's ``(session, scope, filters, now)`` signature, scope resolution included."""

    def query(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
        start, end = filters.time_bounds(now)
        more = (filters.categoria,) if category else ()
        return fn(session, _view(session, scope, filters, now), start, end, *extra, *more)

    return query


def _register_indicators() -> None:
    """/casos, /paz and /defensa: their query functions take a resolved territory and an
    explicit range, adapted here to the common signature."""
    from callbacks import casos as cases_page
    from callbacks import defensa as defense_page
    from callbacks import paz as peace_page
    from core.config import load_settings
    from core.timeutil import caracas_date
    from data.queries import cases, defense, incidents

    settings = load_settings()
    sla, days = settings.sla_hours, settings.exercise_overdue_days

    def at_end(fn: Callable[..., Any], *extra: Any) -> Query:
        def query(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
            end = filters.time_bounds(now)[1]
            return fn(session, _view(session, scope, filters, now), end, *extra)

        return query

    def above_usual(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
        return incidents.above_usual(session, _view(session, scope, filters, now), now)

    def day_vs_last_week(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
        return incidents.day_vs_last_week(session, _view(session, scope, filters, now), now)

    def on_today(fn: Callable[..., Any], *extra: Any) -> Query:
        def query(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
            return fn(session, _view(session, scope, filters, now), caracas_date(now), *extra)

        return query

    register(
        "casos",
        PageBench(
            "/casos",
            {
                "totals": _ranged(cases.totals),
                "funnel": _ranged(cases.funnel),
                "sla_breaches": _ranged(cases.sla_breaches, sla),
                "by_territory": _ranged(cases.by_territory, sla),
                "open_by_age": at_end(cases.open_by_age),
                "by_category": _ranged(cases.by_category, category=False),
                "time_percentiles institution": _ranged(cases.time_percentiles, "institution"),
                "time_percentiles category": _ranged(cases.time_percentiles, "category"),
                "oldest_open": at_end(cases.oldest_open, 20),
            },
            cases_page.LOADS,
            ("casos",),
        ),
    )
    register(
        "paz",
        PageBench(
            "/paz",
            {
                "totals": _ranged(incidents.totals),
                "day_vs_last_week": day_vs_last_week,
                "above_usual": above_usual,
                "by_territory": _ranged(incidents.by_territory),
                "heatmap": _ranged(incidents.heatmap),
                "by_type": _ranged(incidents.by_type, category=False),
                "by_severity": _ranged(incidents.by_severity),
                "by_cuadrante": _ranged(incidents.by_cuadrante),
            },
            peace_page.LOADS,
            ("incidentes",),
        ),
    )
    register(
        "defensa",
        PageBench(
            "/defensa",
            {
                "totals": on_today(defense.totals, days),
                "by_territory": on_today(defense.by_territory, days),
                "committees_incomplete": on_today(defense.committees_incomplete),
                "exercises_overdue": on_today(defense.exercises_overdue, days),
            },
            defense_page.LOADS,
            ("defensa",),
        ),
    )


def _register_consulta_aca() -> None:
    """/consulta and /aca: queries on a resolved territory at a moment (or its Caracas day)."""
    from callbacks import aca as aca_page
    from callbacks import consulta as consulta_page
    from core.config import load_settings
    from core.timeutil import caracas_date
    from data.queries import aca, consulta

    sla = load_settings().sla_hours

    def at_now(fn: Callable[..., Any], *extra: Any) -> Query:
        def query(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
            return fn(session, _view(session, scope, filters, now), now, *extra)

        return query

    def with_rounds(fn: Callable[..., Any]) -> Query:
        def query(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
            ref = _view(session, scope, filters, now)
            return fn(session, ref, now, consulta.recent_rounds(session))

        return query

    def on_today(fn: Callable[..., Any]) -> Query:
        def query(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
            return fn(session, _view(session, scope, filters, now), caracas_date(now))

        return query

    def without(session: Session, scope: Scope, filters: Filters, now: datetime) -> Any:
        ref = _view(session, scope, filters, now)
        return consulta.without_projects(session, ref, consulta.recent_rounds(session))

    register(
        "consulta",
        PageBench(
            "/consulta",
            {
                "priorities": at_now(consulta.priorities, None, sla),
                "by_territory": at_now(consulta.by_territory, None, sla),
                "map_rows": at_now(consulta.map_rows, None, sla),
                "without_projects": without,
                "stalled_continuity": at_now(consulta.stalled_continuity),
                "seven_t": with_rounds(consulta.seven_t),
            },
            consulta_page.LOADS,
        ),
    )
    register(
        "aca",
        PageBench(
            "/aca",
            {
                "totals": on_today(aca.totals),
                "by_transformation": on_today(aca.by_transformation),
                "by_territory": on_today(aca.by_territory),
                "overdue_actions": on_today(aca.overdue_actions),
            },
            aca_page.LOADS,
            ("aca",),
        ),
    )


_register_builtin()
_register_indicators()
_register_consulta_aca()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
