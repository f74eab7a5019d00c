import { describe, expect, it } from 'vitest';

import { kernels, Tensor, type CausalConv1dArgs } from '../../lib/index.js';
import { convCases } from '../cases/conv.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { seqSlice } from '../helpers/seq.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const tol = { atol: 1e-6, rtol: 1e-5, nmse: 1e-10 };

describe.runIf(nativeLoaded)('causal conv1d: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(convCases)(`${isa} $name`, (c) => {
      const args = c.make();
      const ref = kernels.causalConv1d(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.causalConv1d(args, { backend: 'native' }));
      expect(got.y.dims).toEqual([c.batch, c.seqLen, c.dim]);
      expect(got.state.dims).toEqual([c.batch, c.dim, c.width - 1]);
      expectClose(got.y.data, ref.y.data, tol, `${isa}/${c.name}/y`);
      expectClose(got.state.data, ref.state.data, { atol: 0, rtol: 0 }, `${isa}/${c.name}/state`);
    });
  }
});

describe('causal conv1d: state carrying', () => {
  const long = convCases.filter((c) => c.seqLen >= 7);
  for (const backend of backends) {
    it.each(long)(`chunks with the state passed equal one run, step by step too (${backend}) $name`, (c) => {
      const a = c.make();
      const whole = kernels.causalConv1d(a, { backend });
      let state = a.state ?? undefined;
      const cuts = [0, 1, 2, Math.floor(c.seqLen / 2), c.seqLen - 1, c.seqLen];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const part = kernels.causalConv1d({ ...a, x: seqSlice(a.x, cuts[i], cuts[i + 1]), state }, { backend });
        expectClose(part.y.data, seqSlice(whole.y, cuts[i], cuts[i + 1]).data, tol, `${c.name}/chunk${i}`);
        state = part.state;
      }
      expectClose(state!.data, whole.state.data, { atol: 0, rtol: 0 }, `${c.name}/state`);
    });
  }
});

describe('causal conv1d: semantics', () => {
  it.each(backends)('known values and the rolling state (%s)', (backend) => {
    const t = (v: number[], dims: number[]) => new Tensor(new Float32Array(v), dims);
    // One channel, taps [1, 10, 100] (the last multiplies the current token), history [3, 4].
    const out = kernels.causalConv1d(
      { x: t([5, 6], [1, 2, 1]), weight: t([1, 10, 100], [1, 3]), bias: t([0.5], [1]), state: t([3, 4], [1, 1, 2]) },
      { backend },
    );
    expectClose(out.y.data, [3 + 40 + 500 + 0.5, 4 + 50 + 600 + 0.5], { atol: 0, rtol: 1e-7 }, 'y');
    expectClose(out.state.data, [5, 6], { atol: 0, rtol: 0 }, 'state');
    const step = kernels.causalConv1d({ x: t([7], [1, 1, 1]), weight: t([1, 10, 100], [1, 3]), state: out.state, activation: 'silu' }, { backend });
    const v = 5 + 60 + 700;
    expectClose(step.y.data, [v / (1 + Math.exp(-v))], { atol: 0, rtol: 1e-6 }, 'step y');
    expectClose(step.state.data, [6, 7], { atol: 0, rtol: 0 }, 'step state');
  });

  it.each(backends)('width 1 keeps an empty state; NaN propagates (%s)', (backend) => {
    const x = new Tensor(new Float32Array([1, Number.NaN, 3, 4]), [1, 2, 2]);
    const out = kernels.causalConv1d({ x, weight: new Tensor(new Float32Array([2, 3]), [2, 1]) }, { backend });
    expect(out.state.dims).toEqual([1, 2, 0]);
    expect(Array.from(out.y.data)).toEqual([2, Number.NaN, 6, 12]);
  });

  it('async variants resolve the sync result', async () => {
    const a = convCases[convCases.length - 1].make();
    const sync = kernels.causalConv1d(a, { backend: 'ts' });
    for (const backend of backends) {
      const got = await kernels.causalConv1dAsync(a, { backend });
      expectClose(got.y.data, sync.y.data, tol, `${backend} async y`);
      expectClose(got.state.data, sync.state.data, { atol: 0, rtol: 0 }, `${backend} async state`);
      expect(got.state).toBeInstanceOf(Tensor);
    }
  });
});

describe('causal conv1d: bad arguments', () => {
  const base = () => convCases.find((c) => c.dim === 17)!.make();
  it.each(backends)('friendly errors (%s)', async (backend) => {
    const run = (over: Partial<Record<keyof CausalConv1dArgs, unknown>>) => () =>
      kernels.causalConv1d({ ...base(), ...over } as CausalConv1dArgs, { backend });
    const bad = (n: number, dims: number[]) => new Tensor(new Float32Array(n), dims);
    expect(run({ x: { data: new Int32Array(2 * 9 * 17), dims: [2, 9, 17] } })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('x.data must be a Float32Array') }),
    );
    expect(run({ weight: bad(16 * 3, [16, 3]) })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('weight dims') }));
    expect(run({ weight: bad(0, [17, 0]), state: undefined })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('width must be at least 1') }),
    );
    expect(run({ bias: bad(16, [16]) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(run({ state: bad(2 * 17 * 3, [2, 17, 3]) })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('state dims') }));
    expect(run({ activation: 'gelu' })).toThrow(
      expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining("activation must be one of 'silu', 'none'") }),
    );
    expect(run({ x: { data: new Float32Array(5), dims: [2, 9, 17] } })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    await expect(kernels.causalConv1dAsync({ ...base(), bias: bad(3, [3]) }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });
});

describe.runIf(nativeLoaded)('causal conv1d: the addon checks its own arguments', () => {
  const raw = () => {
    const f = (n: number) => new Float32Array(n);
    // batch 2, seqLen 3, dim 5, width 4
    return { batch: 2, seqLen: 3, dim: 5, width: 4, x: f(30), weight: f(20), activation: 'silu', y: f(30), newState: f(30) } as Record<string, unknown>;
  };
  it('refuses lying lengths, bad dims, an unknown activation and an overlapping state', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const call = (over: Record<string, unknown>) => () => nativeKernel('causalConv1d')({ ...raw(), ...over });
    expect(call({})).not.toThrow();
    expect(call({ weight: new Float32Array(19) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('weight has 19') }));
    expect(call({ state: new Float32Array(29) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ bias: new Int32Array(5) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ width: 0 })).toThrow(RangeError);
    expect(call({ activation: 'relu' })).toThrow(/unknown activation 'relu'/);
    const s = new Float32Array(30);
    expect(call({ state: s, newState: s })).toThrow(/must not overlap/);
    await expect(nativeKernel('causalConv1d')({ ...raw(), y: new Float32Array(2) }, true)).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });

  it('an empty call claiming a huge batch returns at once (no token, width 1: nothing to do)', async () => {
    // fuzz_mamba found it: 2^40 empty tasks kept the pool busy for hours.
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const f = () => new Float32Array(0);
    const started = performance.now();
    nativeKernel('causalConv1d')({ batch: 2 ** 40, seqLen: 0, dim: 1, width: 1, x: f(), weight: new Float32Array(1), y: f(), newState: f() });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
