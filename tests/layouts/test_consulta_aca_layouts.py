"""``/consulta`` and ``/aca`` layouts and figures: pure, human labels, Spanish empty states."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from core.config import load_settings
from data.transformations import LABELS
from layouts import aca, casos, consulta
from layouts.components.filter_bar import filters_id
from tests.layouts.test_pages_layouts import _find, _walk


def _texts(component: Any) -> str:
    return json.dumps(component.to_plotly_json(), default=str, ensure_ascii=False)


def _row(category: str, score: float, projects: int = 0) -> dict[str, Any]:
    return {
        "category": category,
        "label": category.capitalize(),
        "score": score,
        "funded_projects": projects,
        "stalled": 0,
        "demand": 10,
        "open": 2,
        "late": 1,
        "funded_usd": 0,
        "completed_pct": None,
        "reason": f"10 casos de {category} en 60 días",
    }


@pytest.mark.parametrize(("module", "page"), [(consulta, "consulta"), (aca, "aca")])
def test_layout_carries_the_url_filters_and_the_export(module, page):
    category = "agua" if page == "consulta" else "T4"
    tree = module.layout({"territorio": "VE-A", "categoria": category}, load_settings())
    store = _find(tree, filters_id(page))
    assert store.data["params"] == {"territorio": "VE-A", "categoria": category}
    links = [c for c in _walk(tree) if getattr(c, "className", "") == "export-link"]
    assert links and all(f"?territorio=VE-A&categoria={category}" in a.href for a in links)


def test_consulta_exports_the_priorities_and_aca_its_table():
    tree = consulta.layout({}, load_settings())
    assert [a.href for a in _walk(tree) if getattr(a, "className", "") == "export-link"] == [
        "/exportar/prioridades.csv"
    ]
    tree = aca.layout({}, load_settings())
    assert [a.href for a in _walk(tree) if getattr(a, "className", "") == "export-link"] == [
        "/exportar/aca.csv"
    ]


def test_consulta_states_its_fixed_period_instead_of_offering_buttons_that_do_nothing():
    """Its needs window and rounds never follow the bar's period (as in the API): a "30 días"
    button lit above "casos de 60 días" said otherwise."""
    tree = consulta.layout({"rango": "7d"}, load_settings())
    fixed = [c for c in _walk(tree) if getattr(c, "className", "") == "flt-fixed-period"]
    assert [c.children for c in fixed] == [
        "casos 1x10 de los últimos 60 días · proyectos de las últimas 4 consultas"
    ]
    assert _find(tree, "flt-rango").style == {"display": "none"}  # kept for the callbacks
    others = casos.layout({}, load_settings())  # a page whose numbers follow the period
    assert not [c for c in _walk(others) if getattr(c, "className", "") == "flt-fixed-period"]
    assert _find(others, "flt-rango").style is None


def test_aca_states_that_it_shows_the_current_state_not_a_period():
    """Actions are a state (data/queries/aca.py reads no date range): its bar showed a lit
    "30 días" that changed nothing."""
    tree = aca.layout({"rango": "7d"}, load_settings())
    fixed = [c for c in _walk(tree) if getattr(c, "className", "") == "flt-fixed-period"]
    assert [c.children for c in fixed] == ["estado actual de cada acción"]
    assert _find(tree, "flt-rango").style == {"display": "none"}


def test_the_7t_filter_names_each_transformation_in_full():
    options = _find(aca.layout({}, load_settings()), "flt-categoria").options
    assert [o["label"] for o in options] == list(LABELS.values())
    assert options[3] == {"label": "T4 · Social", "value": "T4"}


@pytest.mark.parametrize(
    ("figure", "data"),
    [
        (consulta.ranking_figure, []),
        (consulta.seven_t_figure, [{"projects": 0, "needs": 0, "label": "T1 · Económica"}]),
        (aca.territory_figure, []),
        (aca.transformation_figure, [{"total": 0, "label": "T1 · Económica"}]),
    ],
)
def test_empty_figures_say_so_without_axes(figure, data):
    fig = figure(data)
    assert fig.layout.annotations[0].text.startswith("Sin")
    assert fig.layout.xaxis.visible is False


def test_7t_charts_name_each_transformation_in_full():
    rows = [
        {
            "transformation": t,
            "label": label,
            "projects": t,
            "projects_pct": 10.0,
            "needs": 1,
            "needs_pct": 5.0,
            "approved_usd": 0,
        }
        for t, label in LABELS.items()
    ]
    names = {
        n.replace("<br>", " ") for trace in consulta.seven_t_figure(rows).data for n in trace.y
    }
    assert names == set(LABELS.values())
    actions = [
        {
            "transformation": t,
            "label": label,
            "total": 3,
            "overdue": 1,
            "by_status": {"pendiente": 1, "en_curso": 1, "cumplida": 1, "cancelada": 0},
            "overdue_by_status": {"pendiente": 1, "en_curso": 0},
        }
        for t, label in LABELS.items()
    ]
    fig = aca.transformation_figure(actions)
    assert {n.replace("<br>", " ") for n in fig.data[0].y} == set(LABELS.values())
    assert "en_curso" not in {trace.name for trace in fig.data}
    # the overdue ones are drawn apart, not twice
    pending = next(t for t in fig.data if t.name == "Pendiente")
    assert list(pending.x) == [0] * 7


def test_ranking_colours_say_whether_anything_was_funded():
    fig = consulta.ranking_figure([_row("agua", 30.0), _row("gas", 5.0, projects=2)])
    by_name = {trace.name: list(trace.y) for trace in fig.data}
    assert by_name == {
        "Sin proyectos en 4 consultas": ["Agua"],
        "Con proyectos en 4 consultas": ["Gas"],
    }
    assert list(fig.layout.yaxis.categoryarray) == ["Gas", "Agua"]  # highest on top


def test_lists_use_human_labels_and_explain_empty_states():
    overdue = aca.overdue_list(
        [
            {
                "title": "Jornada",
                "transformation": 3,
                "owner": "Vocería",
                "territory": "Circuito",
                "status": "en_curso",
                "due_on": date(2026, 11, 1),
                "days_late": 19,
            }
        ]
    )
    text = _texts(overdue)
    assert "En curso" in text and "en_curso" not in text
    assert "T3 · Seguridad, defensa e integridad territorial" in text
    assert "01/11/2026" in text
    assert "Ninguna acción vencida" in _texts(aca.overdue_list([]))
    assert "Elija un circuito comunal" in _texts(consulta.history_view(None))
    assert "aún no tiene proyectos" in _texts(consulta.history_view([]))
    project = {
        "title": "Muro de contención",
        "category": "estabilización de taludes",
        "transformation": 2,
        "status_label": "Paralizado",
        "progress": 20.0,
        "approved_usd": 10_000,
        "transferred_usd": 6_000,
        "continuidad_of": "P-2026-1-X",
        "continues": {"id": "P-2026-1-X", "consulta": "2026-1", "title": "Muro", "status": "x"},
        "continued_in": ["2026-4"],
    }
    history = _texts(consulta.history_view([{"consulta": "2026-3", "projects": [project]}]))
    assert "continúa el proyecto de la consulta 2026-1" in history
    assert "continuado en la consulta 2026-4" in history
    assert "P-2026-1-X" not in history  # a chain in words, not raw codes
    assert "Estabilización de taludes" in history and "T2 · Ciudades humanas" in history
    reasons = _texts(consulta.reasons_list([_row("agua", 30.0)]))
    assert "10 casos de agua en 60 días" in reasons
    empty = _texts(consulta.without_list({"total": 0, "rows": []}))
    assert "Todos los circuitos tuvieron proyecto" in empty


def test_map_points_colour_the_most_urgent_red():
    rows = [
        {"code": "VE-A", "name": "A", "lat": 10, "lon": -66, "level": "estado", "demand": 9,
         "projects": 1, "score": 40.0, "top": _row("agua", 40.0)},
        {"code": "VE-M", "name": "M", "lat": 10, "lon": -67, "level": "estado", "demand": 3,
         "projects": 1, "score": 10.0, "top": _row("gas", 10.0)},
        {"code": "VE-X", "name": "X", "lat": 10, "lon": -67, "level": "estado", "demand": 0,
         "projects": 0, "score": None, "top": None},
    ]  # fmt: skip
    status = {p["id"]: p["properties"]["status"] for p in consulta.map_features(rows)["features"]}
    assert status == {"VE-A": 0.0, "VE-M": 0.75, "VE-X": None}


def test_proyectos_names_the_7t_in_full_too():
    from layouts import proyectos

    rows = [
        {"transformation": t, "label": label, "count": t, "approved_usd": 1_000.0}
        for t, label in LABELS.items()
    ]
    names = {n.replace("<br>", " ") for n in proyectos.transformation_figure(rows).data[0].y}
    assert names == set(LABELS.values())


def test_the_territory_table_shows_the_first_hundred_and_points_to_the_export():
    def place(i: int) -> dict[str, Any]:
        top = _row("agua", 200.0 - i)
        return {"code": f"C{i}", "name": f"Circuito {i}", "parroquia": "P", "top": top,
                "demand": 10, "projects": 0}  # fmt: skip

    table = consulta.territories_list([place(i) for i in range(130)], "circuito")
    props = table.to_plotly_json()["props"]
    assert len(props["rows"]) == consulta.TERRITORY_ROWS == 100
    assert props["row_ids"] == [f"C{i}" for i in range(100)]  # the highest scores
    assert props["footer"].startswith("… y 30 más") and "Exportar CSV" in props["footer"]
    few = consulta.territories_list([place(i) for i in range(3)], "circuito")
    assert len(few.to_plotly_json()["props"]["rows"]) == 3
    assert "footer" not in few.to_plotly_json()["props"]
    rest = {"code": "X", "name": "Circuito X", "parroquia": "P", "last_round": None}
    without = consulta.without_list({"total": 51, "rows": [rest] * 50}).to_plotly_json()
    assert without["props"]["footer"] == "… y 1 más"
    assert len(without["props"]["rows"]) == len(without["props"]["row_ids"]) == 50
