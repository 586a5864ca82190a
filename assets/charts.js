// Charts that need more room than their card: a horizontal bar chart with many bars carries
// ``layout.meta.minHeight`` (layouts/components/figures.py, label_axis). dcc.Graph drops
// ``layout.height`` on a responsive graph, so the graph's box is grown here instead and the
// card's body scrolls: every bar keeps a readable row and its name.
(function () {
  function fit(gd) {
    const box = gd.closest(".chart-graph");
    if (!box || !box.parentElement) { return; }
    const body = box.parentElement;
    const meta = gd.layout && gd.layout.meta;
    const want = meta && typeof meta === "object" ? Number(meta.minHeight) || 0 : 0;
    // Read the card's height only for a chart that asks for room: the read forces a layout.
    const grow = want && want > body.clientHeight ? want : 0;
    if (String(grow) === (box.dataset.salaGrow || "0")) { return; }
    box.dataset.salaGrow = String(grow);
    if (grow) {
      box.style.height = grow + "px";
      box.style.bottom = "auto";
      body.classList.add("chart-scroll");
      // A scrolling card must be reachable and named for keyboard users (axe:
      // scrollable-region-focusable): it becomes a focusable region named by its title.
      const title = body.parentElement && body.parentElement.querySelector(".panel-title");
      body.setAttribute("tabindex", "0");
      body.setAttribute("role", "region");
      body.setAttribute("aria-label", title ? title.textContent : "Gráfico");
    } else {
      box.style.height = "100%";
      box.style.bottom = "";
      body.classList.remove("chart-scroll");
      body.removeAttribute("tabindex");
      body.removeAttribute("role");
      body.removeAttribute("aria-label");
    }
    if (window.Plotly) { window.Plotly.Plots.resize(gd).catch(function () {}); }
  }

  function watch(gd) {
    if (gd._salaFit || typeof gd.on !== "function") { return; }
    gd._salaFit = true;
    gd.on("plotly_afterplot", function () { fit(gd); });
    fit(gd);
  }

  function scan() {
    document.querySelectorAll(".chart-graph .js-plotly-plot").forEach(watch);
  }

  // Coalesced: live pages mutate the DOM often; one scan per frame is plenty.
  let pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; scan(); });
  }

  new MutationObserver(schedule).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", scan);
})();
