// Scaled dot-product attention, f32, the TS twin of native/kernels/attention/attention.h.
import { weightToF32 } from './half.js';

//   out[b,i,h,:] = sum_j p_ij v[b,j,g,:],   p_i = softmax_j(scale * q[b,i,h,:]·k[b,j,g,:] + bias[(b,)h,i,j])
// over the keys j that query i may see: keyMask[b,j] != 0 and, if causal, j <= i + seqK - seqQ
// (a chunk of seqQ new queries at the end of seqK keys; a decode step seqQ = 1 sees the whole
// cache). g = floor(h / (heads / kvHeads)) is the kv head of query head h (GQA; MQA is kvHeads = 1).
// A row that sees no key, or only keys whose biased score is -Infinity, is all zeros (never NaN).
//   q:    [batch, seqQ, heads, headDim]
//   k, v: [batch, seqK, kvHeads, headDim], both f32 or both f16 bits (kvDtype 'f16': an f16 KV
//         cache), widened exactly to f32 before use, so f16 K/V give the f32 result of the same values
//   keyMask: [batch, seqK] (1 keep, 0 ignore) or null
//   bias: [heads, seqQ, seqK] or, biasBatched, [batch, heads, seqQ, seqK]; or null
//   out:  [batch, seqQ, heads, headDim]
// Memory: one score row of seqK doubles; never a seqQ x seqK matrix. The twin accumulates in
// double precision (the oracle); the native kernels use f32 tiles with an online softmax and stay
// within 3e-5 absolute + 1e-4 relative of it for unit-scale inputs.

/** How K and V are stored: f32, or f16 bits in a Uint16Array. */
export type KvDType = 'f32' | 'f16';
export type KvData = Float32Array | Uint16Array;

/** K or V as f32: the data itself, or the f16 bits widened (a copy). */
export function kvToF32(data: KvData, dtype: KvDType): Float32Array {
  return dtype === 'f16' ? weightToF32(data, 'f16') : (data as Float32Array);
}

export interface AttentionParams {
  q: Float32Array;
  k: KvData;
  v: KvData;
  kvDtype: KvDType;
  keyMask: Uint8Array | null;
  bias: Float32Array | null;
  biasBatched: boolean;
  out: Float32Array;
  batch: number;
  seqQ: number;
  seqK: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  scale: number;
  causal: boolean;
}

export function attentionF32(p: AttentionParams): void {
  const { q, keyMask, bias, biasBatched, out, batch, seqQ, seqK, heads, kvHeads, headDim, scale, causal } = p;
  const k = kvToF32(p.k, p.kvDtype);
  const v = kvToF32(p.v, p.kvDtype);
  const group = heads / kvHeads;
  const scores = new Float64Array(seqK);
  const acc = new Float64Array(headDim);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < seqQ; i++) {
      // Keys past `last` are in this query's future.
      const last = causal ? Math.min(seqK - 1, i + seqK - seqQ) : seqK - 1;
      for (let h = 0; h < heads; h++) {
        const g = Math.floor(h / group);
        const qo = ((b * seqQ + i) * heads + h) * headDim;
        const bo = bias ? ((biasBatched ? b * heads + h : h) * seqQ + i) * seqK : 0;
        let max = -Infinity;
        for (let j = 0; j <= last; j++) {
          if (keyMask && keyMask[b * seqK + j] === 0) {
            scores[j] = -Infinity;
            continue;
          }
          const ko = ((b * seqK + j) * kvHeads + g) * headDim;
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q[qo + d] * k[ko + d];
          const s = scale * dot + (bias ? bias[bo + j] : 0);
          scores[j] = s;
          if (s > max) max = s;
        }
        if (max === -Infinity) {
          out.fill(0, qo, qo + headDim);
          continue;
        }
        acc.fill(0);
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          if (scores[j] === -Infinity) continue;
          const w = Math.exp(scores[j] - max);
          sum += w;
          const vo = ((b * seqK + j) * kvHeads + g) * headDim;
          for (let d = 0; d < headDim; d++) acc[d] += w * v[vo + d];
        }
        for (let d = 0; d < headDim; d++) out[qo + d] = acc[d] / sum;
      }
    }
  }
}

// Ragged decode, the twin of attention_ragged_f32: `rows` independent sequences with one new query
// each, every one over its own keys (a continuous-batching step; each sequence owns its cache).
//   q, out:   [rows, heads, headDim]
//   k[r], v[r]: [seqK[r], kvHeads, headDim], every row's in kvDtype;  keyMask[r]: [seqK[r]] or null;  bias[r]: [heads, seqK[r]] or null
// Row r's output is attentionF32's with batch = seqQ = 1 on row r's arguments.
export interface RaggedAttentionParams {
  q: Float32Array;
  out: Float32Array;
  k: KvData[];
  v: KvData[];
  kvDtype: KvDType;
  keyMask: (Uint8Array | null)[];
  bias: (Float32Array | null)[];
  seqK: number[];
  rows: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  scale: number;
}

export function raggedAttentionF32(p: RaggedAttentionParams): void {
  const { heads, kvHeads, headDim, scale } = p;
  const n = heads * headDim;
  for (let r = 0; r < p.rows; r++) {
    attentionF32({
      q: p.q.subarray(r * n, (r + 1) * n), out: p.out.subarray(r * n, (r + 1) * n), k: p.k[r], v: p.v[r], kvDtype: p.kvDtype,
      keyMask: p.keyMask[r], bias: p.bias[r], biasBatched: false,
      batch: 1, seqQ: 1, seqK: p.seqK[r], heads, kvHeads, headDim, scale, causal: false,
    });
  }
}
