"""``manage.py doctor``: checks a Sala installation and says, in Spanish, what to fix.

Configuration, database, migrations, Redis, secret key, clock and disk. Each check answers
``ok``, ``aviso`` (works, but fix it soon) or ``error`` (the Sala will not work properly);
the command exits with 1 when there is any error, so a deployment script can stop on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.config import INSECURE_SECRET, ROOT, Settings, load_settings
from core.metrics import multiprocess_dir

MARKS = {"ok": "✔ ok   ", "aviso": "⚠ aviso", "error": "✘ error"}
CLOCK_WARN_S = 5.0
CLOCK_ERROR_S = 60.0
DISK_WARN = 2 * 1024**3
DISK_ERROR = 256 * 1024**2


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | aviso | error
    message: str


def _loopback(host: str) -> bool:
    from auth.resolve import LOOPBACK_HOSTS

    return host in LOOPBACK_HOSTS


def check_secret(settings: Settings) -> Check:
    name = "Clave secreta"
    if settings.secret_key == INSECURE_SECRET:
        if _loopback(settings.host):
            return Check(
                name,
                "aviso",
                "SALA_SECRET_KEY no está definida: sirve solo para probar en esta máquina. "
                "Genere una con: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
            )
        return Check(
            name,
            "error",
            f"SALA_SECRET_KEY no está definida y HOST={settings.host}: la Sala no arrancará. "
            "Genere una con: python -c 'import secrets; print(secrets.token_urlsafe(48))' y "
            "póngala en el archivo de entorno (/etc/sala/sala.env).",
        )
    if len(settings.secret_key) < 32:
        return Check(
            name,
            "aviso",
            f"SALA_SECRET_KEY tiene {len(settings.secret_key)} caracteres; use al menos 32 "
            "(cambiarla cierra las sesiones y obliga a reabrir los enlaces de pantalla).",
        )
    return Check(name, "ok", "definida y de longitud suficiente.")


def check_database(settings: Settings) -> list[Check]:
    """Connection, server clock (PostgreSQL) and migrations."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from data.db import make_engine
    from data.migrate import alembic_config

    if settings.is_sqlite:
        from sqlalchemy.engine import make_url

        path = make_url(settings.database_url).database
        if path and path != ":memory:" and not Path(path).exists():
            return [
                Check(
                    "Base de datos",
                    "error",
                    f"no existe el archivo SQLite {path}: ejecute manage.py init-db "
                    "(o defina DATABASE_URL con la base de producción).",
                )
            ]
    try:
        engine = make_engine(settings.database_url)
    except Exception as exc:
        return [Check("Base de datos", "error", f"DATABASE_URL no es válida: {exc}")]
    where = engine.url.render_as_string(hide_password=True)
    checks = []
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                version = conn.execute(text("SHOW server_version")).scalar_one()
                server_now = conn.execute(text("SELECT now()")).scalar_one()
                checks.append(Check("Base de datos", "ok", f"PostgreSQL {version} en {where}."))
                checks.append(clock_check("Reloj (PostgreSQL)", server_now))
            else:
                checks.append(Check("Base de datos", "ok", f"SQLite en {where}."))
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        reason = getattr(exc, "orig", exc)
        engine.dispose()
        return [
            Check(
                "Base de datos",
                "error",
                f"no responde ({where}): {reason}. Revise DATABASE_URL, que el servidor esté "
                "en marcha y que el usuario tenga acceso.",
            )
        ]
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    engine.dispose()
    if current is None:
        checks.append(
            Check("Migraciones", "error", "la base está vacía: ejecute manage.py init-db.")
        )
    elif current != head:
        checks.append(
            Check(
                "Migraciones",
                "error",
                f"el esquema está en {current} y esta versión necesita {head}: ejecute "
                "manage.py init-db (haga antes una copia con manage.py backup).",
            )
        )
    else:
        checks.append(Check("Migraciones", "ok", f"al día ({head})."))
    if settings.is_sqlite and settings.workers > 1:
        checks.append(
            Check(
                "Base de datos",
                "aviso",
                "SQLite con varios workers: funciona en una sola máquina, pero para producción "
                "use PostgreSQL (README, «Producción»).",
            )
        )
    return checks


def clock_check(name: str, other: datetime) -> Check:
    """Compare this machine's clock with a server's."""
    drift = abs((datetime.now(UTC) - other).total_seconds())
    text = f"diferencia de {drift:.1f} s con este equipo"
    if drift >= CLOCK_ERROR_S:
        return Check(
            name,
            "error",
            f"{text}: las horas de los datos y de las alertas saldrán mal. Sincronice los "
            "relojes con NTP (apt install systemd-timesyncd; timedatectl set-ntp true).",
        )
    if drift >= CLOCK_WARN_S:
        return Check(name, "aviso", f"{text}; active NTP en ambos (timedatectl set-ntp true).")
    return Check(name, "ok", f"{text}.")


def check_redis(settings: Settings) -> list[Check]:
    if not settings.redis_url:
        if settings.workers > 1:
            return [
                Check(
                    "Redis",
                    "error",
                    f"SALA_WORKERS={settings.workers} sin REDIS_URL: cada worker tendría su "
                    "propio bus y las pantallas no verían todos los eventos. Defina REDIS_URL.",
                )
            ]
        return [
            Check(
                "Redis",
                "aviso",
                "REDIS_URL no está definida: bus dentro del proceso; válido solo con un "
                "worker y un host.",
            )
        ]
    import redis

    try:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=3)
        client.ping()
        seconds, micros = client.time()
    except Exception as exc:
        return [
            Check(
                "Redis",
                "error",
                f"no responde en {settings.redis_url.split('@')[-1]}: {exc}. Revise REDIS_URL "
                "y que redis-server esté en marcha.",
            )
        ]
    redis_now = datetime.fromtimestamp(seconds + micros / 1e6, UTC)
    return [
        Check("Redis", "ok", f"responde; flujo de eventos {settings.bus_stream!r}."),
        clock_check("Reloj (Redis)", redis_now),
    ]


def check_disk(settings: Settings) -> Check:
    if settings.is_sqlite:
        from sqlalchemy.engine import make_url

        path = Path(make_url(settings.database_url).database or ROOT / "var").parent
    else:
        path = ROOT / "var"
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    free_gb = usage.free / 1024**3
    text = f"{free_gb:.1f} GB libres en {path}".replace(".", ",")
    if usage.free < DISK_ERROR:
        return Check("Disco", "error", f"{text}: libere espacio ya (copias viejas, registros).")
    if usage.free < DISK_WARN or usage.free / usage.total < 0.10:
        return Check("Disco", "aviso", f"{text}: queda poco; revise las copias y los registros.")
    return Check("Disco", "ok", f"{text}.")


def check_backups(settings: Settings) -> Check | None:
    """On PostgreSQL, ``manage.py backup`` needs a pg_dump at least as new as the server."""
    if settings.is_sqlite:
        return None
    from data.backup import BackupError, check_pg_client
    from data.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        client, server = check_pg_client(engine)
    except BackupError as exc:
        return Check("Copias (pg_dump)", "aviso", str(exc))
    except Exception:
        return None  # the database check already reported it
    finally:
        engine.dispose()
    return Check("Copias (pg_dump)", "ok", f"pg_dump {client} para un servidor {server}.")


def check_metrics_dir() -> Check | None:
    directory = multiprocess_dir()
    if not directory:
        return None
    path = Path(directory)
    if path.is_dir() and os.access(path, os.W_OK):
        return Check(
            "Métricas", "ok", f"PROMETHEUS_MULTIPROC_DIR={path} existe y se puede escribir."
        )
    return Check(
        "Métricas",
        "error",
        f"PROMETHEUS_MULTIPROC_DIR={path} no existe o no se puede escribir: créela para el "
        "usuario del servicio (la unidad systemd usa RuntimeDirectory=sala).",
    )


def run_checks() -> list[Check]:
    try:
        settings = load_settings()
    except SystemExit as exc:
        return [Check("Configuración", "error", str(exc))]
    checks = [
        Check(
            "Configuración",
            "ok",
            f"HOST={settings.host} PORT={settings.port} workers={settings.workers} "
            f"registro={settings.log_format}.",
        ),
        check_secret(settings),
    ]
    checks += check_database(settings)
    checks += check_redis(settings)
    optional: list[Callable[[], Check | None]] = [
        lambda: check_backups(settings),
        check_metrics_dir,
    ]
    checks += [c for c in (f() for f in optional) if c is not None]
    checks.append(check_disk(settings))
    return checks


def doctor(_args: argparse.Namespace) -> int:
    start = time.monotonic()
    checks = run_checks()
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"{MARKS[c.status]}  {c.name.ljust(width)}  {c.message}", flush=True)
    errors = sum(c.status == "error" for c in checks)
    warnings = sum(c.status == "aviso" for c in checks)
    elapsed = f"{time.monotonic() - start:.1f}".replace(".", ",")
    if errors:
        print(f"\n{errors} error(es) y {warnings} aviso(s) en {elapsed} s: corríjalos y repita.")
        return 1
    print(f"\nTodo en orden ({warnings} aviso(s)) en {elapsed} s.")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "doctor", help="revisa configuración, base, migraciones, Redis, clave, reloj y disco"
    )
    p.set_defaults(func=doctor)
