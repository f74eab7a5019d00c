import { describe, expect, it } from 'vitest';

import { argmax, nextToken, SeededRandom } from '../../lib/generation/sampling.js';
import { Rng } from '../helpers/rng.js';

describe('nextToken', () => {
  it('greedy reads the f32 row directly and picks what the f64 copy would (first of ties, NaN skipped)', () => {
    const rng = new Rng(3);
    const rows = [
      rng.f32(32000),
      Float32Array.of(1, 5, 5, -Infinity),
      Float32Array.of(Number.NaN, 2, 3, 3),
      Float32Array.of(-Infinity, -Infinity),
      Float32Array.of(0.1 + 0.2, 0.3),
    ];
    for (const row of rows) {
      const want = argmax(Float64Array.from(row));
      expect(nextToken(row, [], {}, undefined)).toBe(want);
      expect(nextToken(row, [1, 2], { temperature: 0, repetitionPenalty: 1 }, new SeededRandom(1))).toBe(want);
    }
  });

  it('greedy with a repetition penalty still applies it', () => {
    const row = Float32Array.of(1, 4, 3.5);
    expect(nextToken(row, [], { repetitionPenalty: 2 }, undefined)).toBe(1);
    expect(nextToken(row, [1], { repetitionPenalty: 2 }, undefined)).toBe(2);
  });
});
