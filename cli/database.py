"""Database commands: ``init-db`` and ``run`` (the demo: migrate, seed if empty, serve)."""

from __future__ import annotations

import argparse
import os
import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from cli import CommandError
from core.config import ROOT, load_settings
from core.serving import uvicorn_options
from data.db import get_engine, session_scope
from data.migrate import upgrade
from data.models import Territory


def init_db(_args: argparse.Namespace | None = None) -> int:
    engine = get_engine()
    try:
        upgrade(engine)
    except OperationalError as exc:
        raise CommandError(
            f"No se pudo conectar con la base de datos ({engine.url.render_as_string()}): "
            f"{exc.orig}. Revise DATABASE_URL y que el servidor esté en marcha."
        ) from exc
    print(f"Base de datos al día: {engine.url.render_as_string()}", flush=True)
    return 0


def rebuild_rollups(_args: argparse.Namespace | None = None) -> int:
    """Recompute the /casos and /consulta daily rollups from the cases, /paz's weekly
    counts from the incidents and each project's money sent from the transfers (after
    loading rows by hand, or if ever in doubt); the page and the API stay up, writes wait
    for the transaction."""
    from data import incident_rollup, project_money
    from data.rollups import rebuild

    with get_engine().begin() as conn:
        read = rebuild(conn, progress=True)
        project_money.rebuild(conn)
        incidents = incident_rollup.rebuild(conn)
    print(
        f"Resúmenes de casos (/casos y demanda de /consulta) recalculados a partir de {read:,} "
        "casos.".replace(",", ".")
    )
    print(
        f"Incidentes por cuadrante y semana recalculados a partir de {incidents:,} "
        "incidentes.".replace(",", ".")
    )
    print("Dinero transferido por proyecto recalculado a partir de las transferencias.")
    return 0


def database_is_empty() -> bool:
    with session_scope() as session:
        return not session.scalar(select(func.count()).select_from(Territory))


def local_secret_key() -> str:
    """A per-machine secret for the local demo, kept in ``var/`` (never in the repository)."""
    path = ROOT / "var" / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("SALA_SECRET_KEY", local_secret_key())
    os.environ.setdefault("SALA_SIMULATE", str(args.simulate))
    os.environ.setdefault("SALA_LOG_LEVEL", "warning")  # a quiet console for the demo
    init_db()
    if database_is_empty():
        from data.seed import seed_database

        print("Base de datos vacía: cargando los datos de demostración…", flush=True)
        seed_database(get_engine(), scale="demo")
    settings = load_settings()
    import uvicorn

    if settings.alerts_enabled:  # started by the server's lifespan (app.py)
        print("Evaluador de alertas activo: las alertas salen de las reglas sobre los datos.")
    print(f"Sala en http://{settings.host}:{settings.port}/  (Ctrl+C para detener)", flush=True)
    uvicorn.run("app:server", **uvicorn_options(settings, log_level="warning"))
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("init-db", help="crea o actualiza el esquema (migraciones)")
    p.set_defaults(func=init_db)
    p = subparsers.add_parser(
        "run", help="demo completa: migra, carga datos si está vacía, simulador y servidor"
    )
    p.add_argument(
        "--simulate",
        default="realista",
        help="simulador: realista (el ritmo de la historia), N registros/s o 0 (apagado)",
    )
    p.set_defaults(func=run)
    p = subparsers.add_parser(
        "rebuild-rollups",
        help=(
            "recalcula los resúmenes diarios de /casos y de la demanda de /consulta, los"
            " incidentes por cuadrante y semana de /paz y el dinero transferido por proyecto"
        ),
    )
    p.set_defaults(func=rebuild_rollups)
