"""``/proyectos`` and ``/clap`` in headless Chromium: load cleanly, filters drive the URL and
the numbers, the map drills down, back works, and the CSV holds exactly the filtered rows."""

from __future__ import annotations

import csv
import io
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.filters import Filters
from core.timeutil import caracas_date, utcnow
from data.db import make_engine
from data.models import ClapDelivery
from data.queries import clap, projects
from data.scope import NATIONAL
from tests.browser.conftest import console_errors, show_deferred
from tests.browser.world import ESTADOS

WAIT = 40


def _wait(driver, condition, timeout: float = WAIT):
    """Wait for ``condition``; elements replaced by a re-render are simply looked up again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, timeout, ignored_exceptions=ignored).until(condition)


def _kpi(driver, field: str) -> float:
    """The raw number of a KPI (read in one script: the page may re-render meanwhile)."""
    script = (
        "const e = document.querySelector(arguments[0]);"
        "return e ? e.getAttribute('data-value') : null;"
    )
    raw = _wait(driver, lambda d: d.execute_script(script, f"[data-kpi='{field}']"))
    return float(raw)


def _loaded(driver) -> bool:
    """KPIs shown, every chart drawn (none still 'Cargando…'), map points and grid rows in
    (the table scrolled to: it mounts when reached)."""
    if not show_deferred(driver):
        return False
    return bool(
        driver.execute_script(
            """
            const graphs = [...document.querySelectorAll('.chart-graph')];
            return document.querySelectorAll('[data-kpi]').length > 0
              && graphs.length > 0
              && graphs.every(g => g.querySelector('.main-svg'))
              && !graphs.some(g => (g.textContent || '').includes('Cargando'))
              && document.querySelectorAll('.sala-map path.leaflet-interactive').length > 0
              && document.querySelectorAll('.sala-grid .ag-row').length > 0;
            """
        )
    )


def _database(server):
    engine = make_engine(server.database_url)
    return engine, Session(engine)


def _expected(server, fn, filters: Filters):
    engine, session = _database(server)
    try:
        return fn(session, NATIONAL, filters, utcnow())
    finally:
        session.close()
        engine.dispose()


@pytest.mark.parametrize(
    ("path", "field", "expected"),
    [
        ("/proyectos", "proyectos.total", lambda k: k["total"]),
        ("/clap", "clap.period.served", lambda k: k["period"]["served"]),
    ],
)
def test_page_loads_clean_with_the_database_numbers(server, driver, path, field, expected):
    driver.get(server.url + path)
    _wait(driver, _loaded)
    module = projects if path == "/proyectos" else clap
    assert _kpi(driver, field) == expected(_expected(server, module.kpis, Filters()))
    # One point per estado on the national map, and the breadcrumb starts at Venezuela.
    points = driver.find_elements("css selector", ".sala-map path.leaflet-interactive")
    assert len(points) == len(ESTADOS)
    assert driver.find_element("css selector", ".flt-breadcrumb").text.startswith("Venezuela")
    assert console_errors(driver) == []


def test_filters_change_the_url_the_numbers_and_back_works(server, driver):
    driver.get(server.url + "/clap")
    _wait(driver, _loaded)
    thirty = _kpi(driver, "clap.period.served")

    driver.find_element("xpath", "//*[@id='flt-rango']//label[normalize-space(.)='7 días']").click()
    _wait(driver, lambda d: "rango=7d" in d.current_url)
    want = _expected(server, clap.kpis, Filters(rango="7d"))["period"]["served"]
    _wait(driver, lambda d: _kpi(d, "clap.period.served") == want)
    assert want != thirty

    driver.find_element("id", "flt-estado").click()
    option = _wait(
        driver,
        lambda d: [
            o
            for o in d.find_elements("css selector", "[role='option']")
            if o.text.strip() == "Distrito Capital"
        ],
    )[0]
    option.click()
    _wait(driver, lambda d: "territorio=VE-A" in d.current_url and "rango=7d" in d.current_url)
    want_a = _expected(server, clap.kpis, Filters(territorio="VE-A", rango="7d"))
    _wait(driver, lambda d: _kpi(d, "clap.period.served") == want_a["period"]["served"])
    _wait(driver, lambda d: "Distrito Capital" in d.find_element("id", "flt-breadcrumb").text)

    driver.back()
    _wait(driver, lambda d: "territorio" not in d.current_url and "rango=7d" in d.current_url)
    _wait(driver, lambda d: _kpi(d, "clap.period.served") == want)
    assert console_errors(driver) == []


def test_map_click_drills_down_and_breadcrumb_goes_back_up(server, driver):
    driver.get(server.url + "/proyectos")
    _wait(driver, _loaded)
    point = driver.find_elements("css selector", ".sala-map path.leaflet-interactive")[0]
    driver.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));", point
    )
    _wait(driver, lambda d: "territorio=VE-" in d.current_url)
    code = driver.current_url.split("territorio=")[1].split("&")[0]
    assert code in ESTADOS
    name = ESTADOS[code][0]
    _wait(driver, lambda d: name in d.find_element("id", "flt-breadcrumb").text)
    want = _expected(server, projects.kpis, Filters(territorio=code))["total"]
    _wait(driver, lambda d: _kpi(d, "proyectos.total") == want)
    # One level down: the estado's municipio is the only point now.
    _wait(
        driver,
        lambda d: len(d.find_elements("css selector", ".sala-map path.leaflet-interactive")) == 1,
    )

    driver.find_element("link text", "Venezuela").click()
    _wait(driver, lambda d: "territorio" not in d.current_url)
    _wait(
        driver,
        lambda d: (
            len(d.find_elements("css selector", ".sala-map path.leaflet-interactive"))
            == len(ESTADOS)
        ),
    )
    assert console_errors(driver) == []


def test_csv_export_holds_exactly_the_filtered_rows(server, driver):
    driver.get(server.url + "/clap?territorio=VE-A&rango=7d")
    _wait(driver, _loaded)
    link = driver.find_element("css selector", "a.export-link")
    href = link.get_attribute("href")
    assert "territorio=VE-A" in href and "rango=7d" in href
    with urllib.request.urlopen(href, timeout=30) as response:
        disposition = response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8-sig"))))
    assert "clap_VE-A_7d_" in disposition
    engine, session = _database(server)
    try:
        today = caracas_date(utcnow())
        expected = set(
            session.scalars(
                select(ClapDelivery.id).where(
                    ClapDelivery.estado_code == "VE-A",
                    ClapDelivery.delivered_on >= today - timedelta(days=6),
                    ClapDelivery.delivered_on <= today,
                )
            )
        )
    finally:
        session.close()
        engine.dispose()
    assert {r["Lote"] for r in rows} == expected and len(rows) == len(expected)
    count = driver.find_element("css selector", ".grid-count").text
    assert count == f"{len(expected)} registros"
    assert console_errors(driver) == []


def test_unknown_territory_shows_a_spanish_message_not_data(server, driver):
    driver.get(server.url + "/proyectos?territorio=VE-NADA")
    _wait(driver, lambda d: "No existe el territorio" in d.find_element("id", "flt-message").text)
    _wait(
        driver,
        lambda d: "Territorio no disponible" in d.find_element("id", "prj-kpis").text,
    )
    assert driver.find_elements("css selector", "[data-kpi]") == []
    assert console_errors(driver) == []


def _grid_ids(drv) -> list[str]:
    """The ids of the grid's rows in the order shown (AG Grid keeps DOM order apart from
    display order: ``row-index`` is the displayed position)."""
    rows = drv.find_elements("css selector", ".sala-grid .ag-center-cols-container .ag-row")
    shown = sorted(rows, key=lambda r: int(r.get_attribute("row-index") or 0))
    return [r.get_attribute("row-id") for r in shown if r.get_attribute("row-id")]


def test_page_follows_a_new_data_version(server, driver):
    """A batch written (and its data version bumped) shows up without reloading the page."""
    from data import versions
    from data.models import ClapDelivery as Delivery
    from data.scope import get_territory, path_values

    driver.get(server.url + "/clap?territorio=VE-B&rango=24h")
    _wait(driver, _loaded)
    before = _kpi(driver, "clap.today.served")
    rows_before = _grid_ids(driver)
    assert rows_before
    engine, session = _database(server)
    try:
        session.add(
            Delivery(
                id="D-LIVE-1",
                clap_code="CLAP-VE-B",
                territory_code="VE-B-CC1",
                delivered_on=caracas_date(utcnow()),
                families_planned=80,
                families_served=77,
                bags=77,
                kg=1000.0,
                **path_values(get_territory(session, "VE-B-C1")),
            )
        )
        versions.bump(session, ["clap_deliveries"])
        session.commit()
        # The version poll runs every 15 s; the numbers follow on the next tick.
        _wait(driver, lambda d: _kpi(d, "clap.today.served") == before + 77, timeout=45)
        # The table does not move under its reader: the new batch is announced, not pushed in.
        notice = driver.find_element("css selector", ".grid-new")
        _wait(driver, lambda d: notice.is_displayed() and "1 nuevo" in notice.text, timeout=20)
        assert _grid_ids(driver) == rows_before
        notice.click()
        _wait(driver, lambda d: "D-LIVE-1" in _grid_ids(d), timeout=20)
        _wait(driver, lambda d: not notice.is_displayed(), timeout=10)
    finally:
        session.query(Delivery).filter(Delivery.id == "D-LIVE-1").delete()
        versions.bump(session, ["clap_deliveries"])
        session.commit()
        session.close()
        engine.dispose()
    assert console_errors(driver) == []


def test_page_follows_a_pushed_batch_before_the_poll(server, driver):
    """A batch posted to the ingestion API reaches an open indicator page by push.

    The safety-net poll runs every 15 s; waiting at most 8 s shows the websocket path did it.
    """
    import httpx

    from data.tokens import create_token

    driver.get(server.url + "/clap?territorio=VE-C&rango=24h")
    _wait(driver, _loaded)
    before = _kpi(driver, "clap.today.served")
    engine, session = _database(server)
    try:
        secret = create_token(session, "push-page-test", "ingest")
        session.commit()
        record = {
            "id": "D-PUSH-1",
            "clap_code": "CLAP-VE-C",
            "territory_code": "VE-C-CC1",
            "delivered_on": caracas_date(utcnow()).isoformat(),
            "families_planned": 60,
            "families_served": 55,
            "bags": 55,
        }
        answer = httpx.post(
            server.url + "/api/v1/ingest/clap_deliveries",
            json=[record],
            headers={"Authorization": f"Bearer {secret}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        _wait(driver, lambda d: _kpi(d, "clap.today.served") == before + 55, timeout=8)
    finally:
        session.close()
        engine.dispose()
    assert console_errors(driver) == []


def test_a_stalled_project_opens_its_detail(server, driver):
    """The stalled list (one ``RecordTable``): a click on a title shows that project."""
    driver.get(server.url + "/proyectos")
    _wait(driver, _loaded)
    buttons = "#prj-stalled-table button.link-button"
    _wait(driver, lambda d: d.find_elements("css selector", buttons))
    stalled = _expected(server, projects.stalled_projects, Filters())
    assert stalled, "the browser world has stalled projects"
    first = driver.find_elements("css selector", buttons)[0]
    assert first.get_attribute("title") == stalled[0]["id"]
    assert first.text == stalled[0]["title"]
    first.click()
    _wait(driver, lambda d: stalled[0]["id"] in d.find_element("id", "prj-detail").text)
    assert console_errors(driver) == []


def test_a_table_below_the_fold_mounts_when_reached_not_while_the_page_loads(server, driver):
    """Nobody pays for a grid they do not reach: /proyectos draws its charts and its last
    table (far below the screen) keeps its place pending (the old idle mount fired within
    ~5 s); scrolling there mounts the grid with its rows."""
    import time

    driver.get(server.url + "/proyectos")
    _wait(
        driver,
        lambda d: d.execute_script(
            "const g = [...document.querySelectorAll('.chart-graph')];"
            "return g.length > 0 && g.every(x => x.querySelector('.main-svg, [data-sala-deferred]'));"
        ),
    )
    time.sleep(6)  # past the old idle mount (1 s + requestIdleCallback's 4 s timeout)
    assert driver.execute_script("return window.scrollY") == 0
    # The transfers table, last on the page, is far below a 1080 px screen.
    far = driver.execute_script(
        "const s = [...document.querySelectorAll('.sala-grid-slot')].pop();"
        "return [s.id, s.getBoundingClientRect().top - innerHeight, !!s.querySelector('.grid-pending')];"
    )
    assert "transferencias" in far[0] and far[1] > 200
    assert far[2], "the transfers table mounted without being reached"
    _wait(
        driver, lambda d: show_deferred(d) and d.find_elements("css selector", ".sala-grid .ag-row")
    )
    assert console_errors(driver) == []


# Logs each Dash callback request: when it left, when its answer came, what changed, its output.
CALLBACK_LOG_JS = """
window.__salaCalls = [];
const sent = window.fetch;
window.fetch = function (url, options) {
  const start = performance.now();
  let body = null;
  try { if (String(url).includes('_dash-update-component')) { body = JSON.parse(options.body); } }
  catch (e) { body = null; }
  return sent.apply(this, arguments).then(function (answer) {
    if (body) {
      window.__salaCalls.push({start: start, end: performance.now(), output: body.output,
                               changed: (body.changedPropIds || []).join(' ')});
    }
    return answer;
  });
};
"""


def test_a_table_in_view_mounts_once_the_page_has_its_data(server, driver):
    """A table already in view waits for the page's own callbacks before asking for its
    grid (assets/grid_mount.js): AG Grid measuring its theme (~0.4 s of main thread) while
    they were answered delayed the KPIs, charts and map above it."""
    from tests.browser.conftest import set_viewport

    set_viewport(driver, 1920, 2600)  # /clap's table is on screen from the start
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CALLBACK_LOG_JS})
    driver.get(server.url + "/clap")
    _wait(driver, lambda d: d.find_elements("css selector", ".sala-grid .ag-row"))
    calls = driver.execute_script("return window.__salaCalls")
    in_view = driver.execute_script(
        "const s = document.querySelector('.sala-grid-slot');"
        "return s.getBoundingClientRect().top < innerHeight;"
    )
    assert in_view
    mount = [c for c in calls if "sala-grid-mount" in c["changed"]]
    first_answers: dict[str, dict] = {}  # a later live refresh of the page is not the load
    for call in sorted(calls, key=lambda c: c["start"]):
        if "clap-trend.figure" in call["output"] or "clap-kpis" in call["output"]:
            first_answers.setdefault(call["output"], call)
    assert len(mount) == 1 and len(first_answers) == 2
    assert mount[0]["start"] >= max(c["end"] for c in first_answers.values())
    assert console_errors(driver) == []


CHARTS_DRAWN_JS = """
return [...document.querySelectorAll('.chart-graph')].map(g => ({
  id: g.id,
  top: g.getBoundingClientRect().top,
  drawn: !!g.querySelector('.main-svg'),
  deferred: !!g.querySelector('[data-sala-deferred]'),
  traces: ((g.querySelector('.js-plotly-plot') || {}).data || []).length,
}));
"""


def test_a_chart_below_the_fold_draws_when_reached_not_while_the_page_loads(server, driver):
    """Charts far below the screen wait for their first draw (assets/chart_defer.js) while
    the ones on screen draw; scrolling to one draws it with its data. On /proyectos at
    1350×940 (Lighthouse's desktop screen) 4 of its 6 charts are below the fold."""
    import time

    from tests.browser.conftest import set_viewport

    set_viewport(driver, 1350, 940)
    driver.get(server.url + "/proyectos")
    below = lambda charts: [c for c in charts if c["top"] > 940 + 200]  # noqa: E731
    _wait(
        driver,
        lambda d: (
            (charts := d.execute_script(CHARTS_DRAWN_JS))
            and all(c["drawn"] for c in charts if c["top"] < 940)
            and all(c["deferred"] for c in below(charts))
        ),
    )
    time.sleep(3)  # the page has settled: nothing draws on its own meanwhile
    charts = driver.execute_script(CHARTS_DRAWN_JS)
    waiting = below(charts)
    assert len(waiting) >= 2, charts
    assert not any(c["drawn"] for c in waiting), charts
    last = waiting[-1]["id"]
    driver.execute_script(
        "document.getElementById(arguments[0]).scrollIntoView({block: 'center'})", last
    )
    _wait(
        driver,
        lambda d: [
            c
            for c in d.execute_script(CHARTS_DRAWN_JS)
            if c["id"] == last and c["drawn"] and c["traces"] and not c["deferred"]
        ],
    )
    assert console_errors(driver) == []


def test_charts_of_a_page_left_before_they_drew_are_forgotten(server, driver):
    """Leaving /proyectos with charts still waiting below the fold must not keep them (and
    their figures) for as long as the tab stays open: on the next page only its own
    graphs wait."""
    from tests.browser.conftest import set_viewport

    set_viewport(driver, 1350, 940)
    driver.get(server.url + "/proyectos")
    _wait(driver, lambda d: d.execute_script("return window.salaDeferredCharts() >= 2"))
    driver.find_element("css selector", "a[href='/clap']").click()
    waiting = (
        "return [window.salaDeferredCharts(),"
        " document.querySelectorAll('[data-sala-deferred]').length,"
        " document.querySelectorAll('.chart-graph .main-svg').length]"
    )
    _wait(driver, lambda d: "/clap" in d.current_url)
    _wait(driver, lambda d: (w := d.execute_script(waiting))[2] > 0 and w[0] == w[1])
    assert console_errors(driver) == []


LAYOUT_SHIFTS_JS = """
window.__salaShift = 0;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) { if (!e.hadRecentInput) { window.__salaShift += e.value; } }
}).observe({type: 'layout-shift', buffered: true});
"""


@pytest.mark.parametrize("path", ["/proyectos", "/casos"])
def test_nothing_jumps_while_the_page_fills_in(server, driver, path):
    """Layout shift stays far under 0.1 (Lighthouse's "good"): the KPI row, the filter bar's
    dropdowns, the breadcrumb and the clock hold their room before their content arrives
    (without that, the KPIs and dropdowns pushed the page down: ~0.3)."""
    import time

    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LAYOUT_SHIFTS_JS})
    driver.get(server.url + path)
    _wait(
        driver,
        lambda d: d.execute_script(
            "const g = [...document.querySelectorAll('.chart-graph')];"
            "return document.querySelectorAll('[data-kpi]').length > 0"
            " && document.querySelectorAll('#flt-breadcrumb a, #flt-breadcrumb span').length > 0"
            " && g.length > 0 && g.every(x => x.querySelector('.main-svg, [data-sala-deferred]'));"
        ),
    )
    time.sleep(1)  # the last frames' shifts are reported after they are painted
    assert driver.execute_script("return window.__salaShift") < 0.05
    assert console_errors(driver) == []


COUNT_RESETS_JS = """
const store = window.store, dispatch = store.dispatch;
window.__resets = 0; window.__toldDuringReset = 0; let inReset = false;
store.subscribe(() => { if (inReset) { window.__toldDuringReset++; } });
store.dispatch = function (action) {  // components mounted from now on dispatch through this
  if (!action || action.type !== "RESET_COMPONENT_STATE") { return dispatch(action); }
  window.__resets++; inReset = true;
  try { return dispatch(action); } finally { inReset = false; }
};
"""


def test_a_page_rendered_by_a_callback_notifies_the_store_once_per_burst(server, driver):
    """Every component a callback returns dispatches RESET_COMPONENT_STATE when it mounts,
    and each notification re-runs every mounted component's selector (O(n²) per page: 13 s
    for /alertas). assets/store_batch.js tells subscribers after the burst, not during
    each of those dispatches."""
    driver.get(server.url + "/clap")
    _wait(driver, lambda d: d.find_elements("css selector", "a[href='/proyectos']"))
    driver.execute_script(COUNT_RESETS_JS)
    driver.find_element("css selector", "a[href='/proyectos']").click()
    _wait(driver, lambda d: "/proyectos" in d.current_url)
    _wait(driver, lambda d: d.find_elements("css selector", "#page [data-kpi]"))
    resets, told = driver.execute_script("return [window.__resets, window.__toldDuringReset]")
    assert resets > 100  # the page's components, each mounted from the router's answer
    assert told == 0, (told, resets)
    assert console_errors(driver) == []


def test_the_header_clock_and_the_freshness_badge_tick_in_plain_js(server, driver):
    """The clock and the freshness badges age in assets/clock.js, not through a Dash
    callback every second (each one re-ran every component's selector on every page)."""
    driver.get(server.url + "/clap")
    _wait(driver, lambda d: d.find_elements("css selector", "[data-kpi]"))
    badge = "return (document.querySelector('.freshness[data-fresh-at]') || {}).textContent"
    _wait(driver, lambda d: "actualizado hace" in (d.execute_script(badge) or ""))
    first_time, first_badge = (
        driver.find_element("id", "clock-time").text,
        driver.execute_script(badge),
    )
    _wait(driver, lambda d: d.find_element("id", "clock-time").text != first_time)
    _wait(driver, lambda d: d.execute_script(badge) != first_badge)  # "hace 1 s" -> "hace 2 s"
    assert not driver.find_elements("id", "clock-tick")
