// embedding family: gathering 512 token rows from a BERT-sized f32 table (30522 x 768) and a
// bf16 table of width 3072 (test/cases/embedding.ts); bytes are the rows read and written. The
// "out" cases gather into one caller-provided output, as a model reusing its buffers does.
import { Tensor } from '../../lib/tensor.js';
import { embeddingBenchCases, embeddingCases } from '../../test/cases/embedding.js';
import type { BenchCase, Mode } from './harness.js';

export function benchCases(mode: Mode): BenchCase[] {
  const cases = mode === 'tiny' ? [embeddingCases[4]] : mode === 'quick' ? embeddingBenchCases.slice(0, 1) : embeddingBenchCases;
  return cases.flatMap((c) => [false, true].map((reuse): BenchCase => {
    const count = c.idsDims.reduce((a, b) => a * b, 1);
    const rowBytes = c.dim * (c.dtype === 'f32' ? 4 : 2);
    return {
      kernel: 'embedding',
      name: reuse ? `${c.name} out` : c.name,
      bound: 'memory',
      bytes: count * (rowBytes + 4 * c.dim + 4),
      elements: count * c.dim,
      args: () => [
        { table: c.table(), ids: new Tensor(c.ids(), c.idsDims), ...(reuse ? { out: new Tensor(new Float32Array(count * c.dim), [...c.idsDims, c.dim]) } : {}) },
      ],
    };
  }));
}
