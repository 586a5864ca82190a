"""Lighthouse 12 performance (desktop preset) of every page: score, TBT, CLS, LCP, main thread.

For each page prints the median over ``--runs`` of Lighthouse's performance score (0-100,
target >= 80), total blocking time (target < 300 ms), cumulative layout shift (target <
0.1), largest contentful paint and the main-thread work of the load, with the load average
at the start and end of each page (Lighthouse's desktop preset simulates the network and
scales nothing, so a busy machine inflates the CPU figures). ``--desglose`` adds where the
main thread went (Lighthouse's ``mainthread-work-breakdown`` and ``bootup-time``).

Lighthouse is an npm tool kept out of the repository (and out of the Python install);
install it once outside the repository (Node 18+; 13 needs Node 22)::

    mkdir -p ~/lh-tools && cd ~/lh-tools && npm init -y && npm i -E lighthouse@12.2.3
    export LIGHTHOUSE=~/lh-tools/node_modules/.bin/lighthouse   # or put it on PATH

    .venv/bin/python -m bench lighthouse [--page /proyectos --page /casos] [--runs 3]
        [--database sqlite:////tmp/sala-lighthouse.db] [--comparar ../otra-copia]

It starts ``uvicorn app:server`` on ``--database`` (default: ``DATABASE_URL`` or a SQLite
file in /tmp, seeded with the demo data when empty, as ``manage.py run`` does), without
simulator nor map tiles (``SALA_TILE_URL=none``). A database without users runs in local
demo mode (requests from 127.0.0.1 are the administrator); with users, the bench opens a
session of the first active administrator and Lighthouse sends its cookie as an extra
header. ``--comparar DIR`` also serves another checkout of the Sala (e.g. a worktree of
``main``) on the same database and alternates the two page by page, so both see the same
load. Chromium is Debian's (``/usr/bin/chromium``, or ``CHROME_PATH``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import ROOT
from tests.server import CHROMIUM, free_port

PAGES = (
    "/",
    "/proyectos",
    "/clap",
    "/casos",
    "/paz",
    "/defensa",
    "/consulta",
    "/aca",
    "/alertas",
    "/muro",
)
DEFAULT_DATABASE = "sqlite:////tmp/sala-lighthouse.db"
INSTALL_HINT = """No se encontró Lighthouse (una herramienta de npm que no forma parte de la
instalación de Python). Instálelo una vez FUERA del repositorio (Node 18 o más nuevo):

    mkdir -p ~/lh-tools && cd ~/lh-tools && npm init -y && npm i -E lighthouse@12.2.3

y páselo con --lighthouse ~/lh-tools/node_modules/.bin/lighthouse, con la variable
LIGHTHOUSE, o póngalo en el PATH."""

# Lighthouse audit id -> column
METRICS = {
    "total-blocking-time": "TBT ms",
    "cumulative-layout-shift": "CLS",
    "largest-contentful-paint": "LCP ms",
    "first-contentful-paint": "FCP ms",
    "speed-index": "SI ms",
    "mainthread-work-breakdown": "hilo ms",
}


@dataclass
class Run:
    score: float
    metrics: dict[str, float]
    breakdown: dict[str, float]  # main-thread groups, ms
    bootup: list[tuple[str, float, float]]  # script, total ms, scripting ms
    shifts: list[tuple[float, str]]  # layout shift score, element


def find_lighthouse(given: str | None) -> str | None:
    for candidate in (given, os.environ.get("LIGHTHOUSE"), shutil.which("lighthouse")):
        if candidate and Path(candidate).expanduser().exists():
            return str(Path(candidate).expanduser())
    return None


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def parse(report: dict[str, Any]) -> Run:
    """The figures of one Lighthouse JSON report."""
    audits = report["audits"]
    score = (report["categories"]["performance"].get("score") or 0) * 100
    metrics = {key: float(audits[key].get("numericValue") or 0) for key in METRICS}
    breakdown = {
        item["groupLabel"]: item["duration"]
        for item in audits["mainthread-work-breakdown"].get("details", {}).get("items", [])
    }
    bootup = [
        (item["url"], item["total"], item.get("scripting", 0))
        for item in audits["bootup-time"].get("details", {}).get("items", [])
    ]
    shifts = []
    for item in audits.get("layout-shifts", {}).get("details", {}).get("items", []):
        node = item.get("node") or {}
        shifts.append((item.get("score", 0), node.get("selector") or node.get("nodeLabel", "?")))
    return Run(score, metrics, breakdown, bootup, shifts)


def lighthouse(binary: str, url: str, cookie: str | None, keep: Path | None) -> Run | None:
    """One Lighthouse run, desktop preset, performance only."""
    out_path = Path(tempfile.mkstemp(suffix=".json")[1])
    cmd = [
        binary,
        url,
        "--preset=desktop",
        "--only-categories=performance",
        "--output=json",
        f"--output-path={out_path}",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ]
    if cookie:
        cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)}
    for _attempt in (1, 2):  # on a loaded machine Lighthouse sometimes fails to start Chromium
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
        if done.returncode == 0 and out_path.stat().st_size:
            break
    else:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        print(f"  (Lighthouse falló en {url}: {last[:160]})", flush=True)
        return None
    report = json.loads(out_path.read_text())
    if keep is not None:
        name = url.split("//", 1)[-1].replace("/", "_").replace(":", "_") or "raiz"
        shutil.copy(out_path, keep / f"{name}.{time.time_ns()}.json")
    out_path.unlink()
    if report.get("runtimeError"):
        print(f"  (Lighthouse: {report['runtimeError'].get('message', '?')[:160]})")
        return None
    return parse(report)


# -- the server ----------------------------------------------------------------------------


@dataclass
class Served:
    label: str
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve(label: str, checkout: Path, database: str, port: int, log: Path) -> Served:
    """``uvicorn app:server`` of ``checkout`` on ``database``; waits for ``/healthz``."""
    python = checkout / ".venv" / "bin" / "python"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SALA_TILE_URL": "none",
        "SALA_SIMULATE": "0",
        "SALA_ALERTAS": "0",  # no evaluator writing while Lighthouse measures
        "SALA_LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [str(python if python.exists() else sys.executable), "-m", "uvicorn", "app:server"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(
        cmd, cwd=checkout, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    served = Served(label, f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn ({label}) terminó al arrancar:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{served.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return served
        except OSError:
            time.sleep(0.3)
    served.stop()
    raise SystemExit(f"uvicorn ({label}) no respondió en 90 s:\n{log.read_text()}")


def prepare_database(url: str) -> str | None:
    """Migrate and seed the demo when empty; the session cookie of an administrator when the
    database has users (None: local demo mode)."""
    os.environ["DATABASE_URL"] = url
    from cli.database import database_is_empty, init_db
    from data.db import get_engine

    init_db()
    if database_is_empty():
        from data.seed import seed_database

        print("Base vacía: cargando los datos de demostración…", flush=True)
        seed_database(get_engine(), scale="demo")
    return admin_cookie()


def admin_cookie() -> str | None:
    from sqlalchemy import select

    from auth.cookies import SESSION_COOKIE, Signer
    from core.config import load_settings
    from data import sessions
    from data.db import session_scope
    from data.models import User
    from data.users import has_users

    with session_scope() as session:
        if not has_users(session):
            return None
        user_id = session.scalar(
            select(User.id).where(User.role == "admin", User.active.is_(True)).limit(1)
        )
        if user_id is None:
            raise SystemExit("La base tiene usuarios pero ningún administrador activo.")
        secret = sessions.start(session, user_id=user_id)
    return f"{SESSION_COOKIE}={Signer(load_settings().secret_key).session(secret)}"


# -- output --------------------------------------------------------------------------------


def summary(runs: list[Run]) -> dict[str, float]:
    out = {"score": statistics.median(r.score for r in runs)}
    for key in METRICS:
        out[key] = statistics.median(r.metrics[key] for r in runs)
    return out


HEADER = (
    f"{'página':<11} {'copia':<8} {'nota':>4} {'TBT ms':>7} {'CLS':>6} {'LCP ms':>7} "
    f"{'FCP ms':>7} {'SI ms':>7} {'hilo ms':>8}  carga media (inicio → fin)"
)


def line(page: str, label: str, figures: dict[str, float], loads: tuple[str, str]) -> str:
    flags = []
    if figures["score"] < 80:
        flags.append("nota<80")
    if figures["total-blocking-time"] >= 300:
        flags.append("TBT≥300")
    if figures["cumulative-layout-shift"] >= 0.1:
        flags.append("CLS≥0,1")
    return (
        f"{page:<11} {label:<8} {figures['score']:>4.0f} {figures['total-blocking-time']:>7.0f} "
        f"{figures['cumulative-layout-shift']:>6.3f} {figures['largest-contentful-paint']:>7.0f} "
        f"{figures['first-contentful-paint']:>7.0f} {figures['speed-index']:>7.0f} "
        f"{figures['mainthread-work-breakdown']:>8.0f}  {loads[0]} → {loads[1]}"
        + (f"  ⚠ {' '.join(flags)}" if flags else "")
    )


def detail(runs: list[Run]) -> str:
    """Where the main thread went in the median-score run."""
    run = sorted(runs, key=lambda r: r.score)[len(runs) // 2]
    groups = ", ".join(f"{k} {v:.0f}" for k, v in run.breakdown.items() if v >= 20)
    scripts = ", ".join(
        f"{url.rsplit('/', 1)[-1].split('?')[0][:40]} {total:.0f}"
        for url, total, _ in run.bootup[:6]
    )
    text = f"      hilo principal (ms): {groups}\n      por script (ms): {scripts}"
    if run.shifts:
        text += "\n      desplazamientos: " + ", ".join(
            f"{score:.3f} {where[:60]}" for score, where in run.shifts[:4]
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench lighthouse")
    parser.add_argument("--page", action="append", help="solo estas rutas (p. ej. /casos)")
    parser.add_argument("--runs", type=int, default=1, help="corridas por página (mediana)")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--lighthouse", help="ruta del ejecutable lighthouse")
    parser.add_argument("--puerto", type=int, default=None, help="puerto del servidor")
    parser.add_argument("--comparar", type=Path, help="otra copia de la Sala a medir a la par")
    parser.add_argument("--desglose", action="store_true", help="dónde va el hilo principal")
    parser.add_argument("--guardar", type=Path, help="carpeta donde guardar los informes JSON")
    args = parser.parse_args(argv)

    # A plain `kill` stops the servers and the browser too (SystemExit runs the cleanup).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    binary = find_lighthouse(args.lighthouse)
    if binary is None:
        print(INSTALL_HINT)
        return 2
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    pages = args.page or list(PAGES)
    cookie = prepare_database(args.database)
    if args.guardar:
        args.guardar.mkdir(parents=True, exist_ok=True)

    logs = Path(tempfile.mkdtemp(prefix="sala-lighthouse-"))
    checkouts = [("esta", ROOT)]
    if args.comparar:
        checkouts.insert(0, ("comparar", args.comparar.resolve()))
    servers = []
    try:
        for label, checkout in checkouts:
            port = args.puerto + len(servers) if args.puerto else free_port()
            servers.append(serve(label, checkout, args.database, port, logs / f"{label}.log"))
        print(
            f"Lighthouse {version.strip()} (--preset=desktop), {args.runs} corrida(s) por página; "
            f"base {args.database.split('@')[-1]}; "
            f"{'sesión de administrador' if cookie else 'modo demo local'}"
        )
        for served in servers:
            print(f"  {served.label}: {served.url}")
        print(f"carga media al empezar: {load()}\n{HEADER}")
        for page in pages:
            started = load()
            runs: dict[str, list[Run]] = {served.label: [] for served in servers}
            for _ in range(args.runs):  # the copies alternate run by run: the same load
                for served in servers:
                    run = lighthouse(binary, served.url + page, cookie, args.guardar)
                    if run is not None:
                        runs[served.label].append(run)
            for label, done in runs.items():
                if done:
                    print(line(page, label, summary(done), (started, load())), flush=True)
                    if args.desglose:
                        print(detail(done), flush=True)
        print(f"carga media al terminar: {load()}")
    finally:
        for served in servers:
            served.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
