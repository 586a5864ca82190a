"""The shared UI components as pure functions: numbers, attributes, map features, figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import plotly.io as pio

from layouts.components import trend_figures as panorama
from layouts.components.kpi import delta, field_value, format_value, kpi_card
from layouts.components.summary_kpis import summary_cards
from layouts.components.territory_map import VENEZUELA_BOUNDS, features, fit_bounds

SUMMARY = {
    "territory": None,
    "territory_name": "Venezuela",
    "projects": {
        "total": 12_345,
        "by_status": {
            "aprobado": 1,
            "financiado": 2,
            "en_ejecucion": 3_456,
            "paralizado": 7,
            "culminado": 8_879,
        },
        "approved_usd": 337_400_000.0,
        "transferred_usd": 120_500_000.5,
        "avg_progress": 61.25,
    },
    "clap": {
        "date": "2026-11-23",
        "families_planned": 250_000,
        "families_served": 231_234,
        "coverage": 0.9249,
    },
    "cases": {
        "open": 1_234,
        "resolved_24h": 10,
        "median_hours_to_resolve_30d": 37.5,
        "open_by_category": {},
    },
    "incidents": {"last_24h": 140, "last_7d": 700, "by_type_24h": {}},
    "defense": {"units": 25, "avg_readiness": 66.4},
}


def walk(component: Any):
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def test_venezuelan_formats():
    assert format_value(1234.56, "decimal") == "1.234,6"
    assert format_value(1_234_567) == "1.234.567"
    assert format_value(0.9249, "ratio") == "92,5 %"
    assert format_value(66.4, "percent") == "66,4 %"
    assert format_value(37.5, "hours") == "37,5 h"
    assert format_value(337_400_000.0, "usd") == "USD 337,4 M"
    assert format_value(None) == "—"


def test_field_value_follows_dotted_paths():
    assert field_value(SUMMARY, "projects.by_status.en_ejecucion") == 3_456
    assert field_value(SUMMARY, "clap.nothing") is None
    assert field_value(SUMMARY, "clap.date.deeper") is None


def test_kpi_card_tags_its_value():
    card = kpi_card("Incidentes", "incidents.last_24h", 1_500)
    tagged = [c for c in walk(card) if "data-kpi" in c.to_plotly_json()["props"]]
    assert len(tagged) == 1
    props = tagged[0].to_plotly_json()["props"]
    assert props["data-kpi"] == "incidents.last_24h"
    assert props["data-value"] == "1500"
    assert props["children"] == "1.500"


def test_summary_cards_show_every_area_with_its_raw_value():
    tagged = {}
    for card in summary_cards(SUMMARY):
        for c in walk(card):
            props = c.to_plotly_json()["props"]
            if "data-kpi" in props:
                tagged[props["data-kpi"]] = (props["data-value"], props["children"])
    for field in (
        "projects.by_status.en_ejecucion",
        "projects.by_status.culminado",
        "projects.by_status.paralizado",
        "projects.transferred_usd",
        "projects.approved_usd",
        "clap.families_served",
        "clap.families_planned",
        "cases.open",
        "cases.median_hours_to_resolve_30d",
        "incidents.last_24h",
        "defense.avg_readiness",
    ):
        assert field in tagged, field
        assert float(tagged[field][0]) == float(field_value(SUMMARY, field))
    assert tagged["clap.families_served"][1] == "231.234"
    assert tagged["projects.transferred_usd"][1] == "USD 120,5 M"


def test_delta_arrow_and_colour():
    worse = delta(140, 100, "down", "vs. media")
    assert worse.children.startswith("▲ 40 %") and "bad" in worse.className
    better = delta(60, 100, "down", "vs. media")
    assert better.children.startswith("▼ 40 %") and "good" in better.className
    assert delta(5, 0, "up", "x") is None


def test_clap_today_compares_coverage_not_a_partial_days_count():
    """Right after midnight today has served 0 families of 0 reported: no "▼ 100 %" against
    the whole day a week ago; later its coverage is compared in points."""
    from core.filters import parse_filters
    from data.queries.clap import CATEGORIES
    from layouts.clap import kpi_cards
    from tests.layouts.test_pages_layouts import _walk

    def card(today: dict[str, Any]) -> Any:
        week = {"served": 50_000, "planned": 52_000, "coverage": 0.9615}
        zero = {"served": 0, "planned": 0, "coverage": None, "bags": 0, "kg": 0, "batches": 0}
        k = {
            "today": today,
            "same_day_last_week": week,
            "month": zero,
            "previous_month": zero,
            "period": {**zero, "committees": 0},
            "previous_period": zero,
            "committees": {"total": 0, "missing": 0, "late": 0},
        }
        return kpi_cards(k, parse_filters({}, CATEGORIES).filters)[0]

    midnight = str(card({"served": 0, "planned": 0, "coverage": None}))
    assert "▼" not in midnight and "100 %" not in midnight
    morning = card({"served": 900, "planned": 1_000, "coverage": 0.9})
    found = [c for c in _walk(morning) if "kpi-delta" in (getattr(c, "className", "") or "")]
    assert [c.children for c in found] == ["▼ 6,2 puntos de cobertura vs. hace 7 días"]
    assert "bad" in found[0].className


def row(code: str, **values: Any) -> dict[str, Any]:
    base = {
        "code": code,
        "name": f"Estado {code}",
        "level": "estado",
        "lat": 10.0,
        "lon": -66.0,
        "clap_planned": 0,
        "clap_served": 0,
        "clap_coverage": None,
        "cases_open": 0,
        "incidents_24h": 0,
        "projects_total": 0,
        "projects_en_ejecucion": 0,
        "projects_paralizado": 0,
        "projects_culminado": 0,
        "projects_avg_progress": None,
        "defense_units": 0,
        "defense_readiness": None,
    }
    return {**base, **values}


def test_map_features_status_and_size():
    rows = [
        row("A", clap_planned=200, clap_served=100, clap_coverage=0.5, incidents_24h=10),
        row("B", clap_planned=50, clap_served=50, clap_coverage=1.0, incidents_24h=0),
        row("C"),
        row("D", lat=None),  # no coordinates: not drawn
    ]
    clap = {f["id"]: f["properties"] for f in features(rows, "clap")["features"]}
    assert set(clap) == {"A", "B", "C"}
    assert (clap["A"]["status"], clap["A"]["size"]) == (0.5, 1.0)
    assert (clap["B"]["status"], clap["B"]["size"]) == (1.0, 0.25)
    assert clap["C"]["status"] is None  # no deliveries planned: "sin datos"
    assert "Estado A" in clap["A"]["tooltip"] and "100 / 200" in clap["A"]["tooltip"]
    paz = {f["id"]: f["properties"] for f in features(rows, "paz")["features"]}
    assert paz["A"]["status"] == 0.0 and paz["B"]["status"] == 1.0


def test_fit_bounds():
    collection = features([row("A", lat=10.0, lon=-67.0), row("B", lat=11.0, lon=-66.0)], "clap")
    assert fit_bounds(collection, national=True) == VENEZUELA_BOUNDS
    (south, west), (north, east) = fit_bounds(collection, national=False)
    assert south < 10.0 < 11.0 < north and west < -67.0 < -66.0 < east
    assert fit_bounds({"features": []}, national=False) == VENEZUELA_BOUNDS


def annotations(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_figures_say_so_in_spanish_when_empty():
    today = date(2026, 11, 23)
    days = [today - timedelta(days=n) for n in range(3)]
    empty_clap = [{"day": d, "planned": 0, "served": 0, "coverage": None} for d in days]
    assert annotations(panorama.clap_figure(empty_clap)) == [
        "Sin entregas CLAP en los últimos 30 días"
    ]
    empty_cases = [{"day": d, "opened": 0, "resolved": 0} for d in days]
    assert "Sin casos" in annotations(panorama.cases_figure(empty_cases))[0]
    assert "Sin incidentes" in annotations(panorama.incidents_figure([0] * 24))[0]
    assert "Sin proyectos" in annotations(panorama.projects_figure(dict.fromkeys("ab", 0)))[0]


def test_figures_carry_the_data_and_scale_their_type():
    hours = [0] * 24
    hours[22] = 5
    fig = panorama.incidents_figure(hours, scale=2.0)
    assert list(fig.data[0].y) == hours
    assert fig.layout.font.size == 30
    assert fig.layout.separators == ",."
    fig = panorama.projects_figure(SUMMARY["projects"]["by_status"])
    assert list(fig.data[0].x) == [1, 2, 3_456, 7, 8_879]
    pio.to_json(fig)  # serialisable as Dash sends it


def test_record_table_is_one_component_of_text_cells():
    from layouts.components.record_table import RecordTable, record_table

    table = record_table(
        ["Caso", ("Días", "num")],
        [["C-1", ("12", "num bad")], [None, (3, "num")], ["<b>x</b>", ""]],
        "Sin casos",
    )
    assert isinstance(table, RecordTable)
    props = table.to_plotly_json()["props"]
    assert props["headers"] == [["Caso", ""], ["Días", "num"]]
    # every cell is [text, class]: missing values show a dash; markup stays text
    assert props["rows"] == [
        [["C-1", ""], ["12", "num bad"]],
        [["—", ""], ["3", "num"]],
        [["<b>x</b>", ""], ["—", ""]],
    ]
    assert table.to_plotly_json()["namespace"] == "sala_components"


def test_record_table_without_rows_is_the_empty_state():
    from layouts.components.record_table import RecordTable, record_table

    empty = record_table(["Caso"], [], "Sin casos", "en este territorio")
    assert not isinstance(empty, RecordTable)
    assert "Sin casos" in str(empty.to_plotly_json())


def test_map_tooltips_show_names_as_text_not_markup():
    from layouts.components.map_points import tooltip_table

    tip = tooltip_table('<img src=x onerror="alert(1)">', [("Casos", 12), ("<b>", "a & b")], "<i>")
    assert "<img" not in tip and "<b>" not in tip and "<i>" not in tip
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in tip
    assert "<td>12</td>" in tip and "a &amp; b" in tip


def test_the_header_is_served_with_the_caracas_time_and_date_the_clock_would_write():
    """The clock has its text (and width) at the first paint, written as assets/clock.js
    writes it every second, so the navigation beside it does not re-wrap (layout shift)."""
    from datetime import UTC, datetime

    from auth.principal import LOCAL_ADMIN
    from layouts.shell import clock_text, header

    now = datetime(2026, 12, 3, 12, 5, 9, tzinfo=UTC)
    assert clock_text(now) == ("08:05:09", "jueves, 3 de diciembre de 2026")
    assert clock_text(datetime(2026, 1, 1, 2, 0, tzinfo=UTC)) == (
        "22:00:00",
        "miércoles, 31 de diciembre de 2025",
    )
    texts = {}

    def walk(c):
        if getattr(c, "id", None) in ("clock-time", "clock-date"):
            texts[c.id] = c.children
        kids = getattr(c, "children", None)
        for k in kids if isinstance(kids, list) else []:
            walk(k)

    walk(header(LOCAL_ADMIN, now))
    assert texts == {"clock-time": "08:05:09", "clock-date": "jueves, 3 de diciembre de 2026"}
