// Named activation cases shared by the parity tests and the benchmarks.
import { Rng } from '../helpers/rng.js';

export interface ActCase {
  name: string;
  size: number;
  make(): Float32Array;
}

const sizes = [1, 7, 8, 15, 16, 17, 33, 1000, 70_001];

export const actCases: ActCase[] = sizes.map((size) => ({
  name: `n${size}`,
  size,
  make: () => {
    const x = new Rng(size * 7919 + 1).f32(size, 3);
    // Tails and specials: large |x| drives exp to its clamps; NaN must propagate.
    if (size >= 8) {
      x[0] = 100;
      x[1] = -100;
      x[2] = 0;
      x[3] = Number.NaN;
      x[4] = -9;
    }
    return x;
  },
}));
