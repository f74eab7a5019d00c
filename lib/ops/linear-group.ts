// Fused projections for the decode path: several linears over one x in one native call and one
// pool job (attention's q/k/v), and gate/up with the gate activation applied in the same pass
// (SwiGLU, gated GELU). Same results as the separate linear (and siluMul/geluMul) calls.
import { DTypeError, ShapeError, ValueRangeError } from '../errors.js';
import { gatedLinearF32, type LinearPart, linearGroupF32 } from '../kernels/matmul-group.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { defineKernel } from './define.js';
import { indexedKeys } from './keys.js';
import { type CheckedLinear, checkLinear, type LinearWeight } from './linear.js';
import { argsObject, enumOption, expectDims, sharesMemory, tensorArg } from './validate.js';

const MAX_PARTS = 8;

export interface LinearGroupArgs {
  /** [..., in], shared by every part. */
  x: TensorLike<Float32Array>;
  /** 1..8 weights [out_i, in] (each f32, or f16/bf16 tagged). */
  weights: readonly LinearWeight[];
  /** Optional [out_i] per weight (undefined entries: no bias). */
  biases?: readonly (TensorLike<Float32Array> | undefined)[];
}

export interface GatedLinearArgs {
  /** [..., in] */
  x: TensorLike<Float32Array>;
  /** [out, in], same dims and dtype as up. */
  gate: LinearWeight;
  /** [out, in] */
  up: LinearWeight;
  gateBias?: TensorLike<Float32Array>;
  upBias?: TensorLike<Float32Array>;
  /** act(gate): 'silu' (SwiGLU), 'gelu_tanh' (T5 v1.1 gated-gelu), 'gelu' (erf). */
  activation: 'silu' | 'gelu_tanh' | 'gelu';
  /** [..., out]: written and returned instead of a fresh output (a caller's reused buffer); must not overlap x. */
  out?: TensorLike<Float32Array>;
}

const PART_KEYS = indexedKeys(['weight', 'dtype', 'bias', 'out', 'outFeatures'] as const, MAX_PARTS);

function part(c: CheckedLinear): LinearPart & { out: Tensor } {
  const out = new Tensor(new Float32Array(c.rows * c.outF), c.outDims);
  return { w: c.w.data, dtype: c.dtype, bias: c.bias, y: out.data, outF: c.outF, out };
}

/** y_i [..., out_i] = x [..., in] · weights[i]ᵀ + biases[i], for every i. */
export const linearGroup = defineKernel<LinearGroupArgs, Tensor[]>({
  name: 'linearGroup',
  prepare(args) {
    const name = 'linearGroup';
    const a = argsObject(name, args);
    const weights = a.weights;
    if (!Array.isArray(weights) || weights.length < 1 || weights.length > MAX_PARTS) {
      throw new ShapeError(`${name}: weights must be an array of 1 to ${MAX_PARTS} weights`);
    }
    const biases = a.biases;
    if (biases !== undefined && (!Array.isArray(biases) || biases.length !== weights.length)) {
      throw new ShapeError(`${name}: biases must be an array with one entry per weight (${weights.length})`);
    }
    const checked = weights.map((w, i) =>
      checkLinear(name, a.x, w, (biases as unknown[] | undefined)?.[i], { weight: `weights[${i}]`, bias: `biases[${i}]` }));
    const parts = checked.map(part);
    const { x, rows, inF } = checked[0];
    const native: Record<string, unknown> = { x: x.data, rows, inFeatures: inF, parts: parts.length };
    parts.forEach((p, i) => {
      const key = PART_KEYS[i];
      native[key.weight] = p.w;
      native[key.dtype] = p.dtype;
      native[key.bias] = p.bias;
      native[key.out] = p.y;
      native[key.outFeatures] = p.outF;
    });
    return { native, ts: () => linearGroupF32(x.data, parts, rows, inF), result: parts.map((p) => p.out) };
  },
});

/** h [..., out] = act(x · gateᵀ + gateBias) * (x · upᵀ + upBias). */
export const gatedLinear = defineKernel<GatedLinearArgs, Tensor>({
  name: 'gatedLinear',
  prepare(args) {
    const name = 'gatedLinear';
    const a = argsObject(name, args);
    if (a.activation === undefined) throw new ValueRangeError(`${name}: activation is required ('silu', 'gelu_tanh', 'gelu')`);
    const kind = enumOption(name, 'activation', a.activation, ['silu', 'gelu_tanh', 'gelu'] as const, 'silu');
    const g = checkLinear(name, a.x, a.gate, a.gateBias, { weight: 'gate', bias: 'gateBias' });
    const u = checkLinear(name, a.x, a.up, a.upBias, { weight: 'up', bias: 'upBias' });
    if (u.outF !== g.outF) throw new ShapeError(`${name}: up has ${u.outF} outputs, gate ${g.outF}`);
    if (u.dtype !== g.dtype) throw new DTypeError(`${name}: up.dtype '${u.dtype}' must equal gate.dtype '${g.dtype}'`);
    let h: Tensor;
    if (a.out === undefined) {
      h = new Tensor(new Float32Array(g.rows * g.outF), g.outDims);
    } else {
      const out = tensorArg(name, 'out', a.out, Float32Array, g.outDims.length);
      expectDims(name, 'out', out.dims, g.outDims);
      if (sharesMemory(out.data, g.x.data)) throw new ValueRangeError(`${name}: out must not overlap x`);
      h = new Tensor(out.data, g.outDims);
    }
    return {
      native: {
        x: g.x.data, rows: g.rows, inFeatures: g.inF, outFeatures: g.outF, dtype: g.dtype,
        gate: g.w.data, up: u.w.data, gateBias: g.bias, upBias: u.bias, out: h.data, kind,
      },
      // The twin's gate and up products are scratch, as on the native side.
      ts: () => gatedLinearF32(kind, g.x.data, part(g), part(u), h.data, g.rows, g.inF),
      result: h,
    };
  },
});
