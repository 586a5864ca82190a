"""Alerts end to end in Chromium: a severity-5 incident arrives through the API, every open
wall shows it in its level-5 banner, an operator acknowledges it in ``/alertas`` with a
comment, and every wall drops it from the banner (it stays in the panel, acknowledged)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.timeutil import utcnow
from data.db import make_engine
from data.tokens import create_token
from tests import factories as f
from tests.browser.conftest import console_errors, make_database, new_driver
from tests.server import Server, start_server

WAIT_S = 20  # generous on a loaded machine; bench/alerts.py measures the real latency


def _world(session: Session, _now: datetime) -> None:
    f.two_estados(session)


@pytest.fixture(scope="module")
def alert_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    path = tmp_path_factory.mktemp("alerts-browser") / "sala.db"
    url = make_database(path, _world)
    engine = make_engine(url)
    with Session(engine) as s:
        secret = create_token(s, "campo", "ingest")
        s.commit()
    engine.dispose()
    srv = start_server(url, env={"SALA_ALERTAS": "1"})
    try:
        yield srv, secret
    finally:
        srv.stop()


def _ingest(srv: Server, secret: str, records: list[dict]) -> None:
    request = urllib.request.Request(
        f"{srv.url}/api/v1/ingest/incidents",
        data=json.dumps(records).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _wait(driver, predicate, what: str):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Dash re-renders the list between finding an element and reading it: retry, do not fail.
    ignored = (NoSuchElementException, StaleElementReferenceException)

    return WebDriverWait(driver, WAIT_S, poll_frequency=0.1, ignored_exceptions=ignored).until(
        lambda d: predicate(d), what
    )


def _banner_ids(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('[data-alert-banner] [data-alert-id]'))"
        ".map(e => e.dataset.alertId)"
    )


def _panel_state(driver, alert_id: str) -> str | None:
    return driver.execute_script(
        "const e = document.querySelector('#muro-alerts [data-alert-id=\"' + arguments[0] + '\"]');"
        "return e ? e.dataset.state : null;",
        alert_id,
    )


def test_banner_on_every_wall_then_acknowledged_in_alertas(alert_server, tmp_path: Path):
    from selenium.webdriver.common.by import By

    srv, secret = alert_server
    walls = [new_driver(tmp_path / f"wall{i}", 1366, 768) for i in range(2)]
    operator = new_driver(tmp_path / "operator", 1366, 768)
    try:
        for wall in walls:
            wall.get(f"{srv.url}/muro")
        for wall in walls:
            _wait(wall, lambda d: d.find_elements(By.CSS_SELECTOR, ".wall-alerts-empty"), "panel")
            assert not wall.find_elements(By.CSS_SELECTOR, "[data-alert-banner]")
        occurred = (utcnow() - timedelta(minutes=5)).isoformat()
        _ingest(
            srv,
            secret,
            [
                {
                    "id": "VEN911-9",
                    "cuadrante_code": "Q-VE-A-1",
                    "type": "homicidio",
                    "severity": 5,
                    "occurred_at": occurred,
                }
            ],
        )
        ids = [_wait(wall, lambda d: _banner_ids(d), "banner") for wall in walls]
        assert ids[0] == ids[1] and len(ids[0]) == 1
        alert_id = ids[0][0]
        for wall in walls:
            assert _panel_state(wall, alert_id) == "abierta"

        operator.get(f"{srv.url}/alertas")
        card = f'[data-alert-id="{alert_id}"]'
        _wait(operator, lambda d: d.find_elements(By.CSS_SELECTOR, card), "card")
        operator.find_element(By.CSS_SELECTOR, f"{card} .alert-btn.primary").click()
        box = _wait(
            operator,
            lambda d: (
                d.find_element(By.ID, "alertas-accion").is_displayed()
                and d.find_element(By.ID, "alertas-accion")
            ),
            "action box",
        )
        assert alert_id in box.text
        operator.find_element(By.ID, "alertas-comentario").send_keys("patrulla despachada")
        operator.find_element(By.ID, "alertas-confirmar").click()
        _wait(
            operator,
            lambda d: "reconocida" in d.find_element(By.ID, "alertas-aviso").text,
            "notice",
        )
        _wait(
            operator,
            lambda d: (
                d.find_element(By.CSS_SELECTOR, card).get_attribute("data-state") == "reconocida"
            ),
            "card acknowledged",
        )
        history = operator.find_element(By.CSS_SELECTOR, f"{card} .alert-history")
        history.click()
        assert "patrulla despachada" in history.text

        for wall in walls:  # every open wall drops it from the banner, keeps it in the panel
            _wait(
                wall,
                lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-alert-banner]"),
                "no banner",
            )
            assert _panel_state(wall, alert_id) == "reconocida"
        for drv in (*walls, operator):
            assert console_errors(drv) == []
    finally:
        for drv in (*walls, operator):
            drv.quit()


def test_alertas_shows_a_new_alert_without_reload_and_the_badge_counts_it(alert_server, driver):
    from selenium.webdriver.common.by import By

    srv, secret = alert_server
    driver.get(f"{srv.url}/alertas")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#alertas-lista > *"), "lista")
    before = set(
        driver.execute_script(
            "return Array.from(document.querySelectorAll('#alertas-lista [data-alert-id]')).map(e => e.dataset.alertId)"
        )
    )
    driver.execute_script("window.__sinRecargar = true;")
    occurred = utcnow().isoformat()
    _ingest(
        srv,
        secret,
        [
            {
                "id": "VEN911-10",
                "cuadrante_code": "Q-VE-M-1",
                "type": "secuestro",
                "severity": 5,
                "occurred_at": occurred,
            }
        ],
    )

    def new_card(d):
        ids = d.execute_script(
            "return Array.from(document.querySelectorAll('#alertas-lista [data-alert-id]')).map(e => e.dataset.alertId)"
        )
        return [i for i in ids if i not in before]

    (alert_id,) = _wait(driver, new_card, "tarjeta nueva")
    assert driver.execute_script("return window.__sinRecargar === true;")  # same page, no reload
    # read in one step: a later refresh (the version poll) may redraw the list meanwhile
    text = driver.execute_script(
        "const c = document.querySelector(`[data-alert-id='${arguments[0]}']`);"
        "return c ? c.innerText : '';",
        alert_id,
    )
    assert "Nivel 5" in text and "Estado VE-M" in text
    driver.get(f"{srv.url}/paz")
    badge = _wait(
        driver,
        lambda d: (
            "lvl-5" in d.find_element(By.ID, "alert-badge").get_attribute("class")
            and d.find_element(By.ID, "alert-badge")
        ),
        "insignia",
    )
    assert badge.get_attribute("href").endswith("/alertas")
    assert int(badge.find_element(By.CSS_SELECTOR, ".badge-count").text) >= 1
