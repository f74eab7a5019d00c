// Named causal-conv1d cases shared by the parity tests and the benchmarks.
import { Rng } from '../helpers/rng.js';
import type { CausalConv1dArgs } from '../../lib/index.js';
import { Tensor } from '../../lib/index.js';

export interface ConvCase {
  name: string;
  batch: number;
  seqLen: number;
  dim: number;
  width: number;
  bias: boolean;
  state: boolean;
  activation: 'silu' | 'none';
  make(): CausalConv1dArgs;
}

type Params = Omit<ConvCase, 'name' | 'make'>;

export function makeConvArgs(p: Params, seed: number): CausalConv1dArgs {
  const rng = new Rng(seed);
  const { batch, seqLen, dim, width } = p;
  return {
    x: new Tensor(rng.f32(batch * seqLen * dim), [batch, seqLen, dim]),
    weight: new Tensor(rng.f32(dim * width, 0.5), [dim, width]),
    bias: p.bias ? new Tensor(rng.f32(dim, 0.2), [dim]) : undefined,
    state: p.state ? new Tensor(rng.f32(batch * dim * (width - 1)), [batch, dim, width - 1]) : undefined,
    activation: p.activation,
  };
}

const params: Params[] = [
  { batch: 1, seqLen: 1, dim: 16, width: 4, bias: true, state: true, activation: 'silu' },
  { batch: 2, seqLen: 1, dim: 37, width: 4, bias: true, state: false, activation: 'silu' },
  { batch: 2, seqLen: 7, dim: 12, width: 4, bias: true, state: false, activation: 'silu' },
  { batch: 1, seqLen: 2, dim: 9, width: 4, bias: false, state: true, activation: 'none' },
  { batch: 2, seqLen: 9, dim: 17, width: 3, bias: true, state: true, activation: 'silu' },
  { batch: 1, seqLen: 5, dim: 33, width: 1, bias: true, state: false, activation: 'none' },
  { batch: 1, seqLen: 3, dim: 8, width: 2, bias: false, state: true, activation: 'silu' },
  { batch: 1, seqLen: 40, dim: 67, width: 4, bias: true, state: true, activation: 'silu' },
  { batch: 1, seqLen: 11, dim: 64, width: 5, bias: true, state: false, activation: 'none' },
  { batch: 2, seqLen: 64, dim: 160, width: 4, bias: true, state: true, activation: 'silu' },
];

export const convCases: ConvCase[] = params.map((p, i) => ({
  ...p,
  name: `b${p.batch}-L${p.seqLen}-d${p.dim}-w${p.width}${p.bias ? '-bias' : ''}${p.state ? '-state' : ''}-${p.activation}`,
  make: () => makeConvArgs(p, 2000 + i * 17),
}));
