"""``manage.py simulate``: the live simulator from the command line.

Without ``--rate`` it writes at the rates of the stored history (the believable demo);
``--surge AREA --territorio COD`` adds a surge in one territory to demonstrate the alerts;
``--rate N`` is a load of N records per second for tests of the screens.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy.orm import Session

from cli import CommandError
from data.db import get_engine
from data.scope import UnknownTerritory, get_territory
from data.simulation.load import LoadSimulator
from data.simulation.realistic import SURGE_AREAS, Surge
from data.simulation.runner import Mode, Stepper, run

REPORT_EVERY_S = 5.0


def _mode(args: argparse.Namespace) -> Mode:
    if args.rate is not None and args.rate <= 0:
        raise CommandError("--rate debe ser mayor que 0 (registros por segundo).")
    if args.rate is not None and args.surge:
        raise CommandError("--surge va con el modo realista: quite --rate.")
    if args.surge and not args.territorio:
        raise CommandError("--surge necesita --territorio COD (p. ej. --territorio VE-V).")
    if args.factor <= 1:
        raise CommandError("--factor debe ser mayor que 1 (veces el ritmo habitual).")
    surge = Surge(args.surge, args.territorio, args.factor) if args.surge else None
    return Mode(rate=args.rate or 0.0, surge=surge)


def simulate(args: argparse.Namespace) -> int:
    mode = _mode(args)
    engine = get_engine()
    if not LoadSimulator(engine).ready():
        raise CommandError(
            "La base de datos no tiene territorios: cargue la demo (manage.py seed) o "
            "importe territorios antes de simular."
        )
    if mode.surge:
        with Session(engine) as session:
            try:
                get_territory(session, mode.surge.territory)
            except UnknownTerritory:
                raise CommandError(
                    f"Territorio desconocido {mode.surge.territory!r}: use un código como VE-V."
                ) from None
    start = last = time.monotonic()

    def report(sim: Stepper) -> None:
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
    print(f"Simulador {mode.describe()} contra {engine.url.render_as_string()}{until}")
    sim = run(engine, mode, duration_s=args.duration, report=report, seed=args.seed)
    t = sim.totals
    print(
        f"simulador: listo, {t['records']} registros (insertados {t['inserted']}, "
        f"actualizados {t['updated']})",
        flush=True,
    )
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="genera datos en vivo al ritmo de la historia (o una carga con --rate) por la ingesta",
    )
    p.add_argument(
        "--rate", type=float, default=None, help="carga: registros por segundo (sin ella: realista)"
    )
    p.add_argument(
        "--surge", choices=SURGE_AREAS, default=None, help="pico en un área, para ver las alertas"
    )
    p.add_argument("--territorio", default=None, help="código del territorio del pico (--surge)")
    p.add_argument("--factor", type=float, default=10.0, help="veces el ritmo nacional (pico)")
    p.add_argument("--duration", type=float, default=None, help="segundos (sin límite si se omite)")
    p.add_argument("--seed", type=int, default=None, help="semilla (repetible)")
    p.set_defaults(func=simulate)
