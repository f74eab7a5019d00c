import { type BinaryKind, elementwiseBinaryF32, elementwiseGatedF32, type GatedKind } from '../kernels/elementwise.js';
import { ShapeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { uninitializedF32 } from './alloc.js';
import { defineKernel } from './define.js';
import { argsObject, enumOption, outArg, tensorArg } from './validate.js';
import { rankOf } from './weight.js';

export interface BinaryArgs {
  /** [...lead, ...tail] */
  a: TensorLike<Float32Array>;
  /** a's dims, or a suffix of them ([...tail]) broadcast over the leading dims. */
  b: TensorLike<Float32Array>;
  /** a's dims; written and returned instead of a new tensor. May be a itself (in place), or b when b has a's dims; no other overlap. */
  out?: TensorLike<Float32Array>;
}

export interface SiluMulArgs {
  /** [...] */
  gate: TensorLike<Float32Array>;
  /** same dims as gate */
  up: TensorLike<Float32Array>;
}

export interface GeluMulArgs extends SiluMulArgs {
  /** 'tanh' (default: HF gelu_new, T5 v1.1 "gated-gelu") or 'none' (exact erf). */
  approximate?: 'none' | 'tanh';
}

const fmt = (d: readonly number[]) => `[${d.join(', ')}]`;

function binary(name: string, kind: BinaryKind) {
  return defineKernel<BinaryArgs, Tensor>({
    name,
    nativeName: 'elementwiseBinary',
    prepare(args) {
      const o = argsObject(name, args);
      const a = tensorArg(name, 'a', o.a, Float32Array, rankOf(o.a));
      const b = tensorArg(name, 'b', o.b, Float32Array, rankOf(o.b));
      const lead = a.dims.length - b.dims.length;
      if (lead < 0 || b.dims.some((d, i) => d !== a.dims[lead + i])) {
        throw new ShapeError(`${name}: b dims ${fmt(b.dims)} must equal a's dims ${fmt(a.dims)} or a suffix of them`);
      }
      const n = b.data.length;
      const rows = n === 0 ? 0 : a.data.length / n;
      // b broadcast over rows of a: one row of b (bRows = 1) when it is a strict suffix.
      const bRows = lead === 0 ? rows : 1;
      const out = outArg(name, o.out, a.dims, { a: a.data, b: b.data }, lead === 0 ? ['a', 'b'] : ['a'], uninitializedF32);
      return {
        native: { a: a.data, b: b.data, out: out.data, rows, n, bRows, kind },
        ts: () => elementwiseBinaryF32(kind, a.data, b.data, rows, n, bRows, out.data),
        result: out,
      };
    },
  });
}

function gated<A extends SiluMulArgs>(name: string, kindOf: (a: Record<string, unknown>) => GatedKind) {
  return defineKernel<A, Tensor>({
    name,
    nativeName: 'elementwiseGated',
    prepare(args) {
      const o = argsObject(name, args);
      const gate = tensorArg(name, 'gate', o.gate, Float32Array, rankOf(o.gate));
      const up = tensorArg(name, 'up', o.up, Float32Array, rankOf(o.up));
      if (up.dims.length !== gate.dims.length || up.dims.some((d, i) => d !== gate.dims[i])) {
        throw new ShapeError(`${name}: up dims ${fmt(up.dims)} must equal gate dims ${fmt(gate.dims)}`);
      }
      const kind = kindOf(o);
      const out = new Tensor(uninitializedF32(gate.data.length), gate.dims);
      return {
        native: { gate: gate.data, up: up.data, out: out.data, size: gate.data.length, kind },
        ts: () => elementwiseGatedF32(kind, gate.data, up.data, out.data),
        result: out,
      };
    },
  });
}

export const add = binary('add', 'add');
export const mul = binary('mul', 'mul');
export const siluMul = gated<SiluMulArgs>('siluMul', () => 'silu');
export const geluMul = gated<GeluMulArgs>('geluMul', (a) =>
  enumOption('geluMul', 'approximate', a.approximate, ['none', 'tanh'] as const, 'tanh') === 'tanh' ? 'gelu_tanh' : 'gelu',
);
