// conv family: causalConv1d + SiLU at Mamba-130m's shape (d_inner = 1536, d_conv = 4) over a
// 2048-token prefill; inputs from the parity tests' generator (test/cases/conv.ts).
import { makeConvArgs } from '../../test/cases/conv.js';
import type { BenchCase, Mode } from './harness.js';

function conv(seqLen: number, dim: number, width: number): BenchCase {
  const p = { batch: 1, seqLen, dim, width, bias: true, state: false, activation: 'silu' as const };
  return {
    kernel: 'causalConv1d',
    name: `B1 L${seqLen} dim${dim} width${width} silu`,
    bound: 'memory',
    flops: 2 * seqLen * dim * width,
    bytes: 4 * 2 * seqLen * dim,
    elements: seqLen * dim,
    args: () => [makeConvArgs(p, 8)],
  };
}

export function benchCases(mode: Mode): BenchCase[] {
  if (mode === 'tiny') return [conv(8, 32, 4)];
  return [conv(mode === 'full' ? 2048 : 256, 1536, 4)];
}
