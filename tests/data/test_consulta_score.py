"""The Consulta priority score and its reason, as pure functions (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.consulta_categories import CASE_TO_PROJECT, NEEDS, UNMAPPED_CASE_CATEGORIES
from data.queries.consulta import (
    Demand,
    Supply,
    _demand,
    _supply,
    ranked,
    reason,
    score,
    top_of,
    trend,
)
from data.seed.names import CASE_CATEGORIES, PROJECT_CATEGORIES


def test_score_is_need_times_trend_over_one_plus_supply():
    # need = 10 received + 6 open + 2 late = 18; trend = (7 + 2) / (3 + 2) = 1.8;
    # supply = 1 completed + 0.5 × 2 in progress = 2  →  18 × 1.8 / 3 = 10.8
    d = Demand(received=10, open=6, late=2, recent=7)
    s = Supply(projects=4, completed=1, in_progress=2, stalled=1)
    assert score(d, s) == pytest.approx(10.8)


def test_no_demand_scores_zero_whatever_the_supply():
    assert score(Demand(), Supply()) == 0
    assert score(Demand(), Supply(projects=3, stalled=3)) == 0


def test_trend_is_limited_both_ways():
    assert trend(Demand(received=100, recent=100)) == 2.0  # all cases in the recent half
    assert trend(Demand(received=100, recent=0)) == 0.5
    assert trend(Demand(received=10, recent=5)) == 1.0


def test_more_open_or_late_cases_raise_the_score():
    base = Demand(received=10, open=2, late=0, recent=5)
    assert score(Demand(10, 5, 0, 5), Supply()) > score(base, Supply())
    assert score(Demand(10, 2, 2, 5), Supply()) > score(base, Supply())


def test_completed_projects_lower_it_more_than_running_ones_and_paralysed_not_at_all():
    d = Demand(received=20, open=10, late=5, recent=10)
    none = score(d, Supply())
    assert score(d, Supply(projects=2, stalled=2)) == none  # failed supply is no supply
    running = score(d, Supply(projects=2, in_progress=2))
    done = score(d, Supply(projects=2, completed=2))
    assert none > running > done


def test_satisfied_demand_drops_below_unanswered_demand():
    """Water had its projects completed and its cases fell; electricity has fewer cases but
    no project at all: electricity comes first."""
    water = (Demand(received=14, open=1, late=0, recent=2), Supply(projects=2, completed=2))
    power = (Demand(received=8, open=3, late=1, recent=4), Supply())
    rows = ranked({"agua": water[0], "electricidad": power[0]}, {"agua": water[1]})
    assert [r["category"] for r in rows] == ["electricidad", "agua"]
    assert rows[0]["score"] > rows[1]["score"]


def test_ranking_ties_break_by_demand_then_name_and_keeps_only_the_filter():
    same = Demand(received=4, recent=2)
    rows = ranked({"gas": same, "agua": same, "vialidad": Demand(received=2, open=2, recent=1)}, {})
    assert [r["category"] for r in rows] == ["agua", "gas", "vialidad"]
    assert [r["category"] for r in ranked({"gas": same, "agua": same}, {}, only="gas")] == ["gas"]


def test_reason_states_the_numbers_of_the_score():
    text = reason("agua", Demand(received=40, open=25, late=8, recent=20), Supply(), 60, 4)
    assert text == (
        "40 casos de agua en 60 días, 25 abiertos (8 fuera de plazo); "
        "ningún proyecto de agua en las últimas 4 consultas"
    )
    text = reason(
        "salud",
        Demand(received=30, open=0, recent=25),
        Supply(projects=3, completed=1, in_progress=1, stalled=1),
        60,
        4,
    )
    assert text.startswith("30 casos de salud o ayuda médica en 60 días, todos atendidos")
    assert "en aumento (25 en los últimos 30 días frente a 5 antes)" in text
    assert text.endswith(
        "3 proyectos en las últimas 4 consultas: 1 culminado, 1 en curso, 1 paralizado"
    )
    falling = reason("gas", Demand(received=12, recent=2), Supply(), 60, 1)
    assert "en descenso (2 en los últimos 30 días frente a 10 antes)" in falling
    assert falling.endswith("ningún proyecto de gas en la última consulta")
    assert "en aumento" not in reason("gas", Demand(received=4, recent=3), Supply(), 60, 4)


def test_reason_when_the_1x10_does_not_measure_the_need():
    text = reason("deporte", Demand(), Supply(projects=2, completed=2), 60, 4)
    assert text.startswith("el 1x10 no mide la necesidad de deporte")


def test_the_mapping_covers_every_category_of_both_vocabularies_once():
    """Every 1x10 category maps to exactly one project category (or is declared unmapped),
    and every project category the field systems use is in the table."""
    for category in CASE_CATEGORIES:
        assert (category in CASE_TO_PROJECT) != (category in UNMAPPED_CASE_CATEGORIES), category
    assert set(PROJECT_CATEGORIES) <= set(NEEDS)
    assert all(1 <= need.transformation <= 7 for need in NEEDS.values())
    assert CASE_TO_PROJECT["ayuda médica"] == "salud"
    assert CASE_TO_PROJECT["alimentación"] == "agrícola"


_COUNT = st.integers(min_value=0, max_value=40)
_NEEDS = st.dictionaries(
    st.sampled_from(["agua", "salud", "vialidad", "gas"]),
    st.tuples(_COUNT, _COUNT, _COUNT, _COUNT).map(
        lambda t: [t[0] + t[3], min(t[1], t[0] + t[3]), min(t[2], t[1]), t[3]]
    ),  # received >= recent, open <= received, late <= open
)
_FUNDED = st.dictionaries(
    st.sampled_from(["agua", "salud", "vialidad", "electricidad"]),
    st.tuples(_COUNT, _COUNT, _COUNT, _COUNT).map(
        lambda t: [t[0] + t[1] + t[2], 1000.0 * t[0], 500.0 * t[1], t[0], t[1], t[2], t[3], 0.0, 0]
    ),
)


@given(needs=_NEEDS, funded=_FUNDED, only=st.sampled_from([None, "agua", "gas"]))
def test_a_territory_top_category_is_the_first_of_its_whole_ranking(needs, funded, only):
    """top_of scores every category with the formula written out in its loop (the page scores
    ~8,600 of them per estado): its row must be the first row of ranked(), ties included."""
    demand = {name: _demand(v) for name, v in needs.items()}
    supply = {name: _supply(v) for name, v in funded.items()}
    whole = ranked(demand, supply, only)
    top = top_of(needs, funded, only)
    assert top == (whole[0] if whole else None)
