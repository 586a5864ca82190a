// Caracas clock for the header: always America/Caracas, whatever the browser's zone.
// The formatters are built once: building an Intl.DateTimeFormat costs far more than using
// one, and this runs every second on every page.
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
})();
