// Alert ages ("hace 3 min") stay current between refreshes: every element drawn with
// data-age-ms (layouts/components/alerts.py) is rewritten from the server's clock.
(function () {
  function text(seconds) {
    if (seconds < 60) return "hace menos de 1 min";
    if (seconds < 3600) return "hace " + Math.floor(seconds / 60) + " min";
    if (seconds < 48 * 3600) return "hace " + Math.round(seconds / 3600) + " h";
    return "hace " + Math.floor(seconds / 86400) + " días";
  }
  function tick() {
    const skew = (window.salaLive && window.salaLive.state && window.salaLive.state.skew) || 0;
    const now = Date.now() - skew;
    document.querySelectorAll("[data-age-ms]").forEach(function (el) {
      const since = Number(el.dataset.ageMs);
      if (since) el.textContent = text(Math.max(0, (now - since) / 1000));
    });
  }
  setInterval(tick, 5000);
})();
