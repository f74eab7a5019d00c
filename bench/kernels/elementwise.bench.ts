// elementwise family: residual add / broadcast mul and the gated MLP activations (siluMul,
// geluMul) at 512 x 768 and 512 x 3072 (test/cases/elementwise.ts): memory-bound. The add/mul
// "out" cases write into one caller-provided output, as a model reusing its buffers does.
import { Tensor } from '../../lib/tensor.js';
import { binaryBenchCases, binaryCases, gatedBenchCases, gatedCases } from '../../test/cases/elementwise.js';
import type { BenchCase, Mode } from './harness.js';

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

export function benchCases(mode: Mode): BenchCase[] {
  const binary = mode === 'tiny' ? [binaryCases[4]] : mode === 'quick' ? binaryBenchCases.slice(0, 1) : binaryBenchCases;
  const gated = mode === 'tiny' ? [gatedCases[3]] : gatedBenchCases;
  return [
    ...binary.flatMap((c) =>
      (['add', 'mul'] as const).flatMap((kernel) =>
        [false, true].map((reuse) => ({
          kernel,
          name: reuse ? `${c.name} out` : c.name,
          bound: 'memory' as const,
          bytes: 4 * (2 * size(c.aDims) + size(c.bDims)),
          elements: size(c.aDims),
          args: () => [
            { a: new Tensor(c.a(), c.aDims), b: new Tensor(c.b(), c.bDims), ...(reuse ? { out: new Tensor(new Float32Array(size(c.aDims)), c.aDims) } : {}) },
          ],
        })),
      ),
    ),
    ...gated.flatMap((c) =>
      (['siluMul', 'geluMul'] as const).map((kernel) => ({
        kernel,
        name: c.name,
        bound: 'memory' as const,
        bytes: 4 * 3 * size(c.dims),
        elements: size(c.dims),
        args: () => [{ gate: new Tensor(c.gate(), c.dims), up: new Tensor(c.up(), c.dims) }],
      })),
    ),
  ];
}
