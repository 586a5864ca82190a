// Client-side helpers of the indicator pages (layouts/proyectos.py, layouts/clap.py, ...).
window.sala = window.sala || {};
window.sala.pages = {
  // A cluster of map points: a round badge with the number of points inside.
  clusterToLayer: function (feature, latlng, index, context) {
    const n = (feature.properties && feature.properties.point_count) || 0;
    const px = Math.round(26 + Math.min(28, Math.log10(Math.max(n, 1)) * 12));
    const icon = L.divIcon({
      html: "<div><span>" + n.toLocaleString("es-VE") + "</span></div>",
      className: "sala-cluster",
      iconSize: L.point(px, px),
    });
    return L.marker(latlng, { icon: icon });
  },
};
