// Position schemes: rope_scaling variants and T5's relative buckets (values worked out from
// transformers' formulas).
import { describe, expect, it } from 'vitest';

import { positionsFromMask, relativeBucket, ropeFrequencies, ropeInvFreq, ropeScalingOf, scaledInvFreq } from '../../lib/models/layers/positions.js';

describe('rope inverse frequencies', () => {
  const base = ropeInvFreq(10000, 64);
  it('default: 1 / theta^(2i/d)', () => {
    expect(base[0]).toBe(1);
    expect(base[1]).toBeCloseTo(10000 ** (-2 / 64), 7);
  });
  it('linear divides by the factor', () => {
    expect(Array.from(scaledInvFreq(10000, 64, 128, ropeScalingOf({ type: 'linear', factor: 4 }, 'c'), 10))).toEqual(Array.from(base, (x) => x / 4));
  });
  it('dynamic changes nothing within max_position_embeddings, then raises theta', () => {
    const s = ropeScalingOf({ type: 'dynamic', factor: 2 }, 'c');
    expect(scaledInvFreq(10000, 64, 128, s, 128)).toEqual(base);
    const longer = scaledInvFreq(10000, 64, 128, s, 512);
    expect(longer[0]).toBe(1);
    expect(longer[31]).toBeLessThan(base[31]);
  });
  it('llama3 keeps high frequencies and divides low ones', () => {
    const s = ropeScalingOf({ rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 }, 'c');
    const f = scaledInvFreq(500000, 128, 131072, s, 10);
    const b = ropeInvFreq(500000, 128);
    expect(f[0]).toBe(b[0]);
    expect(f[63]).toBeCloseTo(b[63] / 8, 12);
  });
  it('ropeFrequencies: scaledInvFreq memoised, one shared array per length bucket', () => {
    for (const raw of [null, { type: 'linear', factor: 4 }, { rope_type: 'llama3', factor: 8 }]) {
      const s = ropeScalingOf(raw, 'c');
      const f = ropeFrequencies(10000, 64, 128, s);
      expect(f(1)).toBe(f(1000));
      expect(f(5)).toEqual(scaledInvFreq(10000, 64, 128, s, 5));
    }
    const s = ropeScalingOf({ type: 'dynamic', factor: 2 }, 'c');
    const f = ropeFrequencies(10000, 64, 128, s);
    expect(f(1)).toBe(f(128));
    expect(f(129)).toBe(f(129));
    expect(f(129)).not.toBe(f(130));
    for (const len of [1, 128, 129, 512]) expect(f(len)).toEqual(scaledInvFreq(10000, 64, 128, s, len));
  });
  it('an unknown type is refused', () => {
    expect(() => ropeScalingOf({ type: 'yarn', factor: 2 }, 'config.json')).toThrow(/unsupported rope_scaling/);
  });
});

describe('T5 relative buckets', () => {
  it.each([
    [0, true, 0], [1, true, 17], [-1, true, 1], [8, true, 24], [-16, true, 10], [-128, true, 15], [500, true, 31],
    [5, false, 0], [-5, false, 5], [-20, false, 17], [-1000, false, 31],
  ])('rel %i bidirectional=%s → %i', (rel, bi, bucket) => {
    expect(relativeBucket(rel, bi, 32, 128)).toBe(bucket);
  });
});

it('positions from a left-padded mask', () => {
  expect(Array.from(positionsFromMask(Uint8Array.of(0, 0, 1, 1, 1, 1, 1, 1), 2, 4).data)).toEqual([1, 1, 0, 1, 0, 1, 2, 3]);
});
