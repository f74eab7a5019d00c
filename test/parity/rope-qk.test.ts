// ropeQk: q and k rotated at the same positions in one call (attention's two rotations). Native
// (every ISA) vs the TS twin, equal to two rope calls on each backend, and bad arguments on both
// backends and directly against the addon.
import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { type RopeCase, ropeCases } from '../cases/rope.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const tol = { atol: 2e-6, rtol: 2e-6 };

/** A case's q with a k of kHeads heads (1, fewer, as many or more heads than q). */
function argsOf(c: RopeCase, kHeads: number) {
  const [batch, seq, , headDim] = c.dims;
  return {
    q: new Tensor(c.x(), c.dims),
    k: new Tensor(new Rng(kHeads * 31 + headDim).f32(batch * seq * kHeads * headDim), [batch, seq, kHeads, headDim]),
    positions: new Tensor(c.positions(), c.dims.slice(0, 2)),
    theta: c.theta,
    rotaryDim: c.rotaryDim,
    style: c.style,
    attentionScaling: c.attentionScaling,
  };
}
const kHeadsOf = (c: RopeCase) => [1, c.dims[2] + 3];

describe('ropeQk equals two rope calls', () => {
  for (const backend of backends) {
    it.each(ropeCases)(`${backend} $name`, (c) => {
      for (const kHeads of kHeadsOf(c)) {
        const { q, k, ...o } = argsOf(c, kHeads);
        const got = kernels.ropeQk({ q, k, ...o }, { backend });
        expect(got.q.dims).toEqual(q.dims);
        expect(got.k.dims).toEqual(k.dims);
        expect(Array.from(got.q.data)).toEqual(Array.from(kernels.rope({ x: q, ...o }, { backend }).data));
        expect(Array.from(got.k.data)).toEqual(Array.from(kernels.rope({ x: k, ...o }, { backend }).data));
      }
    });
  }
});

describe.runIf(nativeLoaded)('ropeQk: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(ropeCases)(`${isa} $name`, (c) => {
      for (const kHeads of kHeadsOf(c)) {
        const args = argsOf(c, kHeads);
        const ref = kernels.ropeQk(args, { backend: 'ts' });
        const got = withIsa(isa, () => kernels.ropeQk(args, { backend: 'native' }));
        expectClose(got.q.data, ref.q.data, tol, `q/${isa}/${c.name}/k${kHeads}`);
        expectClose(got.k.data, ref.k.data, tol, `k/${isa}/${c.name}/k${kHeads}`);
      }
    });
  }

  it('a k with no heads leaves q as rope does', () => {
    const c = ropeCases[4];
    const { q, k: _k, ...o } = argsOf(c, 1);
    const k = new Tensor(new Float32Array(0), [c.dims[0], c.dims[1], 0, c.dims[3]]);
    const got = kernels.ropeQk({ q, k, ...o }, { backend: 'native' });
    expect(Array.from(got.q.data)).toEqual(Array.from(kernels.rope({ x: q, ...o }, { backend: 'native' }).data));
    expect(got.k.data.length).toBe(0);
  });
});

describe('ropeQk: async', () => {
  it.each(backends)('resolves the sync result (%s)', async (backend) => {
    const args = argsOf(ropeCases[6], 1);
    const sync = kernels.ropeQk(args, { backend });
    const got = await kernels.ropeQkAsync(args, { backend });
    expect(Array.from(got.q.data)).toEqual(Array.from(sync.q.data));
    expect(Array.from(got.k.data)).toEqual(Array.from(sync.k.data));
  });
});

describe('ropeQk: bad arguments', () => {
  it.each(backends)('reject a k that does not fit q, and rope\'s own bad options (%s)', async (backend) => {
    const q = new Tensor(new Float32Array(2 * 3 * 8), [1, 2, 3, 8]);
    const positions = new Tensor(new Int32Array(2), [1, 2]);
    const k = (dims: number[]) => new Tensor(new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);
    const bad = (args: Record<string, unknown>) => () => kernels.ropeQk({ q, k: k([1, 2, 1, 8]), positions, ...args } as never, { backend });
    expect(bad({})).not.toThrow();
    for (const dims of [[2, 2, 1, 8], [1, 1, 1, 8], [1, 2, 1, 6], [1, 2, 8]]) {
      expect(bad({ k: k(dims) })).toThrow(expect.objectContaining({ name: 'ShapeError', message: expect.stringContaining('k') }));
    }
    expect(bad({ k: { data: new Float64Array(16), dims: [1, 2, 1, 8] } })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(bad({ k: undefined })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(bad({ q: undefined })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(bad({ rotaryDim: 5 })).toThrow(expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining('ropeQk: rotaryDim') }));
    expect(bad({ positions: new Tensor(new Int32Array(3), [1, 3]) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(bad({ invFreq: new Float32Array(3) })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    await expect(kernels.ropeQkAsync({ q, k: k([1, 2, 1, 6]), positions }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon refuses a lying k, kOut or kHeads, and kOut over out', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const buf = new Float32Array(64);
    const base = {
      x: new Float32Array(48), out: buf.subarray(0, 48), k: new Float32Array(16), kOut: buf.subarray(48, 64), kHeads: 1,
      batch: 1, seq: 2, heads: 3, headDim: 8, positions: new Int32Array(2), invFreq: new Float32Array(4), rotaryDim: 8, interleaved: false, scaling: 1,
    };
    const call = (over: Record<string, unknown>) => () => nativeKernel('rope')({ ...base, ...over });
    expect(call({})).not.toThrow();
    expect(call({ k: new Float32Array(15) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('k has 15 elements') }));
    expect(call({ kOut: new Float32Array(17) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ kHeads: 2 })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(call({ kHeads: -1 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(call({ kHeads: undefined })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ kOut: undefined })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ k: new Int32Array(16) })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(call({ kOut: buf.subarray(40, 56) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('kOut must not overlap out') }));
  });
});
