// Chart cards draw when they are about to be seen, as data tables mount (grid_mount.js): a
// chart's first draw waits until its graph comes within 200 px of the viewport. Drawing the
// charts below the fold while the page loads took ~40 % of Plotly's main-thread work on
// /proyectos (Lighthouse, bench/lighthouse.py), blocking everything else. The graph's box
// keeps its size meanwhile (the card reserves it), so nothing shifts when it draws.
//
// dcc.Graph draws with window.Plotly.react(gd, figure); Plotly arrives later (plotly_loader.js),
// so its react is wrapped as it is set. Only a chart card's FIRST draw waits (the promise
// dcc.Graph awaits resolves when it really draws; a newer figure meanwhile replaces the older);
// once drawn, updates go straight through. A pending graph carries `data-sala-deferred`.
(function () {
  const AHEAD = 200; // px: start drawing a little before the chart scrolls in
  const pending = new Map(); // gd -> {args, resolve[]}
  const near = "IntersectionObserver" in window
    ? new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { draw(e.target); } });
    }, { rootMargin: AHEAD + "px 0px" })
    : null;
  let realReact = null;

  function draw(gd) {
    const wait = pending.get(gd);
    if (!wait) { return; }
    pending.delete(gd);
    near.unobserve(gd);
    gd.removeAttribute("data-sala-deferred");
    const done = realReact.apply(window.Plotly, wait.args);
    wait.resolve.forEach(function (resolve) { resolve(done); });
  }

  // A page left before its charts were reached leaves graphs that will never draw: forget
  // them (and their figures) so a screen open for months does not keep every page it showed.
  function forgetDetached() {
    pending.forEach(function (wait, gd) {
      if (!gd.isConnected) {
        pending.delete(gd);
        near.unobserve(gd);
      }
    });
  }
  // For diagnosis (and the browser tests): how many graphs wait for their first draw.
  window.salaDeferredCharts = function () { return pending.size; };

  function inView(gd) {
    const r = gd.getBoundingClientRect();
    return r.bottom >= -AHEAD && r.top <= window.innerHeight + AHEAD;
  }

  function react(gd) {
    if (near && pending.size) { forgetDetached(); }
    const waits = pending.get(gd);
    const first = gd instanceof Element && !gd._fullLayout && gd.closest(".chart-graph");
    if (!near || (!waits && (!first || inView(gd)))) {
      return realReact.apply(window.Plotly, arguments);
    }
    const args = Array.prototype.slice.call(arguments);
    return new Promise(function (resolve) {
      if (waits) {
        waits.args = args; // the newest figure wins
        waits.resolve.push(resolve);
        return;
      }
      pending.set(gd, { args: args, resolve: [resolve] });
      gd.setAttribute("data-sala-deferred", "");
      near.observe(gd);
    });
  }

  let plotly;
  Object.defineProperty(window, "Plotly", {
    configurable: true,
    get: function () { return plotly; },
    set: function (value) {
      plotly = value;
      if (value && typeof value.react === "function" && value.react !== react) {
        realReact = value.react;
        value.react = react;
      }
    },
  });
})();
