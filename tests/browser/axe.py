"""axe-core in the browser: inject the vendored ``axe.min.js`` into a selenium page and run it.

Shared by ``tests/browser/test_accessibility.py`` and ``bench/a11y.py``. The script is
test-only (``tests/browser/vendor/axe-core``, MPL-2.0, its licence beside it): the app never
serves it. Injected through WebDriver, so the app's Content-Security-Policy does not apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
# Every page a logged-in user (the local demo administrator) reaches, and the login form.
PAGES = (
    "/",
    "/casos",
    "/paz",
    "/clap",
    "/proyectos",
    "/defensa",
    "/consulta",
    "/aca",
    "/alertas",
    "/muro",
    "/admin",
    "/login",
)

_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' '))}))))
  .catch(e => done({error: String(e)}));
"""

# A Dash page has settled when its content is in, nothing is loading and every chart and
# grid has mounted and drawn (a grid shows rows or its "Sin registros" overlay).
_SETTLED = """
const root = document.querySelector('#page') || document.querySelector('main');
if (!root || root.children.length === 0) return false;
if (document.querySelector('[data-dash-is-loading="true"]')) return false;
// Tables mount when reached (assets/grid_mount.js): scroll to the next one still waiting.
const pending = document.querySelector('.sala-grid-slot .grid-pending');
if (pending) { pending.closest('.sala-grid-slot').scrollIntoView({block: 'center'}); return false; }
// Charts draw when reached too (assets/chart_defer.js).
const chart = document.querySelector('[data-sala-deferred]');
if (chart) { chart.scrollIntoView({block: 'center'}); return false; }
const graphs = [...document.querySelectorAll('.js-plotly-plot, .dash-graph')];
if (graphs.some(g => !g.querySelector('.main-svg'))) return false;
const grids = [...document.querySelectorAll('.ag-root-wrapper')];
return grids.every(g => g.querySelector('.ag-row, .ag-overlay-no-rows-wrapper'));
"""


def wait_settled(driver, timeout: float = 40) -> None:
    """Wait until the page has rendered its content (see ``_SETTLED``)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(_SETTLED))


def run_axe(driver) -> list[dict[str, Any]]:
    """The violations axe finds on the current page: ``id``, ``impact``, ``help``, ``nodes``."""
    driver.set_script_timeout(90)
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(_RUN)
    if isinstance(result, dict) and "error" in result:
        raise RuntimeError(f"axe falló: {result['error']}")
    return result


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]], limit: int = 5) -> str:
    """One line per rule with its impact and the first ``limit`` offending elements."""
    lines = []
    for v in violations:
        nodes = ", ".join(v["nodes"][:limit]) + (" …" if len(v["nodes"]) > limit else "")
        lines.append(f"  [{v['impact']}] {v['id']} ({v['help']}): {nodes}")
    return "\n".join(lines)
