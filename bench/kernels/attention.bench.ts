// attention at BERT-base / GPT-2-small shapes: B = 1, H = 12, D = 64; prefill over S tokens
// (bidirectional and causal) and one decode step over a 2048-token cache. Prefill is
// compute-bound; the decode step streams K and V, so it cycles through enough cache copies to
// read them from memory (a model reads a different layer's cache for each call).
import { makeAttentionArgs } from '../../test/cases/attention.js';
import type { BenchCase, Mode } from './harness.js';
import { MiB, copies } from './data.js';

const [H, D] = [12, 64];

function prefill(s: number, causal: boolean): BenchCase {
  // Visible (query, key) pairs: all S^2, or the lower triangle with the diagonal.
  const pairs = causal ? (s * (s + 1)) / 2 : s * s;
  return {
    kernel: 'attention',
    name: `B1 H${H} D${D} S${s}${causal ? ' causal' : ''}`,
    bound: 'compute',
    flops: 4 * H * D * pairs,
    bytes: 4 * 4 * s * H * D,
    tags: s === 2048 ? ['attention-2048'] : [],
    args: () => [makeAttentionArgs({ batch: 1, seqQ: s, seqK: s, heads: H, kvHeads: H, headDim: D, causal }, 11)],
  };
}

function decode(cache: number, streamBytes: number): BenchCase {
  const kvBytes = 2 * 4 * cache * H * D;
  const n = Math.max(1, Math.ceil(streamBytes / kvBytes));
  return {
    kernel: 'attention',
    name: `decode B1 H${H} D${D} cache${cache}`,
    bound: 'memory',
    flops: 4 * H * D * cache,
    bytes: kvBytes + 2 * 4 * H * D,
    args() {
      const a = makeAttentionArgs({ batch: 1, seqQ: 1, seqK: cache, heads: H, kvHeads: H, headDim: D, causal: true }, 21);
      const vs = copies(a.v.data, n);
      return copies(a.k.data, n).map((k, i) => ({ ...a, k: { data: k, dims: a.k.dims }, v: { data: vs[i], dims: a.v.dims } }));
    },
  };
}

export function benchCases(mode: Mode): BenchCase[] {
  if (mode === 'tiny') return [prefill(16, false), prefill(16, true), decode(32, 0)];
  const sizes = mode === 'full' ? [128, 512, 2048] : [128, 512];
  return [
    ...sizes.flatMap((s) => [prefill(s, false), prefill(s, true)]),
    decode(2048, mode === 'full' ? 256 * MiB : 64 * MiB),
  ];
}
