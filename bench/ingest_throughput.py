"""Ingestion throughput (records/s) for batches of 1, 100 and 10,000 on PostgreSQL.

Usage: ``DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python -m bench.ingest_throughput``

With ``--antes DIR`` (e.g. ``git worktree add /tmp/sala-antes <commit>``) it measures 10,000-
record batches of every dataset with that checkout's code and with this one, side by side,
next to PostgreSQL's own COPY of the same rows (the floor). ``--rondas N`` measures both
checkouts alternately N times and prints the best figure of each (a shared machine).

Works in a throw-away database created on that server (and dropped at the end), never in
the named database itself. Measures the full write path the API uses after reading the body
(strict JSON validation, reference checks, upsert, history, data version, event), on new
records (inserts), on the same records again (unchanged) and on changed ones (updates).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._scratch import load_average, scratch_database
from data.db import make_engine
from data.ingest import ingest, ingest_json
from data.migrate import upgrade

SIZES = ((1, 300), (100, 30), (10_000, 2))  # (batch size, batches)
ESTADOS, MUNICIPIOS, CIRCUITOS = 4, 5, 10
T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def _say(text: str) -> None:
    print(text, flush=True)


def _territories(engine) -> tuple[list[str], list[str]]:
    """A small hierarchy: consejos (for cases, CLAP) and cuadrantes (for incidents)."""
    rows, consejos, cuadrantes = [], [], []
    for e in range(ESTADOS):
        est = f"B{e}"
        rows.append({"code": est, "level": "estado", "name": f"Estado {e}"})
        for m in range(MUNICIPIOS):
            mun, par = f"{est}-M{m}", f"{est}-M{m}-P"
            rows += [
                {"code": mun, "level": "municipio", "name": mun, "parent_code": est},
                {"code": par, "level": "parroquia", "name": par, "parent_code": mun},
            ]
            for c in range(CIRCUITOS):
                cir, cc = f"{par}-C{c}", f"{par}-C{c}-CC"
                rows += [
                    {"code": cir, "level": "circuito", "name": cir, "parent_code": par},
                    {"code": cc, "level": "consejo_comunal", "name": cc, "parent_code": cir},
                ]
                consejos.append(cc)
                cuadrantes.append({"code": f"Q-{cir}", "name": cir, "circuito_code": cir})
    ingest(engine, "territories", rows)
    ingest(engine, "cuadrantes", cuadrantes)
    return consejos, [q["code"] for q in cuadrantes]


def _makers(consejos: list[str], cuadrantes: list[str]) -> dict[str, Callable[[int, int], dict]]:
    def incident(i: int, v: int) -> dict[str, Any]:
        return {
            "id": f"I{i}",
            "cuadrante_code": cuadrantes[i % len(cuadrantes)],
            "type": "robo",
            "severity": 1 + (i + v) % 5,
            "occurred_at": (T0 - timedelta(minutes=i)).isoformat(),
        }

    def case(i: int, v: int) -> dict[str, Any]:
        reported = T0 - timedelta(hours=i % 500)
        return {
            "id": f"C{i}",
            "territory_code": consejos[i % len(consejos)],
            "category": "agua",
            "status": ("recibido", "asignado")[v % 2],
            "institution": "Hidrocapital",
            "reported_at": reported.isoformat(),
            "updated_at": (reported + timedelta(minutes=v)).isoformat(),
        }

    def delivery(i: int, v: int) -> dict[str, Any]:
        return {
            "id": f"D{i}",
            "clap_code": f"CLAP-{i % 500}",
            "territory_code": consejos[i % len(consejos)],
            "delivered_on": "2026-11-20",
            "families_planned": 200,
            "families_served": 150 + v,
            "bags": 150,
            "kg": 1950.0,
        }

    return {"incidents": incident, "cases": case, "clap_deliveries": delivery}


def _run(engine, dataset: str, make, size: int, batches: int, version: int, offset: int) -> float:
    bodies = [
        json.dumps([make(offset + b * size + i, version) for i in range(size)]).encode()
        for b in range(batches)
    ]
    start = time.perf_counter()
    for body in bodies:
        ingest_json(engine, dataset, body)
    return size * batches / (time.perf_counter() - start)


class _Retries(logging.Handler):
    """Counts the write path's retries (its "choque con otro lote" log lines)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "reintent" in record.getMessage():
            self.count += 1


def _race(engine, make, size: int, rounds: int, offset: int) -> tuple[float, int, int]:
    """Two writers at once on the same ids, one a version newer: records/s, retries and
    batches that failed (an error the caller would have seen as a 503)."""
    retries = _Retries()
    logger = logging.getLogger("data.ingest")
    logger.addHandler(retries)
    logger.setLevel(logging.INFO)
    elapsed, failed = 0.0, []
    try:
        for r in range(rounds):
            bodies = [
                json.dumps([make(offset + i, 2 * r + v) for i in range(size)]).encode()
                for v in (1, 2)
            ]
            barrier = threading.Barrier(2)

            def write(body: bytes, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                try:
                    ingest_json(engine, "cases", body)
                except Exception as exc:  # counted and reported, as a 503 would be
                    failed.append(exc)

            threads = [threading.Thread(target=write, args=(b,)) for b in bodies]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed += time.perf_counter() - start
    finally:
        logger.removeHandler(retries)
    return 2 * size * rounds / elapsed, retries.count, len(failed)


def compare(url: str, antes: Path, size: int, batches: int, rounds: int = 1) -> None:
    """This checkout against ``antes`` (another checkout, e.g. a git worktree of main at an
    older commit), each in its own throw-away database, then PostgreSQL's COPY of the same
    rows: records/s for batches of ``size``, printed side by side with the load average.

    With ``rounds`` above 1 the two checkouts are measured alternately that many times and
    each figure is the best of its rounds: on a machine shared with other work a slow round
    is the other work's doing, and alternating gives both checkouts the same chances."""
    probe = Path(__file__).with_name("_ingest_probe.py")
    root = Path(__file__).resolve().parent.parent
    results: dict[str, dict[str, dict[str, float]]] = {"antes": {}, "después": {}}
    for round_ in range(1, rounds + 1):
        for label, checkout in (("antes", antes.resolve()), ("después", root)):
            measured = _probe(url, probe, checkout, size, batches, floor=label == "después")
            best = results[label]
            for dataset, row in measured.items():
                kept = best.setdefault(dataset, row)
                for metric, value in row.items():
                    if isinstance(value, float) and value > kept.get(metric, 0):
                        kept[metric] = value
            _say(f"{label}: medido, ronda {round_} de {rounds} (carga {load_average()})")
    best_of = f"; la mejor de {rounds} rondas alternas" if rounds > 1 else ""
    _say(
        f"\nregistros/s, lotes de {size:,} ({batches} lotes por medida{best_of}); "
        f"carga {load_average()}"
    )
    _say(
        f"{'conjunto':<16}{'nuevos antes':>13}{'después':>10}{'cambiados antes':>16}"
        f"{'después':>10}{'iguales después':>16}{'COPY (piso)':>12}"
    )
    for dataset, after in results["después"].items():
        before = results["antes"].get(dataset, {})
        _say(
            f"{dataset:<16}{before.get('nuevos', 0):>13,.0f}{after['nuevos']:>10,.0f}"
            f"{before.get('cambiados', 0):>16,.0f}{after['cambiados']:>10,.0f}"
            f"{after['iguales']:>16,.0f}{after['copy'] or float('nan'):>12,.0f}"
        )


def _probe(
    url: str, probe: Path, checkout: Path, size: int, batches: int, floor: bool
) -> dict[str, dict[str, float]]:
    """One run of ``probe`` with ``checkout``'s code, in its own throw-away database."""
    with scratch_database(url) as (_name, db_url):
        code = (
            f"import runpy, sys; sys.path.insert(0, {str(checkout)!r}); "
            f"sys.argv = ['probe', {db_url!r}, '{size}', '{batches}'"
            f"{', ' + repr('--piso') if floor else ''}]; "
            f"runpy.run_path({str(probe)!r}, run_name='__main__')"
        )
        try:
            out = subprocess.run(
                [sys.executable, "-c", code],
                cwd=checkout,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        except subprocess.CalledProcessError as exc:
            sys.exit(f"{checkout}: la medición falló\n{exc.stderr[-3000:]}")
    return {
        row["dataset"]: row
        for row in map(json.loads, (line for line in out.splitlines() if line.startswith("{")))
    }


def main(argv: list[str] | None = None) -> None:
    """``--antes DIR``: compare with another checkout (see :func:`compare`)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench ingest_throughput")
    parser.add_argument("--antes", type=Path, help="otra copia del código para comparar")
    parser.add_argument("--lote", type=int, default=10_000)
    parser.add_argument("--lotes", type=int, default=2)
    parser.add_argument(
        "--rondas", type=int, default=1, help="con --antes: rondas alternas (la mejor de cada)"
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        sys.exit(
            "Defina DATABASE_URL=postgresql://usuario@host:5432/base (un servidor PostgreSQL)."
        )
    if args.antes:
        compare(url, args.antes, args.lote, args.lotes, args.rondas)
        return
    os.environ.pop("REDIS_URL", None)  # the in-process bus: measure the store, not Redis
    with scratch_database(url) as (name, db_url):
        _say(f"base de datos temporal {name}")
        _measure(make_engine(db_url))
    _say(f"base de datos temporal {name} borrada")


def _measure(engine) -> None:
    """Every dataset and batch size, then the race of two batches, in ``engine``'s database."""
    try:
        upgrade(engine)
        consejos, cuadrantes = _territories(engine)
        _say(f"territorios: {len(consejos)} consejos, {len(cuadrantes)} cuadrantes")
        _say(f"{'conjunto':<16}{'lote':>7}{'nuevos/s':>11}{'iguales/s':>11}{'cambiados/s':>13}")
        offset = 0
        for dataset, make in _makers(consejos, cuadrantes).items():
            for size, batches in SIZES:
                new = _run(engine, dataset, make, size, batches, 0, offset)
                same = _run(engine, dataset, make, size, batches, 0, offset)
                changed = _run(engine, dataset, make, size, batches, 1, offset)
                offset += size * batches
                _say(f"{dataset:<16}{size:>7}{new:>11,.0f}{same:>11,.0f}{changed:>13,.0f}")
        cases = _makers(consejos, cuadrantes)["cases"]
        rate, retries, failed = _race(engine, cases, 1_000, 10, 0)
        _say(
            f"cases, dos lotes de 1.000 a la vez con los mismos ids: {rate:,.0f} registros/s, "
            f"{retries} reintentos y {failed} lotes fallidos en 10 rondas"
        )
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
