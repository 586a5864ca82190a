// Caracas clock for the header: always America/Caracas, whatever the browser's zone.
window.salaClock = function () {
  const now = new Date();
  const time = new Intl.DateTimeFormat("es-VE", {
    timeZone: "America/Caracas", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).format(now);
  const date = new Intl.DateTimeFormat("es-VE", {
    timeZone: "America/Caracas", weekday: "long", day: "numeric", month: "long", year: "numeric",
  }).format(now);
  return [time, date];
};
