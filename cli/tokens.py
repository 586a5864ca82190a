"""API token commands: ``create-token`` and ``revoke-token``."""

from __future__ import annotations

import argparse

from cli import CommandError, actor
from data import audit
from data.db import session_scope
from data.scope import UnknownTerritory
from data.tokens import TOKEN_ROLES, TokenError, create_token, revoke_token


def create(args: argparse.Namespace) -> int:
    try:
        with session_scope() as session:
            secret = create_token(session, args.name, args.role, args.territory)
            detail = {"token": args.name, "rol": args.role, "territorio": args.territory}
            audit.record(session, actor(), "token_creado", detail, None, args.territory)
    except TokenError as exc:
        raise CommandError(str(exc)) from exc
    except UnknownTerritory as exc:
        raise CommandError(f"El territorio {exc.args[0]!r} no existe.") from exc
    scope = args.territory or "nacional"
    print(
        f"Token {args.name!r} creado (rol {args.role}, ámbito {scope}). Guárdelo: no se mostrará otra vez."
    )
    print(secret, flush=True)
    return 0


def revoke(args: argparse.Namespace) -> int:
    try:
        with session_scope() as session:
            token = revoke_token(session, args.name)
            detail = {"token": args.name}
            audit.record(session, actor(), "token_revocado", detail, None, token.territory_code)
    except TokenError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Token {args.name!r} revocado.")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("create-token", help="crea un token de la API (lo imprime una vez)")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=TOKEN_ROLES)
    p.add_argument("--territory", default=None, help="código del territorio del ámbito")
    p.set_defaults(func=create)
    p = subparsers.add_parser("revoke-token", help="revoca un token de la API")
    p.add_argument("--name", required=True)
    p.set_defaults(func=revoke)
