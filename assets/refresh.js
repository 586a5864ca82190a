// When an indicator page reloads its data: a pushed window (live-feed) holding a write the
// page does not show yet, or the safety-net poll (live-version) seeing its data versions move.
// callbacks/filters.py registers onChange as a clientside callback. It ran on the server
// before: one HTTP request per open tab for every pushed window, and on a first load, a
// window arriving before the page's data callbacks held them back a round trip (Dash waits
// for a running callback that writes one of their inputs, the page's refresh store).
(function () {
  // When the page last read its data (epoch ms), or null: not loaded yet, or some store
  // without it.
  function readMsOf(loads) {
    const marks = (Array.isArray(loads) ? loads : [])
      .filter(function (x) { return x && typeof x === "object"; })
      .map(function (x) { return x.read_ms; });
    if (!marks.length || !marks.every(Number.isInteger)) { return null; }
    return Math.min.apply(null, marks);
  }

  // Whether a pushed window holds a write to one of `names` that the page does not show yet.
  // A write committed before the page read its data is already on it: a fresh tab's first
  // window replays the worker's recent events, and refreshing for them would draw the whole
  // page twice on every load. Clock skew between hosts can only make a write look newer (one
  // extra refresh) or older; then the version poll still catches it.
  function newsFor(feed, names, readMs) {
    const datasets = (feed && feed.datasets) || {};
    return names.some(function (name) {
      if (!Object.prototype.hasOwnProperty.call(datasets, name)) { return false; }
      const entry = datasets[name];
      const at = entry && typeof entry === "object" ? entry.at_ms : undefined;
      return readMs === null || !Number.isInteger(at) || at >= readMs;
    });
  }

  function sameVersions(a, b) {
    if (!a || !b || typeof b !== "object") { return false; }
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every(function (k) { return Object.prototype.hasOwnProperty.call(b, k) && b[k] === a[k]; });
  }

  // Outputs: pg-version (the versions the page has seen) and every refresh store of the
  // page (pattern ALL: one value each).
  function onChange(feed, polled, seen, refreshes, stores, loads) {
    const dc = window.dash_clientside;
    const skip = (refreshes || []).map(function () { return dc.no_update; });
    if (!stores || !stores.length || !refreshes || !refreshes.length) { return [dc.no_update, skip]; }
    const names = ((stores[0] && stores[0].datasets) || []).slice().sort();
    const bumped = refreshes.map(function (r) { return (r || 0) + 1; });
    const fired = ((dc.callback_context && dc.callback_context.triggered) || [])[0];
    if (fired && fired.prop_id === "live-feed.data") {
      return [dc.no_update, newsFor(feed, names, readMsOf(loads)) ? bumped : skip];
    }
    const mine = {};
    names.forEach(function (name) {
      const v = polled && Object.prototype.hasOwnProperty.call(polled, name) ? polled[name] : 0;
      mine[name] = v;
    });
    if (seen === null || seen === undefined || sameVersions(mine, seen)) { return [mine, skip]; }
    return [mine, bumped];
  }

  window.sala = window.sala || {};
  window.sala.refresh = { readMsOf: readMsOf, newsFor: newsFor, onChange: onChange };
})();
