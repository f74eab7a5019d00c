#!/usr/bin/env node
// A first run on a fresh machine: which backend loaded (and why not, if not), the SIMD paths this
// CPU offers, and each kernel at a model-like shape timed on every path against its TypeScript
// twin. Runs the built package (dist/, made by `npm ci` through the prepare script):
// `npm run demo -- --kernels` (scripts/demo.mjs) or `node scripts/demo-kernels.mjs`.
import { backendInfo, forceIsa, kernels, listIsas, Tensor } from '../dist/esm/index.js';

const info = backendInfo();
console.log('backendInfo():', info);
const isas = listIsas();
console.log('native ISAs  :', isas.length ? isas.join(', ') : '(none: native backend not loaded)');

let seed = 1;
function rand(n, scale = 1) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = ((seed >>> 8) / (1 << 24) - 0.5) * 2 * scale;
  }
  return a;
}
const t = (dims, scale) => new Tensor(rand(dims.reduce((a, b) => a * b, 1), scale), dims);

function time(fn, runs) {
  fn();
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return ms.sort((a, b) => a - b)[runs >> 1];
}

const first = (r) => (r instanceof Tensor ? r.data : r.y.data);
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const x = t([1 << 20], 6);
const [row, weight] = [t([1, 768]), t([3072, 768], 0.05)];
const q = t([1, 128, 12, 64]);
const kv = t([1, 128, 12, 64]);
const [L, dim, dState] = [128, 768, 16];
const scanArgs = {
  u: t([1, L, dim]), delta: t([1, L, dim], 0.5), A: new Tensor(rand(dim * dState).map((v) => -1 - Math.abs(v)), [dim, dState]),
  B: t([1, L, 1, dState]), C: t([1, L, 1, dState]), D: t([dim]), z: t([1, L, dim]), deltaSoftplus: true,
};
const demos = [
  ['silu [1M]', (o) => kernels.silu({ x }, o)],
  ['gelu [1M]', (o) => kernels.gelu({ x }, o)],
  ['linear 1x768 -> 3072 f32', (o) => kernels.linear({ x: row, weight }, o)],
  ['attention causal 12x128x64', (o) => kernels.attention({ q, k: kv, v: kv, causal: true }, o)],
  [`selectiveScan L=${L} dim=${dim}`, (o) => kernels.selectiveScan(scanArgs, o)],
].filter(([, run]) => typeof run === 'function');

console.log('\nmedian of 3 runs');
for (const [name, run] of demos) {
  const ref = first(run({ backend: 'ts' }));
  const tsMs = time(() => run({ backend: 'ts' }), 3);
  const cols = [`ts ${tsMs.toFixed(2)} ms`];
  for (const isa of isas) {
    forceIsa(isa);
    let got;
    try {
      got = first(run({ backend: 'native' }));
    } catch (e) {
      cols.push(`native: ${e.message}`);
      break;
    }
    const ms = time(() => run({ backend: 'native' }), 3);
    cols.push(`${isa} ${ms.toFixed(2)} ms (x${(tsMs / ms).toFixed(1)}, max diff ${maxDiff(got, ref).toExponential(1)})`);
  }
  console.log(`${name.padEnd(28)} ${cols.join('  ')}`);
}
if (isas.length) forceIsa(isas[isas.length - 1]);
