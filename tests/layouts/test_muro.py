"""Wall mode: URL parameters, bounded content, KPI tags shared with ``/``."""

from __future__ import annotations

from layouts import muro
from layouts.live import TICKER_SIZE, ticker


def test_defaults_show_the_six_panels_without_rotation() -> None:
    config = muro.parse({})
    assert config.steps == [{"territory": None, "panels": list(muro.DEFAULT_PANELS)}]
    assert (config.rotate_s, config.stale_after_s) == (0, muro.DEFAULT_STALE_S)


def test_playlist_is_territories_times_panel_sets() -> None:
    config = muro.parse(
        {"paneles": "mapa,CLAP|casos;paz", "territorios": "VE-A, VE-M", "rotar": "30"}
    )
    assert config.steps == [
        {"territory": "VE-A", "panels": ["mapa", "clap"]},
        {"territory": "VE-A", "panels": ["casos"]},
        {"territory": "VE-A", "panels": ["paz"]},
        {"territory": "VE-M", "panels": ["mapa", "clap"]},
        {"territory": "VE-M", "panels": ["casos"]},
        {"territory": "VE-M", "panels": ["paz"]},
    ]
    assert config.rotate_s == 30
    assert config.step(7) == config.steps[1]


def test_bad_values_fall_back_instead_of_failing() -> None:
    config = muro.parse({"rotar": "rápido", "sin_datos": "-5", "paneles": "|,|"})
    assert config.rotate_s == 0 and config.stale_after_s == 0
    assert config.steps[0]["panels"] == list(muro.DEFAULT_PANELS)
    assert muro.parse({"rotar": "1"}).rotate_s == muro.MIN_ROTATE_S
    assert muro.parse({"paneles": "casos,clap,casos"}).steps[0]["panels"] == ["casos", "clap"]


def test_kpi_values_carry_the_summary_path_and_raw_value() -> None:
    summary = {"cases": {"open": 1234, "resolved_24h": 5, "median_hours_to_resolve_30d": 2.5}}
    fields = ["cases.open", "cases.median_hours_to_resolve_30d", "clap.coverage"]
    texts, raws = muro.kpi_values(fields, summary)
    assert texts == ["1.234", "2,5 h", "—"]
    assert raws == ["1234", "2.5", ""]
    value = muro.kpi("Casos abiertos", "cases.open").children[1].to_plotly_json()["props"]
    assert (value["data-kpi"], value["id"]) == (
        "cases.open",
        {"type": "muro-kpi", "field": "cases.open"},
    )
    every_field = [f for rows in muro.KPIS.values() for _, f, _, _ in rows]
    assert len(every_field) == len(set(every_field))  # ids are unique on the wall


def test_ticker_and_map_are_bounded() -> None:
    items = [{"id": str(i), "dataset": "cases", "estado_code": "VE-A"} for i in range(100)]
    assert len(ticker(items, {"VE-A": "Distrito Capital"})) == TICKER_SIZE
    rows = [
        {"name": str(i), "lat": 10.0, "lon": -66.0, "cases_open": i, "incidents_24h": 0}
        for i in range(1000)
    ]
    recent = [{"lat": 10.0, "lon": -66.0, "label": "x"}] * 50
    assert len(muro.map_features(rows, recent, max_points=400)["features"]) == 400


def test_wall_map_tooltips_are_text_not_markup():
    rows = [
        {"name": "<b>Zulia</b>", "lat": 10.6, "lon": -71.6, "cases_open": 3, "incidents_24h": 1}
    ]
    recent = [{"lat": 10.6, "lon": -71.6, "label": "<img src=x onerror=alert(1)>"}]
    tips = [f["properties"]["tooltip"] for f in muro.map_features(rows, recent)["features"]]
    assert tips[0].startswith("&lt;b&gt;Zulia&lt;/b&gt;: 3 casos abiertos")
    assert tips[1] == "&lt;img src=x onerror=alert(1)&gt;"
