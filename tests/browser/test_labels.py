"""Every page reads as a human would want (issue 13, "Every page"): every bar of a horizontal
bar chart has its name, a chart with many bars grows instead of squeezing its names, heat maps
carry a colour scale, count axes start at zero, and no internal value or code reaches the
screen (``en_ejecucion``, ``consejo_comunal``, ``VE-A``, a bare ``T4``)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import console_errors, set_viewport, show_deferred

PAGES = ("/", "/casos", "/paz", "/clap", "/proyectos", "/defensa", "/consulta", "/aca", "/alertas")
# Internal values: snake_case codes, a bare territory code (ids such as ``Q-VE-A`` or
# ``CLAP-VE-A`` are ids, shown whole), a 7T number without its name.
INTERNAL = re.compile(
    r"\b(?:en_ejecucion|en_atencion|en_curso|consejo_comunal|[a-z]+_[a-z]+)\b"
    r"|(?<![\w-])VE-[A-Z](?:-[A-Z0-9]+)*(?![\w-])"
    r"|(?<![\w-])T[1-7](?![\w-])(?! ·)"
)

CHARTS_JS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (gd) {
  const data = gd.data || [];
  const layout = gd.layout || {};
  const full = gd._fullLayout || {};
  const loading = (layout.annotations || []).some(a => /Cargando/.test(a.text || ''));
  const hbars = data.filter(t => t.type === 'bar' && t.orientation === 'h');
  const vbars = data.filter(t => t.type === 'bar' && t.orientation !== 'h' && !t.yaxis);
  const cats = new Set();
  hbars.forEach(t => (t.y || []).forEach(v => cats.add(String(v))));
  const ticks = Array.from(gd.querySelectorAll('.yaxislayer-above .ytick text'))
    .filter(t => (t.textContent || '').trim() !== '');
  const meta = layout.meta && typeof layout.meta === 'object' ? layout.meta : {};
  // Sides whose margin Plotly had to grow for labels or legend (and so drew again).
  const asked = layout.margin || {};
  const drawn = full._size || {};
  const grown = ['l', 'r', 't', 'b'].filter(s => drawn[s] - (asked[s] || 0) > 1)
    .map(s => s + ' ' + asked[s] + ' → ' + Math.round(drawn[s]));
  // Labels sticking out of the chart (cut off on screen): name axes have no automargin,
  // number axes do not hide a label past the chart's edge (figures.base_layout).
  const box = gd.querySelector('.main-svg').getBoundingClientRect();
  const cut = Array.from(gd.querySelectorAll(
    '.xtick text, .ytick text, .legendtext, .g-xtitle text, .g-ytitle text'))
    .filter(t => t.style.display !== 'none' && (t.textContent || '').trim() !== '')
    .filter(t => {
      const r = t.getBoundingClientRect();
      return r.left < box.left - 1 || r.right > box.right + 1
        || r.top < box.top - 1 || r.bottom > box.bottom + 1;
    })
    .map(t => t.textContent);
  const title = (gd.closest('.panel') || {}).querySelector
    ? ((gd.closest('.panel').querySelector('.panel-title') || {}).textContent || '') : '';
  return {
    title: title || gd.parentElement.id || '?',
    loading: loading,
    bars: cats.size,
    labels: ticks.length,
    minHeight: meta.minHeight || 0,
    height: gd.getBoundingClientRect().height,
    heatmaps: data.filter(t => t.type === 'heatmap').length,
    scales: data.filter(t => t.type === 'heatmap' && t.showscale).length,
    grown: grown,
    cut: cut,
    xstart: hbars.length && full.xaxis && full.xaxis.range ? full.xaxis.range[0] : null,
    ystart: vbars.length && full.yaxis && full.yaxis.range ? full.yaxis.range[0] : null,
  };
});
"""


LEGEND_CLAMPED_JS = """
return Array.from(document.querySelectorAll('.legend-text'))
  .filter(e => e.offsetParent && (e.scrollHeight > e.clientHeight + 1
                                  || e.scrollWidth > e.clientWidth + 1))
  .map(e => e.textContent);
"""


def _settled_charts(driver, timeout: float = 45) -> list[dict]:
    """The page's charts once every one has its data (none says "Cargando…") and their
    number stopped changing."""
    from selenium.webdriver.support.ui import WebDriverWait

    seen: dict[str, object] = {"n": -1}

    def ready(d) -> dict | bool:
        if not show_deferred(d):  # charts below the fold draw when reached
            return False
        charts = d.execute_script(CHARTS_JS)
        if any(c["loading"] for c in charts):
            return False
        n = len(charts)
        stable, seen["n"] = n == seen["n"], n
        return {"charts": charts} if stable else False  # a page may have no chart at all

    return WebDriverWait(driver, timeout, poll_frequency=1.0).until(ready)["charts"]


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)], ids=["1080p", "768p"])
def test_every_horizontal_bar_has_its_name(server, driver, size):
    """Every bar named, charts grown to fit, axes from zero, colour scales, no chart whose
    margins Plotly had to grow (it would draw it twice) and no label cut off."""
    set_viewport(driver, *size)
    checked = 0
    for path in PAGES:
        driver.get(server.url + path)
        charts = _settled_charts(driver)
        for chart in charts:
            if chart["bars"]:
                checked += 1
                where = (path, chart["title"], size)
                assert chart["labels"] == chart["bars"], where
                assert chart["height"] >= chart["minHeight"] - 2, where  # grew to fit
                assert chart["xstart"] is None or chart["xstart"] <= 0, where
            if chart["ystart"] is not None:
                assert chart["ystart"] <= 0, (path, chart["title"], "count axis from zero")
            assert chart["scales"] == chart["heatmaps"], (path, chart["title"], "colour scale")
            # The figure brought margins large enough: Plotly drew it once (margins.py), and
            # no name, number, legend or title is cut off at the chart's edge.
            assert chart["grown"] == [], (path, chart["title"], size)
            assert chart["cut"] == [], (path, chart["title"], size)
        # The map key's words fit its two lines (they end in "…" when they do not).
        clamped = driver.execute_script(LEGEND_CLAMPED_JS)
        assert clamped == [], (path, size)
        assert console_errors(driver) == [], path
    # The national views draw the 25 estados: the charts that list them were really checked.
    assert checked >= 10


def test_no_internal_value_or_code_on_any_page(server, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    for path in PAGES:
        driver.get(server.url + path)
        _settled_charts(driver)
        if driver.find_elements("css selector", ".sala-grid"):
            WebDriverWait(driver, 30).until(
                lambda d: (
                    show_deferred(d)
                    and (
                        d.find_elements("css selector", ".sala-grid .ag-row[row-id]")
                        or d.find_elements("css selector", ".ag-overlay-no-rows-center")
                    )
                )
            )
        text = driver.execute_script(
            "return document.body.innerText + '\\n' + Array.from("
            "document.querySelectorAll('.js-plotly-plot .ytick text, .js-plotly-plot .xtick text,"
            " .js-plotly-plot .legendtext')).map(e => e.textContent).join('\\n');"
        )
        found = sorted(set(m.group(0) for m in INTERNAL.finditer(text)))
        assert found == [], (path, found)


def test_the_internal_pattern_catches_what_it_should():
    """The guard itself: raw values are caught, human names and ids are not."""
    for raw in ("en_ejecucion", "en_atencion", "consejo_comunal", "VE-A", "VE-V-03", "T4"):
        assert INTERNAL.search(f"Estatus: {raw}, hoy"), raw
    for fine in ("En ejecución", "Consejo comunal", "Q-VE-A", "CLAP-VE-A-CC1", "T4 · Social"):
        assert not INTERNAL.search(fine), fine
