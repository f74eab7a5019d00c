// Weights in huge pages (loadModel's default on Linux) against weights mapped from the page cache,
// paired: both models loaded in one process, batch-1 greedy decode blocks alternating, so load on a
// shared machine hits both alike. Also the GEMV-only time is in bench/models/decode-floor.ts.
// npx tsx bench/models/hugepages-ab.ts <checkpoint dir> [tokens=32] [blocks=6] [threads=1]
import { loadModel } from '../../lib/index.js';
import { median, now } from '../lib/util.js';

const [dir, tokensArg, blocksArg, threadsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: hugepages-ab.ts <checkpoint dir> [tokens] [blocks] [threads]');
const tokens = Number(tokensArg ?? 32);
const blocks = Number(blocksArg ?? 6);
const threads = Number(threadsArg ?? 1);
const models = {
  huge: await loadModel(dir, { backend: 'native', threads, hugePages: true }),
  mmap: await loadModel(dir, { backend: 'native', threads, hugePages: false }),
};
const prompt = Array.from({ length: 16 }, (_, i) => 3 + ((i * 7919) % (models.huge.vocabSize - 3)));

async function rate(name: keyof typeof models): Promise<number> {
  let first = 0;
  let count = 0;
  for await (const _ of models[name].generate(prompt, { maxNewTokens: tokens + 1, eosTokenId: null })) {
    if (count++ === 0) first = now();
  }
  return (count - 1) / (now() - first);
}

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
