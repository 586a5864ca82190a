// Caracas clock for the header: always America/Caracas, whatever the browser's zone.
// The formatters are built once: building an Intl.DateTimeFormat costs far more than using
// one, and this runs every second on every page.
//
// It writes the header's text itself, once a second, instead of a dcc.Interval and a
// clientside callback: every Dash callback, even a clientside one, runs a round of store
// updates that re-runs the selector of every mounted component, 50-150 ms a second on a
// page as large as /alertas on a busy 2-core machine. The server writes the first time
// and date (layouts/shell.py), so the header keeps its width from the first paint.
//
// Building the two formatters loads the locale's and the zone's data (~35 ms of main thread
// on this machine): they are built on the first tick, which waits for the page's first
// render (the server's time is on screen until then).
(function () {
  let timeFormat = null;
  let dateFormat = null;
  window.salaClock = function () {
    if (!timeFormat) {
      timeFormat = new Intl.DateTimeFormat("es-VE", {
        timeZone: "America/Caracas", hour: "2-digit", minute: "2-digit", second: "2-digit",
        hour12: false,
      });
      dateFormat = new Intl.DateTimeFormat("es-VE", {
        timeZone: "America/Caracas", weekday: "long", day: "numeric", month: "long",
        year: "numeric",
      });
    }
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

  // Not before a second (a first render's idle moments are network waits between its
  // requests), then when the page is idle, at most two seconds later.
  setTimeout(function () {
    const idle = window.requestIdleCallback || function (f) { return setTimeout(f, 0); };
    idle(tick, { timeout: 2000 });
  }, 1000);
})();
