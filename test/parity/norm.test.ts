import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { weightToF32 } from '../../lib/kernels/half.js';
import { normCases } from '../cases/norm.js';
import { toWeight } from '../cases/weights.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const tol = { atol: 2e-6, rtol: 2e-6 };

/** Plain double-precision reference of both norms. */
function reference(x: Float32Array, hidden: number, w: Float32Array | undefined, b: Float32Array | undefined, eps: number, layer: boolean) {
  const y = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += hidden) {
    let mean = 0;
    if (layer) {
      for (let i = 0; i < hidden; i++) mean += x[o + i];
      mean /= hidden;
    }
    let ss = 0;
    for (let i = 0; i < hidden; i++) ss += (x[o + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(ss / hidden + eps);
    for (let i = 0; i < hidden; i++) y[o + i] = (x[o + i] - mean) * inv * (w ? w[i] : 1) + (layer && b ? b[i] : 0);
  }
  return y;
}

describe.runIf(nativeLoaded)('norm: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(normCases)(`rmsNorm ${isa} $name`, (c) => {
      const args = { x: new Tensor(c.x(), c.dims), weight: c.weightData(), eps: c.eps };
      const ref = kernels.rmsNorm(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.rmsNorm(args, { backend: 'native' }));
      expect(got.dims).toEqual(c.dims);
      expectClose(got.data, ref.data, tol, `rmsNorm/${isa}/${c.name}`);
    });
    it.each(normCases)(`layerNorm ${isa} $name`, (c) => {
      const args = { x: new Tensor(c.x(), c.dims), weight: c.weightData(), bias: c.biasData(), eps: c.eps };
      const ref = kernels.layerNorm(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.layerNorm(args, { backend: 'native' }));
      expectClose(got.data, ref.data, { atol: 1e-5, rtol: 2e-6 }, `layerNorm/${isa}/${c.name}`);
    });
  }
});

describe('norm: TS twin vs a double-precision reference', () => {
  it.each(normCases)('$name', (c) => {
    const x = c.x();
    const hidden = c.dims[c.dims.length - 1];
    const w = c.weightData();
    const b = c.biasData();
    const wf = w && weightToF32(w.data, w.dtype);
    const bf = b && weightToF32(b.data, b.dtype);
    const t = new Tensor(x, c.dims);
    expectClose(kernels.rmsNorm({ x: t, weight: w, eps: c.eps }, { backend: 'ts' }).data, reference(x, hidden, wf, undefined, c.eps, false), tol, 'rms');
    expectClose(kernels.layerNorm({ x: t, weight: w, bias: b, eps: c.eps }, { backend: 'ts' }).data, reference(x, hidden, wf, bf, c.eps, true), { atol: 1e-5, rtol: 2e-6 }, 'layer');
  });
});

describe('norm: known values', () => {
  it.each(backends)('a constant row (%s)', (backend) => {
    const x = new Tensor(new Float32Array(10).fill(3), [2, 5]);
    expectClose(kernels.rmsNorm({ x, eps: 0 }, { backend }).data, new Float32Array(10).fill(1), { atol: 1e-6, rtol: 0 }, 'rms const');
    // Zero variance: (x - mean) = 0 exactly, so the output is the bias.
    const bias = new Tensor(new Float32Array([1, 2, 3, 4, 5]), [5]);
    expectClose(kernels.layerNorm({ x, bias }, { backend }).data, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5], { atol: 0, rtol: 0 }, 'layer const');
  });

  it.each(backends)('[3, 4] with weight (%s)', (backend) => {
    const x = new Tensor(new Float32Array([3, 4]), [1, 2]);
    const weight = toWeight(new Float32Array([2, 0.5]), [2], 'bf16');
    // rms = sqrt((9 + 16) / 2) = 3.5355339
    expectClose(kernels.rmsNorm({ x, weight, eps: 0 }, { backend }).data, [1.6970563, 0.56568542], { atol: 0, rtol: 1e-6 }, 'rms');
    expectClose(kernels.layerNorm({ x, eps: 0 }, { backend }).data, [-1, 1], { atol: 0, rtol: 1e-6 }, 'layer');
  });

  it.each(backends)('f16 and bf16 weights equal their f32 values (%s)', (backend) => {
    const c = normCases[3];
    const x = new Tensor(c.x(), c.dims);
    const w = c.weightData()!;
    const w32 = { data: weightToF32(w.data, w.dtype), dims: w.dims };
    expectClose(kernels.rmsNorm({ x, weight: w }, { backend }).data, kernels.rmsNorm({ x, weight: w32 }, { backend }).data, { atol: 0, rtol: 0 }, 'f16 weight');
  });

  it.each(backends)('inputs that are views at a byte offset into a larger buffer (%s)', (backend) => {
    const big = new Rng(77).f32(5 + 3 * 9 + 9 + 4);
    const x = new Tensor(big.subarray(5, 5 + 27), [3, 9]);
    const weight = new Tensor(big.subarray(32, 41), [9]);
    const copy = { x: new Tensor(Float32Array.from(x.data), [3, 9]), weight: new Tensor(Float32Array.from(weight.data), [9]) };
    expect(kernels.rmsNorm({ x, weight }, { backend }).data).toEqual(kernels.rmsNorm(copy, { backend }).data);
    expect(kernels.layerNorm({ x, bias: weight }, { backend }).data).toEqual(kernels.layerNorm({ x: copy.x, bias: copy.weight }, { backend }).data);
  });

  it('async variants resolve the sync result', async () => {
    const c = normCases[4];
    const args = { x: new Tensor(c.x(), c.dims), weight: c.weightData(), bias: c.biasData() };
    for (const backend of backends) {
      const sync = kernels.layerNorm(args, { backend });
      expectClose((await kernels.layerNormAsync(args, { backend })).data, sync.data, { atol: 0, rtol: 0 }, `layer async ${backend}`);
      const rs = kernels.rmsNorm(args, { backend });
      expectClose((await kernels.rmsNormAsync(args, { backend })).data, rs.data, { atol: 0, rtol: 0 }, `rms async ${backend}`);
    }
  });
});

describe('norm: bad arguments', () => {
  it.each(backends)('reject wrong dtypes, shapes and options (%s)', async (backend) => {
    const x = new Tensor(new Float32Array(6), [2, 3]);
    expect(() => kernels.rmsNorm({ x: { data: new Float64Array(6) as never, dims: [2, 3] } }, { backend })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('x.data must be a Float32Array') }),
    );
    expect(() => kernels.rmsNorm({ x, weight: new Tensor(new Float32Array(4), [4]) }, { backend })).toThrow(
      expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('weight dims [4]') }),
    );
    expect(() => kernels.layerNorm({ x, bias: { data: new Uint16Array(3), dims: [3] } as never }, { backend })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining("without dtype 'f16' or 'bf16'") }),
    );
    expect(() => kernels.layerNorm({ x, weight: { data: new Uint16Array(3), dims: [3], dtype: 'f8' as never } }, { backend })).toThrow(
      expect.objectContaining({ name: 'DTypeError' }),
    );
    expect(() => kernels.rmsNorm({ x, eps: -1 }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(() => kernels.rmsNorm({ x, eps: Number.NaN }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(() => kernels.rmsNorm({ x: new Tensor(new Float32Array(1), []) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    await expect(kernels.rmsNormAsync({ x: { data: new Float32Array(5), dims: [2, 3] } }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon itself refuses lying lengths and bad dtypes', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const base = { x: new Float32Array(6), out: new Float32Array(6), rows: 2, hidden: 3, eps: 1e-6, weightDtype: 'f32' };
    expect(() => nativeKernel('rmsNorm')({ ...base, out: new Float32Array(5) })).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('out has 5 elements, its dims imply 6') }),
    );
    expect(() => nativeKernel('rmsNorm')({ ...base, weight: new Float32Array(2) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => nativeKernel('rmsNorm')({ ...base, weight: new Float32Array(3), weightDtype: 'f16' })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(() => nativeKernel('layerNorm')({ ...base, bias: new Uint16Array(3), biasDtype: 'fp8' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('layerNorm')({ ...base, eps: -1 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('layerNorm')({ ...base, rows: 3 })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
  });
});
