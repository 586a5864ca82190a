// Wall map points (layouts/muro.py, dash-leaflet GeoJSON pointToLayer).
// Territories: size = open 1x10 cases (relative), colour = incidents in 24 h (relative).
// Recent events: small bright yellow dots.
window.salaWall = {
  heat: function (h) {
    if (h === null || h === undefined) { return "#6b7a8c"; }
    if (h < 0.25) { return "#2fbf71"; }
    if (h < 0.5) { return "#f5c542"; }
    if (h < 0.75) { return "#f0a030"; }
    return "#e5484d";
  },
  point: function (feature, latlng) {
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const p = feature.properties || {};
    const marker = p.kind === "event"
      ? L.circleMarker(latlng, { radius: 0.45 * rem, color: "#0b1016", weight: 1,
                                 fillColor: "#ffe14d", fillOpacity: 1 })
      : L.circleMarker(latlng, { radius: (0.5 + 1.6 * Math.sqrt(p.size || 0)) * rem,
                                 color: "#0b1016", weight: Math.max(1, rem / 10),
                                 fillColor: window.salaWall.heat(p.heat), fillOpacity: 0.8 });
    if (p.tooltip) { marker.bindTooltip(p.tooltip); }
    return marker;
  },
};

// The wall's ticker (layouts/muro.py): the server keeps the latest events of the territory
// on screen in the visually hidden list #muro-ticker; this copies them into the scrolling
// track #muro-ticker-run, twice, so a CSS animation of -50 % loops seamlessly. New events
// wait for the end of a pass (no jump mid-read); a new territory replaces them at once.
// Text that fits the window does not move at all.
(function () {
  const SPEED = 0.06; // share of the viewport width travelled per second

  function keyOf(src) {
    return (src.dataset.territory || "") + "|" +
      Array.from(src.children).map(function (li) { return li.textContent; }).join("\u0001");
  }

  function fill(src, run) {
    const items = Array.from(src.children);
    run.textContent = "";
    run.classList.add("still");
    for (let copy = 0; copy < 2; copy++) {
      const seq = document.createElement("div");
      seq.className = "muro-ticker-seq";
      items.forEach(function (li) {
        const span = document.createElement("span");
        span.className = li.className;
        span.textContent = li.textContent;
        seq.appendChild(span);
      });
      run.appendChild(seq);
    }
    run.dataset.key = keyOf(src);
    run.dataset.territory = src.dataset.territory || "";
    run.pending = false;
    const seq = run.firstChild;
    const window_ = run.parentElement;
    if (!seq || !window_) { return; }
    const width = seq.getBoundingClientRect().width;
    if (width <= window_.getBoundingClientRect().width) {
      run.lastChild.remove(); // fits: one still copy, nothing is cut
      return;
    }
    run.style.animationDuration = (width / (window.innerWidth * SPEED)).toFixed(1) + "s";
    void run.offsetWidth; // restart the animation from the start
    run.classList.remove("still");
  }

  function tick() {
    const src = document.getElementById("muro-ticker");
    const run = document.getElementById("muro-ticker-run");
    if (!src || !run) { return; }
    if (!run.wired) {
      run.wired = true;
      run.addEventListener("animationiteration", function () {
        const s = document.getElementById("muro-ticker");
        if (s && run.pending) { fill(s, run); }
      });
    }
    const key = keyOf(src);
    if (key === run.dataset.key) { return; }
    const moved = (src.dataset.territory || "") !== (run.dataset.territory || "");
    if (!run.firstChild || moved || run.classList.contains("still")) {
      fill(src, run);
    } else {
      run.pending = true; // swap at the end of this pass
    }
  }

  setInterval(tick, 300);
})();
