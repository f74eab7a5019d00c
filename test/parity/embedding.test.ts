import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { weightToF32 } from '../../lib/kernels/half.js';
import { embeddingCases } from '../cases/embedding.js';
import { toWeight } from '../cases/weights.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';

const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe.runIf(nativeLoaded)('embedding: native vs TS twin (exact)', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(embeddingCases)(`${isa} $name`, (c) => {
      const args = { table: c.table(), ids: new Tensor(c.ids(), c.idsDims) };
      const ref = kernels.embedding(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.embedding(args, { backend: 'native' }));
      expect(got.dims).toEqual([...c.idsDims, c.dim]);
      expect(got.data).toEqual(ref.data);
    });
  }
});

describe('embedding: known values', () => {
  it.each(backends)('gathers rows, converting f16/bf16 exactly (%s)', (backend) => {
    const values = new Float32Array([1, 2, 3, 4, 5, 6, -0.5, 65504, 1e-7]);
    const ids = new Tensor(new Int32Array([2, 0, 2, 1]), [2, 2]);
    for (const dtype of ['f32', 'f16', 'bf16'] as const) {
      const table = toWeight(values, [3, 3], dtype);
      const y = kernels.embedding({ table, ids }, { backend });
      expect(y.dims).toEqual([2, 2, 3]);
      const t = weightToF32(table.data, dtype);
      expect(Array.from(y.data)).toEqual([...t.slice(6, 9), ...t.slice(0, 3), ...t.slice(6, 9), ...t.slice(3, 6)]);
    }
  });

  it('async variants resolve the sync result', async () => {
    const c = embeddingCases[4];
    const args = { table: c.table(), ids: new Tensor(c.ids(), c.idsDims) };
    for (const backend of backends) {
      const sync = kernels.embedding(args, { backend });
      expect((await kernels.embeddingAsync(args, { backend })).data).toEqual(sync.data);
    }
  });
});

describe('embedding: bad arguments', () => {
  const table = new Tensor(new Float32Array(12), [4, 3]);
  it.each(backends)('an id outside the vocabulary is a ValueRangeError naming the id and position (%s)', async (backend) => {
    expect(() => kernels.embedding({ table, ids: new Tensor(new Int32Array([0, 1, 2, 4]), [2, 2]) }, { backend })).toThrow(
      expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining('ids[1, 1] = 4 is outside the vocabulary [0, 4)') }),
    );
    expect(() => kernels.embedding({ table, ids: new Tensor(new Int32Array([-1]), [1]) }, { backend })).toThrow(
      expect.objectContaining({ name: 'ValueRangeError', message: expect.stringContaining('ids[0] = -1') }),
    );
    await expect(kernels.embeddingAsync({ table, ids: new Tensor(new Int32Array([9]), [1]) }, { backend })).rejects.toMatchObject({ name: 'ValueRangeError' });
  });

  it.each(backends)('reject wrong dtypes and shapes (%s)', (backend) => {
    const ids = new Tensor(new Int32Array([0]), [1]);
    expect(() => kernels.embedding({ table, ids: { data: new Float32Array(1) as never, dims: [1] } }, { backend })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
    expect(() => kernels.embedding({ table: new Tensor(new Float32Array(12), [12]), ids }, { backend })).toThrow(expect.objectContaining({ name: 'ShapeError' }));
    expect(() => kernels.embedding({ table: { data: new Uint16Array(12), dims: [4, 3] } as never, ids }, { backend })).toThrow(expect.objectContaining({ name: 'DTypeError' }));
  });

  it.runIf(nativeLoaded)('the addon itself checks ids and lengths', async () => {
    const { nativeKernel } = await import('../../lib/backend/native.js');
    const base = { table: new Float32Array(12), tableDtype: 'f32', vocab: 4, dim: 3, ids: new Int32Array([0, 3]), count: 2, out: new Float32Array(6) };
    expect(() => nativeKernel('embedding')({ ...base, ids: new Int32Array([0, 7]) })).toThrow(
      expect.objectContaining({ code: 'ERR_RANGE', message: expect.stringContaining('ids[1] = 7 is outside [0, 4)') }),
    );
    await expect(nativeKernel('embedding')({ ...base, ids: new Int32Array([-5, 0]) }, true)).rejects.toMatchObject({ code: 'ERR_RANGE' });
    expect(() => nativeKernel('embedding')({ ...base, table: new Float32Array(11) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => nativeKernel('embedding')({ ...base, tableDtype: 'f16' })).toThrow(expect.objectContaining({ code: 'ERR_DTYPE' }));
    expect(() => nativeKernel('embedding')({ ...base, out: new Float32Array(5) })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
  });
});
