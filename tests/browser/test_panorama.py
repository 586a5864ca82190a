"""``/`` in headless Chromium: loads without console errors and shows the database's numbers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.numbers import fmt_number
from data.db import make_engine
from data.queries.summary import summary
from layouts.components.kpi import field_value, format_value
from tests.browser.conftest import console_errors, show_deferred

# Fields whose display kind differs from a plain integer.
KINDS = {
    "projects.transferred_usd": "usd",
    "projects.approved_usd": "usd",
    "projects.avg_progress": "percent",
    "clap.coverage": "ratio",
    "cases.median_hours_to_resolve_30d": "hours",
    "defense.avg_readiness": "percent",
}
MAIN_KPIS = (
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
)


def read_kpis(driver) -> dict[str, tuple[str, str]]:
    return {
        el.get_attribute("data-kpi"): (el.get_attribute("data-value"), el.text)
        for el in driver.find_elements("css selector", "[data-kpi]")
    }


def test_panorama_loads_and_matches_the_database(server, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + "/")
    WebDriverWait(driver, 30).until(
        lambda d: d.find_elements("css selector", "[data-kpi='incidents.last_24h']")
    )
    # The map's points and the charts are drawn.
    WebDriverWait(driver, 30).until(
        lambda d: len(d.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 25
    )
    WebDriverWait(driver, 30).until(
        lambda d: (
            show_deferred(d) and len(d.find_elements("css selector", ".chart-graph .main-svg")) >= 4
        )
    )
    shown = read_kpis(driver)

    engine = make_engine(server.database_url)
    with Session(engine) as session:
        expected = summary(session, None)
    engine.dispose()

    assert set(MAIN_KPIS) <= set(shown), f"faltan KPI: {set(MAIN_KPIS) - set(shown)}"
    for field, (raw, text) in shown.items():
        value = field_value(expected, field)
        assert value is not None, field
        assert float(raw) == float(value), f"{field}: página {raw} ≠ base de datos {value}"
        assert text == format_value(value, KINDS.get(field, "number")), field
    # A hand check of the Venezuelan format on one number the dataset makes large.
    assert shown["clap.families_planned"][1] == fmt_number(expected["clap"]["families_planned"])
    assert "." in shown["clap.families_planned"][1]

    assert "Panorama nacional" in driver.find_element("css selector", ".page-title").text
    WebDriverWait(driver, 10).until(
        lambda d: "actualizado hace" in d.find_element("css selector", ".freshness").text
    )
    errors = console_errors(driver)
    assert errors == [], errors


def wait_for_kpis(driver, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.find_elements("css selector", "[data-kpi='incidents.last_24h']")
    )


def test_wall_size_has_no_scrollbars_and_the_map_switches_measure(server, driver):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + "/")
    wait_for_kpis(driver)
    WebDriverWait(driver, 30).until(
        lambda d: len(d.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 25
    )
    width, height, inner_w, inner_h = driver.execute_script(
        "const e = document.documentElement;"
        "return [e.scrollWidth, e.scrollHeight, window.innerWidth, window.innerHeight];"
    )
    assert (width, height) == (inner_w, inner_h) == (1920, 1080)

    legend = driver.find_element("css selector", "#panorama-map-legend")
    assert "cobertura CLAP" in legend.text
    driver.find_element("xpath", "//span[text()='Incidentes']").click()
    WebDriverWait(driver, 15).until(lambda d: "incidentes" in legend.text.lower())

    marker = driver.find_elements("css selector", ".sala-map path.leaflet-interactive")[0]
    ActionChains(driver).move_to_element(marker).perform()
    tip = WebDriverWait(driver, 10).until(
        lambda d: d.find_elements("css selector", ".leaflet-tooltip .map-tip")
    )
    assert "Incidentes 24 h" in tip[0].text
    assert console_errors(driver) == []


def test_territory_in_the_url_narrows_every_number(server, driver):
    from data.scope import get_territory

    driver.get(server.url + "/?territorio=VE-M")
    wait_for_kpis(driver)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(
        lambda d: "Miranda" in d.find_element("css selector", ".page-title").text
    )
    shown = read_kpis(driver)
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        expected = summary(session, get_territory(session, "VE-M"))
    engine.dispose()
    for field, (raw, _text) in shown.items():
        assert float(raw) == float(field_value(expected, field)), field
    # one municipio point on the estado's map
    assert len(driver.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 1
    assert console_errors(driver) == []


def test_unknown_territory_gets_a_spanish_message(server, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + "/?territorio=VE-NADA")
    WebDriverWait(driver, 30).until(
        lambda d: "no existe" in d.find_element("css selector", "#panorama-kpis").text
    )
    assert console_errors(driver) == []
