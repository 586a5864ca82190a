// Builds assets/vendor/plotly-sala.min.js the way plotly.js builds its dist bundles
// (esbuild, iife, global Plotly; see node_modules/plotly.js/esbuild-config.js).
// Run with `make plotly-bundle` after changing the plotly version in package.json.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { version } = require('plotly.js/package.json');

const assets = path.join(__dirname, '..', '..', 'assets');
const out = path.join(assets, 'vendor', 'plotly-sala.min.js');
const loader = path.join(assets, 'plotly_loader.js');
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
    .then(stampLoader)
    .catch((err) => {
        if (!err.errors) { console.error(err.message); } // esbuild has printed its own
        process.exit(1);
    });

// The loader asks for the bundle as ?v=<version>-<first 12 hex of its sha256>: the file is
// cached for a year (api/wire.py), so other bytes (another trace, another esbuild) must be
// another URL. tests/layouts/test_plotly_bundle.py checks that the two agree.
function stampLoader() {
    const digest = crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex');
    const stamp = `v=${version}-${digest.slice(0, 12)}`;
    const line = /bundle\.search = "v=[^"]*"/;
    const text = fs.readFileSync(loader, 'utf8');
    if (!line.test(text)) {
        throw new Error(`no bundle.search line in ${loader}`);
    }
    fs.writeFileSync(loader, text.replace(line, `bundle.search = "${stamp}"`));
    console.log(`${path.relative(process.cwd(), loader)}: ${stamp}`);
}
