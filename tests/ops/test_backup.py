"""``manage.py backup`` / ``restore``: backup, change, restore gives back the backed-up summary,
on SQLite and PostgreSQL; a database with data is only overwritten with ``--forzar``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from cli import main
from data import versions
from data.backup import archive_kind
from data.models import CitizenCase, DataVersion, Project
from data.queries.summary import summary
from tests import factories as f
from tests.conftest import empty_database

AS_OF = f.T0 + timedelta(hours=1)


def fill(engine: Engine) -> None:
    with Session(engine) as s:
        f.two_estados(s)
        f.project(s, "P1", "VE-A-C1", "en_ejecucion", 10_000, 40)
        f.project(s, "P2", "VE-M-C1", "culminado", 12_000.5, 100)
        for i in range(3):
            f.case(s, f"C{i}", "VE-A-CC1", "agua", "recibido", f.T0 - timedelta(hours=i + 1))
        f.case(s, "R0", "VE-M-CC1", "gas", "resuelto", f.T0 - timedelta(days=1), f.T0)
        f.delivery(s, "D0", "CLAP-VE-A-1", "VE-A-CC1", f.T0.date(), 200, 150)
        f.incident(s, "I0", "Q-VE-A-1", "VE-A-C1", "robo", f.T0 - timedelta(hours=2))
        f.defense(s, "DEF-A", "VE-A", 80.0)
        versions.bump(s, ["projects", "cases", "clap_deliveries", "incidents", "defense"])
        s.commit()


def national_summary(engine: Engine) -> dict:
    with Session(engine) as s:
        return summary(s, None, AS_OF)


def change(engine: Engine) -> None:
    with Session(engine) as s:
        s.execute(delete(Project).where(Project.id == "P2"))
        s.execute(delete(CitizenCase).where(CitizenCase.id == "C0"))
        f.case(s, "NEW", "VE-M-CC1", "salud", "recibido", f.T0 - timedelta(minutes=5))
        versions.bump(s, ["projects", "cases"])
        s.commit()


def version_numbers(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return dict(s.execute(select(DataVersion.dataset, DataVersion.version)).all())


def test_backup_change_restore_gives_back_the_summary(engine: Engine, tmp_path: Path, capsys):
    fill(engine)
    backed_up = national_summary(engine)
    archive = tmp_path / "copias" / "sala.backup"
    assert main(["backup", "--salida", str(archive)]) == 0
    assert archive_kind(archive) == engine.dialect.name
    assert not list(archive.parent.glob("*.parcial"))
    assert "copia" in capsys.readouterr().out  # progress lines

    change(engine)
    changed = national_summary(engine)
    assert changed != backed_up
    before_restore = version_numbers(engine)

    assert main(["restore", str(archive)]) == 2  # refuses: the database holds data
    out = capsys.readouterr().out
    assert "no está vacía" in out and "--forzar" in out
    assert national_summary(engine) == changed  # nothing touched

    assert main(["restore", str(archive), "--forzar"]) == 0
    engine.dispose()
    assert national_summary(engine) == backed_up
    after = version_numbers(engine)
    assert all(after[d] > before_restore.get(d, 0) for d in after)  # caches cannot match


def test_restore_into_an_empty_database_needs_no_force(engine: Engine, tmp_path: Path):
    fill(engine)
    backed_up = national_summary(engine)
    archive = tmp_path / "sala.backup"
    assert main(["backup", "--salida", str(archive)]) == 0
    empty_database(engine)
    assert main(["restore", str(archive)]) == 0
    engine.dispose()
    assert national_summary(engine) == backed_up


def test_bad_archives_are_explained(engine: Engine, tmp_path: Path, capsys):
    junk = tmp_path / "nada.backup"
    junk.write_bytes(b"esto no es una copia")
    assert main(["restore", str(junk)]) == 2
    assert "no es una copia de la Sala" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "no-existe.backup")]) == 2
    assert "No existe el archivo" in capsys.readouterr().out
    other = tmp_path / "otra.backup"
    other.write_bytes(b"PGDMP" if engine.dialect.name == "sqlite" else b"SQLite format 3\x00")
    assert main(["restore", str(other)]) == 2
    assert "restaure en una base del mismo tipo" in capsys.readouterr().out


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_backup_is_a_consistent_snapshot_while_writing(engine: Engine, tmp_path: Path):
    """A writer keeps committing during the copy: the copy is one committed state."""
    import threading

    fill(engine)
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            with Session(engine) as s:
                f.case(s, f"W{n}", "VE-A-CC1", "agua", "recibido", f.T0)
                versions.bump(s, ["cases"])
                s.commit()
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archive = tmp_path / "vivo.backup"
        assert main(["backup", "--salida", str(archive)]) == 0
    finally:
        stop.set()
        thread.join()
    from data.db import make_engine

    copy = make_engine(f"sqlite:///{archive}")
    with Session(copy) as s:
        written = s.scalar(select(DataVersion.version).where(DataVersion.dataset == "cases"))
        rows = len(s.scalars(select(CitizenCase.id).where(CitizenCase.id.like("W%"))).all())
    copy.dispose()
    assert written - 1 == rows  # each committed case bumped the version once: none half-copied
