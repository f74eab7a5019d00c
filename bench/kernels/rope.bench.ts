// rope family: 512 tokens x 12 heads x 64 (GPT-NeoX/BERT-sized) and 32 x 128 (LLaMA-7B-sized),
// from test/cases/rope.ts; one read and one write of x: memory-bound. The "out" cases write into
// one caller-provided output, as a model reusing its buffers does.
import { Tensor } from '../../lib/tensor.js';
import { ropeBenchCases, ropeCases } from '../../test/cases/rope.js';
import type { BenchCase, Mode } from './harness.js';

export function benchCases(mode: Mode): BenchCase[] {
  const cases = mode === 'tiny' ? [ropeCases[2]] : mode === 'quick' ? ropeBenchCases.slice(0, 1) : ropeBenchCases;
  return cases.flatMap((c) => [false, true].map((reuse): BenchCase => {
    const size = c.dims.reduce((a, b) => a * b, 1);
    return {
      kernel: 'rope',
      name: reuse ? `${c.name} out` : c.name,
      bound: 'memory',
      bytes: 8 * size,
      elements: size,
      args: () => [
        {
          x: new Tensor(c.x(), c.dims),
          positions: new Tensor(c.positions(), [c.dims[0], c.dims[1]]),
          theta: c.theta,
          style: c.style,
          ...(c.rotaryDim !== undefined ? { rotaryDim: c.rotaryDim } : {}),
          ...(c.attentionScaling !== undefined ? { attentionScaling: c.attentionScaling } : {}),
          ...(reuse ? { out: new Tensor(new Float32Array(size), c.dims) } : {}),
        },
      ],
    };
  }));
}
