// Paired A/B of two builds of the addon on the GEMVs of one LLaMA decode step (decode-floor.ts's
// 85 shapes and weights, outputs reused, addon called directly), in one process over the same
// weight buffers: separate processes get different physical pages, which on this VM moves the
// bandwidth by up to ±15% from run to run, more than the kernels differ. Each round times one
// step with A then one with B (alternating which goes first); medians and the per-round ratio.
// rows=M runs the same weights against M x rows (the GEMV serves up to 16: short prompts, batches).
// npx tsx bench/models/gemv-ab.ts <addon A.node> <addon B.node> [rounds=24] [threads=1] [f32] [isa=<name>] [rows=1]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

import type { NativeAddon, NativeKernel } from '../../lib/backend/native.js';
import { median, now } from '../lib/util.js';
import { llamaConfig } from './checkpoints.js';
import { decodeStepWeights } from './decode-step.js';

const args = process.argv.slice(2);
const [pathA, pathB] = args.filter((a) => a.endsWith('.node'));
if (!pathA || !pathB) throw new Error('usage: gemv-ab.ts <A.node> <B.node> [rounds] [threads] [f32] [isa=<name>] [rows=M]');
const [roundsArg, threadsArg] = args.filter((a) => /^\d+$/.test(a));
const dtype = args.includes('f32') ? 'f32' : 'f16';
const isa = args.find((a) => a.startsWith('isa='))?.slice(4);
const rows = Number(args.find((a) => a.startsWith('rows='))?.slice(5) ?? 1);
const rounds = Number(roundsArg ?? 24);
const threads = Number(threadsArg ?? 1);

const require = createRequire(import.meta.url);
const addons = [pathA, pathB].map((p) => {
  const addon = require(resolve(p)) as NativeAddon;
  addon.setThreads(threads);
  if (isa) addon.forceIsa(isa);
  return { name: p, linear: addon.linear as NativeKernel, isa: addon.activeIsa() };
});

const c = llamaConfig;
const weights = decodeStepWeights(dtype);
const bytes = weights.reduce((a, w) => a + w.data.byteLength, 0);
const xs = new Map<number, Float32Array>([c.hidden_size, c.intermediate_size].map((k) => [k, new Float32Array(rows * k).fill(0.1)]));
const outs = new Map<number, Float32Array>(weights.map(({ n }) => [n, new Float32Array(rows * n)]));

function step(linear: NativeKernel): number {
  const t0 = now();
  for (const w of weights) linear({ x: xs.get(w.k), weight: w.data, out: outs.get(w.n), rows, inFeatures: w.k, outFeatures: w.n, dtype }, false);
  return now() - t0;
}

const times: number[][] = [[], []];
const ratios: number[] = [];
for (let r = -1; r < rounds; r++) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  const t = [0, 0];
  for (const i of order) t[i] = step(addons[i].linear);
  if (r < 0) continue;
  times[0].push(t[0]);
  times[1].push(t[1]);
  ratios.push(t[0] / t[1]);
}
console.log(`${(bytes / 2 ** 20).toFixed(0)} MiB ${dtype}, ${rows} x row(s), ${threads} thread(s), isa ${addons[0].isa}/${addons[1].isa}, ${rounds} rounds`);
addons.forEach((a, i) => {
  const m = median(times[i]);
  console.log(`  ${i ? 'B' : 'A'} ${a.name}: median ${(m * 1e3).toFixed(2)} ms/step, ${(bytes / m / 1e9).toFixed(1)} GB/s`);
});
console.log(`  A/B time per round: median ${median(ratios).toFixed(3)}x (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`);
