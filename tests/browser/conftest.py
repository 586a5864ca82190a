"""Browser-test harness: a SQLite database with known records, the app as a real
``uvicorn app:server`` subprocess on a free port, and headless Debian Chromium (selenium 4).

Runs only with ``SALA_TEST_BROWSER=1``. Reuse from other browser tests:
``make_database(path, builder)``, ``start_server(database_url, workers=1)``, the
``server`` and ``driver`` fixtures, and ``console_errors(driver)``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.config import ROOT
from core.timeutil import utcnow
from data.db import make_engine
from data.migrate import upgrade
from tests.browser.world import populate

ENABLED = os.environ.get("SALA_TEST_BROWSER", "").strip() == "1"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="pruebas de navegador: defina SALA_TEST_BROWSER=1")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not ENABLED:
                item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_database(path: Path, builder: Callable[[Session, datetime], None] | None = None) -> str:
    """A migrated SQLite file filled by ``builder(session, now)``; returns its URL."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    if builder is not None:
        with Session(engine) as session:
            builder(session, utcnow())
            session.commit()
    engine.dispose()
    return url


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    database_url: str,
    workers: int = 1,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    log_path: Path | None = None,
) -> Server:
    """Start ``uvicorn app:server`` against ``database_url`` and wait for ``/healthz``.

    The log goes beside a SQLite file, or to ``log_path`` (needed for server databases).
    """
    port = free_port()
    if log_path is None:
        log_path = Path(database_url.split("///", 1)[-1]).with_suffix(f".{port}.log")
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SALA_TILE_URL": "none",  # no network in tests: grey background, points still drawn
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
    server = Server(f"http://127.0.0.1:{port}", database_url, process, log_path)
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


@pytest.fixture(scope="session")
def browser_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The national test dataset of ``tests/browser/world.py`` in a fresh SQLite file."""
    return make_database(tmp_path_factory.mktemp("browser") / "sala.db", populate)


@pytest.fixture(scope="session")
def server(browser_database: str) -> Iterator[Server]:
    srv = start_server(browser_database)
    try:
        yield srv
    finally:
        srv.stop()


def chrome_options(tmp_dir: Path, width: int = 1920, height: int = 1080):
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_dir}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


def new_driver(tmp_dir: Path, width: int = 1920, height: int = 1080):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drv = webdriver.Chrome(
        service=Service(CHROMEDRIVER), options=chrome_options(tmp_dir, width, height)
    )
    set_viewport(drv, width, height)
    return drv


def set_viewport(drv, width: int, height: int) -> None:
    """Make the page's viewport exactly ``width`` × ``height`` (the window has chrome)."""
    drv.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


@pytest.fixture
def driver(tmp_path: Path) -> Iterator:
    drv = new_driver(tmp_path / "chromium-profile")
    try:
        yield drv
    finally:
        drv.quit()


def console_errors(drv) -> list[str]:
    """SEVERE entries of the browser console since the last call (the log is drained)."""
    return [e["message"] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
