"""Live-push test harness: a SQLite world, uvicorn subprocesses, Chromium, and a writer that
does what the ingestion path does (insert rows, bump versions, publish one bus event).

Kept separate from ``tests/browser`` so both can evolve; the server/driver recipe is the
one of the design notes (real ``uvicorn app:server`` on a free port, headless Chromium).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from core.config import ROOT
from core.timeutil import caracas_date, utcnow
from data import versions
from data.bus import EventBus
from data.db import make_engine
from data.migrate import upgrade
from tests import factories as f

BROWSER = os.environ.get("SALA_TEST_BROWSER", "").strip() == "1"
REDIS_URL = os.environ.get("SALA_TEST_REDIS", "").strip()
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_world(session: Session) -> None:
    """Two estados with known numbers: 3 open cases in VE-A, 1 in VE-M, one CLAP today."""
    f.two_estados(session)
    now = utcnow()
    for i in range(3):
        f.case(session, f"A{i}", "VE-A-CC1", "agua", "recibido", now - timedelta(hours=2))
    f.case(session, "M0", "VE-M-CC1", "gas", "recibido", now - timedelta(hours=3))
    f.delivery(session, "D0", "CLAP-VE-A-1", "VE-A-CC1", caracas_date(now), 200, 150)
    f.defense(session, "DEF-A", "VE-A", 80.0)
    versions.bump(session, ["cases", "clap_deliveries", "defense"])


def make_database(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        build_world(session)
        session.commit()
    engine.dispose()
    return url


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    database_url: str,
    env: dict[str, str] | None = None,
    workers: int = 1,
    port: int | None = None,
    timeout: float = 60,
) -> Server:
    """``uvicorn app:server`` against ``database_url``; waits for ``/healthz``."""
    port = port or free_port()
    log_path = Path(database_url.split("///", 1)[-1]).with_suffix(f".{port}.{time.time_ns()}.log")
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SALA_TILE_URL": "none",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app:server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", port, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn terminó al arrancar:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"uvicorn no respondió en {timeout} s:\n{server.log()}")


def new_driver(
    profile: Path, width: int = 1920, height: int = 1080, extra_flags: tuple[str, ...] = ()
):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROME_FLAGS, *extra_flags):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


@dataclass
class Writer:
    """Writes like the ingestion path: rows + version bump in one transaction, then ONE event."""

    database_url: str
    bus: EventBus
    count: int = 0
    _engine: object = field(default=None, repr=False)

    def open_cases(self, n: int, consejo: str = "VE-A-CC1", estado: str = "VE-A") -> str:
        engine = self._engine = self._engine or make_engine(self.database_url)
        now = utcnow()
        ids = []
        with Session(engine) as session:
            for _ in range(n):
                self.count += 1
                cid = f"live-{self.count}"
                f.case(session, cid, consejo, "electricidad", "recibido", now)
                ids.append(cid)
            versions.bump(session, ["cases"])
            session.commit()
        return self.bus.publish(
            {
                "type": "ingest",
                "dataset": "cases",
                "received": n,
                "inserted": n,
                "updated": 0,
                "unchanged": 0,
                "at": now.isoformat(),
                "estados": [estado],
                "items": [
                    {
                        "id": cid,
                        "estado_code": estado,
                        "municipio_code": f"{estado}-M1",
                        "circuito_code": f"{estado}-C1",
                        "category": "electricidad",
                    }
                    for cid in ids[:50]
                ],
            }
        )


def kpi_value(driver, field: str) -> str | None:
    """``data-value`` of the first element tagged ``data-kpi=field`` (None if absent)."""
    return driver.execute_script(
        "const e = document.querySelector(`[data-kpi='${arguments[0]}']`);"
        "return e ? e.getAttribute('data-value') : null;",
        field,
    )


def wait_until(predicate, timeout: float = 20.0, what: str = "condición") -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as exc:  # page still loading
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"no se cumplió: {what} ({last})")
