"""Browser-test harness: a SQLite database with known records, the app as a real
``uvicorn app:server`` subprocess on a free port, and headless Debian Chromium (selenium 4).

Runs only with ``SALA_TEST_BROWSER=1``. Reuse from other browser tests:
``make_database(path, builder)``, ``start_server`` (from ``tests/server.py``), the
``server`` and ``driver`` fixtures, and ``console_errors(driver)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.db import make_engine
from data.migrate import upgrade
from tests.browser.world import populate
from tests.server import CHROMEDRIVER, Server, chrome_options, start_server

ENABLED = os.environ.get("SALA_TEST_BROWSER", "").strip() == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="pruebas de navegador: defina SALA_TEST_BROWSER=1")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not ENABLED:
                item.add_marker(skip)


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


# Scrolls to the first table still waiting for its grid, or else to the first chart still
# waiting for its first draw: tables mount and charts draw only when they come near the
# viewport (assets/grid_mount.js, assets/chart_defer.js), as they do when a person scrolls.
SHOW_NEXT_DEFERRED_JS = """
const table = document.querySelector('.sala-grid-slot .grid-pending');
const next = table ? table.closest('.sala-grid-slot') : document.querySelector('[data-sala-deferred]');
if (next) { next.scrollIntoView({block: 'center'}); }
return !next;
"""


def show_deferred(drv) -> bool:
    """Bring the next table still without its grid, or chart not yet drawn, into view; True
    once none is waiting. Call it inside a wait: each one mounts after its place is reached."""
    return bool(drv.execute_script(SHOW_NEXT_DEFERRED_JS))
