import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { ropeDefaultInvFreq } from '../../lib/kernels/rope.js';
import { type RopeCase, ropeCases } from '../cases/rope.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { Rng } from '../helpers/rng.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
const tol = { atol: 2e-6, rtol: 2e-6 };

const argsOf = (c: RopeCase) => ({
  x: new Tensor(c.x(), c.dims),
  positions: new Tensor(c.positions(), c.dims.slice(0, 2)),
  theta: c.theta,
  rotaryDim: c.rotaryDim,
  style: c.style,
  attentionScaling: c.attentionScaling,
});

describe.runIf(nativeLoaded)('rope: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(ropeCases)(`${isa} $name`, (c) => {
      const args = argsOf(c);
      const ref = kernels.rope(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.rope(args, { backend: 'native' }));
      expect(got.dims).toEqual(c.dims);
      expectClose(got.data, ref.data, tol, `rope/${isa}/${c.name}`);
    });
  }
});

/** HF LLaMA apply_rotary_pos_emb for one head vector: f32 angle, then double precision (rotate_half on the rotary part). */
function hfHalf(v: Float64Array, pos: number, invFreq: Float32Array, rot: number): Float64Array {
  const h = rot / 2;
  const out = Float64Array.from(v);
  for (let i = 0; i < h; i++) {
    const a = Math.fround(pos * invFreq[i]); // torch: freqs = inv_freq @ positions in float32
    out[i] = v[i] * Math.cos(a) - v[i + h] * Math.sin(a);
    out[i + h] = v[i + h] * Math.cos(a) + v[i] * Math.sin(a);
  }
  return out;
}

describe('rope: known values', () => {
  it.each(backends)('position 0 is the identity; dims past rotaryDim pass through (%s)', (backend) => {
    const x = new Tensor(new Rng(3).f32(2 * 3 * 10), [1, 2, 3, 10]);
    const positions = new Tensor(new Int32Array([0, 5]), [1, 2]);
    for (const style of ['half', 'interleaved'] as const) {
      const y = kernels.rope({ x, positions, style, rotaryDim: 6 }, { backend });
      expect(Array.from(y.data.subarray(0, 30))).toEqual(Array.from(x.data.subarray(0, 30)));
      for (let h = 0; h < 3; h++) {
        const o = 30 + h * 10;
        expect(Array.from(y.data.subarray(o + 6, o + 10))).toEqual(Array.from(x.data.subarray(o + 6, o + 10)));
      }
    }
  });

  it.each(backends)('half style matches HF rotate_half; interleaved is half on de-interleaved features (%s)', (backend) => {
    const headDim = 16;
    const xs = new Rng(9).f32(4 * headDim);
    const x = new Tensor(xs, [1, 4, 1, headDim]);
    const pos = [3, 17, 250, 4095];
    const positions = new Tensor(new Int32Array(pos), [1, 4]);
    const inv = ropeDefaultInvFreq(10000, headDim);
    const half = kernels.rope({ x, positions }, { backend });
    for (let t = 0; t < 4; t++) {
      const exp = hfHalf(Float64Array.from(xs.subarray(t * headDim, (t + 1) * headDim)), Math.fround(pos[t]), inv, headDim);
      expectClose(half.data.subarray(t * headDim, (t + 1) * headDim), exp, { atol: 3e-6, rtol: 1e-5 }, `hf t${t}`);
    }
    // GPT-J pairs (2i, 2i+1) equal rotate_half's (i, i + h) after de-interleaving.
    const perm = (i: number) => (i < headDim / 2 ? 2 * i : 2 * (i - headDim / 2) + 1);
    const deint = new Float32Array(xs.length);
    for (let t = 0; t < 4; t++) for (let i = 0; i < headDim; i++) deint[t * headDim + i] = xs[t * headDim + perm(i)];
    const viaHalf = kernels.rope({ x: new Tensor(deint, x.dims), positions }, { backend });
    const inter = kernels.rope({ x, positions, style: 'interleaved' }, { backend });
    for (let t = 0; t < 4; t++) for (let i = 0; i < headDim; i++) {
      expect(inter.data[t * headDim + perm(i)]).toBe(viaHalf.data[t * headDim + i]);
    }
  });

  it.each(backends)('invFreq overrides theta; attentionScaling scales the rotation (%s)', (backend) => {
    const c = ropeCases[2];
    const base = argsOf(c);
    const inv = ropeDefaultInvFreq(10000, 16);
    const a = kernels.rope({ ...base, theta: 77, invFreq: inv }, { backend });
    const b = kernels.rope({ ...base, theta: 10000 }, { backend });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const linear = Float32Array.from(inv, (f) => f / 4);
    const scaled = kernels.rope({ ...base, invFreq: new Tensor(linear, [8]), attentionScaling: 2 }, { backend });
    const plain = kernels.rope({ ...base, invFreq: linear }, { backend });
    expectClose(scaled.data, plain.data.map((v) => 2 * v), { atol: 1e-6, rtol: 1e-6 }, 'scaling');
  });

  it('async variants resolve the sync result', async () => {
    const args = argsOf(ropeCases[6]);
    for (const backend of backends) {
      const sync = kernels.rope(args, { backend });
      expectClose((await kernels.ropeAsync(args, { backend })).data, sync.data, { atol: 0, rtol: 0 }, `async ${backend}`);
    }
  });
});

describe('rope: bad arguments', () => {
  it.each(backends)('reject wrong dtypes, shapes and options (%s)', async (backend) => {
    const x = new Tensor(new Float32Array(2 * 3 * 8), [1, 2, 3, 8]);
    const positions = new Tensor(new Int32Array(2), [1, 2]);
    expect(() => kernels.rope({ x, positions: { data: new Float32Array(2) as never, dims: [1, 2] } }, { backend })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('positions.data must be a Int32Array') }),
    );
    expect(() => kernels.rope({ x, positions: new Tensor(new Int32Array(3), [1, 3]) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.rope({ x: new Tensor(new Float32Array(8), [8]), positions }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.rope({ x, positions, rotaryDim: 5 }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining('even') }));
    expect(() => kernels.rope({ x, positions, rotaryDim: 10 }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(() => kernels.rope({ x, positions, style: 'neox' as never }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(() => kernels.rope({ x, positions, theta: 0 }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    expect(() => kernels.rope({ x, positions, invFreq: new Float32Array(3) }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.rope({ x, positions, invFreq: new Float32Array([1, 2, Number.NaN, 4]) }, { backend })).toThrow(expect.objectContaining({ name: 'ValueRangeError' }));
    await expect(kernels.ropeAsync({ x, positions, rotaryDim: 3 }, { backend })).rejects.toMatchObject({ name: 'ValueRangeError' });
  });

  it.runIf(nativeLoaded)('the addon itself refuses lying lengths and bad options', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const base = {
      x: new Float32Array(48), out: new Float32Array(48), batch: 1, seq: 2, heads: 3, headDim: 8,
      positions: new Int32Array(2), invFreq: new Float32Array(4), rotaryDim: 8, interleaved: false, scaling: 1,
    };
    expect(() => nativeKernel('rope')({ ...base, positions: new Int32Array(1) })).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('positions has 1 elements, its dims imply 2') }),
    );
    expect(() => nativeKernel('rope')({ ...base, invFreq: new Float32Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => nativeKernel('rope')({ ...base, rotaryDim: 7 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('rope')({ ...base, rotaryDim: 10 })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('rope')({ ...base, scaling: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_RANGE' }));
    expect(() => nativeKernel('rope')({ ...base, x: new Float32Array(47) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
  });
});
