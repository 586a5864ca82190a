"""``/consulta`` and ``/aca`` in headless Chromium: they load without console errors, the
numbers match the database (counted here with plain SQL), the category filter drives them,
and the map and the lists drill down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import caracas_date, utcnow
from data.consulta_categories import CASE_TO_PROJECT
from data.db import make_engine
from data.models import Action, CitizenCase
from tests.browser.conftest import console_errors, show_deferred

WAIT = 40


def _wait(driver, condition, timeout: float = WAIT):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, timeout, ignored_exceptions=ignored).until(condition)


def _count(server, stmt) -> int:
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        value = session.scalar(stmt)
    engine.dispose()
    return int(value or 0)


def _kpi(driver, field: str) -> str | None:
    return driver.execute_script(
        "const e = document.querySelector(`[data-kpi='${arguments[0]}']`);"
        "return e ? e.getAttribute('data-value') : null;",
        field,
    )


def _loaded(driver, charts: int) -> bool:
    """KPIs in, every chart drawn (none still 'Cargando…'; those below the fold once
    reached) and map points on."""
    return show_deferred(driver) and bool(
        driver.execute_script(
            """
            const graphs = [...document.querySelectorAll('.chart-graph')];
            return document.querySelectorAll('[data-kpi]').length > 0
              && graphs.length >= arguments[0]
              && graphs.every(g => g.querySelector('.main-svg'))
              && !graphs.some(g => (g.textContent || '').includes('Cargando'))
              && document.querySelectorAll('.sala-map path.leaflet-interactive').length > 0;
            """,
            charts,
        )
    )


def _demand(server, estado: str | None = None, categories=None) -> int:
    """1x10 cases of the last 60 days that a project category answers (the advice's demand)."""
    now = utcnow()
    where = [
        CitizenCase.reported_at > now - timedelta(days=60),
        CitizenCase.status != "rechazado",
        CitizenCase.category.in_(categories or list(CASE_TO_PROJECT)),
    ]
    if estado:
        where.append(CitizenCase.estado_code == estado)
    return _count(server, select(func.count()).select_from(CitizenCase).where(*where))


def _click_map_point(driver, index: int) -> None:
    point = driver.find_elements("css selector", ".sala-map path.leaflet-interactive")[index]
    driver.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", point
    )


def test_consulta_loads_filters_and_drills_down_to_a_circuito_history(server, driver):
    driver.get(server.url + "/consulta")
    _wait(driver, lambda d: _loaded(d, 2))
    _wait(driver, lambda d: _kpi(d, "consulta.demand") == str(_demand(server)))
    assert _kpi(driver, "consulta.top") not in (None, "")
    # the reasons table: one row per category, each with its "why"
    reasons = "#con-reasons table.ind-table tbody tr"
    _wait(driver, lambda d: d.find_elements("css selector", reasons))
    first = driver.find_elements("css selector", reasons)[0].text
    assert "casos de" in first and "en 60 días" in first
    assert len(driver.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 25
    assert console_errors(driver) == []

    # the category filter (in the URL, as the dropdown writes it) narrows the numbers
    driver.get(server.url + "/consulta?categoria=agua")
    _wait(driver, lambda d: _kpi(d, "consulta.demand") == str(_demand(server, None, ["agua"])))
    _wait(driver, lambda d: _kpi(d, "consulta.top") == "Agua")

    # a click on the map enters the estado; its circuitos are listed with their priority
    driver.get(server.url + "/consulta")
    _wait(driver, lambda d: _loaded(d, 2))
    _click_map_point(driver, 3)
    _wait(driver, lambda d: "territorio=VE-" in d.current_url)
    estado = driver.current_url.split("territorio=")[1].split("&")[0]
    _wait(driver, lambda d: _kpi(d, "consulta.demand") == str(_demand(server, estado)))
    names = "#con-territories table.ind-table tbody td:first-child button"
    _wait(driver, lambda d: d.find_elements("css selector", names))
    driver.find_elements("css selector", names)[0].click()
    _wait(driver, lambda d: f"territorio={estado}-C1" in d.current_url)
    history = "#con-history table.ind-table tbody tr"
    _wait(driver, lambda d: len(d.find_elements("css selector", history)) == 6)
    assert "2026-3" in driver.find_elements("css selector", history)[0].text
    crumbs = driver.find_elements("css selector", "#flt-breadcrumb a")
    assert crumbs and crumbs[0].text == "Venezuela"
    errors = console_errors(driver)
    assert errors == [], "\n".join(e[:300] for e in errors[:3])


def test_aca_loads_filters_by_7t_and_drills_down(server, driver):
    today = caracas_date(utcnow())
    overdue = _count(
        server,
        select(func.count()).where(
            Action.status.in_(("pendiente", "en_curso")), Action.due_on < today
        ),
    )
    assert overdue
    driver.get(server.url + "/aca")
    _wait(driver, lambda d: _loaded(d, 2))
    _wait(
        driver, lambda d: _kpi(d, "aca.total") == str(_count(server, select(func.count(Action.id))))
    )
    assert _kpi(driver, "aca.overdue") == str(overdue)
    # the overdue list: as many rows as overdue actions, most days late first
    rows = "#aca-overdue table.ind-table tbody tr"
    _wait(driver, lambda d: len(d.find_elements("css selector", rows)) == overdue)
    days = [
        int(r.find_elements("css selector", "td")[-1].text)
        for r in driver.find_elements("css selector", rows)
    ]
    assert days == sorted(days, reverse=True)
    # the 7T named in full on the chart's axis
    labels = driver.execute_script(
        "return [...document.querySelectorAll('#aca-transformation .ytick text')]"
        ".map(t => t.textContent);"
    )
    assert any(label.startswith("T4 · Social") for label in labels)
    assert console_errors(driver) == []

    social = _count(server, select(func.count()).where(Action.transformation == 4))
    driver.get(server.url + "/aca?categoria=T4")
    _wait(driver, lambda d: _kpi(d, "aca.total") == str(social))

    driver.get(server.url + "/aca")
    _wait(driver, lambda d: _loaded(d, 2))
    _click_map_point(driver, 5)
    _wait(driver, lambda d: "territorio=VE-" in d.current_url)
    estado = driver.current_url.split("territorio=")[1].split("&")[0]
    mine = _count(server, select(func.count()).where(Action.estado_code == estado))
    _wait(driver, lambda d: _kpi(d, "aca.total") == str(mine))
    errors = console_errors(driver)
    assert errors == [], "\n".join(e[:300] for e in errors[:3])
