#!/usr/bin/env node
// Runs when `node-gyp-build` found no prebuilt binary for this platform and building the addon
// from source failed (typically: no C++17 compiler, make or python3). Installation still succeeds:
// attnscan then runs on its TypeScript backend and backendInfo().reason says why.
// ATTNSCAN_REQUIRE_NATIVE=1 makes the failed build fail the installation instead.
'use strict';
const where = `${process.platform}-${process.arch}`;
if (process.env.ATTNSCAN_REQUIRE_NATIVE === '1') {
  console.error(`attnscan: no prebuilt binary for ${where} and the native build failed (ATTNSCAN_REQUIRE_NATIVE=1)`);
  process.exit(1);
}
console.error(
  `attnscan: no prebuilt binary for ${where} and the native build failed (needs a C++17 compiler, make, python3); ` +
    'using the TypeScript backend - run `npm rebuild attnscan` once a toolchain is installed',
);
