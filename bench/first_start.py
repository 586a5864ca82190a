"""The first ``manage.py run`` on an empty SQLite file, until ``/`` answers 200.

What ``make run`` does on a fresh clone once pip is done: migrate, load the demo, start the
simulator and serve. Prints the split (import and migration, demo load, until the first page)
and the load average, per run: ``python -m bench first_start --runs 3``. Each run uses its
own throw-away file under a temporary folder and its own port.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

# Lines of manage.py run that close each step (cli/database.py prints them in this order).
STEPS = (
    ("migrated", "Base de datos vacía"),
    ("seeded", "Evaluador de alertas"),
)
ROOT = Path(__file__).resolve().parent.parent


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def one_start(port: int, timeout: float = 180.0) -> dict[str, float]:
    """Seconds from launch to each step of :data:`STEPS` and to the first page (``total``)."""
    with tempfile.TemporaryDirectory() as folder:
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{folder}/sala.db",
            PORT=str(port),
            SALA_TILE_URL="none",
            PYTHONUNBUFFERED="1",
        )
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        marks: dict[str, float] = {}

        def watch() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                for name, text in STEPS:
                    if text in line:
                        marks.setdefault(name, time.perf_counter() - start)

        threading.Thread(target=watch, daemon=True).start()
        try:
            while not _answers(f"http://127.0.0.1:{port}/"):
                if process.poll() is not None or time.perf_counter() - start > timeout:
                    raise RuntimeError("manage.py run no llegó a servir la primera página")
                time.sleep(0.1)
            marks["total"] = time.perf_counter() - start
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        return marks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench first_start")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8390)
    args = parser.parse_args(argv)
    print("primer arranque de manage.py run (SQLite vacío, demo, simulador), en segundos:")
    for run in range(args.runs):
        m = one_start(args.port + run)
        migrated, seeded = m.get("migrated", 0.0), m.get("seeded", m["total"])
        print(
            f"  importar y migrar {migrated:4.1f} · cargar la demo {seeded - migrated:4.1f}"
            f" · hasta que / responde {m['total'] - seeded:4.1f} · total {m['total']:4.1f}"
            f"   (carga media {os.getloadavg()[0]:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
