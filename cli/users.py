"""User and wall-screen commands: create-user, set-password, deactivate-user, list-users,
create-display, revoke-display, list-displays. Each change goes to the audit log."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys

from cli import CommandError, actor
from core.config import load_settings
from data import audit
from data.db import session_scope
from data.displays import DisplayError, create_display, list_displays, revoke_display
from data.models import USER_ROLES
from data.scope import UnknownTerritory
from data.users import UserError, create_user, list_users, set_active, set_password


def _read_password(args: argparse.Namespace) -> str:
    """From stdin with ``--password-stdin``, else asked twice on the terminal."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Contraseña: ")
        if getpass.getpass("Repita la contraseña: ") != password:
            raise CommandError("Las contraseñas no coinciden; vuelva a intentarlo.")
    else:
        raise CommandError(
            "No hay terminal: pase la contraseña por la entrada con --password-stdin."
        )
    if not password:
        raise CommandError("La contraseña no puede estar vacía.")
    return password


def create_user_cmd(args: argparse.Namespace) -> int:
    password = _read_password(args)
    try:
        with session_scope() as session:
            user = create_user(session, args.username, password, args.role, args.territory)
            detail = {"usuario": user.username, "rol": user.role, "territorio": user.territory_code}
            audit.record(session, actor(), "usuario_creado", detail, None, user.territory_code)
    except UserError as exc:
        raise CommandError(str(exc)) from exc
    except UnknownTerritory as exc:
        raise CommandError(f"El territorio {exc.args[0]!r} no existe.") from exc
    print(
        f"Usuario {user.username!r} creado (rol {user.role}, ámbito {args.territory or 'nacional'})."
    )
    return 0


def set_password_cmd(args: argparse.Namespace) -> int:
    password = _read_password(args)
    try:
        with session_scope() as session:
            user = set_password(session, args.username, password)
            detail = {"usuario": args.username}
            audit.record(session, actor(), "clave_restablecida", detail, None, user.territory_code)
    except UserError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Contraseña de {args.username!r} cambiada; sus sesiones abiertas se cierran.")
    return 0


def deactivate_user_cmd(args: argparse.Namespace) -> int:
    try:
        with session_scope() as session:
            user = set_active(session, args.username, False)
            detail = {"usuario": args.username}
            audit.record(session, actor(), "usuario_desactivado", detail, None, user.territory_code)
    except UserError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Usuario {args.username!r} desactivado.")
    return 0


def list_users_cmd(_args: argparse.Namespace) -> int:
    with session_scope() as session:
        users = list_users(session)
    if not users:
        print("No hay usuarios (la demo local entra como administrador sin contraseña).")
    for u in users:
        state = "activo" if u.active else "inactivo"
        print(f"{u.username}\t{u.role}\t{u.territory_code or 'nacional'}\t{state}")
    return 0


def create_display_cmd(args: argparse.Namespace) -> int:
    try:
        with session_scope() as session:
            display, secret = create_display(session, args.name, args.territory)
            detail = {"pantalla": display.name, "territorio": display.territory_code}
            audit.record(session, actor(), "pantalla_creada", detail, None, display.territory_code)
    except DisplayError as exc:
        raise CommandError(str(exc)) from exc
    except UnknownTerritory as exc:
        raise CommandError(f"El territorio {exc.args[0]!r} no existe.") from exc
    base = args.base_url
    if not base:  # a wildcard bind address is no use to a screen: name this machine
        settings = load_settings()
        host = socket.gethostname() if settings.host in ("0.0.0.0", "::") else settings.host
        base = f"http://{host}:{settings.port}"
    print(
        f"Pantalla {display.name!r} creada (ámbito {display.territory_code or 'nacional'}). "
        "Abra este enlace en la pantalla; guárdelo: no se mostrará otra vez."
    )
    print(f"{base.rstrip('/')}/pantalla/{secret}", flush=True)
    return 0


def revoke_display_cmd(args: argparse.Namespace) -> int:
    try:
        with session_scope() as session:
            display = revoke_display(session, args.name)
            detail = {"pantalla": args.name}
            audit.record(
                session, actor(), "pantalla_revocada", detail, None, display.territory_code
            )
    except DisplayError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Pantalla {args.name!r} revocada: deja de ver la Sala en su próxima petición.")
    return 0


def list_displays_cmd(_args: argparse.Namespace) -> int:
    with session_scope() as session:
        displays = list_displays(session)
    for d in displays:
        state = "revocada" if d.revoked_at else "activa"
        print(f"{d.name}\t{d.territory_code or 'nacional'}\t{state}")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("create-user", help="crea un usuario (pide la contraseña)")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=USER_ROLES)
    p.add_argument("--territory", default=None, help="código del territorio del ámbito")
    p.add_argument("--password-stdin", action="store_true", help="lee la contraseña de stdin")
    p.set_defaults(func=create_user_cmd)
    p = subparsers.add_parser("set-password", help="cambia la contraseña de un usuario")
    p.add_argument("--username", required=True)
    p.add_argument("--password-stdin", action="store_true", help="lee la contraseña de stdin")
    p.set_defaults(func=set_password_cmd)
    p = subparsers.add_parser("deactivate-user", help="desactiva un usuario")
    p.add_argument("--username", required=True)
    p.set_defaults(func=deactivate_user_cmd)
    p = subparsers.add_parser("list-users", help="lista los usuarios")
    p.set_defaults(func=list_users_cmd)
    p = subparsers.add_parser(
        "create-display", help="crea el enlace de una pantalla del muro (rol pantalla)"
    )
    p.add_argument("--name", required=True)
    p.add_argument("--territory", default=None, help="código del territorio del ámbito")
    p.add_argument(
        "--base-url", default=None, help="p. ej. https://sala.example (por defecto HOST:PORT)"
    )
    p.set_defaults(func=create_display_cmd)
    p = subparsers.add_parser("revoke-display", help="revoca una pantalla del muro")
    p.add_argument("--name", required=True)
    p.set_defaults(func=revoke_display_cmd)
    p = subparsers.add_parser("list-displays", help="lista las pantallas del muro")
    p.set_defaults(func=list_displays_cmd)
