// Weights in huge pages (loadModel's default on Linux) against weights mapped from the page cache,
// paired: both models loaded in one process, batch-1 greedy decode blocks alternating, so load on a
// shared machine hits both alike. Also the GEMV-only time is in bench/models/decode-floor.ts.
// npx tsx bench/models/hugepages-ab.ts <checkpoint dir> [tokens=32] [blocks=6] [threads=1]
import { loadModel } from '../../lib/index.js';
import { benchPrompt, median } from '../lib/util.js';
import { decodeRate } from './decode-rate.js';

const [dir, tokensArg, blocksArg, threadsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: hugepages-ab.ts <checkpoint dir> [tokens] [blocks] [threads]');
const tokens = Number(tokensArg ?? 32);
const blocks = Number(blocksArg ?? 6);
const threads = Number(threadsArg ?? 1);
const models = {
  huge: await loadModel(dir, { backend: 'native', threads, hugePages: true }),
  mmap: await loadModel(dir, { backend: 'native', threads, hugePages: false }),
};
const prompt = benchPrompt(16, models.huge.vocabSize);

const rate = async (name: keyof typeof models) => (await decodeRate(models[name], prompt, tokens)).tokPerS;

const rates: Record<keyof typeof models, number[]> = { huge: [], mmap: [] };
await rate('huge');
await rate('mmap');
for (let b = 0; b < blocks; b++) {
  const order: (keyof typeof models)[] = b % 2 ? ['mmap', 'huge'] : ['huge', 'mmap'];
  for (const name of order) rates[name].push(await rate(name));
}
for (const m of Object.values(models)) await m.dispose();
const h = median(rates.huge);
const m = median(rates.mmap);
console.log(
  `decode ${tokens} tokens x${blocks}, ${threads} thread(s): huge pages ${h.toFixed(1)} tok/s, page-cache mmap ${m.toFixed(1)} tok/s, ` +
    `huge/mmap ${(h / m).toFixed(3)}  [huge ${rates.huge.map((x) => x.toFixed(1)).join(' ')}] [mmap ${rates.mmap.map((x) => x.toFixed(1)).join(' ')}]`,
);
