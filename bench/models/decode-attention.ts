// The attention of one LLaMA decode step on its own: every layer's single query against that
// layer's KV cache at a given position (caches of all layers together far larger than the L3, so
// each step reads them from memory, as in a model), through raggedAttention (the path
// Model.generate takes) and attention. Prints ms per step and the cache bytes read per second.
// npx tsx bench/models/decode-attention.ts [positions=512,2048] [threads] [kv=f16|f32] [steps=20]
import { kernels, setThreads } from '../../lib/index.js';
import { f32ToF16 } from '../../lib/kernels/half.js';
import { Rng } from '../../test/helpers/rng.js';
import { median, now } from '../lib/util.js';
import { llamaConfig } from './checkpoints.js';

const c = llamaConfig;
const [positionsArg, threadsArg, kvArg, stepsArg] = process.argv.slice(2);
const positions = (positionsArg ?? '512,2048').split(',').map(Number);
if (threadsArg) setThreads(Number(threadsArg));
const dtype = kvArg === 'f32' ? 'f32' : 'f16';
const steps = Number(stepsArg ?? 20);
const heads = c.num_attention_heads, kvHeads = c.num_key_value_heads, headDim = c.hidden_size / heads;

function cache(len: number, seed: number) {
  const values = new Rng(seed).uniform(len * kvHeads * headDim, -1, 1);
  const dims = [1, len, kvHeads, headDim];
  return dtype === 'f32' ? { data: values, dims } : { data: Uint16Array.from(values, f32ToF16), dims, dtype: 'f16' as const };
}

for (const p of positions) {
  const layers = Array.from({ length: c.num_hidden_layers }, (_, l) => ({ k: cache(p, 2 * l + 1), v: cache(p, 2 * l + 2) }));
  const q = { data: new Float32Array(heads * headDim).map((_, i) => Math.sin(i)), dims: [1, 1, heads, headDim] };
  const bytes = layers.reduce((a, l) => a + l.k.data.byteLength + l.v.data.byteLength, 0);
  for (const [name, run] of [
    ['raggedAttention', (l: (typeof layers)[number]) => kernels.raggedAttention({ q, rows: [l] })],
    ['attention', (l: (typeof layers)[number]) => kernels.attention({ q, k: l.k, v: l.v })],
  ] as const) {
    const times: number[] = [];
    for (let s = 0; s <= steps; s++) {
      const t0 = now();
      for (const l of layers) run(l);
      if (s > 0) times.push(now() - t0);
    }
    const t = median(times);
    console.log(`position ${p} ${dtype} ${name}: ${(t * 1e3).toFixed(2)} ms/step, ${(bytes / t / 1e9).toFixed(1)} GB/s (${(bytes / 2 ** 20).toFixed(1)} MiB of K/V)`);
  }
}
