// Builds assets/vendor/plotly-sala.min.js the way plotly.js builds its dist bundles
// (esbuild, iife, global Plotly; see node_modules/plotly.js/esbuild-config.js).
// Run with `make plotly-bundle` after changing the plotly version in package.json.
'use strict';

const path = require('path');
const esbuild = require('esbuild');
const { version } = require('plotly.js/package.json');

const out = path.join(__dirname, '..', '..', 'assets', 'vendor', 'plotly-sala.min.js');
const banner = `/**
* plotly.js (sala: bar, heatmap, scatter, locale es - minified) v${version}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*/
(function(root, factory) {
  if (typeof module === "object" && module.exports) { module.exports = factory(); }
  else { root.moduleName = factory(); }
} (typeof self !== "undefined" ? self : this, () => {`;

esbuild
    .build({
        entryPoints: [path.join(__dirname, 'entry.js')],
        outfile: out,
        format: 'iife',
        globalName: 'Plotly',
        bundle: true,
        minify: true,
        target: 'es2016',
        alias: { stream: 'stream-browserify' },
        define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
        loader: { '.css': 'empty' }, // only the map traces, left out, require a stylesheet
        banner: { js: banner },
        footer: { js: 'window.Plotly = Plotly;\nreturn Plotly;\n}));' },
        logLevel: 'info',
    })
    .catch(() => process.exit(1));
