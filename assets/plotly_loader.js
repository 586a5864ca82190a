// Plotly for dcc.Graph: our partial bundle in assets/vendor (1.1 MB: scatter, bar, heatmap and
// the Spanish locale; built by `make plotly-bundle` from deploy/plotly) instead of Dash's full
// plotly.js (4.8 MB). dcc.Graph loads plotly.js when the first chart mounts, from
// window._dashPlotlyJSURL, which the renderer sets when it starts: pin that to our bundle
// (app.py keeps assets/vendor out of the page's script tags, so it is not parsed up front),
// and preload it now (except on the wall, which has no chart) so it is already here when
// the first chart asks.
(function () {
  const bundle = new URL("vendor/plotly-sala.min.js", document.currentScript.src);
  // Version and content hash, written by `make plotly-bundle`: the file is cached for a year
  // (api/wire.py), so a bundle with other bytes must be another URL.
  bundle.search = "v=3.7.0-ecd251859415";
  const url = bundle.href;
  Object.defineProperty(window, "_dashPlotlyJSURL", { get: () => url, set: () => {} });
  if (/^\/muro/.test(window.location.pathname)) { return; } // the wall draws no Plotly chart
  const link = document.createElement("link");
  link.rel = "preload";
  link.as = "script";
  link.href = url;
  document.head.appendChild(link);
})();
