"""The pages ship Plotly's cartesian bundle (``assets/vendor``), not the full 4.8 MB one:
it must be the plotly.js the Python package expects, and hold every trace the app draws."""

from __future__ import annotations

import re
from pathlib import Path

from plotly.offline import get_plotlyjs_version

from core.config import ROOT

VENDOR = ROOT / "assets" / "vendor"
UPDATE = (
    "Actualice assets/vendor: npm pack plotly.js-cartesian-dist-min@{v} y copie su "
    "plotly-cartesian.min.js"
)


def _bundle() -> Path:
    return VENDOR / "plotly-cartesian.min.js"


def test_bundle_is_the_plotly_js_of_the_installed_plotly():
    version = get_plotlyjs_version()
    head = _bundle().read_text(encoding="utf-8")[:300]
    assert f"plotly.js (cartesian - minified) v{version}" in head, UPDATE.format(v=version)


def test_the_loader_points_dash_at_the_bundle():
    loader = (ROOT / "assets" / "plotly_loader.js").read_text(encoding="utf-8")
    assert f'"vendor/{_bundle().name}"' in loader


def test_bundle_has_every_trace_type_the_app_draws():
    text = _bundle().read_text(encoding="utf-8")
    shipped = set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))
    assert {"bar", "scatter", "heatmap"} <= shipped
    used = set()
    for folder in ("layouts", "callbacks"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= {m.lower() for m in re.findall(r"\bgo\.([A-Z]\w*)\(", path.read_text())}
    used -= {"figure", "layout"}  # not traces
    assert used, "no trace found: the scan is broken"
    assert used <= shipped, f"trazas fuera del bundle cartesiano: {sorted(used - shipped)}"
