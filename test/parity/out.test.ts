// Caller-provided outputs (`out`) on rmsNorm, layerNorm, rope, add, mul, embedding and linear: on every
// backend (and each native ISA) the result is written into out, returned over out's data, and
// equals the allocating call; in-place add/mul (out = a) works; the async variants write into out
// too; bad outs (dtype, dims, detached, overlapping an input) are refused before any kernel runs.
import { describe, expect, it } from 'vitest';

import { DTypeError, kernels, ShapeError, Tensor, ValueRangeError } from '../../lib/index.js';
import { f32ToBf16, f32ToF16 } from '../../lib/kernels/half.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { Rng } from '../helpers/rng.js';

type Backend = 'ts' | 'native';
const backends: Backend[] = nativeLoaded ? ['ts', 'native'] : ['ts'];
const rng = new Rng(77);
const x = new Tensor(rng.f32(3 * 5 * 4 * 8), [3, 5, 4, 8]);
const w8 = new Tensor(rng.f32(8, 0.2).map((v) => 1 + v), [8]);
const b8 = new Tensor(rng.f32(8), [8]);
const positions = new Tensor(Int32Array.from({ length: 15 }, (_, i) => i % 7), [3, 5]);
const table = new Tensor(rng.f32(11 * 8), [11, 8]);
const tableBf16 = { data: Uint16Array.from(table.data, f32ToBf16), dims: [11, 8], dtype: 'bf16' as const };
const ids = new Tensor(Int32Array.of(3, 0, 10, 7, 7, 1), [2, 3]);
const other = new Tensor(rng.f32(x.data.length), x.dims);
// linear x [3, 5, 8] · w [6, 8]ᵀ (f16 weights: 6 outputs, not a multiple of any vector width).
const xl = new Tensor(rng.f32(3 * 5 * 8), [3, 5, 8]);
const wl = { data: Uint16Array.from(rng.f32(6 * 8, 0.3), f32ToF16), dims: [6, 8], dtype: 'f16' as const };
const bl = new Tensor(rng.f32(6), [6]);
const rl = new Tensor(rng.f32(3 * 5 * 6), [3, 5, 6]);

type Case = { name: string; dims: number[]; run: (out: Tensor | undefined, backend: Backend) => Tensor; async: (out: Tensor, backend: Backend) => Promise<Tensor> };
const cases: Case[] = [
  { name: 'rmsNorm', dims: x.dims, run: (out, backend) => kernels.rmsNorm({ x, weight: w8, out }, { backend }), async: (out, backend) => kernels.rmsNormAsync({ x, weight: w8, out }, { backend }) },
  { name: 'layerNorm', dims: x.dims, run: (out, backend) => kernels.layerNorm({ x, weight: w8, bias: b8, out }, { backend }), async: (out, backend) => kernels.layerNormAsync({ x, weight: w8, bias: b8, out }, { backend }) },
  { name: 'rope', dims: x.dims, run: (out, backend) => kernels.rope({ x, positions, theta: 500, out }, { backend }), async: (out, backend) => kernels.ropeAsync({ x, positions, theta: 500, out }, { backend }) },
  { name: 'add', dims: x.dims, run: (out, backend) => kernels.add({ a: x, b: other, out }, { backend }), async: (out, backend) => kernels.addAsync({ a: x, b: other, out }, { backend }) },
  { name: 'mul broadcast', dims: x.dims, run: (out, backend) => kernels.mul({ a: x, b: w8, out }, { backend }), async: (out, backend) => kernels.mulAsync({ a: x, b: w8, out }, { backend }) },
  { name: 'embedding f32', dims: [2, 3, 8], run: (out, backend) => kernels.embedding({ table, ids, out }, { backend }), async: (out, backend) => kernels.embeddingAsync({ table, ids, out }, { backend }) },
  { name: 'embedding bf16', dims: [2, 3, 8], run: (out, backend) => kernels.embedding({ table: tableBf16, ids, out }, { backend }), async: (out, backend) => kernels.embeddingAsync({ table: tableBf16, ids, out }, { backend }) },
  { name: 'linear f16 bias residual', dims: [3, 5, 6], run: (out, backend) => kernels.linear({ x: xl, weight: wl, bias: bl, residual: rl, out }, { backend }), async: (out, backend) => kernels.linearAsync({ x: xl, weight: wl, bias: bl, residual: rl, out }, { backend }) },
  { name: 'linear f32 one row', dims: [1, 8], run: (out, backend) => kernels.linear({ x: new Tensor(xl.data.subarray(0, 8), [1, 8]), weight: new Tensor(table.data.subarray(0, 64), [8, 8]), out }, { backend }), async: (out, backend) => kernels.linearAsync({ x: new Tensor(xl.data.subarray(0, 8), [1, 8]), weight: new Tensor(table.data.subarray(0, 64), [8, 8]), out }, { backend }) },
];

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
const garbage = (d: number[]) => new Tensor(new Float32Array(size(d)).fill(Number.NaN), d);

describe('out: written, returned, equal to the allocating call', () => {
  restoreBestIsaAfterAll();
  const drivers: [Backend, string | undefined][] = [['ts', undefined], ...isas.map((i) => ['native', i] as [Backend, string])];
  for (const [backend, isa] of drivers) {
    it.each(cases)(`%s ${backend}${isa ? ` ${isa}` : ''}`, (c) => {
      const run = () => {
        const want = c.run(undefined, backend);
        const out = garbage(c.dims);
        const got = c.run(out, backend);
        expect(got.data).toBe(out.data);
        expect(got.dims).toEqual(c.dims);
        expect(got.data).toEqual(want.data);
      };
      if (isa) withIsa(isa, run);
      else run();
    });
  }

  it.each(backends)('async variants write into out (%s)', async (backend) => {
    for (const c of cases) {
      const out = garbage(c.dims);
      const got = await c.async(out, backend);
      expect(got.data).toBe(out.data);
      expect(got.data).toEqual(c.run(undefined, backend).data);
    }
  });

  it.each(backends)('in place: add/mul with out = a, and add with out = b (same dims) (%s)', async (backend) => {
    const want = kernels.add({ a: x, b: other }, { backend }).data;
    const a = new Tensor(x.data.slice(), x.dims);
    expect(kernels.add({ a, b: other, out: a }, { backend }).data).toEqual(want);
    const b = new Tensor(other.data.slice(), other.dims);
    expect(kernels.add({ a: x, b, out: b }, { backend }).data).toEqual(want);
    const m = new Tensor(x.data.slice(), x.dims);
    await kernels.mulAsync({ a: m, b: w8, out: m }, { backend });
    expect(m.data).toEqual(kernels.mul({ a: x, b: w8 }, { backend }).data);
    // A skip connection in place: the residual stream is the projection's output.
    const r = new Tensor(rl.data.slice(), rl.dims);
    expect(kernels.linear({ x: xl, weight: wl, residual: r, out: r }, { backend }).data).toBe(r.data);
    expect(r.data).toEqual(kernels.linear({ x: xl, weight: wl, residual: rl }, { backend }).data);
  });
});

describe('out: bad arguments', () => {
  it.each(backends)('dtype, dims, detached, overlap (%s)', (backend) => {
    const o = { backend };
    expect(() => kernels.rmsNorm({ x, out: { data: new Float64Array(x.data.length), dims: x.dims } as never }, o)).toThrow(DTypeError);
    expect(() => kernels.rmsNorm({ x, out: { data: new Float64Array(x.data.length), dims: x.dims } as never }, o)).toThrow(/rmsNorm: out\.data must be a Float32Array, got Float64Array/);
    expect(() => kernels.rope({ x, positions, out: new Tensor(new Float32Array(x.data.length), [3, 5, 32]) }, o)).toThrow(ShapeError);
    expect(() => kernels.rope({ x, positions, out: new Tensor(new Float32Array(x.data.length), [3, 5, 8, 4]) }, o)).toThrow(/rope: out dims \[3, 5, 8, 4\] do not match the expected \[3, 5, 4, 8\]/);
    expect(() => kernels.embedding({ table, ids, out: new Tensor(new Float32Array(48), [6, 8]) }, o)).toThrow(/embedding: out must have rank 3/);
    const detached = new Float32Array(x.data.length);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(() => kernels.add({ a: x, b: other, out: { data: detached, dims: x.dims } }, o)).toThrow(/out has 0 elements.*detached/);
    // Overlaps: a rotation or a norm in place, a broadcast b reused as out, a partial overlap, a table.
    expect(() => kernels.rope({ x, positions, out: x }, o)).toThrow(ValueRangeError);
    expect(() => kernels.rope({ x, positions, out: x }, o)).toThrow(/rope: out shares memory with x/);
    expect(() => kernels.rmsNorm({ x, weight: w8, out: x }, o)).toThrow(/rmsNorm: out shares memory with x/);
    const wide = new Float32Array(x.data.length + 8);
    const a = new Tensor(wide.subarray(0, x.data.length), x.dims);
    const shifted = new Tensor(wide.subarray(8), x.dims);
    expect(() => kernels.add({ a, b: other, out: shifted }, o)).toThrow(/add: out shares memory with a \(only a or b may be passed as out itself\)/);
    const bcast = new Float32Array(8 * 2);
    const row = new Tensor(bcast.subarray(0, 8), [8]);
    expect(() => kernels.mul({ a: new Tensor(bcast, [2, 8]), b: row, out: new Tensor(bcast, [2, 8]) }, o)).toThrow(/mul: out shares memory with b \(only a may be passed as out itself\)/);
    const t = new Float32Array(11 * 8 + 48);
    const tbl = new Tensor(t.subarray(0, 88), [11, 8]);
    expect(() => kernels.embedding({ table: tbl, ids, out: new Tensor(t.subarray(80, 128), [2, 3, 8]) }, o)).toThrow(/embedding: out shares memory with table/);
    expect(() => kernels.linear({ x: xl, weight: wl, out: new Tensor(new Float32Array(90), [3, 5, 6, 1]) }, o)).toThrow(/linear: out must have rank 3/);
    expect(() => kernels.linear({ x: xl, weight: wl, out: new Tensor(new Float32Array(90), [3, 6, 5]) }, o)).toThrow(/linear: out dims \[3, 6, 5\] do not match the expected \[3, 5, 6\]/);
    const xo = new Float32Array(3 * 5 * 8);
    expect(() => kernels.linear({ x: new Tensor(xo, [3, 5, 8]), weight: wl, out: new Tensor(xo.subarray(0, 90), [3, 5, 6]) }, o)).toThrow(/linear: out shares memory with x/);
    const ro = new Float32Array(91);
    expect(() => kernels.linear({ x: xl, weight: wl, residual: new Tensor(ro.subarray(1), [3, 5, 6]), out: new Tensor(ro.subarray(0, 90), [3, 5, 6]) }, o)).toThrow(/linear: out shares memory with residual \(only residual may be passed as out itself\)/);
  });

  it.each(backends)('a rejected out leaves it untouched; async variants reject (%s)', async (backend) => {
    const out = garbage([3, 5, 4, 4]);
    await expect(kernels.layerNormAsync({ x, out }, { backend })).rejects.toThrow(ShapeError);
    expect(Number.isNaN(out.data[0])).toBe(true);
  });
});
