// Caracas clock for the header: always America/Caracas, whatever the browser's zone.
// The formatters are built once: building an Intl.DateTimeFormat costs far more than using
// one, and this runs every second on every page.
//
// It writes the header's text itself, once a second, instead of a dcc.Interval and a
// clientside callback: every Dash callback, even a clientside one, runs a round of store
// updates that re-runs the selector of every mounted component, 50-150 ms a second on a
// page as large as /alertas on a busy 2-core machine. The server writes the first time
// and date (layouts/shell.py), so the header keeps its width from the first paint.
(function () {
  const timeFormat = new Intl.DateTimeFormat("es-VE", {
    timeZone: "America/Caracas", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const dateFormat = new Intl.DateTimeFormat("es-VE", {
    timeZone: "America/Caracas", weekday: "long", day: "numeric", month: "long", year: "numeric",
  });
  window.salaClock = function () {
    const now = new Date();
    return [timeFormat.format(now), dateFormat.format(now)];
  };

  function write(id, text) {
    const element = document.getElementById(id);
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  // Freshness badges (layouts/components/freshness.py): their callback writes the time of
  // the last update into data-fresh-at when it changes; the text ages here.
  function ageBadges() {
    if (!window.sala || !window.sala.freshness) {
      return;
    }
    document.querySelectorAll(".freshness[data-fresh-at]").forEach(function (badge) {
      const at = Number(badge.getAttribute("data-fresh-at"));
      if (!at) {
        return;
      }
      const stale = Number(badge.getAttribute("data-fresh-stale")) || undefined;
      const [text, className] = window.sala.freshness({ at: at, stale: stale });
      if (badge.textContent !== text) {
        badge.textContent = text;
      }
      if (badge.className !== className) {
        badge.className = className;
      }
    });
  }

  function tick() {
    const [time, date] = window.salaClock();
    write("clock-time", time);
    write("clock-date", date);
    ageBadges();
    setTimeout(tick, 1000 - (Date.now() % 1000) + 5); // just after each second turns
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", tick);
  } else {
    tick();
  }
})();
