import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { binaryCases, gatedCases } from '../cases/elementwise.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const actTol = { atol: 2e-6, rtol: 1e-5 };

const gatedVariants = [
  { label: 'siluMul', run: (gate: Tensor, up: Tensor, o: { backend: 'ts' | 'native' }) => kernels.siluMul({ gate, up }, o) },
  { label: 'geluMul', run: (gate: Tensor, up: Tensor, o: { backend: 'ts' | 'native' }) => kernels.geluMul({ gate, up }, o) },
  { label: 'geluMul-erf', run: (gate: Tensor, up: Tensor, o: { backend: 'ts' | 'native' }) => kernels.geluMul({ gate, up, approximate: 'none' }, o) },
];

describe.runIf(nativeLoaded)('elementwise: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    for (const op of ['add', 'mul'] as const) {
      it.each(binaryCases)(`${op} ${isa} $name`, (c) => {
        const args = { a: new Tensor(c.a(), c.aDims), b: new Tensor(c.b(), c.bDims) };
        const ref = kernels[op](args, { backend: 'ts' });
        const got = withIsa(isa, () => kernels[op](args, { backend: 'native' }));
        expect(got.dims).toEqual(c.aDims);
        expect(got.data).toEqual(ref.data);
      });
    }
    for (const v of gatedVariants) {
      it.each(gatedCases)(`${v.label} ${isa} $name`, (c) => {
        const gate = new Tensor(c.gate(), c.dims);
        const up = new Tensor(c.up(), c.dims);
        const ref = v.run(gate, up, { backend: 'ts' });
        const got = withIsa(isa, () => v.run(gate, up, { backend: 'native' }));
        expectClose(got.data, ref.data, actTol, `${v.label}/${isa}/${c.name}`);
      });
    }
  }
});

describe('elementwise: fused kernels equal their composed twins', () => {
  it.each(backends)('siluMul = mul(silu(gate), up); geluMul = mul(gelu_tanh(gate), up) (%s)', (backend) => {
    for (const c of gatedCases) {
      const gate = new Tensor(c.gate(), c.dims);
      const up = new Tensor(c.up(), c.dims);
      const composedSilu = kernels.mul({ a: kernels.silu({ x: gate }, { backend }), b: up }, { backend });
      expectClose(kernels.siluMul({ gate, up }, { backend }).data, composedSilu.data, actTol, `siluMul/${c.name}`);
      const composedGelu = kernels.mul({ a: kernels.gelu({ x: gate, approximate: 'tanh' }, { backend }), b: up }, { backend });
      expectClose(kernels.geluMul({ gate, up }, { backend }).data, composedGelu.data, actTol, `geluMul/${c.name}`);
      const composedErf = kernels.mul({ a: kernels.gelu({ x: gate }, { backend }), b: up }, { backend });
      expectClose(kernels.geluMul({ gate, up, approximate: 'none' }, { backend }).data, composedErf.data, actTol, `geluMul-erf/${c.name}`);
    }
  });
});

describe('elementwise: known values', () => {
  it.each(backends)('broadcasting over leading dims, and a scalar b (%s)', (backend) => {
    const a = new Tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(kernels.add({ a, b: new Tensor(new Float32Array([10, 20, 30]), [3]) }, { backend }).data)).toEqual([11, 22, 33, 14, 25, 36]);
    expect(Array.from(kernels.mul({ a, b: new Tensor(new Float32Array([2]), []) }, { backend }).data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(Array.from(kernels.mul({ a, b: a }, { backend }).data)).toEqual([1, 4, 9, 16, 25, 36]);
    const g = new Tensor(new Float32Array([0, 1, -1, 2]), [4]);
    const up = new Tensor(new Float32Array([5, 2, 2, -1]), [4]);
    expectClose(kernels.siluMul({ gate: g, up }, { backend }).data, [0, 1.4621171572, -0.5378828428, -1.7615941560], { atol: 1e-6, rtol: 1e-6 }, 'siluMul');
    expectClose(kernels.geluMul({ gate: g, up }, { backend }).data, [0, 1.6823839812, -0.3176160188, -1.9545976953], { atol: 1e-6, rtol: 1e-6 }, 'geluMul');
  });

  it('async variants resolve the sync result', async () => {
    const c = gatedCases[3];
    const gate = new Tensor(c.gate(), c.dims);
    const up = new Tensor(c.up(), c.dims);
    for (const backend of backends) {
      expect((await kernels.siluMulAsync({ gate, up }, { backend })).data).toEqual(kernels.siluMul({ gate, up }, { backend }).data);
      expect((await kernels.addAsync({ a: gate, b: up }, { backend })).data).toEqual(kernels.add({ a: gate, b: up }, { backend }).data);
    }
  });
});

describe('elementwise: bad arguments', () => {
  it.each(backends)('reject mismatched shapes and dtypes (%s)', async (backend) => {
    const a = new Tensor(new Float32Array(6), [2, 3]);
    expect(() => kernels.add({ a, b: new Tensor(new Float32Array(2), [2]) }, { backend })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining("b dims [2] must equal a's dims [2, 3] or a suffix") }),
    );
    expect(() => kernels.mul({ a, b: new Tensor(new Float32Array(12), [2, 2, 3]) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.siluMul({ gate: a, up: new Tensor(new Float32Array(6), [3, 2]) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.geluMul({ gate: a, up: { data: new Int32Array(6) as never, dims: [2, 3] } }, { backend })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(() => kernels.geluMul({ gate: a, up: a, approximate: 'fast' as never }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    await expect(kernels.addAsync({ a, b: new Tensor(new Float32Array(2), [2]) }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon itself refuses lying lengths and unknown kinds', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const bin = { a: new Float32Array(6), b: new Float32Array(3), out: new Float32Array(6), rows: 2, n: 3, bRows: 1, kind: 'add' };
    expect(() => nativeKernel('elementwiseBinary')({ ...bin, bRows: 2 })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => nativeKernel('elementwiseBinary')({ ...bin, bRows: 3 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('elementwiseBinary')({ ...bin, kind: 'sub' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    const gated = { gate: new Float32Array(4), up: new Float32Array(4), out: new Float32Array(4), size: 4, kind: 'silu' };
    expect(() => nativeKernel('elementwiseGated')({ ...gated, up: new Float32Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => nativeKernel('elementwiseGated')({ ...gated, kind: 'relu' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
  });
});
