// Data tables mount when they are about to be seen (layouts/components/data_table.py): a
// table's place asks for its grid when it comes within 200 px of the viewport (scrolling,
// or a keyboard moving focus there). A visit that never reaches a table pays nothing for it
// but AG Grid's script: mounting the grids of a page below the fold while it loads cost
// ~1-2 s of main thread (Lighthouse, bench/lighthouse.py), blocking everything else.
//
// It also waits for the page to be quiet: no Dash callback in flight (Dash marks their
// outputs with data-dash-is-loading) and the browser idle. At 1920×1080 a table sits near
// enough to the fold to mount while the page loads, and AG Grid measuring its theme
// (~0.4 s of main thread) then delayed the KPIs, charts and map above it.
//
// AG Grid's own script (1 MB) is not among the page's scripts either (app.GRID_TAG): the
// page only prefetches it, and it runs here, once, before the first grid is asked for.
(function () {
  const asked = new WeakSet();
  const QUIET_CHECK_MS = 100;
  const QUIET_MAX_WAIT_MS = 5000;
  const GRID_RETRY_MS = 3000;
  let gridScript = null; // a promise: AG Grid's script has run

  function loadGridScript() {
    if (window.dash_ag_grid) { return Promise.resolve(); }
    if (gridScript) { return gridScript; }
    const link = document.querySelector("link[data-sala-grid-script]");
    if (!link) { return Promise.resolve(); } // the page carries it as a script
    gridScript = new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = link.href;
      script.onload = function () { resolve(); };
      script.onerror = function () { script.remove(); gridScript = null; reject(); };
      document.body.appendChild(script);
    });
    return gridScript;
  }

  function whenQuiet(fn) {
    const idle = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
    const started = Date.now();
    (function check() {
      const busy = document.querySelector('[data-dash-is-loading="true"]');
      if (!busy || Date.now() - started > QUIET_MAX_WAIT_MS) {
        idle(fn, { timeout: 1000 });
        return;
      }
      setTimeout(check, QUIET_CHECK_MS);
    })();
  }

  function ask(slot) {
    if (asked.has(slot) || !slot.querySelector(".grid-pending")) { return; }
    const C = window.dash_clientside;
    if (!C || typeof C.set_props !== "function") { return; }
    asked.add(slot);
    let id;
    try { id = JSON.parse(slot.id); } catch (e) { return; }
    loadGridScript().then(
      function () {
        // The page may have changed while the script loaded (a filter, the back button):
        // Dash throws on a prop set for a component no longer in its layout.
        if (!slot.isConnected) { return; }
        C.set_props({ type: "sala-grid-mount", dataset: id.dataset }, { data: true });
      },
      function () {
        // The script did not arrive (the link dropped): say so and try again shortly.
        const pending = slot.querySelector(".grid-pending");
        if (pending) { pending.textContent = "No se pudo cargar la tabla; reintentando…"; }
        asked.delete(slot);
        setTimeout(function () { ask(slot); }, GRID_RETRY_MS);
      }
    );
  }

  const near = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { whenQuiet(function () { ask(e.target); }); }
      });
    }, { rootMargin: "200px 0px" })
    : null;
  const seen = new WeakSet();

  function scan() {
    document.querySelectorAll(".sala-grid-slot").forEach(function (slot) {
      if (seen.has(slot)) { return; }
      seen.add(slot);
      if (near) { near.observe(slot); } else { ask(slot); }
    });
  }

  let pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; scan(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
