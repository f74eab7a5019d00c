// kvcache family: appending a 512-token prompt's K and V rows to a [1, 2048, 12, 64] cache (GPT-2 /
// the benchmark LLaMA's heads), f16 (rounded: F16C, AVX-512, NEON) and f32 (a copy on both sides,
// no faster natively than TypedArray.set). Bytes: K and V read as f32, written in the cache's
// dtype. A decode step's append (one row, ~5 µs a call from JS, mostly the call itself) runs
// inside the step's plan: bench/models/plan-breakdown.ts times it there.
import { Tensor } from '../../lib/tensor.js';
import { Rng } from '../../test/helpers/rng.js';
import type { BenchCase, Mode } from './harness.js';

const HEADS = 12;
const HEAD_DIM = 64;

export function benchCases(mode: Mode): BenchCase[] {
  const shapes = mode === 'tiny' ? [{ seq: 3, capacity: 8 }] : [{ seq: 512, capacity: 2048 }];
  return shapes.flatMap(({ seq, capacity }) =>
    (['f16', 'f32'] as const).map((dtype): BenchCase => {
      const n = seq * HEADS * HEAD_DIM;
      const es = dtype === 'f16' ? 2 : 4;
      return {
        kernel: 'kvAppend',
        name: `prompt ${seq} H${HEADS} D${HEAD_DIM} ${dtype}`,
        bound: 'memory',
        bytes: 2 * n * (4 + es),
        elements: 2 * n,
        args: () => {
          const rng = new Rng(seq + es);
          const dims = [1, seq, HEADS, HEAD_DIM];
          const cacheDims = [1, capacity, HEADS, HEAD_DIM];
          const cache = () => {
            const len = capacity * HEADS * HEAD_DIM;
            return dtype === 'f16' ? { data: new Uint16Array(len), dims: cacheDims, dtype } : new Tensor(new Float32Array(len), cacheDims);
          };
          return [{ k: new Tensor(rng.f32(n), dims), v: new Tensor(rng.f32(n), dims), kCache: cache(), vCache: cache(), at: capacity - seq - 1 }];
        },
      };
    }),
  );
}
