// Wall map points (layouts/muro.py, dash-leaflet GeoJSON pointToLayer).
// Territories: size = open 1x10 cases (relative), colour = incidents in 24 h (relative).
// Recent events: small bright yellow dots.
window.salaWall = {
  heat: function (h) {
    if (h === null || h === undefined) { return "#6b7a8c"; }
    if (h < 0.25) { return "#2fbf71"; }
    if (h < 0.5) { return "#f5c542"; }
    if (h < 0.75) { return "#f0a030"; }
    return "#e5484d";
  },
  point: function (feature, latlng) {
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const p = feature.properties || {};
    const marker = p.kind === "event"
      ? L.circleMarker(latlng, { radius: 0.45 * rem, color: "#0b1016", weight: 1,
                                 fillColor: "#ffe14d", fillOpacity: 1 })
      : L.circleMarker(latlng, { radius: (0.5 + 1.6 * Math.sqrt(p.size || 0)) * rem,
                                 color: "#0b1016", weight: Math.max(1, rem / 10),
                                 fillColor: window.salaWall.heat(p.heat), fillOpacity: 0.8 });
    if (p.tooltip) { marker.bindTooltip(p.tooltip); }
    return marker;
  },
};
