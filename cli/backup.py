"""``backup --salida FILE`` and ``restore FILE [--forzar]``: copies of the whole database."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import CommandError
from cli.progress import Progress
from core.config import load_settings
from core.numbers import fmt_number
from data.backup import BackupError, Outcome
from data.backup import backup as make_backup
from data.backup import restore as restore_backup


def _bar(label: str) -> tuple[Progress, object]:
    bar = Progress(label)

    def step(done: int, total: int) -> None:
        bar.total = total
        bar.advance(done - bar.done)

    return bar, step


def _size(n: int) -> str:
    return f"{fmt_number(n / 1_048_576, 1)} MB"


def backup(args: argparse.Namespace) -> int:
    bar, step = _bar("copia")
    try:
        outcome: Outcome = make_backup(load_settings().database_url, Path(args.salida), step)
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    bar.finish()
    print(
        f"Copia de {outcome.kind} guardada en {outcome.path} ({_size(outcome.size)}, "
        f"{fmt_number(outcome.tables)} tablas). Pruebe de vez en cuando que se puede restaurar "
        "(README, «Copias de seguridad»).",
        flush=True,
    )
    return 0


def restore(args: argparse.Namespace) -> int:
    bar, step = _bar("restauración")
    try:
        outcome = restore_backup(
            load_settings().database_url, Path(args.archivo), force=args.forzar, step=step
        )
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    bar.finish()
    print(
        f"Base restaurada desde {outcome.path} ({fmt_number(outcome.tables)} tablas) y migrada "
        "al esquema actual. Reinicie la Sala si estaba en marcha.",
        flush=True,
    )
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "backup", help="copia completa y consistente de la base (pg_dump o SQLite)"
    )
    p.add_argument("--salida", required=True, metavar="ARCHIVO", help="archivo de la copia")
    p.set_defaults(func=backup)
    p = subparsers.add_parser(
        "restore", help="restaura una copia (se niega si la base tiene datos, salvo --forzar)"
    )
    p.add_argument("archivo", metavar="ARCHIVO")
    p.add_argument("--forzar", action="store_true", help="reemplaza una base que ya tiene datos")
    p.set_defaults(func=restore)
