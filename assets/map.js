// Map point styling for layouts/components/territory_map.py (dash-leaflet GeoJSON).
// status: 0 (bad, red) .. 1 (good, green), null = no data (grey).
// size: 0..1; radii in rem (hideout) so points grow with the wall's type scale.
window.sala = window.sala || {};
window.sala.map = {
  color: function (status) {
    if (status === null || status === undefined) { return "#6b7a8c"; }
    if (status >= 0.9) { return "#2fbf71"; }
    if (status >= 0.75) { return "#9ccc3c"; }
    if (status >= 0.6) { return "#f5c542"; }
    if (status >= 0.4) { return "#f0a030"; }
    return "#e5484d";
  },
  pointToLayer: function (feature, latlng, context) {
    const h = (context && context.hideout) || {};
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const minR = (h.minRadius || 0.45) * rem;
    const maxR = (h.maxRadius || 1.9) * rem;
    const p = feature.properties || {};
    const size = Math.max(0, Math.min(1, p.size || 0));
    const color = window.sala.map.color(p.status);
    return L.circleMarker(latlng, {
      radius: minR + Math.sqrt(size) * (maxR - minR),
      color: "#0b1016", weight: Math.max(1, rem / 10),
      fillColor: color, fillOpacity: 0.85,
    });
  },
};
