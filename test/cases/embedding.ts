// Named embedding cases shared by the parity tests and the benchmarks.
import type { WeightDType } from '../../lib/kernels/half.js';
import { Rng } from '../helpers/rng.js';
import { toWeight } from './weights.js';

export interface EmbeddingCase {
  name: string;
  vocab: number;
  dim: number;
  idsDims: number[];
  dtype: WeightDType;
  table(): { data: Float32Array | Uint16Array; dims: number[]; dtype: WeightDType };
  ids(): Int32Array;
}

function embeddingCase(vocab: number, dim: number, idsDims: number[], dtype: WeightDType): EmbeddingCase {
  const count = idsDims.reduce((p, d) => p * d, 1);
  const seed = vocab * 7 + dim * 3 + count;
  return {
    name: `v${vocab}-d${dim}-ids${idsDims.join('x')}-${dtype}`,
    vocab,
    dim,
    idsDims,
    dtype,
    table: () => toWeight(new Rng(seed).f32(vocab * dim), [vocab, dim], dtype),
    ids: () => {
      const r = new Rng(seed + 1);
      const ids = new Int32Array(count);
      for (let i = 0; i < count; i++) ids[i] = r.int(0, vocab - 1);
      if (count > 1) ids[count - 1] = vocab - 1;
      return ids;
    },
  };
}

export const embeddingCases: EmbeddingCase[] = [
  embeddingCase(1, 1, [1], 'f32'),
  embeddingCase(10, 7, [2, 3], 'f32'),
  embeddingCase(50, 17, [5], 'f16'),
  embeddingCase(50, 33, [2, 4], 'bf16'),
  embeddingCase(300, 64, [3, 11], 'f16'),
  embeddingCase(1000, 100, [1, 40], 'bf16'),
  embeddingCase(20, 5, [0], 'f32'),
];

/** Model size for the speed check: 512 tokens x 768 (BERT) and 3072. */
export const embeddingBenchCases: EmbeddingCase[] = [embeddingCase(30522, 768, [1, 512], 'f32'), embeddingCase(8192, 3072, [1, 512], 'bf16')];
