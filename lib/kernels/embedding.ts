// Embedding gather. Mirrors native/kernels/embedding/embedding.h:
//   y[n, :] = f32(table[ids[n], :])
// table: [vocab, dim] f32, or f16/bf16 bits; ids: [n] int32 (checked in [0, vocab) by the caller,
// and again here); y: [n, dim] f32.
import { type WeightData, type WeightDType, weightToF32 } from './half.js';

/** Index of the first id outside [0, vocab), or -1. */
export function embeddingFindBadId(ids: Int32Array, vocab: number): number {
  for (let n = 0; n < ids.length; n++) if (ids[n] < 0 || ids[n] >= vocab) return n;
  return -1;
}

export function embeddingGather(table: WeightData, dtype: WeightDType, vocab: number, dim: number, ids: Int32Array, y: Float32Array): void {
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (id < 0 || id >= vocab) throw new RangeError(`embedding: id ${id} at position ${n} is outside [0, ${vocab})`);
    weightToF32(table, dtype, id * dim, dim, y.subarray(n * dim, (n + 1) * dim));
  }
}
