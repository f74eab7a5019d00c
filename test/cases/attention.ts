// Named attention cases shared by the parity tests and the benchmarks. Names come from the
// parameters: b(atch) q(seqQ) k(seqK) h(heads)/kv(kvHeads) d(headDim), then the options.
import { Tensor } from '../../lib/index.js';
import type { AttentionArgs } from '../../lib/ops/index.js';
import { Rng } from '../helpers/rng.js';

export type MaskKind = 'none' | 'pad' | 'random' | 'fullBatch0';
export type BiasKind = 'none' | 'shared' | 'batched' | 'negInf';

export interface AttentionShape {
  batch: number;
  seqQ: number;
  seqK: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  causal?: boolean;
  mask?: MaskKind;
  bias?: BiasKind;
  scale?: number;
}

export interface AttentionCase extends AttentionShape {
  name: string;
  /** Elementwise tolerance of a native path against the TS twin. */
  tol: { atol: number; rtol: number };
  make(): AttentionArgs;
}

function caseName(s: AttentionShape): string {
  const kv = s.kvHeads === s.heads ? '' : `kv${s.kvHeads}`;
  const parts = [`b${s.batch}q${s.seqQ}k${s.seqK}h${s.heads}${kv}d${s.headDim}`];
  if (s.causal) parts.push('causal');
  if (s.mask && s.mask !== 'none') parts.push(`mask-${s.mask}`);
  if (s.bias && s.bias !== 'none') parts.push(`bias-${s.bias}`);
  if (s.scale !== undefined) parts.push(`scale${s.scale}`);
  return parts.join('-');
}

/** Inputs for a shape, from a seed derived from its name. */
export function makeAttentionArgs(s: AttentionShape, seed: number): AttentionArgs {
  const rng = new Rng(seed);
  const { batch, seqQ, seqK, heads, kvHeads, headDim } = s;
  const q = new Tensor(rng.f32(batch * seqQ * heads * headDim), [batch, seqQ, heads, headDim]);
  const k = new Tensor(rng.f32(batch * seqK * kvHeads * headDim), [batch, seqK, kvHeads, headDim]);
  const v = new Tensor(rng.f32(batch * seqK * kvHeads * headDim), [batch, seqK, kvHeads, headDim]);
  const args: AttentionArgs = { q, k, v, causal: s.causal ?? false };
  if (s.scale !== undefined) args.scale = s.scale;
  const mask = s.mask ?? 'none';
  if (mask !== 'none') {
    const m = new Uint8Array(batch * seqK).fill(1);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < seqK; j++) {
        if (mask === 'pad' && j >= seqK - ((b * 3) % Math.max(1, seqK - 1))) m[b * seqK + j] = 0;
        if (mask === 'random' && rng.next() < 0.3) m[b * seqK + j] = 0;
        if (mask === 'fullBatch0' && b === 0) m[j] = 0;
      }
    }
    args.keyPaddingMask = new Tensor(m, [batch, seqK]);
  }
  const bias = s.bias ?? 'none';
  if (bias !== 'none') {
    const dims = bias === 'batched' ? [batch, heads, seqQ, seqK] : [heads, seqQ, seqK];
    const data = rng.f32(dims.reduce((a, b) => a * b, 1), 0.5);
    if (bias === 'negInf') {
      // ALiBi-style hard masking through the bias, including one row with no finite score.
      for (let i = 0; i < data.length; i++) if (rng.next() < 0.25) data[i] = -Infinity;
      data.fill(-Infinity, 0, seqK);
    }
    args.bias = new Tensor(data, dims);
  }
  return args;
}

const shapes: AttentionShape[] = [
  { batch: 1, seqQ: 1, seqK: 1, heads: 1, kvHeads: 1, headDim: 1 },
  { batch: 2, seqQ: 3, seqK: 3, heads: 2, kvHeads: 2, headDim: 1, causal: true, bias: 'batched' },
  { batch: 2, seqQ: 5, seqK: 5, heads: 2, kvHeads: 2, headDim: 3, causal: true },
  { batch: 1, seqQ: 7, seqK: 7, heads: 3, kvHeads: 3, headDim: 17, mask: 'random' },
  { batch: 2, seqQ: 9, seqK: 13, heads: 4, kvHeads: 2, headDim: 24, mask: 'pad' },
  { batch: 2, seqQ: 3, seqK: 8, heads: 4, kvHeads: 4, headDim: 16, causal: true },
  { batch: 1, seqQ: 6, seqK: 4, heads: 2, kvHeads: 2, headDim: 8, causal: true },
  { batch: 2, seqQ: 8, seqK: 8, heads: 4, kvHeads: 4, headDim: 16, causal: true, mask: 'fullBatch0' },
  { batch: 2, seqQ: 5, seqK: 9, heads: 4, kvHeads: 4, headDim: 16, bias: 'shared', scale: 1 },
  { batch: 1, seqQ: 11, seqK: 70, heads: 3, kvHeads: 3, headDim: 20, bias: 'negInf' },
  { batch: 1, seqQ: 200, seqK: 200, heads: 2, kvHeads: 2, headDim: 32, causal: true },
  { batch: 1, seqQ: 130, seqK: 150, heads: 4, kvHeads: 1, headDim: 33, causal: true, mask: 'random', bias: 'batched' },
  { batch: 2, seqQ: 70, seqK: 65, heads: 2, kvHeads: 2, headDim: 100, mask: 'pad' },
  { batch: 1, seqQ: 40, seqK: 129, heads: 8, kvHeads: 2, headDim: 128 },
  { batch: 1, seqQ: 97, seqK: 97, heads: 1, kvHeads: 1, headDim: 64, causal: true, bias: 'shared' },
  // Decode steps (seqQ = 1): one task per row over every head, split over the keys when the rows
  // are few; head sizes 64 and 128 take the unrolled per-key loops, the others the generic ones.
  { batch: 2, seqQ: 1, seqK: 10, heads: 6, kvHeads: 2, headDim: 16, causal: true, mask: 'pad' },
  { batch: 1, seqQ: 1, seqK: 300, heads: 8, kvHeads: 2, headDim: 64, causal: true },
  { batch: 1, seqQ: 1, seqK: 1000, heads: 4, kvHeads: 1, headDim: 64, causal: true },
  { batch: 1, seqQ: 1, seqK: 777, heads: 2, kvHeads: 1, headDim: 80, mask: 'random', bias: 'shared' },
  { batch: 1, seqQ: 1, seqK: 600, heads: 1, kvHeads: 1, headDim: 7, mask: 'fullBatch0' },
  { batch: 1, seqQ: 1, seqK: 530, heads: 3, kvHeads: 3, headDim: 9, bias: 'negInf' },
  { batch: 3, seqQ: 1, seqK: 333, heads: 6, kvHeads: 2, headDim: 128, causal: true, mask: 'pad' },
  { batch: 1, seqQ: 1, seqK: 517, heads: 5, kvHeads: 5, headDim: 128, bias: 'shared' },
  // Multi-head decode (one query head per kv head, as GPT-2 and the bench LLaMA) at 64 and 128:
  // three keys, keys split over tasks, masks and bias.
  { batch: 2, seqQ: 1, seqK: 3, heads: 3, kvHeads: 3, headDim: 64, mask: 'random' },
  { batch: 2, seqQ: 1, seqK: 523, heads: 4, kvHeads: 4, headDim: 64, causal: true, mask: 'pad', bias: 'batched' },
  { batch: 1, seqQ: 1, seqK: 1030, heads: 12, kvHeads: 12, headDim: 64 },
  { batch: 1, seqQ: 1, seqK: 61, heads: 2, kvHeads: 2, headDim: 128, mask: 'fullBatch0' },
];

export const attentionCases: AttentionCase[] = shapes.map((s, idx) => ({
  ...s,
  name: caseName(s),
  tol: { atol: 3e-5, rtol: 1e-4 },
  make: () => makeAttentionArgs(s, 1000 + idx * 7919),
}));
