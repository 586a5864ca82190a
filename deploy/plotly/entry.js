// What Sala's charts need from Plotly, and nothing else: the core (with scatter), bar and
// heatmap traces, and the Spanish locale that GRAPH_CONFIG asks for ("locale": "es").
// The cartesian dist (1.4 MB) also carries box, violin, histograms, contours, pie, image,
// ternary and world calendars, which took half of Plotly's start-up time on a first visit.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/locales/es'),
]);

module.exports = Plotly;
