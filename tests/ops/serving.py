"""``manage.py serve`` as a real subprocess (what the systemd unit runs), on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.config import ROOT
from tests.server import free_port


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve(database_url: str, log_path: Path, env: dict[str, str], workers: int = 1) -> Served:
    port = free_port()
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SALA_TILE_URL": "none",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    out = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--workers", str(workers)],
        cwd=ROOT,
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    served = Served(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"manage.py serve terminó al arrancar:\n{served.log()}")
        try:
            with urllib.request.urlopen(f"{served.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return served
        except OSError:
            time.sleep(0.3)
    served.stop()
    raise RuntimeError(f"manage.py serve no respondió:\n{served.log()}")
