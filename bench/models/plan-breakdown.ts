// Where a planned decode step's time goes, kernel by kernel: the state's plan run repeatedly at
// one position (planRun's per-call timer), grouped by kernel and weight shape, with each matmul's
// weight-read rate. In one thread's process, no worker or messages: the native step alone.
// npx tsx bench/models/plan-breakdown.ts <checkpoint dir> [prompt=512] [kv=f16] [threads=N] [runs=100]
import { setThreads } from '../../lib/backend/select.js';
import { loadLocal } from '../../lib/models/local.js';
import { planStatus, profilePlan } from '../../lib/models/plan.js';
import { Tensor } from '../../lib/tensor.js';

const named = (key: string) => process.argv.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
const dir = process.argv[2];
if (!dir) throw new Error('usage: plan-breakdown.ts <checkpoint dir> [prompt=512] [kv=f16] [threads=N] [runs=100]');
const promptLen = Number(named('prompt') ?? 512);
const kvCache = named('kv') === 'f16' ? 'f16' : 'f32';
const runs = Number(named('runs') ?? 100);
if (named('threads')) setThreads(Number(named('threads')));
const m = await loadLocal(dir, { backend: 'native', kvCache });
const run = { ops: m.ops, checkAbort() {}, kvCache } as const;
const prompt = Int32Array.from({ length: promptLen }, (_, i) => 3 + ((i * 7919) % (m.net.vocabSize - 3)));
const state = m.net.begin!(new Tensor(prompt, [1, promptLen]), undefined, run, promptLen + 64).state;
for (let i = 0; i < 8; i++) m.net.next!(state, Int32Array.of(3 + i), run);
profilePlan(state, 10);
const calls = profilePlan(state, runs);
if (!calls) throw new Error(`no plan for this model: ${planStatus(state)}`);
// Bytes per weight element, from the largest tensor's stored dtype.
const largest = m.checkpoint.names().map((n) => m.checkpoint.info(n)).sort((a, b) => b.dims.reduce((x, y) => x * y, 1) - a.dims.reduce((x, y) => x * y, 1))[0];
const bytesPer = largest.dtype === 'F32' ? 4 : 2;
const groups = new Map<string, { n: number; s: number }>();
for (const c of calls) {
  const g = groups.get(c.kernel) ?? { n: 0, s: 0 };
  g.n++;
  g.s += c.seconds;
  groups.set(c.kernel, g);
}
const total = calls.reduce((a, c) => a + c.seconds, 0);
console.log(`${calls.length} calls per token at position ${state.length}, kv ${kvCache}: ${(total * 1e3).toFixed(3)} ms of kernels per token`);
for (const [k, g] of [...groups].sort((a, b) => b[1].s - a[1].s)) {
  const shape = /\[(\d+), (\d+)\]/.exec(k);
  const rate = shape ? ` ${((g.n * Number(shape[1]) * Number(shape[2]) * bytesPer * (k.startsWith('gatedLinear') ? 2 : 1)) / g.s / 1e9).toFixed(1)} GB/s of weights` : '';
  console.log(`  ${(g.s * 1e3).toFixed(3).padStart(7)} ms ${((100 * g.s) / total).toFixed(1).padStart(5)}%  ${String(g.n).padStart(3)} x ${k}${rate}`);
}
m.checkpoint.close();
