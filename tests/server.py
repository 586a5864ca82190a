"""The app as a real ``uvicorn app:server`` subprocess, and headless Chromium's options.

One recipe (design notes) shared by ``tests/browser``, ``tests/live`` and ``bench/``, so a
fix to start-up or to the browser flags lands everywhere at once. Each harness keeps its own
database world and its ``new_driver`` (the browser tests also pin the viewport).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.config import ROOT

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    port: int
    database_url: str
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
    log_path: Path | None = None,
    root: Path = ROOT,
) -> Server:
    """Start ``uvicorn app:server`` against ``database_url`` and wait for ``/healthz``.

    ``port`` lets a test restart a server where its browsers expect it. The log goes beside a
    SQLite file (one per start, so restarts keep theirs), or to ``log_path`` (needed for
    server databases). ``root``: the checkout to serve (a bench's "before" worktree).
    """
    port = port or free_port()
    if log_path is None:
        stem = Path(database_url.split("///", 1)[-1])
        log_path = stem.with_suffix(f".{port}.{time.time_ns()}.log")
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
        cwd=root,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", port, database_url, process, log_path)
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


def chrome_options(
    profile: Path, width: int = 1920, height: int = 1080, extra_flags: tuple[str, ...] = ()
):
    """Headless Chromium with a fresh ``profile`` dir and the console log captured."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*CHROME_FLAGS, *extra_flags):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options
