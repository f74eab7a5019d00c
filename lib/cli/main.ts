#!/usr/bin/env node
// The `attnscan` executable (package.json bin): runs the command line with the process's streams.
import { main } from './run.js';

main(process.argv.slice(2), { out: process.stdout, err: process.stderr, stdin: process.stdin, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`attnscan: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
