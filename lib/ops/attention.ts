import { attentionF32, type KvData, type KvDType } from '../kernels/attention.js';
import { DTypeError, ShapeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { argsObject, boolOption, expectDims, f32Option, tensorArg } from './validate.js';
import { defineKernel } from './define.js';

/**
 * K or V as stored: f32 data, or f16 bits in a Uint16Array tagged `dtype: 'f16'` (an f16 KV cache;
 * the same convention as f16 weights). K and V must share the dtype.
 */
export interface KvTensor {
  readonly data: KvData;
  readonly dims: readonly number[];
  /** 'f32' (default for Float32Array data) or 'f16' (Uint16Array data). */
  readonly dtype?: KvDType;
}

export interface AttentionArgs {
  /** [batch, seqQ, heads, headDim] */
  q: TensorLike<Float32Array>;
  /** [batch, seqK, kvHeads, headDim]; heads % kvHeads === 0. f32, or f16 (see KvTensor). */
  k: KvTensor;
  /** [batch, seqK, kvHeads, headDim], the dtype of k. */
  v: KvTensor;
  /** [batch, seqK], 1 = attend, 0 = ignore (a tensor, or its bare data). */
  keyPaddingMask?: TensorLike<Uint8Array> | Uint8Array;
  /** Added to the scaled scores: [heads, seqQ, seqK] or [batch, heads, seqQ, seqK] (a tensor, or its bare data). */
  bias?: TensorLike<Float32Array> | Float32Array;
  /** Default 1/sqrt(headDim); T5 uses 1. */
  scale?: number;
  /** Query i sees key j iff j <= i + seqK - seqQ. */
  causal?: boolean;
}

const NAME = 'attention';

function fmt(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

/** A bare typed array must have one of the allowed lengths; a tensor is checked by tensorArg. */
export function bareOrTensor<T extends Float32Array | Uint8Array>(
  kernel: string,
  name: string,
  value: unknown,
  ctor: { new (n: number): T; name: string },
  shapes: number[][],
): { data: T; dims: number[] } {
  if (value instanceof ctor) {
    const shape = shapes.find((s) => s.reduce((a, b) => a * b, 1) === value.length);
    if (!shape) {
      const want = shapes.map((s) => `${s.reduce((a, b) => a * b, 1)} (${fmt(s)})`).join(' or ');
      throw new ShapeError(`${kernel}: ${name} has ${value.length} elements, expected ${want}`);
    }
    return { data: value, dims: shape };
  }
  if (ArrayBuffer.isView(value)) {
    throw new DTypeError(`${kernel}: ${name} must be a ${ctor.name} or a tensor of one, got ${value.constructor.name}`);
  }
  const v = value as { dims?: unknown } | null;
  const rank = v && typeof v === 'object' && Array.isArray(v.dims) ? v.dims.length : shapes[0].length;
  const t = tensorArg(kernel, name, value, ctor, rank);
  if (!shapes.some((s) => s.length === t.dims.length && s.every((d, i) => d === t.dims[i]))) {
    throw new ShapeError(`${kernel}: ${name} dims ${fmt(t.dims)} do not match the expected ${shapes.map(fmt).join(' or ')}`);
  }
  return { data: t.data, dims: [...t.dims] };
}

/** One K or V argument: checked tag, data type and length (in elements of its dtype). */
function kvArg(kernel: string, name: string, value: unknown): { data: KvData; dims: readonly number[]; dtype: KvDType } {
  const o = value as { data?: unknown; dtype?: unknown } | null;
  const tag = o && typeof o === 'object' ? o.dtype : undefined;
  if (tag !== undefined && tag !== 'f32' && tag !== 'f16') {
    throw new DTypeError(`${kernel}: ${name}.dtype must be 'f32' or 'f16', got ${JSON.stringify(tag)}`);
  }
  if (tag === 'f16') {
    const t = tensorArg(kernel, name, value, Uint16Array, 4);
    return { data: t.data, dims: t.dims, dtype: 'f16' };
  }
  if (o && typeof o === 'object' && o.data instanceof Uint16Array) {
    throw new DTypeError(`${kernel}: ${name} holds a Uint16Array without dtype 'f16'`);
  }
  const t = tensorArg(kernel, name, value, Float32Array, 4);
  return { data: t.data, dims: t.dims, dtype: 'f32' };
}

/** K and V of one call (or one ragged row): both f32 or both f16. */
export function kvPair(kernel: string, kName: string, k: unknown, vName: string, v: unknown) {
  const kk = kvArg(kernel, kName, k);
  const vv = kvArg(kernel, vName, v);
  if (kk.dtype !== vv.dtype) {
    throw new DTypeError(`${kernel}: ${kName} is ${kk.dtype} but ${vName} is ${vv.dtype}; K and V must share a dtype`);
  }
  return { k: kk, v: vv, dtype: kk.dtype };
}

export const attention = defineKernel<AttentionArgs, Tensor>({
  name: NAME,
  prepare(args) {
    const a = argsObject(NAME, args);
    const q = tensorArg(NAME, 'q', a.q, Float32Array, 4);
    const { k, v, dtype: kvDtype } = kvPair(NAME, 'k', a.k, 'v', a.v);
    const [batch, seqQ, heads, headDim] = q.dims;
    const [, seqK, kvHeads] = k.dims;
    expectDims(NAME, 'k', k.dims, [batch, undefined, undefined, headDim]);
    expectDims(NAME, 'v', v.dims, k.dims);
    if (heads < 1 || kvHeads < 1 || headDim < 1) {
      throw new ShapeError(`${NAME}: heads (${heads}), kvHeads (${kvHeads}) and headDim (${headDim}) must be at least 1`);
    }
    if (heads % kvHeads !== 0) {
      throw new ShapeError(`${NAME}: heads (${heads}, q dims ${fmt(q.dims)}) must be a multiple of kvHeads (${kvHeads}, k dims ${fmt(k.dims)})`);
    }
    const mask = a.keyPaddingMask == null ? null : bareOrTensor(NAME, 'keyPaddingMask', a.keyPaddingMask, Uint8Array, [[batch, seqK]]);
    const bias =
      a.bias == null
        ? null
        : bareOrTensor(NAME, 'bias', a.bias, Float32Array, [
            [heads, seqQ, seqK],
            [batch, heads, seqQ, seqK],
          ]);
    const biasBatched = bias !== null && bias.dims.length === 4;
    // The kernels scale in f32: both backends see the rounded value.
    const scale = Math.fround(f32Option(NAME, 'scale', a.scale, 1 / Math.sqrt(headDim)));
    const causal = boolOption(NAME, 'causal', a.causal, false);
    const out = new Tensor(new Float32Array(batch * seqQ * heads * headDim), [batch, seqQ, heads, headDim]);
    const params = {
      q: q.data,
      k: k.data,
      v: v.data,
      kvDtype,
      keyMask: mask?.data ?? null,
      bias: bias?.data ?? null,
      biasBatched,
      out: out.data,
      batch,
      seqQ,
      seqK,
      heads,
      kvHeads,
      headDim,
      scale,
      causal,
    };
    return {
      native: { ...params, keyMask: params.keyMask ?? undefined, bias: params.bias ?? undefined },
      ts: () => attentionF32(params),
      result: out,
    };
  },
});
