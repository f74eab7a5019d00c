// Mamba-130m mixer shapes (d_inner = 1536, d_state = 16, d_conv = 4) over a 2048-token prefill:
// selectiveScan as the model calls it (D, z gating, deltaBias, softplus) and causalConv1d + SiLU.
import type { BenchCase, Mode } from './harness.js';
import { randn, uniform } from './data.js';

function selectiveScan(l: number, dim: number, n: number): BenchCase {
  return {
    kernel: 'selectiveScan',
    name: `B1 L${l} dim${dim} dState${n}`,
    bound: 'none',
    // exp(dt*A), dt*B*u, h = a*h + b, y += C*h per state element: 7 flops (exp counted as 1).
    flops: 7 * l * dim * n,
    bytes: 4 * (4 * l * dim + 2 * l * n + dim * n + 2 * dim),
    elements: l * dim * n,
    tags: ['scan'],
    args: () => [
      {
        u: randn(31, [1, l, dim]),
        delta: randn(32, [1, l, dim], 0.5),
        // Negative A, as Mamba's A = -exp(A_log).
        A: uniform(33, [dim, n], -4, -0.1),
        B: randn(34, [1, l, 1, n]),
        C: randn(35, [1, l, 1, n]),
        D: randn(36, [dim]),
        z: randn(37, [1, l, dim]),
        deltaBias: randn(38, [dim], 0.1),
        deltaSoftplus: true,
      },
    ],
  };
}

function conv(l: number, dim: number, width: number): BenchCase {
  return {
    kernel: 'causalConv1d',
    name: `B1 L${l} dim${dim} width${width} silu`,
    bound: 'memory',
    flops: 2 * l * dim * width,
    bytes: 4 * 2 * l * dim,
    elements: l * dim,
    args: () => [{ x: randn(41, [1, l, dim]), weight: randn(42, [dim, width], 0.5), bias: randn(43, [dim], 0.1), activation: 'silu' }],
  };
}

export function scanCases(mode: Mode): BenchCase[] {
  if (mode === 'tiny') return [selectiveScan(8, 32, 16), conv(8, 32, 4)];
  const l = mode === 'full' ? 2048 : 256;
  return [selectiveScan(l, 1536, 16), conv(l, 1536, 4)];
}
