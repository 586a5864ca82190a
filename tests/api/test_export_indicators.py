"""CSV exports of /casos, /paz and /defensa: exactly the records the filters select."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app import create_server
from core.config import load_settings
from core.timeutil import utcnow
from tests import factories as f

H = timedelta(hours=1)


@pytest.fixture
def client(engine):
    with TestClient(create_server(load_settings())) as c:
        yield c


@pytest.fixture
def world(session):
    f.two_estados(session)
    now = utcnow()
    f.case(session, "C1", "VE-A-CC1", "agua", "recibido", now - 2 * H)
    f.case(session, "C2", "VE-A-CC2", "gas", "resuelto", now - 30 * H, now - 3 * H)
    f.case(session, "C3", "VE-M-CC1", "agua", "asignado", now - 5 * H)
    f.case(session, "C4", "VE-A-CC1", "agua", "recibido", now - 10 * 24 * H)
    f.incident(session, "I1", "Q-VE-A-1", "VE-A-C1", "robo", now - 1 * H, 3)
    f.incident(session, "I2", "Q-VE-A-2", "VE-A-C2", "hurto", now - 50 * H, 2)
    f.incident(session, "I3", "Q-VE-M-1", "VE-M-C1", "robo", now - 3 * H, 4)
    f.defense(session, "U1", "VE-A-C1", 40.0, plan="BPDI — Base Popular")
    f.defense(session, "U2", "VE-A", 80.0, plan="ZODI — Zona")
    f.defense(session, "U3", "VE-M-C1", 60.0, plan="BPDI — Base Popular")
    session.commit()
    return session


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return sorted(row[0] for row in rows[1:])


def test_cases_export(client, world):
    assert _ids(client.get("/exportar/casos.csv?rango=7d")) == ["C1", "C2", "C3"]
    assert _ids(client.get("/exportar/casos.csv?territorio=VE-A&rango=24h")) == ["C1"]
    assert _ids(client.get("/exportar/casos.csv?rango=30d&categoria=agua")) == ["C1", "C3", "C4"]
    response = client.get("/exportar/casos.csv?rango=7d&categoria=magia")
    assert response.status_code == 400 and "Categoría desconocida" in response.json()["error"]


def test_incidents_export(client, world):
    assert _ids(client.get("/exportar/incidentes.csv?rango=24h")) == ["I1", "I3"]
    assert _ids(client.get("/exportar/incidentes.csv?rango=7d&categoria=robo")) == ["I1", "I3"]
    assert _ids(client.get("/exportar/incidentes.csv?territorio=VE-A-P1&rango=7d")) == [
        "I1",
        "I2",
    ]


def test_defense_export(client, world):
    assert _ids(client.get("/exportar/defensa.csv")) == ["U1", "U2", "U3"]
    assert _ids(client.get("/exportar/defensa.csv?categoria=BPDI")) == ["U1", "U3"]
    assert _ids(client.get("/exportar/defensa.csv?territorio=VE-A")) == ["U1", "U2"]
