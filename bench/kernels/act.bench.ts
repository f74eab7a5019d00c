// act family: the activations over a 512-token activation at hidden 768 and MLP width 3072.
// They stream input and output once: memory-bound (these buffers fit in L2/L3, so their
// fraction of the DRAM bandwidth can exceed 1).
import { Tensor } from '../../lib/tensor.js';
import { actCases } from '../../test/cases/act.js';
import type { BenchCase, Mode } from './harness.js';
import { randn } from './data.js';

const kinds: [string, Record<string, unknown>, string][] = [
  ['silu', {}, ''],
  ['gelu', {}, ''],
  ['gelu', { approximate: 'tanh' }, ' tanh'],
  ['relu', {}, ''],
];

function act(kernel: string, opts: Record<string, unknown>, label: string, dims: number[], make: () => Float32Array): BenchCase {
  const size = dims.reduce((a, b) => a * b, 1);
  return {
    kernel,
    name: `${dims.join('x')}${label}`,
    bound: 'memory',
    bytes: 8 * size,
    elements: size,
    args: () => [{ x: new Tensor(make(), dims), ...opts }],
  };
}

export function benchCases(mode: Mode): BenchCase[] {
  if (mode === 'tiny') {
    const c = actCases.find((x) => x.size === 1000)!;
    return kinds.map(([k, o, l]) => act(k, o, l, [c.size], c.make));
  }
  const widths = mode === 'full' ? [768, 3072] : [768];
  return widths.flatMap((w) => kinds.map(([k, o, l]) => act(k, o, l, [512, w], () => randn(51, [512, w]).data)));
}
