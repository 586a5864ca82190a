"""``/proyectos`` queries against numbers computed here from the same records, both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.filters import Filters
from data.models import Project, ProjectProgress, Transfer
from data.queries import datasets as ds
from data.queries import projects as q
from data.scope import NATIONAL, OutOfScope, UnknownTerritory, path_values, scope_for
from data.scope import get_territory as territory
from tests import factories as f
from tests.factories import T0

DAY = timedelta(days=1)
# id, circuito, category, T, status, progress, approved, progress changed (days ago), consulta
PROJECTS = [
    ("P1", "VE-A-C1", "agua", 2, "en_ejecucion", 40.0, 10_000.0, 5, "2026-3"),
    ("P2", "VE-A-C1", "vialidad", 2, "paralizado", 20.0, 12_000.0, 45, "2026-2"),
    ("P3", "VE-A-C2", "agua", 4, "financiado", 0.0, 8_000.0, None, "2026-3"),
    ("P4", "VE-A-C2", "agua", 2, "culminado", 100.0, 9_000.0, 10, "2026-2"),
    ("P5", "VE-M-C1", "agua", 1, "en_ejecucion", 55.0, 10_000.0, 2, "2026-3"),
    ("P6", "VE-A-C1", "salud", 4, "aprobado", 0.0, 7_000.0, None, "2026-3"),
]
# id, project, usd, days ago
TRANSFERS = [
    ("T1", "P1", 6_000.0, 3),
    ("T2", "P2", 12_000.0, 60),
    ("T3", "P3", 8_000.0, 40),
    ("T4", "P5", 10_000.0, 1),
    ("T5", "P1", 1_000.0, 10),
    ("T6", "P1", 500.0, -1),  # after as_of: never counted
]
UPDATED_DAYS_AGO = {"P3": 40, "P6": 2}  # no progress recorded: last update instead


def _project(pid: str) -> tuple:
    return next(p for p in PROJECTS if p[0] == pid)


@pytest.fixture
def world(session):
    f.two_estados(session)
    for pid, circ, cat, t, status, progress, usd, changed, consulta in PROJECTS:
        session.add(
            Project(
                id=pid,
                consulta=consulta,
                title=f"Proyecto {pid}",
                category=cat,
                transformation=t,
                approved_usd=usd,
                status=status,
                physical_progress=progress,
                updated_at=T0 - DAY * (changed or UPDATED_DAYS_AGO[pid]),
                progress_changed_at=T0 - DAY * changed if changed else None,
                **path_values(territory(session, circ)),
            )
        )
    session.flush()
    for tid, pid, usd, ago in TRANSFERS:
        session.add(
            Transfer(
                id=tid,
                project_id=pid,
                bank=f"Banco {_project(pid)[1]}",
                amount_usd=usd,
                transferred_at=T0 - DAY * ago,
                **path_values(territory(session, _project(pid)[1])),
            )
        )
    session.add(
        ProjectProgress(
            project_id="P1",
            recorded_at=T0 - 20 * DAY,
            physical_progress=10.0,
            status="en_ejecucion",
        )
    )
    session.add(
        ProjectProgress(
            project_id="P1", recorded_at=T0 - 5 * DAY, physical_progress=40.0, status="en_ejecucion"
        )
    )
    session.commit()
    return session


def _in(estado: str | None, category: str | None = None) -> list[tuple]:
    return [
        p
        for p in PROJECTS
        if (estado is None or p[1].startswith(estado)) and (category is None or p[2] == category)
    ]


def _sent(pid: str, lo: int | None = None, hi: int = 0) -> float:
    """Money sent to ``pid`` between ``lo`` days ago (exclusive) and ``hi`` days ago."""
    return sum(
        usd for _, p, usd, ago in TRANSFERS if p == pid and ago >= hi and (lo is None or ago < lo)
    )


@pytest.mark.parametrize(("estado", "category"), [(None, None), ("VE-A", None), ("VE-A", "agua")])
def test_kpis_match_hand_counts(world, estado, category):
    filters = Filters(territorio=estado, rango="7d", categoria=category)
    got = q.kpis(world, NATIONAL, filters, T0)
    rows = _in(estado, category)
    assert got["total"] == len(rows)
    assert got["approved_usd"] == sum(p[6] for p in rows)
    assert got["avg_progress"] == round(sum(p[5] for p in rows) / len(rows), 1)
    assert got["transferred_usd"] == sum(_sent(p[0]) for p in rows)
    assert got["transferred_period_usd"] == sum(_sent(p[0], 7) for p in rows)
    # previous 7 days: (14, 7] days ago
    assert got["transferred_previous_usd"] == sum(
        usd for _, p, usd, ago in TRANSFERS if p in {r[0] for r in rows} and 7 <= ago < 14
    )
    for status in ("en_ejecucion", "paralizado", "culminado", "aprobado", "financiado"):
        assert got["by_status"][status] == sum(1 for p in rows if p[4] == status)
    stalled = [
        p
        for p in rows
        if p[4] in ("financiado", "en_ejecucion", "paralizado")
        and (p[7] or UPDATED_DAYS_AGO[p[0]]) >= 30
    ]
    assert got["stalled"] == len(stalled)


def test_money_vs_progress_quadrants(world):
    got = q.money_vs_progress(world, NATIONAL, Filters(territorio="VE-A"), T0)
    rows = _in("VE-A")
    assert sum(map(sum, got["grid"])) == len(rows)
    share = {p[0]: 100 * _sent(p[0]) / p[6] for p in rows}
    # P1: 40 % built, 70 % paid → grid[4][7]; P4: 100 % built, nothing paid → grid[9][0]
    assert got["grid"][4][7] == 1 and got["grid"][9][0] == 1
    assert got["money_no_progress"] == sum(1 for p in rows if share[p[0]] >= 50 and p[5] < 10)
    assert got["progress_no_money"] == sum(1 for p in rows if p[5] >= 50 and share[p[0]] < 10)
    assert got["money_no_progress"] == 1  # P3
    assert got["progress_no_money"] == 1  # P4


def test_stalled_list_longest_first(world):
    got = q.stalled_projects(world, NATIONAL, Filters(territorio="VE-A"), T0)
    assert [r["id"] for r in got] == ["P2", "P3"]
    assert got[0]["days"] == 45 and got[1]["days"] == 40


def test_transfers_by_bank_in_period(world):
    got = q.transfers_by_bank(world, NATIONAL, Filters(rango="30d"), T0)
    expected: dict[str, float] = {}
    for _, pid, usd, ago in TRANSFERS:
        if 0 <= ago < 30:
            bank = f"Banco {_project(pid)[1]}"
            expected[bank] = expected.get(bank, 0) + usd
    assert {r["bank"]: r["usd"] for r in got} == expected
    assert [r["usd"] for r in got] == sorted(expected.values(), reverse=True)


def test_breakdowns(world):
    cats = q.by_category(world, NATIONAL, Filters(territorio="VE-A"), T0)
    rows = _in("VE-A")
    assert {c["category"]: c["count"] for c in cats} == {
        cat: sum(1 for p in rows if p[2] == cat) for cat in {p[2] for p in rows}
    }
    ts = q.by_transformation(world, NATIONAL, Filters(territorio="VE-A"), T0)
    assert len(ts) == 7
    assert {t["transformation"]: t["count"] for t in ts} == {
        n: sum(1 for p in rows if p[3] == n) for n in range(1, 8)
    }
    rounds = q.status_by_round(world, NATIONAL, Filters(territorio="VE-A"), T0)
    assert sum(r["count"] for r in rounds) == len(rows)
    assert {(r["consulta"], r["status"]) for r in rounds} == {(p[8], p[4]) for p in rows}


def test_by_territory_one_level_below(world):
    national = q.by_territory(world, NATIONAL, Filters(), T0)
    assert [r["code"] for r in national] == ["VE-A", "VE-M"]
    assert {r["code"]: r["total"] for r in national} == {"VE-A": 5, "VE-M": 1}
    assert national[0]["transferred_usd"] == sum(_sent(p[0]) for p in _in("VE-A"))
    parroquia = q.by_territory(world, NATIONAL, Filters(territorio="VE-A-P1"), T0)
    assert {r["code"]: r["total"] for r in parroquia} == {"VE-A-C1": 3, "VE-A-C2": 2}
    assert {r["code"]: r["paralizado"] for r in parroquia} == {"VE-A-C1": 1, "VE-A-C2": 0}
    # below a circuito: the projects' places (no comuna here: the circuito itself)
    circuito = q.by_territory(world, NATIONAL, Filters(territorio="VE-A-C2"), T0)
    assert [(r["code"], r["total"]) for r in circuito] == [("VE-A-C2", 2)]


def test_scope_is_enforced(world):
    scope = scope_for(world, "VE-M")
    with pytest.raises(OutOfScope):
        q.kpis(world, scope, Filters(territorio="VE-A"), T0)
    with pytest.raises(UnknownTerritory):
        q.by_category(world, scope, Filters(territorio="VE-Q-NADA"), T0)
    # no territory = the caller's whole scope, never the nation
    assert q.kpis(world, scope, Filters(), T0)["total"] == len(_in("VE-M"))
    with pytest.raises(OutOfScope):
        q.detail(world, scope, "P1")
    assert q.detail(world, scope, "P5")["id"] == "P5"


def test_detail_history_and_transfers(world):
    got = q.detail(world, NATIONAL, "P1")
    assert [h["progress"] for h in got["history"]] == [10.0, 40.0]
    assert [t["id"] for t in got["transfers"]] == ["T5", "T1", "T6"]
    assert q.detail(world, NATIONAL, "NADA") is None


def test_dataset_pages_sorted_and_streams_exactly(world):
    view = q.scoped(world, NATIONAL, Filters(territorio="VE-A", categoria="agua"), T0)
    expected = sorted(p[0] for p in _in("VE-A", "agua"))
    assert ds.count(world, q.PROJECTS, view) == len(expected)
    rows = ds.page(world, q.PROJECTS, view, 0, 100, [("approved_usd", True)])
    assert [r["approved_usd"] for r in rows] == sorted(
        (p[6] for p in _in("VE-A", "agua")), reverse=True
    )
    assert all(isinstance(r["id"], str) for r in rows)
    assert ds.page(world, q.PROJECTS, view, 1, 1, [("id", False)])[0]["id"] == expected[1]
    streamed = list(ds.stream(world, q.PROJECTS, view))
    assert sorted(r[0] for r in streamed) == expected
    sent = {r[0]: r[8] for r in streamed}
    assert sent == {pid: _sent(pid) for pid in expected}


def test_transfer_dataset_follows_range(world):
    view = q.scoped(world, NATIONAL, Filters(territorio="VE-A", rango="30d"), T0)
    ids = sorted(r[0] for r in ds.stream(world, q.TRANSFERS, view))
    assert ids == sorted(
        t[0] for t in TRANSFERS if 0 <= t[3] < 30 and _project(t[1])[1].startswith("VE-A")
    )
