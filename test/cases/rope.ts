// Named rope cases shared by the parity tests and the benchmarks.
import type { RopeStyle } from '../../lib/kernels/rope.js';
import { Rng } from '../helpers/rng.js';

export interface RopeCase {
  name: string;
  dims: [number, number, number, number];
  rotaryDim?: number;
  style: RopeStyle;
  theta: number;
  attentionScaling?: number;
  x(): Float32Array;
  positions(): Int32Array;
}

function ropeCase(dims: [number, number, number, number], style: RopeStyle, o: { rotaryDim?: number; theta?: number; start?: number; leftPad?: boolean; scaling?: number } = {}): RopeCase {
  const [batch, seq, heads, headDim] = dims;
  const seed = batch * 1009 + seq * 101 + heads * 11 + headDim;
  const start = o.start ?? 0;
  return {
    name: `${dims.join('x')}-${style}${o.rotaryDim ? `-rot${o.rotaryDim}` : ''}${o.theta ? `-theta${o.theta}` : ''}${start ? `-start${start}` : ''}${o.leftPad ? '-leftpad' : ''}${o.scaling ? `-scale${o.scaling}` : ''}`,
    dims,
    rotaryDim: o.rotaryDim,
    style,
    theta: o.theta ?? 10000,
    attentionScaling: o.scaling,
    x: () => new Rng(seed).f32(batch * seq * heads * headDim),
    positions: () => {
      const p = new Int32Array(batch * seq);
      for (let b = 0; b < batch; b++) {
        // Left padding: row b starts b positions late; padded slots hold 1, as HF's masked_fill does.
        const pad = o.leftPad ? Math.min(b, seq) : 0;
        for (let s = 0; s < seq; s++) p[b * seq + s] = s < pad ? 1 : start + s - pad;
      }
      return p;
    },
  };
}

export const ropeCases: RopeCase[] = [
  ropeCase([1, 1, 1, 2], 'half'),
  ropeCase([1, 3, 2, 8], 'interleaved'),
  ropeCase([2, 5, 3, 16], 'half', { leftPad: true }),
  ropeCase([2, 5, 3, 16], 'interleaved', { leftPad: true }),
  ropeCase([1, 7, 4, 64], 'half', { rotaryDim: 32 }),
  ropeCase([1, 7, 4, 64], 'interleaved', { rotaryDim: 16 }),
  ropeCase([2, 9, 2, 34], 'half', { rotaryDim: 18, start: 37 }),
  ropeCase([1, 4, 2, 128], 'half', { theta: 500000, start: 8000 }),
  ropeCase([1, 3, 5, 80], 'half', { start: 100000, scaling: 1.2 }),
  ropeCase([3, 2, 1, 6], 'half', { rotaryDim: 0 }),
];

/** Model sizes for the speed check: 512 tokens x hidden 768 (12 heads x 64) and 4096 (32 x 128). */
export const ropeBenchCases: RopeCase[] = [ropeCase([1, 512, 12, 64], 'half'), ropeCase([1, 512, 32, 128], 'half')];
