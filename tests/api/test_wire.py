"""Bytes on the wire (``api/wire.py``): compressed text responses decode to the very bytes
sent uncompressed; CSV exports and the websocket still stream untouched; fingerprinted
static files are cached for a year, pages and data never."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from datetime import timedelta

import brotli
import pytest
import zstandard

from api import export
from api.wire import is_fingerprinted, negotiate
from core.timeutil import utcnow
from data.db import session_scope
from data.users import create_user
from tests import factories as f
from tests.auth.conftest import login, make_client, sala_app  # noqa: F401  (fixture)
from tests.auth.test_ws import ORIGIN, WS, answer, request

PASSWORD = "clave-muy-segura-1"
DECODE = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda body: zstandard.ZstdDecompressor().decompressobj().decompress(body),
}
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def client(sala_app, engine):  # noqa: F811
    with session_scope() as session:
        f.two_estados(session)
        create_user(session, "vice", PASSWORD, "autoridad")
    client = make_client(sala_app)
    assert login(client, "vice", PASSWORD).status_code == 303
    return client


def raw(client, method: str, url: str, encoding: str, **kwargs) -> tuple[dict, bytes]:
    """Headers and the body exactly as sent (not decoded by the HTTP client)."""
    headers = {"accept-encoding": encoding, **kwargs.pop("headers", {})}
    with client.stream(method, url, headers=headers, **kwargs) as response:
        assert response.status_code == 200, (url, response.status_code)
        return dict(response.headers), b"".join(response.iter_raw())


def assert_same_bytes_compressed(client, method: str, url: str, **kwargs) -> None:
    plain_headers, plain = raw(client, method, url, "identity", **kwargs)
    assert "content-encoding" not in plain_headers
    assert len(plain) > 500, url
    for encoding, decode in DECODE.items():
        headers, body = raw(client, method, url, f"{encoding};q=1", **kwargs)
        assert headers["content-encoding"] == encoding, url
        assert "accept-encoding" in headers.get("vary", "").lower()
        assert len(body) < len(plain)
        assert stable(decode(body)) == stable(plain), (url, encoding)


def stable(body: bytes) -> bytes:
    """Dash's page carries a random ``end_id`` per answer and the layout the header clock's
    time and date: the only bytes allowed to differ (a second may tick between two requests)."""
    body = re.sub(rb'"end_id":"[^"]*"', b'"end_id":""', body)
    return re.sub(
        rb'"children":"[^"]*","id":"clock-(time|date)"', rb'"children":"","id":"clock-\1"', body
    )


def page_scripts(client) -> list[str]:
    html = client.get("/", headers={"accept-encoding": "identity"}).text
    return re.findall(r'src="([^"]+_dash-component-suites[^"]+)"', html)


def test_pages_data_and_scripts_are_compressed_and_decode_to_the_same_bytes(client, sala_app):  # noqa: F811
    assert_same_bytes_compressed(client, "GET", "/")  # the Dash page (HTML)
    assert_same_bytes_compressed(client, "GET", "/_dash-layout")  # JSON
    assert_same_bytes_compressed(client, "GET", "/_dash-dependencies")
    assert_same_bytes_compressed(client, "GET", "/assets/sala.css")
    script = page_scripts(client)[0]
    assert_same_bytes_compressed(client, "GET", script)
    # the same static file twice: the second answer comes from the compressed cache
    assert raw(client, "GET", script, "br")[1] == raw(client, "GET", script, "br")[1]
    # a callback answer (POST JSON) too
    body = {
        "output": "probe-out.children",
        "outputs": {"id": "probe-out", "property": "children"},
        "inputs": [{"id": "probe-territory", "property": "value", "value": "VE-A"}],
        "changedPropIds": ["probe-territory.value"],
        "state": [],
    }
    headers, plain = raw(client, "POST", "/_dash-update-component", "identity", json=body)
    assert json.loads(plain)["response"]["probe-out"]["children"]
    assert headers["content-type"] == "application/json"  # else no compressor touches it
    headers, body_br = raw(client, "POST", "/_dash-update-component", "br", json=body)
    if len(plain) >= 500:
        assert headers["content-encoding"] == "br" and brotli.decompress(body_br) == plain


def test_fingerprinted_static_files_are_immutable_and_pages_and_data_never_cached(client):
    script = page_scripts(client)[0]
    assert is_fingerprinted(script.split("?")[0], "")
    assert client.get(script).headers["cache-control"] == IMMUTABLE
    assert client.get("/assets/sala.css?m=1700000000").headers["cache-control"] == IMMUTABLE
    plain_asset = client.get("/assets/sala.css")
    assert plain_asset.headers["cache-control"] == "no-cache"  # revalidated by its ETag
    etag = plain_asset.headers["etag"]
    assert client.get("/assets/sala.css", headers={"if-none-match": etag}).status_code == 304
    for url in ("/", "/_dash-layout", "/_dash-dependencies", "/login"):
        assert client.get(url).headers["cache-control"] == "no-store", url
    assert client.get("/healthz").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/nada").headers["cache-control"] == "no-store"


def test_the_plotly_bundle_url_is_versioned_so_it_can_be_kept():
    from plotly.offline import get_plotlyjs_version

    from core.config import ROOT

    loader = (ROOT / "assets" / "plotly_loader.js").read_text(encoding="utf-8")
    assert f'"v={get_plotlyjs_version()}-' in loader  # version and content hash
    assert is_fingerprinted("/assets/vendor/plotly-sala.min.js", "v=3.7.0-ecd251859415")
    assert not is_fingerprinted("/assets/vendor/plotly-sala.min.js", "")
    assert not is_fingerprinted("/_dash-component-suites/dash/dash-renderer/build/x.js", "")


def test_encoding_negotiation():
    assert negotiate("gzip, deflate, br, zstd") == "zstd"
    assert negotiate("gzip, br") == "br"
    assert negotiate("gzip") == "gzip"
    assert negotiate("br;q=0, gzip;q=0.5") == "gzip"
    assert negotiate("identity") is None and negotiate("") is None


def test_csv_export_streams_uncompressed(client, sala_app, monkeypatch):  # noqa: F811
    """Driven at the ASGI level: the export leaves the whole stack as several body messages
    (flushed as written, not buffered) with no Content-Encoding, though the client asks."""
    monkeypatch.setattr(export, "FLUSH_ROWS", 10)
    with session_scope() as session:
        reported = utcnow() - timedelta(hours=1)
        for n in range(25):  # more than two FLUSH_ROWS blocks
            f.case(session, f"C{n:05d}", "VE-A-CC1", "agua", "recibido", reported)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    messages = asyncio.run(
        asgi_get(
            sala_app.server, "/exportar/casos.csv", {"cookie": cookie, "accept-encoding": "br"}
        )
    )
    start = messages[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 200 and headers["content-type"].startswith("text/csv")
    assert "content-encoding" not in headers
    bodies = [m for m in messages[1:] if m.get("body")]
    assert len(bodies) >= 3  # BOM + header, then each block of rows as it is written
    text = b"".join(m["body"] for m in bodies).decode("utf-8-sig")
    assert text.count("\n") == 26


async def asgi_get(app, path: str, headers: dict[str, str]) -> list[dict]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8050")]
        + [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8050),
        "state": {},
    }
    sent: list[dict] = []

    requested = False

    async def receive() -> dict:
        nonlocal requested
        if requested:  # the client stays connected until the answer is whole
            await asyncio.Event().wait()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_the_websocket_still_answers_through_the_compression_layer(client):
    headers = {**ORIGIN, "accept-encoding": "gzip, deflate, br, zstd"}
    with client.websocket_connect(WS, headers=headers) as ws:
        ws.send_json(request("ws-out.children", "ws-in", 1))
        assert "vice|autoridad" in answer(ws)


def test_pages_do_not_fingerprint_the_server(client):
    """Dash's page config names the Python build and a plotly.com version-check URL; the
    Sala's pages carry neither (app.SalaDash)."""
    import sys

    page = client.get("/casos")
    assert page.status_code == 200 and "_dash-config" in page.text
    config = json.loads(re.search(r'id="_dash-config"[^>]*>(.*?)</script>', page.text, re.S)[1])
    assert "python_version" not in config and not config["dash_version_url"]
    assert sys.version.split()[0] not in page.text and "plotly.com" not in page.text


def test_pages_load_the_regenerator_runtime_not_the_whole_polyfill(client):
    """Dash's bundles need ``regeneratorRuntime`` (their lazy chunks) before they run; the
    page serves that alone instead of Babel's full polyfill (app.POLYFILL_TAG)."""
    page = client.get("/proyectos").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert not [s for s in scripts if "polyfill" in s]
    runtime = [i for i, s in enumerate(scripts) if "regenerator-runtime.js" in s]
    renderer = [i for i, s in enumerate(scripts) if "dash_renderer" in s]
    assert runtime and renderer and runtime[0] < renderer[0]
    served = client.get(scripts[runtime[0]])
    assert served.status_code == 200 and "regeneratorRuntime = runtime" in served.text
    assert "immutable" in served.headers["cache-control"]


def test_pages_do_not_run_dash_table_which_no_page_uses(client):
    """Dash lists dash_table's loader in every page; the Sala uses no DataTable (app.py
    DATA_TABLE_TAG), so the page does not run it."""
    from core.config import ROOT

    page = client.get("/casos").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts and any("dash_core_components" in s for s in scripts)
    assert not [s for s in scripts if "dash_table" in s]
    for folder in ("layouts", "callbacks", "auth", "api"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "dash_table" not in path.read_text(encoding="utf-8"), path


def test_pages_prefetch_ag_grid_instead_of_running_it_before_the_first_render(client):
    """AG Grid's 1 MB bundle is not among the scripts Dash runs before it renders: the page
    prefetches it (app.GRID_TAG) and assets/grid_mount.js runs it when a table is wanted."""
    page = client.get("/casos").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts and not [s for s in scripts if "dash_ag_grid" in s]
    links = re.findall(
        r'<link rel="prefetch" as="script" href="([^"]+)" data-sala-grid-script>', page
    )
    assert len(links) == 1 and "dash_ag_grid/dash_ag_grid" in links[0]
    served = client.get(links[0])
    assert served.status_code == 200 and "dash_ag_grid" in served.text
    assert "immutable" in served.headers["cache-control"]
    own = client.get(next(s for s in scripts if "sala-bundle.js" in s)).text  # grid_mount.js
    assert "data-sala-grid-script" in own


def test_no_callback_uploads_a_component_tree_to_be_triggered(sala_app):  # noqa: F811
    """A ``children`` input sends the whole subtree, as it is on screen, in every request:
    the wall's two refreshes listened to its grid and uploaded ~110 KB (the map's shapes
    included) on every map tick and refresh. A step's grid now says it is in place through
    the small ``muro-built`` store. Long lists sent as a state only to ask "drawn yet?" are
    asked through a small property instead."""
    trees = [
        (key, i["id"])
        for key, spec in sala_app.callback_map.items()
        for i in spec.get("inputs", [])
        if i["property"] == "children"
    ]
    assert trees == []
    wall = [
        {i["id"] for i in spec.get("inputs", [])}
        for key, spec in sala_app.callback_map.items()
        if "muro-body" in key or "muro-map" in key
    ]
    assert sum("muro-built" in ids for ids in wall) == 2
    # states travel too: the wall's alert panel (~9 KB) is asked whether it is drawn, not sent
    states = {
        (s["id"], s["property"])
        for spec in sala_app.callback_map.values()
        for s in spec.get("state", [])
    }
    assert ("muro-alerts", "children") not in states
