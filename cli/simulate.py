"""``manage.py simulate --rate N [--duration S]``: the live simulator from the command line."""

from __future__ import annotations

import argparse
import time

from cli import CommandError
from data.db import get_engine
from data.simulator import Simulator, run

REPORT_EVERY_S = 5.0


def simulate(args: argparse.Namespace) -> int:
    if args.rate <= 0:
        raise CommandError("--rate debe ser mayor que 0 (eventos por segundo).")
    engine = get_engine()
    if not Simulator(engine).ready():
        raise CommandError(
            "La base de datos no tiene territorios: cargue la demo (manage.py seed) o "
            "importe territorios antes de simular."
        )
    start = last = time.monotonic()

    def report(sim: Simulator) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= REPORT_EVERY_S:
            last = now
            t = sim.totals
            print(
                f"simulador: {t['records']} registros en {now - start:.0f} s "
                f"(insertados {t['inserted']}, actualizados {t['updated']})",
                flush=True,
            )

    until = f" durante {args.duration:g} s" if args.duration else " (Ctrl+C para detener)"
    print(f"Simulador: {args.rate:g} eventos/s contra {engine.url.render_as_string()}{until}")
    sim = run(engine, args.rate, duration_s=args.duration, report=report, seed=args.seed)
    t = sim.totals
    print(
        f"simulador: listo, {t['records']} registros (insertados {t['inserted']}, "
        f"actualizados {t['updated']})",
        flush=True,
    )
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "simulate", help="genera datos en vivo (CLAP, 1x10, incidencias, proyectos) por la ingesta"
    )
    p.add_argument("--rate", type=float, default=2.0, help="eventos por segundo")
    p.add_argument("--duration", type=float, default=None, help="segundos (sin límite si se omite)")
    p.add_argument("--seed", type=int, default=None, help="semilla (repetible)")
    p.set_defaults(func=simulate)
