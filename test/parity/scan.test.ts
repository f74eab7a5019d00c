import { describe, expect, it } from 'vitest';

import { kernels, Tensor, type SelectiveScanArgs } from '../../lib/index.js';
import { scanCases } from '../cases/scan.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { seqSlice } from '../helpers/seq.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const tol = { atol: 2e-5, rtol: 2e-4, nmse: 1e-8 };

/** Args of the chunk [from, to) with the given initial state. */
function chunk(a: SelectiveScanArgs, from: number, to: number, state?: Tensor): SelectiveScanArgs {
  return {
    ...a,
    u: seqSlice(a.u, from, to),
    delta: seqSlice(a.delta, from, to),
    B: seqSlice(a.B, from, to),
    C: seqSlice(a.C, from, to),
    z: a.z ? seqSlice(a.z, from, to) : undefined,
    state: state ?? a.state,
  };
}

describe.runIf(nativeLoaded)('selective scan: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(scanCases)(`${isa} $name`, (c) => {
      const args = c.make();
      const ref = kernels.selectiveScan(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.selectiveScan(args, { backend: 'native' }));
      expect(got.y.dims).toEqual([c.batch, c.seqLen, c.dim]);
      expect(got.lastState.dims).toEqual([c.batch, c.dim, c.dState]);
      expectClose(got.y.data, ref.y.data, tol, `${isa}/${c.name}/y`);
      expectClose(got.lastState.data, ref.lastState.data, tol, `${isa}/${c.name}/lastState`);
    });
  }
});

describe('selective scan: state carrying', () => {
  const long = scanCases.filter((c) => c.seqLen >= 13);
  for (const backend of backends) {
    it.each(long)(`two chunks with the state passed equal one run (${backend}) $name`, (c) => {
      const a = c.make();
      const whole = kernels.selectiveScan(a, { backend });
      const cut = Math.floor(c.seqLen / 3);
      const first = kernels.selectiveScan(chunk(a, 0, cut), { backend });
      const second = kernels.selectiveScan(chunk(a, cut, c.seqLen, first.lastState), { backend });
      expectClose(first.y.data, seqSlice(whole.y, 0, cut).data, tol, `${c.name}/first`);
      expectClose(second.y.data, seqSlice(whole.y, cut, c.seqLen).data, tol, `${c.name}/second`);
      expectClose(second.lastState.data, whole.lastState.data, tol, `${c.name}/lastState`);
    });

    it.each(long)(`the decode step equals the prefill's last position (${backend}) $name`, (c) => {
      const a = c.make();
      const whole = kernels.selectiveScan(a, { backend });
      const prefix = kernels.selectiveScan(chunk(a, 0, c.seqLen - 1), { backend });
      const step = kernels.selectiveScan(chunk(a, c.seqLen - 1, c.seqLen, prefix.lastState), { backend });
      expectClose(step.y.data, seqSlice(whole.y, c.seqLen - 1, c.seqLen).data, tol, `${c.name}/y`);
      expectClose(step.lastState.data, whole.lastState.data, tol, `${c.name}/lastState`);
    });
  }
});

describe('selective scan: semantics', () => {
  it('the fused D and silu(z) gating equals the composed ops (TS)', () => {
    const c = scanCases.find((x) => x.D && x.z && x.groups > 1)!;
    const a = c.make();
    const fused = kernels.selectiveScan(a, { backend: 'ts' });
    const bare = kernels.selectiveScan({ ...a, D: undefined, z: undefined }, { backend: 'ts' });
    const gate = kernels.silu({ x: a.z! }, { backend: 'ts' });
    const composed = bare.y.data.map((v, i) => (v + a.D!.data[i % c.dim] * a.u.data[i]) * gate.data[i]);
    expectClose(fused.y.data, composed, { atol: 1e-6, rtol: 1e-5 }, 'composed');
  });

  it.each(backends)('known values: one channel, one state, two steps (%s)', (backend) => {
    // h1 = 0.5·1·2 = 1 (exp(0.5·-1)·0 = 0); y1 = 3·1 + 0.5·2 = 4.
    // h2 = exp(-0.25)·1 + 0.25·1·(-1) ; y2 = 3·h2 + 0.5·(-1).
    const t = (v: number[], dims: number[]) => new Tensor(new Float32Array(v), dims);
    const out = kernels.selectiveScan(
      { u: t([2, -1], [1, 2, 1]), delta: t([0.5, 0.25], [1, 2, 1]), A: t([-1], [1, 1]), B: t([1, 1], [1, 2, 1, 1]),
        C: t([3, 3], [1, 2, 1, 1]), D: t([0.5], [1]) },
      { backend },
    );
    const h2 = Math.exp(-0.25) - 0.25;
    expectClose(out.y.data, [4, 3 * h2 - 0.5], { atol: 1e-6, rtol: 1e-6 }, 'y');
    expectClose(out.lastState.data, [h2], { atol: 1e-6, rtol: 1e-6 }, 'state');
  });

  it.each(backends)('NaN in delta propagates to its channel only (%s)', (backend) => {
    const a = scanCases.find((x) => x.seqLen === 7)!.make();
    const delta = new Tensor(a.delta.data.slice(), a.delta.dims);
    delta.data[3] = Number.NaN; // batch 0, t 0, channel 3
    const out = kernels.selectiveScan({ ...a, delta }, { backend });
    const dim = a.u.dims[2];
    expect(Number.isNaN(out.y.data[3])).toBe(true);
    expect(Number.isNaN(out.y.data[dim + 3])).toBe(true);
    expect(Number.isNaN(out.y.data[4])).toBe(false);
  });

  it.each(backends)('seqLen 0 returns an empty y and the initial state (%s)', (backend) => {
    const a = chunk(scanCases.find((x) => x.state && x.seqLen > 1)!.make(), 0, 0);
    const out = kernels.selectiveScan(a, { backend });
    expect(out.y.data.length).toBe(0);
    expectClose(out.lastState.data, a.state!.data, { atol: 0, rtol: 0 }, 'state');
  });

  it('async variants resolve the sync result', async () => {
    const a = scanCases[scanCases.length - 1].make();
    const sync = kernels.selectiveScan(a, { backend: 'ts' });
    for (const backend of backends) {
      const got = await kernels.selectiveScanAsync(a, { backend });
      expectClose(got.y.data, sync.y.data, tol, `${backend} async y`);
      expectClose(got.lastState.data, sync.lastState.data, tol, `${backend} async state`);
      expect(got.y).toBeInstanceOf(Tensor);
    }
  });
});

describe('selective scan: bad arguments', () => {
  const base = () => scanCases.find((c) => c.groups === 3 && c.seqLen === 5)!.make();
  it.each(backends)('friendly errors (%s)', async (backend) => {
    const run = (over: Partial<Record<keyof SelectiveScanArgs, unknown>>) => () =>
      kernels.selectiveScan({ ...base(), ...over } as SelectiveScanArgs, { backend });
    const a = base();
    expect(run({ u: { data: new Float64Array(a.u.data.length), dims: a.u.dims } })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('u.data must be a Float32Array') }),
    );
    expect(run({ delta: new Tensor(new Float32Array(a.u.data.length), [2, 9, 5]) })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('delta dims') }),
    );
    expect(run({ A: new Tensor(new Float32Array(8 * 16), [8, 16]) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    const bad = (n: number, dims: number[]) => new Tensor(new Float32Array(n), dims);
    expect(run({ B: bad(2 * 5 * 2 * 16, [2, 5, 2, 16]), C: bad(2 * 5 * 2 * 16, [2, 5, 2, 16]) })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('not a multiple of groups 2') }),
    );
    expect(run({ C: bad(2 * 5 * 1 * 16, [2, 5, 1, 16]) })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('C dims') }));
    expect(run({ D: bad(8, [8]) })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('D dims') }));
    expect(run({ z: bad(9, [1, 1, 9]) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(run({ deltaBias: bad(10, [10]) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(run({ state: bad(2 * 9 * 8, [2, 9, 8]) })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('state dims') }));
    expect(run({ deltaSoftplus: 1 })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(run({ u: { data: new Float32Array(3), dims: [2, 5, 9] } })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(run({ A: new Tensor(new Float32Array(0), [9, 0]), B: bad(0, [2, 5, 3, 0]), C: bad(0, [2, 5, 3, 0]) })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('at least 1') }),
    );
    await expect(kernels.selectiveScanAsync({ ...base(), D: bad(8, [8]) }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });
});

describe.runIf(nativeLoaded)('selective scan: the addon checks its own arguments', () => {
  const raw = () => {
    const f = (n: number) => new Float32Array(n);
    // batch 1, seqLen 3, dim 6, dState 4, groups 2
    return {
      batch: 1, seqLen: 3, dim: 6, dState: 4, groups: 2, u: f(18), delta: f(18), A: f(24), B: f(24), C: f(24),
      deltaSoftplus: true, y: f(18), lastState: f(24),
    } as Record<string, unknown>;
  };
  it('refuses lying lengths, bad dims, dim % groups and partial overlap', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const call = (over: Record<string, unknown>) => () => nativeKernel('selectiveScan')({ ...raw(), ...over });
    expect(call({})).not.toThrow();
    expect(call({ B: new Float32Array(23) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('B has 23 elements, its dims imply 24') }));
    expect(call({ y: new Float32Array(17) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ D: new Float32Array(5) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('D has 5') }));
    expect(call({ state: new Float64Array(24) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ groups: 4, B: new Float32Array(48), C: new Float32Array(48) })).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('not a multiple of groups 4') }),
    );
    expect(call({ dState: 0 })).toThrow(RangeError);
    expect(call({ seqLen: 1.5 })).toThrow(RangeError);
    expect(call({ dim: Number.NaN })).toThrow(RangeError);
    expect(call({ deltaSoftplus: 'yes' })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    const shared = new Float32Array(30);
    expect(call({ state: shared.subarray(0, 24), lastState: shared.subarray(6, 30) })).toThrow(/must be state itself or not overlap/);
    const inPlace = new Float32Array(24).fill(1);
    expect(call({ state: inPlace, lastState: inPlace })).not.toThrow();
    await expect(nativeKernel('selectiveScan')({ ...raw(), u: new Float32Array(1) }, true)).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });
});
