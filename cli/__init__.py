"""``manage.py`` commands. Each module adds its sub-commands with ``add_commands``."""

from __future__ import annotations

import argparse
import getpass
import importlib

# One module per group of commands; each has add_commands(subparsers).
COMMAND_MODULES = (
    "cli.database",
    "cli.seed",
    "cli.tokens",
    "cli.importer",
    "cli.simulate",
    "cli.users",
    "cli.serve",
    "cli.backup",
    "cli.doctor",
    "cli.alerts",
    "cli.informe",
)


class CommandError(Exception):
    """A command failed for a reason the user can fix; the message says how."""


def actor() -> str:
    """Who ran a command, as the audit log names it."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="manage.py", description="Administración de la Sala de Autogobierno."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"Error: {exc}", flush=True)
        return 2
    except KeyboardInterrupt:
        print("Interrumpido.", flush=True)
        return 130
