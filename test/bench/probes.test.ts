// The machine-peak probes behind the benchmarks: they run on every ISA and reject bad options.
// Their values are only checked to be positive and finite (no timing assertions in tests).
import { describe, expect, it } from 'vitest';

import { ValueRangeError } from '../../lib/errors.js';
import { probeFmaPeak, probeMemoryBandwidth } from '../../lib/probes.js';
import { loadNative } from '../../lib/backend/native.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';

restoreBestIsaAfterAll();

describe.skipIf(!nativeLoaded)('machine-peak probes', () => {
  it.each(isas)('FMA probe on %s', (isa) => {
    const p = withIsa(isa, () => probeFmaPeak({ seconds: 0.01, reps: 1 }));
    expect(p.isa).toBe(isa);
    expect(p.gflops).toBeGreaterThan(0);
    expect(Number.isFinite(p.gflops)).toBe(true);
  });

  it.each(isas)('memory probe on %s', (isa) => {
    const m = withIsa(isa, () => probeMemoryBandwidth({ bytes: 4 * 2 ** 20, passes: 1 }));
    for (const v of [m.readGBs, m.copyGBs, m.triadGBs]) {
      expect(v).toBeGreaterThan(0);
      expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('runs on the thread count asked for and restores the pool', () => {
    const before = loadNative().addon!.threads();
    expect(probeFmaPeak({ seconds: 0.01, reps: 1, threads: 1 }).threads).toBe(1);
    expect(loadNative().addon!.threads()).toBe(before);
  });

  it('rejects bad options with typed errors', () => {
    expect(() => probeFmaPeak({ seconds: -1 })).toThrow(ValueRangeError);
    expect(() => probeFmaPeak({ seconds: Number.NaN })).toThrow(/seconds must be finite/);
    expect(() => probeMemoryBandwidth({ bytes: 1024 })).toThrow(/bytes must be an integer in/);
    expect(() => probeMemoryBandwidth({ passes: 0 })).toThrow(ValueRangeError);
  });
});
