#!/usr/bin/env node
// The one list of native sources, read by binding.gyp (command expansion) and CMakeLists.txt.
// A file's ISA is in its name: *_avx2.cc, *_avx512.cc and *_neon.cc are built into their own
// static library with that ISA's flags; every other .cc is built with baseline flags.
// Usage: native-sources.cjs base|avx2|avx512|neon [--sep=;]
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const group = process.argv[2] || 'base';
const sepArg = process.argv.find((a) => a.startsWith('--sep='));
const sep = sepArg ? sepArg.slice(6) : ' ';
const isaOf = (f) => (f.match(/_(avx2|avx512|neon)\.cc$/) || [, 'base'])[1];

function walk(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return walk(rel);
    return e.name.endsWith('.cc') ? [rel] : [];
  });
}

// native/tests/ (scripts/native-test.sh) and native/fuzz/ (scripts/fuzz.sh) are programs of their own, not the addon.
const files = walk('native').filter((f) => !f.startsWith('native/tests/') && !f.startsWith('native/fuzz/')).sort();
process.stdout.write(files.filter((f) => isaOf(f) === group).join(sep));
