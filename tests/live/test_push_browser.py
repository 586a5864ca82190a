"""Live push end to end: uvicorn subprocess(es), headless Chromium, Redis stream bus.

The test process writes like the ingestion path (rows + version bump, then one bus event on
the server's Redis stream), so the only way the numbers can reach the page is the push.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import ROOT
from core.timeutil import utcnow
from data.bus import RedisBus
from tests.live.harness import (
    REDIS_URL,
    Writer,
    kpi_value,
    make_database,
    new_driver,
    wait_until,
)
from tests.server import start_server

pytestmark = pytest.mark.browser


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Writer]]:
    """A fresh database, a unique Redis stream and a writer publishing on it."""
    if not REDIS_URL:
        pytest.skip("esta prueba de push necesita SALA_TEST_REDIS")
    stream = f"sala:test:push:{uuid.uuid4().hex[:10]}"
    database_url = make_database(tmp_path / "sala.db")
    bus = RedisBus(REDIS_URL, stream)
    env = {"REDIS_URL": REDIS_URL, "SALA_BUS_STREAM": stream}
    try:
        yield database_url, env, Writer(database_url, bus)
    finally:
        bus._redis.delete(stream)


def ticker_ids(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#muro-ticker [data-event]')]"
        ".map(e => e.getAttribute('data-event'));"
    )


def banner_state(driver) -> str:
    return driver.execute_script(
        "const b = document.getElementById('sala-live-banner');"
        "return b && !b.hidden ? b.dataset.state : 'ok';"
    )


def live_ready(driver) -> bool:
    """The push loop has started for this tab (its heartbeat or first update arrived)."""
    return bool(driver.execute_script("return window.salaLive && window.salaLive.state.everBeat"))


def create_token(database_url: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "create-token", "--name", "prueba-push", "--role", "ingest"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def post_cases(server_url: str, token: str, ids: list[str], consejo: str = "VE-A-CC1") -> dict:
    now = utcnow().isoformat()
    body = [
        {
            "id": cid,
            "territory_code": consejo,
            "category": "agua",
            "status": "recibido",
            "reported_at": now,
            "updated_at": now,
        }
        for cid in ids
    ]
    request = urllib.request.Request(
        f"{server_url}/api/v1/ingest/cases",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_event_posted_through_the_api_appears_on_panorama_and_muro(tmp_path: Path) -> None:
    """Single process, in-memory bus: the real ingestion path end to end."""
    database_url = make_database(tmp_path / "sala.db")
    token = create_token(database_url)
    server = start_server(database_url, {"REDIS_URL": ""})
    drivers = {page: new_driver(tmp_path / f"profile{i}") for i, page in enumerate(("/", "/muro"))}
    try:
        for page, driver in drivers.items():
            driver.get(f"{server.url}{page}")
        for driver in drivers.values():
            wait_until(lambda d=driver: kpi_value(d, "cases.open") == "4", 30, "KPI inicial")
            wait_until(lambda d=driver: live_ready(d), what="push conectado")
        result = post_cases(server.url, token, ["api-1", "api-2"])
        assert result["inserted"] == 2
        for page, driver in drivers.items():
            wait_until(lambda d=driver: kpi_value(d, "cases.open") == "6", what=f"KPI en {page}")
        wait_until(lambda: {"api-1", "api-2"} <= set(ticker_ids(drivers["/muro"])))
        # a window's feed brings only its news: the tab keeps its last twelve (live-ticker)
        assert drivers["/muro"].execute_script(MERGE_TICKER) == [f"n{k}" for k in range(12, 0, -1)]
        # the push asks a tab off the wall its path, never the wall's view it has not got
        # (Dash would log "GET_PROPS_REQUEST: Component muro-view not found" each time)
        logged = [e["message"] for e in drivers["/"].get_log("browser")]
        assert not [m for m in logged if "GET_PROPS_REQUEST" in m], logged
    finally:
        for driver in drivers.values():
            driver.quit()
        server.stop()


# The tab's ticker after a reload and thirteen windows of one event each (assets/live.js).
MERGE_TICKER = """
const merge = window.salaLive.mergeTicker;
let kept = merge({items: [{id: "reload"}]}, [{id: "old"}]);
for (let k = 0; k < 13; k++) { kept = merge({news: true, items: [{id: "n" + k}]}, kept); }
return kept.map(i => i.id);
"""


def worker_pid(driver) -> int | None:
    return driver.execute_script("return (window.salaLive.state.beat || {}).pid || null;")


def test_event_appears_on_muro_with_kpi_and_ticker(world, tmp_path: Path) -> None:
    database_url, env, writer = world
    server = start_server(database_url, env)
    driver = new_driver(tmp_path / "profile")
    try:
        driver.get(f"{server.url}/muro")
        wait_until(lambda: kpi_value(driver, "cases.open") == "4", what="KPI inicial 4")
        wait_until(lambda: live_ready(driver), what="push conectado")
        writer.open_cases(3)
        wait_until(lambda: kpi_value(driver, "cases.open") == "7", what="KPI 7 tras el evento")
        wait_until(lambda: {"live-1", "live-2", "live-3"} <= set(ticker_ids(driver)))
        # the refresh came down the websocket (muro-pushed), not from an HTTP refresh
        first = driver.find_element("id", "muro-updated").get_attribute("data-pushed")
        assert first
        # the next window changes the render the tab applied: patched in place, it shows
        # the same as a whole render would
        writer.open_cases(2)
        wait_until(lambda: kpi_value(driver, "cases.open") == "9", what="KPI 9 tras el segundo")
        wait_until(lambda: ticker_ids(driver)[:5] == [f"live-{k}" for k in range(5, 0, -1)])
        assert driver.find_element("id", "muro-updated").get_attribute("data-pushed") != first
        assert banner_state(driver) == "ok"
        assert "actualizado hace" in driver.find_element("css selector", ".freshness").text
    finally:
        driver.quit()
        server.stop()


def test_tab_reconnects_after_restart_and_shows_what_it_missed(world, tmp_path: Path) -> None:
    database_url, env, writer = world
    server = start_server(database_url, env)
    port = server.port
    driver = new_driver(tmp_path / "profile")
    try:
        driver.get(f"{server.url}/muro")
        wait_until(lambda: kpi_value(driver, "cases.open") == "4", what="KPI inicial")
        wait_until(lambda: live_ready(driver), what="push conectado")
        server.stop()
        # The feed stops: the wall says so instead of showing old numbers as current.
        wait_until(lambda: banner_state(driver) == "reconnecting", 30, "aviso Reconectando…")
        assert "Reconectando" in driver.find_element("id", "sala-live-banner").text
        writer.open_cases(2)  # posted while the tab is away
        server = start_server(database_url, env, port=port)
        wait_until(lambda: kpi_value(driver, "cases.open") == "6", 60, "KPI tras reconectar")
        wait_until(lambda: {"live-1", "live-2"} <= set(ticker_ids(driver)), 10, "eventos perdidos")
        wait_until(lambda: banner_state(driver) == "ok", 15, "aviso retirado")
    finally:
        driver.quit()
        server.stop()


def test_quiet_feed_warns_and_recovers(world, tmp_path: Path) -> None:
    database_url, env, writer = world
    writer.open_cases(1)  # the wall needs a last event to measure quiet from
    server = start_server(database_url, env)
    driver = new_driver(tmp_path / "profile")
    try:
        driver.get(f"{server.url}/muro?sin_datos=5")
        wait_until(lambda: live_ready(driver), what="push conectado")
        writer.open_cases(1)
        wait_until(lambda: banner_state(driver) == "quiet", 30, "aviso sin datos nuevos")
        writer.open_cases(1)
        wait_until(lambda: banner_state(driver) == "ok", 10, "aviso retirado al llegar datos")
    finally:
        driver.quit()
        server.stop()


def test_two_workers_two_tabs_both_get_every_event(world, tmp_path: Path) -> None:
    database_url, env, writer = world
    server = start_server(database_url, env, workers=2)
    drivers = [new_driver(tmp_path / f"profile-{i}") for i in range(2)]
    try:
        for driver in drivers:
            driver.get(f"{server.url}/muro")
        for driver in drivers:
            wait_until(lambda d=driver: kpi_value(d, "cases.open") == "4", what="KPI inicial")
            wait_until(lambda d=driver: worker_pid(d) is not None, what="push conectado")
        # Make sure the two tabs are served by different workers: which worker accepts a
        # connection is the kernel's choice (an idle one tends to win), so try many times.
        for _ in range(30):
            if worker_pid(drivers[0]) != worker_pid(drivers[1]):
                break
            drivers[1].refresh()
            wait_until(lambda: worker_pid(drivers[1]) is not None, what="push conectado")
        assert worker_pid(drivers[0]) != worker_pid(drivers[1]), "ambas pestañas en un worker"
        for _ in range(10):
            writer.open_cases(1)
            time.sleep(0.05)
        expected = {f"live-{i}" for i in range(1, 11)}
        for driver in drivers:
            wait_until(lambda d=driver: expected <= set(ticker_ids(d)), what="10 eventos")
            wait_until(lambda d=driver: kpi_value(d, "cases.open") == "14", what="KPI 14")
    finally:
        for driver in drivers:
            driver.quit()
        server.stop()


def test_wall_rotation_survives_a_failing_panel_and_territory(tmp_path: Path) -> None:
    """An unknown panel and an unknown territory show errors; the rest and the rotation go on."""
    server = start_server(make_database(tmp_path / "sala.db"), {"REDIS_URL": ""})
    driver = new_driver(tmp_path / "profile")
    title = lambda: driver.find_element("id", "muro-title").text  # noqa: E731
    try:
        driver.get(f"{server.url}/muro?paneles=casos,nada,clap&territorios=VE-A,VE-Q&rotar=5")
        wait_until(lambda: kpi_value(driver, "cases.open") == "3", 30, "VE-A: 3 casos")
        assert driver.find_elements("css selector", "[data-error='nada']")
        assert kpi_value(driver, "clap.families_served") == "150"
        wait_until(lambda: "no disponible" in title(), 20, "paso VE-Q con error")
        assert driver.find_elements("css selector", "[data-error='casos']")
        wait_until(lambda: title() == "Estado VE-A", 20, "la rotación vuelve a VE-A")
        wait_until(lambda: kpi_value(driver, "cases.open") == "3", 10, "VE-A otra vez")
        no_scroll = driver.execute_script(
            "return document.documentElement.scrollHeight <= window.innerHeight"
            " && document.documentElement.scrollWidth <= window.innerWidth;"
        )
        assert no_scroll, "el muro no debe tener barras de desplazamiento"
    finally:
        driver.quit()
        server.stop()
