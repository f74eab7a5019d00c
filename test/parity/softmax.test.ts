import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { softmaxCases } from '../cases/softmax.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const tol = { atol: 1e-7, rtol: 2e-6 };
const NEG = Number.NEGATIVE_INFINITY;

describe.runIf(nativeLoaded)('softmax: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(softmaxCases)(`${isa} $name`, (c) => {
      const x = new Tensor(c.x(), c.dims);
      const ref = kernels.softmax({ x }, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.softmax({ x }, { backend: 'native' }));
      expect(got.dims).toEqual(c.dims);
      expectClose(got.data, ref.data, tol, `softmax/${isa}/${c.name}`);
    });
  }
});

describe('softmax: known values', () => {
  it.each(backends)('closed forms, masked entries and fully masked rows (%s)', (backend) => {
    const run = (v: number[], dims = [v.length]) => Array.from(kernels.softmax({ x: new Tensor(new Float32Array(v), dims) }, { backend }).data);
    expect(run([0, NEG])).toEqual([1, 0]);
    expect(run([NEG, NEG, NEG])).toEqual([0, 0, 0]);
    expectClose(run([1, 2, 3]), [0.09003057317, 0.24472847105, 0.66524095577], { atol: 0, rtol: 1e-6 }, 'closed form');
    expectClose(run([1000, 1000, NEG, 999]), [0.42231879825, 0.42231879825, 0, 0.15536240349], { atol: 0, rtol: 1e-6 }, 'large');
    expect(run([NEG, NEG, 0.5, NEG], [2, 2])).toEqual([0, 0, 1, 0]);
    expect(run([1, Number.NaN, 2]).every(Number.isNaN)).toBe(true);
    expect(run([1, Number.POSITIVE_INFINITY]).every(Number.isNaN)).toBe(true);
  });

  it.each(backends)('rows sum to 1 (%s)', (backend) => {
    const c = softmaxCases[5];
    const y = kernels.softmax({ x: new Tensor(c.x(), c.dims) }, { backend }).data;
    const n = c.dims[1];
    for (let r = 0; r < c.dims[0]; r++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[r * n + i];
      expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    }
  });

  it('async variants resolve the sync result', async () => {
    const c = softmaxCases[4];
    const x = new Tensor(c.x(), c.dims);
    for (const backend of backends) {
      const sync = kernels.softmax({ x }, { backend });
      expectClose((await kernels.softmaxAsync({ x }, { backend })).data, sync.data, { atol: 0, rtol: 0 }, `async ${backend}`);
    }
  });
});

describe('softmax: bad arguments', () => {
  it.each(backends)('reject a wrong dtype and a lying shape (%s)', async (backend) => {
    expect(() => kernels.softmax({ x: { data: new Float64Array(2) as never, dims: [2] } }, { backend })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(() => kernels.softmax({ x: { data: new Float32Array(3), dims: [2] } }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.softmax({ x: new Tensor(new Float32Array(1), []) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    await expect(kernels.softmaxAsync({ x: { data: new Float32Array(3), dims: [2] } }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon itself refuses lying lengths', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    expect(() => nativeKernel('softmax')({ x: new Float32Array(6), out: new Float32Array(5), rows: 2, n: 3 })).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('out has 5 elements, its dims imply 6') }),
    );
    expect(() => nativeKernel('softmax')({ x: new Float32Array(6), out: new Float32Array(6), rows: 2, n: -3 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('softmax')({ x: new Int32Array(6), out: new Float32Array(6), rows: 2, n: 3 })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
  });
});
