// attention and raggedAttention with K/V stored as f16 (an f16 KV cache): native (every ISA) vs
// the TS twin, f16 K/V vs f32 K/V holding the same rounded values, and the argument checks.
import { describe, expect, it } from 'vitest';

import { kernels, setThreads, Tensor } from '../../lib/index.js';
import { f32ToF16 } from '../../lib/kernels/half.js';
import type { AttentionArgs, KvTensor, RaggedAttentionArgs } from '../../lib/ops/index.js';
import { attentionCases } from '../cases/attention.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

/** t as f16 bits, and t's values rounded to f16 (decoded independently of lib/kernels/half.ts). */
function halve(t: KvTensor): { f16: KvTensor; rounded: Tensor } {
  const bits = Uint16Array.from(t.data as Float32Array, f32ToF16);
  return { f16: { data: bits, dims: t.dims, dtype: 'f16' }, rounded: new Tensor(Float32Array.from(bits, f16Value), t.dims) };
}

function f16Value(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The case's arguments with f16 K/V, and the same call with the rounded values as f32. */
function f16Args(args: AttentionArgs): { half: AttentionArgs; rounded: AttentionArgs } {
  const k = halve(args.k);
  const v = halve(args.v);
  return { half: { ...args, k: k.f16, v: v.f16 }, rounded: { ...args, k: k.rounded, v: v.rounded } };
}

const tol = { atol: 3e-5, rtol: 1e-4, nmse: 1e-8 };
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe.runIf(nativeLoaded)('attention, f16 K/V: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(attentionCases)(`${isa} $name`, (c) => {
      const { half } = f16Args(c.make());
      const ref = kernels.attention(half, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.attention(half, { backend: 'native' }));
      expect(got.dims).toEqual([c.batch, c.seqQ, c.heads, c.headDim]);
      expect(got.data.every(Number.isFinite)).toBe(true);
      expectClose(got.data, ref.data, tol, `attention-f16/${isa}/${c.name}`);
    });
  }

  it.each(isas)('async resolves the sync result (%s)', async (isa) => {
    for (const c of attentionCases.filter((x) => x.seqQ === 1 || x.causal)) {
      const { half } = f16Args(c.make());
      const sync = withIsa(isa, () => kernels.attention(half, { backend: 'native' }));
      const got = await withIsa(isa, () => kernels.attentionAsync(half, { backend: 'native' }));
      expectClose(got.data, sync.data, { atol: 0, rtol: 0 }, `async-f16/${isa}/${c.name}`);
    }
  });
});

describe('attention, f16 K/V: the same values as f32 give the same result', () => {
  // Widening f16 is exact and both paths then run the same f32 arithmetic in the same order.
  it.each(backends)('every case (%s)', (backend) => {
    for (const c of attentionCases) {
      const { half, rounded } = f16Args(c.make());
      const a = kernels.attention(half, { backend });
      const b = kernels.attention(rounded, { backend });
      expectClose(a.data, b.data, { atol: 0, rtol: 0 }, `f16-vs-f32/${backend}/${c.name}`);
    }
  });

  it.runIf(nativeLoaded).each(isas)('every ISA, decode and prefill (%s)', (isa) => {
    for (const c of attentionCases) {
      const { half, rounded } = f16Args(c.make());
      const a = withIsa(isa, () => kernels.attention(half, { backend: 'native' }));
      const b = withIsa(isa, () => kernels.attention(rounded, { backend: 'native' }));
      expectClose(a.data, b.data, { atol: 0, rtol: 0 }, `f16-vs-f32/${isa}/${c.name}`);
    }
  });

  it.each(backends)('a decode step over an f16 cache equals the last row of causal attention with an offset (%s)', (backend) => {
    const [seq, heads, kvHeads, headDim] = [150, 6, 2, 20];
    const rng = new Rng(21);
    const q = new Tensor(rng.f32(seq * heads * headDim), [1, seq, heads, headDim]);
    const kv = [1, seq, kvHeads, headDim];
    const k = halve(new Tensor(rng.f32(seq * kvHeads * headDim), kv));
    const v = halve(new Tensor(rng.f32(seq * kvHeads * headDim), kv));
    // The last 5 queries after a cache of seq - 5 keys (causal with an offset), then one decode step.
    const tail = new Tensor(q.data.slice((seq - 5) * heads * headDim), [1, 5, heads, headDim]);
    const chunk = kernels.attention({ q: tail, k: k.f16, v: v.f16, causal: true }, { backend });
    const full = kernels.attention({ q, k: k.rounded, v: v.rounded, causal: true }, { backend });
    expectClose(chunk.data, full.data.subarray((seq - 5) * heads * headDim), tol, `offset/${backend}`);
    const last = new Tensor(q.data.slice((seq - 1) * heads * headDim), [1, 1, heads, headDim]);
    const step = kernels.attention({ q: last, k: k.f16, v: v.f16, causal: true }, { backend });
    expectClose(step.data, full.data.subarray((seq - 1) * heads * headDim), tol, `decode/${backend}`);
  });
});

function raggedArgs(seqK: number[], heads: number, kvHeads: number, headDim: number, seed: number): { half: RaggedAttentionArgs; rounded: RaggedAttentionArgs } {
  const rng = new Rng(seed);
  const halfRows: RaggedAttentionArgs['rows'] = [];
  const roundedRows: RaggedAttentionArgs['rows'] = [];
  seqK.forEach((len, r) => {
    const dims = [1, len, kvHeads, headDim];
    const k = halve(new Tensor(rng.f32(len * kvHeads * headDim), dims));
    const v = halve(new Tensor(rng.f32(len * kvHeads * headDim), dims));
    const extra = {
      ...(r % 2 ? { keyPaddingMask: new Tensor(new Uint8Array(len).map(() => (rng.next() < 0.8 ? 1 : 0)), [1, len]) } : {}),
      ...(r % 3 === 2 ? { bias: new Tensor(rng.f32(heads * len, 0.5), [heads, 1, len]) } : {}),
    };
    halfRows.push({ k: k.f16, v: v.f16, ...extra });
    roundedRows.push({ k: k.rounded, v: v.rounded, ...extra });
  });
  const q = new Tensor(rng.f32(seqK.length * heads * headDim), [seqK.length, 1, heads, headDim]);
  return { half: { q, rows: halfRows }, rounded: { q, rows: roundedRows } };
}

const raggedCases = [
  { name: 'one row, one key', seqK: [1], heads: 1, kvHeads: 1, headDim: 1 },
  { name: 'one long row (keys split)', seqK: [700], heads: 2, kvHeads: 1, headDim: 64 },
  { name: 'LLaMA-like 8 rows', seqK: [9, 40, 17, 3, 128, 64, 65, 1], heads: 12, kvHeads: 12, headDim: 64 },
  { name: 'GQA, odd headDim, empty row', seqK: [5, 0, 300, 33], heads: 8, kvHeads: 2, headDim: 7 },
  { name: '20 rows, headDim 17', seqK: Array.from({ length: 20 }, (_, i) => 1 + ((i * 37) % 90)), heads: 2, kvHeads: 2, headDim: 17 },
];

describe('raggedAttention, f16 K/V', () => {
  restoreBestIsaAfterAll();
  it.runIf(nativeLoaded).each(isas)('native vs TS twin, and f16 vs the same values in f32 (%s)', (isa) => {
    for (const [i, c] of raggedCases.entries()) {
      const { half, rounded } = raggedArgs(c.seqK, c.heads, c.kvHeads, c.headDim, 300 + i);
      const ref = kernels.raggedAttention(half, { backend: 'ts' });
      for (const threads of [1, 2, 3]) {
        setThreads(threads);
        const got = withIsa(isa, () => kernels.raggedAttention(half, { backend: 'native' }));
        expectClose(got.data, ref.data, tol, `ragged-f16/${isa}/${c.name}/t${threads}`);
        const same = withIsa(isa, () => kernels.raggedAttention(rounded, { backend: 'native' }));
        expectClose(got.data, same.data, { atol: 0, rtol: 0 }, `ragged-f16-vs-f32/${isa}/${c.name}/t${threads}`);
      }
      setThreads(2);
    }
  });

  it('TS: f16 equals the same values in f32', () => {
    for (const [i, c] of raggedCases.entries()) {
      const { half, rounded } = raggedArgs(c.seqK, c.heads, c.kvHeads, c.headDim, 400 + i);
      expectClose(kernels.raggedAttention(half, { backend: 'ts' }).data, kernels.raggedAttention(rounded, { backend: 'ts' }).data, { atol: 0, rtol: 0 }, c.name);
    }
  });

  it.each(backends)('async resolves the sync result (%s)', async (backend) => {
    const { half } = raggedArgs([3, 70, 1], 4, 2, 24, 9);
    const sync = kernels.raggedAttention(half, { backend });
    expectClose((await kernels.raggedAttentionAsync(half, { backend })).data, sync.data, { atol: 0, rtol: 0 }, `async/${backend}`);
  });
});

describe('f16 K/V: bad arguments', () => {
  const dtype = (msg: string) => expect.objectContaining({ name: 'DTypeError', code: 'ERR_DTYPE', message: expect.stringContaining(msg) });
  const shape = (msg: string) => expect.objectContaining({ name: 'ShapeError', code: 'ERR_SHAPE', message: expect.stringContaining(msg) });
  const q = new Tensor(new Float32Array(64), [1, 2, 4, 8]);
  const k32 = new Tensor(new Float32Array(48), [1, 3, 2, 8]);
  const k16: KvTensor = { data: new Uint16Array(48), dims: [1, 3, 2, 8], dtype: 'f16' };

  it.each(backends)('attention: mixed, unknown or untagged dtypes and wrong lengths (%s)', (backend) => {
    const run = (args: Record<string, unknown>) => () => kernels.attention({ q, k: k16, v: k16, ...args } as never, { backend });
    expect(run({})).not.toThrow();
    expect(run({ v: k32 })).toThrow(dtype('attention: k is f16 but v is f32; K and V must share a dtype'));
    expect(run({ k: k32 })).toThrow(dtype('attention: k is f32 but v is f16; K and V must share a dtype'));
    expect(run({ k: { ...k16, dtype: 'bf16' } })).toThrow(dtype(`attention: k.dtype must be 'f32' or 'f16', got "bf16"`));
    expect(run({ v: { data: new Uint16Array(48), dims: [1, 3, 2, 8] } })).toThrow(dtype(`attention: v holds a Uint16Array without dtype 'f16'`));
    expect(run({ k: { ...k16, data: new Float32Array(48) } })).toThrow(dtype('attention: k.data must be a Uint16Array, got Float32Array'));
    expect(run({ k: { ...k16, data: new Uint16Array(47) } })).toThrow(shape('attention: k has 47 elements, dims [1, 3, 2, 8] imply 48'));
    expect(run({ v: { ...k16, dims: [1, 4, 2, 8], data: new Uint16Array(64) } })).toThrow(shape('attention: v dims [1, 4, 2, 8] do not match the expected [1, 3, 2, 8]'));
  });

  it.each(backends)('raggedAttention: rows must share one K/V dtype (%s)', (backend) => {
    const rq = new Tensor(new Float32Array(2 * 4 * 8), [2, 1, 4, 8]);
    const row16 = { k: k16, v: k16 };
    const row32 = { k: k32, v: k32 };
    expect(() => kernels.raggedAttention({ q: rq, rows: [row16, row16] }, { backend })).not.toThrow();
    expect(() => kernels.raggedAttention({ q: rq, rows: [row16, row32] }, { backend })).toThrow(
      dtype("raggedAttention: rows[1] K/V are f32 but rows[0]'s are f16; every row must share one dtype"),
    );
    expect(() => kernels.raggedAttention({ q: rq, rows: [row16, { k: k16, v: k32 }] }, { backend })).toThrow(
      dtype('raggedAttention: rows[1].k is f16 but rows[1].v is f32; K and V must share a dtype'),
    );
  });

  it.runIf(nativeLoaded)('the addon checks kvDtype and counts lengths in elements of it', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const base = {
      q: new Float32Array(64), k: new Uint16Array(48), v: new Uint16Array(48), out: new Float32Array(64), kvDtype: 'f16',
      batch: 1, seqQ: 2, seqK: 3, heads: 4, kvHeads: 2, headDim: 8, scale: 0.5, causal: false, biasBatched: false,
    };
    const call = (over: Record<string, unknown>) => () => nativeKernel('attention')({ ...base, ...over });
    expect(call({})).not.toThrow();
    expect(call({ k: new Float32Array(48) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: 'attention: k must be a Uint16Array' }));
    expect(call({ kvDtype: 'f32' })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: 'attention: k must be a Float32Array' }));
    expect(call({ v: new Uint16Array(24) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: 'attention: v has 24 elements, its dims imply 48' }));
    expect(call({ kvDtype: 'bf16' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: "attention: unknown kvDtype 'bf16' (f32, f16)" }));
    const ragged = {
      q: new Float32Array(32), out: new Float32Array(32), rows: 1, heads: 4, kvHeads: 2, headDim: 8, scale: 0.5, kvDtype: 'f16',
      seqK0: 3, k0: new Uint16Array(48), v0: new Uint16Array(48),
    };
    const rcall = (over: Record<string, unknown>) => () => nativeKernel('raggedAttention')({ ...ragged, ...over });
    expect(rcall({})).not.toThrow();
    expect(rcall({ v0: new Float32Array(48) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: 'raggedAttention: v0 must be a Uint16Array' }));
    expect(rcall({ k0: new Uint16Array(47) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: 'raggedAttention: k0 has 47 elements, its dims imply 48' }));
    expect(rcall({ kvDtype: 'int8' })).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: "raggedAttention: unknown kvDtype 'int8' (f32, f16)" }));
  });
});
