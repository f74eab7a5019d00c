import { ropeApplyF32, ropeDefaultInvFreq, type RopeStyle } from '../kernels/rope.js';
import { ShapeError, ValueRangeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { uninitializedF32 } from './alloc.js';
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

/** What rope and ropeQk read besides the tensors, checked against x's [batch, seq, heads, headDim]. */
function ropeOptions(kernel: string, a: Record<string, unknown>, dims: readonly number[]) {
  const [batch, seq, , headDim] = dims;
  const positions = tensorArg(kernel, 'positions', a.positions, Int32Array, 2);
  expectDims(kernel, 'positions', positions.dims, [batch, seq]);
  const rotaryDim = intOption(kernel, 'rotaryDim', a.rotaryDim, headDim, 0, headDim);
  if (rotaryDim % 2 !== 0) throw new ValueRangeError(`${kernel}: rotaryDim must be even, got ${rotaryDim}`);
  const style = enumOption(kernel, 'style', a.style, ['half', 'interleaved'] as const, 'half');
  const scaling = f32Option(kernel, 'attentionScaling', a.attentionScaling, 1);
  let invFreq: Float32Array;
  if (a.invFreq !== undefined && a.invFreq !== null) {
    invFreq = invFreqArg(a.invFreq, rotaryDim / 2);
  } else {
    const theta = numberOption(kernel, 'theta', a.theta, 10000);
    if (!(theta > 0)) throw new ValueRangeError(`${kernel}: theta must be > 0, got ${theta}`);
    invFreq = ropeDefaultInvFreq(theta, rotaryDim);
  }
  return { batch, seq, headDim, positions: positions.data, rotaryDim, interleaved: style === 'interleaved', scaling, invFreq };
}

/** → [batch, seq, heads, headDim], x rotated. */
export const rope = defineKernel<RopeArgs, Tensor>({
  name: 'rope',
  prepare(args) {
    const a = argsObject('rope', args);
    const x = tensorArg('rope', 'x', a.x, Float32Array, 4);
    const heads = x.dims[2];
    const o = ropeOptions('rope', a, x.dims);
    const { batch, seq, headDim, positions, invFreq, rotaryDim, interleaved, scaling } = o;
    const out = outArg('rope', a.out, x.dims, { x: x.data, positions, invFreq }, [], uninitializedF32);
    return {
      native: { x: x.data, out: out.data, batch, seq, heads, headDim, positions, invFreq, rotaryDim, interleaved, scaling },
      ts: () => ropeApplyF32(x.data, batch, seq, heads, headDim, positions, invFreq, rotaryDim, interleaved, scaling, out.data),
      result: out,
    };
  },
});

export interface RopeQkArgs extends Omit<RopeArgs, 'x' | 'out'> {
  /** [batch, seq, heads, headDim] */
  q: TensorLike<Float32Array>;
  /** [batch, seq, kvHeads, headDim]: q's batch, seq and headDim, any head count. */
  k: TensorLike<Float32Array>;
}

/**
 * → { q, k }, both rotated at the same positions: attention's two rotations in one call, the
 * cos/sin of each token computed once for both. Same results as two rope calls.
 */
export const ropeQk = defineKernel<RopeQkArgs, { q: Tensor; k: Tensor }>({
  name: 'ropeQk',
  nativeName: 'rope',
  prepare(args) {
    const a = argsObject('ropeQk', args);
    const q = tensorArg('ropeQk', 'q', a.q, Float32Array, 4);
    const k = tensorArg('ropeQk', 'k', a.k, Float32Array, 4);
    expectDims('ropeQk', 'k', k.dims, [q.dims[0], q.dims[1], undefined, q.dims[3]]);
    const [heads, kHeads] = [q.dims[2], k.dims[2]];
    const { batch, seq, headDim, positions, invFreq, rotaryDim, interleaved, scaling } = ropeOptions('ropeQk', a, q.dims);
    const qOut = new Tensor(uninitializedF32(q.data.length), q.dims);
    const kOut = new Tensor(uninitializedF32(k.data.length), k.dims);
    return {
      native: {
        x: q.data, out: qOut.data, k: k.data, kOut: kOut.data, batch, seq, heads, kHeads, headDim, positions, invFreq, rotaryDim, interleaved, scaling,
      },
      ts: () => {
        ropeApplyF32(q.data, batch, seq, heads, headDim, positions, invFreq, rotaryDim, interleaved, scaling, qOut.data);
        ropeApplyF32(k.data, batch, seq, kHeads, headDim, positions, invFreq, rotaryDim, interleaved, scaling, kOut.data);
      },
      result: { q: qOut, k: kOut },
    };
  },
});
