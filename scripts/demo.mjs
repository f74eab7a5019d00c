#!/usr/bin/env node
// A first run on a fresh machine: which backend loaded (and why not, if not), the SIMD paths this
// CPU offers, and the kernels timed on every path against the TypeScript twin. Runs the built
// package (dist/, made by `npm ci` through the prepare script). Until the embedded default models
// land, this is the main job the README's first command runs.
import { backendInfo, forceIsa, kernels, listIsas, Tensor } from '../dist/esm/index.js';

const info = backendInfo();
console.log('backendInfo():', info);
const isas = listIsas();
console.log('native ISAs  :', isas.length ? isas.join(', ') : '(none: native backend not loaded)');

const n = 1 << 20;
const x = new Float32Array(n);
for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) * 6;
const input = new Tensor(x, [n]);

function time(fn) {
  fn();
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return runs.sort((a, b) => a - b)[2];
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const demos = {
  silu: (backend) => kernels.silu({ x: input }, { backend }),
  gelu: (backend) => kernels.gelu({ x: input }, { backend }),
  'gelu tanh': (backend) => kernels.gelu({ x: input, approximate: 'tanh' }, { backend }),
};

console.log(`\n${n} elements, median of 5 runs`);
for (const [name, run] of Object.entries(demos)) {
  const ref = run('ts');
  const tsMs = time(() => run('ts'));
  const cols = [`ts ${tsMs.toFixed(2)} ms`];
  for (const isa of isas) {
    forceIsa(isa);
    const ms = time(() => run('native'));
    const diff = maxDiff(run('native').data, ref.data);
    cols.push(`${isa} ${ms.toFixed(2)} ms (x${(tsMs / ms).toFixed(1)}, max diff ${diff.toExponential(1)})`);
  }
  console.log(`${name.padEnd(10)} ${cols.join('  ')}`);
}
if (isas.length) forceIsa(isas[isas.length - 1]);
