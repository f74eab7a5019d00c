import { ropeApplyF32, ropeDefaultInvFreq, type RopeStyle } from '../kernels/rope.js';
import { ShapeError, ValueRangeError } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { defineKernel } from './define.js';
import { argsObject, enumOption, expectDims, f32Option, intOption, numberOption, outArg, tensorArg } from './validate.js';

export interface RopeArgs {
  /** [batch, seq, heads, headDim] */
  x: TensorLike<Float32Array>;
  /** [batch, seq] absolute positions (left padding: cumsum(mask) - 1). */
  positions: TensorLike<Int32Array>;
  /** Base of the default inverse frequencies 1 / theta^(2i / rotaryDim); default 10000. */
  theta?: number;
  /** Leading features of each head that rotate (even, <= headDim); default headDim. */
  rotaryDim?: number;
  /** 'half' (HF LLaMA rotate_half, default) or 'interleaved' (GPT-J pairs). */
  style?: RopeStyle;
  /** [rotaryDim / 2] inverse frequencies; when given, theta is ignored (HF rope_scaling: linear, dynamic, llama3, yarn). */
  invFreq?: Float32Array | TensorLike<Float32Array>;
  /** Multiplies cos and sin (HF yarn/longrope attention_factor); default 1. */
  attentionScaling?: number;
  /** x's dims; written and returned instead of a new tensor. Must not overlap x (a rotation reads pairs), positions or invFreq. */
  out?: TensorLike<Float32Array>;
}

function invFreqArg(value: unknown, half: number): Float32Array {
  const data = value instanceof Float32Array ? value : tensorArg('rope', 'invFreq', value, Float32Array, 1).data;
  if (data.length !== half) throw new ShapeError(`rope: invFreq has ${data.length} elements, rotaryDim / 2 = ${half}`);
  for (let i = 0; i < half; i++) {
    if (!Number.isFinite(data[i])) throw new ValueRangeError(`rope: invFreq[${i}] must be finite, got ${data[i]}`);
  }
  return data;
}

/** → [batch, seq, heads, headDim], x rotated. */
export const rope = defineKernel<RopeArgs, Tensor>({
  name: 'rope',
  prepare(args) {
    const a = argsObject('rope', args);
    const x = tensorArg('rope', 'x', a.x, Float32Array, 4);
    const [batch, seq, heads, headDim] = x.dims;
    const positions = tensorArg('rope', 'positions', a.positions, Int32Array, 2);
    expectDims('rope', 'positions', positions.dims, [batch, seq]);
    const rotaryDim = intOption('rope', 'rotaryDim', a.rotaryDim, headDim, 0, headDim);
    if (rotaryDim % 2 !== 0) throw new ValueRangeError(`rope: rotaryDim must be even, got ${rotaryDim}`);
    const style = enumOption('rope', 'style', a.style, ['half', 'interleaved'] as const, 'half');
    const scaling = f32Option('rope', 'attentionScaling', a.attentionScaling, 1);
    let invFreq: Float32Array;
    if (a.invFreq !== undefined && a.invFreq !== null) {
      invFreq = invFreqArg(a.invFreq, rotaryDim / 2);
    } else {
      const theta = numberOption('rope', 'theta', a.theta, 10000);
      if (!(theta > 0)) throw new ValueRangeError(`rope: theta must be > 0, got ${theta}`);
      invFreq = ropeDefaultInvFreq(theta, rotaryDim);
    }
    const out = outArg('rope', a.out, x.dims, { x: x.data, positions: positions.data, invFreq });
    const interleaved = style === 'interleaved';
    return {
      native: { x: x.data, out: out.data, batch, seq, heads, headDim, positions: positions.data, invFreq, rotaryDim, interleaved, scaling },
      ts: () => ropeApplyF32(x.data, batch, seq, heads, headDim, positions.data, invFreq, rotaryDim, interleaved, scaling, out.data),
      result: out,
    };
  },
});
