import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { actCases } from '../cases/act.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';

const variants = [
  { label: 'silu', run: (x: Tensor, o?: { backend: 'ts' | 'native' }) => kernels.silu({ x }, o) },
  { label: 'gelu', run: (x: Tensor, o?: { backend: 'ts' | 'native' }) => kernels.gelu({ x }, o) },
  { label: 'gelu_tanh', run: (x: Tensor, o?: { backend: 'ts' | 'native' }) => kernels.gelu({ x, approximate: 'tanh' }, o) },
  { label: 'relu', run: (x: Tensor, o?: { backend: 'ts' | 'native' }) => kernels.relu({ x }, o) },
];

describe.runIf(nativeLoaded)('activations: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    for (const v of variants) {
      it.each(actCases)(`${v.label} ${isa} $name`, (c) => {
        const x = new Tensor(c.make(), [c.size]);
        const ref = v.run(x, { backend: 'ts' });
        const got = withIsa(isa, () => v.run(x, { backend: 'native' }));
        expect(got.dims).toEqual([c.size]);
        expectClose(got.data, ref.data, { atol: 2e-6, rtol: 1e-5 }, `${v.label}/${isa}/${c.name}`);
      });
    }
  }
});

describe('activations: known values', () => {
  it('match closed forms on both backends', () => {
    const x = new Tensor(new Float32Array([0, 1, -1, 2]), [4]);
    for (const backend of nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const)) {
      expectClose(kernels.silu({ x }, { backend }).data, [0, 0.7310585786, -0.2689414214, 1.7615941560], { atol: 1e-6, rtol: 1e-6 }, `silu/${backend}`);
      expectClose(kernels.gelu({ x }, { backend }).data, [0, 0.8413447461, -0.1586552539, 1.9544997361], { atol: 1e-6, rtol: 1e-6 }, `gelu/${backend}`);
      expectClose(kernels.gelu({ x, approximate: 'tanh' }, { backend }).data, [0, 0.8411919906, -0.1588080094, 1.9545976953], { atol: 1e-6, rtol: 1e-6 }, `gelu_tanh/${backend}`);
    }
  });

  it('async variants resolve the sync result', async () => {
    const x = new Tensor(new Float32Array([0.5, -2, 3]), [3]);
    const sync = kernels.silu({ x }, { backend: 'ts' });
    expectClose((await kernels.siluAsync({ x }, { backend: 'ts' })).data, sync.data, { atol: 0, rtol: 0 }, 'ts async');
    if (nativeLoaded) {
      expectClose((await kernels.siluAsync({ x }, { backend: 'native' })).data, sync.data, { atol: 2e-6, rtol: 1e-5 }, 'native async');
    }
  });
});

describe('activations: bad arguments', () => {
  const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);
  it.each(backends)('reject a wrong dtype, a lying shape and an unknown option (%s)', async (backend) => {
    expect(() => kernels.silu({ x: { data: new Float64Array(2) as never, dims: [2] } }, { backend })).toThrow(
      expect.objectContaining({ name: 'DTypeError', message: expect.stringContaining('x.data must be a Float32Array') }),
    );
    expect(() => kernels.silu({ x: { data: new Float32Array(3), dims: [2] } }, { backend })).toThrow(
      expect.objectContaining({ name: 'ShapeError', code: 'ERR_SHAPE' }),
    );
    expect(() => kernels.gelu({ x: new Tensor(new Float32Array(2), [2]), approximate: 'fast' as never }, { backend })).toThrow(
      expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining("approximate must be one of 'none', 'tanh'") }),
    );
    await expect(kernels.siluAsync({ x: { data: new Float32Array(3), dims: [2] } }, { backend })).rejects.toMatchObject({ name: 'ShapeError' });
  });

  it.runIf(nativeLoaded)('the addon itself refuses a buffer shorter than its dims', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const call = () => nativeKernel('activation')({ x: new Float32Array(4), out: new Float32Array(3), size: 4, kind: 'silu' });
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('out has 3 elements, its dims imply 4') }));
    expect(() => nativeKernel('activation')({ x: new Float32Array(1), out: new Float32Array(1), size: 1.5, kind: 'silu' })).toThrow(RangeError);
    expect(() => nativeKernel('activation')({ x: new Float32Array(1), out: new Float32Array(1), size: 1, kind: 'tanh' })).toThrow(/unknown activation/);
  });
});
