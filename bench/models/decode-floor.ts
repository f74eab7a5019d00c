// Evidence for the decode roofline gap: times only the GEMVs of one LLaMA decode step (every
// layer's q/k/v/o, gate/up/down and the LM head, f16 weights at the benchmark's shapes, each
// streamed from memory once, in model order) with kernels.linear called directly on this thread.
// The model's measured per-token time minus this figure is what the rest of the step costs
// (attention over the cache, norms, RoPE, per-op JS dispatch, the worker's per-token message).
// With `reuse`, each call goes straight to the addon with one preallocated output per shape
// instead of kernels.linear's fresh output: the difference is what allocating outputs costs.
// With `f32`, the weights are stored in f32 instead of f16.
// npx tsx bench/models/decode-floor.ts [tokens=16] [threads] [reuse] [f32]
import { nativeKernel } from '../../lib/backend/native.js';
import { kernels, setThreads } from '../../lib/index.js';
import { median, now } from '../lib/util.js';
import { llamaConfig } from './checkpoints.js';
import { decodeStepWeights } from './decode-step.js';

const c = llamaConfig;
const h = c.hidden_size;

const args = process.argv.slice(2);
const [tokensArg, threadsArg] = args.filter((a) => /^\d+$/.test(a));
const reuse = args.includes('reuse');
const dtype = args.includes('f32') ? 'f32' : 'f16';

const weights = decodeStepWeights(dtype).map((w) =>
  w.data instanceof Float32Array ? { data: w.data, dims: [w.n, w.k] } : { data: w.data, dims: [w.n, w.k], dtype: 'f16' as const },
);
const bytes = weights.reduce((a, w) => a + w.data.byteLength, 0);
const xs = new Map<number, Float32Array>([[h, new Float32Array(h).fill(0.1)], [c.intermediate_size, new Float32Array(c.intermediate_size).fill(0.1)]]);

const tokens = Number(tokensArg ?? 16);
if (threadsArg) setThreads(Number(threadsArg));
const outs = new Map<number, Float32Array>();
function gemv(w: (typeof weights)[number]): void {
  const [n, k] = w.dims;
  const x = xs.get(k)!;
  if (!reuse) {
    kernels.linear({ x: { data: x, dims: [1, k] }, weight: w });
    return;
  }
  let out = outs.get(n);
  if (!out) outs.set(n, (out = new Float32Array(n)));
  nativeKernel('linear')({ x, weight: w.data, out, rows: 1, inFeatures: k, outFeatures: n, dtype }, false);
}
const times: number[] = [];
const per = new Float64Array(weights.length);
for (let t = 0; t <= tokens; t++) {
  const t0 = now();
  weights.forEach((w, i) => {
    const s = now();
    gemv(w);
    if (t > 0) per[i] += now() - s;
  });
  if (t > 0) times.push(now() - t0);
}
const m = median(times);
const lm = per[per.length - 1] / tokens;
console.log(`GEMVs of one decode step${reuse ? ' (outputs reused)' : ''}: ${(bytes / 2 ** 20).toFixed(0)} MiB ${dtype}, median ${(m * 1e3).toFixed(1)} ms/token ` +
  `(${(bytes / m / 1e9).toFixed(1)} GB/s, ${(1 / m).toFixed(1)} tok/s); LM head ${(lm * 1e3).toFixed(1)} ms; ` +
  `${weights.length} calls, mean ${((m / weights.length) * 1e6).toFixed(0)} us/call`);
const byShape = new Map<string, { s: number; n: number; bytes: number }>();
weights.forEach((w, i) => {
  const key = `${w.dims[0]}x${w.dims[1]}`;
  const e = byShape.get(key) ?? { s: 0, n: 0, bytes: w.data.byteLength };
  e.s += per[i] / tokens;
  e.n++;
  byShape.set(key, e);
});
for (const [key, e] of byShape) {
  const call = e.s / e.n;
  console.log(`  [${key}] x${e.n}/token: ${(call * 1e6).toFixed(0)} us/call, ${(e.bytes / call / 1e9).toFixed(1)} GB/s, ${((100 * e.s) / m).toFixed(0)}% of the step`);
}
