// The GEMVs of one LLaMA decode step at the benchmark's shapes, in model order (each layer's q, k,
// v, o, gate, up and down, then the LM head), with seeded weights: decode-floor.ts and gemv-ab.ts
// stream the same bytes.
import { f32ToF16 } from '../../lib/kernels/half.js';
import { Rng } from '../../test/helpers/rng.js';
import { llamaConfig } from './checkpoints.js';

/** One projection: [n, k] weights, f32 values or f16 bits. */
export interface StepWeight {
  data: Float32Array | Uint16Array;
  n: number;
  k: number;
}

export function decodeStepWeights(dtype: 'f32' | 'f16', c = llamaConfig): StepWeight[] {
  const h = c.hidden_size;
  const kv = (h / c.num_attention_heads) * c.num_key_value_heads;
  const shapes: [number, number][] = [];
  for (let l = 0; l < c.num_hidden_layers; l++) shapes.push([h, h], [kv, h], [kv, h], [h, h], [c.intermediate_size, h], [c.intermediate_size, h], [h, c.intermediate_size]);
  shapes.push([c.vocab_size, h]);
  return shapes.map(([n, k], i) => {
    const values = new Rng(i + 1).uniform(n * k, -0.02, 0.02);
    return { data: dtype === 'f32' ? values : Uint16Array.from(values, f32ToF16), n, k };
  });
}
