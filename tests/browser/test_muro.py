"""The wall as a display screen sees it, in Chromium: a kiosk with no admin or demo chrome,
every KPI judged (``data-state``), no text under 24 px at 1920×1080, and a ticker that
follows the territory the rotation is showing."""

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
from data.displays import create_display
from data.models import Territory
from data.reference import estado_shapes
from data.tokens import create_token
from tests.browser.conftest import console_errors, make_database, new_driver
from tests.browser.world import ESTADOS, populate
from tests.server import Server, start_server

WAIT_S = 30
STATES = {"bien", "regular", "mal", "sin-datos"}
MIN_PX_1080 = 24


def populate_with_shapes(session: Session, now: datetime) -> None:
    """The test world with the shipped estado boundaries (as ``seed`` loads them)."""
    populate(session, now)
    shapes = estado_shapes()
    for estado in session.query(Territory).filter(Territory.level == "estado"):
        estado.geometry = shapes.get(estado.code)
    session.flush()


@pytest.fixture(scope="module")
def wall_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    """The national test world, a display token (the wall screen) and an ingest token."""
    url = make_database(tmp_path_factory.mktemp("muro-browser") / "sala.db", populate_with_shapes)
    engine = make_engine(url)
    with Session(engine) as s:
        _, screen = create_display(s, "SALA-MURO-1")
        ingest = create_token(s, "campo", "ingest")
        s.commit()
    engine.dispose()
    srv = start_server(url, env={"REDIS_URL": ""})
    try:
        yield srv, screen, ingest
    finally:
        srv.stop()


def _wait(driver, predicate, what: str, timeout: float = WAIT_S):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Dash re-renders the list between finding an element and reading it: retry, do not fail.
    ignored = (NoSuchElementException, StaleElementReferenceException)

    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=ignored).until(
        lambda d: predicate(d), what
    )


def _as_screen(driver, srv: Server, secret: str, query: str = "") -> None:
    driver.get(f"{srv.url}/pantalla/{secret}")  # logs in as pantalla, lands on /muro
    if query:
        driver.get(f"{srv.url}/muro{query}")
    _wait(driver, _loaded, "KPIs del muro cargados")


def _loaded(driver) -> bool:
    return driver.execute_script(
        "const k = [...document.querySelectorAll('[data-kpi]')];"
        "return k.length > 0 && k.every(e => e.getAttribute('data-value') !== '');"
    )


def _kpi_states(driver) -> list[tuple[str, str | None]]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#muro [data-kpi]')]"
        ".map(e => [e.getAttribute('data-kpi'), e.getAttribute('data-state')]);"
    )


SMALL_TEXT_JS = """
const min = arguments[0], out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode, el = node.parentElement;
  if (!el || !node.textContent.trim()) continue;
  const range = document.createRange(); range.selectNodeContents(node);
  const r = range.getBoundingClientRect();
  // visible: laid out, at least 2 px each way (not a visually hidden text for screen
  // readers), and on screen
  if (r.width < 2 || r.height < 2 || r.bottom <= 0 || r.right <= 0 ||
      r.top >= innerHeight || r.left >= innerWidth) continue;
  const st = getComputedStyle(el);
  if (st.visibility === 'hidden' || parseFloat(st.opacity) === 0) continue;
  const px = parseFloat(st.fontSize);
  if (px < min) out.push(px.toFixed(1) + 'px ' + el.className + ': ' +
                         node.textContent.trim().slice(0, 40));
}
return out;
"""


def test_the_display_wall_is_a_kiosk_with_every_kpi_judged(wall_server, tmp_path: Path):
    srv, secret, _ = wall_server
    driver = new_driver(tmp_path / "profile", 1920, 1080)
    try:
        _as_screen(driver, srv, secret)
        body = driver.find_element("tag name", "body").text
        chrome = driver.execute_script(
            "return ['#user-box', '#demo-banner', '#logout-link', '.nav', '.nav-link',"
            " 'a[href=\"/admin\"]', 'a[href=\"/alertas\"]']"
            ".filter(s => [...document.querySelectorAll(s)].some(e => e.offsetParent !== null));"
        )
        assert chrome == [], f"cromo de administración o demo en la pantalla: {chrome}"
        assert "SALA-MURO-1" not in body and "Administración" not in body
        assert "Modo demo" not in body and "Pantalla del muro" not in body

        states = _kpi_states(driver)
        assert len(states) == 5  # one judged headline per KPI panel of the default wall
        assert all(state in STATES for _, state in states), states
        assert any(state != "sin-datos" for _, state in states)  # the world has data
        _wait(driver, lambda d: d.find_elements("css selector", "#muro-ticker-run span"), "ticker")
        assert _ticker_never_cuts(driver)
        assert console_errors(driver) == []
    finally:
        driver.quit()


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_no_wall_text_is_smaller_than_24px_at_1080p(wall_server, tmp_path: Path, size):
    srv, secret, _ = wall_server
    width, height = size
    driver = new_driver(tmp_path / "profile", width, height)
    try:
        _as_screen(driver, srv, secret)
        _wait(driver, lambda d: d.find_elements("css selector", "#muro-alerts > *"), "alertas")
        minimum = MIN_PX_1080 * height / 1080 - 0.1  # the wall scales with the screen
        small = driver.execute_script(SMALL_TEXT_JS, minimum)
        assert small == [], f"texto de menos de {minimum:.0f} px: {small[:10]}"
        fits = driver.execute_script(
            "return document.documentElement.scrollHeight <= innerHeight"
            " && document.documentElement.scrollWidth <= innerWidth;"
        )
        assert fits, "el muro no debe desbordar la pantalla"
    finally:
        driver.quit()


def _ingest_incidents(srv: Server, secret: str, records: list[dict]) -> None:
    request = urllib.request.Request(
        f"{srv.url}/api/v1/ingest/incidents",
        data=json.dumps(records).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _ticker(driver) -> tuple[str | None, list[str], str | None]:
    return driver.execute_script(
        "const src = document.getElementById('muro-ticker');"
        "const run = document.getElementById('muro-ticker-run');"
        "return [src && src.getAttribute('data-territory'),"
        " [...src.querySelectorAll('[data-event]')].map(e => e.textContent),"
        " run && run.dataset.territory];"
    )


def _ticker_never_cuts(driver) -> bool:
    """Either every line fits in the ticker's window, standing still, or the track scrolls
    (a running CSS animation) so every word passes by whole."""
    return driver.execute_script(
        "const run = document.getElementById('muro-ticker-run');"
        "const win = run.parentElement.getBoundingClientRect();"
        "const moving = run.getAnimations().some(a => a.playState === 'running');"
        "const seq = run.firstChild.getBoundingClientRect();"
        "return moving ? run.childElementCount === 2 : seq.width <= win.width + 1;"
    )


def test_the_ticker_follows_the_territory_of_the_rotation(wall_server, tmp_path: Path):
    srv, secret, ingest = wall_server
    driver = new_driver(tmp_path / "profile", 1920, 1080)
    at: datetime = utcnow() - timedelta(minutes=3)
    try:
        _as_screen(driver, srv, secret, "?territorios=VE-A,VE-V&rotar=6")
        _ingest_incidents(
            srv,
            ingest,
            [
                {
                    "id": f"TICKER-{code}-{n}",
                    "cuadrante_code": f"Q-{code}",
                    "type": "hurto",
                    "severity": 1,
                    "occurred_at": (at + timedelta(seconds=n)).isoformat(),
                }
                for code in ("VE-A", "VE-V")
                for n in range(3)
            ],
        )
        title = lambda d: d.find_element("id", "muro-title").text  # noqa: E731
        for code in ("VE-V", "VE-A", "VE-V"):
            name = ESTADOS[code][0]
            _wait(
                driver,
                lambda d, c=code, n=name: (
                    title(d) == n and _ticker(d)[0] == c and _ticker(d)[1] and _ticker(d)[2] == c
                ),
                f"el ticker sigue a {name}",
            )
            _, lines, _ = _ticker(driver)
            assert lines and all(line.endswith(f"— {name}") for line in lines), lines
            assert _ticker_never_cuts(driver), "el ticker corta texto sin desplazarse"
        assert console_errors(driver) == []
    finally:
        driver.quit()


WALL_MAP_JS = """
const m = document.querySelector('#muro .muro-map');
const shapes = [...m.querySelectorAll('.leaflet-overlay-pane path')]
  .filter(p => p.getAttribute('fill-opacity') === '0.7')  // salaWall.shape, not a marker
  .map(p => p.getAttribute('fill'));
const names = [...m.querySelectorAll('.sala-estado-label span')]
  .filter(s => s.offsetParent && getComputedStyle(s).visibility !== 'hidden')
  .map(s => { const r = s.getBoundingClientRect();
              return [r.left, r.top, r.right, r.bottom, parseFloat(getComputedStyle(s).fontSize)]; });
return {shapes, names};
"""


def _apart(names: list[list[float]]) -> bool:
    """No two name boxes [left, top, right, bottom, px] overlap."""
    return all(
        a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    )


def test_the_wall_map_fills_the_estados_with_threshold_colours_and_clean_names(
    wall_server, tmp_path: Path
):
    import time

    from core.thresholds import STATE_COLOUR

    srv, secret, _ = wall_server
    driver = new_driver(tmp_path / "profile", 1920, 1080)
    try:
        _as_screen(driver, srv, secret)

        def drawn(d):
            got = d.execute_script(WALL_MAP_JS)
            ready = len(got["shapes"]) >= len(ESTADOS) and got["names"] and _apart(got["names"])
            return got if ready else None

        # the names are thinned out once drawn (assets/muro.js, each second)
        got = _wait(driver, drawn, "estados rellenos y nombres sin solaparse en el muro")
        # every estado a filled shape, in the colours of the legend's threshold states
        assert set(got["shapes"]) <= set(STATE_COLOUR.values()), got["shapes"]
        time.sleep(2.5)  # and they stay apart, at the wall's size
        names = driver.execute_script(WALL_MAP_JS)["names"]
        assert names and _apart(names), names
        assert all(n[4] >= MIN_PX_1080 - 0.1 for n in names), names
    finally:
        driver.quit()


SHAPES_OUTSIDE_JS = """
const m = document.querySelector('#muro .muro-map');
const box = m.getBoundingClientRect();
const shapes = [...m.querySelectorAll('.leaflet-overlay-pane path')]
  .filter(p => p.getAttribute('fill-opacity') === '0.7');
const out = shapes.map(p => p.getBoundingClientRect()).filter(r =>
  r.top < box.top - 3 || r.bottom > box.bottom + 3 || r.left < box.left - 3 || r.right > box.right + 3);
return [shapes.length, out.length, Math.round(box.height)];
"""


def test_the_wall_map_refits_its_scope_when_its_panel_changes_size(wall_server, tmp_path: Path):
    """The level-5 banner or the alert column resizing the panel after the fit must not leave
    the map zoomed on a corner: the scope is fitted again (assets/muro.js)."""
    srv, secret, _ = wall_server
    driver = new_driver(tmp_path / "profile", 1920, 1080)
    try:
        _as_screen(driver, srv, secret)

        def fitted(d):
            n, outside, height = d.execute_script(SHAPES_OUTSIDE_JS)
            return height if n >= len(ESTADOS) and outside == 0 else None

        height = _wait(driver, fitted, "los estados dentro del mapa")
        # the panel shrinks to half (as when the banner takes the top of the screen)
        driver.execute_script(
            "const m = document.querySelector('#muro .muro-map');"
            "m.style.alignSelf = 'flex-start'; m.style.height = arguments[0] + 'px';",
            height // 2,
        )
        shrunk = _wait(driver, lambda d: fitted(d) if fitted(d) != height else None, "reajuste")
        assert shrunk <= height // 2 + 2
    finally:
        driver.quit()
