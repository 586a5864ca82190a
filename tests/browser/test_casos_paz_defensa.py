"""``/casos``, ``/paz`` and ``/defensa`` in headless Chromium: no console errors, numbers that
match the database (counted here with plain SQL), filters in the URL and map drill-down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.db import make_engine
from data.models import CitizenCase, DefenseUnit, Incident
from tests.browser.conftest import console_errors, show_deferred

PAGES = {
    "/casos": ("casos.reported", 6),
    "/paz": ("paz.incidents", 5),
    "/defensa": ("defensa.units", 3),
}


def _count(server, stmt) -> int:
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        value = session.scalar(stmt)
    engine.dispose()
    return int(value or 0)


def _kpi(driver, field: str) -> str | None:
    """The raw value of a KPI, read in one step (the cards re-render under selenium's feet)."""
    return driver.execute_script(
        "const e = document.querySelector(`[data-kpi='${arguments[0]}']`);"
        "return e ? e.getAttribute('data-value') : null;",
        field,
    )


def _wait_kpi(driver, field: str, expected: int, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: _kpi(d, field) == str(expected))


def _open_page(driver, url: str, field: str, charts: int) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: _kpi(d, field) is not None)
    WebDriverWait(driver, 30).until(
        lambda d: (
            show_deferred(d)
            and len(d.find_elements("css selector", ".chart-graph .main-svg")) >= charts
        )
    )


@pytest.mark.parametrize("path", list(PAGES))
def test_page_loads_with_map_charts_and_table_and_no_console_errors(server, driver, path):
    from selenium.webdriver.support.ui import WebDriverWait

    field, charts = PAGES[path]
    _open_page(driver, server.url + path, field, charts)
    # One point per estado (the level below the national view), all with coordinates.
    WebDriverWait(driver, 30).until(
        lambda d: len(d.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 25
    )
    # The records table got its first block from the server.
    WebDriverWait(driver, 30).until(
        lambda d: (
            show_deferred(d)
            and (
                d.find_elements("css selector", ".ag-row")
                or d.find_elements("css selector", ".ag-overlay")
            )
        )
    )
    assert driver.find_elements("css selector", ".export-link")
    assert console_errors(driver) == []


def test_casos_range_filter_updates_url_and_numbers(server, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    now = utcnow()

    def reported_since(delta: timedelta) -> int:
        return _count(
            server,
            select(func.count()).where(
                CitizenCase.reported_at > now - delta, CitizenCase.reported_at <= now
            ),
        )

    month, week = reported_since(timedelta(days=30)), reported_since(timedelta(days=7))
    assert month > week > 0
    open_now = _count(
        server,
        select(func.count()).where(
            CitizenCase.status != "rechazado", CitizenCase.resolved_at.is_(None)
        ),
    )
    _open_page(driver, server.url + "/casos", "casos.reported", 6)
    _wait_kpi(driver, "casos.reported", month)
    assert _kpi(driver, "casos.open") == str(open_now)

    driver.find_element("css selector", "#flt-rango label[data-option-index='1']").click()
    WebDriverWait(driver, 15).until(lambda d: "rango=7d" in d.current_url)
    _wait_kpi(driver, "casos.reported", week)
    assert _kpi(driver, "casos.open") == str(open_now)  # a state, not a flow
    errors = console_errors(driver)
    assert errors == [], "\n".join(e[:300] for e in errors[:3])
    driver.back()
    WebDriverWait(driver, 15).until(lambda d: "rango=7d" not in d.current_url)
    _wait_kpi(driver, "casos.reported", month)
    assert console_errors(driver) == []


def test_paz_map_click_drills_down(server, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    _open_page(driver, server.url + "/paz", "paz.incidents", 5)
    WebDriverWait(driver, 30).until(
        lambda d: len(d.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 25
    )
    point = driver.find_elements("css selector", ".sala-map path.leaflet-interactive")[3]
    driver.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", point
    )
    WebDriverWait(driver, 15).until(lambda d: "territorio=VE-" in d.current_url)
    code = driver.current_url.split("territorio=")[1].split("&")[0]
    now = utcnow()
    expected = _count(
        server,
        select(func.count()).where(
            Incident.estado_code == code,
            Incident.occurred_at > now - timedelta(days=30),
            Incident.occurred_at <= now,
        ),
    )
    _wait_kpi(driver, "paz.incidents", expected)
    # One level down: the estado's municipio is the only point, and the breadcrumb goes back.
    WebDriverWait(driver, 30).until(
        lambda d: len(d.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 1
    )
    crumbs = driver.find_elements("css selector", "#flt-breadcrumb a")
    assert crumbs and crumbs[0].text == "Venezuela"
    assert console_errors(driver) == []


def test_defensa_territory_in_the_url(server, driver):
    units = _count(server, select(func.count()).where(DefenseUnit.estado_code == "VE-M"))
    _open_page(driver, server.url + "/defensa?territorio=VE-M", "defensa.units", 3)
    _wait_kpi(driver, "defensa.units", units)
    readiness = _count(
        server,
        select(func.round(func.avg(DefenseUnit.readiness))).where(
            DefenseUnit.estado_code == "VE-M"
        ),
    )
    assert round(float(_kpi(driver, "defensa.avg_readiness"))) == readiness
    assert console_errors(driver) == []


def test_casos_oldest_table_lists_the_oldest_open_cases(server, driver):
    """The record tables (one ``RecordTable`` component each) draw the server's rows."""
    from selenium.webdriver.support.ui import WebDriverWait

    engine = make_engine(server.database_url)
    with Session(engine) as session:
        oldest = session.scalars(
            select(CitizenCase.id)
            .where(CitizenCase.status != "rechazado", CitizenCase.resolved_at.is_(None))
            .order_by(CitizenCase.reported_at, CitizenCase.id)
            .limit(20)
        ).all()
    engine.dispose()
    assert oldest
    _open_page(driver, server.url + "/casos", "casos.reported", 6)
    cells = "#cas-oldest table.ind-table tbody tr td:first-child"
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", cells))
    shown = [e.text for e in driver.find_elements("css selector", cells)]
    assert shown == list(oldest)
    headers = driver.find_elements("css selector", "#cas-oldest table.ind-table thead th")
    assert [h.text for h in headers][:2] == ["Caso", "Categoría"]
    assert console_errors(driver) == []


def test_charts_draw_with_the_partial_bundle_not_the_full_plotly(server, driver):
    """``assets/plotly_loader.js`` points dcc.Graph at our 1.1 MB bundle: Dash's 4.8 MB
    plotly.min.js is never fetched, the charts are drawn, and Plotly speaks Spanish."""
    _open_page(driver, server.url + "/paz", "paz.incidents", 5)
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name.split('?')[0]);"
    )
    assert any(name.endswith("/assets/vendor/plotly-sala.min.js") for name in fetched)
    assert not any(name.endswith("/plotly.min.js") for name in fetched)
    from plotly.offline import get_plotlyjs_version

    version = driver.execute_script("return window.Plotly && window.Plotly.version")
    assert version == get_plotlyjs_version()
    graph = driver.find_element("css selector", ".chart-graph .js-plotly-plot")
    months = driver.execute_script(
        "return arguments[0]._fullLayout._d3locale.timeFormat('%B')(Date.UTC(2026, 11, 1));", graph
    )
    assert months == "Diciembre"
    assert console_errors(driver) == []
