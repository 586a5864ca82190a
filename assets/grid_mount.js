// Data tables mount after the page has drawn (layouts/components/data_table.py): a table's
// place asks for its grid when it comes near the viewport, or when the browser is idle
// after the first render, whichever is first. Until then AG Grid costs the first visit
// nothing but its script.
(function () {
  const asked = new WeakSet();

  function ask(slot) {
    if (asked.has(slot) || !slot.querySelector(".grid-pending")) { return; }
    const C = window.dash_clientside;
    if (!C || typeof C.set_props !== "function") { return; }
    asked.add(slot);
    let id;
    try { id = JSON.parse(slot.id); } catch (e) { return; }
    C.set_props({ type: "sala-grid-mount", dataset: id.dataset }, { data: true });
  }

  const near = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { ask(e.target); } });
    }, { rootMargin: "300px" })
    : null;
  const idle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 1500); };
  const seen = new WeakSet();

  function scan() {
    document.querySelectorAll(".sala-grid-slot").forEach(function (slot) {
      if (seen.has(slot)) { return; }
      seen.add(slot);
      if (near) { near.observe(slot); }
      // Not scrolled to: mount anyway once the page's charts are drawn and the tab is quiet.
      setTimeout(function () { idle(function () { ask(slot); }, { timeout: 4000 }); }, 1000);
    });
  }

  let pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; scan(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
