"""Bytes per page on the wire: a first visit (empty cache) and a repeat visit, in Chromium.

Starts ``uvicorn app:server`` on a small SQLite dataset (the browser tests' national world)
and, for each page, loads it in a fresh headless Chromium profile until the network is quiet,
then loads it again in the same browser. Bytes are Chromium's own count of what crossed the
wire (``encodedDataLength``: headers plus the body as sent, compressed or not); requests
answered from the browser cache cost nothing. Websocket frames are left out (the push
channel is the same either way).

``--antes DIR`` runs the same visits against another checkout (e.g. a git worktree of main
at an older commit) on the same database, side by side::

    git worktree add /tmp/sala-antes <commit>
    .venv/bin/python -m bench wire --antes /tmp/sala-antes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.config import ROOT

PAGES = ("/", "/proyectos", "/clap", "/casos", "/paz", "/defensa", "/consulta", "/aca", "/muro")
QUIET_S = 2.0  # no network event for this long: the page is done loading
MAX_WAIT_S = 45.0


def start(checkout: Path, database_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SALA_TILE_URL": "none",
        "SALA_SIMULATE": "",
        "SALA_ALERTAS": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app:server",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=checkout,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"el servidor de {checkout} no arrancó: vea {log}")


def driver(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.server import CHROMEDRIVER, chrome_options

    options = chrome_options(profile)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def visit(drv: Any, url: str) -> tuple[int, int, int]:
    """Load ``url`` until the network is quiet: (bytes on the wire, requests, from cache)."""
    drv.get_log("performance")  # drain what came before
    drv.get(url)
    origin = url.split("/", 3)[:3]
    ours: set[str] = set()  # request ids of the app's own URLs (not chrome:// pages)
    wire = requests = cached = 0
    last = time.monotonic()
    deadline = last + MAX_WAIT_S
    while time.monotonic() - last < QUIET_S and time.monotonic() < deadline:
        entries = drv.get_log("performance")
        for entry in entries:
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message.get("params", {})
            if not method.startswith("Network."):
                continue
            last = time.monotonic()
            if method == "Network.requestWillBeSent":
                if params["request"]["url"].split("/", 3)[:3] == origin:
                    ours.add(params["requestId"])
                continue
            if params.get("requestId") not in ours:
                continue
            if method == "Network.loadingFinished":
                wire += int(params.get("encodedDataLength", 0))
                requests += 1
            elif method == "Network.requestServedFromCache":
                cached += 1
        time.sleep(0.2)
    return wire, requests, cached


def measure(base: str, pages: tuple[str, ...]) -> dict[str, tuple[tuple[int, int, int], ...]]:
    results = {}
    for page in pages:
        drv = driver(Path(tempfile.mkdtemp(prefix="sala-wire-")))
        try:
            first = visit(drv, base + page)
            repeat = visit(drv, base + page)
        finally:
            drv.quit()
        results[page] = (first, repeat)
    return results


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB".replace(",", ".")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench wire")
    parser.add_argument("--antes", type=Path, help="otra copia del código para comparar")
    parser.add_argument("--page", action="append", help="solo estas páginas")
    parser.add_argument("--port", type=int, default=8160)
    args = parser.parse_args(argv)
    from tests.browser.conftest import make_database
    from tests.browser.world import populate

    work = Path(tempfile.mkdtemp(prefix="sala-wire-"))
    url = make_database(work / "sala.db", populate)
    pages = tuple(args.page or PAGES)
    runs = [("después", ROOT)] + ([("antes", args.antes.resolve())] if args.antes else [])
    table: dict[str, dict] = {}
    for n, (label, checkout) in enumerate(runs):
        process = start(checkout, url, args.port + n, work / f"{label}.log")
        try:
            table[label] = measure(f"http://127.0.0.1:{args.port + n}", pages)
        finally:
            process.terminate()
            process.wait(10)
    print(f"carga: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    head = f"{'página':<11}"
    for label, _ in runs:
        head += f" {label + ' 1.ª visita (pet.)':>20} {label + ' repetida':>18}"
    print(head)
    for page in pages:
        line = f"{page:<11}"
        for label, _ in runs:
            (first, asked, _), (repeat, _, cached) = table[label][page]
            line += f" {kb(first) + f' ({asked})':>20} {kb(repeat) + f' ({cached} caché)':>18}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
