// Wall map (layouts/muro.py map_features, dash-leaflet GeoJSON): estados with a shape are
// filled (salaWall.shape), other territories small markers of one size (salaWall.point); both take the
// threshold colour "color" set on the server (core/thresholds.py, the legend's bands).
// Recent events: small bright yellow dots.
window.salaWall = {
  NO_DATA: "#8a94a6",
  shape: function (feature) {
    const p = feature.properties || {};
    return { color: "#0b1016", weight: 1.5, fillOpacity: 0.7,
             fillColor: p.color || window.salaWall.NO_DATA };
  },
  point: function (feature, latlng) {
    // radii in wall units (--u, 24 px at 1080p): small beside the shapes, at every size
    const wall = document.getElementById("muro") || document.documentElement;
    const u = parseFloat(getComputedStyle(wall).fontSize) || 24;
    const p = feature.properties || {};
    const marker = p.kind === "event"
      ? L.circleMarker(latlng, { radius: 0.2 * u, color: "#0b1016", weight: 1,
                                 fillColor: "#ffe14d", fillOpacity: 1 })
      : L.circleMarker(latlng, { radius: 0.35 * u,
                                 color: "#0b1016", weight: Math.max(1, u / 16),
                                 fillColor: p.color || window.salaWall.NO_DATA,
                                 fillOpacity: 0.85 });
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

// Estado names on the wall's map are at the wall's minimum size (24 px at 1080p), so they
// cannot all fit: keep the ones that fit inside the map without touching a name already
// kept (bigger estados, rank 1, first) and hide the rest. Re-checked every second: the base
// map arrives by URL, and the view changes with each step of the rotation.
(function () {
  const GAP = 4; // px between two names
  function overlaps(a, b) {
    return a.left < b.right + GAP && b.left < a.right + GAP &&
           a.top < b.bottom + GAP && b.top < a.bottom + GAP;
  }
  function declutter(map) {
    const box = map.getBoundingClientRect();
    const labels = Array.from(map.querySelectorAll(".sala-estado-label"));
    const rank = function (el) { const m = el.className.match(/rank-(\d)/); return m ? +m[1] : 9; };
    labels.sort(function (a, b) { return rank(a) - rank(b); });
    const kept = [];
    labels.forEach(function (el) {
      const span = el.firstChild;
      if (!span) { return; }
      const r = span.getBoundingClientRect();
      const fits = r.width > 0 && r.left >= box.left && r.right <= box.right &&
        r.top >= box.top && r.bottom <= box.bottom && !kept.some(function (k) { return overlaps(r, k); });
      el.classList.toggle("muro-label-hidden", !fits);
      if (fits) { kept.push(r); }
    });
  }
  setInterval(function () {
    document.querySelectorAll("#muro .muro-map").forEach(declutter);
  }, 1000);
})();

// The wall's map keeps its scope fitted when its panel changes size after the fit (the
// level-5 banner comes and goes, fonts and the alert column settle): Leaflet only notices
// window resizes, so without this the map stays zoomed on a corner. Every Leaflet map
// registers itself; those inside #muro refit the bounds last fitted on them.
(function () {
  if (!window.L || !L.Map) { return; }
  L.Map.addInitHook(function () {
    const map = this;
    const fit = map.fitBounds;
    map.fitBounds = function (bounds, options) {
      map._salaFit = [bounds, options];
      return fit.call(map, bounds, options);
    };
    const box = map.getContainer();
    if (!window.ResizeObserver || !box.closest("#muro")) { return; }
    let last = "";
    new ResizeObserver(function () {
      const size = box.clientWidth + "x" + box.clientHeight;
      if (size === last || !box.clientWidth || !box.clientHeight) { return; }
      last = size;
      map.invalidateSize({ animate: false });
      if (map._salaFit) {
        fit.call(map, map._salaFit[0], Object.assign({}, map._salaFit[1], { animate: false }));
      }
    }).observe(box);
  });
})();
