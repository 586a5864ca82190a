"""Soak: ``/muro`` under the simulator at a high rate for a few minutes stays bounded.

Marked ``slow`` (about 2.5 min). The number of DOM nodes must not grow with the number of
events received: tickers, map points and panels are capped.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from data.db import make_engine
from data.migrate import upgrade
from data.seed import seed_database
from tests.live.harness import new_driver, wait_until
from tests.server import start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOAK_S = float(os.environ.get("SALA_SOAK_SECONDS", "150"))
RATE = "200"  # records per second from the in-server simulator


def dom_nodes(driver) -> int:
    return driver.execute_script("return document.getElementsByTagName('*').length;")


def feed_seq(driver) -> int:
    return driver.execute_script(
        "return window.salaLive ? Number(document.getElementById('live-banner')"
        ".getAttribute('data-feed') || 0) : 0;"
    )


def test_wall_dom_stays_bounded_under_the_simulator(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sala.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_database(engine, scale="test", progress=False)
    engine.dispose()
    server = start_server(url, {"REDIS_URL": "", "SALA_SIMULATE": RATE})
    driver = new_driver(tmp_path / "profile")
    try:
        driver.get(f"{server.url}/muro")
        wait_until(
            lambda: (
                driver.execute_script(
                    "return document.querySelectorAll('#muro-ticker [data-event]').length"
                )
                > 0
            ),
            60,
            "eventos del simulador en el ticker",
        )
        time.sleep(10)  # warm-up: ticker full, map drawn
        baseline = dom_nodes(driver)
        samples, updates = [], 0
        last_feed = feed_seq(driver)
        end = time.monotonic() + SOAK_S
        while time.monotonic() < end:
            time.sleep(5)
            samples.append(dom_nodes(driver))
            feed = feed_seq(driver)
            updates += feed != last_feed
            last_feed = feed
        assert updates >= len(samples) // 2, "la pantalla dejó de recibir actualizaciones"
        assert max(samples) <= baseline * 1.2 + 50, (baseline, samples)
        assert samples[-1] <= baseline * 1.1 + 50, (baseline, samples)
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, errors[:3]
    finally:
        driver.quit()
        server.stop()
