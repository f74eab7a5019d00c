// Continuous batching, measured in process: aggregate decode tokens/s of 1, 4 and 8 concurrent
// generate streams on one LLaMA-shaped model, against the same streams run one after another, and
// a lone stream through the scheduler against the plain in-thread loop (the cost of yielding to
// the worker's event loop between steps). A quick look, not a timed test; numbers are noisy.
//   npx tsx bench/serving/batching.ts [--mamba] [--full] [--ts] [--tokens N] [--threads N]
import { join } from 'node:path';

import { generateTokens } from '../../lib/generation/generate.js';
import { loadLocal } from '../../lib/models/local.js';
import { loadModel, type Model } from '../../lib/models/model.js';
import { Scheduler } from '../../lib/serving/scheduler.js';
import { ensureCheckpoint, llamaConfig, mambaConfig } from '../models/checkpoints.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const backend = flag('--ts') ? 'ts' : 'native';
const tokens = value('--tokens', 32);
const threads = args.includes('--threads') ? value('--threads', 1) : undefined;
// Small by default (quick on a shared machine); --full is the model benchmark's shape (LLaMA 768 x 12,
// 32k vocab; Mamba 768 x 24); --mamba measures the Mamba shape instead of LLaMA.
const mamba = flag('--mamba');
const small = mamba
  ? { hidden_size: 512, num_hidden_layers: 8, intermediate_size: 1024, time_step_rank: 32, vocab_size: 8192 }
  : { hidden_size: 512, num_hidden_layers: 6, num_attention_heads: 8, num_key_value_heads: 8, intermediate_size: 1408, vocab_size: 8192 };
const config = { ...(mamba ? mambaConfig : llamaConfig), ...(flag('--full') ? {} : small), torch_dtype: 'float16' };
const kind = mamba ? 'mamba' : 'llama';
const shape = `${kind} ${config.hidden_size}x${config.num_hidden_layers} ${config.vocab_size} vocab`;
const { dir } = ensureCheckpoint(join(process.cwd(), 'build-bench', 'models'), {
  name: `${flag('--full') ? '' : 'serving-'}${kind}-f16`, kind, dtype: 'F16', config, seed: 1,
});

const prompt = (i: number) => Array.from({ length: 8 }, (_, j) => 3 + ((i * 31 + j * 7) % 1000));

async function stream(m: Model, i: number): Promise<number> {
  let n = 0;
  for await (const _ of m.generate(prompt(i), { maxNewTokens: tokens, eosTokenId: null })) n++;
  return n;
}

/** Best of three after a warm-up: tokens per second of one run of f. */
async function best(f: () => Promise<number> | number): Promise<number> {
  await f();
  let top = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const n = await f();
    top = Math.max(top, n / ((performance.now() - t) / 1000));
  }
  return top;
}

async function main(): Promise<void> {
  const m = await loadModel(dir, { backend, threads, maxBatch: 8 });
  const rows: string[] = [];
  try {
    await stream(m, 0);
    const local = await loadLocal(dir, { backend, threads });
    const plain = () => {
      generateTokens(local.net, Int32Array.from(prompt(0)), { maxNewTokens: tokens, eosTokenId: null }, local, { ops: local.ops, checkAbort() {} }, () => {});
      return tokens;
    };
    const scheduler = new Scheduler(local.net, local.ops, local, { maxBatch: 8, maxCacheBytes: 2 ** 30, maxQueue: 8, prefillChunk: 128 });
    const viaScheduler = () =>
      new Promise<number>((resolve, reject) => {
        let n = 0;
        scheduler.submit({
          prompts: [Int32Array.from(prompt(0))],
          options: { maxNewTokens: tokens, eosTokenId: null },
          abort: new Int32Array(1),
          emit: () => n++,
          finish: (e) => (e ? reject(e) : resolve(n)),
        });
      });
    // Alternated, so a load spike on the shared machine does not land on one side only.
    let inThread = 0;
    let scheduled = 0;
    for (let round = 0; round < 3; round++) {
      inThread = Math.max(inThread, await best(plain));
      scheduled = Math.max(scheduled, await best(viaScheduler));
    }
    local.checkpoint.close();
    const lone = await best(() => stream(m, 0));
    const pct = (x: number) => `${((x / inThread - 1) * 100).toFixed(1)}%`;
    rows.push(`lone stream: plain loop ${inThread.toFixed(1)} tok/s; scheduler yielding each step ${scheduled.toFixed(1)} (${pct(scheduled)}); model.generate via the worker ${lone.toFixed(1)} (${pct(lone)})`);
    for (const n of [1, 4, 8]) {
      const sequential = await best(async () => {
        let total = 0;
        for (let i = 0; i < n; i++) total += await stream(m, i);
        return total;
      });
      const before = m.stats();
      const batched = await best(async () => (await Promise.all(Array.from({ length: n }, (_, i) => stream(m, i)))).reduce((a, b) => a + b, 0));
      const after = m.stats();
      const meanRows = (after.decodeRows - before.decodeRows) / Math.max(1, after.decodeSteps - before.decodeSteps);
      rows.push(`${n} stream(s): sequential ${sequential.toFixed(1)} tok/s, concurrent ${batched.toFixed(1)} tok/s (x${(batched / sequential).toFixed(2)}, mean batch ${meanRows.toFixed(1)})`);
    }
  } finally {
    await m.dispose();
  }
  console.log(`${backend}, ${shape} f16, ${tokens} new tokens per stream`);
  for (const r of rows) console.log(`  ${r}`);
}

await main();
