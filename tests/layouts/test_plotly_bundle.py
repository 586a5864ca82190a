"""The pages ship our partial Plotly bundle (``assets/vendor/plotly-sala.min.js``, built by
``make plotly-bundle`` from ``deploy/plotly``), not Dash's full 4.8 MB one: it must be the
plotly.js the Python package expects, hold every trace the app draws, and carry the Spanish
locale the charts ask for."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from plotly.offline import get_plotlyjs_version

from core.config import ROOT
from layouts.components.chart import GRAPH_CONFIG

VENDOR = ROOT / "assets" / "vendor"
RECIPE = ROOT / "deploy" / "plotly"
UPDATE = (
    'Reconstruya el bundle: ponga "plotly.js": "{v}" en deploy/plotly/package.json y '
    "ejecute make plotly-bundle"
)


def _bundle() -> Path:
    return VENDOR / "plotly-sala.min.js"


def _text() -> str:
    return _bundle().read_text(encoding="utf-8")


def test_bundle_is_the_plotly_js_of_the_installed_plotly():
    version = get_plotlyjs_version()
    assert f" - minified) v{version}" in _text()[:300], UPDATE.format(v=version)


def test_the_recipe_pins_the_same_plotly_js():
    """``make plotly-bundle`` rebuilds the file in the repository, not another version."""
    package = json.loads((RECIPE / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((RECIPE / "package-lock.json").read_text(encoding="utf-8"))
    version = get_plotlyjs_version()
    assert package["dependencies"]["plotly.js"] == version, UPDATE.format(v=version)
    assert lock["packages"]["node_modules/plotly.js"]["version"] == version


def test_the_loader_points_dash_at_the_bundle():
    loader = (ROOT / "assets" / "plotly_loader.js").read_text(encoding="utf-8")
    assert f'"vendor/{_bundle().name}"' in loader


def test_the_loader_url_changes_with_the_bundle_bytes():
    """The bundle is cached for a year: a rebuild with other bytes at the same plotly version
    (another trace, another esbuild) must be fetched again, not served from the cache."""
    loader = (ROOT / "assets" / "plotly_loader.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(_bundle().read_bytes()).hexdigest()[:12]
    stamp = f"v={get_plotlyjs_version()}-{digest}"
    assert f'bundle.search = "{stamp}"' in loader, "ejecute make plotly-bundle"


def test_bundle_has_every_trace_type_the_app_draws():
    shipped = set(re.findall(r'moduleType:"trace",name:"(\w+)"', _text()))
    assert {"bar", "scatter", "heatmap"} <= shipped
    used = set()
    for folder in ("layouts", "callbacks"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= {m.lower() for m in re.findall(r"\bgo\.([A-Z]\w*)\(", path.read_text())}
    used -= {"figure", "layout"}  # not traces
    assert used, "no trace found: the scan is broken"
    assert used <= shipped, f"trazas fuera del bundle: {sorted(used - shipped)}"


def test_bundle_registers_the_locale_the_charts_ask_for():
    """Without it Plotly falls back to English (month names in date hovers)."""
    locales = set(re.findall(r'moduleType:"locale",name:"([\w-]+)"', _text()))
    assert GRAPH_CONFIG["locale"] in locales
