// matmul family: linear at GPT-2-small / BERT-base MLP shapes: x [M, 768] · weight [3072, 768]^T + bias.
// M = 512 is a prefill GEMM (compute-bound); M = 1 is the decode step's GEMV, bound by streaming
// the weight. "cold" cycles through enough weight copies to stream from memory as a model's
// decode step does (every layer's weights once per token); "hot" reuses one cache-resident copy;
// "out" writes a caller's reused output instead of allocating one per call.
import type { WeightDType } from '../../lib/kernels/matmul.js';
import { makeWeight } from '../../test/cases/matmul.js';
import { Rng } from '../../test/helpers/rng.js';
import type { BenchCase, Mode } from './harness.js';
import { MiB, copies, randn } from './data.js';

const dtypeBytes: Record<WeightDType, number> = { f32: 4, f16: 2, bf16: 2 };

function linearCase(m: number, k: number, n: number, dtype: WeightDType, streamBytes: number, label = '', tags: string[] = [], withOut = false): BenchCase {
  const wBytes = n * k * dtypeBytes[dtype];
  const nCopies = Math.max(1, Math.ceil(streamBytes / wBytes));
  return {
    kernel: 'linear',
    name: `M${m} K${k} N${n} ${dtype}${label}${withOut ? ' out' : ''}`,
    bound: m === 1 ? 'memory' : 'compute',
    probeAround: m === 1 && streamBytes > 0,
    flops: 2 * m * k * n,
    bytes: wBytes + 4 * (m * k + m * n + n),
    tags,
    args() {
      const x = randn(1, [m, k]);
      const bias = randn(2, [n], 0.1);
      const w = makeWeight(new Rng(3), n, k, dtype, 0.02);
      const out = withOut ? { data: new Float32Array(m * n), dims: [m, n] } : undefined;
      return copies(w.data, nCopies).map((data) => ({ x, weight: { ...w, data }, bias, ...(out ? { out } : {}) }));
    },
  };
}

export function benchCases(mode: Mode): BenchCase[] {
  if (mode === 'tiny') return [linearCase(1, 64, 96, 'f32', 0), linearCase(4, 64, 96, 'f16', 0)];
  const [k, n] = [768, 3072];
  const stream = mode === 'full' ? 256 * MiB : 64 * MiB;
  const dtypes: WeightDType[] = ['f32', 'f16', 'bf16'];
  const big = mode === 'full' ? 512 : 64;
  return [
    // The bandwidth targets read the "out" rows (a reused output, as a decode loop keeps one): a
    // fresh 12 KiB output per call costs this VM 40-50 us of page faults, half a call's time.
    ...dtypes.map((dt) => linearCase(1, k, n, dt, stream, ' cold')),
    ...dtypes.map((dt) => linearCase(1, k, n, dt, stream, ' cold', [`gemv-${dt}`], true)),
    ...(mode === 'full' ? [linearCase(1, k, n, 'f32', 0, ' hot')] : []),
    ...dtypes.map((dt) => linearCase(big, k, n, dt, 0, '', big === 512 ? [`gemm-${dt}`] : [])),
  ];
}
