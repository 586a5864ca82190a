"""One measurement of the ingest path for ``bench.ingest_throughput --antes``: run as a script
with a checkout's folder first on ``sys.path``, so ``data.ingest`` is that checkout's code.

Prints one JSON line per dataset: records/s for a 10,000-record batch of new records, the
same records again (unchanged), changed records (updates), and PostgreSQL's own COPY of the
rows as stored (the floor, with ``--piso``). Arguments: database URL, batch size, batches,
``--piso``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
ESTADOS, MUNICIPIOS, CIRCUITOS = 4, 5, 10


def territories(engine: Any, ingest: Callable[..., Any]) -> tuple[list[str], list[str]]:
    rows, consejos, circuitos = [], [], []
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
                circuitos.append(cir)
    ingest(engine, "territories", rows)
    ingest(
        engine, "cuadrantes", [{"code": f"Q-{c}", "name": c, "circuito_code": c} for c in circuitos]
    )
    return consejos, circuitos


def makers(
    consejos: list[str], circuitos: list[str], projects: dict[str, int]
) -> dict[str, Callable[[int, int], dict]]:
    """``projects["first"]``: the number of the first project stored (transfers name them)."""

    def at(i: int, v: int) -> str:
        return (T0 - timedelta(minutes=i) + timedelta(minutes=v)).isoformat()

    return {
        "incidents": lambda i, v: {
            "id": f"I{i}",
            "cuadrante_code": f"Q-{circuitos[i % len(circuitos)]}",
            "type": "robo",
            "severity": 1 + (i + v) % 5,
            "occurred_at": (T0 - timedelta(minutes=i)).isoformat(),
        },
        "cases": lambda i, v: {
            "id": f"C{i}",
            "territory_code": consejos[i % len(consejos)],
            "category": "agua",
            "status": ("recibido", "asignado")[v % 2],
            "institution": "Hidrocapital",
            "reported_at": (T0 - timedelta(hours=i % 500)).isoformat(),
            "updated_at": (T0 - timedelta(hours=i % 500) + timedelta(minutes=v)).isoformat(),
        },
        "clap_deliveries": lambda i, v: {
            "id": f"D{i}",
            "clap_code": f"CLAP-{i % 500}",
            "territory_code": consejos[i % len(consejos)],
            "delivered_on": "2026-11-20",
            "families_planned": 200,
            "families_served": 150 + v,
            "bags": 150,
            "kg": 1950.0,
        },
        "projects": lambda i, v: {
            "id": f"P{i}",
            "circuito_code": circuitos[i % len(circuitos)],
            "consulta": "2025-4",
            "title": f"Proyecto {i}",
            "category": "agua",
            "transformation": 1 + i % 7,
            "approved_usd": 10000.0,
            "status": ("aprobado", "en_ejecucion")[v % 2],
            "physical_progress": float(10 * v),
            "updated_at": at(i, v),
        },
        "transfers": lambda i, v: {
            "id": f"T{i}",
            "project_id": f"P{projects['first'] + i % 1000}",
            "amount_usd": 500.0 + v,
            "bank": "Banco Comunal",
            "transferred_at": (T0 - timedelta(minutes=i)).isoformat(),
        },
        "defense": lambda i, v: {
            "id": f"F{i}",
            "territory_code": consejos[i % len(consejos)],
            "plan": "Escudo",
            "phase": "alistamiento",
            "readiness": float(50 + v),
            "updated_at": at(i, v),
        },
        "actions": lambda i, v: {
            "id": f"A{i}",
            "territory_code": consejos[i % len(consejos)],
            "title": f"Acción {i}",
            "transformation": 1 + i % 7,
            "owner": "Sala",
            "due_on": "2026-12-31",
            "status": ("pendiente", "en_curso")[v % 2],
            "updated_at": at(i, v),
        },
    }


def copy_floor(engine: Any, dataset: str, bodies: list[bytes]) -> float:
    """PostgreSQL's COPY of the rows exactly as the writer stores them, into the real table
    (indexes and all), in a transaction that is rolled back: the floor of any write path."""
    from sqlalchemy.orm import Session

    from data.ingest.schemas import parse_json_items
    from data.ingest.validate import BatchValidator
    from data.ingest.write import SPECS
    from data.scope import NATIONAL

    table = SPECS[dataset].model.__table__
    prepared_batches = []
    with Session(engine) as session:
        for body in bodies:
            parsed, _ = parse_json_items(dataset, body, json.loads(body))
            prepared, _ = BatchValidator(session, dataset, NATIONAL).check(parsed)
            prepared_batches.append([_plain_row(p.row) for p in prepared])
    columns = list(prepared_batches[0][0])
    elapsed = 0.0
    raw = engine.raw_connection()
    try:
        for rows in prepared_batches:
            start = time.perf_counter()
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row([row[c] for c in columns])
            elapsed += time.perf_counter() - start
            raw.rollback()
    finally:
        raw.close()
    return sum(len(r) for r in prepared_batches) / elapsed


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v)
        for k, v in row.items()
    }


def main() -> None:
    url, size, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    floor = "--piso" in sys.argv
    os.environ.pop("REDIS_URL", None)  # the in-process bus: measure the store, not Redis
    from data.db import make_engine
    from data.ingest import ingest, ingest_json
    from data.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    consejos, circuitos = territories(engine, ingest)
    offset, projects = 0, {"first": 0}
    for dataset, make in makers(consejos, circuitos, projects).items():
        if dataset == "projects":
            projects["first"] = offset

        def bodies(version: int, offset: int = offset, make: Any = make) -> list[bytes]:
            return [
                json.dumps([make(offset + b * size + i, version) for i in range(size)]).encode()
                for b in range(batches)
            ]

        def fresh(make: Any = make) -> list[bytes]:  # ids never stored, for the COPY floor
            return [
                json.dumps([make(10**7 + b * size + i, 0) for i in range(size)]).encode()
                for b in range(batches)
            ]

        rates = {}
        for label, version in (("nuevos", 0), ("iguales", 0), ("cambiados", 1)):
            payload = bodies(version)
            start = time.perf_counter()
            for body in payload:
                ingest_json(engine, dataset, body)
            rates[label] = size * batches / (time.perf_counter() - start)
        if floor:
            try:
                rates["copy"] = copy_floor(engine, dataset, fresh())
            except Exception:  # a table with client-side defaults: no floor
                rates["copy"] = 0.0
        offset += size * batches
        print(json.dumps({"dataset": dataset, **rates}), flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
