"""The app's own scripts and stylesheets linked as one file each (``api/asset_bundle.py``)."""

from __future__ import annotations

import re

import pytest

from api import asset_bundle
from core.config import ROOT
from tests.api.test_wire import IMMUTABLE, assert_same_bytes_compressed, client  # noqa: F401
from tests.auth.conftest import sala_app  # noqa: F401  (fixture)

OWN_SCRIPT = re.compile(r'<script src="(/assets/(?!vendor/)[^"]+)"')
OWN_STYLE = re.compile(r'<link rel="stylesheet" href="(/assets/[^"]+)"')


def test_a_page_links_one_script_and_one_stylesheet_of_its_own(client):  # noqa: F811
    """Dash linked 17 scripts and 6 stylesheets of assets/ one by one; on an empty cache the
    browser queued them over its 6 connections before the renderer could start."""
    page = client.get("/proyectos").text
    scripts, styles = OWN_SCRIPT.findall(page), OWN_STYLE.findall(page)
    assert scripts == [f"/assets/sala-bundle.js?v={asset_bundle.bundle('js').digest}"]
    assert styles == [f"/assets/sala-bundle.css?v={asset_bundle.bundle('css').digest}"]
    # where the first asset was: after the component libraries it may use, before the
    # renderer that starts the page (plotly_loader.js and chart_defer.js must run first)
    order = re.findall(r'<script src="([^"]+)"', page)
    bundle_at = next(i for i, s in enumerate(order) if "sala-bundle.js" in s)
    assert bundle_at < next(i for i, s in enumerate(order) if "dash_renderer" in s)
    assert bundle_at > next(i for i, s in enumerate(order) if "react-dom" in s)
    assert "regenerator-runtime.js" in page  # vendor/ is linked by app.py, not bundled


@pytest.mark.parametrize("kind", ["js", "css"])
def test_the_bundle_is_every_file_in_dash_order(client, kind):  # noqa: F811
    """Every ``assets/*.<kind>`` file, whole, by name; a file added later joins by itself."""
    files = sorted(p for p in (ROOT / "assets").glob(f"*.{kind}"))
    assert len(files) > 1
    served = client.get(f"/assets/sala-bundle.{kind}?v={asset_bundle.bundle(kind).digest}")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith(asset_bundle.KINDS[kind][0])
    assert served.headers["cache-control"] == IMMUTABLE
    body = served.content
    assert body == asset_bundle.KINDS[kind][1].join(p.read_bytes() for p in files)
    # each file stays served on its own too (Dash's route)
    assert client.get(f"/assets/{files[0].name}").content == files[0].read_bytes()


def test_the_bundle_is_compressed_and_its_query_changes_nothing(client):  # noqa: F811
    assert_same_bytes_compressed(client, "GET", "/assets/sala-bundle.js")
    js = client.get("/assets/sala-bundle.js").content
    assert client.get("/assets/sala-bundle.js?kind=css&media_type=text/html").content == js
    assert (
        client.get("/assets/sala-bundle.js")
        .headers["content-type"]
        .startswith("application/javascript")
    )


def test_other_bytes_make_another_url(tmp_path, monkeypatch):
    """The URL carries a hash of the bytes: a changed file is fetched anew despite the
    year-long cache."""
    (tmp_path / "a.js").write_text("window.a = 1;", encoding="utf-8")
    (tmp_path / "b.js").write_text("window.b = 2", encoding="utf-8")
    monkeypatch.setattr(asset_bundle, "ASSETS", tmp_path)
    asset_bundle.bundle.cache_clear()
    try:
        first = asset_bundle.bundle("js")
        assert first.files == ("a.js", "b.js")
        assert first.body == b"window.a = 1;\n;\nwindow.b = 2"
        (tmp_path / "b.js").write_text("window.b = 3", encoding="utf-8")
        asset_bundle.bundle.cache_clear()
        assert asset_bundle.bundle("js").digest != first.digest
        page = (
            '<script src="/assets/a.js?m=1"></script>\n<script src="/x/dash_renderer.js"></script>\n'
            '<script src="/assets/b.js?m=1"></script>\n'
        )
        linked = asset_bundle.link_bundle(page, "js", "/assets/sala-bundle.js")
        assert linked == (
            f'<script src="/assets/sala-bundle.js?v={asset_bundle.bundle("js").digest}"></script>\n'
            '<script src="/x/dash_renderer.js"></script>\n'
        )
    finally:
        asset_bundle.bundle.cache_clear()
