// The fused decode projections against the separate calls they replace, paired per iteration
// (same load on a shared machine), LLaMA-768 shapes with f16 weights streamed from memory (cycled
// through ~240 MiB): q/k/v (3 x 768x768) as linearGroup vs 3 x linear, and gate/up (2 x 2048x768)
// as gatedLinear vs linear, linear, siluMul.
// npx tsx bench/models/fused-ab.ts [threads] [iterations=400]
import { kernels, setThreads } from '../../lib/index.js';

const threads = Number(process.argv[2] ?? 1);
const iters = Number(process.argv[3] ?? 400);
setThreads(threads);
const K = 768;

function weights(n: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const d = new Uint16Array(n * K);
    let s = i + 1;
    // f16 normals of random sign, magnitude 2^-8 .. 2^-4.
    for (let j = 0; j < d.length; j++) d[j] = ((s = (s * 1103515245 + 12345) >>> 0) & 0x8000) | (0x1c00 + ((s >>> 16) & 0xfff));
    return { data: d, dims: [n, K], dtype: 'f16' as const };
  });
}
const small = weights(768, 96);
const big = weights(2048, 40);
const x = { data: new Float32Array(K).fill(0.1), dims: [1, K] };
const pick = <T>(a: T[], i: number) => a[i % a.length];

function time(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e3;
}
const t = { qkvFused: [] as number[], qkvSeparate: [] as number[], mlpFused: [] as number[], mlpSeparate: [] as number[] };
for (let it = 0; it < iters; it++) {
  const q = 6 * it;
  t.qkvFused.push(time(() => kernels.linearGroup({ x, weights: [pick(small, q), pick(small, q + 1), pick(small, q + 2)] })));
  t.qkvSeparate.push(time(() => [3, 4, 5].map((o) => kernels.linear({ x, weight: pick(small, q + o) }))));
  const m = 4 * it;
  t.mlpFused.push(time(() => kernels.gatedLinear({ x, gate: pick(big, m), up: pick(big, m + 1), activation: 'silu' })));
  t.mlpSeparate.push(time(() => kernels.siluMul({ gate: kernels.linear({ x, weight: pick(big, m + 2) }), up: kernels.linear({ x, weight: pick(big, m + 3) }) })));
}
const q = (a: number[], p: number) => [...a].sort((u, v) => u - v)[Math.floor(p * (a.length - 1))];
const gbs = (bytes: number, us: number) => (bytes / us / 1e3).toFixed(1);
const qkvBytes = 3 * 768 * K * 2;
const mlpBytes = 2 * 2048 * K * 2;
console.log(`threads ${threads}, ${iters} iterations (median / p10 per call, GB/s of weights at the median)`);
for (const [name, a, b] of [['q/k/v', t.qkvFused, qkvBytes], ['q/k/v separate', t.qkvSeparate, qkvBytes], ['gate/up', t.mlpFused, mlpBytes], ['gate/up separate', t.mlpSeparate, mlpBytes]] as const) {
  console.log(`  ${name.padEnd(17)} ${q(a, 0.5).toFixed(0).padStart(5)} us / ${q(a, 0.1).toFixed(0).padStart(5)} us  ${gbs(b, q(a, 0.5))} GB/s`);
}
