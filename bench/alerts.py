"""Alerts: commit → alert on a wall (median, p95), and the cost of one evaluation round.

``python -m bench alerts muro [--events 30] [--database URL | --scale demo|test]`` starts the
app (evaluator on, simulator off), opens ``/muro`` in headless Chromium and, one at a time,
posts a severity-5 incident on a cuadrante whose circuito has no open alert. Per incident it
measures from the API's answer (the batch is committed by then) to the moment its alert's
``data-alert-id`` appears inside the wall's ``data-alert-banner`` (a MutationObserver in the
page timestamps it): bus → evaluator → alert commit → bus → push → wall callback → DOM.
Without ``--database`` it seeds a temporary SQLite file at ``--scale``.

``python -m bench alerts ronda [--runs 5]`` evaluates every enabled rule on ``DATABASE_URL``
(one transaction per rule, as the evaluator does) and prints each rule's time and the
round's: the first round (which opens the alerts) and the steady state after it. Run it on
the national dataset: the round must stay well under its one-minute period.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import select, text

from core.config import ROOT, load_settings
from core.timeutil import utcnow
from data.db import make_engine
from data.migrate import upgrade
from data.models import OPEN_ALERT_PREDICATE, Alert, Cuadrante

OBSERVER_JS = """
window.__benchSeen = {};
const look = () => {
  document.querySelectorAll('[data-alert-banner] [data-alert-id]').forEach(e => {
    const id = e.dataset.alertId;
    if (!(id in window.__benchSeen)) { window.__benchSeen[id] = Date.now(); }
  });
};
look();
new MutationObserver(look).observe(document.body, {subtree: true, childList: true});
window.__benchFeeds = [];
const __seen = window.salaLive.seen;
window.salaLive.seen = function (store, data) {
  if (store === 'live-feed' && data && data.alerts) { window.__benchFeeds.push(Date.now()); }
  return __seen(store, data);
};
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _token(database_url: str, role: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "create-token",
            "--name",
            f"bench-{uuid.uuid4().hex[:6]}",
            "--role",
            role,
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _free_cuadrantes(database_url: str, n: int) -> list[tuple[str, str]]:
    """Cuadrantes whose circuito has no open ``incidente_grave`` alert (one per circuito)."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        busy = select(Alert.territory_code).where(
            Alert.rule == "incidente_grave", text(OPEN_ALERT_PREDICATE)
        )
        rows = conn.execute(
            select(Cuadrante.code, Cuadrante.circuito_code)
            .where(Cuadrante.circuito_code.not_in(busy))
            .order_by(Cuadrante.code)
        ).all()
    engine.dispose()
    seen: dict[str, str] = {}
    for code, circuito in rows:
        seen.setdefault(circuito, code)
    return [(code, circuito) for circuito, code in seen.items()][:n]


def _post(url: str, token: str, records: list[dict]) -> tuple[float, float]:
    request = urllib.request.Request(
        f"{url}/api/v1/ingest/incidents",
        data=json.dumps(records).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.time()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return started, time.time()


def _raised_at(url: str, token: str, circuito: str) -> float | None:
    """When the evaluator raised the alert of ``circuito`` (its ``raised_at``), epoch seconds."""
    from datetime import datetime

    request = urllib.request.Request(
        f"{url}/api/v1/alerts?territory={circuito}&state=abierta",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        rows = json.loads(response.read())
    found = [r for r in rows if r["rule"] == "incidente_grave"]
    return datetime.fromisoformat(found[0]["raised_at"]).timestamp() if found else None


def wall(args: argparse.Namespace) -> int:
    from tests.live.harness import new_driver, wait_until
    from tests.server import start_server

    tmp = Path(tempfile.mkdtemp(prefix="sala-bench-alertas-"))
    database_url = args.database
    if not database_url:
        from data.seed import seed_database

        database_url = f"sqlite:///{tmp / 'sala.db'}"
        print(f"Cargando la escala {args.scale} en {tmp} …", flush=True)
        engine = make_engine(database_url)
        upgrade(engine)
        seed_database(engine, scale=args.scale, progress=False)
        engine.dispose()
    ingest = _token(database_url, "ingest")
    env = {"SALA_ALERTAS": "1", "SALA_SIMULATE": "0", "REDIS_URL": args.redis or ""}
    server = start_server(database_url, env, log_path=tmp / "server.log", timeout=120)
    driver = new_driver(tmp / "profile", 1920, 1080)
    latencies: list[float] = []
    raised: list[float] = []  # commit → the alert's commit (the evaluator's part)
    pushed: list[float] = []  # commit → the push carrying the alert reaches the page
    try:
        driver.get(f"{server.url}/muro")
        wait_until(
            lambda: driver.execute_script(
                "return window.salaLive && window.salaLive.state.everBeat"
            ),
            60,
            "muro conectado",
        )
        time.sleep(8)  # the evaluator's first round (it leads as soon as the server starts)
        cuadrantes = _free_cuadrantes(database_url, args.events)
        driver.execute_script(OBSERVER_JS)
        print(
            f"Servidor {server.url}; {len(cuadrantes)} incidentes de severidad 5, uno a la vez",
            flush=True,
        )
        for i, (cuadrante, circuito) in enumerate(cuadrantes):
            before = set(driver.execute_script("return Object.keys(window.__benchSeen);"))
            feeds_before = driver.execute_script("return window.__benchFeeds.length;")
            record = {
                "id": f"bench-{uuid.uuid4().hex[:10]}",
                "cuadrante_code": cuadrante,
                "type": "homicidio",
                "severity": 5,
                "occurred_at": utcnow().isoformat(),
            }
            _started, committed = _post(server.url, ingest, [record])
            deadline = time.time() + 30
            new: list[str] = []
            while time.time() < deadline and not new:
                seen = driver.execute_script("return window.__benchSeen;")
                new = [k for k in seen if k not in before]
                if not new:
                    time.sleep(0.02)
            if not new:
                print(f"  {i + 1}: no apareció en 30 s", flush=True)
                continue
            shown = driver.execute_script("return window.__benchSeen;")[new[0]] / 1000
            latencies.append(shown - committed)
            feeds = driver.execute_script("return window.__benchFeeds;")[feeds_before:]
            if feeds:
                pushed.append(feeds[0] / 1000 - committed)
            raised_at = _raised_at(server.url, ingest, circuito)
            if raised_at is not None:
                raised.append(raised_at - committed)
            time.sleep(args.pause)
    finally:
        driver.quit()
        server.stop()
    if not latencies:
        print("Sin medidas.")
        return 1
    print(
        f"commit → alerta en el banner del muro: {len(latencies)} medidas, "
        f"mediana {statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"máx {max(latencies) * 1000:.0f} ms"
    )
    if pushed:
        print(
            f"  de ello, commit → llegada del empuje con la alerta: mediana "
            f"{statistics.median(pushed) * 1000:.0f} ms, p95 {percentile(pushed, 0.95) * 1000:.0f} ms"
        )
    if raised:
        print(
            f"  de ello, commit → alerta guardada (evaluador): mediana "
            f"{statistics.median(raised) * 1000:.0f} ms, p95 {percentile(raised, 0.95) * 1000:.0f} ms"
        )
    return 0


def round_cost(args: argparse.Namespace) -> int:
    from data.alerts.engine import escalate, evaluate

    settings = load_settings()
    engine = make_engine(settings.database_url)
    print(f"Base: {engine.url.render_as_string()}", flush=True)
    rounds = []
    for run in range(args.runs):
        began = time.perf_counter()
        outcomes = evaluate(engine, utcnow(), settings, publish=False)
        escalate(engine, utcnow(), settings, publish=False)
        total = time.perf_counter() - began
        rounds.append((total, outcomes))
        opened = sum(o.opened for o in outcomes)
        print(f"ronda {run + 1}: {total:.2f} s ({opened} alertas abiertas en la ronda)", flush=True)
    print(
        f"\n{'regla':<28} {'1.ª ronda':>10} {'estable (mediana)':>18} {'territorios medidos':>20}"
    )
    steady = rounds[1:] or rounds
    for i, first in enumerate(rounds[0][1]):
        later = [r[1][i].seconds for r in steady]
        print(
            f"{first.rule:<28} {first.seconds * 1000:>8.0f}ms {statistics.median(later) * 1000:>16.0f}ms "
            f"{first.measured:>20}"
        )
    print(
        f"\nRonda completa: primera {rounds[0][0]:.2f} s; estable mediana "
        f"{statistics.median(r[0] for r in steady):.2f} s, máx {max(r[0] for r in steady):.2f} s "
        f"(período: {settings.alert_period_s} s)"
    )
    engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench alerts", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("muro", help="commit → alerta visible en el muro")
    p.add_argument("--events", type=int, default=30)
    p.add_argument("--pause", type=float, default=1.0, help="segundos entre incidentes")
    p.add_argument("--database", default=None, help="base ya cargada (si no, una SQLite temporal)")
    p.add_argument("--scale", default="demo", choices=("demo", "test"))
    p.add_argument(
        "--redis", default=None, help="REDIS_URL para el bus (por omisión, en el proceso)"
    )
    p.set_defaults(func=wall)
    p = sub.add_parser("ronda", help="costo de una ronda de evaluación en DATABASE_URL")
    p.add_argument("--runs", type=int, default=5)
    p.set_defaults(func=round_cost)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
