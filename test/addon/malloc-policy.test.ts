// The allocator policy the addon applies at load (native/common/malloc_policy.h): with glibc,
// freed kernel outputs stay mapped for reuse, so allocating outputs in batches freed by the GC
// stops faulting fresh pages in; ATTNSCAN_MALLOC=system, or the user's own glibc malloc
// settings, leave the allocator alone. Each case is a child process (the policy is per process).
import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { packageRoot } from '../../lib/util/paths.js';
import { nativeLoaded } from '../helpers/backends.js';

const glibc = Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime);

interface ChildReport {
  malloc: string;
  workerMalloc: string;
  faultsPerRound: number;
}

// Rounds of 20 fresh 1.5 MiB outputs (384 pages each), dropped and collected together.
const body = `
  const { Worker } = await import('node:worker_threads');
  const { backendInfo, kernels, Tensor } = await import('./lib/index.ts');
  const malloc = backendInfo().malloc;
  const x = new Tensor(new Float32Array(393216).fill(1), [512, 768]);
  const round = () => { let keep = []; for (let i = 0; i < 20; i++) keep.push(kernels.rmsNorm({ x })); keep = null; globalThis.gc(); };
  round(); round();
  const f0 = process.resourceUsage().minorPageFault;
  for (let r = 0; r < 8; r++) round();
  const faultsPerRound = (process.resourceUsage().minorPageFault - f0) / 8;
  const w = new Worker(
    "import { parentPort } from 'node:worker_threads'; import { createRequire } from 'node:module';" +
    "parentPort.postMessage(createRequire(process.cwd() + '/')('node-gyp-build')(process.cwd()).mallocPolicy());",
    { eval: true },
  );
  const workerMalloc = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  await w.terminate();
  console.log(JSON.stringify({ malloc, workerMalloc, faultsPerRound }));`;

function child(env: Record<string, string>): ChildReport {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^MALLOC_.*_$/.test(k) && k !== 'GLIBC_TUNABLES' && k !== 'ATTNSCAN_MALLOC'),
  );
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', body], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...clean, ATTNSCAN_BACKEND: 'native', ...env },
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

describe.runIf(nativeLoaded)('malloc policy', () => {
  it.runIf(glibc)('with glibc, tunes it once per process and stops batches of outputs from faulting pages in', () => {
    const r = child({});
    expect(r.malloc).toBe('tuned');
    expect(r.workerMalloc).toBe('tuned');
    expect(r.faultsPerRound).toBeLessThan(64);
  });

  it.runIf(!glibc)('without glibc, leaves the allocator alone', () => {
    expect(child({}).malloc).toBe('system (not glibc)');
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
