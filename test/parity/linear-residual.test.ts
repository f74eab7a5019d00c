// linear's residual (y = x · Wᵀ + bias + residual, a pre-norm block's skip connection in the last
// projection's epilogue): native (GEMV and GEMM, every ISA) vs the TS twin, the definition, in
// place at the addon (residual === out), and bad residuals on both backends and the addon.
import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { linearCases } from '../cases/matmul.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

const tol = { atol: 2e-5, rtol: 2e-5 };
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
// Every third case still covers each dtype, rows 1..130 (GEMV, blocked GEMV, GEMM) and every in/out length.
const cases = linearCases.filter((_, i) => i % 3 === 0);

function withResidual(c: (typeof linearCases)[number]) {
  const args = c.make();
  const outDims = [...c.lead, c.outF];
  const n = outDims.reduce((p, d) => p * d, 1);
  return { ...args, residual: new Tensor(new Rng(n + 17).f32(n, 4), outDims) };
}

describe('linear residual: TS twin vs linear + add', () => {
  it.each(cases)('$name', (c) => {
    const args = withResidual(c);
    const plain = kernels.linear({ ...args, residual: undefined }, { backend: 'ts' });
    const got = kernels.linear(args, { backend: 'ts' });
    expect(got.dims).toEqual(plain.dims);
    expectClose(got.data, plain.data.map((v, i) => v + args.residual.data[i]), { atol: 1e-6, rtol: 1e-6 }, `ts/${c.name}`);
  });
});

describe.runIf(nativeLoaded)('linear residual: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(cases)(`${isa} $name`, (c) => {
      const args = withResidual(c);
      const ref = kernels.linear(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.linear(args, { backend: 'native' }));
      expectClose(got.data, ref.data, tol, `${isa}/${c.name}`);
    });
  }

  it('runs in place at the addon (residual === out), GEMV and GEMM rows, every ISA', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    for (const rows of [1, 5, 16, 17, 130]) {
      const c = linearCases.find((k) => k.lead[0] === rows && k.dtype === 'f16' && k.bias && k.inF > 16) ?? linearCases[0];
      const args = withResidual(c);
      const ref = kernels.linear(args, { backend: 'ts' });
      for (const isa of isas) {
        const out = Float32Array.from(args.residual.data);
        withIsa(isa, () =>
          nativeKernel('linear')({
            x: args.x.data, weight: args.weight.data, bias: args.bias?.data, residual: out, out,
            rows: ref.data.length / c.outF, inFeatures: c.inF, outFeatures: c.outF, dtype: c.dtype,
          }));
        expectClose(out, ref.data, tol, `in place/${isa}/${c.name}`);
      }
    }
  });

  it('async resolves the sync result', async () => {
    const args = withResidual(cases[5]);
    const sync = kernels.linear(args, { backend: 'native' });
    expectClose((await kernels.linearAsync(args, { backend: 'native' })).data, sync.data, { atol: 0, rtol: 0 }, 'async');
  });
});

describe('linear residual: edge sizes', () => {
  it.each(backends)('an empty input axis gives bias + residual; zero rows stay empty (%s)', (backend) => {
    const y = kernels.linear({
      x: { data: new Float32Array(0), dims: [2, 0] }, weight: { data: new Float32Array(0), dims: [3, 0] },
      bias: new Tensor(new Float32Array([1, 2, 3]), [3]), residual: new Tensor(new Float32Array([10, 20, 30, 40, 50, 60]), [2, 3]),
    }, { backend });
    expect(Array.from(y.data)).toEqual([11, 22, 33, 41, 52, 63]);
    const z = kernels.linear({
      x: { data: new Float32Array(0), dims: [0, 4] }, weight: { data: new Float32Array(8), dims: [2, 4] },
      residual: { data: new Float32Array(0), dims: [0, 2] },
    }, { backend });
    expect(z.dims).toEqual([0, 2]);
  });
});

describe('linear residual: bad arguments', () => {
  const x = new Tensor(new Float32Array(6), [1, 2, 3]);
  const weight = new Tensor(new Float32Array(12), [4, 3]);
  it.each(backends)('rejects a residual of the wrong dims or dtype (%s)', async (backend) => {
    const bad = (residual: unknown) => () => kernels.linear({ x, weight, residual } as never, { backend });
    expect(bad(new Tensor(new Float32Array(8), [2, 4]))).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('residual') }));
    expect(bad(new Tensor(new Float32Array(6), [1, 2, 3]))).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad({ data: new Float32Array(7), dims: [1, 2, 4] })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad({ data: new Float64Array(8), dims: [1, 2, 4] })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(bad(new Float32Array(8))).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    await expect(kernels.linearAsync({ x, weight, residual: new Tensor(new Float32Array(4), [4]) }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon refuses a residual of the wrong length or type, or shifted over out', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const buf = new Float32Array(12);
    const ok = { x: new Float32Array(6), weight: new Float32Array(12), out: buf.subarray(0, 8), rows: 2, inFeatures: 3, outFeatures: 4, dtype: 'f32' };
    const call = (residual: unknown) => () => nativeKernel('linear')({ ...ok, residual });
    expect(call(new Float32Array(8))).not.toThrow();
    expect(call(ok.out)).not.toThrow();
    expect(call(buf.subarray(4, 12))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('residual must be out itself') }));
    expect(call(new Float32Array(7))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('residual has 7 elements') }));
    expect(call(new Int32Array(8))).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call(3)).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
  });
});
