"""A small world whose briefing figures are known: VE-A (the territory of the briefing) with
records on both sides of every boundary, and VE-M whose records must never be counted."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app import create_server
from auth.principal import Principal, reset_principal, set_principal
from core.config import load_settings
from core.timeutil import caracas_date
from data.models import Alert
from data.scope import get_territory, path_values
from tests import factories as f

T0 = f.T0  # the briefing's moment: 2026-11-20 12:00 in Caracas
AS_OF = "2026-11-20T12:00:00-04:00"
CALLER: dict[str, Principal | None] = {"principal": None}
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def client(engine):
    """The server with its routes; the caller is whoever ``CALLER`` names."""
    server = create_server(load_settings())

    @server.middleware("http")
    async def as_caller(request, call_next):  # stands in for the auth middleware
        token = set_principal(CALLER["principal"])
        try:
            return await call_next(request)
        finally:
            reset_principal(token)

    CALLER["principal"] = None
    with TestClient(server) as c:
        yield c
    CALLER["principal"] = None


def _alert(session, aid, territory, state, **extra):
    session.add(
        Alert(
            id=aid,
            rule="clap_cobertura_baja",
            territory_code=territory,
            level=4,
            message=f"Alerta de prueba {aid}",
            raised_at=T0 - 5 * H,
            area="clap",
            state=state,
            **extra,
            **path_values(get_territory(session, territory)),
        )
    )


@pytest.fixture
def world(session):
    """The records of the briefing; the numbers the tests expect are computed from
    ``RECORDS`` by the tests themselves."""
    f.two_estados(session)
    today = caracas_date(T0)
    for pid, circ, status, usd, progress, still in RECORDS["projects"]:
        f.project(session, pid, circ, status, usd, progress, progress_changed_at=T0 - still)
    for tid, pid, circ, usd, at in RECORDS["transfers"]:
        f.transfer(session, tid, pid, circ, usd, at)
    for did, clap, consejo, days_ago, planned, served in RECORDS["deliveries"]:
        f.delivery(session, did, clap, consejo, today - timedelta(days=days_ago), planned, served)
    for cid, consejo, reported, resolved in RECORDS["cases"]:
        status = "resuelto" if resolved else "asignado"
        f.case(session, cid, consejo, "agua", status, reported, resolved)
    for iid, q, circ, at in RECORDS["incidents"]:
        f.incident(session, iid, q, circ, "robo", at)
    for uid, territory, readiness in RECORDS["units"]:
        f.defense(session, uid, territory, readiness)
    for aid, territory, status, due in RECORDS["actions"]:
        f.action(session, aid, territory, status, due)
    _alert(
        session,
        1,
        "VE-A-C1",
        "reconocida",
        acknowledged_by="maria.perez",
        acknowledged_at=T0 - 4 * H,
    )
    _alert(
        session,
        2,
        "VE-A-C2",
        "resuelta",
        acknowledged_by="jose.rivas",
        acknowledged_at=T0 - 30 * H,
        resolved_by="jose.rivas",
        resolved_at=T0 - D,
    )
    _alert(session, 3, "VE-M-C1", "abierta")
    session.commit()
    return session


RECORDS = {
    # id, circuito, status, approved USD, physical progress, time since it last moved
    "projects": [
        ("P1", "VE-A-C1", "en_ejecucion", 1_000_000, 40, 2 * D),
        ("P2", "VE-A-C2", "culminado", 234_567, 100, 2 * D),
        ("P3", "VE-A-C1", "paralizado", 50_000, 10, 60 * D),  # stalled, with money sent
        ("P9", "VE-M-C1", "en_ejecucion", 700_000, 70, 90 * D),
    ],
    # id, project, circuito, USD, when
    "transfers": [
        ("T1", "P1", "VE-A-C1", 600_000, T0 - 5 * D),
        ("T2", "P3", "VE-A-C1", 25_000, T0 - 40 * D),
        ("T3", "P1", "VE-A-C1", 10_000, T0 + D),  # after the moment: not yet sent
        ("T9", "P9", "VE-M-C1", 300_000, T0 - 5 * D),
    ],
    # id, committee, consejo, days before today, families planned, served
    "deliveries": [
        ("D1", "CLAP-VE-A-1", "VE-A-CC1", 0, 1_000, 900),
        ("D2", "CLAP-VE-A-2", "VE-A-CC2", 0, 600, 500),
        ("D3", "CLAP-VE-A-1", "VE-A-CC1", 1, 800, 800),  # yesterday: not today's
        ("D9", "CLAP-VE-M-1", "VE-M-CC1", 0, 5_000, 100),
    ],
    # id, consejo, reported, resolved (None = open)
    "cases": [
        ("C1", "VE-A-CC1", T0 - 50 * H, None),
        ("C2", "VE-A-CC2", T0 - 3 * H, None),
        ("C3", "VE-A-CC1", T0 - 10 * H, T0 - 2 * H),  # 8 h, in the last 24 h
        ("C4", "VE-A-CC1", T0 - 40 * H, T0 - 30 * H),  # 10 h
        ("C5", "VE-A-CC2", T0 - 100 * H, T0 - 70 * H),  # 30 h
        ("C6", "VE-A-CC1", T0 + H, None),  # after the moment
        ("C9", "VE-M-CC1", T0 - 5 * H, None),
    ],
    # id, cuadrante, circuito, when
    "incidents": [
        ("I1", "Q-VE-A-1", "VE-A-C1", T0 - 2 * H),
        ("I2", "Q-VE-A-2", "VE-A-C2", T0 - 5 * H),
        ("I3", "Q-VE-A-1", "VE-A-C1", T0 - 3 * D),
        ("I4", "Q-VE-A-1", "VE-A-C1", T0 - 9 * D),  # older than 7 days
        ("I9", "Q-VE-M-1", "VE-M-C1", T0 - 2 * H),
    ],
    # id, territory, readiness
    "units": [("U1", "VE-A-C1", 70.0), ("U2", "VE-A-C2", 85.0), ("U9", "VE-M-C1", 20.0)],
    # id, territory, status, due date
    "actions": [
        ("A1", "VE-A-C1", "pendiente", (T0 - 3 * D).date()),
        ("A2", "VE-A-C2", "cumplida", (T0 - 3 * D).date()),
        ("A9", "VE-M-C1", "pendiente", (T0 - 3 * D).date()),
    ],
}


def pdf_text(pdf: bytes, tmp_path, layout: bool = True) -> str:
    """The text of a PDF as ``pdftotext`` reads it (``-layout`` keeps the columns)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def labelled(text: str, label: str, value: str) -> bool:
    """True when ``value`` is printed under ``label`` (same column, within three lines) in
    ``pdftotext -layout`` output: the figure cards put the label above the figure."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        for match in re.finditer(re.escape(label), line):
            col = match.start()
            for below in lines[i + 1 : i + 4]:
                if value in below[max(0, col - 3) : col + len(value) + 3]:
                    return True
    return False
