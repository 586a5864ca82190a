// Shared client-side helpers of the Sala components (see layouts/components).
window.sala = window.sala || {};

// Freshness badge text from {at: epoch ms of the last update, stale: seconds}.
window.sala.freshness = function (store) {
  if (!store || !store.at) { return ["actualizando…", "freshness"]; }
  const age = Math.max(0, Math.round((Date.now() - store.at) / 1000));
  let text;
  if (age < 60) { text = "actualizado hace " + age + " s"; }
  else if (age < 3600) { text = "actualizado hace " + Math.floor(age / 60) + " min"; }
  else { text = "actualizado hace " + Math.floor(age / 3600) + " h"; }
  const stale = age > (store.stale || 90);
  return [stale ? "⚠ " + text : text, stale ? "freshness stale" : "freshness"];
};
