// The pooling modes on hand-made token states, padded positions included to prove they are skipped.
import { describe, expect, it } from 'vitest';

import { l2Normalize, pool } from '../../lib/pipelines/pooling.js';

// batch 2, seq 3, hidden 2; row 1 has one padded position holding a huge value.
const hidden = Float32Array.of(1, 2, 3, -4, 5, 0, /* row 1 */ 2, 2, 4, -2, 1000, 1000);
const mask = Uint8Array.of(1, 1, 1, 1, 1, 0);

describe('pool', () => {
  it.each([
    ['cls', [1, 2, 2, 2]],
    ['lasttoken', [5, 0, 4, -2]],
    ['max', [5, 2, 4, 2]],
    ['mean', [3, -2 / 3, 3, 0]],
    ['mean_sqrt_len', [9 / Math.sqrt(3), -2 / Math.sqrt(3), 6 / Math.sqrt(2), 0]],
    // weights 1, 2, 3 by position
    ['weightedmean', [(1 + 6 + 15) / 6, (2 - 8 + 0) / 6, (2 + 8) / 3, (2 - 4) / 3]],
  ] as const)('%s', (mode, want) => {
    const got = pool(hidden, mask, 2, 3, 2, [mode]);
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
  });

  it('several modes concatenate per row; l2Normalize gives unit rows and keeps zero rows', () => {
    const got = pool(hidden, mask, 2, 3, 2, ['cls', 'max']);
    expect(Array.from(got)).toEqual([1, 2, 5, 2, 2, 2, 4, 2]);
    const n = l2Normalize(Float32Array.of(3, 4, 0, 0), 2);
    expect(Array.from(n)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0]);
  });
});
