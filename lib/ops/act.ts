import { type ActKind, actApplyF32 } from '../kernels/act.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { argsObject, enumOption, tensorArg } from './validate.js';
import { defineKernel } from './define.js';
import { uninitializedF32 } from './alloc.js';

function activation<A extends { x: TensorLike<Float32Array> }>(name: string, kindOf: (a: Record<string, unknown>) => ActKind) {
  return defineKernel<A, Tensor>({
    name,
    nativeName: 'activation',
    prepare(args: A) {
      const a = argsObject(name, args);
      const x = a.x as TensorLike;
      const rank = x && typeof x === 'object' && Array.isArray(x.dims) ? x.dims.length : 0;
      const xt = tensorArg(name, 'x', a.x, Float32Array, rank);
      const kind = kindOf(a);
      const out = new Tensor(uninitializedF32(xt.data.length), xt.dims);
      return {
        native: { x: xt.data, out: out.data, size: xt.data.length, kind },
        ts: () => actApplyF32(kind, xt.data, out.data),
        result: out,
      };
    },
  });
}

export interface SiluArgs {
  x: TensorLike<Float32Array>;
}
export interface GeluArgs {
  x: TensorLike<Float32Array>;
  /** 'none' (exact erf, default) or 'tanh' (GPT-2's gelu_new). */
  approximate?: 'none' | 'tanh';
}
export interface ReluArgs {
  x: TensorLike<Float32Array>;
}

export const silu = activation<SiluArgs>('silu', () => 'silu');
export const gelu = activation<GeluArgs>('gelu', (a) =>
  enumOption('gelu', 'approximate', a.approximate, ['none', 'tanh'] as const, 'none') === 'tanh' ? 'gelu_tanh' : 'gelu',
);
export const relu = activation<ReluArgs>('relu', () => 'relu');
