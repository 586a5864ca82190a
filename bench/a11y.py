"""Accessibility of every page: Lighthouse 12 score and axe-core 4.13 violations, per page.

For each page of ``tests/browser/axe.PAGES`` prints the Lighthouse accessibility score
(0-100, target >= 95) with the audits it fails, and the axe violations by impact (target: no
``critical`` nor ``serious``), the same axe run as ``tests/browser/test_accessibility.py``.

Lighthouse is an npm tool, kept out of the repository; install it once outside (Node 18+)::

    mkdir -p /tmp/a11y && cd /tmp/a11y && npm i -E lighthouse@12.2.3

    .venv/bin/python -m bench a11y --lighthouse /tmp/a11y/node_modules/.bin/lighthouse \\
        [--url http://127.0.0.1:8150] [--pages /casos /muro] [--cookie 'sala_session=...']

Without ``--url`` it starts ``uvicorn app:server`` on the browser tests' small national
dataset (``tests/browser/world.py``) in a temporary SQLite file. A database without users
runs in local demo mode, so requests from 127.0.0.1 are the administrator and see every
page; against one with users, pass a session cookie with ``--cookie`` (sent by Lighthouse as
an extra header and set in Chromium for axe). Without ``--lighthouse`` only axe runs.
Chromium is Debian's (``/usr/bin/chromium``, ``CHROME_PATH``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from tests.browser.axe import PAGES, run_axe, wait_settled
from tests.server import CHROMIUM

IMPACTS = ("critical", "serious", "moderate", "minor")


def lighthouse(binary: str, url: str, cookie: str | None) -> dict[str, Any]:
    """Lighthouse's accessibility category for ``url``: score and failing audits."""
    cmd = [
        binary,
        url,
        "--only-categories=accessibility",
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if cookie:
        cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", CHROMIUM)}
    for _attempt in (1, 2):  # on a loaded machine Lighthouse sometimes fails to start Chromium
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        if out.returncode == 0:
            break
    else:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"score": None, "failing": [f"(Lighthouse falló: {last[:120]})"]}
    report = json.loads(out.stdout)
    failing = [
        key
        for key, audit in report["audits"].items()
        if audit.get("scoreDisplayMode") == "binary" and audit.get("score") == 0
    ]
    score = report["categories"]["accessibility"]["score"]
    return {"score": None if score is None else round(score * 100), "failing": failing}


def axe_counts(driver, url: str) -> tuple[Counter, list[str]]:
    driver.get(url)
    wait_settled(driver)
    violations = run_axe(driver)
    counts = Counter(v["impact"] for v in violations)
    return counts, [f"{v['id']}({v['impact']})" for v in violations]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench a11y", description=__doc__)
    parser.add_argument("--url", help="a running Sala (default: start one on the test world)")
    parser.add_argument("--lighthouse", help="path of the lighthouse binary (npm)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    parser.add_argument("--cookie", help="Cookie header of a logged-in session")
    args = parser.parse_args(argv)

    from tests.browser.conftest import make_database, new_driver
    from tests.browser.world import populate
    from tests.server import start_server

    tmp = Path(tempfile.mkdtemp(prefix="sala-a11y-"))
    server = None
    base = args.url
    if base is None:
        server = start_server(make_database(tmp / "sala.db", populate))
        base = server.url
    driver = new_driver(tmp / "profile")
    try:
        if args.cookie:
            driver.get(base + "/healthz")
            for part in args.cookie.split(";"):
                name, _, value = part.strip().partition("=")
                driver.add_cookie({"name": name, "value": value, "path": "/"})
        print(f"{'página':<12} {'LH':>4}  {'axe crit/ser/mod/min':<22} reglas")
        for path in args.pages:
            url = base.rstrip("/") + path
            lh = lighthouse(args.lighthouse, url, args.cookie) if args.lighthouse else None
            counts, rules = axe_counts(driver, url)
            score = "-" if lh is None or lh["score"] is None else str(lh["score"])
            impacts = "/".join(str(counts.get(i, 0)) for i in IMPACTS)
            print(f"{path:<12} {score:>4}  {impacts:<22} axe: {' '.join(rules) or '—'}")
            if lh and lh["failing"]:
                print(f"{'':<12} {'':>4}  {'':<22} lighthouse: {' '.join(lh['failing'])}")
    finally:
        driver.quit()
        if server is not None:
            server.stop()
    return 0
