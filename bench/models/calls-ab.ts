// What the fused decode calls save inside one model, measured in one thread with no worker: one
// sequence, decode steps (net.next) alternating in blocks between the fused calls (linear with the
// residual, ropeQk) and the calls they replace (linear then add, two rope calls), swapped on the
// model's bound ops, so both sides share the weights, the caches and the load. Prints the median
// ms per step of each side (wall and process CPU) and the median block ratio.
// npx tsx bench/models/calls-ab.ts <checkpoint dir> [steps per block=8] [blocks=16] [threads=1] [prompt=16]
import { loadLocal } from '../../lib/models/local.js';
import { Tensor } from '../../lib/tensor.js';
import { median, now } from '../lib/util.js';

const [dir, stepsArg, blocksArg, threadsArg, promptArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: calls-ab.ts <checkpoint dir> [steps per block] [blocks] [threads] [prompt]');
const steps = Number(stepsArg ?? 8);
const blocks = Number(blocksArg ?? 16);
const promptLen = Number(promptArg ?? 16);
const m = await loadLocal(dir, { backend: 'native', threads: Number(threadsArg ?? 1) });
const { net, ops } = m;
const run = { ops, checkAbort: () => {} };
const prompt = new Tensor(Int32Array.from({ length: promptLen }, (_, i) => 3 + ((i * 7919) % (net.vocabSize - 3))), [1, promptLen]);
const { state } = net.begin!(prompt, undefined, run, promptLen + 2 * steps * (blocks + 1) + 8);

const fused = { linear: ops.linear, ropeQk: ops.ropeQk };
const separate: typeof fused = {
  linear: (x, w, b, residual) => (residual ? ops.add(residual, fused.linear(x, w, b)) : fused.linear(x, w, b)),
  ropeQk: (q, k, positions, invFreq, style) => ({ q: ops.rope(q, positions, invFreq, style), k: ops.rope(k, positions, invFreq, style) }),
};

let token = 5;
function block(on: boolean): { wall: number; cpu: number } {
  Object.assign(ops, on ? fused : separate);
  const c0 = process.cpuUsage();
  const t0 = now();
  for (let s = 0; s < steps; s++) {
    const logits = net.next!(state, Int32Array.of(token), run);
    token = 3 + (logits.indexOf(Math.max(...logits.subarray(0, 64))) % 61);
  }
  const c = process.cpuUsage(c0);
  return { wall: (now() - t0) / steps, cpu: (c.user + c.system) / 1e6 / steps };
}

const t = { on: [] as { wall: number; cpu: number }[], off: [] as { wall: number; cpu: number }[] };
const ratios: number[] = [];
block(true);
block(false);
for (let b = 0; b < blocks; b++) {
  for (const on of b % 2 === 0 ? [true, false] : [false, true]) t[on ? 'on' : 'off'].push(block(on));
  ratios.push(t.off[b].wall / t.on[b].wall);
}
m.checkpoint.close();
const ms = (x: number[]) => (median(x) * 1e3).toFixed(2);
const side = (x: { wall: number; cpu: number }[]) =>
  `median ${ms(x.map((v) => v.wall))} ms/step (fastest ${(Math.min(...x.map((v) => v.wall)) * 1e3).toFixed(2)}), CPU ${ms(x.map((v) => v.cpu))} ms/step`;
console.log(`${steps} steps x ${blocks} blocks, threads ${threadsArg ?? 1}, positions ${promptLen}-${promptLen + 2 * steps * (blocks + 1)}:`);
console.log(`  fused:    ${side(t.on)}\n  separate: ${side(t.off)}`);
console.log(`  separate/fused per block: median ${median(ratios).toFixed(3)}x (> 1: the fused calls are faster)`);
