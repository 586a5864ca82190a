"""``manage.py doctor``: each check says in Spanish what is wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from cli import main
from cli.doctor import clock_check
from tests.conftest import REDIS_URL

SECRET = "una-clave-de-prueba-suficientemente-larga-0123456789"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REDIS_URL", "SALA_WORKERS", "PROMETHEUS_MULTIPROC_DIR", "HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SALA_SECRET_KEY", SECRET)


def run(capsys) -> tuple[int, str]:
    code = main(["doctor"])
    return code, capsys.readouterr().out


def line(out: str, name: str) -> str:
    return next(text for text in out.splitlines() if f"  {name}" in text)


def test_a_healthy_installation_passes(engine: Engine, capsys):
    code, out = run(capsys)
    assert code == 0, out
    for name in ("Configuración", "Clave secreta", "Base de datos", "Migraciones", "Disco"):
        assert line(out, name).startswith("✔"), out
    assert "Todo en orden" in out
    if engine.dialect.name == "postgresql":
        assert line(out, "Reloj (PostgreSQL)").startswith("✔")
        assert line(out, "Copias (pg_dump)").startswith("✔")
    assert line(out, "Redis").startswith("⚠")  # one worker without Redis: works, warned


def test_unmigrated_database_says_to_run_init_db(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nueva.db'}")
    code, out = run(capsys)
    assert code == 1 and "init-db" in line(out, "Base de datos")
    assert not (tmp_path / "nueva.db").exists()  # doctor only looks
    import sqlite3

    sqlite3.connect(tmp_path / "nueva.db").close()  # exists, but empty
    code, out = run(capsys)
    assert code == 1
    assert "manage.py init-db" in line(out, "Migraciones")


def test_unreachable_database_is_an_error(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nadie@127.0.0.1:1/sala")
    code, out = run(capsys)
    assert code == 1
    assert "no responde" in line(out, "Base de datos") and "DATABASE_URL" in out


def test_default_secret_off_loopback_is_an_error(engine, monkeypatch, capsys):
    monkeypatch.delenv("SALA_SECRET_KEY")
    monkeypatch.setenv("HOST", "0.0.0.0")
    code, out = run(capsys)
    assert code == 1
    assert "secrets.token_urlsafe" in line(out, "Clave secreta")


def test_short_secret_is_a_warning(engine, monkeypatch, capsys):
    monkeypatch.setenv("SALA_SECRET_KEY", "corta")
    code, out = run(capsys)
    assert code == 0 and line(out, "Clave secreta").startswith("⚠")


def test_workers_without_redis_and_unreachable_redis(engine, monkeypatch, capsys):
    monkeypatch.setenv("SALA_WORKERS", "4")
    code, out = run(capsys)
    assert code == 1 and "REDIS_URL" in line(out, "Redis")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    code, out = run(capsys)
    assert code == 1 and "no responde" in line(out, "Redis")


def test_reachable_redis_and_its_clock(engine, monkeypatch, capsys):
    if not REDIS_URL:
        pytest.skip("defina SALA_TEST_REDIS")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    code, out = run(capsys)
    assert code == 0 and line(out, "Redis").startswith("✔")
    assert line(out, "Reloj (Redis)").startswith("✔")


def test_metrics_dir_must_be_writable(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "no-existe"))
    code, out = run(capsys)
    assert code == 1 and "RuntimeDirectory" in line(out, "Métricas")


def test_clock_drift_levels():
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    assert clock_check("Reloj", now).status == "ok"
    assert clock_check("Reloj", now - timedelta(seconds=20)).status == "aviso"
    bad = clock_check("Reloj", now + timedelta(minutes=5))
    assert bad.status == "error" and "NTP" in bad.message
