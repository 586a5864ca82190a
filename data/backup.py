"""Backups of the whole database and their restore, for SQLite and PostgreSQL.

- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot, compressed) and
  ``pg_restore --clean --if-exists --single-transaction``: the restore replaces every object
  of the archive in ONE transaction, so a failure leaves the database as it was.
- SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
  snapshot while the Sala keeps writing; the file is an ordinary SQLite database.

A restore refuses a database that already holds data unless forced; afterwards it brings the
schema up to date (migrations) and moves every data version past anything a running worker
may have cached.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from data.db import make_engine, normalize_url
from data.migrate import upgrade
from data.models import Base, DataVersion

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
# Bookkeeping tables that do not make a database "hold data".
BOOKKEEPING = {"alembic_version", "data_version"}

Step = Callable[[int, int], None]  # (done, total)


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the Spanish message says what to do."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # "postgresql" | "sqlite"
    path: Path
    tables: int
    size: int


def _quiet(_done: int, _total: int) -> None:
    pass


# --- what is there --------------------------------------------------------------------


def tables_with_rows(engine: Engine) -> list[str]:
    """The Sala tables that hold at least one row (bookkeeping aside)."""
    present = set(inspect(engine).get_table_names())
    out = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name not in present or table.name in BOOKKEEPING:
                continue
            if conn.execute(select(1).select_from(table).limit(1)).first():
                out.append(table.name)
    return out


def archive_kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    raise BackupError(
        f"{path} no es una copia de la Sala (ni un volcado de pg_dump en formato custom ni "
        "una base SQLite)."
    )


# --- PostgreSQL -----------------------------------------------------------------------


def pg_environment(database_url: str) -> dict[str, str]:
    """libpq variables for the server in ``database_url`` (the password never in argv)."""
    url = make_url(normalize_url(database_url))
    env = {**os.environ, "PGDATABASE": url.database or ""}
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
    ):
        if value:
            env[key] = str(value)
    for key, value in url.query.items():  # sslmode=require and friends
        if key == "sslmode":
            env["PGSSLMODE"] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"No se encontró {name}. Instale el cliente de PostgreSQL de la misma versión que "
            "el servidor (Debian: apt install postgresql-client-15)."
        )
    return path


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(match.group(1)) if match else 0


def check_pg_client(engine: Engine) -> tuple[int, int]:
    """(client major, server major); refuses a pg_dump older than the server."""
    out = subprocess.run([_tool("pg_dump"), "--version"], capture_output=True, text=True)
    client = _major(out.stdout.rsplit("PostgreSQL)", 1)[-1])
    with engine.connect() as conn:
        server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    if client < server:
        raise BackupError(
            f"pg_dump {client} no puede respaldar un servidor PostgreSQL {server}. Instale "
            f"postgresql-client-{server} (apt install postgresql-client-{server})."
        )
    return client, server


def _pg_tables(engine: Engine) -> int:
    return len(inspect(engine).get_table_names())


def _run_counting(cmd: list[str], env: dict[str, str], marker: str, total: int, step: Step) -> str:
    """Run ``cmd``; each stderr line containing ``marker`` is one unit of progress."""
    done = 0
    lines: list[str] = []
    with subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line.rstrip())
            if marker in line:
                done += 1
                step(min(done, total), total)
        code = proc.wait()
    if code != 0:
        errors = [line for line in lines if "error" in line.lower()] or lines[-5:]
        raise BackupError(f"{Path(cmd[0]).name} falló:\n" + "\n".join(errors[-10:]))
    return "\n".join(lines)


def pg_backup(engine: Engine, database_url: str, out: Path, step: Step = _quiet) -> int:
    check_pg_client(engine)
    total = _pg_tables(engine)
    cmd = [_tool("pg_dump"), "--format=custom", "--verbose", "--no-owner", f"--file={out}"]
    _run_counting(cmd, pg_environment(database_url), "dumping contents of table", total, step)
    return total


def pg_archive_tables(archive: Path) -> list[str]:
    """The tables whose data an archive holds (``pg_restore --list``)."""
    out = subprocess.run(
        [_tool("pg_restore"), "--list", str(archive)], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise BackupError(
            f"No se puede leer {archive}: {out.stderr.strip()}. ¿Está completo? ¿Lo hizo un "
            "pg_dump más nuevo que este pg_restore?"
        )
    return re.findall(r"TABLE DATA \S+ (\S+) ", out.stdout)


def pg_restore(engine: Engine, database_url: str, archive: Path, step: Step = _quiet) -> int:
    tables = pg_archive_tables(archive)
    cmd = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--verbose",
        f"--dbname={make_url(normalize_url(database_url)).database}",
        str(archive),
    ]
    _run_counting(cmd, pg_environment(database_url), "processing data for table", len(tables), step)
    return len(tables)


# --- SQLite ---------------------------------------------------------------------------


def sqlite_path(database_url: str) -> Path:
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise BackupError("La base SQLite en memoria no se puede respaldar.")
    return Path(path)


class _Restarted(Exception):
    pass


def sqlite_backup(source: Path, out: Path, step: Step = _quiet) -> int:
    """Copy a consistent snapshot of ``source`` into ``out`` page by page.

    SQLite restarts a step-wise copy whenever another connection writes; under a steady
    stream of writes that could go on forever, so after a few restarts the copy is done in
    one step (a single read transaction: WAL lets the writers go on meanwhile)."""
    restarts = 0
    last_remaining: int | None = None

    def progress(_status: int, remaining: int, total: int) -> None:
        nonlocal restarts, last_remaining
        if last_remaining is not None and remaining > last_remaining:
            restarts += 1
            if restarts > 3:
                raise _Restarted
        last_remaining = remaining
        step(total - remaining, total)

    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        total = src.execute("PRAGMA page_count").fetchone()[0]
        dst = sqlite3.connect(out)
        try:
            try:
                src.backup(dst, pages=max(64, total // 100), progress=progress)
            except _Restarted:
                src.backup(dst, pages=-1)
                step(total, total)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    return total


def _sqlite_tables(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


def sqlite_restore(archive: Path, target: Path, step: Step = _quiet) -> int:
    """Replace ``target`` with the snapshot in ``archive``, in one step (all or nothing)."""
    src = sqlite3.connect(f"file:{archive}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{archive} está dañado (PRAGMA integrity_check).")
        total = src.execute("PRAGMA page_count").fetchone()[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst, pages=-1)
            step(total, total)
        finally:
            dst.close()
    finally:
        src.close()
    return total


# --- the two operations ---------------------------------------------------------------


def backup(database_url: str, out: Path, step: Step = _quiet) -> Outcome:
    """Write a backup of ``database_url`` to ``out`` (via a temporary file, then renamed)."""
    out = out.expanduser().resolve()
    if out.is_dir():
        raise BackupError(f"{out} es una carpeta; indique un archivo, p. ej. {out}/sala.backup")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".parcial")
    engine = make_engine(database_url)
    try:
        if engine.dialect.name == "postgresql":
            kind, tables = "postgresql", pg_backup(engine, database_url, partial, step)
        else:
            source = sqlite_path(database_url)
            if not source.exists():
                raise BackupError(f"No existe la base SQLite {source}.")
            kind = "sqlite"
            sqlite_backup(source, partial, step)
            tables = _sqlite_tables(partial)
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    return Outcome(kind, out, tables, out.stat().st_size)


def restore(database_url: str, archive: Path, force: bool = False, step: Step = _quiet) -> Outcome:
    """Restore ``archive`` into ``database_url``; refuses a database with data unless ``force``."""
    archive = archive.expanduser().resolve()
    if not archive.is_file():
        raise BackupError(f"No existe el archivo {archive}.")
    kind = archive_kind(archive)
    engine = make_engine(database_url)
    try:
        if engine.dialect.name != kind:
            raise BackupError(
                f"{archive.name} es una copia de {kind} y DATABASE_URL apunta a "
                f"{engine.dialect.name}: restaure en una base del mismo tipo."
            )
        holding = tables_with_rows(engine)
        if holding and not force:
            raise BackupError(
                f"La base de datos no está vacía (tiene datos en {', '.join(holding[:5])}"
                f"{'…' if len(holding) > 5 else ''}). Restaurar la reemplazaría por completo: "
                "si es lo que quiere, repita con --forzar."
            )
        before = _versions(engine)
        if kind == "postgresql":
            tables = pg_restore(engine, database_url, archive, step)
        else:
            engine.dispose()  # no pooled connection of ours on the file being replaced
            sqlite_restore(archive, sqlite_path(database_url), step)
            tables = _sqlite_tables(sqlite_path(database_url))
        engine.dispose()
        upgrade(engine)  # a backup from an older release gets today's schema
        _move_versions_past(engine, before)
    finally:
        engine.dispose()
    return Outcome(kind, archive, tables, archive.stat().st_size)


def _versions(engine: Engine) -> dict[str, int]:
    if "data_version" not in inspect(engine).get_table_names():
        return {}
    with engine.connect() as conn:
        return dict(conn.execute(select(DataVersion.dataset, DataVersion.version)).all())


def _move_versions_past(engine: Engine, before: dict[str, int]) -> None:
    """Every data version becomes larger than both its restored and its previous value, so
    a worker still running never serves a cached figure from before the restore."""
    with Session(engine) as session, session.begin():
        restored = dict(session.execute(select(DataVersion.dataset, DataVersion.version)).all())
        for dataset, version in restored.items():
            session.execute(
                update(DataVersion)
                .where(DataVersion.dataset == dataset)
                .values(version=max(version, before.get(dataset, 0)) + 1)
            )
