// npm run bench:kernels [-- --quick] [--threads N] [--only linear,attention] [--case M512] [--no-ts]
//                      [--native-only] [--out file]
// Measures the machine's peaks (FMA and memory probes in the addon), runs every bench case on
// every driver (native at the best ISA, each other ISA forced, the TS twin), prints the table and
// issue 2's targets, and writes JSON (bench/results/kernels.json by default) and the same as a
// markdown section (kernels.md next to it) for bench/RESULTS.md.
// --quick: smaller shapes, fewer iterations (under a minute); --tiny: toy shapes (smoke test).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { backendInfo, forceIsa, listIsas, setThreads } from '../../lib/index.js';
import { probeFmaPeak, probeMemoryBandwidth } from '../../lib/probes.js';
import * as act from './act.bench.js';
import * as attention from './attention.bench.js';
import * as conv from './conv.bench.js';
import * as elementwise from './elementwise.bench.js';
import * as embedding from './embedding.bench.js';
import * as kvcache from './kvcache.bench.js';
import {
  type BenchCase,
  type Driver,
  type Mode,
  type TimingPolicy,
  drivers,
  kernelFn,
  policies,
  runDriver,
} from './harness.js';
import * as matmul from './matmul.bench.js';
import * as norm from './norm.bench.js';
import {
  type BenchReport,
  type Peaks,
  type Row,
  addSpeedups,
  failedRow,
  markdownReport,
  plural,
  tableHeader,
  tableRow,
  timedRow,
} from './report.js';
import * as rope from './rope.bench.js';
import * as scan from './scan.bench.js';
import * as softmax from './softmax.bench.js';
import { checkTargets } from './targets.js';

export type { BenchReport } from './report.js';

// One bench file per kernel family (native/kernels/<family>), each with its cases per mode.
const families: [string, (mode: Mode) => BenchCase[]][] = [
  ['matmul', matmul.benchCases],
  ['attention', attention.benchCases],
  ['scan', scan.benchCases],
  ['conv', conv.benchCases],
  ['norm', norm.benchCases],
  ['softmax', softmax.benchCases],
  ['rope', rope.benchCases],
  ['embedding', embedding.benchCases],
  ['kvcache', kvcache.benchCases],
  ['act', act.benchCases],
  ['elementwise', elementwise.benchCases],
];

export interface BenchOptions {
  mode: Mode;
  /** Pool size for the whole run (default: the addon's, i.e. the machine's cores). */
  threads?: number;
  /** Kernel or family names to run (default: all). */
  only?: string[];
  /** Only cases whose name contains this (e.g. 'M512' or 'S2048 causal'). */
  caseFilter?: string;
  includeTs?: boolean;
  /** Only the best ISA: no forced ISAs, no TS (for profiling one kernel under perf). */
  nativeOnly?: boolean;
  out?: string;
  log?: (line: string) => void;
  /** How the run was started, for the report. */
  command?: string;
}

const probeSettings: Record<Mode, { seconds: number; bytes: number; passes: number }> = {
  full: { seconds: 1, bytes: 512 * 2 ** 20, passes: 5 },
  quick: { seconds: 0.2, bytes: 128 * 2 ** 20, passes: 3 },
  tiny: { seconds: 0.02, bytes: 8 * 2 ** 20, passes: 2 },
};

/** The memory probe at this run's settings (the peaks, and again around BenchCase.probeAround cases). */
const probeMemory = (mode: Mode, threads: number) => probeMemoryBandwidth({ bytes: probeSettings[mode].bytes, passes: probeSettings[mode].passes, threads });

function measurePeaks(mode: Mode, threads: number, log: (s: string) => void): Peaks {
  const isas = listIsas();
  if (isas.length === 0) return { fmaGflops: {} };
  const best = isas[isas.length - 1];
  const ps = probeSettings[mode];
  const peaks: Peaks = { fmaGflops: {} };
  for (const isa of isas) {
    forceIsa(isa);
    peaks.fmaGflops[isa] = probeFmaPeak({ seconds: ps.seconds, threads }).gflops;
  }
  forceIsa(best);
  peaks.fmaGflops1Thread = probeFmaPeak({ seconds: ps.seconds, threads: 1 }).gflops;
  const m = probeMemory(mode, threads);
  peaks.memory = { readGBs: m.readGBs, copyGBs: m.copyGBs, triadGBs: m.triadGBs, bytes: m.bytes };
  log(
    `peaks (${plural(threads, 'thread')}): FMA ${isas.map((i) => `${i} ${peaks.fmaGflops[i].toFixed(1)}`).join(', ')} GFLOP/s` +
      ` (${best} on 1 thread ${peaks.fmaGflops1Thread.toFixed(1)});` +
      ` memory read ${m.readGBs.toFixed(1)}, copy ${m.copyGBs.toFixed(1)}, triad ${m.triadGBs.toFixed(1)} GB/s` +
      ` over ${(m.bytes / 2 ** 20).toFixed(0)} MiB`,
  );
  return peaks;
}

function selected(opts: BenchOptions, family: string, c: BenchCase): boolean {
  const only = opts.only ?? [];
  if (only.length > 0 && !only.includes(family) && !only.includes(c.kernel)) return false;
  return !opts.caseFilter || c.name.includes(opts.caseFilter);
}

/** One case on every driver; a kernel or native path not in this build is a row, not a crash. */
function runCase(c: BenchCase, ds: Driver[], policy: TimingPolicy, peaks: Peaks, probeRead: () => number): Row[] {
  if (!kernelFn(c.kernel)) return [failedRow(c, undefined, 'not available', `kernels.${c.kernel} is not in this build`)];
  let args: unknown[];
  try {
    args = c.args();
  } catch (e) {
    return [failedRow(c, undefined, 'error', `building inputs: ${(e as Error).message}`)];
  }
  const rows: Row[] = [];
  let noNative = false;
  for (const d of ds) {
    if (noNative && d.backend === 'native') continue;
    try {
      const around = c.probeAround && d.backend === 'native' && peaks.memory ? probeRead : undefined;
      const before = around?.();
      const timing = runDriver(c, d, args, policy);
      rows.push(timedRow(c, d, timing, peaks, around ? { before: before!, after: around() } : undefined));
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      // The TS twin and the public op often land before the native kernel.
      noNative = /native addon has no kernel/.test(msg);
      rows.push(noNative ? failedRow(c, d, 'not available', 'no native kernel in this build') : failedRow(c, d, 'error', msg));
    }
  }
  addSpeedups(rows);
  return rows;
}

export function runBench(opts: BenchOptions): BenchReport {
  const log = opts.log ?? ((s: string) => console.log(s));
  const info = backendInfo();
  if (opts.threads !== undefined) setThreads(opts.threads);
  const threads = backendInfo().threads;
  const isas = listIsas();
  const report: BenchReport = {
    command: opts.command ?? 'runBench()',
    mode: opts.mode,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      logicalCpus: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      backend: info.backend + (info.reason ? ` (${info.reason})` : '') + (info.malloc ? `, malloc ${info.malloc}` : ''),
      isas,
      threads,
      loadavgStart: loadavg(),
    },
    peaks: { fmaGflops: {} },
    rows: [],
    targets: [],
  };
  log(`attnscan kernel benchmarks (${opts.mode}): ${report.machine.cpu}, ${report.machine.logicalCpus} CPUs, ` +
    `${plural(threads, 'thread')}, ISAs ${isas.join(' ') || 'none'}, malloc ${info.malloc ?? 'n/a'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  report.peaks = measurePeaks(opts.mode, threads, log);
  const probeRead = () => probeMemory(opts.mode, threads).readGBs;
  const ds = opts.nativeOnly ? drivers(false).slice(0, 1) : drivers(opts.includeTs ?? true);
  log(tableHeader());
  for (const [family, cases] of families) {
    for (const c of cases(opts.mode).filter((x) => selected(opts, family, x))) {
      const rows = runCase(c, ds, policies[opts.mode], report.peaks, probeRead);
      for (const r of rows) log(tableRow(r));
      report.rows.push(...rows);
    }
  }
  report.targets = checkTargets(report.rows, opts.mode === 'tiny');
  report.machine.loadavgEnd = loadavg();
  log(`\ntargets (issue 2; ${threads === 2 ? '2 threads' : `${plural(threads, 'thread')}: the targets assume 2`}):`);
  for (const t of report.targets) log(`  ${t.verdict.padEnd(4)}  ${t.target}: ${t.detail}`);
  const out = opts.out ?? join(dirname(fileURLToPath(import.meta.url)), '../results/kernels.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  const md = out.replace(/\.json$/, '') + '.md';
  writeFileSync(md, markdownReport(report));
  log(`\nwrote ${out} and ${md}`);
  return report;
}

function parseArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = { mode: 'full' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') opts.mode = 'quick';
    else if (a === '--tiny') opts.mode = 'tiny';
    else if (a === '--no-ts') opts.includeTs = false;
    else if (a === '--native-only') opts.nativeOnly = true;
    else if (a === '--case') opts.caseFilter = value();
    else if (a === '--threads') opts.threads = Number(value());
    else if (a === '--only') opts.only = value().split(',').filter(Boolean);
    else if (a === '--out') opts.out = value();
    else throw new Error(`unknown flag ${a} (--quick, --tiny, --threads N, --only names, --case text, --no-ts, --native-only, --out file)`);
  }
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1 && opts.threads <= 256)) {
    throw new Error('--threads must be an integer in [1, 256]');
  }
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  runBench({ ...parseArgs(argv), command: `npm run bench:kernels${argv.length ? ` -- ${argv.join(' ')}` : ''}` });
}
