import { embeddingFindBadId, embeddingGather } from '../kernels/embedding.js';
import { ValueRangeError } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { uninitializedF32 } from './alloc.js';
import { defineKernel } from './define.js';
import { argsObject, outArg, tensorArg } from './validate.js';
import { rankOf, weightArg, type WeightTensor } from './weight.js';

export interface EmbeddingArgs {
  /** [vocab, dim], f32 or f16/bf16 */
  table: WeightTensor;
  /** [...] token ids in [0, vocab) */
  ids: TensorLike<Int32Array>;
  /** [...ids.dims, dim]; written and returned instead of a new tensor. Must not overlap table or ids. */
  out?: TensorLike<Float32Array>;
}

/** The multi-index "[i, j]" of flat position n in dims. */
function indexOf(n: number, dims: readonly number[]): string {
  const idx: number[] = [];
  for (let k = dims.length - 1; k >= 0; k--) {
    idx.unshift(n % dims[k]);
    n = Math.floor(n / dims[k]);
  }
  return `[${idx.join(', ')}]`;
}

/** → [...ids.dims, dim] f32. */
export const embedding = defineKernel<EmbeddingArgs, Tensor>({
  name: 'embedding',
  prepare(args) {
    const a = argsObject('embedding', args);
    const table = weightArg('embedding', 'table', a.table, 2);
    const ids = tensorArg('embedding', 'ids', a.ids, Int32Array, rankOf(a.ids));
    const [vocab, dim] = table.dims;
    const bad = embeddingFindBadId(ids.data, vocab);
    if (bad >= 0) {
      throw new ValueRangeError(`embedding: ids${indexOf(bad, ids.dims)} = ${ids.data[bad]} is outside the vocabulary [0, ${vocab})`);
    }
    const out = outArg('embedding', a.out, [...ids.dims, dim], { table: table.data, ids: ids.data }, [], uninitializedF32);
    return {
      native: { table: table.data, tableDtype: table.dtype, vocab, dim, ids: ids.data, count: ids.data.length, out: out.data },
      ts: () => embeddingGather(table.data, table.dtype, vocab, dim, ids.data, out.data),
      result: out,
    };
  },
});
