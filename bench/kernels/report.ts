// Benchmark rows: derived rates (from shape arithmetic), the fixed-width table and the JSON file.
import type { BenchCase, Driver, Timing } from './harness.js';
import { fmtNum, fmtTime, plural } from '../lib/util.js';
import type { TargetResult } from './targets.js';

export interface Peaks {
  /** GFLOP/s of the FMA probe per ISA at the run's thread count. */
  fmaGflops: Record<string, number>;
  /** GFLOP/s of the FMA probe at the best ISA on one thread (the TS twin is single-threaded). */
  fmaGflops1Thread?: number;
  memory?: { readGBs: number; copyGBs: number; triadGBs: number; bytes: number };
}

export interface Row {
  kernel: string;
  case: string;
  driver: string;
  isa: string;
  status: 'ok' | 'not available' | 'error';
  note?: string;
  medianMs?: number;
  bestMs?: number;
  runs?: number;
  callsPerRun?: number;
  gflops?: number;
  gbs?: number;
  elementsPerS?: number;
  /** ts time / this time (native drivers), from the medians. */
  speedupVsTs?: number;
  /** The same from the fastest single calls. */
  speedupVsTsBest?: number;
  /** Of the FMA probe at this driver's ISA (compute-bound) or of the read bandwidth (memory-bound). */
  fractionOfPeak?: number;
  peak?: 'fma' | 'memory';
  /** The read probes taken right before and after this row (BenchCase.probeAround), GB/s. */
  probesGBs?: { before: number; after: number };
  tags: string[];
}

export function timedRow(c: BenchCase, d: Driver, t: Timing, peaks: Peaks, probesGBs?: { before: number; after: number }): Row {
  const s = t.medianS;
  const row: Row = {
    kernel: c.kernel,
    case: c.name,
    driver: d.name,
    isa: d.isa,
    status: 'ok',
    medianMs: s * 1e3,
    bestMs: t.bestS * 1e3,
    runs: t.runs,
    callsPerRun: t.callsPerRun,
    tags: c.tags ?? [],
    ...(t.note ? { note: t.note } : {}),
  };
  if (c.flops !== undefined) row.gflops = (c.flops / s) * 1e-9;
  if (c.bytes !== undefined) row.gbs = (c.bytes / s) * 1e-9;
  if (c.elements !== undefined) row.elementsPerS = c.elements / s;
  if (d.backend === 'native') {
    const fma = peaks.fmaGflops[d.isa];
    if (c.bound === 'compute' && fma && row.gflops !== undefined) {
      row.fractionOfPeak = row.gflops / fma;
      row.peak = 'fma';
    } else if (c.bound === 'memory' && peaks.memory && row.gbs !== undefined) {
      const read = probesGBs ? Math.max(probesGBs.before, probesGBs.after) : peaks.memory.readGBs;
      row.fractionOfPeak = row.gbs / read;
      row.peak = 'memory';
      if (probesGBs) {
        row.probesGBs = probesGBs;
        row.note = `${row.note ? `${row.note}; ` : ''}read probe ${probesGBs.before.toFixed(1)} before, ${probesGBs.after.toFixed(1)} after`;
      }
    }
  }
  return row;
}

export function failedRow(c: BenchCase, d: Driver | undefined, status: Row['status'], note: string): Row {
  return { kernel: c.kernel, case: c.name, driver: d?.name ?? '-', isa: d?.isa ?? '-', status, note, tags: c.tags ?? [] };
}

/** Fills speedupVsTs on the native rows of one case from its ts row. */
export function addSpeedups(rows: Row[]): void {
  const ts = rows.find((r) => r.driver === 'ts' && r.status === 'ok');
  if (!ts?.medianMs) return;
  for (const r of rows) {
    if (r.driver === 'ts' || r.status !== 'ok' || !r.medianMs) continue;
    r.speedupVsTs = ts.medianMs / r.medianMs;
    if (ts.bestMs && r.bestMs) r.speedupVsTsBest = ts.bestMs / r.bestMs;
  }
}

export { plural } from '../lib/util.js';

const columns: [string, number, (r: Row) => string][] = [
  ['kernel', 13, (r) => r.kernel],
  ['case', 32, (r) => r.case],
  ['driver', 7, (r) => r.driver],
  ['median', 10, (r) => fmtTime(r.medianMs)],
  ['best', 10, (r) => fmtTime(r.bestMs)],
  ['runs', 6, (r) => (r.runs === undefined ? '' : `${r.runs}x${r.callsPerRun}`)],
  ['GFLOP/s', 8, (r) => fmtNum(r.gflops)],
  ['GB/s', 7, (r) => fmtNum(r.gbs)],
  ['elem/s', 7, (r) => fmtNum(r.elementsPerS)],
  ['xTS', 7, (r) => (r.speedupVsTs === undefined ? '' : `${r.speedupVsTs.toFixed(1)}x`)],
  ['%peak', 9, (r) => (r.fractionOfPeak === undefined ? '' : `${(100 * r.fractionOfPeak).toFixed(0)}% ${r.peak === 'fma' ? 'F' : 'M'}`)],
];

export function tableHeader(): string {
  const head = columns.map(([h, w]) => h.padEnd(w)).join(' ');
  return `${head}  note\n${'-'.repeat(head.length + 6)}`;
}

export function tableRow(r: Row): string {
  if (r.status !== 'ok') {
    return `${r.kernel.padEnd(13)} ${r.case.padEnd(32)} ${r.driver.padEnd(7)} ${r.status}${r.note ? `: ${r.note}` : ''}`;
  }
  return `${columns.map(([, w, f]) => f(r).padEnd(w)).join(' ')}  ${r.note ?? ''}`.trimEnd();
}

/** The table as GitHub markdown. */
export function markdownTable(rows: Row[]): string {
  const head = `| ${columns.map(([h]) => h).join(' | ')} | note |`;
  const sep = `|${columns.map(() => '---').join('|')}|---|`;
  const body = rows.map((r) => {
    const cells =
      r.status === 'ok'
        ? columns.map(([, , f]) => f(r))
        : [r.kernel, r.case, r.driver, r.status, ...columns.slice(4).map(() => '')];
    return `| ${cells.join(' | ')} | ${r.note ?? ''} |`;
  });
  return [head, sep, ...body].join('\n');
}

export interface BenchReport {
  command: string;
  mode: string;
  date: string;
  machine: {
    cpu: string;
    logicalCpus: number;
    memoryGiB: number;
    node: string;
    platform: string;
    backend: string;
    isas: string[];
    threads: number;
    loadavgStart: number[];
    loadavgEnd?: number[];
  };
  peaks: Peaks;
  rows: Row[];
  targets: TargetResult[];
}

/** Machine, peaks, table and targets of one run, as the generated part of bench/RESULTS.md. */
export function markdownReport(r: BenchReport): string {
  const m = r.machine;
  const fma = Object.entries(r.peaks.fmaGflops).map(([isa, g]) => `${isa} ${g.toFixed(1)}`).join(', ');
  const mem = r.peaks.memory;
  return [
    `Command: \`${r.command}\` (${r.mode}), ${r.date}.`,
    '',
    `Machine: ${m.cpu}, ${m.logicalCpus} logical CPUs, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}; ` +
      `backend ${m.backend}, ISAs ${m.isas.join(' ')}, ${plural(m.threads, 'thread')}; ` +
      `load average ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ` +
      `${(m.loadavgEnd ?? []).map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    `Measured peaks (${plural(m.threads, 'thread')}): FMA ${fma} GFLOP/s` +
      (r.peaks.fmaGflops1Thread ? ` (best ISA on 1 thread: ${r.peaks.fmaGflops1Thread.toFixed(1)})` : '') +
      (mem ? `; memory read ${mem.readGBs.toFixed(1)}, copy ${mem.copyGBs.toFixed(1)}, triad ${mem.triadGBs.toFixed(1)} GB/s over ${(mem.bytes / 2 ** 20).toFixed(0)} MiB.` : '.'),
    '',
    markdownTable(r.rows),
    '',
    '| target | verdict | detail |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.target} | ${t.verdict} | ${t.detail} |`),
    '',
  ].join('\n');
}
