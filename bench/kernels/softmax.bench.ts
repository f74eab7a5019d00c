// softmax family: over the last dim of 512 x 768 and 512 x 3072 (test/cases/softmax.ts bench
// cases): memory-bound.
import { Tensor } from '../../lib/tensor.js';
import { softmaxBenchCases, softmaxCases } from '../../test/cases/softmax.js';
import type { BenchCase, Mode } from './harness.js';

export function benchCases(mode: Mode): BenchCase[] {
  const cases = mode === 'tiny' ? [softmaxCases[2]] : mode === 'quick' ? softmaxBenchCases.slice(0, 1) : softmaxBenchCases;
  return cases.map((c) => {
    const size = c.dims.reduce((a, b) => a * b, 1);
    return {
      kernel: 'softmax',
      name: c.name,
      bound: 'memory',
      bytes: 8 * size,
      elements: size,
      args: () => [{ x: new Tensor(c.x(), c.dims) }],
    };
  });
}
