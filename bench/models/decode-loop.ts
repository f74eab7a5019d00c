// Batch-1 greedy decode of one checkpoint, repeated: median and fastest tokens/s, for before/after
// comparisons and for `perf record` of the decode path (short prompt, so attention is small).
// npx tsx bench/models/decode-loop.ts <checkpoint dir> [tokens=64] [repeats=3] [threads]
import { loadModel } from '../../lib/index.js';
import { benchPrompt, median } from '../lib/util.js';
import { decodeRate } from './decode-rate.js';

const [dir, tokensArg, repeatsArg, threadsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: decode-loop.ts <checkpoint dir> [tokens] [repeats] [threads]');
const tokens = Number(tokensArg ?? 64);
const repeats = Number(repeatsArg ?? 3);
const model = await loadModel(dir, { backend: 'native', ...(threadsArg ? { threads: Number(threadsArg) } : {}) });
const prompt = benchPrompt(16, model.vocabSize);
const rates: number[] = [];
for (let r = 0; r <= repeats; r++) {
  const { tokPerS } = await decodeRate(model, prompt, tokens);
  if (r > 0) rates.push(tokPerS);
}
await model.dispose();
console.log(`decode ${tokens} tokens x${repeats}: median ${median(rates).toFixed(1)} tok/s, fastest ${Math.max(...rates).toFixed(1)} tok/s`);
