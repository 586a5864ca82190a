"""Wall mode: URL parameters, bounded content, KPI tags shared with ``/``."""

from __future__ import annotations

from core.thresholds import THRESHOLDS
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


# ---- judged panels: the data-state contract, thresholds from core/thresholds

STATES = {"bien", "regular", "mal", "sin-datos"}


def _props(component) -> list[dict]:
    """Every component's props in a Dash tree (depth first)."""
    found = []
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            props = node.to_plotly_json()["props"]
            found.append(props)
            stack.append(props.get("children"))
    return found


def _summary(coverage: float | None, readiness: float | None, day: int, week: int) -> dict:
    return {
        "clap": {"families_served": 90, "families_planned": 100, "coverage": coverage},
        "cases": {"open": 10, "resolved_24h": 1, "median_hours_to_resolve_30d": 3.0},
        "incidents": {"last_24h": day, "last_7d": week},
        "projects": {"by_status": {"en_ejecucion": 4}, "total": 9, "transferred_usd": 1.0},
        "defense": {"avg_readiness": readiness, "units": 3},
    }


def _trends(late_share: float | None, stopped_share: float | None) -> dict:
    return {
        "clap_coverage": [0.5, 0.95, 0.875],
        "cases_opened": [1, 2, 3],
        "cases_late": {"open": 10, "late": 1, "share": late_share},
        "incidents_hourly": [0] * 24,
        "transfers_daily": [0.0] * 30,
        "projects": {"active": 10, "stopped": 1, "share": stopped_share},
        "defense_bands": {"bien": 1, "regular": 1, "mal": 1},
    }


def test_every_wall_kpi_carries_an_allowed_state_loaded_or_not() -> None:
    worst = [{"code": "VE-A", "name": "Distrito Capital", "value": 0.4}]
    bodies = [muro.panel_body(name, None) for name in muro.KPIS]
    bodies += [
        muro.panel_body(name, _summary(0.5, 70.0, 9, 12), _trends(0.3, 0.01), worst)
        for name in muro.KPIS
    ]
    bodies += [muro.failed_body(name) for name in muro.KPIS]
    for body in bodies:
        kpis = [p for p in _props(body) if "data-kpi" in p]
        assert len(kpis) == 1  # one headline per panel
        assert kpis[0]["data-state"] in STATES


def test_panels_are_judged_by_the_thresholds_module() -> None:
    clap, readiness = THRESHOLDS["clap_coverage"], THRESHOLDS["defense_readiness"]
    late, stalled = THRESHOLDS["cases_late_share"], THRESHOLDS["projects_stalled_share"]
    good = _summary(clap.good, readiness.good, 6, 42)  # incidents: 6 today, usual 6 a day
    bad = _summary(clap.fair - 0.01, readiness.fair - 1, 60, 96)  # 60 vs usual 6
    trends_good, trends_bad = _trends(late.good, stalled.good), _trends(late.fair + 0.1, 0.9)
    for name in muro.KPIS:
        assert muro.judge(name, good, trends_good).state == "bien", name
        assert muro.judge(name, bad, trends_bad).state == "mal", name
        assert muro.judge(name, None, None).state == "sin-datos"
    assert muro.judge("clap", _summary(None, 1.0, 0, 0), None).state == "sin-datos"


def test_the_comparison_speaks_spanish_numbers() -> None:
    s = _summary(0.875, 70.0, 60, 96)
    assert muro.judge("clap", s, _trends(0.1, 0.1)).compare == "87,5 % del plan · ayer 95,0 %"
    no_plan_yesterday = {**_trends(0.1, 0.1), "clap_coverage": [0.5, None, 0.875]}
    assert muro.judge("clap", s, no_plan_yesterday).compare == "87,5 % del plan"
    midnight = {**_trends(0.1, 0.1), "clap_coverage": [0.5, 0.95, None]}
    nothing_yet = muro.judge("clap", _summary(None, 70.0, 1, 7), midnight)
    assert (nothing_yet.state, nothing_yet.compare) == (
        "sin-datos",
        "aún sin entregas hoy · ayer 95,0 %",
    )
    assert muro.judge("paz", s, None).compare.startswith("▲ 900 % sobre lo habitual")
    # Its goal is said in the same terms, so a green "▲ 6 %" reads as within it.
    assert muro.judge("paz", s, None).detail == "habitual 6,0 al día · meta ≤ +10 %"
    assert muro.judge("defensa", s, None).compare == "10,0 puntos bajo la meta"
    rare = _summary(0.9, 80.0, 2, 3)  # 2 today against 1 in the 6 days before
    assert muro.judge("paz", rare, None).compare == "▲ 1,8 más que lo habitual"
    assert muro.judge("defensa", rare, None).compare == "en la meta"


def test_worst_territories_are_named_and_judged() -> None:
    worst = [{"code": "VE-V", "name": "Zulia", "value": 0.42}]
    body = muro.panel_body("clap", _summary(0.5, 70.0, 1, 7), _trends(0.1, 0.1), worst)
    rows = [p for p in _props(body) if p.get("data-territory")]
    assert [r["data-territory"] for r in rows] == ["VE-V"]
    texts = [p.get("children") for p in _props(body)]
    assert "Zulia" in texts and "42,0 %" in texts


def test_the_ticker_keeps_only_events_of_the_territory_shown() -> None:
    items = [
        {"id": "1", "estado_code": "VE-V", "municipio_code": "VE-V-M1"},
        {"id": "2", "estado_code": "VE-A", "municipio_code": "VE-A-M1"},
    ]
    assert [i["id"] for i in muro.ticker_in(items, "estado", "VE-V")] == ["1"]
    assert [i["id"] for i in muro.ticker_in(items, "municipio", "VE-A-M1")] == ["2"]
    assert muro.ticker_in(items, None, None) == items


def test_a_display_screen_gets_a_kiosk_shell() -> None:
    from auth.principal import LOCAL_ADMIN, Principal, reset_principal, set_principal
    from layouts.shell import shell

    def ids_and_classes(principal) -> tuple[set, str]:
        token = set_principal(principal)
        try:
            props = _props(shell())
        finally:
            reset_principal(token)
        return {p.get("id") for p in props}, " ".join(str(p.get("className")) for p in props)

    ids, classes = ids_and_classes(Principal("SALA-1", "pantalla", None, kind="display"))
    assert not {"user-box", "demo-banner", "logout-link"} & ids
    assert "nav-link" not in classes and "kiosk" in classes
    ids, classes = ids_and_classes(LOCAL_ADMIN)  # everyone else keeps the chrome
    assert {"user-box", "demo-banner"} <= ids and "nav-link" in classes


# ---- the map: estados as filled shapes, judged by the thresholds of the legend


def test_wall_map_fills_shapes_and_colours_by_the_clap_threshold():
    from core.thresholds import STATE_COLOUR, THRESHOLDS, colour

    square = {"type": "Polygon", "coordinates": [[[-67, 10], [-66, 10], [-66, 11], [-67, 10]]]}
    t = THRESHOLDS[muro.MAP_THRESHOLD]
    rows = [
        {
            "name": "A",
            "lat": 10.5,
            "lon": -66.5,
            "cases_open": 4,
            "incidents_24h": 0,
            "clap_coverage": t.good,
            "geometry": square,
        },
        {
            "name": "B",
            "lat": 9.0,
            "lon": -64.0,
            "cases_open": 2,
            "incidents_24h": 0,
            "clap_coverage": t.fair - 0.01,
        },
        {
            "name": "C",
            "lat": 8.0,
            "lon": -63.0,
            "cases_open": 0,
            "incidents_24h": 0,
            "clap_coverage": None,
        },
    ]
    shape, marker, empty = muro.map_features(rows, [])["features"]
    assert shape["geometry"] == square  # the estado's own outline, not a bubble
    assert marker["geometry"]["type"] == empty["geometry"]["type"] == "Point"
    assert shape["properties"]["color"] == STATE_COLOUR["bien"]
    assert marker["properties"]["color"] == colour(muro.MAP_THRESHOLD, t.fair - 0.01)
    assert marker["properties"]["color"] == STATE_COLOUR["mal"]
    assert empty["properties"]["color"] == STATE_COLOUR["sin-datos"]


def test_wall_map_legend_shows_the_threshold_bands():
    from core.thresholds import THRESHOLDS

    legend = str(muro.map_legend().to_plotly_json())
    assert "Cobertura CLAP" in legend
    for band in THRESHOLDS[muro.MAP_THRESHOLD].bands():
        assert band in legend
    assert "sin datos" in legend and "evento" in legend
