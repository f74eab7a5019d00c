// Named softmax cases shared by the parity tests and the benchmarks.
import { Rng } from '../helpers/rng.js';

export interface SoftmaxCase {
  name: string;
  dims: number[];
  x(): Float32Array;
}

function softmaxCase(dims: number[], specials = false, scale = 3): SoftmaxCase {
  const size = dims.reduce((p, d) => p * d, 1);
  const n = dims[dims.length - 1];
  return {
    name: `${dims.join('x')}${specials ? '-masked' : ''}${scale !== 3 ? `-scale${scale}` : ''}`,
    dims,
    x: () => {
      const x = new Rng(size * 13 + n).f32(size, scale);
      if (specials) {
        // Masked entries (every third), a fully masked first row, a single visible entry in the second.
        for (let i = 0; i < size; i += 3) x[i] = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < n; i++) x[i] = Number.NEGATIVE_INFINITY;
        if (size >= 2 * n) for (let i = n; i < 2 * n - 1; i++) x[i] = Number.NEGATIVE_INFINITY;
      }
      return x;
    },
  };
}

export const softmaxCases: SoftmaxCase[] = [
  softmaxCase([1]),
  softmaxCase([3, 7]),
  softmaxCase([4, 16]),
  softmaxCase([2, 3, 17], true),
  softmaxCase([5, 33], true),
  softmaxCase([3, 1000], false, 30),
  softmaxCase([2, 4097], true),
];

/** Model sizes for the speed check: rows x n. */
export const softmaxBenchCases: SoftmaxCase[] = [softmaxCase([512, 768]), softmaxCase([512, 3072])];
