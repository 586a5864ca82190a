"""Single-record posts over HTTP: median and p95 latency, and commits per second of one worker.

Usage: ``DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench ingest_single``

A field system that sends each record as it happens posts batches of one. This bench starts
one server worker (``uvicorn app:server``, as ``manage.py serve --workers 1``) on a throw-away
database on that PostgreSQL server (created, then dropped), with the in-process bus, and:

- posts ``--n`` new records one after another over one keep-alive connection (each post is a
  whole write: validation, scope, conditional upsert, history, rollups, version, event) and
  prints the median and p95 time from request to answer;
- then ``--clientes`` clients post at once for ``--segundos`` seconds and it prints the
  commits per second the worker sustains (every answer checked: 200 and one record stored).

For cases (rollups maintained on write) and incidents. Client and server share the machine:
the printed load average says how busy it was.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench._scratch import load_average, scratch_database
from bench.ingest_throughput import _territories
from bench.push_latency import create_token, percentile
from core.timeutil import utcnow
from data.db import make_engine
from data.migrate import upgrade
from tests.server import start_server


def _record(dataset: str, consejos: list[str], cuadrantes: list[str]) -> Callable[[], dict]:
    def make() -> dict[str, Any]:
        now = utcnow().isoformat()
        key = f"u-{uuid.uuid4().hex[:16]}"
        if dataset == "incidents":
            return {
                "id": key,
                "cuadrante_code": cuadrantes[hash(key) % len(cuadrantes)],
                "type": "robo",
                "severity": 2,
                "occurred_at": now,
            }
        return {
            "id": key,
            "territory_code": consejos[hash(key) % len(consejos)],
            "category": "agua",
            "status": "recibido",
            "reported_at": now,
            "updated_at": now,
        }

    return make


class Client:
    """One keep-alive HTTP connection posting batches of one record."""

    def __init__(self, base: str, token: str, dataset: str, make: Callable[[], dict]) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.path = f"/api/v1/ingest/{dataset}"
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.make = make

    def post(self) -> float:
        body = json.dumps([self.make()])
        start = time.perf_counter()
        self.conn.request("POST", self.path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        answer = response.read()
        took = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"{self.path}: {response.status} {answer[:200]!r}")
        return took


def sequential(base: str, token: str, dataset: str, make: Callable[[], dict], n: int) -> list:
    client = Client(base, token, dataset, make)
    for _ in range(min(20, n)):  # warm the worker's connections and caches
        client.post()
    return [client.post() for _ in range(n)]


def concurrent(
    base: str, token: str, dataset: str, make: Callable[[], dict], clients: int, seconds: float
) -> tuple[int, float]:
    done: list[int] = [0] * clients
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        client = Client(base, token, dataset, make)
        try:
            while time.perf_counter() < stop:
                client.post()
                done[i] += 1
        except Exception as exc:  # reported below: a failed commit is not a commit
            errors.append(str(exc))

    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  {len(errors)} clientes fallaron; el primero: {errors[0]}")
    return sum(done), time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest_single")
    parser.add_argument("--n", type=int, default=300, help="envíos seguidos para la latencia")
    parser.add_argument("--clientes", type=int, default=8, help="clientes a la vez")
    parser.add_argument("--segundos", type=float, default=15.0)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        sys.exit(
            "Defina DATABASE_URL=postgresql://usuario@host:5432/base (un servidor PostgreSQL)."
        )
    with scratch_database(url) as (name, db_url):
        print(f"Base de datos temporal {name}; carga del sistema {load_average()}", flush=True)
        measure(db_url, args.n, args.clientes, args.segundos)
    print(f"Base de datos temporal {name} borrada")


def measure(db_url: str, n: int, clients: int, seconds: float) -> None:
    """Territories, an ingest token and one server worker on ``db_url``; then both datasets."""
    engine = make_engine(db_url)
    upgrade(engine)
    consejos, cuadrantes = _territories(engine)
    engine.dispose()
    token = create_token(db_url)
    log = Path(tempfile.mkdtemp(prefix="sala-bench-single-")) / "server.log"
    server = start_server(db_url, {"REDIS_URL": "", "SALA_SIMULATE": "0"}, log_path=log)
    try:
        print(f"Servidor de un proceso en {server.url}\n", flush=True)
        print(f"{'conjunto':<10}{'mediana':>10}{'p95':>10}{f'commits/s ({clients} clientes)':>28}")
        for dataset in ("cases", "incidents"):
            make = _record(dataset, consejos, cuadrantes)
            times = sequential(server.url, token, dataset, make, n)
            commits, span = concurrent(server.url, token, dataset, make, clients, seconds)
            print(
                f"{dataset:<10}{statistics.median(times) * 1000:>8.1f}ms"
                f"{percentile(times, 0.95) * 1000:>8.1f}ms{commits / span:>28.0f}",
                flush=True,
            )
        print(f"\nCarga del sistema al terminar: {load_average()}")
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
