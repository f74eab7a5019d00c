// Batch-1 greedy decode of one checkpoint, repeated: median and fastest tokens/s, for before/after
// comparisons and for `perf record` of the decode path (short prompt, so attention is small).
// npx tsx bench/models/decode-loop.ts <checkpoint dir> [tokens=64] [repeats=3] [threads]
import { loadModel } from '../../lib/index.js';
import { median, now } from '../lib/util.js';

const [dir, tokensArg, repeatsArg, threadsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: decode-loop.ts <checkpoint dir> [tokens] [repeats] [threads]');
const tokens = Number(tokensArg ?? 64);
const repeats = Number(repeatsArg ?? 3);
const model = await loadModel(dir, { backend: 'native', ...(threadsArg ? { threads: Number(threadsArg) } : {}) });
const prompt = Array.from({ length: 16 }, (_, i) => 3 + ((i * 7919) % (model.vocabSize - 3)));
const rates: number[] = [];
for (let r = 0; r <= repeats; r++) {
  let first = 0;
  let count = 0;
  for await (const _ of model.generate(prompt, { maxNewTokens: tokens + 1, eosTokenId: null })) {
    if (count++ === 0) first = now();
  }
  if (r > 0) rates.push((count - 1) / (now() - first));
}
await model.dispose();
console.log(`decode ${tokens} tokens x${repeats}: median ${median(rates).toFixed(1)} tok/s, fastest ${Math.max(...rates).toFixed(1)} tok/s`);
