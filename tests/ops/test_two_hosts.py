"""Two app hosts sharing one database and one Redis: an event ingested through one host reaches
a screen connected to the other (what the README's «Varios hosts» promises).

Each host is its own ``uvicorn app:server`` process on its own port, as two machines would
be; they share PostgreSQL when SALA_TEST_PG is set (SQLite otherwise) and a Redis stream.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from data.bus import RedisBus
from data.db import make_engine
from data.migrate import upgrade
from data.tokens import create_token
from tests.conftest import PG_URL, _create_pg_database, _drop_pg_database
from tests.live.harness import BROWSER, REDIS_URL, build_world, kpi_value, new_driver, wait_until
from tests.live.test_push_browser import live_ready, post_cases, ticker_ids
from tests.server import start_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not BROWSER, reason="pruebas de navegador: defina SALA_TEST_BROWSER=1"),
]


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        url, name = _create_pg_database()
    else:
        url, name = f"sqlite:///{tmp_path / 'compartida.db'}", None
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        build_world(s)
        s.commit()
    engine.dispose()
    try:
        yield url
    finally:
        if name:
            _drop_pg_database(name)


def push_connections(base: str) -> float:
    import urllib.request

    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    return next(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "sala_push_connections"
    )


def test_event_ingested_on_one_host_reaches_a_screen_on_the_other(
    shared_database: str, tmp_path: Path
):
    if not REDIS_URL:
        pytest.skip("dos hosts comparten un Redis: defina SALA_TEST_REDIS")
    stream = f"sala:test:hosts:{uuid.uuid4().hex[:10]}"
    env = {"REDIS_URL": REDIS_URL, "SALA_BUS_STREAM": stream}
    engine = make_engine(shared_database)
    with Session(engine) as s:
        token = create_token(s, "campo", "ingest")
        s.commit()
    engine.dispose()
    log_a, log_b = tmp_path / "host-a.log", tmp_path / "host-b.log"
    host_a = start_server(shared_database, env, log_path=log_a)
    host_b = start_server(shared_database, env, log_path=log_b)
    driver = new_driver(tmp_path / "profile")
    try:
        driver.get(f"{host_b.url}/muro")
        wait_until(lambda: kpi_value(driver, "cases.open") == "4", 30, "KPI inicial en B")
        wait_until(lambda: live_ready(driver), what="push conectado a B")
        assert push_connections(host_b.url) == 1 and push_connections(host_a.url) == 0

        result = post_cases(host_a.url, token, ["host-a-1", "host-a-2"])  # ingested on A
        assert result["inserted"] == 2
        wait_until(lambda: kpi_value(driver, "cases.open") == "6", 30, "KPI en B")
        wait_until(lambda: {"host-a-1", "host-a-2"} <= set(ticker_ids(driver)), 10, "ticker B")
    finally:
        driver.quit()
        host_a.stop()
        host_b.stop()
        RedisBus(REDIS_URL, stream)._redis.delete(stream)
