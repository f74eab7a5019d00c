// Named rmsNorm/layerNorm cases shared by the parity tests and the benchmarks.
import type { WeightDType } from '../../lib/kernels/half.js';
import { Rng } from '../helpers/rng.js';
import { toWeight } from './weights.js';

export interface NormCase {
  name: string;
  dims: number[];
  weight: WeightDType | 'none';
  bias: boolean;
  eps: number;
  x(): Float32Array;
  weightData(): { data: Float32Array | Uint16Array; dims: number[]; dtype: WeightDType } | undefined;
  biasData(): { data: Float32Array | Uint16Array; dims: number[]; dtype: WeightDType } | undefined;
}

function normCase(dims: number[], weight: WeightDType | 'none', bias: boolean, eps = 1e-6, offset = 0): NormCase {
  const hidden = dims[dims.length - 1];
  const size = dims.reduce((p, d) => p * d, 1);
  const seed = size * 31 + hidden;
  return {
    name: `${dims.join('x')}-w${weight}${bias ? '-bias' : ''}${offset ? `-off${offset}` : ''}`,
    dims,
    weight,
    bias,
    eps,
    x: () => {
      const x = new Rng(seed).f32(size, 2);
      if (offset) for (let i = 0; i < size; i++) x[i] += offset;
      return x;
    },
    weightData: () => (weight === 'none' ? undefined : toWeight(new Rng(seed + 1).uniform(hidden, 0.5, 1.5), [hidden], weight)),
    biasData: () => (bias ? toWeight(new Rng(seed + 2).f32(hidden, 0.1), [hidden], weight === 'none' ? 'f32' : weight) : undefined),
  };
}

export const normCases: NormCase[] = [
  normCase([1], 'f32', true),
  normCase([3, 7], 'f32', true),
  normCase([2, 3, 17], 'none', false),
  normCase([5, 33], 'f16', true),
  normCase([4, 64], 'bf16', true),
  normCase([9, 100], 'f32', false, 1e-5, 50),
  normCase([2, 768], 'f32', true, 1e-12),
  normCase([3, 1000], 'bf16', false),
];

/** Model sizes for the speed check: rows x hidden. */
export const normBenchCases: NormCase[] = [normCase([512, 768], 'f32', true, 1e-12), normCase([512, 3072], 'f32', true, 1e-12)];
