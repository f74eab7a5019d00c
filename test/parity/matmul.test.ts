import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { bf16ToF32, encodeF16, f16ToF32, f32ToBf16, f32ToF16 } from '../../lib/kernels/half.js';
import { linearCases } from '../cases/matmul.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

// The twin sums in f64; native sums in f32 in a blocked order: the difference grows with in.
const tol = { atol: 2e-5, rtol: 2e-5 };

/** The definition computed independently in f64 (decoding weights with the half.ts helpers). */
function naive(c: ReturnType<(typeof linearCases)[number]['make']>): Float64Array {
  const [outF, inF] = c.weight.dims;
  const rows = inF > 0 ? c.x.data.length / inF : 0;
  const dec = c.weight.dtype === 'f16' ? f16ToF32 : c.weight.dtype === 'bf16' ? bf16ToF32 : (v: number) => v;
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = c.bias ? c.bias.data[o] : 0;
      for (let k = 0; k < inF; k++) s += c.x.data[r * inF + k] * dec(c.weight.data[o * inF + k]);
      y[r * outF + o] = s;
    }
  }
  return y;
}

describe('linear: TS twin vs the definition', () => {
  it.each(linearCases)('$name', (c) => {
    const args = c.make();
    const got = kernels.linear(args, { backend: 'ts' });
    expect(got.dims).toEqual([...c.lead, c.outF]);
    expectClose(got.data, naive(args), { atol: 1e-6, rtol: 1e-6 }, `ts/${c.name}`);
  });
});

describe.runIf(nativeLoaded)('linear: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(linearCases)(`${isa} $name`, (c) => {
      const args = c.make();
      const ref = kernels.linear(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.linear(args, { backend: 'native' }));
      expect(got.dims).toEqual([...c.lead, c.outF]);
      expectClose(got.data, ref.data, tol, `${isa}/${c.name}`);
    });
  }
});

describe('linear: async', () => {
  const c = linearCases.find((k) => k.name === 'x17_in100_out33_bf16_bias') ?? linearCases[0];
  it('linearAsync resolves the sync result on every backend', async () => {
    const args = c.make();
    const ref = kernels.linear(args, { backend: 'ts' });
    const ts = await kernels.linearAsync(args, { backend: 'ts' });
    expect(ts.dims).toEqual(ref.dims);
    expectClose(ts.data, ref.data, { atol: 0, rtol: 0 }, 'ts async');
    if (nativeLoaded) {
      const nat = await kernels.linearAsync(args, { backend: 'native' });
      expectClose(nat.data, ref.data, tol, 'native async');
    }
  });
});

describe('half conversions (TS)', () => {
  const f16Known: [number, number][] = [
    [0x0000, 0], [0x8000, -0], [0x3c00, 1], [0xbc00, -1], [0x3555, 0.333251953125], [0x7bff, 65504],
    [0x0400, 6.103515625e-5], [0x0001, 5.960464477539063e-8], [0x03ff, 6.097555160522461e-5],
    [0x7c00, Infinity], [0xfc00, -Infinity],
  ];
  it('decodes known f16 bit patterns (normals, subnormals, inf, NaN)', () => {
    for (const [h, v] of f16Known) expect(Object.is(f16ToF32(h), v)).toBe(true);
    expect(f16ToF32(0x7e00)).toBeNaN();
    expect(f16ToF32(0xfc01)).toBeNaN();
  });
  it('encodes f16 with round-to-nearest-even, overflow to inf and subnormals', () => {
    for (const [h, v] of f16Known) expect(f32ToF16(v)).toBe(h);
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie, even stays
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd rounds up
    expect(f32ToF16(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(f32ToF16(65519.99)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00);
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // tie to even zero
    expect(f32ToF16(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal ulps: even
    expect(f32ToF16(2 ** -25 + 2 ** -35)).toBe(0x0001);
    expect(f32ToF16(-(2 ** -24))).toBe(0x8001);
    expect(f32ToF16(Number.NaN) & 0x7fff).toBe(0x7e00);
    expect(f32ToF16(1e10)).toBe(0x7c00);
  });
  it('round-trips every f16 bit pattern', () => {
    for (let h = 0; h < 65536; h++) {
      const v = f16ToF32(h);
      if (Number.isNaN(v)) continue;
      expect(f32ToF16(v)).toBe(h);
    }
  });
  it('encodeF16 (the KV cache append) rounds every value as f32ToF16 does, at an offset', () => {
    const rng = new Rng(5);
    const src = new Float32Array(4096);
    // Normal, subnormal, underflowing, overflowing and special values, and the ties between them.
    for (let i = 0; i < src.length; i++) src[i] = rng.f32(1, 1)[0] * 2 ** ((i % 64) - 30);
    src.set([Number.NaN, Infinity, -Infinity, -0, 65504, 65519.99, 65520, 2 ** -14, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1 + 2 ** -11]);
    const dst = new Uint16Array(src.length + 3).fill(0xffff);
    encodeF16(src, dst, 3);
    expect(dst.subarray(0, 3)).toEqual(Uint16Array.of(0xffff, 0xffff, 0xffff));
    expect(dst.subarray(3)).toEqual(Uint16Array.from(src, f32ToF16));
  });
  it('decodes and encodes bf16 (round to nearest even, NaN stays quiet NaN)', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc000)).toBe(-2);
    expect(bf16ToF32(0x0001)).toBe(2 ** -133);
    expect(bf16ToF32(0x7f80)).toBe(Infinity);
    expect(bf16ToF32(0x7fc0)).toBeNaN();
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie, even stays
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, odd rounds up
    expect(f32ToBf16(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    expect(f32ToBf16(Number.NaN)).toBe(0x7fc0);
    expect(f32ToBf16(3.3895313892515355e38)).toBe(0x7f7f);
    expect(f32ToBf16(3.4e38)).toBe(0x7f80);
  });
});

describe.runIf(nativeLoaded)('half conversions (native, every ISA)', () => {
  restoreBestIsaAfterAll();
  // x = 1 with in = 1 makes y the decoded weights: every f16 / bf16 bit pattern (subnormals, inf,
  // NaN) through each ISA's SIMD conversion, on the GEMV path (1 row) and the GEMM packing (5 rows).
  const bits = new Uint16Array(65536).map((_, i) => i);
  for (const isa of isas) {
    for (const dtype of ['f16', 'bf16'] as const) {
      it.each([1, 5])(`${isa} ${dtype} rows %i`, (rows) => {
        const x = new Tensor(new Float32Array(rows).fill(1), [rows, 1]);
        const want = Float32Array.from(bits, dtype === 'f16' ? f16ToF32 : bf16ToF32);
        const y = withIsa(isa, () => kernels.linear({ x, weight: { data: bits, dims: [65536, 1], dtype } }, { backend: 'native' }));
        for (let r = 0; r < rows; r++) expectClose(y.data.subarray(r * 65536, (r + 1) * 65536), want, { atol: 0, rtol: 0 }, `${isa}/${dtype}/row${r}`);
      });
    }
  }
});

describe('linear: known values', () => {
  it('computes a tiny product exactly on every backend', () => {
    const x = new Tensor(new Float32Array([1, 2, 3, -1, 0, 0.5]), [2, 3]);
    const w = { data: new Float32Array([1, 0, 0, 0, 1, 0, 1, 1, 1, 2, -1, 4]), dims: [4, 3] };
    const bias = new Tensor(new Float32Array([0.5, 0, 0, -1]), [4]);
    const h = { data: new Uint16Array(Array.from(w.data, (v) => f32ToF16(v))), dims: [4, 3], dtype: 'f16' as const };
    const b = { data: new Uint16Array(Array.from(w.data, (v) => f32ToBf16(v))), dims: [4, 3], dtype: 'bf16' as const };
    const want = [1.5, 2, 6, 11, -0.5, 0, -0.5, -1];
    for (const backend of nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const)) {
      for (const weight of [w, h, b]) {
        const y = kernels.linear({ x, weight, bias }, { backend });
        expect(y.dims).toEqual([2, 4]);
        expect(Array.from(y.data)).toEqual(want);
        const v = kernels.linear({ x: { data: x.data.subarray(0, 3), dims: [3] }, weight, bias }, { backend });
        expect(v.dims).toEqual([4]);
        expect(Array.from(v.data)).toEqual(want.slice(0, 4));
      }
    }
  });

  it('reads inputs that are views at a byte offset', () => {
    const c = linearCases.find((k) => k.name === 'x17_in100_out33_bf16_bias') ?? linearCases[0];
    const args = c.make();
    const ref = kernels.linear(args, { backend: 'ts' });
    const view = <T extends Float32Array | Uint16Array>(a: T): T => {
      const big = new (a.constructor as { new (n: number): T })(a.length + 3);
      big.set(a, 3);
      return big.subarray(3) as T;
    };
    const moved = {
      x: { data: view(args.x.data), dims: args.x.dims },
      weight: { ...args.weight, data: view(args.weight.data) } as typeof args.weight,
      bias: args.bias && { data: view(args.bias.data), dims: args.bias.dims },
    };
    for (const backend of nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const)) {
      expectClose(kernels.linear(moved, { backend }).data, ref.data, tol, `views/${backend}`);
    }
  });

  it('handles an empty input axis (bias only) and zero rows', () => {
    for (const backend of nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const)) {
      const y = kernels.linear({ x: { data: new Float32Array(0), dims: [2, 0] }, weight: { data: new Float32Array(0), dims: [3, 0] }, bias: new Tensor(new Float32Array([1, 2, 3]), [3]) }, { backend });
      expect(Array.from(y.data)).toEqual([1, 2, 3, 1, 2, 3]);
      const z = kernels.linear({ x: { data: new Float32Array(0), dims: [0, 4] }, weight: { data: new Float32Array(8), dims: [2, 4] } }, { backend });
      expect(z.dims).toEqual([0, 2]);
    }
  });
});

describe('linear: bad arguments', () => {
  const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
  const x = new Tensor(new Float32Array(6), [2, 3]);
  const w = new Tensor(new Float32Array(12), [4, 3]);
  it.each(backends)('rejects wrong dtypes, shapes and tags (%s)', async (backend) => {
    const bad = (args: unknown) => () => kernels.linear(args as never, { backend });
    expect(bad({ x: { data: new Float64Array(6), dims: [2, 3] }, weight: w })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(bad({ x, weight: { data: new Uint16Array(12), dims: [4, 3] } })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('weight.data must be a Float32Array') }),
    );
    expect(bad({ x, weight: { data: new Float32Array(12), dims: [4, 3], dtype: 'f16' } })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('weight.data must be a Uint16Array') }),
    );
    expect(bad({ x, weight: { data: new Uint16Array(12), dims: [4, 3], dtype: 'f8' } })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(bad({ x, weight: new Tensor(new Float32Array(8), [4, 2]) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad({ x, weight: { data: new Float32Array(12), dims: [12] } })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad({ x, weight: { data: new Float32Array(11), dims: [4, 3] } })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad({ x, weight: w, bias: new Tensor(new Float32Array(3), [3]) })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('bias') }));
    expect(bad({ x, weight: w, bias: { data: new Uint16Array(4), dims: [4] } })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(bad({ x: { data: new Float32Array(0), dims: [] }, weight: w })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad(null)).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    await expect(kernels.linearAsync({ x, weight: new Tensor(new Float32Array(8), [4, 2]) }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon itself refuses inconsistent buffers, dims and tags', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const ok = { x: new Float32Array(6), weight: new Float32Array(12), out: new Float32Array(8), rows: 2, inFeatures: 3, outFeatures: 4, dtype: 'f32' };
    const call = (over: Record<string, unknown>) => () => nativeKernel('linear')({ ...ok, ...over });
    expect(call({})).not.toThrow();
    expect(call({ out: new Float32Array(7) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('out has 7 elements, its dims imply 8') }));
    expect(call({ weight: new Float32Array(11) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ x: new Float32Array(5) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ bias: new Float32Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ weight: new Uint16Array(12) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ dtype: 'f16' })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ dtype: 'int8' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ rows: -1 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ rows: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ inFeatures: 2 ** 40, outFeatures: 2 ** 40 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ dtype: 'f16', weight: new Uint16Array(12) })).not.toThrow();
    await expect(nativeKernel('linear')({ ...ok, out: new Float32Array(7) }, true)).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });
});
