// Named elementwise cases (add/mul with broadcasting, siluMul/geluMul) shared by parity tests and
// benchmarks.
import { Rng } from '../helpers/rng.js';

export interface BinaryCase {
  name: string;
  aDims: number[];
  bDims: number[];
  a(): Float32Array;
  b(): Float32Array;
}

export interface GatedCase {
  name: string;
  dims: number[];
  gate(): Float32Array;
  up(): Float32Array;
}

const size = (d: number[]) => d.reduce((p, x) => p * x, 1);

function binaryCase(aDims: number[], bDims: number[]): BinaryCase {
  const seed = size(aDims) * 17 + size(bDims);
  return {
    name: `${aDims.join('x')}+${bDims.join('x') || 'scalar'}`,
    aDims,
    bDims,
    a: () => new Rng(seed).f32(size(aDims), 2),
    b: () => new Rng(seed + 1).f32(size(bDims), 2),
  };
}

function gatedCase(dims: number[]): GatedCase {
  const seed = size(dims) * 5 + 3;
  return {
    name: dims.join('x'),
    dims,
    gate: () => {
      const g = new Rng(seed).f32(size(dims), 3);
      if (g.length >= 8) {
        g[0] = 100;
        g[1] = -100;
        g[2] = 0;
        g[3] = Number.NaN;
      }
      return g;
    },
    up: () => new Rng(seed + 1).f32(size(dims), 2),
  };
}

export const binaryCases: BinaryCase[] = [
  binaryCase([1], [1]),
  binaryCase([7], [7]),
  binaryCase([3, 17], [3, 17]),
  binaryCase([3, 17], [17]),
  binaryCase([2, 5, 33], [5, 33]),
  binaryCase([4, 100], []),
  binaryCase([2, 3, 1000], [1000]),
  binaryCase([70_001], [70_001]),
];

export const gatedCases: GatedCase[] = [gatedCase([1]), gatedCase([7]), gatedCase([3, 17]), gatedCase([2, 5, 33]), gatedCase([70_001])];

/** Model sizes for the speed check. */
export const binaryBenchCases: BinaryCase[] = [binaryCase([512, 768], [512, 768]), binaryCase([512, 3072], [3072])];
export const gatedBenchCases: GatedCase[] = [gatedCase([512, 3072])];
