// scan family: selectiveScan at Mamba-130m's mixer shape (d_inner = 1536, d_state = 16) over a
// 2048-token prefill, as the model calls it (D, z gating, deltaBias, softplus). Inputs come from
// the parity tests' generator (test/cases/scan.ts), so the bench times what the tests check.
import { makeScanArgs } from '../../test/cases/scan.js';
import type { BenchCase, Mode } from './harness.js';

function selectiveScan(seqLen: number, dim: number, dState: number): BenchCase {
  const p = { batch: 1, seqLen, dim, dState, groups: 1, D: true, z: true, deltaBias: true, softplus: true, state: false };
  return {
    kernel: 'selectiveScan',
    name: `B1 L${seqLen} dim${dim} dState${dState}`,
    bound: 'none',
    // Per state element: exp(dt*A), dt*B*u, h = a*h + b, y += C*h: 7 flops, exp counted as one.
    flops: 7 * seqLen * dim * dState,
    bytes: 4 * (4 * seqLen * dim + 2 * seqLen * dState + dim * dState + 2 * dim),
    elements: seqLen * dim * dState,
    tags: ['scan'],
    args: () => [makeScanArgs(p, 7)],
  };
}

export function benchCases(mode: Mode): BenchCase[] {
  if (mode === 'tiny') return [selectiveScan(8, 32, 16)];
  return [selectiveScan(mode === 'full' ? 2048 : 256, 1536, 16)];
}
