import { weightToF32 } from '../kernels/half.js';
import { normLayerF32, normRmsF32 } from '../kernels/norm.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { uninitializedF32 } from './alloc.js';
import { defineKernel } from './define.js';
import { argsObject, expectDims, f32Option, outArg, tensorArg } from './validate.js';
import { type CheckedWeight, optionalWeightArg, rankOf, type WeightTensor } from './weight.js';
import { ShapeError, ValueRangeError } from '../errors.js';

export interface RmsNormArgs {
  /** [..., hidden] */
  x: TensorLike<Float32Array>;
  /** [hidden], f32 or f16/bf16; absent = no scale. */
  weight?: WeightTensor;
  /** Added to the mean of squares; default 1e-6 (HF LlamaRMSNorm). */
  eps?: number;
  /** x's dims; written and returned instead of a new tensor. Must not overlap x or weight. */
  out?: TensorLike<Float32Array>;
}

export interface LayerNormArgs {
  /** [..., hidden] */
  x: TensorLike<Float32Array>;
  /** [hidden] */
  weight?: WeightTensor;
  /** [hidden] */
  bias?: WeightTensor;
  /** Added to the variance; default 1e-5 (torch.nn.LayerNorm). */
  eps?: number;
  /** x's dims; written and returned instead of a new tensor. Must not overlap x, weight or bias. */
  out?: TensorLike<Float32Array>;
}

function prepareRows(name: string, a: Record<string, unknown>, defaultEps: number) {
  const rank = rankOf(a.x);
  if (rank < 1) throw new ShapeError(`${name}: x must have rank >= 1 ([..., hidden])`);
  const x = tensorArg(name, 'x', a.x, Float32Array, rank);
  const hidden = x.dims[rank - 1];
  const rows = hidden === 0 ? 0 : x.data.length / hidden;
  // eps is added in f32, as torch adds it: both backends see the same rounded value.
  const eps = Math.fround(f32Option(name, 'eps', a.eps, defaultEps));
  if (eps < 0) throw new ValueRangeError(`${name}: eps must be >= 0, got ${a.eps}`);
  return { x, rows, hidden, eps };
}

function vectorArg(name: string, field: string, value: unknown, hidden: number): CheckedWeight | undefined {
  const w = optionalWeightArg(name, field, value, 1);
  if (w) expectDims(name, field, w.dims, [hidden]);
  return w;
}

const f32OrNull = (w: CheckedWeight | undefined) => (w ? weightToF32(w.data, w.dtype) : null);

export const rmsNorm = defineKernel<RmsNormArgs, Tensor>({
  name: 'rmsNorm',
  prepare(args) {
    const a = argsObject('rmsNorm', args);
    const { x, rows, hidden, eps } = prepareRows('rmsNorm', a, 1e-6);
    const w = vectorArg('rmsNorm', 'weight', a.weight, hidden);
    const out = outArg('rmsNorm', a.out, x.dims, { x: x.data, weight: w?.data }, [], uninitializedF32);
    return {
      native: { x: x.data, out: out.data, rows, hidden, weight: w?.data, weightDtype: w?.dtype ?? 'f32', eps },
      ts: () => normRmsF32(x.data, rows, hidden, f32OrNull(w), eps, out.data),
      result: out,
    };
  },
});

export const layerNorm = defineKernel<LayerNormArgs, Tensor>({
  name: 'layerNorm',
  prepare(args) {
    const a = argsObject('layerNorm', args);
    const { x, rows, hidden, eps } = prepareRows('layerNorm', a, 1e-5);
    const w = vectorArg('layerNorm', 'weight', a.weight, hidden);
    const b = vectorArg('layerNorm', 'bias', a.bias, hidden);
    const out = outArg('layerNorm', a.out, x.dims, { x: x.data, weight: w?.data, bias: b?.data }, [], uninitializedF32);
    return {
      native: {
        x: x.data, out: out.data, rows, hidden, eps,
        weight: w?.data, weightDtype: w?.dtype ?? 'f32', bias: b?.data, biasDtype: b?.dtype ?? 'f32',
      },
      ts: () => normLayerF32(x.data, rows, hidden, f32OrNull(w), f32OrNull(b), eps, out.data),
      result: out,
    };
  },
});
