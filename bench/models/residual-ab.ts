// The decode step's fused calls against the calls they replace, paired per iteration (same load on
// a shared machine), LLaMA-768 shapes with weights streamed from memory (cycled through ~200 MiB):
// o/down projection + residual add (linear, then add) vs linear with `residual`; RoPE on q and k
// as two rope calls vs one ropeQk. Prints median microseconds per call sequence and the ratio.
// npx tsx bench/models/residual-ab.ts [dtype=f16|f32] [iterations=400]
import { kernels, setThreads, Tensor } from '../../lib/index.js';
import { median } from '../lib/util.js';

const dtype = (process.argv[2] ?? 'f16') as 'f16' | 'f32';
const iters = Number(process.argv[3] ?? 400);
setThreads(1);
const K = 768;
const count = dtype === 'f16' ? 128 : 64;
const weights = Array.from({ length: count }, (_, i) => {
  const n = i % 2 === 0 ? K : 2048;
  if (dtype === 'f32') return { data: new Float32Array(K * n).fill(0.01 * ((i % 7) + 1)), dims: [K, n] };
  return { data: new Uint16Array(K * n).fill(0x2000 + i), dims: [K, n], dtype: 'f16' as const };
});
const xs = [new Tensor(new Float32Array(K).fill(0.1), [1, 1, K]), new Tensor(new Float32Array(2048).fill(0.1), [1, 1, 2048])];
const residual = new Tensor(new Float32Array(K).fill(1), [1, 1, K]);
const q = new Tensor(new Float32Array(K).fill(0.3), [1, 1, 12, 64]);
const k = new Tensor(new Float32Array(K).fill(0.2), [1, 1, 12, 64]);
const positions = new Tensor(new Int32Array([37]), [1, 1]);
const invFreq = Float32Array.from({ length: 32 }, (_, i) => 10000 ** (-i / 32));

function time(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e3;
}
const t = { separate: [] as number[], fused: [] as number[] };
for (let it = 0; it < iters; it++) {
  const w = weights[it % count];
  const x = xs[it % 2];
  const separate = () => {
    kernels.add({ a: residual, b: kernels.linear({ x, weight: w }) });
    kernels.rope({ x: q, positions, invFreq });
    kernels.rope({ x: k, positions, invFreq });
  };
  const fused = () => {
    kernels.linear({ x, weight: w, residual });
    kernels.ropeQk({ q, k, positions, invFreq });
  };
  // Whoever runs second finds part of w in cache: the order alternates within each weight shape.
  if ((it >> 1) % 2 === 0) {
    t.separate.push(time(separate));
    t.fused.push(time(fused));
  } else {
    t.fused.push(time(fused));
    t.separate.push(time(separate));
  }
}
const m = { separate: median(t.separate), fused: median(t.fused) };
console.log(`${dtype}, ${iters} iterations, 1 thread: separate ${m.separate.toFixed(1)} us, fused ${m.fused.toFixed(1)} us, separate/fused ${(m.separate / m.fused).toFixed(2)}x`);
