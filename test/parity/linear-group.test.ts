import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import type { WeightDType } from '../../lib/kernels/matmul.js';
import { makeWeight } from '../cases/matmul.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

const tol = { atol: 2e-5, rtol: 2e-5 };
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

// Rows: the GEMV path (1, 3, 8) and the GEMM fallback (9, 17). Outputs straddle the native
// tasks' 64-output slices; in = 256 with 130 outputs puts the weights over the threshold at
// which the group runs on the pool.
const shapes = [
  { lead: [1], inF: 17, outs: [7, 33, 1] },
  { lead: [1, 1], inF: 256, outs: [130, 64, 65] },
  { lead: [3], inF: 100, outs: [33, 7, 130] },
  { lead: [2, 4], inF: 33, outs: [16, 16] },
  { lead: [9], inF: 40, outs: [70, 5] },
  { lead: [2, 8], inF: 300, outs: [130, 130] },
  { lead: [12], inF: 40, outs: [70, 70] },
  { lead: [17], inF: 256, outs: [130, 30, 30] },
];
const dtypes: WeightDType[] = ['f32', 'f16', 'bf16'];

interface GroupCase {
  name: string;
  outs: number[];
  lead: number[];
  make(): { x: Tensor; weights: ReturnType<typeof makeWeight>[]; biases: (Tensor | undefined)[] };
}

const cases: GroupCase[] = shapes.flatMap((s, si) =>
  dtypes.map((dtype, di) => ({
    name: `x${s.lead.join('x')}_in${s.inF}_out${s.outs.join('-')}_${dtype}`,
    outs: s.outs,
    lead: s.lead,
    make() {
      const rng = new Rng(100 + si * 3 + di);
      const rows = s.lead.reduce((a, b) => a * b, 1);
      const x = new Tensor(rng.f32(rows * s.inF, 1), [...s.lead, s.inF]);
      const weights = s.outs.map((o) => makeWeight(rng, o, s.inF, dtype, 1 / Math.sqrt(s.inF)));
      // Biases on every other part: present and absent in one call.
      const biases = s.outs.map((o, i) => (i % 2 === 0 ? new Tensor(rng.f32(o, 0.5), [o]) : undefined));
      return { x, weights, biases };
    },
  })),
);

describe('linearGroup: equals one linear per weight', () => {
  it.each(cases)('ts $name', (c) => {
    const a = c.make();
    const got = kernels.linearGroup(a, { backend: 'ts' });
    expect(got.map((t) => t.dims)).toEqual(c.outs.map((o) => [...c.lead, o]));
    got.forEach((t, i) => {
      const want = kernels.linear({ x: a.x, weight: a.weights[i], bias: a.biases[i] }, { backend: 'ts' });
      expectClose(t.data, want.data, { atol: 0, rtol: 0 }, `ts/${c.name}/${i}`);
    });
  });
});

describe.runIf(nativeLoaded)('linearGroup and gatedLinear: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(cases)(`${isa} linearGroup $name`, (c) => {
      const a = c.make();
      const ref = kernels.linearGroup(a, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.linearGroup(a, { backend: 'native' }));
      got.forEach((t, i) => {
        expect(t.dims).toEqual(ref[i].dims);
        expectClose(t.data, ref[i].data, tol, `${isa}/${c.name}/${i}`);
      });
    });
    it.each(cases.filter((c) => c.outs[0] === c.outs[1] || c.outs.length >= 2))(`${isa} gatedLinear $name`, (c) => {
      const a = c.make();
      const gate = a.weights[0];
      const up = { ...a.weights[0], data: a.weights[0].data.slice().reverse() } as typeof gate;
      for (const activation of ['silu', 'gelu_tanh', 'gelu'] as const) {
        const args = { x: a.x, gate, up, gateBias: a.biases[0], activation };
        const ref = kernels.gatedLinear(args, { backend: 'ts' });
        const got = withIsa(isa, () => kernels.gatedLinear(args, { backend: 'native' }));
        expect(got.dims).toEqual([...c.lead, c.outs[0]]);
        expectClose(got.data, ref.data, tol, `${isa}/${c.name}/${activation}`);
      }
    });
  }
});

describe('gatedLinear: equals linear, linear, then the gated elementwise kernel', () => {
  it.each(backends)('%s', (backend) => {
    const a = cases[7].make();
    const up = a.weights[1];
    const gate = { ...a.weights[0], data: a.weights[0].data.subarray(0, up.data.length), dims: up.dims } as typeof up;
    const g = kernels.linear({ x: a.x, weight: gate }, { backend });
    const u = kernels.linear({ x: a.x, weight: up, bias: a.biases[1] }, { backend });
    const silu = kernels.gatedLinear({ x: a.x, gate, up, activation: 'silu' }, { backend });
    expectClose(silu.data, kernels.siluMul({ gate: g, up: kernels.linear({ x: a.x, weight: up }, { backend }) }, { backend }).data, tol, 'silu');
    const gelu = kernels.gatedLinear({ x: a.x, gate, up, upBias: a.biases[1], activation: 'gelu' }, { backend });
    expectClose(gelu.data, kernels.geluMul({ gate: g, up: u, approximate: 'none' }, { backend }).data, tol, 'gelu');
  });
});

describe('linearGroup and gatedLinear: edges and async', () => {
  it.each(backends)('zero rows, an empty input axis, one part (%s)', (backend) => {
    const w = { data: new Float32Array(8), dims: [2, 4] };
    const z = kernels.linearGroup({ x: { data: new Float32Array(0), dims: [0, 4] }, weights: [w, w] }, { backend });
    expect(z.map((t) => t.dims)).toEqual([[0, 2], [0, 2]]);
    const e = kernels.linearGroup(
      { x: { data: new Float32Array(0), dims: [2, 0] }, weights: [{ data: new Float32Array(0), dims: [3, 0] }], biases: [new Tensor(new Float32Array([1, 2, 3]), [3])] },
      { backend },
    );
    expect(Array.from(e[0].data)).toEqual([1, 2, 3, 1, 2, 3]);
    const h = kernels.gatedLinear({ x: { data: new Float32Array(0), dims: [0, 4] }, gate: w, up: w, activation: 'silu' }, { backend });
    expect(h.dims).toEqual([0, 2]);
  });

  it('async variants resolve the sync results', async () => {
    const a = cases[4].make();
    const ref = kernels.linearGroup(a, { backend: 'ts' });
    for (const backend of backends) {
      const got = await kernels.linearGroupAsync(a, { backend });
      got.forEach((t, i) => expectClose(t.data, ref[i].data, tol, `${backend}/${i}`));
      const args = { x: a.x, gate: a.weights[0], up: a.weights[0], activation: 'silu' as const };
      expectClose((await kernels.gatedLinearAsync(args, { backend })).data, kernels.gatedLinear(args, { backend: 'ts' }).data, tol, `${backend} gated`);
    }
  });
});

describe('linearGroup and gatedLinear: bad arguments', () => {
  const x = new Tensor(new Float32Array(6), [2, 3]);
  const w = new Tensor(new Float32Array(12), [4, 3]);
  const h = { data: new Uint16Array(12), dims: [4, 3], dtype: 'f16' as const };
  it.each(backends)('rejects wrong weights, biases, dims and activations (%s)', async (backend) => {
    const group = (args: unknown) => () => kernels.linearGroup(args as never, { backend });
    expect(group({ x, weights: [] })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(group({ x, weights: w })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(group({ x, weights: Array(9).fill(w) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(group({ x, weights: [w, new Tensor(new Float32Array(8), [4, 2])] })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('x') }),
    );
    expect(group({ x, weights: [w, { data: new Float32Array(12), dims: [4, 3], dtype: 'f16' }] })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('weights[1].data must be a Uint16Array') }),
    );
    expect(group({ x, weights: [w, w], biases: [undefined] })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('biases') }));
    expect(group({ x, weights: [w, w], biases: [undefined, new Tensor(new Float32Array(3), [3])] })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('biases[1]') }),
    );
    const gated = (args: unknown) => () => kernels.gatedLinear(args as never, { backend });
    expect(gated({ x, gate: w, up: w })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(gated({ x, gate: w, up: w, activation: 'relu' })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(gated({ x, gate: w, up: h, activation: 'silu' })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(gated({ x, gate: w, up: new Tensor(new Float32Array(15), [5, 3]), activation: 'silu' })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(gated({ x, gate: w, up: w, upBias: new Tensor(new Float32Array(3), [3]), activation: 'silu' })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('upBias') }),
    );
    await expect(kernels.linearGroupAsync({ x, weights: [] }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon itself refuses inconsistent buffers, dims and tags', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const ok = {
      x: new Float32Array(6), rows: 2, inFeatures: 3, parts: 2,
      weight0: new Float32Array(12), out0: new Float32Array(8), outFeatures0: 4,
      weight1: new Uint16Array(6), dtype1: 'f16', out1: new Float32Array(4), outFeatures1: 2,
    };
    const call = (over: Record<string, unknown>) => () => nativeKernel('linearGroup')({ ...ok, ...over });
    expect(call({})).not.toThrow();
    expect(call({ out1: new Float32Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('out1') }));
    expect(call({ weight1: new Float32Array(6) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ dtype1: 'int8' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ parts: 3 })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: expect.stringContaining('outFeatures2') }));
    expect(call({ parts: 9 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ parts: 0 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ bias0: new Float32Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ x: new Float32Array(5) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    const gok = {
      x: new Float32Array(6), rows: 2, inFeatures: 3, outFeatures: 4, dtype: 'f32',
      gate: new Float32Array(12), up: new Float32Array(12), out: new Float32Array(8), kind: 'silu',
    };
    const gcall = (over: Record<string, unknown>) => () => nativeKernel('gatedLinear')({ ...gok, ...over });
    expect(gcall({})).not.toThrow();
    expect(gcall({ up: new Uint16Array(12) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(gcall({ up: new Float32Array(11) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(gcall({ out: new Float32Array(7) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(gcall({ kind: 'relu' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(gcall({ upBias: new Float32Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    await expect(nativeKernel('gatedLinear')({ ...gok, out: new Float32Array(7) }, true)).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });
});

describe('gatedLinear: out', () => {
  it.each(backends)('writes into a given buffer and refuses a wrong or overlapping one (%s)', (backend) => {
    const a = cases[7].make();
    const args = { x: a.x, gate: a.weights[0], up: a.weights[0], activation: 'silu' as const };
    const ref = kernels.gatedLinear(args, { backend });
    const out = new Tensor(new Float32Array(ref.data.length).fill(Number.NaN), ref.dims);
    const got = kernels.gatedLinear({ ...args, out }, { backend });
    expect(got.data).toBe(out.data);
    expectClose(got.data, ref.data, { atol: 0, rtol: 0 }, 'out');
    const bad = (o: unknown) => () => kernels.gatedLinear({ ...args, out: o } as never, { backend });
    expect(bad(new Tensor(new Float32Array(ref.data.length + 1), [ref.data.length + 1]))).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad({ data: new Float64Array(ref.data.length), dims: ref.dims })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    const shared = new Float32Array(a.x.data.length + ref.data.length);
    shared.set(a.x.data);
    const x = new Tensor(shared.subarray(0, a.x.data.length), a.x.dims);
    expect(() => kernels.gatedLinear({ ...args, x, out: new Tensor(shared.subarray(1, 1 + ref.data.length), ref.dims) }, { backend })).toThrow(
      expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining('overlap') }),
    );
    const apart = kernels.gatedLinear({ ...args, x, out: new Tensor(shared.subarray(a.x.data.length), ref.dims) }, { backend });
    expectClose(apart.data, ref.data, { atol: 0, rtol: 0 }, 'same buffer, no overlap');
  });
});
