"""Every map draws the geography without any tile server (``SALA_TILE_URL=none``).

The base map (``layouts/components/base_map.py``) is Natural Earth vector data shipped in
``assets/geo/base.json``: at national level Venezuela's outline must be an SVG path whose
box spans most of the map, under the data points; the estado names are labelled.
"""

from __future__ import annotations

import base64
import threading

import pytest

MAPS = ("/", "/casos", "/paz", "/clap", "/proyectos", "/defensa", "/muro")

# For each map on the page: its size, the box of Venezuela's path, the number of base-map
# paths by kind and of estado labels.
MEASURE = """
return Array.from(document.querySelectorAll('.leaflet-container')).map(m => {
  const r = m.getBoundingClientRect();
  const v = m.querySelector('path.sala-geo-venezuela');
  const b = v ? v.getBoundingClientRect() : null;
  const kinds = {};
  m.querySelectorAll('path.sala-geo').forEach(p => {
    const k = Array.from(p.classList).find(c => c.startsWith('sala-geo-'));
    kinds[k] = (kinds[k] || 0) + 1;
  });
  return {w: r.width, h: r.height, vw: b && b.width, vh: b && b.height, kinds: kinds,
          labels: m.querySelectorAll('.sala-estado-label').length,
          // The geography stays in its own pane, under the data's overlay pane.
          under: m.querySelectorAll('.leaflet-sala-geo-pane path.sala-geo').length,
          over: m.querySelectorAll('.leaflet-overlay-pane path.sala-geo').length,
          tiles: m.querySelectorAll('.leaflet-tile').length};
});
"""


@pytest.mark.parametrize("path", MAPS)
def test_every_map_draws_the_country_without_tiles(server, driver, path):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + path)

    def drawn(d):
        maps = d.execute_script(MEASURE)
        return maps if maps and all(m["vw"] for m in maps) else None

    maps = WebDriverWait(driver, 30).until(drawn)
    for m in maps:
        assert m["tiles"] == 0  # SALA_TILE_URL=none: the geography alone
        # Venezuela's outline spans most of the map (fitted on the country).
        assert max(m["vw"] / m["w"], m["vh"] / m["h"]) > 0.75, m
        assert min(m["vw"] / m["w"], m["vh"] / m["h"]) > 0.3, m
        # Neighbours, coast and rivers are drawn too, and the estados are named.
        for kind in ("country", "coast", "river", "land"):
            assert m["kinds"].get(f"sala-geo-{kind}"), (kind, m)
        assert m["labels"] == 25, m
        assert m["under"] and not m["over"], m


def test_the_geography_is_a_cached_static_asset(server, driver):
    """The base map comes once from /assets (a file the browser caches), not from a callback."""
    import urllib.request

    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + "/")
    WebDriverWait(driver, 30).until(
        lambda d: d.find_elements("css selector", ".sala-map path.sala-geo-venezuela")
    )
    urls = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => n.includes('/assets/geo/base.json'));"
    )
    assert len(urls) == 1, urls
    with urllib.request.urlopen(urls[0]) as response:
        assert response.status == 200
        headers = {k.lower(): v for k, v in response.headers.items()}
    assert "etag" in headers or "last-modified" in headers or "cache-control" in headers


# Two estado capitals (data/reference.py CAPITALS) whose labels give the map's scale.
CARACAS, MARACAIBO = ("VE-A", -66.88), ("VE-V", -71.61)
SPAN = """
const m = document.querySelector('.sala-map');
const at = code => {
  const s = m && m.querySelector(`.sala-estado-label span[data-code='${code}']`);
  return s && s.parentElement._leaflet_pos;
};
const a = at(arguments[0]), b = at(arguments[1]);
return a && b ? {w: m.getBoundingClientRect().width, dx: Math.abs(a.x - b.x)} : null;
"""


def visible_span(driver) -> float | None:
    """Degrees of longitude across the map, from the pixel distance of two labels."""
    got = driver.execute_script(SPAN, CARACAS[0], MARACAIBO[0])
    if not got or not got["dx"]:
        return None
    return got["w"] / (got["dx"] / abs(CARACAS[1] - MARACAIBO[1]))


def test_a_circuito_map_shows_its_surroundings(server, driver):
    """Narrowed to one circuito (a single point), the map zooms in but keeps at least the
    minimum extent around it, so the coast and the estado stay in view."""
    from selenium.webdriver.support.ui import WebDriverWait

    from layouts.components.territory_map import MIN_SPAN

    driver.get(server.url + "/casos")
    national = WebDriverWait(driver, 30).until(visible_span)
    assert national > 10  # the whole country

    driver.get(server.url + "/casos?territorio=VE-A-C1")
    WebDriverWait(driver, 30).until(lambda d: (visible_span(d) or 99) < 5)
    span = visible_span(driver)
    assert MIN_SPAN * 0.9 <= span <= 5, span
    # Its estado is named and the coast beside it is drawn.
    label = driver.find_element(
        "css selector", ".sala-map .sala-estado-label span[data-code='VE-A']"
    )
    assert label.is_displayed() and label.text
    assert driver.find_elements("css selector", ".sala-map path.sala-geo-coast")


# A 1×1 PNG: what the stand-in tile server answers for every tile.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAE"
    "hgGBkR7MBQAAAABJRU5ErkJggg=="
)
TILE_PORT = 8124  # in this helper's port range (tests/browser runs one file at a time)


@pytest.fixture(scope="module")
def tiled_server(browser_database: str):
    """The app with ``SALA_TILE_URL`` on a local stand-in tile server."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.server import start_server

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *_args):
            pass

    tiles = ThreadingHTTPServer(("127.0.0.1", TILE_PORT), Tiles)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{TILE_PORT}/{{z}}/{{x}}/{{y}}.png"
    srv = start_server(browser_database, env={"SALA_TILE_URL": url})
    try:
        yield srv
    finally:
        srv.stop()
        tiles.shutdown()
        tiles.server_close()


def test_tiles_lie_under_the_geography_which_lets_them_show(tiled_server, driver):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(tiled_server.url + "/defensa")
    WebDriverWait(driver, 30).until(
        lambda d: (
            d.find_elements("css selector", ".sala-map .leaflet-tile-loaded")
            and d.find_elements("css selector", ".sala-map path.sala-geo-venezuela")
        )
    )
    z = driver.execute_script(
        "const m = document.querySelector('.sala-map');"
        "const z = s => Number(getComputedStyle(m.querySelector(s)).zIndex);"
        "return [z('.leaflet-tile-pane'), z('.leaflet-sala-geo-pane'), z('.leaflet-overlay-pane')];"
    )
    assert z[0] < z[1] < z[2]  # tiles, then the geography, then the data
    fills = driver.execute_script(
        "return ['land', 'country', 'venezuela'].map(k => Number(document.querySelector("
        "'.sala-map path.sala-geo-' + k).getAttribute('fill-opacity')));"
    )
    assert fills[0] == 0 and fills[1] == 0 and fills[2] < 0.2  # the tiles show through
    assert driver.find_elements("css selector", ".sala-map path.sala-geo-coast")
