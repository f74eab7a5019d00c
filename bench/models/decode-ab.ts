// Paired before/after decode timing on a shared, noisy machine: loads one checkpoint with two
// checkouts of attnscan (each with its own addon) in one process and alternates short greedy decode
// runs between them, so both see the same load; prints each side's median and fastest tokens/s
// and the median of the per-pair ratios, and the process CPU time per token (only the running
// side's worker is busy), which a loaded machine disturbs less than wall time.
// npx tsx bench/models/decode-ab.ts <checkpoint dir> <baseline checkout> [tokens=16] [pairs=10] [threads] [page-cache] [prompt=N] [kv=f16]
// page-cache: both sides map the page cache (hugePages: false) instead of each taking its own
// huge-page copy, which the side loaded second may get fewer huge pages for. prompt=N: decode after
// an N-token prompt (default 16), so attention over the cache weighs in; kv=f16: both sides' KV
// cache in f16. Baseline `plan-off`: this checkout with ATTNSCAN_DECODE_PLAN=off in the baseline
// model's worker (decode steps run kernel by kernel from JS) against the same code with its plan.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Model } from '../../lib/index.js';
import { benchPrompt, median } from '../lib/util.js';
import { decodeRate } from './decode-rate.js';

const named = (key: string) => process.argv.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
const [dir, baseRoot, tokensArg, pairsArg, threadsArg, pagesArg] = process.argv.slice(2).filter((a) => !/^(prompt|kv)=/.test(a));
if (!dir || !baseRoot) throw new Error('usage: decode-ab.ts <checkpoint dir> <baseline checkout> [tokens] [pairs] [threads]');
const tokens = Number(tokensArg ?? 16);
const pairs = Number(pairsArg ?? 10);
const opts = {
  backend: 'native' as const,
  ...(threadsArg ? { threads: Number(threadsArg) } : {}),
  ...(pagesArg === 'page-cache' ? { hugePages: false } : {}),
  ...(named('kv') === 'f16' ? { kvCache: 'f16' as const } : {}),
};

type Load = (dir: string, o: typeof opts) => Promise<Model>;
const mine = (await import('../../lib/index.js')).loadModel as Load;
const planOff = baseRoot === 'plan-off';
const base = planOff ? mine : ((await import(pathToFileURL(resolve(baseRoot, 'lib/index.ts')).href)).loadModel as Load);
// A model's worker copies the environment when it starts.
if (planOff) process.env.ATTNSCAN_DECODE_PLAN = 'off';
const baseModel = await base(dir, opts);
if (planOff) delete process.env.ATTNSCAN_DECODE_PLAN;
const models = { base: baseModel, new: await mine(dir, opts) };
const prompt = benchPrompt(Number(named('prompt') ?? 16), models.new.vocabSize);

const cpu = { base: [] as number[], new: [] as number[] };
async function rate(m: Model, k: 'base' | 'new'): Promise<number> {
  const { tokPerS, cpuMsPerToken } = await decodeRate(m, prompt, tokens);
  cpu[k].push(cpuMsPerToken);
  return tokPerS;
}

const r = { base: [] as number[], new: [] as number[] };
const ratios: number[] = [];
await rate(models.base, 'base');
await rate(models.new, 'new');
cpu.base.length = cpu.new.length = 0;
for (let p = 0; p < pairs; p++) {
  // Alternate which side goes first, so a drift in load favours neither.
  const order = p % 2 === 0 ? (['base', 'new'] as const) : (['new', 'base'] as const);
  for (const k of order) r[k].push(await rate(models[k], k));
  ratios.push(r.new[p] / r.base[p]);
}
await Promise.all([models.base.dispose(), models.new.dispose()]);
const fmt = (a: number[]) => `median ${median(a).toFixed(1)} tok/s, fastest ${Math.max(...a).toFixed(1)} tok/s`;
console.log(`decode ${tokens} tokens after ${prompt.length} x ${pairs} pairs, threads ${threadsArg ?? 'default'}, kv ${opts.kvCache ?? 'f32'}:`);
console.log(`  base: ${fmt(r.base)}\n  new:  ${fmt(r.new)}\n  new/base per pair: median ${median(ratios).toFixed(2)}x`);
const ms = (a: number[]) => `${median(a).toFixed(2)} ms (lowest ${Math.min(...a).toFixed(2)})`;
console.log(`  process CPU per token, median: base ${ms(cpu.base)}, new ${ms(cpu.new)}; base/new ${(median(cpu.base) / median(cpu.new)).toFixed(2)}x`);
