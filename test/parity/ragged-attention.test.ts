import { describe, expect, it } from 'vitest';

import { kernels, setThreads, Tensor } from '../../lib/index.js';
import type { RaggedAttentionArgs } from '../../lib/ops/index.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

interface RaggedCase {
  name: string;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Keys per row. */
  seqK: number[];
  mask?: 'random' | 'row0Full';
  bias?: boolean;
  scale?: number;
}

const cases: RaggedCase[] = [
  { name: 'one row, one key', heads: 1, kvHeads: 1, headDim: 1, seqK: [1] },
  { name: 'one row, long cache (keys split)', heads: 2, kvHeads: 1, headDim: 64, seqK: [700] },
  { name: 'LLaMA-like 8 rows', heads: 12, kvHeads: 12, headDim: 64, seqK: [9, 40, 17, 3, 128, 64, 65, 1] },
  { name: 'GQA, odd headDim, empty row', heads: 8, kvHeads: 2, headDim: 7, seqK: [5, 0, 300, 33] },
  { name: 'MQA, masks, long rows', heads: 4, kvHeads: 1, headDim: 80, seqK: [257, 513, 1], mask: 'random' },
  { name: 'a fully masked row', heads: 3, kvHeads: 3, headDim: 16, seqK: [6, 7], mask: 'row0Full' },
  { name: 'bias per row (T5), scale 1', heads: 6, kvHeads: 3, headDim: 24, seqK: [4, 19, 2], bias: true, scale: 1 },
  { name: '20 rows, headDim 17', heads: 2, kvHeads: 2, headDim: 17, seqK: Array.from({ length: 20 }, (_, i) => 1 + ((i * 37) % 90)), mask: 'random', bias: true },
  { name: 'headDim 128, GQA, a long row beside short ones', heads: 8, kvHeads: 2, headDim: 128, seqK: [3, 900, 2], mask: 'random' },
];

function make(c: RaggedCase, seed: number): RaggedAttentionArgs {
  const rng = new Rng(seed);
  const n = c.seqK.length;
  const rows = c.seqK.map((len, r) => {
    const kv = [1, len, c.kvHeads, c.headDim];
    const mask = new Uint8Array(len).map(() => (c.mask === 'random' ? (rng.next() < 0.7 ? 1 : 0) : c.mask === 'row0Full' && r === 0 ? 0 : 1));
    return {
      k: new Tensor(rng.f32(len * c.kvHeads * c.headDim), kv),
      v: new Tensor(rng.f32(len * c.kvHeads * c.headDim), kv),
      ...(c.mask ? { keyPaddingMask: new Tensor(mask, [1, len]) } : {}),
      ...(c.bias ? { bias: new Tensor(rng.f32(c.heads * len, 0.5), [c.heads, 1, len]) } : {}),
    };
  });
  return { q: new Tensor(rng.f32(n * c.heads * c.headDim), [n, 1, c.heads, c.headDim]), rows, ...(c.scale !== undefined ? { scale: c.scale } : {}) };
}

const tol = { atol: 3e-5, rtol: 1e-4, nmse: 1e-8 };
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe.runIf(nativeLoaded)('raggedAttention: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(cases.map((c, i) => ({ ...c, seed: 40 + i })))(`${isa} $name`, (c) => {
      const args = make(c, c.seed);
      const ref = kernels.raggedAttention(args, { backend: 'ts' });
      for (const threads of [1, 2, 3]) {
        setThreads(threads);
        const got = withIsa(isa, () => kernels.raggedAttention(args, { backend: 'native' }));
        expect(got.dims).toEqual([c.seqK.length, 1, c.heads, c.headDim]);
        expect(got.data.every(Number.isFinite)).toBe(true);
        expectClose(got.data, ref.data, tol, `ragged/${isa}/${c.name}/t${threads}`);
      }
      setThreads(2);
    });
  }

  it.each(isas)('async resolves the sync result (%s)', async (isa) => {
    for (const [i, c] of cases.entries()) {
      const args = make(c, 70 + i);
      const sync = withIsa(isa, () => kernels.raggedAttention(args, { backend: 'native' }));
      const got = await withIsa(isa, () => kernels.raggedAttentionAsync(args, { backend: 'native' }));
      expectClose(got.data, sync.data, { atol: 0, rtol: 0 }, `async/${isa}/${c.name}`);
    }
  });
});

describe('raggedAttention: semantics on both backends', () => {
  // Natively a lone row with a long cache splits its keys over threads, which rounds differently.
  it.each(backends)('row r equals attention over row r alone (%s)', (backend) => {
    const same = backend === 'ts' ? { atol: 0, rtol: 0 } : { atol: 1e-6, rtol: 1e-5 };
    for (const [i, c] of cases.entries()) {
      const args = make(c, 90 + i);
      const got = kernels.raggedAttention(args, { backend });
      const n = c.heads * c.headDim;
      args.rows.forEach((row, r) => {
        const q = new Tensor((args.q.data as Float32Array).slice(r * n, (r + 1) * n), [1, 1, c.heads, c.headDim]);
        const alone = kernels.attention({ q, ...row, scale: args.scale, causal: true }, { backend });
        expectClose(got.data.subarray(r * n, (r + 1) * n), alone.data, same, `${backend}/${c.name}/row${r}`);
      });
    }
  });

  it.each(backends)('no rows gives an empty result; a row without keys is zeros (%s)', (backend) => {
    expect(kernels.raggedAttention({ q: new Tensor(new Float32Array(0), [0, 1, 4, 8]), rows: [] }, { backend }).dims).toEqual([0, 1, 4, 8]);
    const empty = new Tensor(new Float32Array(0), [1, 0, 2, 8]);
    const out = kernels.raggedAttention({ q: new Tensor(new Float32Array(32).fill(1), [1, 1, 4, 8]), rows: [{ k: empty, v: empty }] }, { backend });
    expect(out.data).toEqual(new Float32Array(32));
  });

  it.each(backends)('bare typed arrays are accepted for keyPaddingMask and bias (%s)', (backend) => {
    const args = make(cases[6], 5);
    const withMask = { ...args, rows: args.rows.map((r) => ({ ...r, keyPaddingMask: new Tensor(new Uint8Array(r.k.dims[1]).fill(1), [1, r.k.dims[1]]) })) };
    const asTensors = kernels.raggedAttention(withMask, { backend });
    const bare = kernels.raggedAttention(
      { ...args, rows: withMask.rows.map((r) => ({ ...r, keyPaddingMask: (r.keyPaddingMask as Tensor<Uint8Array>).data, bias: (r.bias as Tensor).data })) },
      { backend },
    );
    expectClose(bare.data, asTensors.data, { atol: 0, rtol: 0 }, 'bare');
  });
});

describe('raggedAttention: bad arguments', () => {
  const t = (dims: number[]) => new Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  const q = t([2, 1, 4, 8]);
  const row = { k: t([1, 3, 2, 8]), v: t([1, 3, 2, 8]) };
  const shape = (msg: string) => expect.objectContaining({ name: 'ShapeError', code: 'ERR_SHAPE', message: expect.stringContaining(msg) });
  const dtype = (msg: string) => expect.objectContaining({ name: 'DTypeError', code: 'ERR_DTYPE', message: expect.stringContaining(msg) });
  const range = (msg: string) => expect.objectContaining({ name: 'ValueRangeError', code: 'ERR_RANGE', message: expect.stringContaining(msg) });

  it.each(backends)('rejects wrong dtypes, shapes and options with friendly messages (%s)', async (backend) => {
    const run = (args: Record<string, unknown>) => () => kernels.raggedAttention({ q, rows: [row, row], ...args } as never, { backend });
    expect(run({})).not.toThrow();
    expect(run({ q: t([2, 2, 4, 8]) })).toThrow(shape('raggedAttention: q must hold one query per row'));
    expect(run({ q: t([2, 4, 8]) })).toThrow(shape('raggedAttention: q must have rank 4'));
    expect(run({ rows: [row] })).toThrow(shape('raggedAttention: rows has 1 entries, q has 2 rows'));
    expect(run({ rows: 'x' })).toThrow(shape('raggedAttention: rows must be an array'));
    expect(run({ rows: [row, null] })).toThrow(dtype('raggedAttention: expected an argument object'));
    expect(run({ rows: [row, { ...row, k: t([1, 3, 2, 7]) }] })).toThrow(shape('raggedAttention: rows[1].k dims [1, 3, 2, 7] do not match the expected [1, *, 2, 8]'));
    expect(run({ rows: [row, { k: t([1, 3, 1, 8]), v: t([1, 3, 1, 8]) }] })).toThrow(shape('rows[1].k dims [1, 3, 1, 8] do not match the expected [1, *, 2, 8]'));
    expect(run({ rows: [row, { ...row, v: t([1, 4, 2, 8]) }] })).toThrow(shape('raggedAttention: rows[1].v dims [1, 4, 2, 8] do not match the expected [1, 3, 2, 8]'));
    expect(run({ rows: [row, { ...row, k: { data: new Float64Array(48), dims: [1, 3, 2, 8] } }] })).toThrow(dtype('rows[1].k.data must be a Float32Array, got Float64Array'));
    const three = { k: t([1, 3, 3, 8]), v: t([1, 3, 3, 8]) };
    expect(run({ rows: [three, three] })).toThrow(shape('heads (4) must be a multiple of kvHeads (3'));
    expect(run({ rows: [row, { ...row, keyPaddingMask: new Uint8Array(4) }] })).toThrow(shape('rows[1].keyPaddingMask has 4 elements, expected 3 ([1, 3])'));
    expect(run({ rows: [row, { ...row, keyPaddingMask: new Float32Array(3) }] })).toThrow(dtype('keyPaddingMask must be a Uint8Array or a tensor of one'));
    expect(run({ rows: [row, { ...row, bias: t([4, 3, 1]) }] })).toThrow(shape('rows[1].bias dims [4, 3, 1] do not match the expected [4, 1, 3]'));
    expect(run({ scale: Number.NaN })).toThrow(range('raggedAttention: scale must be finite, got NaN'));
    const many = Array.from({ length: 257 }, () => row);
    expect(() => kernels.raggedAttention({ q: t([257, 1, 4, 8]), rows: many }, { backend })).toThrow(range('at most 256 rows per call, got 257'));
    expect(() => kernels.raggedAttention(null as never, { backend })).toThrow(dtype('raggedAttention: expected an argument object'));
    await expect(kernels.raggedAttentionAsync({ q, rows: [row] }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.each(backends)('refuses a detached buffer (%s)', (backend) => {
    const k = t([1, 3, 2, 8]);
    structuredClone(k.data.buffer, { transfer: [k.data.buffer] });
    expect(() => kernels.raggedAttention({ q, rows: [row, { k, v: row.v }] }, { backend })).toThrow(shape('is its buffer detached?'));
  });

  it.runIf(nativeLoaded)('the addon itself checks every dim, length and option', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const base = {
      q: new Float32Array(64), out: new Float32Array(64), rows: 2, heads: 4, kvHeads: 2, headDim: 8, scale: 0.5,
      seqK0: 3, k0: new Float32Array(48), v0: new Float32Array(48), seqK1: 0, k1: new Float32Array(0), v1: new Float32Array(0),
    };
    const call = (over: Record<string, unknown>) => () => nativeKernel('raggedAttention')({ ...base, ...over });
    const err = (code: string, message: string) => expect.objectContaining({ code, message: expect.stringContaining(message) });
    expect(call({})).not.toThrow();
    expect(call({ out: new Float32Array(63) })).toThrow(err('ERR_SHAPE', 'raggedAttention: out has 63 elements, its dims imply 64'));
    expect(call({ rows: 257, q: new Float32Array(257 * 32), out: new Float32Array(257 * 32) })).toThrow(err('ERR_RANGE', 'rows must be an integer in [0, 256]'));
    expect(call({ kvHeads: 3 })).toThrow(err('ERR_SHAPE', 'heads (4) must be a multiple of kvHeads (3)'));
    expect(call({ seqK1: undefined })).toThrow(err('ERR_DTYPE', 'seqK1 must be a number'));
    expect(call({ seqK0: 4 })).toThrow(err('ERR_SHAPE', 'raggedAttention: k0 has 48 elements, its dims imply 64'));
    expect(call({ seqK0: -1 })).toThrow(err('ERR_RANGE', 'seqK0 must be an integer'));
    expect(call({ v0: new Float32Array(47) })).toThrow(err('ERR_SHAPE', 'v0 has 47 elements'));
    expect(call({ k1: undefined })).toThrow(err('ERR_DTYPE', 'k1'));
    expect(call({ keyMask0: new Uint8Array(3), bias0: new Float32Array(12) })).not.toThrow();
    expect(call({ keyMask0: new Uint8Array(2) })).toThrow(err('ERR_SHAPE', 'keyMask0 has 2 elements'));
    expect(call({ keyMask0: new Float32Array(3) })).toThrow(err('ERR_DTYPE', 'keyMask0 must be a Uint8Array'));
    expect(call({ bias0: new Float32Array(11) })).toThrow(err('ERR_SHAPE', 'bias0 has 11 elements'));
    expect(call({ scale: Infinity })).toThrow(err('ERR_RANGE', 'scale must be finite'));
    const detached = new Float32Array(48);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(call({ v0: detached })).toThrow(err('ERR_DTYPE', 'detached'));
    await expect(nativeKernel('raggedAttention')({ ...base, out: new Float32Array(1) }, true)).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });
});
