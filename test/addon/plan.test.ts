// The addon's decode plans (native/addon/bind_plan.cc): calls run in order on their buffers, growing
// calls follow the step within their capacity, and everything planCreate and planRun are given is
// validated (the plan's use by the models: test/models/decode-plan.test.ts).
import { describe, expect, it } from 'vitest';

import { nativeLoaded } from '../helpers/backends.js';

describe.runIf(nativeLoaded)('planCreate / planRun in the addon', async () => {
  const { loadNative } = await import('../../lib/backend/native.js');
  const addon = loadNative().addon as unknown as {
    planCreate(calls: unknown): { maxStep: number; calls: number };
    planRun(plan: unknown, step: unknown, seconds?: unknown): void;
  };
  const linear = () => ({ x: Float32Array.of(1, 2), weight: Float32Array.of(1, 0, 0, 1, 1, 1), out: new Float32Array(3), rows: 1, inFeatures: 2, outFeatures: 3, dtype: 'f32' });

  it('runs its calls in order, reading what earlier calls wrote', () => {
    const a = linear();
    const b = { ...linear(), x: a.out.subarray(0, 2), weight: Float32Array.of(2, 0, 0, 2, 0, 0), out: new Float32Array(3) };
    const plan = addon.planCreate([{ kernel: 'linear', args: a }, { kernel: 'linear', args: b }]);
    expect(plan.calls).toBe(2);
    expect(plan.maxStep).toBe(Infinity);
    addon.planRun(plan, 0);
    expect(Array.from(a.out)).toEqual([1, 2, 3]);
    expect(Array.from(b.out)).toEqual([2, 4, 0]);
  });

  it('growing calls: kvAppend writes row grow + step, attention reads grow + step keys, bounded by capacity', () => {
    const kCache = new Float32Array(4 * 2);
    const vCache = new Float32Array(4 * 2);
    const k = Float32Array.of(1, 0);
    const v = Float32Array.of(5, 7);
    const q = Float32Array.of(1, 0);
    const out = new Float32Array(2);
    const plan = addon.planCreate([
      { kernel: 'kvAppend', args: { k, v, kCache, vCache, batch: 1, seq: 1, capacity: 4, row: 2, at: 0 }, grow: 0 },
      { kernel: 'attention', args: { q, k: kCache, v: vCache, out, batch: 1, seqQ: 1, seqK: 4, heads: 1, kvHeads: 1, headDim: 2, causal: true }, grow: 1 },
    ]);
    expect(plan.maxStep).toBe(3);
    addon.planRun(plan, 0);
    expect(Array.from(out)).toEqual([5, 7]);
    v.set([1, 1]);
    addon.planRun(plan, 1);
    expect(Array.from(kCache.subarray(0, 4))).toEqual([1, 0, 1, 0]);
    expect(out[0]).toBeCloseTo(3, 6);
    expect(() => addon.planRun(plan, 4)).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining('step must be an integer in [0, 3]') }));
  });

  it('refuses bad plans with the call and field named', () => {
    expect(() => addon.planCreate('x')).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(() => addon.planCreate([])).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => addon.planCreate([{ kernel: 'nope', args: {} }])).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining("unknown kernel 'nope'") }));
    expect(() => addon.planCreate([{ kernel: 'linear', args: { ...linear(), out: new Float32Array(2) } }])).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('plan: call 0 (linear): out has 2 elements') }),
    );
    expect(() => addon.planCreate([{ kernel: 'linear', args: linear(), grow: 1 }])).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining('only attention and kvAppend') }));
    expect(() => addon.planCreate([{ kernel: 'linear', args: linear(), grow: -1 }])).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    const q = new Float32Array(2);
    expect(() => addon.planCreate([{ kernel: 'attention', args: { q, k: new Float32Array(8), v: new Float32Array(8), out: new Float32Array(2), keyMask: new Uint8Array(4), batch: 1, seqQ: 1, seqK: 4, heads: 1, kvHeads: 1, headDim: 2 }, grow: 1 }])).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('no keyMask') }),
    );
  });

  it('refuses foreign objects, bad steps and detached buffers', () => {
    const a = linear();
    const plan = addon.planCreate([{ kernel: 'linear', args: a }]);
    expect(() => addon.planRun({}, 0)).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: expect.stringContaining('made by planCreate') }));
    expect(() => addon.planRun(plan, -1)).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => addon.planRun(plan, 0.5)).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => addon.planRun(plan, 0, new Float64Array(2))).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: expect.stringContaining('one element per call (1)') }));
    expect(() => addon.planRun(plan, 0, new Float32Array(1))).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    const seconds = new Float64Array(1);
    addon.planRun(plan, 0, seconds);
    expect(seconds[0]).toBeGreaterThan(0);
    structuredClone(a.out.buffer, { transfer: [a.out.buffer] });
    expect(() => addon.planRun(plan, 0)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('detached') }));
  });
});
