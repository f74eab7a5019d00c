// npx tsx bench/kernels/alloc-loop.ts [kernel] [case] [seconds]   (default: add 512x768+512x768 2)
// One bench case's allocating call (a fresh output per call, as bench:kernels' non-"out" rows) in a
// loop: after a 1 s warm-up, µs per call and page faults per call in the steady state, with the
// addon's malloc policy (compare ATTNSCAN_MALLOC=system; bench/RESULTS.md, Session 7). A fault
// costs this VM about 12 µs, so faults per call x 12 µs is what the allocator costs a call.
import { backendInfo } from '../../lib/index.js';
import { benchCases as elementwise } from './elementwise.bench.js';
import { kernelFn } from './harness.js';
import { benchCases as norm } from './norm.bench.js';
import { benchCases as rope } from './rope.bench.js';

const [kernel = 'add', name = '512x768+512x768', seconds = '2'] = process.argv.slice(2);
const c = [...norm('full'), ...elementwise('full'), ...rope('full')].find((x) => x.kernel === kernel && x.name === name);
if (!c) throw new Error(`no bench case ${kernel} '${name}' (norm, elementwise and rope cases)`);
const fn = kernelFn(kernel)!;
const args = c.args()[0];
const loop = (s: number) => {
  let calls = 0;
  const faults = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  while (performance.now() - t0 < s * 1000) {
    fn(args, { backend: 'native' });
    calls++;
  }
  return { us: ((performance.now() - t0) * 1000) / calls, faults: (process.resourceUsage().minorPageFault - faults) / calls, calls };
};
const warm = loop(1);
const r = loop(Number(seconds));
console.log(
  `${kernel} ${name}, malloc ${backendInfo().malloc ?? 'n/a'}: warm-up ${warm.us.toFixed(1)} µs/call (${warm.faults.toFixed(1)} faults/call), ` +
    `then ${r.us.toFixed(1)} µs/call, ${r.faults.toFixed(2)} faults/call over ${r.calls} calls`,
);
