// Where a ragged decode step's time goes: net.step over 1, 4 and 8 independent sequences, with
// every bound kernel call timed by name, plus greedy sampling per row, and the linear kernel alone
// at M = 1..8 rows for the LLaMA projection shapes (cold: one weight copy per layer, as a step
// reads them). Run it under the bench lock; it measures, it asserts nothing.
//   npx tsx bench/serving/step-profile.ts [--mamba] [--steps N] [--threads N] [--rows N (only N rows, no linear table)]
import { join } from 'node:path';

import { nextToken } from '../../lib/generation/sampling.js';
import type { SequenceState } from '../../lib/generation/kv-cache.js';
import type { Ops } from '../../lib/models/layers/ops.js';
import { loadLocal } from '../../lib/models/local.js';
import { kernels } from '../../lib/ops/index.js';
import { Tensor } from '../../lib/tensor.js';
import { makeWeight } from '../../test/cases/matmul.js';
import { Rng } from '../../test/helpers/rng.js';
import { ensureCheckpoint, llamaConfig, mambaConfig } from '../models/checkpoints.js';

const args = process.argv.slice(2);
const value = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const mamba = args.includes('--mamba');
const steps = value('--steps', 16);
const threads = args.includes('--threads') ? value('--threads', 2) : undefined;
const onlyRows = args.includes('--rows') ? value('--rows', 8) : undefined;
const kind = mamba ? 'mamba' : 'llama';
const { dir } = ensureCheckpoint(join(process.cwd(), 'build-bench', 'models'), {
  name: `${kind}-f16`, kind, dtype: 'F16', config: { ...(mamba ? mambaConfig : llamaConfig), torch_dtype: 'float16' }, seed: mamba ? 2 : 1,
});

/** Wraps every kernel of ops in a timer; returns the accumulated ms and calls per name. */
function instrument(ops: Ops): Map<string, { ms: number; calls: number }> {
  const acc = new Map<string, { ms: number; calls: number }>();
  const o = ops as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(o)) {
    if (typeof fn !== 'function') continue;
    o[name] = (...a: unknown[]) => {
      const t = performance.now();
      try {
        return (fn as (...x: unknown[]) => unknown)(...a);
      } finally {
        const e = acc.get(name) ?? { ms: 0, calls: 0 };
        e.ms += performance.now() - t;
        e.calls++;
        acc.set(name, e);
      }
    };
  }
  return acc;
}

async function stepProfile(): Promise<void> {
  const local = await loadLocal(dir, { backend: 'native', threads });
  const net = local.net;
  const timers = instrument(local.ops);
  const run = { ops: local.ops, checkAbort() {} };
  for (const n of onlyRows ? [onlyRows] : [1, 4, 8]) {
    const states: SequenceState[] = [];
    const tokens = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const prompt = Int32Array.from({ length: 8 }, (_, j) => 3 + ((r * 31 + j * 7) % 1000));
      const { state, logits } = net.begin!(new Tensor(prompt, [1, 8]), undefined, run, 8 + 2 * steps + 8);
      states.push(state);
      tokens[r] = nextToken(logits, [], {}, undefined);
    }
    const once = () => {
      const t0 = performance.now();
      const logits = net.step!(states, tokens, run);
      const t1 = performance.now();
      for (let r = 0; r < n; r++) tokens[r] = nextToken(logits.subarray(r * net.vocabSize, (r + 1) * net.vocabSize), [], {}, undefined);
      return { step: t1 - t0, sample: performance.now() - t1 };
    };
    for (let i = 0; i < steps / 2; i++) once();
    timers.clear();
    let step = 0;
    let sample = 0;
    for (let i = 0; i < steps; i++) {
      const t = once();
      step += t.step;
      sample += t.sample;
    }
    const perStep = (ms: number) => (ms / steps).toFixed(2);
    const kernelMs = [...timers.values()].reduce((s, e) => s + e.ms, 0);
    console.log(`${n} rows: step ${perStep(step)} ms (${(step / steps / n).toFixed(2)} ms/row), greedy sampling ${perStep(sample)} ms, outside kernels ${perStep(step - kernelMs)} ms`);
    const sorted = [...timers.entries()].sort((a, b) => b[1].ms - a[1].ms);
    for (const [name, e] of sorted) console.log(`    ${name.padEnd(14)} ${perStep(e.ms).padStart(7)} ms  ${(e.calls / steps).toFixed(0).padStart(4)} calls/step  ${((e.ms / e.calls) * 1000).toFixed(1)} us/call`);
  }
  local.checkpoint.close();
}

/** linear at M = 1..8 over `layers` copies of a [n, k] f16 weight, ms per pass over all copies. */
function linearRows(n: number, k: number, layers: number): void {
  const rng = new Rng(3);
  const ws = Array.from({ length: layers }, () => makeWeight(rng, n, k, 'f16', 0.02));
  const line: string[] = [];
  for (let m = 1; m <= 9; m++) {
    const x = new Tensor(Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)), [m, k]);
    const pass = () => {
      for (const weight of ws) kernels.linear({ x, weight }, { backend: 'native' });
    };
    pass();
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      pass();
      best = Math.min(best, performance.now() - t);
    }
    line.push(`M${m} ${best.toFixed(2)}`);
  }
  console.log(`linear f16 [${n}, ${k}] x${layers}: ${line.join(', ')} ms`);
}

await stepProfile();
if (!mamba && !onlyRows) {
  linearRows(32000, 768, 1);
  linearRows(2048, 768, 24);
  linearRows(768, 768, 48);
}
