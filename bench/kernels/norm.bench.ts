// norm family: rmsNorm and layerNorm over 512 rows of 768 and 3072 (the parity tests' bench
// cases, test/cases/norm.ts). One read and one write of x: memory-bound. The "out" cases write
// into one caller-provided output, as a model reusing its buffers does (no allocation per call).
import { Tensor } from '../../lib/tensor.js';
import { type NormCase, normBenchCases, normCases } from '../../test/cases/norm.js';
import type { BenchCase, Mode } from './harness.js';

function norm(kernel: 'rmsNorm' | 'layerNorm', c: NormCase, reuse: boolean): BenchCase {
  const size = c.dims.reduce((a, b) => a * b, 1);
  return {
    kernel,
    name: reuse ? `${c.name} out` : c.name,
    bound: 'memory',
    bytes: 8 * size,
    elements: size,
    args: () => [
      {
        x: new Tensor(c.x(), c.dims),
        weight: c.weightData(),
        ...(kernel === 'layerNorm' ? { bias: c.biasData() } : {}),
        eps: c.eps,
        ...(reuse ? { out: new Tensor(new Float32Array(size), c.dims) } : {}),
      },
    ],
  };
}

export function benchCases(mode: Mode): BenchCase[] {
  const cases = mode === 'tiny' ? [normCases[1]] : mode === 'quick' ? normBenchCases.slice(0, 1) : normBenchCases;
  return cases.flatMap((c) => [false, true].flatMap((reuse) => [norm('rmsNorm', c, reuse), norm('layerNorm', c, reuse)]));
}
