// The allocator policy the addon applies at load (native/common/malloc_policy.h): with glibc,
// freed kernel outputs stay mapped for reuse, so a loop of allocating calls (the GC frees their
// outputs in batches) stops faulting fresh pages in: with glibc's defaults every page of every
// 1.5 MiB output faults (384 a call on the benchmark VM), tuned well under one a call once the
// heap has grown. ATTNSCAN_MALLOC=system, or the user's own glibc malloc settings, leave the
// allocator alone. Each case is a child process (the policy is per process).
import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { packageRoot } from '../../lib/util/paths.js';
import { nativeLoaded } from '../helpers/backends.js';

// CI's sanitizer run preloads libasan, whose allocator replaces glibc's.
const sanitized = (process.env.LD_PRELOAD ?? '').includes('libasan');
const glibc = !sanitized && Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime);

interface ChildReport {
  malloc: string;
  workerMalloc: string;
  faultsPerCall: number;
}

// CALLS allocating rmsNorm calls (a fresh 1.5 MiB output each) to grow the heap, then CALLS more counted.
const body = `
  const { Worker } = await import('node:worker_threads');
  const { backendInfo, kernels, Tensor } = await import('./lib/index.ts');
  const malloc = backendInfo().malloc;
  const x = new Tensor(new Float32Array(393216).fill(1), [512, 768]);
  const calls = Number(process.env.CALLS);
  for (let i = 0; i < calls; i++) kernels.rmsNorm({ x });
  const f0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < calls; i++) kernels.rmsNorm({ x });
  const faultsPerCall = calls ? (process.resourceUsage().minorPageFault - f0) / calls : 0;
  const w = new Worker(
    "import { parentPort } from 'node:worker_threads'; import { createRequire } from 'node:module';" +
    "parentPort.postMessage(createRequire(process.cwd() + '/')('node-gyp-build')(process.cwd()).mallocPolicy());",
    { eval: true },
  );
  const workerMalloc = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  await w.terminate();
  console.log(JSON.stringify({ malloc, workerMalloc, faultsPerCall }));`;

function child(env: Record<string, string>): ChildReport {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^MALLOC_.*_$/.test(k) && k !== 'GLIBC_TUNABLES' && k !== 'ATTNSCAN_MALLOC'),
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...clean, ATTNSCAN_BACKEND: 'native', CALLS: '0', ...env },
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

describe.runIf(nativeLoaded)('malloc policy', () => {
  it.runIf(glibc)('with glibc, tunes it once per process and stops fresh outputs from faulting pages in', () => {
    const r = child({ CALLS: '300' });
    expect(r.malloc).toBe('tuned');
    expect(r.workerMalloc).toBe('tuned');
    // A tenth of one output's 384 pages: glibc's defaults fault them all, every call.
    expect(r.faultsPerCall).toBeLessThan(38.4);
  });

  it.runIf(!glibc && !sanitized)('without glibc, leaves the allocator alone', () => {
    expect(child({}).malloc).toBe('system (not glibc)');
  });

  it.runIf(sanitized)("under AddressSanitizer, leaves the sanitizer's allocator alone", () => {
    expect(child({}).malloc).toBe("system (AddressSanitizer's allocator)");
  });

  it('ATTNSCAN_MALLOC=system leaves the allocator alone', () => {
    const r = child({ ATTNSCAN_MALLOC: 'system' });
    expect(r.malloc).toBe('system (ATTNSCAN_MALLOC=system)');
    expect(r.workerMalloc).toBe(r.malloc);
  });

  it('an unknown ATTNSCAN_MALLOC value leaves the allocator alone and says so', () => {
    expect(child({ ATTNSCAN_MALLOC: 'fast' }).malloc).toBe("system (ATTNSCAN_MALLOC is neither 'tuned' nor 'system')");
  });

  it.runIf(glibc)("the user's own glibc malloc settings win", () => {
    const why = 'system (the environment sets glibc malloc options)';
    expect(child({ MALLOC_TRIM_THRESHOLD_: '1048576' }).malloc).toBe(why);
    expect(child({ GLIBC_TUNABLES: 'glibc.malloc.top_pad=1048576' }).malloc).toBe(why);
    expect(child({ GLIBC_TUNABLES: 'glibc.cpu.hwcaps=-AVX512F', ATTNSCAN_MALLOC: 'tuned' }).malloc).toBe('tuned');
  });
});
