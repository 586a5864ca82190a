"""The server starts the simulator with ``SALA_SIMULATE`` > 0 and stops it on shutdown."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import DataVersion
from tests import factories as f


def _writes(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.coalesce(func.sum(DataVersion.version), 0))))


def _simulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sala-simulator"]


def test_simulator_runs_inside_the_server_and_stops_with_it(sqlite_engine, monkeypatch):
    with Session(sqlite_engine) as s:
        f.two_estados(s)
        s.commit()
    monkeypatch.setenv("SALA_SIMULATE", "20")
    from app import create_app

    with TestClient(create_app().server) as client:
        deadline = time.monotonic() + 30
        while _writes(sqlite_engine) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _writes(sqlite_engine) > 0
        assert client.get("/healthz").status_code == 200
        assert _simulator_threads()
    assert not _simulator_threads()  # joined on shutdown


def test_no_simulator_by_default(sqlite_engine):
    from app import create_app

    with TestClient(create_app().server) as client:
        assert client.get("/healthz").status_code == 200
        assert not _simulator_threads()
