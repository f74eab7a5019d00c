import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { f32ToF16 } from '../../lib/kernels/half.js';
import type { KvTensor } from '../../lib/ops/index.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

function cache(dtype: 'f32' | 'f16', dims: number[], fill: number): KvTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return dtype === 'f16' ? { data: new Uint16Array(n).fill(fill), dims, dtype } : new Tensor(new Float32Array(n).fill(fill), dims);
}

/** [batch, seq, kvHeads, headDim] rows with specials (zeros, infinities, NaN, f16 overflow and subnormals) mixed in. */
function rows(rng: Rng, dims: number[]): Tensor<Float32Array> {
  const x = rng.f32(dims.reduce((a, b) => a * b, 1), 3);
  const specials = [0, -0, Infinity, -Infinity, NaN, 65504, 65520, 1e-7, -3e-5, 2049];
  for (let i = 0; i < x.length; i += 7) x[i] = specials[(i / 7) % specials.length];
  return new Tensor(x, dims);
}

// batch, seq, kvHeads, headDim, capacity, at: sizes 1, odd, and not a multiple of any vector width.
const shapes = [
  [1, 1, 1, 1, 1, 0],
  [1, 1, 2, 8, 16, 15],
  [2, 3, 3, 7, 9, 4],
  [3, 2, 1, 33, 5, 0],
  [1, 5, 4, 64, 12, 7],
];

describe.runIf(nativeLoaded)('kvAppend: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    for (const dtype of ['f32', 'f16'] as const) {
      it.each(shapes)(`${isa} ${dtype} batch %i seq %i kvHeads %i headDim %i capacity %i at %i`, (batch, seq, kvHeads, headDim, capacity, at) => {
        const rng = new Rng(batch * 1000 + seq * 100 + headDim);
        const k = rows(rng, [batch, seq, kvHeads, headDim]);
        const v = rows(rng, [batch, seq, kvHeads, headDim]);
        const dims = [batch, capacity, kvHeads, headDim];
        const ref = { k: cache(dtype, dims, 7), v: cache(dtype, dims, 7) };
        const got = { k: cache(dtype, dims, 7), v: cache(dtype, dims, 7) };
        kernels.kvAppend({ k, v, kCache: ref.k, vCache: ref.v, at }, { backend: 'ts' });
        withIsa(isa, () => kernels.kvAppend({ k, v, kCache: got.k, vCache: got.v, at }, { backend: 'native' }));
        // Bit for bit, NaN payloads aside (both stay NaN).
        const bits = (t: KvTensor) => Array.from(t.data, (x) => (Number.isNaN(x) ? 'NaN' : dtype === 'f16' && (x & 0x7fff) > 0x7c00 ? 'NaN' : Object.is(x, -0) ? '-0' : x));
        expect(bits(got.k)).toEqual(bits(ref.k));
        expect(bits(got.v)).toEqual(bits(ref.v));
      });
    }
  }
});

describe('kvAppend: known values', () => {
  it.each(backends)('rows land at [at, at + seq) of each sequence, rounded to f16 as f32ToF16 (%s)', (backend) => {
    const k = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 1, 2]);
    const v = new Tensor(Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]), [2, 2, 1, 2]);
    const kc = cache('f32', [2, 3, 1, 2], -1);
    const vc = cache('f16', [2, 3, 1, 2], 0);
    kernels.kvAppend({ k, v, kCache: kc, vCache: cache('f32', [2, 3, 1, 2], 0), at: 1 }, { backend });
    expect(Array.from(kc.data)).toEqual([-1, -1, 1, 2, 3, 4, -1, -1, 5, 6, 7, 8]);
    const kc16 = cache('f16', [2, 3, 1, 2], 0);
    kernels.kvAppend({ k, v, kCache: kc16, vCache: vc, at: 0 }, { backend });
    expect(Array.from(vc.data)).toEqual([0.1, 0.2, 0.3, 0.4, 0, 0, 0.5, 0.6, 0.7, 0.8, 0, 0].map((x, i) => ([4, 5, 10, 11].includes(i) ? 0 : f32ToF16(x))));
  });

  it('async variants write the same bits', async () => {
    const rng = new Rng(3);
    const k = rows(rng, [1, 2, 2, 5]);
    const v = rows(rng, [1, 2, 2, 5]);
    for (const backend of backends) {
      const sync = { k: cache('f16', [1, 4, 2, 5], 0), v: cache('f16', [1, 4, 2, 5], 0) };
      const async = { k: cache('f16', [1, 4, 2, 5], 0), v: cache('f16', [1, 4, 2, 5], 0) };
      kernels.kvAppend({ k, v, kCache: sync.k, vCache: sync.v, at: 2 }, { backend });
      const r = await kernels.kvAppendAsync({ k, v, kCache: async.k, vCache: async.v, at: 2 }, { backend });
      expect(Array.from(async.k.data)).toEqual(Array.from(sync.k.data));
      expect(Array.from(r.v.data)).toEqual(Array.from(sync.v.data));
    }
  });
});

describe('kvAppend: bad arguments', () => {
  const k = new Tensor(new Float32Array(8), [1, 2, 2, 2]);
  const v = new Tensor(new Float32Array(8), [1, 2, 2, 2]);
  it.each(backends)('reject overflow, mismatched dims and dtypes, shared memory (%s)', (backend) => {
    const c = () => cache('f32', [1, 3, 2, 2], 0);
    expect(() => kernels.kvAppend({ k, v, kCache: c(), vCache: c(), at: 2 }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining('at must be an integer in [0, 1]') }));
    expect(() => kernels.kvAppend({ k, v, kCache: cache('f32', [1, 1, 2, 2], 0), vCache: cache('f32', [1, 1, 2, 2], 0) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.kvAppend({ k, v, kCache: cache('f32', [1, 3, 2, 3], 0), vCache: cache('f32', [1, 3, 2, 3], 0) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('kCache dims') }));
    expect(() => kernels.kvAppend({ k, v, kCache: c(), vCache: cache('f16', [1, 3, 2, 2], 0) }, { backend })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    const shared = c();
    expect(() => kernels.kvAppend({ k, v, kCache: shared, vCache: shared }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining('kCache shares memory with vCache') }));
    const big = new Float32Array(20);
    expect(() => kernels.kvAppend({ k: new Tensor(big.subarray(0, 8), [1, 2, 2, 2]), v, kCache: new Tensor(big.subarray(8, 20), [1, 3, 2, 2]), vCache: c() }, { backend })).not.toThrow();
    expect(() => kernels.kvAppend({ k: new Tensor(big.subarray(4, 12), [1, 2, 2, 2]), v, kCache: new Tensor(big.subarray(8, 20), [1, 3, 2, 2]), vCache: c() }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
  });

  it.runIf(nativeLoaded)('the addon itself refuses lying lengths, overflowing offsets and shared caches', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const base = { k: new Float32Array(8), v: new Float32Array(8), kCache: new Float32Array(12), vCache: new Float32Array(12), batch: 1, seq: 2, capacity: 3, row: 4, at: 1 };
    expect(() => nativeKernel('kvAppend')(base)).not.toThrow();
    expect(() => nativeKernel('kvAppend')({ ...base, at: 2 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining('exceeds capacity') }));
    expect(() => nativeKernel('kvAppend')({ ...base, kCache: new Float32Array(11) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => nativeKernel('kvAppend')({ ...base, kvDtype: 'f16' })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(() => nativeKernel('kvAppend')({ ...base, kvDtype: 'f8' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('kvAppend')({ ...base, vCache: base.kCache })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('must not share memory') }));
    const buf = new Float32Array(20);
    expect(() => nativeKernel('kvAppend')({ ...base, k: buf.subarray(0, 8), kCache: buf.subarray(4, 16) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
  });
});
