// raggedAttention: one decode query per row, each row over its own keys (a continuous-batching
// step: every sequence has its own KV cache, of its own length). Row r's output equals
// attention({ q: q[r], k: rows[r].k, v: rows[r].v, keyPaddingMask, bias }) with one query (to rounding); the
// native kernel runs every row in one pool job.
import { raggedAttentionF32 } from '../kernels/attention.js';
import { DTypeError, ShapeError, ValueRangeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import type { KvData, KvDType } from '../kernels/attention.js';
import { bareOrTensor, type KvTensor, kvPair } from './attention.js';
import { argsObject, expectDims, f32Option, tensorArg } from './validate.js';
import { defineKernel } from './define.js';
import { indexedKeys } from './keys.js';

/** The addon's limit on rows per call (kRaggedMaxRows); callers with more split the batch. */
export const RAGGED_MAX_ROWS = 256;
const ROW_KEYS = indexedKeys(['seqK', 'k', 'v', 'keyMask', 'bias'] as const, RAGGED_MAX_ROWS);

export interface RaggedAttentionRow {
  /** [1, seqK, kvHeads, headDim]: f32, or f16 (KvTensor); every row's K and V share one dtype. */
  k: KvTensor;
  /** [1, seqK, kvHeads, headDim] */
  v: KvTensor;
  /** [1, seqK], 1 = attend (a tensor, or its bare data). */
  keyPaddingMask?: TensorLike<Uint8Array> | Uint8Array;
  /** Added to the scaled scores: [heads, 1, seqK] (a tensor, or its bare data). */
  bias?: TensorLike<Float32Array> | Float32Array;
}

export interface RaggedAttentionArgs {
  /** [rows, 1, heads, headDim]: one query per row. */
  q: TensorLike<Float32Array>;
  /** One entry per row of q (at most RAGGED_MAX_ROWS). */
  rows: RaggedAttentionRow[];
  /** Default 1/sqrt(headDim). */
  scale?: number;
}

const NAME = 'raggedAttention';

export const raggedAttention = defineKernel<RaggedAttentionArgs, Tensor>({
  name: NAME,
  prepare(args) {
    const a = argsObject(NAME, args);
    const q = tensorArg(NAME, 'q', a.q, Float32Array, 4);
    const [n, seqQ, heads, headDim] = q.dims;
    if (seqQ !== 1) throw new ShapeError(`${NAME}: q must hold one query per row ([rows, 1, heads, headDim]), got dims [${q.dims.join(', ')}]`);
    if (!Array.isArray(a.rows)) throw new ShapeError(`${NAME}: rows must be an array with one entry per row of q`);
    const rows = a.rows as unknown[];
    if (rows.length !== n) throw new ShapeError(`${NAME}: rows has ${rows.length} entries, q has ${n} rows`);
    if (n > RAGGED_MAX_ROWS) throw new ValueRangeError(`${NAME}: at most ${RAGGED_MAX_ROWS} rows per call, got ${n}`);
    if (heads < 1 || headDim < 1) throw new ShapeError(`${NAME}: heads (${heads}) and headDim (${headDim}) must be at least 1`);
    let kvHeads = 0;
    const k: KvData[] = [];
    const v: KvData[] = [];
    let kvDtype: KvDType = 'f32';
    const keyMask: (Uint8Array | null)[] = [];
    const bias: (Float32Array | null)[] = [];
    const seqK: number[] = [];
    rows.forEach((row, r) => {
      const o = argsObject(NAME, row);
      const { k: kr, v: vr, dtype } = kvPair(NAME, `rows[${r}].k`, o.k, `rows[${r}].v`, o.v);
      if (r === 0) {
        kvHeads = kr.dims[2];
        kvDtype = dtype;
      } else if (dtype !== kvDtype) {
        throw new DTypeError(`${NAME}: rows[${r}] K/V are ${dtype} but rows[0]'s are ${kvDtype}; every row must share one dtype`);
      }
      expectDims(NAME, `rows[${r}].k`, kr.dims, [1, undefined, kvHeads, headDim]);
      expectDims(NAME, `rows[${r}].v`, vr.dims, kr.dims);
      const len = kr.dims[1];
      k.push(kr.data);
      v.push(vr.data);
      seqK.push(len);
      keyMask.push(o.keyPaddingMask == null ? null : bareOrTensor(NAME, `rows[${r}].keyPaddingMask`, o.keyPaddingMask, Uint8Array, [[1, len]]).data);
      bias.push(o.bias == null ? null : bareOrTensor(NAME, `rows[${r}].bias`, o.bias, Float32Array, [[heads, 1, len]]).data);
    });
    if (n > 0 && (kvHeads < 1 || heads % kvHeads !== 0)) {
      throw new ShapeError(`${NAME}: heads (${heads}) must be a multiple of kvHeads (${kvHeads}, from rows[0].k)`);
    }
    // The kernels scale in f32: both backends see the rounded value.
    const scale = Math.fround(f32Option(NAME, 'scale', a.scale, 1 / Math.sqrt(headDim)));
    const out = new Tensor(new Float32Array(n * heads * headDim), [n, 1, heads, headDim]);
    const native: Record<string, unknown> = { q: q.data, out: out.data, rows: n, heads, kvHeads: Math.max(kvHeads, 1), headDim, scale, kvDtype };
    for (let r = 0; r < n; r++) {
      const key = ROW_KEYS[r];
      native[key.seqK] = seqK[r];
      native[key.k] = k[r];
      native[key.v] = v[r];
      if (keyMask[r]) native[key.keyMask] = keyMask[r];
      if (bias[r]) native[key.bias] = bias[r];
    }
    const params = { q: q.data, out: out.data, k, v, kvDtype, keyMask, bias, seqK, rows: n, heads, kvHeads, headDim, scale };
    return { native, ts: () => raggedAttentionF32(params), result: out };
  },
});
