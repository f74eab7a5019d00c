// Paired decode timing of the f32 and the f16 KV cache on one checkpoint, in one process, on a
// shared machine: per position, each side prefills the same prompt once into its own cache, then
// rounds of `steps` greedy decode steps alternate between the sides (which goes first alternates
// too), so both see the same load. A step is the scheduler's (net.step over one sequence: the
// ragged attention path Model.generate takes). Prints per side the median tokens/s, the K/V bytes a
// step reads at that position, and the median of the per-round ratios f16 / f32; the same from the
// process's CPU time (process.cpuUsage), which a machine shared with other jobs disturbs less than
// wall time (time spent waiting for a core is not counted).
// npx tsx bench/models/kv-cache-ab.ts <checkpoint dir> [positions=512,2048] [steps=16] [rounds=6] [threads=1]
import { loadavg } from 'node:os';

import type { KvDType } from '../../lib/generation/kv-cache.js';
import { loadLocal } from '../../lib/models/local.js';
import { Tensor } from '../../lib/tensor.js';
import { benchPrompt, median, now } from '../lib/util.js';

const [dir, positionsArg, stepsArg, roundsArg, threadsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: kv-cache-ab.ts <checkpoint dir> [positions=512,2048] [steps=16] [rounds=6] [threads=1]');
const positions = (positionsArg ?? '512,2048').split(',').map(Number);
const steps = Number(stepsArg ?? 16);
const rounds = Number(roundsArg ?? 6);
const threads = Number(threadsArg ?? 1);

const m = await loadLocal(dir, { backend: 'native', threads });
const sides: KvDType[] = ['f32', 'f16'];
const argmax = (a: Float32Array) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};

console.log(`kv-cache A/B: ${dir}, ${threads} thread(s), ${steps} steps x ${rounds} rounds per side and position; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const pos of positions) {
  const prompt = Int32Array.from(benchPrompt(pos, m.net.vocabSize));
  const capacity = pos + steps * (rounds + 1) + 1;
  const state = {} as Record<KvDType, { run: { ops: typeof m.ops; checkAbort(): void; kvCache: KvDType }; s: ReturnType<NonNullable<typeof m.net.begin>>['state']; token: number; kvBytes: number }>;
  for (const kv of sides) {
    const run = { ops: m.ops, checkAbort() {}, kvCache: kv };
    const t0 = now();
    const { state: s, logits } = m.net.begin!(new Tensor(prompt, [1, pos]), undefined, run, capacity);
    const kvBytes = s.layers.reduce((n, l) => n + (l.self ? l.self.tokenBytes : 0), 0) * pos;
    console.log(`  prefill ${pos} tokens (${kv} cache): ${(now() - t0).toFixed(1)} s`);
    state[kv] = { run, s, token: argmax(logits), kvBytes };
  }
  /** Tokens per wall second and per CPU second of `steps` decode steps. */
  const step = (kv: KvDType) => {
    const x = state[kv];
    const t0 = now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) x.token = argmax(m.net.step!([x.s], Int32Array.of(x.token), x.run));
    const cpu = process.cpuUsage(c0);
    return { wall: steps / (now() - t0), cpu: steps / ((cpu.user + cpu.system) / 1e6) };
  };
  // One untimed round each: first touch of the grown caches and the scratch.
  for (const kv of sides) step(kv);
  const rate: Record<KvDType, { wall: number; cpu: number }[]> = { f32: [], f16: [] };
  for (let r = 0; r < rounds; r++) for (const kv of r % 2 ? [...sides].reverse() : sides) rate[kv].push(step(kv));
  for (const clock of ['wall', 'cpu'] as const) {
    for (const kv of sides) {
      const xs = rate[kv].map((x) => x[clock]);
      console.log(`  @${pos} ${kv} ${clock}: median ${median(xs).toFixed(1)} tok/s (fastest ${Math.max(...xs).toFixed(1)}), K/V read per step ${(state[kv].kvBytes / 2 ** 20).toFixed(1)} MiB`);
    }
    const ratios = rate.f16.map((x, r) => x[clock] / rate.f32[r][clock]);
    console.log(`  @${pos} ${clock} f16/f32 per round: median ${median(ratios).toFixed(3)}x (${ratios.map((x) => x.toFixed(2)).join(' ')})`);
  }
}
console.log(`load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
m.checkpoint.close();
