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
    // "color" is set where a threshold of core/thresholds.py judges the figure.
    const color = p.color || window.sala.map.color(p.status);
    return L.circleMarker(latlng, {
      radius: minR + Math.sqrt(size) * (maxR - minR),
      color: "#0b1016", weight: Math.max(1, rem / 10),
      fillColor: color, fillOpacity: 0.85,
    });
  },
};

// The offline base map (layouts/components/base_map.py): Natural Earth features of
// assets/geo/base.json, each with a "kind". Over tiles (hideout.tiles) the fills turn
// transparent so the tiles show through and only the lines stay.
window.sala.geo = {
  STYLES: {
    land: { stroke: false, fillColor: "#1e2731", fillOpacity: 1 },
    country: { color: "#4a5868", weight: 1, fillColor: "#1e2731", fillOpacity: 1 },
    venezuela: { color: "#a9bccf", weight: 2, fillColor: "#2b3746", fillOpacity: 1 },
    estado: { color: "#66788c", weight: 0.8, opacity: 0.9, fill: false },
    lake: { color: "#3a6a94", weight: 1, fillColor: "#10263b", fillOpacity: 1 },
    river: { color: "#3a78ab", weight: 1.2, opacity: 0.9, fill: false },
    coast: { color: "#6f8aa6", weight: 1, fill: false },
  },
  style: function (feature, context) {
    const h = (context && context.hideout) || {};
    const kind = (feature.properties || {}).kind;
    const s = Object.assign({ interactive: false }, window.sala.geo.STYLES[kind] || {});
    if (h.tiles && s.fillOpacity) { s.fillOpacity = kind === "venezuela" ? 0.08 : 0; }
    return s;
  },
  // Before the layer is added, so Leaflet puts the class on the SVG path (tests find the
  // country's outline by it).
  onEach: function (feature, layer) {
    const kind = (feature.properties || {}).kind;
    if (kind && kind !== "label") { layer.options.className = "sala-geo sala-geo-" + kind; }
  },
  // Estado names at their capitals; hidden once an operator zooms in closer than a fit.
  NEAR_ZOOM: 9.5,  // above territory_map.FIT_MAX_ZOOM: a fitted circuito keeps its estado's name
  // Names of rank 2 show from TINY_ZOOM on, those of rank 3 (small estados crowded around
  // Caracas) from MINOR_ZOOM on; rank 1 always (data/geography.py).
  TINY_ZOOM: 5.5,
  MINOR_ZOOM: 6.5,
  label: function (feature, latlng) {
    const p = feature.properties || {};
    const name = p.name || "";
    const marker = L.marker(latlng, {
      interactive: false, keyboard: false,
      icon: L.divIcon({ className: "sala-estado-label rank-" + (p.rank || 2),
                        html: "<span></span>", iconSize: null }),
    });
    marker.on("add", function () {
      const span = marker.getElement() && marker.getElement().firstChild;
      if (span) { span.textContent = name; span.dataset.code = p.code || ""; }
      const map = marker._map;
      if (map && !map._salaNearHook) {
        map._salaNearHook = true;
        const toggle = function () {
          const z = map.getZoom(), c = map.getContainer().classList;
          // Names grow with the type (rem): on a 4K wall the same zoom holds twice the text,
          // so crowding is judged on the zoom less the type's scale over 16 px.
          const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
          const dense = z - Math.log2(rem / 16);
          c.toggle("sala-map-near", z >= window.sala.geo.NEAR_ZOOM);
          c.toggle("sala-map-far", dense < window.sala.geo.MINOR_ZOOM);
          c.toggle("sala-map-tiny", dense < window.sala.geo.TINY_ZOOM);
        };
        map.on("zoomend", toggle);
        toggle();
      }
    });
    return marker;
  },
};

// Filled territories (a GeoJSON geometry on the territory) in the point layers: coloured
// like the points, by the feature's "color" or its status.
window.sala.map.style = function (feature) {
  const p = feature.properties || {};
  return { color: "#0b1016", weight: 1, fillOpacity: 0.65,
           fillColor: p.color || window.sala.map.color(p.status) };
};
