// Row-wise and elementwise kernels over a 512-token activation, hidden size 768 (BERT-base,
// GPT-2 small) and the MLP width 3072: rmsNorm, layerNorm, softmax, rope, embedding and the
// activations. All stream their input and output once, so their fraction of peak is against the
// memory probe (these buffers fit in L2/L3, so it can exceed 1).
import type { BenchCase, Mode } from './harness.js';
import { randn } from './data.js';
import { Tensor } from '../../lib/tensor.js';

function rowwise(kernel: string, rows: number, cols: number, extra: (cols: number) => Record<string, unknown>, label = ''): BenchCase {
  return {
    kernel,
    name: `${rows}x${cols}${label}`,
    bound: 'memory',
    bytes: 4 * 2 * rows * cols,
    elements: rows * cols,
    args: () => [{ x: randn(51, [rows, cols]), ...extra(cols) }],
  };
}

function rope(seq: number, heads: number, headDim: number, style: 'half' | 'interleaved'): BenchCase {
  const n = seq * heads * headDim;
  return {
    kernel: 'rope',
    name: `B1 S${seq} H${heads} D${headDim} ${style}`,
    bound: 'memory',
    bytes: 4 * 2 * n,
    elements: n,
    args: () => [
      {
        x: randn(61, [1, seq, heads, headDim]),
        positions: new Tensor(Int32Array.from({ length: seq }, (_, i) => i), [1, seq]),
        theta: 10000,
        rotaryDim: headDim,
        style,
      },
    ],
  };
}

function embedding(tokens: number, vocab: number, hidden: number): BenchCase {
  const ids = Int32Array.from({ length: tokens }, (_, i) => (i * 7919) % vocab);
  return {
    kernel: 'embedding',
    name: `${tokens} ids vocab${vocab} hidden${hidden}`,
    bound: 'memory',
    bytes: 4 * 2 * tokens * hidden,
    elements: tokens * hidden,
    args: () => [{ weight: randn(71, [vocab, hidden], 0.02), ids: new Tensor(ids, [1, tokens]) }],
  };
}

export function rowwiseCases(mode: Mode): BenchCase[] {
  const rows = mode === 'tiny' ? 4 : 512;
  const widths = mode === 'tiny' ? [24] : mode === 'quick' ? [768] : [768, 3072];
  const norms = (cols: number) => [
    rowwise('rmsNorm', rows, cols, (c) => ({ weight: randn(52, [c]), eps: 1e-6 })),
    rowwise('layerNorm', rows, cols, (c) => ({ weight: randn(52, [c]), bias: randn(53, [c]), eps: 1e-5 })),
    rowwise('softmax', rows, cols, () => ({})),
  ];
  const acts = (cols: number) => [
    rowwise('silu', rows, cols, () => ({})),
    rowwise('gelu', rows, cols, () => ({})),
    rowwise('gelu', rows, cols, () => ({ approximate: 'tanh' }), ' tanh'),
    rowwise('relu', rows, cols, () => ({})),
  ];
  return [
    ...widths.flatMap(norms),
    ...(mode === 'tiny' ? [rope(4, 2, 8, 'half')] : [rope(rows, 12, 64, 'half'), rope(rows, 12, 64, 'interleaved')]),
    embedding(rows, mode === 'tiny' ? 100 : 50257, mode === 'tiny' ? 24 : 768),
    ...widths.flatMap(acts),
  ];
}
