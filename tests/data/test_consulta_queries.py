"""The Consulta advice on a world built here (``tests/consulta_world.py``), where the answer
is obvious, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from data.queries import consulta as q
from data.scope import get_territory
from tests import consulta_world
from tests import factories as f
from tests.factories import T0


@pytest.fixture
def world(session):
    consulta_world.build(session)
    return session


def _ref(session, code):
    return get_territory(session, code)


def _by_category(rows):
    return {r["category"]: r for r in rows}


def test_rounds_are_the_last_four_by_year_and_number(world):
    assert q.recent_rounds(world) == consulta_world.ROUNDS


def test_heavy_water_demand_and_no_water_project_ranks_water_first(world):
    rows = q.priorities(world, _ref(world, "VE-A-C1"), T0)
    assert [r["category"] for r in rows] == ["agua", "salud", "electricidad"]
    water = rows[0]
    # 12 cases in the window (the 70-day-old one, the rejected one and "otros" left out),
    # 6 open, 4 of them older than the 72 h target, 8 in the recent half, no project
    assert (water["demand"], water["open"], water["late"], water["recent"]) == (12, 6, 4, 8)
    assert (water["funded_projects"], water["funded_usd"], water["completed_pct"]) == (0, 0, None)
    assert water["score"] == pytest.approx(round((12 + 6 + 4) * (8 + 2) / (4 + 2), 1))
    assert water["reason"] == (
        "12 casos de agua en 60 días, 6 abiertos (4 fuera de plazo); "
        "ningún proyecto de agua en las últimas 4 consultas"
    )
    # ayuda médica is a salud need: 3 cases, 1 open and past its 24 h target
    health = rows[1]
    assert (health["demand"], health["open"], health["late"]) == (3, 1, 1)
    power = rows[2]
    assert (power["funded_projects"], power["completed_pct"], power["funded_usd"]) == (
        2,
        100.0,
        20_000,
    )
    assert power["transferred_usd"] == 6_000  # the transfer after the moment does not count


def test_money_sent_counts_where_its_project_is(world):
    """A transfer recorded under another territory's path (its project moved since) counts
    with its project: a territory's projects are compared with the money sent to them."""
    elsewhere = sum(r["transferred_usd"] for r in q.priorities(world, _ref(world, "VE-M"), T0))
    f.transfer(world, "T-A1-ELSEWHERE", "P-A1-E1", "VE-M-C1", 1_000, T0 - timedelta(days=3))
    world.commit()
    power = _by_category(q.priorities(world, _ref(world, "VE-A-C1"), T0))["electricidad"]
    assert power["transferred_usd"] == 6_000 + 1_000
    assert sum(r["transferred_usd"] for r in q.priorities(world, _ref(world, "VE-M"), T0)) == (
        elsewhere
    )


def test_satisfied_demand_drops(world):
    """In C2 water had two completed projects and its cases fell: electricity, with fewer
    cases but no project, comes first, and water scores far below C1's water."""
    c2 = q.priorities(world, _ref(world, "VE-A-C2"), T0)
    assert [r["category"] for r in c2][:2] == ["electricidad", "agua"]
    water = _by_category(c2)["agua"]
    assert (water["demand"], water["open"], water["recent"]) == (11, 0, 1)
    assert water["completed_pct"] == 100.0
    assert water["score"] == pytest.approx(round(11 * 0.5 / (1 + 2), 1))  # trend at its floor
    assert "en descenso (1 en los últimos 30 días frente a 10 antes)" in water["reason"]
    c1_water = _by_category(q.priorities(world, _ref(world, "VE-A-C1"), T0))["agua"]
    assert water["score"] < c1_water["score"] / 10


def test_projects_without_demand_are_listed_with_score_zero(world):
    road = _by_category(q.priorities(world, _ref(world, "VE-A-C2"), T0))["vialidad"]
    assert (road["demand"], road["score"]) == (0, 0)
    assert (road["funded_projects"], road["in_progress"], road["stalled"]) == (3, 2, 1)
    assert road["reason"].startswith("ningún caso de vialidad en 60 días; 3 proyectos")


def test_rolled_up_to_the_estado_sums_its_circuitos_and_nothing_else(world):
    estado = _by_category(q.priorities(world, _ref(world, "VE-A"), T0))
    assert estado["agua"]["demand"] == 12 + 11
    assert estado["agua"]["open"] == 6
    assert estado["agua"]["funded_projects"] == 2
    assert estado["electricidad"]["demand"] == 2 + 6
    national = _by_category(q.priorities(world, None, T0))
    assert national["agua"]["demand"] == 12 + 11 + 2
    # the 2025-1 project of VE-M is older than the last four rounds
    assert national["agua"]["funded_projects"] == 2
    other = _by_category(q.priorities(world, _ref(world, "VE-M"), T0))
    assert set(other) == {"agua"} and other["agua"]["demand"] == 2


def test_as_of_moves_the_window(world):
    earlier = T0 - timedelta(days=20)
    water = _by_category(q.priorities(world, _ref(world, "VE-A-C1"), earlier))["agua"]
    # cases reported 20 to 80 days before T0 (ages 20, 25, 35, 40, 45, 50 and the old 70)
    assert water["demand"] == 7


def test_category_filter_keeps_one_category(world):
    rows = q.priorities(world, _ref(world, "VE-A"), T0, category="electricidad")
    assert [r["category"] for r in rows] == ["electricidad"]


def test_circuitos_of_an_estado_with_their_top_category(world):
    rows = q.by_territory(world, _ref(world, "VE-A"), T0)
    assert q.territory_level(_ref(world, "VE-A")) == "circuito"
    assert [(r["code"], r["top"]["category"]) for r in rows] == [
        ("VE-A-C1", "agua"),
        ("VE-A-C2", "electricidad"),
    ]
    assert rows[0]["parroquia"] == "VE-A-P1"
    assert rows[0]["demand"] == 12 + 2 + 3
    national = {r["code"]: r for r in q.by_territory(world, None, T0)}
    assert set(national) == {"VE-A", "VE-M"}
    assert national["VE-M"]["top"]["category"] == "agua"


def test_map_rows_are_one_level_below(world):
    rows = q.map_rows(world, _ref(world, "VE-A-P1"), T0)
    assert {r["code"] for r in rows} == {"VE-A-C1", "VE-A-C2"}
    assert [r["code"] for r in q.map_rows(world, _ref(world, "VE-A-C1"), T0)] == ["VE-A-C1"]


def test_circuitos_without_projects_in_the_last_rounds(world):
    result = q.without_projects(world, None, consulta_world.ROUNDS)
    assert result["total"] == 2
    assert [(r["code"], r["last_round"]) for r in result["rows"]] == [
        ("VE-M-C1", "2025-1"),
        ("VE-M-C2", None),
    ]
    assert q.without_projects(world, _ref(world, "VE-A"), consulta_world.ROUNDS)["total"] == 0


def test_stalled_continuity_projects(world):
    rows = q.stalled_continuity(world, None, T0)
    assert [(r["id"], r["previous_id"], r["previous_consulta"]) for r in rows] == [
        ("P-A2-V2", "P-A2-V1", "2026-1")
    ]
    assert rows[0]["days"] == 60
    assert q.stalled_continuity(world, _ref(world, "VE-M"), T0) == []


def test_seven_t_distribution_of_projects_and_needs(world):
    rows = {
        r["transformation"]: r
        for r in q.seven_t(world, _ref(world, "VE-A"), T0, consulta_world.ROUNDS)
    }
    assert rows[4]["label"] == "T4 · Social"
    # projects of the last rounds in VE-A: E1, E2, W1, W2, V1, V2 (T2) and V3 (T5)
    assert (rows[2]["projects"], rows[5]["projects"]) == (6, 1)
    assert rows[2]["projects_pct"] == pytest.approx(round(100 * 6 / 7, 1))
    # needs: water 23 + electricity 8 (T2), salud 3 (T4)
    assert (rows[2]["needs"], rows[4]["needs"]) == (31, 3)
    assert rows[4]["needs_pct"] == pytest.approx(round(100 * 3 / 34, 1))
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7]


def test_history_of_a_circuito_with_the_continuity_chain(world):
    history = q.circuito_history(world, _ref(world, "VE-A-C2"))
    assert [r["consulta"] for r in history] == ["2026-3", "2026-2", "2026-1", "2025-4"]
    projects = {p["id"]: p for r in history for p in r["projects"]}
    # in the order of the rounds that continued it
    assert projects["P-A2-V1"]["continued_by"] == ["P-A2-V3", "P-A2-V2"]
    assert projects["P-A2-V1"]["continued_in"] == ["2026-2", "2026-3"]
    assert projects["P-A2-V2"]["continuidad_of"] == "P-A2-V1"
    assert projects["P-A2-V2"]["continues"]["consulta"] == "2026-1"
    assert projects["P-A2-W1"]["continues"] is None
    assert projects["P-A2-V2"]["status_label"] == "Paralizado"
    assert q.circuito_history(world, _ref(world, "VE-A")) is None


def test_export_rows_per_circuito_in_priority_order(world):
    rows = q.export_rows(world, _ref(world, "VE-A"), T0)
    c1 = [r for r in rows if r[3] == "VE-A-C1"]
    assert [r[5] for r in c1] == [1, 2, 3]
    assert [r[6] for r in c1] == ["Agua", "Salud", "Electricidad"]
    assert {r[3] for r in rows} == {"VE-A-C1", "VE-A-C2"}
    assert len(rows[0]) == len(q.EXPORT_HEADERS)


def test_late_is_past_each_category_s_own_target_and_not_at_it(world):
    """Late means open and older than the category's target: a case exactly at its deadline
    is not late, one a second older is; targets differ per category (agua 5 h here,
    ayuda médica the fallback of "otros")."""
    at_deadline, past_it = T0 - timedelta(hours=5), T0 - timedelta(hours=5, seconds=1)
    f.case(world, "EDGE-at", "VE-M-CC2", "agua", "recibido", at_deadline)
    f.case(world, "EDGE-past", "VE-M-CC2", "agua", "recibido", past_it)
    f.case(world, "EDGE-med", "VE-M-CC2", "ayuda médica", "recibido", T0 - timedelta(hours=30))
    world.commit()
    ref = _ref(world, "VE-M-C2")
    rows = _by_category(q.priorities(world, ref, T0, targets={"agua": 5, "otros": 29}))
    assert (rows["agua"]["open"], rows["agua"]["late"]) == (2, 1)
    assert (rows["salud"]["open"], rows["salud"]["late"]) == (1, 1)
    rows = _by_category(q.priorities(world, ref, T0, targets={"agua": 4, "otros": 31}))
    assert (rows["agua"]["late"], rows["salud"]["late"]) == (2, 0)


@pytest.mark.parametrize("code", [None, "VE-A", "VE-A-P1"])
def test_one_read_for_every_level_equals_each_level_read_alone(world, code):
    """The page reads the cases and projects once, grouped by the finest level it shows,
    and adds them up for the others: the same rankings as reading each level apart."""
    ref = None if code is None else _ref(world, code)
    f.project(
        world, "P-M-PROGRESS", "VE-M-C1", "en_ejecucion", 5_000, 40,
        category="agua", consulta="2026-3", transformation=1,
    )  # fmt: skip
    world.commit()
    levels = (None, q.map_level(ref), q.territory_level(ref))
    shared = q.advice_levels(world, ref, T0, levels, targets={"agua": 100, "otros": 30})
    for level in levels:
        alone = q.advice(world, ref, T0, level, targets={"agua": 100, "otros": 30})
        assert shared[level].rankings == alone.rankings
        assert shared[level].rounds == alone.rounds
    assert shared[None].rankings[None]  # not an empty comparison
    assert len(shared[q.territory_level(ref)].rankings) >= 2


@pytest.mark.parametrize("category", [None, "agua"])
def test_territory_lists_carry_their_top_category_alone(world, category):
    """The page's map and table show each territory's top category: the same row and
    sentence as the whole ranking's first, and the same totals; the territory as a whole
    keeps every category."""
    ref = _ref(world, "VE-A")
    levels = (None, q.map_level(ref), q.territory_level(ref))
    path = q.advice_path(levels)
    rounds = q.recent_rounds(world)
    demand = q.demand_counts(world, ref, T0, path)
    supply = q.supply_counts(world, ref, T0, rounds, path)
    full = q.advice_of(demand, supply, levels, rounds, category)
    tops = q.advice_of(demand, supply, levels, rounds, category, every_category=False)
    assert tops[None].rankings == full[None].rankings
    for level in levels[1:]:
        assert tops[level].rankings.keys() == full[level].rankings.keys()
        assert tops[level].totals == full[level].totals
        for code, rows in tops[level].rankings.items():
            whole = full[level].rankings[code]
            assert rows == whole[:1] and rows[0]["reason"]
            assert tops[level].totals[code] == (
                sum(r["demand"] for r in whole),
                sum(r["open"] for r in whole),
                sum(r["funded_projects"] for r in whole),
            )
    several = any(len(rows) > 1 for rows in full["circuito"].rankings.values())
    assert several == (category is None)


@pytest.mark.parametrize("code", [None, "VE-A", "VE-A-P1", "VE-A-C1"])
def test_the_page_lists_the_same_territories_as_by_territory_alone(world, code):
    """The page reads the map's and the table's territories beside the counts
    (``places_of``) and builds only each one's top category: the rows are those of
    ``by_territory`` read on its own."""
    from callbacks.consulta import compute_main
    from core.filters import Filters
    from data.models import Territory
    from data.scope import NATIONAL

    world.get(Territory, "VE-A-P1").name = "Parroquia Uno"  # a name, not its code
    world.commit()
    targets = {"agua": 72, "otros": 30}
    data = compute_main((world, NATIONAL, Filters(territorio=code), T0), targets=targets)
    ref = None if code is None else _ref(world, code)
    for key, level in (("points", q.map_level(ref)), ("territories", q.territory_level(ref))):
        alone = q.by_territory(world, ref, T0, targets=targets, level=level)
        assert data[key] == alone, key
        assert alone and any(row["top"] for row in alone)
    if code == "VE-A":
        assert {row["parroquia"] for row in data["territories"]} == {"Parroquia Uno"}
