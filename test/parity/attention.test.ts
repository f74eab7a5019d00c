import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { attentionCases, makeAttentionArgs } from '../cases/attention.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';

describe.runIf(nativeLoaded)('attention: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(attentionCases)(`${isa} $name`, (c) => {
      const args = c.make();
      const ref = kernels.attention(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.attention(args, { backend: 'native' }));
      expect(got.dims).toEqual([c.batch, c.seqQ, c.heads, c.headDim]);
      expect(got.data.every(Number.isFinite)).toBe(true);
      expectClose(got.data, ref.data, { ...c.tol, nmse: 1e-8 }, `attention/${isa}/${c.name}`);
    });
  }

  it.each(isas)('NaN in q or k reaches the same outputs as in the twin (%s)', (isa) => {
    for (const shape of [
      { batch: 1, seqQ: 5, seqK: 70, heads: 2, kvHeads: 2, headDim: 16 },
      { batch: 1, seqQ: 1, seqK: 700, heads: 2, kvHeads: 1, headDim: 16 },
    ]) {
      const args = makeAttentionArgs(shape, 17);
      args.q.data[3] = Number.NaN;
      args.k.data[shape.kvHeads * 16 * 3 + 5] = Number.NaN;
      const ref = kernels.attention(args, { backend: 'ts' });
      expect(ref.data.some(Number.isNaN)).toBe(true);
      const got = withIsa(isa, () => kernels.attention(args, { backend: 'native' }));
      expectClose(got.data, ref.data, { atol: 3e-5, rtol: 1e-4, nmse: 1e-8 }, `nan/${isa}/q${shape.seqQ}`);
    }
  });

  it.each(isas)('async resolves the sync result (%s)', async (isa) => {
    for (const c of attentionCases.filter((x) => x.seqQ === 1 || x.causal)) {
      const args = c.make();
      const sync = withIsa(isa, () => kernels.attention(args, { backend: 'native' }));
      const got = await withIsa(isa, () => kernels.attentionAsync(args, { backend: 'native' }));
      expectClose(got.data, sync.data, { atol: 0, rtol: 0 }, `async/${isa}/${c.name}`);
    }
  });
});

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe('attention: semantics on both backends', () => {
  it.each(backends)('a decode step over a cache equals the last row of full causal attention (%s)', (backend) => {
    const [seq, heads, kvHeads, headDim] = [300, 4, 1, 24];
    const full = makeAttentionArgs({ batch: 1, seqQ: seq, seqK: seq, heads, kvHeads, headDim, causal: true }, 99);
    const all = kernels.attention(full, { backend });
    const rowLen = heads * headDim;
    const qLast = new Tensor(full.q.data.slice((seq - 1) * rowLen), [1, 1, heads, headDim]);
    const step = kernels.attention({ q: qLast, k: full.k, v: full.v, causal: true }, { backend });
    expectClose(step.data, all.data.subarray((seq - 1) * rowLen), { atol: 2e-6, rtol: 1e-5 }, `decode/${backend}`);
  });

  it('seqK = 4096 runs on both backends and they agree', () => {
    const args = makeAttentionArgs({ batch: 1, seqQ: 4096, seqK: 4096, heads: 1, kvHeads: 1, headDim: 8, causal: true }, 5);
    const ts = kernels.attention(args, { backend: 'ts' });
    expect(ts.dims).toEqual([1, 4096, 1, 8]);
    if (nativeLoaded) expectClose(kernels.attention(args, { backend: 'native' }).data, ts.data, { atol: 3e-5, rtol: 1e-4 }, 'seqK4096');
  });

  it.each(backends)('defaults: scale 1/sqrt(headDim), not causal; zero keys give zeros (%s)', (backend) => {
    const args = makeAttentionArgs({ batch: 1, seqQ: 4, seqK: 6, heads: 2, kvHeads: 2, headDim: 9 }, 3);
    const explicit = kernels.attention({ ...args, scale: 1 / 3, causal: false }, { backend });
    expectClose(kernels.attention({ q: args.q, k: args.k, v: args.v }, { backend }).data, explicit.data, { atol: 0, rtol: 0 }, 'defaults');
    const empty = new Tensor(new Float32Array(0), [1, 0, 2, 9]);
    const out = kernels.attention({ q: args.q, k: empty, v: empty }, { backend });
    expect(out.data).toEqual(new Float32Array(4 * 2 * 9));
  });

  it.each(backends)('bare typed arrays are accepted for keyPaddingMask and bias (%s)', (backend) => {
    const args = makeAttentionArgs({ batch: 2, seqQ: 3, seqK: 5, heads: 2, kvHeads: 2, headDim: 4, mask: 'random', bias: 'batched' }, 8);
    const asTensors = kernels.attention(args, { backend });
    const bare = kernels.attention(
      { ...args, keyPaddingMask: (args.keyPaddingMask as Tensor<Uint8Array>).data, bias: (args.bias as Tensor).data },
      { backend },
    );
    expectClose(bare.data, asTensors.data, { atol: 0, rtol: 0 }, 'bare');
  });
});

describe('attention: bad arguments', () => {
  const t = (dims: number[]) => new Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  const q = t([1, 2, 4, 8]);
  const k = t([1, 3, 2, 8]);
  const shape = (msg: string) => expect.objectContaining({ name: 'ShapeError', code: 'ERR_SHAPE', message: expect.stringContaining(msg) });
  const dtype = (msg: string) => expect.objectContaining({ name: 'DTypeError', code: 'ERR_DTYPE', message: expect.stringContaining(msg) });
  const range = (msg: string) => expect.objectContaining({ name: 'ValueRangeError', code: 'ERR_RANGE', message: expect.stringContaining(msg) });

  it.each(backends)('rejects wrong dtypes, shapes and options with friendly messages (%s)', async (backend) => {
    const run = (args: Record<string, unknown>) => () => kernels.attention({ q, k, v: k, ...args } as never, { backend });
    expect(run({ q: { data: new Float64Array(64), dims: [1, 2, 4, 8] } })).toThrow(dtype('attention: q.data must be a Float32Array, got Float64Array'));
    expect(run({ q: t([2, 4, 8]) })).toThrow(shape('attention: q must have rank 4, got dims [2, 4, 8]'));
    expect(run({ k: t([1, 3, 2, 7]) })).toThrow(shape('attention: k dims [1, 3, 2, 7] do not match the expected [1, *, *, 8]'));
    expect(run({ k: t([2, 3, 2, 8]) })).toThrow(shape('attention: k dims [2, 3, 2, 8] do not match the expected [1, *, *, 8]'));
    expect(run({ v: t([1, 4, 2, 8]) })).toThrow(shape('attention: v dims [1, 4, 2, 8] do not match the expected [1, 3, 2, 8]'));
    expect(run({ k: t([1, 3, 3, 8]), v: t([1, 3, 3, 8]) })).toThrow(shape('heads (4, q dims [1, 2, 4, 8]) must be a multiple of kvHeads (3'));
    expect(run({ bias: t([4, 3, 2]) })).toThrow(shape('attention: bias dims [4, 3, 2] do not match the expected [4, 2, 3] or [1, 4, 2, 3]'));
    expect(run({ bias: new Float32Array(5) })).toThrow(shape('attention: bias has 5 elements, expected 24 ([4, 2, 3]) or 24 ([1, 4, 2, 3])'));
    expect(run({ keyPaddingMask: new Float32Array(3) })).toThrow(dtype('keyPaddingMask must be a Uint8Array or a tensor of one, got Float32Array'));
    expect(run({ keyPaddingMask: new Tensor(new Uint8Array(4), [1, 4]) })).toThrow(shape('keyPaddingMask dims [1, 4] do not match the expected [1, 3]'));
    expect(run({ scale: Number.NaN })).toThrow(range('attention: scale must be finite, got NaN'));
    expect(run({ scale: '1' })).toThrow(dtype('attention: scale must be a number, got string'));
    expect(run({ causal: 1 })).toThrow(dtype('attention: causal must be a boolean, got number'));
    expect(() => kernels.attention(null as never, { backend })).toThrow(dtype('attention: expected an argument object'));
    await expect(kernels.attentionAsync({ q, k: t([1, 3, 2, 7]), v: k }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.each(backends)('refuses a detached buffer (%s)', (backend) => {
    const qd = t([1, 2, 4, 8]);
    structuredClone(qd.data.buffer, { transfer: [qd.data.buffer] });
    expect(() => kernels.attention({ q: qd, k, v: k }, { backend })).toThrow(shape('is its buffer detached?'));
  });

  it.runIf(nativeLoaded)('the addon itself checks every dim, length and option', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const base = {
      q: new Float32Array(64), k: new Float32Array(48), v: new Float32Array(48), out: new Float32Array(64),
      batch: 1, seqQ: 2, seqK: 3, heads: 4, kvHeads: 2, headDim: 8, scale: 0.5, causal: false, biasBatched: false,
    };
    const call = (over: Record<string, unknown>) => () => nativeKernel('attention')({ ...base, ...over });
    expect(call({})).not.toThrow();
    expect(call({ out: new Float32Array(63) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: 'attention: out has 63 elements, its dims imply 64' }));
    expect(call({ kvHeads: 3 })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('heads (4) must be a multiple of kvHeads (3)') }));
    expect(call({ headDim: 0 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining('headDim must be an integer in [1,') }));
    expect(call({ seqK: 2.5 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ scale: Infinity })).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining('scale must be finite') }));
    expect(call({ scale: 1e300 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining('finite as a float32') }));
    expect(call({ bias: new Float32Array(24), biasBatched: true, batch: 1 })).not.toThrow();
    expect(call({ bias: new Float32Array(23) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: 'attention: bias has 23 elements, its dims imply 24' }));
    expect(call({ keyMask: new Float32Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: 'attention: keyMask must be a Uint8Array' }));
    expect(call({ keyMask: new Uint8Array(4) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ causal: 'yes' })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: 'attention: causal must be a boolean' }));
    const detached = new Float32Array(48);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(call({ v: detached })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE', message: expect.stringContaining('detached') }));
    await expect(nativeKernel('attention')({ ...base, out: new Float32Array(1) }, true)).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });
});
