"""``manage.py seed``: load the generated demo or national dataset (migrating first)."""

from __future__ import annotations

import argparse
import time
from datetime import date

from cli import CommandError
from cli.database import init_db
from data.db import get_engine
from data.seed import SCALES, SeedError, seed_database


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"fecha inválida «{value}»: use el formato AAAA-MM-DD"
        ) from exc


def seed(args: argparse.Namespace) -> int:
    init_db()
    started = time.monotonic()
    try:
        counts = seed_database(
            get_engine(),
            scale=args.scale,
            seed=args.seed,
            until=args.until,
            reset=args.reset,
            years=args.years,
        )
    except SeedError as exc:
        raise CommandError(str(exc)) from exc
    total = sum(counts.values())
    print(
        f"Listo: {total:,} filas en {time.monotonic() - started:,.1f} s".replace(",", "."),
        flush=True,
    )
    for table, count in counts.items():
        print(f"  {table:<16} {count:>12,}".replace(",", "."), flush=True)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "seed", help="carga los datos generados (demo, nacional o de prueba) en la base"
    )
    p.add_argument(
        "--scale", choices=tuple(SCALES), default="demo", help="tamaño (por defecto: demo)"
    )
    p.add_argument("--seed", type=int, default=2026, help="semilla (misma semilla = mismos datos)")
    p.add_argument(
        "--until", type=_date, default=None, help="último día de la historia (por defecto hoy)"
    )
    p.add_argument(
        "--years",
        type=int,
        default=1,
        help="veces la historia diaria de la escala (CLAP, casos, incidencias); por defecto 1",
    )
    p.add_argument(
        "--reset", action="store_true", help="vacía los territorios y hechos antes de cargar"
    )
    p.set_defaults(func=seed)
