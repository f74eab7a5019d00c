// Embedding lookups: token tables and learned position tables (with HF's offsets: BART reads row
// p + 2, RoBERTa's positions already include padding_idx + 1).
import { ValueRangeError } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import type { W, Weights } from '../weights.js';
import type { F32, Ops } from './ops.js';

export type Lookup = (ids: Tensor<Int32Array>) => F32;

export function embedding(ops: Ops, w: Weights, name: string, rows: number, dim: number): Lookup & { table: W } {
  const table = w.get(name, [rows, dim]);
  const f = ((ids: Tensor<Int32Array>) => ops.embedding(table, ids)) as Lookup & { table: W };
  f.table = table;
  return f;
}

/** A learned position table read at position + offset. */
export function positionEmbedding(ops: Ops, w: Weights, name: string, rows: number, dim: number, offset = 0): Lookup {
  const table = w.get(name, [rows, dim]);
  return (positions) => {
    for (const p of positions.data) {
      if (p < 0 || p + offset >= rows) {
        throw new ValueRangeError(`${name}: position ${p} is outside the ${rows - offset} learned positions (max_position_embeddings)`);
      }
    }
    const ids = offset === 0 ? positions : new Tensor(positions.data.map((p) => p + offset), positions.dims);
    return ops.embedding(table, ids);
  };
}
