import { DTypeError, ShapeError, ValueRangeError } from '../errors.js';
import { linearBf16, linearF16, linearF32, type WeightDType } from '../kernels/matmul.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { argsObject, expectDims, optionalTensorArg, outArg, tensorArg } from './validate.js';
import { defineKernel } from './define.js';

const NAME = 'linear';

/** A weight [out, in]: f32 data, or f16/bf16 raw bits in a Uint16Array tagged with its dtype. */
export type LinearWeight =
  | (TensorLike<Float32Array> & { dtype?: 'f32' })
  | (TensorLike<Uint16Array> & { dtype: 'f16' | 'bf16' });

export interface LinearArgs {
  /** [..., in]: leading dims flatten to rows and are kept in the output. */
  x: TensorLike<Float32Array>;
  /** [out, in], PyTorch nn.Linear layout. */
  weight: LinearWeight;
  /** [out] */
  bias?: TensorLike<Float32Array>;
  /**
   * [..., out] (the result's dims), added to the result: y = x · Weightᵀ + bias + residual. A
   * pre-norm block's skip connection fused into its last projection (one pass, no add call).
   */
  residual?: TensorLike<Float32Array>;
  /**
   * [..., out] (the result's dims): written and returned instead of a fresh output (a caller's
   * reused buffer). Must not overlap x, weight or bias; may be residual itself (an in-place skip).
   */
  out?: TensorLike<Float32Array>;
}

function weightDType(name: string, what: string, w: unknown): WeightDType {
  const tag = w !== null && typeof w === 'object' ? (w as { dtype?: unknown }).dtype : undefined;
  if (tag === undefined || tag === null) return 'f32';
  if (tag === 'f32' || tag === 'f16' || tag === 'bf16') return tag;
  throw new ValueRangeError(`${name}: ${what}.dtype must be one of 'f32', 'f16', 'bf16', got ${JSON.stringify(tag)}`);
}

function rankOf(t: unknown): number {
  const dims = t !== null && typeof t === 'object' ? (t as { dims?: unknown }).dims : undefined;
  return Array.isArray(dims) ? dims.length : 0;
}

/** A validated x [..., in] and weight [out, in] (+ bias [out]) of kernel `name`. */
export interface CheckedLinear {
  x: TensorLike<Float32Array>;
  w: TensorLike<Float32Array | Uint16Array>;
  dtype: WeightDType;
  bias: Float32Array | undefined;
  rows: number;
  inF: number;
  outF: number;
  /** The output dims: x's leading dims, then out. */
  outDims: number[];
}

/** Checks x against a weight (and bias); `what` names the weight and bias in messages. */
export function checkLinear(name: string, xArg: unknown, weight: unknown, biasArg: unknown, what = { weight: 'weight', bias: 'bias' }): CheckedLinear {
  const xRank = rankOf(xArg);
  if (xRank < 1) throw new ShapeError(`${name}: x must have rank >= 1 ([..., in])`);
  const x = tensorArg(name, 'x', xArg, Float32Array, xRank);
  const dtype = weightDType(name, what.weight, weight);
  const w = dtype === 'f32' ? tensorArg(name, what.weight, weight, Float32Array, 2) : tensorArg(name, what.weight, weight, Uint16Array, 2);
  if (dtype !== 'f32' && !(w.data instanceof Uint16Array)) {
    throw new DTypeError(`${name}: ${what.weight}.data must be a Uint16Array for dtype '${dtype}'`);
  }
  const [outF, inF] = w.dims;
  expectDims(name, 'x', x.dims, [...x.dims.slice(0, -1), inF]);
  const bias = optionalTensorArg(name, what.bias, biasArg, Float32Array, 1);
  if (bias) expectDims(name, what.bias, bias.dims, [outF]);
  const rows = inF > 0 ? x.data.length / inF : x.dims.slice(0, -1).reduce((p, d) => p * d, 1);
  return { x, w, dtype, bias: bias?.data, rows, inF, outF, outDims: [...x.dims.slice(0, -1), outF] };
}

/** y [..., out] = x [..., in] · weightᵀ [in, out] + bias [out] + residual [..., out]; accumulates in f32. */
export const linear = defineKernel<LinearArgs, Tensor>({
  name: NAME,
  prepare(args: LinearArgs) {
    const a = argsObject(NAME, args);
    const { x, w, dtype, bias: b, rows, inF, outF, outDims } = checkLinear(NAME, a.x, a.weight, a.bias);
    const r = optionalTensorArg(NAME, 'residual', a.residual, Float32Array, outDims.length);
    if (r) expectDims(NAME, 'residual', r.dims, outDims);
    const residual = r?.data;
    const out = outArg(NAME, a.out, outDims, { x: x.data, weight: w.data, bias: b, residual }, ['residual']);
    return {
      native: { x: x.data, weight: w.data, bias: b, residual, out: out.data, rows, inFeatures: inF, outFeatures: outF, dtype },
      ts: () => {
        if (dtype === 'f32') linearF32(x.data, w.data as Float32Array, b, out.data, rows, inF, outF, residual);
        else if (dtype === 'f16') linearF16(x.data, w.data as Uint16Array, b, out.data, rows, inF, outF, residual);
        else linearBf16(x.data, w.data as Uint16Array, b, out.data, rows, inF, outF, residual);
      },
      result: out,
    };
  },
});
