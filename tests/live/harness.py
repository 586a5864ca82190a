"""Live-push test harness: a SQLite world, uvicorn subprocesses, Chromium, and a writer that
does what the ingestion path does (insert rows, bump versions, publish one bus event).

Kept separate from ``tests/browser`` so both can evolve; the server and browser recipe is the
shared one of ``tests/server.py`` (real ``uvicorn app:server`` on a free port, headless
Chromium).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from core.timeutil import caracas_date, utcnow
from data import versions
from data.bus import EventBus
from data.db import make_engine
from data.migrate import upgrade
from tests import factories as f
from tests.server import CHROMEDRIVER, chrome_options

BROWSER = os.environ.get("SALA_TEST_BROWSER", "").strip() == "1"
REDIS_URL = os.environ.get("SALA_TEST_REDIS", "").strip()


def build_world(session: Session) -> None:
    """Two estados with known numbers: 3 open cases in VE-A, 1 in VE-M, one CLAP today."""
    f.two_estados(session)
    now = utcnow()
    for i in range(3):
        f.case(session, f"A{i}", "VE-A-CC1", "agua", "recibido", now - timedelta(hours=2))
    f.case(session, "M0", "VE-M-CC1", "gas", "recibido", now - timedelta(hours=3))
    f.delivery(session, "D0", "CLAP-VE-A-1", "VE-A-CC1", caracas_date(now), 200, 150)
    f.defense(session, "DEF-A", "VE-A", 80.0)
    versions.bump(session, ["cases", "clap_deliveries", "defense"])


def make_database(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        build_world(session)
        session.commit()
    engine.dispose()
    return url


def new_driver(
    profile: Path, width: int = 1920, height: int = 1080, extra_flags: tuple[str, ...] = ()
):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chrome_options(profile, width, height, extra_flags)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@dataclass
class Writer:
    """Writes like the ingestion path: rows + version bump in one transaction, then ONE event."""

    database_url: str
    bus: EventBus
    count: int = 0
    _engine: object = field(default=None, repr=False)

    def open_cases(self, n: int, consejo: str = "VE-A-CC1", estado: str = "VE-A") -> str:
        engine = self._engine = self._engine or make_engine(self.database_url)
        now = utcnow()
        ids = []
        with Session(engine) as session:
            for _ in range(n):
                self.count += 1
                cid = f"live-{self.count}"
                f.case(session, cid, consejo, "electricidad", "recibido", now)
                ids.append(cid)
            versions.bump(session, ["cases"])
            session.commit()
        return self.bus.publish(
            {
                "type": "ingest",
                "dataset": "cases",
                "received": n,
                "inserted": n,
                "updated": 0,
                "unchanged": 0,
                "at": now.isoformat(),
                "estados": [estado],
                "items": [
                    {
                        "id": cid,
                        "estado_code": estado,
                        "municipio_code": f"{estado}-M1",
                        "circuito_code": f"{estado}-C1",
                        "category": "electricidad",
                    }
                    for cid in ids[:50]
                ],
            }
        )


def kpi_value(driver, field: str) -> str | None:
    """``data-value`` of the first element tagged ``data-kpi=field`` (None if absent)."""
    return driver.execute_script(
        "const e = document.querySelector(`[data-kpi='${arguments[0]}']`);"
        "return e ? e.getAttribute('data-value') : null;",
        field,
    )


def wait_until(predicate, timeout: float = 20.0, what: str = "condición") -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as exc:  # page still loading
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"no se cumplió: {what} ({last})")


def ingest_event(estado: str, n: int, prefix: str = "") -> dict:
    """A bus event of ``n`` new cases in ``estado`` (what the ingest path publishes)."""
    return {
        "type": "ingest",
        "dataset": "cases",
        "received": n,
        "inserted": n,
        "updated": 0,
        "at": "2026-01-01T00:00:00+00:00",
        "estados": [estado],
        "items": [{"id": f"{prefix}{estado}-{i}", "estado_code": estado} for i in range(n)],
    }
